"""The synthetic demo data: same seed same bytes, the contract's rules, realism, and pooled RLs
that land on the national figures the data was drawn around."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wres_tools.cli import app
from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_NOT_BLANK,
    ACTION_PLAN_TABLE,
    ACTION_STATUSES,
    AGGREGATE_TABLES,
    DENOMINATOR_FROM_WORKFORCE,
    METADATA_TABLE,
    RECORD_TABLES,
    SERVICE_ALIASES,
    SURVEY_QUESTIONS,
)
from wres_tools.demo import synth
from wres_tools.ethnicity import classify, is_blank
from wres_tools.parameters import load_parameters
from wres_tools.regions import ADASS_REGIONS
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.load import load_return
from wres_tools.returns.parse import metric_ids
from wres_tools.returns.validate import looks_like_a_name
from wres_tools.returns.writer import return_path, write_return

SEED = synth.DEFAULT_SEED
Returns = dict[tuple[str, int], dict[str, pd.DataFrame]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("demo")
    return out, synth.generate(out, seed=SEED)


@pytest.fixture(scope="module")
def written(demo: tuple[Path, list[Path]]) -> dict[Path, dict[str, pd.DataFrame]]:
    """Every written return, read back with plain pandas (the io module is not this branch's)."""
    return {path: read_back(path) for path in demo[1]}


@pytest.fixture(scope="module")
def returns() -> Returns:
    return {
        (spec.slug, year): synth.authority_return(spec, year, SEED)
        for spec in synth.AUTHORITIES
        for year in synth.YEARS
    }


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def read_back(path: Path) -> dict[str, pd.DataFrame]:
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name=None, engine="calamine")
    return {p.stem: pd.read_csv(p) for p in sorted(path.glob("*.csv"))}


def ethnic_class(labels: pd.Series) -> np.ndarray:
    """white / minority / unknown per label, through the project's one mapping."""
    codes, distinct = pd.factorize(labels, use_na_sentinel=False)
    return np.array([classify(label).ethnic_class for label in distinct], dtype=object)[codes]


def spec_of(slug: str) -> synth.AuthoritySpec:
    return next(s for s in synth.AUTHORITIES if s.slug == slug)


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.heavy
def test_generate_writes_54_returns_and_18_parameter_files(demo):
    out, written = demo
    expected = [
        return_path(out, spec.slug, year, spec.form)
        for spec in synth.AUTHORITIES
        for year in synth.YEARS
    ]
    assert written == expected and len(written) == 18 * 3
    assert all(p.exists() for p in written)
    params = sorted(p.name for p in (out / "parameters").iterdir())
    assert params == sorted(f"{s.slug}.yml" for s in synth.AUTHORITIES)
    # nothing else is written
    assert {p.name for p in out.iterdir()} == {s.slug for s in synth.AUTHORITIES} | {"parameters"}


@pytest.mark.heavy
def test_same_seed_gives_the_same_bytes_through_the_command_line(demo, tmp_path):
    out, _ = demo
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "Wrote 54 synthetic returns" in result.output
    first, second = files_under(out), files_under(tmp_path)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_workbooks_carry_no_time_of_writing(demo):
    # Two runs in the same second would match even with a clock in the file: look inside.
    out, written = demo
    for path in [p for p in written if p.suffix == ".xlsx"]:
        with zipfile.ZipFile(path) as book:
            assert {info.date_time for info in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = book.read("docProps/core.xml").decode()
        stamps = re.findall(r"<dcterms:(\w+)[^>]*>([^<]*)<", core)
        assert stamps == [("created", "2000-01-01T00:00:00Z"), ("modified", "2000-01-01T00:00:00Z")]


def test_another_seed_gives_other_figures(returns):
    for spec in synth.AUTHORITIES:
        for year in synth.YEARS:
            other = synth.authority_return(spec, year, SEED + 1)
            same = returns[(spec.slug, year)]
            assert other.keys() == same.keys()
            data = [name for name in same if name != METADATA_TABLE]
            assert any(not other[n].equals(same[n]) for n in data), (spec.slug, year)


def test_an_authority_does_not_depend_on_the_others(demo, tmp_path, monkeypatch):
    out, _ = demo
    few = synth.AUTHORITIES[-4:]
    monkeypatch.setattr(synth, "AUTHORITIES", few)
    synth.generate(tmp_path, seed=SEED)
    alone, among_all = files_under(tmp_path), files_under(out)
    assert alone and all(among_all[name] == data for name, data in alone.items())


def test_files_hold_exactly_the_tables(demo, written, returns):
    out, _ = demo
    for spec in synth.AUTHORITIES:
        for year in synth.YEARS:
            tables = returns[(spec.slug, year)]
            found = written[return_path(out, spec.slug, year, spec.form)]
            assert sorted(found) == sorted(tables)
            for name, frame in tables.items():
                pd.testing.assert_frame_equal(
                    found[name], frame, check_dtype=False, obj=f"{spec.slug} {year} {name}"
                )


# --------------------------------------------------------------------------- marked synthetic


def test_every_return_says_it_is_synthetic(written):
    for path, tables in written.items():
        meta = tables[METADATA_TABLE]
        values = dict(zip(meta["key"], meta["value"].astype(str), strict=True))
        slug, year = path.parent.name, path.stem  # <slug>/<year>.xlsx or <slug>/<year>/
        assert values == {
            "synthetic": "true",
            "generator": "wres_tools.demo.synth",
            "seed": str(SEED),
            "authority": slug,
            "year": year,
            "note": "SYNTHETIC DEMO DATA - not a real authority",
        }


def test_parameter_files_load_and_say_synthetic(demo):
    out, _ = demo
    codes = set()
    inferred = []
    for spec in synth.AUTHORITIES:
        params = load_parameters(spec.slug, out / "parameters")
        assert params.synthetic is True
        assert params.display_name == spec.display_name
        assert re.fullmatch(r"E99\d{6}", params.ons_code)
        codes.add(params.ons_code)
        assert sum(params.population.values()) == pytest.approx(1, abs=1e-9)
        assert all(classify(label).ethnic_class != "unknown" for label in params.population)
        assert set(params.senior_bands) <= set(spec.bands)
        if params.pay_bands is None:
            inferred.append(spec.slug)
        else:
            assert params.pay_bands == list(spec.bands)
    assert len(codes) == 18
    # 1-2 files leave the band order to the toolkit, with bands that name their amounts
    assert 1 <= len(inferred) <= 2
    assert all(spec_of(slug).bands == synth.SKILLS_FOR_CARE_BANDS for slug in inferred)


@pytest.mark.heavy
def test_every_demo_return_passes_wres_validate(demo):
    # runs once the io branch (reader and validator) is merged; until then there is nothing to run
    pytest.importorskip("wres_tools.returns")
    pytest.importorskip("wres_tools.returns.validate")
    out, _ = demo
    result = CliRunner().invoke(app, ["validate", "--data-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "54 return(s) checked, 0 with problems" in result.output


# --------------------------------------------------------------------------- the contract


def _check_labels(frame: pd.DataFrame, where: str) -> None:
    for label in frame["ethnicity"].unique():
        classify(label)  # raises on a label the mapping does not know
    if "service" in frame:
        services = {SERVICE_ALIASES.get(s.lower().replace("'", "")) for s in frame["service"]}
        assert services <= {"adults", "children"}, where


def check_aggregate(spec: synth.AuthoritySpec, tables: dict[str, pd.DataFrame], where: str) -> None:
    """Every rule of the data contract an aggregate return must keep."""
    assert list(tables)[0] == METADATA_TABLE
    assert set(tables) - {METADATA_TABLE, ACTION_PLAN_TABLE} <= set(AGGREGATE_TABLES)
    check_plan(spec, tables.get(ACTION_PLAN_TABLE), where)
    workforce = tables["workforce"]
    keys = ["service", "ethnicity"] if spec.service_split else ["ethnicity"]
    held = workforce.groupby(keys, dropna=False)["headcount"].sum()
    for name, frame in tables.items():
        if name in (METADATA_TABLE, ACTION_PLAN_TABLE):
            continue
        table = AGGREGATE_TABLES[name]
        assert list(frame.columns) == [c for c in table.columns if c in frame.columns]
        assert {*keys, *table.keys, *table.counts} <= set(frame.columns), (where, name)
        assert ("service" in frame) == spec.service_split
        for column in [c for c in (*table.counts, *table.optional_counts) if c in frame]:
            assert pd.api.types.is_integer_dtype(frame[column]), (where, name, column)
            assert (frame[column] >= 0).all(), (where, name, column)
        assert not frame.duplicated([*keys, *table.keys]).any(), (where, name)
        _check_labels(frame, where)
        if name in DENOMINATOR_FROM_WORKFORCE:
            event = table.counts[0]
            if "headcount" in frame:
                assert (frame[event] <= frame["headcount"]).all(), (where, name)
            else:  # against the workforce's headcount for the same service and ethnicity
                index = pd.MultiIndex.from_frame(frame[keys]) if len(keys) > 1 else frame[keys[0]]
                denominators = held.reindex(index)
                assert denominators.notna().all(), (where, name)
                assert (frame[event].to_numpy() <= denominators.to_numpy()).all(), (where, name)
    assert set(workforce["pay_band"]) <= set(spec.bands)
    recruitment = tables["recruitment"]
    assert (recruitment["appointed"] <= recruitment["shortlisted"]).all(), where
    if "fitness_to_practise" in tables:
        ftp = tables["fitness_to_practise"]
        assert (ftp["entered"] <= ftp["registered"]).all(), where
    survey = tables["survey"]
    assert (survey["yes"] <= survey["respondents"]).all(), where
    assert set(survey["question"]) <= set(SURVEY_QUESTIONS)


def check_plan(spec: synth.AuthoritySpec, plan: pd.DataFrame | None, where: str) -> None:
    """An action plan as the contract asks: its columns, unique ids, known metrics and statuses,
    4-12 actions; service only where the authority splits its services."""
    if plan is None:
        return
    optional = ["service"] if spec.service_split else []
    assert list(plan.columns) == [*ACTION_PLAN_COLUMNS, *optional, "due", "update_date"], where
    if spec.plan_updates:  # the position at the end of May, then the autumn update
        assert (plan["update_date"].str[5:].tolist()
                == ["05-31", "10-31"] * (len(plan) // 2)), where
        assert (plan["action_id"].iloc[::2].tolist()
                == plan["action_id"].iloc[1::2].tolist()), where
        later = plan.iloc[1::2]
        assert later[["objective", "metrics", "action", "owner"]].isna().all().all(), where
        plan = plan.iloc[::2]  # an action's first row carries every column
    else:
        assert plan["update_date"].isna().all(), where
    assert 4 <= len(plan) <= 12, where
    assert plan["action_id"].is_unique, where
    assert set(plan["status"]) <= set(ACTION_STATUSES), where
    for column in ACTION_PLAN_NOT_BLANK:
        assert plan[column].notna().all(), (where, column)
    for text in plan["metrics"]:
        ids, bad = metric_ids(text)
        assert ids and not bad, (where, text)
    if spec.service_split:
        services = {SERVICE_ALIASES[s.lower().replace("'", "")] for s in plan["service"].dropna()}
        assert services <= {"adults", "children"}, where


RECORD_FLAGS = {
    "staff": ("senior_manager", "registered", "disciplinary", "ftp", "cpd", "left"),
    "applications": ("shortlisted", "appointed"),
}
RECORD_IDS = {"staff": r"S\d{6}", "applications": r"A\d{6}", "survey_responses": r"R\d{6}"}


def check_record(spec: synth.AuthoritySpec, tables: dict[str, pd.DataFrame], where: str) -> None:
    """Every rule of the data contract a record-level return must keep."""
    plan = [ACTION_PLAN_TABLE] if ACTION_PLAN_TABLE in tables else []
    assert list(tables) == [METADATA_TABLE, *RECORD_TABLES, *plan]
    check_plan(spec, tables.get(ACTION_PLAN_TABLE), where)
    for name, frame in tables.items():
        if name in (METADATA_TABLE, ACTION_PLAN_TABLE):
            continue
        assert list(frame.columns) == list(RECORD_TABLES[name])
        ids = frame[RECORD_TABLES[name][0]]
        assert ids.is_unique and ids.str.fullmatch(RECORD_IDS[name]).all(), (where, name)
        for flag in RECORD_FLAGS.get(name, ()):
            assert set(frame[flag].unique()) <= {0, 1}, (where, name, flag)
        _check_labels(frame, f"{where} {name}")
    staff, apps = tables["staff"], tables["applications"]
    assert (staff["ftp"] <= staff["registered"]).all(), where
    assert (apps["appointed"] <= apps["shortlisted"]).all(), where
    assert set(staff["pay_band"]) <= set(spec.bands)
    for question in SURVEY_QUESTIONS:
        assert set(tables["survey_responses"][question].dropna()) <= {"yes", "no"}


def test_demo_returns_follow_the_contract(returns):
    for (slug, year), tables in returns.items():
        spec = spec_of(slug)
        check = check_record if spec.record_level else check_aggregate
        check(spec, tables, f"{slug} {year}")
    # blank survey answers occur (a question skipped), as the contract allows
    record = [t for t in returns.values() if "survey_responses" in t]
    assert all(t["survey_responses"][q].isna().any() for t in record for q in SURVEY_QUESTIONS)


@settings(max_examples=examples(60), deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    spec=st.sampled_from(synth.AUTHORITIES),
    year=st.sampled_from(synth.YEARS),
    staff=st.none() | st.integers(20, 400),
)
def test_any_seed_and_size_follows_the_contract(seed, spec, year, staff):
    # other seeds, and small workforces where most cells are 0-4, keep every rule too
    tables = synth.authority_return(spec, year, seed, staff=staff)
    check = check_record if spec.record_level else check_aggregate
    check(spec, tables, f"{spec.slug} {year} seed {seed} staff {staff}")


def test_record_level_return_of_100000_staff():
    tables = synth.record_level_return(100_000, seed=7)
    assert len(tables["staff"]) == 100_000
    assert tables["staff"]["staff_id"].is_unique
    assert tables["staff"]["staff_id"].iloc[-1] == "S100000"
    # applications ~ staff x shortlisted-per-staff / shortlist rate: 0.25/0.4 to 0.5/0.25
    assert 0.6 * 100_000 < len(tables["applications"]) < 2.0 * 100_000
    # survey response 40-60% of staff
    assert 40_000 < len(tables["survey_responses"]) < 60_000
    meta = dict(zip(tables[METADATA_TABLE]["key"], tables[METADATA_TABLE]["value"], strict=True))
    assert meta["synthetic"] == "true" and meta["seed"] == "7"


def test_impossible_specs_are_refused_with_the_reason():
    kestrel = spec_of("kestrel-vale")
    with pytest.raises(ValueError, match="kestrel-vale: a record-level extract needs the service"):
        synth.authority_return(replace(kestrel, service_split=False), 2021)
    with pytest.raises(ValueError, match="label style 'ons'"):
        synth.authority_return(replace(kestrel, labels="ons"), 2021)


# --------------------------------------------------------------------------- realism


def _workforce_known(tables: dict[str, pd.DataFrame]) -> tuple[int, int, int]:
    """(all staff, known-ethnicity staff, minority staff) of one return."""
    if "staff" in tables:
        cls = ethnic_class(tables["staff"]["ethnicity"])
        return len(cls), int((cls != "unknown").sum()), int((cls == "minority").sum())
    wf = tables["workforce"]
    cls, n = ethnic_class(wf["ethnicity"]), wf["headcount"].to_numpy()
    return int(n.sum()), int(n[cls != "unknown"].sum()), int(n[cls == "minority"].sum())


def test_sizes_minority_shares_and_unknowns_span_the_brief(returns):
    figures = pd.DataFrame(
        [(*key, *_workforce_known(tables)) for key, tables in returns.items()],
        columns=["slug", "year", "staff", "known", "minority"],
    )
    share = figures["minority"] / figures["known"]
    unknown = 1 - figures["known"] / figures["staff"]
    # a few hundred to several thousand staff
    assert figures["staff"].min() < 400 and figures["staff"].max() > 5500
    assert figures["staff"].between(250, 6600).all()
    # minority share about 3% to 60%
    assert share.min() < 0.05 and share.max() > 0.55
    assert share.between(0.01, 0.70).all()
    # 2-15% unknown (drawn; a small authority's realised figure moves a little)
    assert unknown.min() < 0.05 and unknown.max() > 0.10
    assert unknown.between(0.005, 0.18).all()
    assert len(figures["slug"].unique()) == 18 and set(figures["year"]) == set(synth.YEARS)


def test_the_authorities_differ_in_form_and_coverage(returns):
    slugs = [s.slug for s in synth.AUTHORITIES]
    assert len(set(slugs)) == 18 and all(re.fullmatch(r"[a-z]+(-[a-z]+)*", s) for s in slugs)
    tables_of = {s: [set(returns[(s, y)]) for y in synth.YEARS] for s in slugs}

    def never(name: str) -> set[str]:
        return {s for s, years in tables_of.items() if all(name not in t for t in years)}

    record = {s for s, years in tables_of.items() if all("staff" in t for t in years)}
    aggregate = set(slugs) - record
    assert 3 <= len(record) <= 4
    assert 3 <= len(never("fitness_to_practise") & aggregate) <= 4
    assert 3 <= len(never("cpd") & aggregate) <= 4
    no_split = {
        s for s in slugs
        if all("service" not in f for y in synth.YEARS for f in returns[(s, y)].values())
    }
    assert len(no_split) == 5
    forms = {s.slug: s.form for s in synth.AUTHORITIES}
    assert sum(f == "csv" for f in forms.values()) == 6  # a third
    assert {forms[s] for s in record} == {"csv", "xlsx"}
    # pay bands: the Skills for Care bands for some, the authority's own for the others
    def bands_used(tables: dict[str, pd.DataFrame]) -> set[str]:
        return set(tables["staff" if "staff" in tables else "workforce"]["pay_band"])

    bands = {s: bands_used(returns[(s, 2023)]) for s in slugs}
    sfc = {s for s, b in bands.items() if b <= set(synth.SKILLS_FOR_CARE_BANDS)}
    assert 3 <= len(sfc) <= 9 and len({frozenset(b) for b in bands.values()}) >= 4


def test_ethnicity_is_written_every_way_the_contract_allows(returns):
    labels = set()
    for tables in returns.values():
        for name, frame in tables.items():
            if name not in (METADATA_TABLE, ACTION_PLAN_TABLE):
                labels |= {None if is_blank(v) else v for v in frame["ethnicity"].unique()}
    # census categories, "Group: category", NHS codes, high-level groups, unknown markers, blank
    assert {"Indian", "Any other White background", "White: Irish",
            "Black, Black British, Caribbean or African: African", "A", "H", "N",
            "Asian or Asian British", "White", "Not stated", "Prefer not to say", "Unknown",
            "Z", None} <= labels


def _top_band_and_senior(tables: dict[str, pd.DataFrame], spec: synth.AuthoritySpec):
    """(known, minority) for the whole workforce, its top band and senior management."""
    top = spec.bands[-1]
    if "staff" in tables:
        staff = tables["staff"]
        cls = ethnic_class(staff["ethnicity"])
        known = cls != "unknown"
        minority = cls == "minority"
        in_top = (staff["pay_band"] == top).to_numpy()
        senior = (staff["senior_manager"] == 1).to_numpy()
        return [(int(m.sum()), int((m & minority).sum()))
                for m in (known, known & in_top, known & senior)]
    wf, sm = tables["workforce"], tables["senior_management"]
    out = []
    for frame, mask in ((wf, None), (wf, wf["pay_band"] == top), (sm, None)):
        part = frame if mask is None else frame[mask]
        cls, n = ethnic_class(part["ethnicity"]), part["headcount"].to_numpy()
        out.append((int(n[cls != "unknown"].sum()), int(n[cls == "minority"].sum())))
    return out


def test_minority_share_falls_up_the_bands_and_is_low_in_senior_management(returns):
    # Indirect standardisation over all 54 returns: minority staff found in the top band (and in
    # senior management) against those expected if each return's top band had its workforce's
    # minority share: expected = sum(known_top x minority_all / known_all).
    observed_top = expected_top = observed_senior = expected_senior = 0.0
    for (slug, _), tables in returns.items():
        (known, minority), (known_top, min_top), (known_sm, min_sm) = _top_band_and_senior(
            tables, spec_of(slug))
        observed_top += min_top
        expected_top += known_top * minority / known
        observed_senior += min_sm
        expected_senior += known_sm * minority / known
    assert observed_top / expected_top < 0.85
    # senior RL about 0.5: the senior share well below the workforce share
    assert observed_senior / expected_senior < 0.75


def test_population_share_above_the_workforce_share_for_most(demo, returns):
    out, _ = demo
    above = 0
    for spec in synth.AUTHORITIES:
        population = yaml.safe_load((out / "parameters" / f"{spec.slug}.yml").read_text("utf-8"))
        population_minority = 1 - population["population"]["White"]
        known = minority = 0
        for year in synth.YEARS:
            _, k, m = _workforce_known(returns[(spec.slug, year)])
            known, minority = known + k, minority + m
        above += population_minority > minority / known
    assert 10 <= above < 18  # "somewhat above for many", not for every one


def test_small_counts_occur_for_disclosure_control_to_handle(returns):
    small = [
        int(frame[column].between(1, 4).sum())
        for tables in returns.values()
        for name, frame in tables.items()
        if name in AGGREGATE_TABLES
        for column in AGGREGATE_TABLES[name].counts
    ]
    assert sum(small) > 1000


# --------------------------------------------------------------------------- national figures

#: metric -> (table, events column, denominator column or None for workforce, survey question)
AGGREGATE_SOURCES = {
    "M2": ("recruitment", "appointed", "shortlisted", None),
    "M3": ("disciplinary", "entered", None, None),
    "M4": ("fitness_to_practise", "entered", "registered", None),
    "M5": ("cpd", "accessed", None, None),
    "M6": ("survey", "yes", "respondents", "public"),
    "M7a": ("survey", "yes", "respondents", "colleagues"),
    "M7b": ("survey", "yes", "respondents", "managers"),
    "M8": ("leavers", "left", "headcount", None),
    "M9": ("senior_management", "headcount", None, None),
}
RECORD_SOURCES = {  # metric -> (table, event flag, row filter flag)
    "M2": ("applications", "appointed", "shortlisted"),
    "M3": ("staff", "disciplinary", None),
    "M4": ("staff", "ftp", "registered"),
    "M5": ("staff", "cpd", None),
    "M8": ("staff", "left", None),
    "M9": ("staff", "senior_manager", None),
}


def event_counts(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], np.ndarray]:
    """(metric, minority|white) -> [events, n], counted straight from one return's tables."""
    counts: dict[tuple[str, str], np.ndarray] = {}

    def add(metric: str, cls: np.ndarray, events: np.ndarray, n: np.ndarray) -> None:
        for group in ("minority", "white"):
            at = cls == group
            counts[(metric, group)] = np.array([events[at].sum(), n[at].sum()])

    if "staff" in tables:
        for metric, (name, flag, among) in RECORD_SOURCES.items():
            frame = tables[name] if among is None else tables[name][tables[name][among] == 1]
            add(metric, ethnic_class(frame["ethnicity"]), frame[flag].to_numpy(),
                np.ones(len(frame)))
        survey = tables["survey_responses"]
        for metric, question in zip(("M6", "M7a", "M7b"), SURVEY_QUESTIONS, strict=True):
            answered = survey[survey[question].notna()]
            add(metric, ethnic_class(answered["ethnicity"]),
                (answered[question] == "yes").to_numpy(), np.ones(len(answered)))
        return counts
    wf = tables["workforce"]
    wf_cls, wf_n = ethnic_class(wf["ethnicity"]), wf["headcount"].to_numpy()
    for metric, (name, events, denominator, question) in AGGREGATE_SOURCES.items():
        if name not in tables:
            continue
        frame = tables[name]
        if question is not None:
            frame = frame[frame["question"] == question]
        cls = ethnic_class(frame["ethnicity"])
        if denominator is not None and denominator in frame:
            add(metric, cls, frame[events].to_numpy(), frame[denominator].to_numpy())
        else:  # the workforce is the denominator
            for group in ("minority", "white"):
                counts[(metric, group)] = np.array(
                    [frame[events].to_numpy()[cls == group].sum(), wf_n[wf_cls == group].sum()]
                )
    return counts


def pooled_rls(many: list[dict[str, pd.DataFrame]]) -> dict[str, float]:
    """RL = (minority events / minority n) / (white events / white n), summed over returns."""
    total: dict[tuple[str, str], np.ndarray] = {}
    for tables in many:
        for key, pair in event_counts(tables).items():
            total[key] = total.get(key, 0) + pair
    rls = {}
    for metric in [m for m in synth.NATIONAL_TARGETS if (m, "white") in total]:
        (e_min, n_min), (e_white, n_white) = total[(metric, "minority")], total[(metric, "white")]
        rls[metric] = (e_min / n_min) / (e_white / n_white)
    return rls


def test_event_counts_by_hand():
    # Indian and African are minority, "A" (NHS code: British) white, "Not stated" left out:
    # minority 1 + 0 = 1 event in 10 + 5 = 15 staff; white 2 events in 40 staff.
    tables = {
        "workforce": pd.DataFrame({"ethnicity": ["Indian", "African", "A", "Not stated"],
                                   "pay_band": ["1"] * 4, "headcount": [10, 5, 40, 3]}),
        "disciplinary": pd.DataFrame({"ethnicity": ["Indian", "African", "A", "Not stated"],
                                      "entered": [1, 0, 2, 1]}),
    }
    counts = event_counts(tables)
    assert counts[("M3", "minority")].tolist() == [1, 15]
    assert counts[("M3", "white")].tolist() == [2, 40]
    # RL = (1/15) / (2/40) = 0.0667 / 0.05 = 1.333
    assert pooled_rls([tables])["M3"] == pytest.approx(4 / 3)


def test_pooled_rls_land_near_the_national_figures(returns):
    rls = pooled_rls(list(returns.values()))
    assert rls.keys() == synth.NATIONAL_TARGETS.keys()
    for metric, target in synth.NATIONAL_TARGETS.items():
        # between-authority sd 0.15 on the log scale over ~8 effective authorities, plus
        # sampling: across seeds the pooled RL has sd 5-10% of the target (FtP, with ~300
        # referrals, 19%)
        tolerance = 0.30 if metric == "M4" else 0.15
        assert rls[metric] == pytest.approx(target, rel=tolerance), metric


@pytest.mark.heavy
def test_pooled_rls_are_unbiased_over_seeds():
    # four seeds pooled: the spread halves, so the tolerance can shrink
    many = [
        synth.authority_return(spec, year, seed)
        for seed in range(SEED, SEED + 4)
        for spec in synth.AUTHORITIES
        for year in synth.YEARS
    ]
    rls = pooled_rls(many)
    for metric, target in synth.NATIONAL_TARGETS.items():
        tolerance = 0.25 if metric == "M4" else 0.10
        assert rls[metric] == pytest.approx(target, rel=tolerance), metric


def test_yearly_targets_drift_about_the_middle_year():
    assert synth.target_rl("M2", 2022) == synth.NATIONAL_TARGETS["M2"]
    # appointment improving slowly: exp(0.05) = 1.0513 a year
    assert synth.target_rl("M2", 2023) == pytest.approx(0.5 * 1.0513, rel=1e-4)
    assert synth.target_rl("M2", 2021) == pytest.approx(0.5 / 1.0513, rel=1e-4)


# --------------------------------------------------------------------------- fictional names

REAL_AUTHORITIES = """
Barking and Dagenham, Barnet, Bexley, Brent, Bromley, Camden, Croydon, Ealing, Enfield, Greenwich,
Hackney, Hammersmith and Fulham, Haringey, Harrow, Havering, Hillingdon, Hounslow, Islington,
Kensington and Chelsea, Kingston upon Thames, Lambeth, Lewisham, Merton, Newham, Redbridge,
Richmond upon Thames, Southwark, Sutton, Tower Hamlets, Waltham Forest, Wandsworth, Westminster,
City of London, Bolton, Bury, Manchester, Oldham, Rochdale, Salford, Stockport, Tameside,
Trafford, Wigan, Knowsley, Liverpool, St Helens, Sefton, Wirral, Barnsley, Doncaster, Rotherham,
Sheffield, Gateshead, Newcastle upon Tyne, North Tyneside, South Tyneside, Sunderland, Birmingham,
Coventry, Dudley, Sandwell, Solihull, Walsall, Wolverhampton, Bradford, Calderdale, Kirklees,
Leeds, Wakefield, Cambridgeshire, Derbyshire, Devon, East Sussex, Essex, Gloucestershire,
Hampshire, Hertfordshire, Kent, Lancashire, Leicestershire, Lincolnshire, Norfolk,
North Yorkshire, Nottinghamshire, Oxfordshire, Somerset, Staffordshire, Suffolk, Surrey,
Warwickshire, West Sussex, Worcestershire, Bath and North East Somerset, Bedford,
Blackburn with Darwen, Blackpool, Bournemouth, Christchurch and Poole, Bracknell Forest,
Brighton and Hove, Bristol, Buckinghamshire, Central Bedfordshire, Cheshire East,
Cheshire West and Chester, Cornwall, Cumberland, Darlington, Derby, Dorset, Durham,
East Riding of Yorkshire, Halton, Hartlepool, Herefordshire, Isle of Wight, Isles of Scilly,
Kingston upon Hull, Hull, Leicester, Luton, Medway, Middlesbrough, Milton Keynes,
North East Lincolnshire, North Lincolnshire, North Northamptonshire, North Somerset,
Northumberland, Nottingham, Peterborough, Plymouth, Portsmouth, Reading, Redcar and Cleveland,
Rutland, Shropshire, Slough, South Gloucestershire, Southampton, Southend-on-Sea,
Stockton-on-Tees, Stoke-on-Trent, Swindon, Telford and Wrekin, Thurrock, Torbay, Warrington,
West Berkshire, West Northamptonshire, Westmorland and Furness, Wiltshire,
Windsor and Maidenhead, Wokingham, York, Ashford, Basingstoke and Deane, Canterbury, Cheltenham,
Colchester, Exeter, Guildford, Harrogate, Ipswich, Maidstone, Norwich, Oxford, Cambridge,
Chelmsford, Tunbridge Wells, Vale of White Horse, Forest of Dean, South Hams, Mid Devon,
Cumbria, Northamptonshire, Cherwell, Dacorum, Wealden, Breckland, Mendip, Tewkesbury, Carlisle
"""


def test_names_are_not_real_councils():
    real = [name.strip() for name in REAL_AUTHORITIES.replace("\n", " ").split(",")]
    assert len(real) >= 150
    for spec in synth.AUTHORITIES:
        place = spec.slug.replace("-", " ")
        for name in real:
            pattern = rf"\b{re.escape(name.lower())}\b"
            assert not re.search(pattern, spec.display_name.lower()), (spec.display_name, name)
            assert not re.search(pattern, place), (spec.slug, name)



# --------------------------------------------------------------------------- national scale

#: sha256 over every file the default ``wres synth`` writes (names and bytes, sorted by name),
#: parameter files included but for their region line: the demo must not move by a byte. Moved
#: last when the parameter files of the NJC scale, graded and lettered schemes gained their
#: ``skills_for_care_bands`` (the returns stay put: test_skills_for_care_bands_move_only_the_
#: parameter_files).
DEMO_DIGEST_BEFORE_REGIONS = "03c36f34e793387106af86c8e4f5172e14539463624eec460a82ccac0357effe"


def tree_digest(root: Path, edit=lambda name, data: data) -> str:
    import hashlib

    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = str(path.relative_to(root))
        h.update(name.encode() + b"\0" + edit(name, path.read_bytes()) + b"\0")
    return h.hexdigest()


@pytest.mark.heavy
def test_the_default_demo_is_the_same_bytes_as_before_bar_one_region_line(demo):
    out, _ = demo
    regions = {}

    def without_region(name: str, data: bytes) -> bytes:
        if not name.startswith("parameters/"):
            return data
        lines = data.decode("utf-8").splitlines(keepends=True)
        assert lines[3].startswith("region: ") and lines[2].startswith("ons_code: "), name
        regions[name] = lines[3].removeprefix("region: ").strip()
        return "".join(lines[:3] + lines[4:]).encode("utf-8")

    assert tree_digest(out, without_region) == DEMO_DIGEST_BEFORE_REGIONS
    # two demo authorities in each of the nine regions
    counts = pd.Series(regions).value_counts()
    assert sorted(counts.index) == sorted(ADASS_REGIONS) and set(counts) == {2}


@pytest.mark.heavy
def test_default_options_and_explicit_18_by_3_write_the_same_files(demo, tmp_path):
    out, _ = demo
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path), "--authorities", "18",
                                      "--years", "3"])
    assert result.exit_code == 0, result.output
    assert tree_digest(tmp_path) == tree_digest(out)


def test_authority_specs_start_with_the_18_and_grow_without_moving_them():
    assert synth.authority_specs() == synth.AUTHORITIES
    assert synth.authority_specs(5) == synth.AUTHORITIES[:5]
    national = synth.authority_specs(153)
    assert national[:18] == synth.AUTHORITIES and national[:40] == synth.authority_specs(40)
    first = national[18]
    assert first == synth.generated_spec(0)
    assert (first.ons_code, national[-1].ons_code) == ("E99000019", "E99000153")
    # the 19th takes the 1st's shape (grades, xlsx), the 20th the 2nd's (csv, record level)
    assert (first.pay_bands, first.form, first.record_level) == ("grades", "xlsx", False)
    assert (national[19].form, national[19].record_level) == ("csv", True)
    assert synth.synthetic_years() == synth.YEARS
    assert synth.synthetic_years(5) == (2021, 2022, 2023, 2024, 2025)


def test_generated_authorities_are_distinct_plausible_and_each_in_a_region():
    national = synth.authority_specs(153)
    for attribute in ("slug", "display_name", "ons_code"):
        assert len({getattr(s, attribute) for s in national}) == 153, attribute
    assert all(s.region in ADASS_REGIONS for s in national)
    generated = national[18:]
    assert all(250 <= s.staff <= 9000 and 0.02 <= s.minority_share <= 0.7 for s in generated)
    # the shapes of the 18 in turn: 135 = 7 x 18 + 9, so the first 9 shapes come 8 times
    own = {"slug": "", "display_name": "", "ons_code": "", "staff": 0, "minority_share": 0,
           "region": None}
    for i, spec in enumerate(generated):
        assert replace(spec, **own) == replace(synth.AUTHORITIES[i % 18], **own), spec.slug
    # record-level: 2 of the first 9 shapes (kestrel-vale, saltmere-bay), 2 of the last 9
    assert sum(s.record_level for s in generated) == 2 * 8 + 2 * 7
    london = [s for s in generated if s.region == "London"]
    assert london and all(s.display_name.startswith("London Borough of ") for s in london)
    # London's boroughs are the most diverse
    median = pd.Series({s.slug: s.minority_share for s in generated}).groupby(
        pd.Series({s.slug: s.region == "London" for s in generated})).median()
    assert median[True] > 2 * median[False]


def test_no_invented_name_is_a_real_council():
    real = [name.strip() for name in REAL_AUTHORITIES.replace("\n", " ").split(",")]
    pool = [synth.generated_spec(i) for i in range(synth.MAX_AUTHORITIES - 18)]
    for spec in pool:
        for name in real:
            pattern = rf"\b{re.escape(name.lower())}\b"
            assert not re.search(pattern, spec.display_name.lower()), (spec.display_name, name)
            assert spec.slug != name.lower().replace(" ", "")
    with pytest.raises(ValueError, match="expected 0 to"):
        synth.generated_spec(synth.MAX_AUTHORITIES - 18)


def test_a_generated_authority_does_not_depend_on_how_many_are_made(tmp_path):
    few = synth.generate(tmp_path / "few", authorities=19, years=1)
    more = synth.generate(tmp_path / "more", authorities=20, years=2)
    assert len(few) == 19 and len(more) == 40
    for path in few:
        rel = path.relative_to(tmp_path / "few")
        assert files_under(path if path.is_dir() else path.parent) == files_under(
            tmp_path / "more" / (rel if path.is_dir() else rel.parent)) or path.suffix == ".xlsx"
        if path.suffix == ".xlsx":
            assert path.read_bytes() == (tmp_path / "more" / rel).read_bytes()


def test_later_years_of_generated_authorities_pass_wres_validate(tmp_path):
    # one generated authority of each of the 18 shapes, in the fifth year
    for index in range(18):
        spec = synth.generated_spec(index)
        write_return(synth.authority_return(spec, 2025, SEED), tmp_path, spec.slug, 2025,
                     spec.form)
        (tmp_path / "parameters").mkdir(exist_ok=True)
        (tmp_path / "parameters" / f"{spec.slug}.yml").write_text(
            synth.parameters_yaml(spec, SEED), encoding="utf-8")
        params = load_parameters(spec.slug, tmp_path / "parameters")
        assert (params.region, params.synthetic) == (spec.region, True)
    result = CliRunner().invoke(app, ["validate", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "18 return(s) checked, 0 with problems" in result.output


@pytest.mark.parametrize(("options", "message"), [
    (["--authorities", "0"], "--authorities: 0 authorities: expected 1 to 666"),
    (["--authorities", "667"], "--authorities: 667 authorities: expected 1 to 666"),
    (["--years", "11"], "--years: 11 years: expected 1 to 10"),
    (["--years", "0", "--authorities", "20"], "--years: 0 years: expected 1 to 10"),
])
def test_synth_refuses_impossible_sizes_as_a_usage_error(tmp_path, options, message):
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "x"), *options])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- action plans


def plans(returns: Returns) -> dict[tuple[str, int], pd.DataFrame]:
    """Each return's plan, one row per action as of its latest update (a dated update's blanks
    filled from the action's earlier row, as the reader does)."""
    found = {}
    for key, tables in returns.items():
        if ACTION_PLAN_TABLE in tables:
            plan = tables[ACTION_PLAN_TABLE]
            filled = plan.groupby("action_id", sort=False).ffill()
            filled.insert(0, "action_id", plan["action_id"])
            found[key] = filled.drop_duplicates("action_id", keep="last").reset_index(drop=True)
    return found


def test_most_authorities_have_an_action_plan_from_their_first_year(returns):
    found = plans(returns)
    for spec in synth.AUTHORITIES:
        years = [y for y in synth.YEARS if (spec.slug, y) in found]
        start = spec.action_plan_from
        assert years == ([] if start is None else [y for y in synth.YEARS if y >= start])
    without = [s.slug for s in synth.AUTHORITIES if s.action_plan_from is None]
    assert 1 <= len(without) <= 4  # "some with none"
    sizes = [len(p) for p in found.values()]
    assert min(sizes) >= 4 and max(sizes) <= 12 and len(set(sizes)) >= 4


def test_statuses_vary_and_only_move_forward(returns):
    found = plans(returns)
    statuses = pd.concat(found.values())["status"].value_counts()
    assert set(statuses.index) == set(ACTION_STATUSES)
    assert statuses.min() >= 10  # every status common enough to show in a summary
    rank = {s: i for i, s in enumerate(ACTION_STATUSES)}
    for spec in synth.AUTHORITIES:
        history: dict[str, list[tuple[int, str]]] = {}
        for year in synth.YEARS:
            plan = found.get((spec.slug, year))
            for action_id, status in [] if plan is None else zip(plan["action_id"],
                                                                  plan["status"], strict=True):
                history.setdefault(action_id, []).append((year, status))
        for action_id, seen in history.items():
            years = [y for y, _ in seen]
            assert years == list(range(years[0], years[-1] + 1)), (spec.slug, action_id)
            ranks = [rank[s] for _, s in seen]
            assert ranks == sorted(ranks), (spec.slug, action_id, seen)  # Red -> ... -> Complete
            # a completed action is reported in the year it completes, then leaves the plan
            assert "Complete" not in [s for _, s in seen[:-1]], (spec.slug, action_id, seen)


def test_plans_aim_at_the_metrics_the_authority_does_badly_on(returns):
    found = plans(returns)
    for spec in synth.AUTHORITIES:
        if spec.action_plan_from is None:
            continue
        weak = synth.weak_metrics(spec, SEED)
        scores = synth.metric_scores(spec, SEED)
        assert weak == sorted(weak, key=lambda m: -scores[m])
        assert all(scores[m] > np.log(1.25) for m in weak)
        first = found[(spec.slug, spec.action_plan_from)]
        named = [metric_ids(text)[0] for text in first["metrics"]]
        aimed = {m for ids in named for m in ids}
        assert weak[0] in aimed, spec.slug  # the worst metric is always addressed
        on_weak = sum(bool(set(ids) & set(weak)) for ids in named)
        assert on_weak >= len(first) - 1, spec.slug  # all, or all but one, aim at weak metrics
        # never a metric the authority does not collect
        assert not aimed - set(scores), spec.slug


def test_metric_scores_by_hand():
    # M2 adverse when low: an authority RL of 0.5 scores -log(0.5) = 0.693; M3 adverse when
    # high: RL 1.4 scores log(1.4) = 0.336; M1 is half the band gradient
    spec = spec_of("ashbury")
    profile = synth._profile(spec, SEED)
    scores = synth.metric_scores(spec, SEED)
    assert scores["M2"] == pytest.approx(-profile.log_rl["M2"])
    assert scores["M3"] == pytest.approx(profile.log_rl["M3"])
    assert scores["M1"] == pytest.approx(profile.gradient / 2)
    assert "M4" not in synth.metric_scores(spec_of("brackenholt"), SEED)  # FtP not collected
    assert "M5" not in synth.metric_scores(spec_of("wyvern-reach"), SEED)  # CPD not collected


def test_owners_are_roles_and_wording_is_filled_in(returns):
    for (slug, year), plan in plans(returns).items():
        assert not any(looks_like_a_name(owner) for owner in plan["owner"]), slug
        text = " ".join(plan[["action", "success", "latest_update"]].to_numpy().ravel())
        assert "{" not in text and "}" not in text, slug
        if spec_of(slug).plan_updates:  # dated: the date is the update's own column
            assert plan["update_date"].eq(f"{year}-10-31").all(), slug
        else:
            assert plan["latest_update"].str.endswith(f"(March {year + 1})").all()
        senior = spec_of(slug).senior_bands[0]
        panels = plan[plan["action"].str.startswith("Introduce diverse interview panels")]
        assert all(senior in action for action in panels["action"]), slug


def test_action_plan_does_not_move_the_other_tables():
    # the plan draws from its own stream: without it, every other table is the same
    for spec in synth.AUTHORITIES[:6]:
        for year in synth.YEARS:
            with_plan = synth.authority_return(spec, year, SEED)
            without = synth.authority_return(replace(spec, action_plan_from=None), year, SEED)
            assert ACTION_PLAN_TABLE not in without
            assert list(without) == [n for n in with_plan if n != ACTION_PLAN_TABLE]
            for name, frame in without.items():
                pd.testing.assert_frame_equal(with_plan[name], frame)


def test_plan_history_is_the_same_however_far_it_runs():
    spec = spec_of("ashbury")
    short = synth.plan_history(spec, SEED, until=2023)
    longer = synth.plan_history(spec, SEED, until=2025)
    assert len(longer) >= len(short)
    for a, b in zip(short, longer, strict=False):
        assert (a.number, a.entry, a.start) == (b.number, b.entry, b.start)
        assert a.stages == {y: s for y, s in b.stages.items() if y <= 2023}


def test_demo_plans_load_as_tidy_plans(demo, returns):
    out, _ = demo
    for spec in [spec_of("ashbury"), spec_of("kestrel-vale"), spec_of("harrowmere")]:
        ref = ReturnRef.from_path(return_path(out, spec.slug, 2022, spec.form))
        ret = load_return(ref, load_parameters(spec.slug, out / "parameters"))
        written = returns[(spec.slug, 2022)][ACTION_PLAN_TABLE]
        tidy = ret.action_plan
        # one tidy row per metric id named ("M7" counts twice: M7a and M7b)
        assert len(tidy) == sum(len(metric_ids(t)[0]) for t in written["metrics"])
        assert tidy["action_id"].unique().tolist() == written["action_id"].tolist()
        if spec.service_split:
            assert set(tidy["service"]) <= {"adults", "children", "all"}
        else:
            assert set(tidy["service"]) == {"all"}


#: The same digest over the returns alone (parameter files left out), before and after the
#: parameter files gained their Skills for Care bands.
DEMO_RETURNS_DIGEST = "1c958d1b7689d76dfaa0a4cf2045294fbca7c46ecba739454d5d75ae063d7edc"


@pytest.mark.heavy
def test_skills_for_care_bands_move_only_the_parameter_files(demo):
    """The demo's bands are placed in the three national bands by its parameter files only:
    every return is the bytes it was, and each placed band lies where its scheme's pay puts it."""
    from wres_tools.demo.synth import PAY_BAND_SCHEMES, SKILLS_FOR_CARE_PLACES
    from wres_tools.parameters import load_parameters

    out, _ = demo
    assert tree_digest(out, lambda name, data: b"" if name.startswith("parameters/")
                       else data) == DEMO_RETURNS_DIGEST
    placed = load_parameters("ashbury", out / "parameters").skills_for_care_bands
    assert placed["Grade 6"] == "less than £30,000" and placed["Grade 7"] == "£30,000 to £69,000"
    assert placed["Grade 12"] == "£70,000 and over"
    for scheme, places in SKILLS_FOR_CARE_PLACES.items():
        assert len(places) == len(PAY_BAND_SCHEMES[scheme][0]) and list(places) == sorted(places)
    salary = load_parameters("saltmere-bay", out / "parameters")
    assert salary.skills_for_care_bands == {}  # its bands span two national bands: left out
