"""An attacker with an integer-programming solver and every file a batch publishes.

A batch of five demo authorities over three years (the shapes that leaked before: a small
council without the service split, record-level extracts, authorities giving their own
headcounts, M9 from the top pay bands) is run into a folder, and the test then reads back *only
what it published*: every ``metrics.json``, ``results.csv``, the pooled M3 tables of the
reports, the index and the benchmarking pages, and the parameter values the manifest records.
It builds every linear relation a reader knows - services add up, groups add up to minority
(label-only staff at least 0), pay bands add up to the workforce (staff in no band at least 0),
events + non-events = people, M9 = the senior bands of M1, pooled = the sum of its years, shown
rates, shares and percentages of unknowns as equations over the counts - and solves, with
scipy's ``milp`` (HiGHS), for the lowest and highest value of every withheld count (at least 1:
zero is always shown). Written apart from :mod:`wres_tools.disclosure`, whose own audit this
checks.

It fails if a withheld count is determined exactly, if a withheld count under the threshold can
be proved to be under it, if any count from 1 to 4 is shown anywhere, or if a figure is shown
while a count it rests on is withheld. The synthetic inputs are read only to say, for a failure,
what the true value was.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from wres_tools.batch.run import run_batch
from wres_tools.demo import synth
from wres_tools.returns.find import find_returns

pytestmark = pytest.mark.slow

AUTHORITIES = ("oakhollow", "wyvern-reach", "larkspur-downs", "kestrel-vale", "saltmere-bay")
THRESHOLD = 5
GROUPS = ("asian", "black", "mixed", "other")
COUNTS = ("n_group", "events_group", "n_reference", "events_reference", "unknown_count")
NO_EVENTS = ("M1", "M9")
#: What each figure of a record rests on, by count column of the same record; "band minority":
#: the minority and white counts of the same metric, service and band (a share's denominator);
#: "workforce": the M1 whole-workforce counts of the group, minority and white (written here from
#: the metric definitions, not from the package).
RESTS_ON: dict[str, tuple[str, ...]] = {
    "rate_group": ("n_group", "events_group"),
    "rate_group_ci_low": ("n_group", "events_group"),
    "rate_group_ci_high": ("n_group", "events_group"),
    "rate_reference": ("n_reference", "events_reference"),
    "rate_reference_ci_low": ("n_reference", "events_reference"),
    "rate_reference_ci_high": ("n_reference", "events_reference"),
    **{c: ("n_group", "events_group", "n_reference", "events_reference") for c in (
        "rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "p_value", "significant",
        "four_fifths", "gap_pp", "gap_pp_ci_low", "gap_pp_ci_high")},
    **{c: ("n_group", "n_reference", "band minority") for c in (
        "share", "share_ci_low", "share_ci_high", "gap_population_pp")},
    "share_workforce": ("workforce",),
    "representation_index": ("n_group", "n_reference", "band minority", "workforce"),
    "gap_workforce_pp": ("n_group", "n_reference", "band minority", "workforce"),
    "unknown_pct": ("unknown_count", "n_reference", "band minority"),
    "small_numbers": COUNTS,
}
#: M9's rates and relative likelihood are senior managers (its own counts) over staff (the M1
#: whole workforce of the group and of white staff): Skills for Care's definition.
RESTS_ON_M9: dict[str, tuple[str, ...]] = {
    **RESTS_ON,
    **{c: ("n_group", "workforce") for c in (
        "rate_group", "rate_group_ci_low", "rate_group_ci_high")},
    **{c: ("n_reference", "workforce") for c in (
        "rate_reference", "rate_reference_ci_low", "rate_reference_ci_high")},
    **{c: ("n_group", "n_reference", "workforce") for c in (
        "rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "p_value", "significant",
        "four_fifths")},
}


# --------------------------------------------------------------------------- the batch


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("attack")
    every = root / "every"
    synth.generate(every)
    data = root / "data"
    (data / "parameters").mkdir(parents=True)
    for authority in AUTHORITIES:
        shutil.copytree(every / authority, data / authority)
        shutil.copy(every / "parameters" / f"{authority}.yml", data / "parameters")
    out = root / "outputs"
    result = run_batch(data, out, jobs=2)
    assert result.failures == [], result.failures
    return out


# --------------------------------------------------------------------------- reading pages


class _Tables(HTMLParser):
    """Every table of a page as rows of cell texts, with its caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(("", []))
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None and self.tables:
            self.tables[-1] = ("".join(self._caption).strip(), self.tables[-1][1])
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def tables(page: Path) -> list[tuple[str, list[list[str]]]]:
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.tables


def read_records(out: Path) -> dict[tuple[str, int], list[dict[str, Any]]]:
    found = {}
    for path in sorted(out.glob("*/*/metrics.json")):
        found[(path.parent.name, int(path.parent.parent.name))] = json.loads(path.read_text())
    return found


def band_of(record: dict[str, Any]) -> str | None:
    return record["pay_band"] if isinstance(record["pay_band"], str) else None


# --------------------------------------------------------------------------- the model


class Model:
    """Unknowns (withheld counts, remainders) and linear equations over them."""

    def __init__(self) -> None:
        self.index: dict[tuple[Any, ...], int] = {}
        self.lower: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.rule_of: dict[tuple[Any, ...], str] = {}

    def unknown(self, key: tuple[Any, ...], lower: float) -> int:
        if key not in self.index:
            self.index[key] = len(self.lower)
            self.lower.append(lower)
        return self.index[key]

    def equation(self, terms: list[tuple[float, Any]], low: float, high: float,
                 rule: str) -> None:
        """sum(coefficient * term) within [low, high]; a term is a number or an unknown's key."""
        row: dict[int, float] = defaultdict(float)
        constant = 0.0
        for coefficient, term in terms:
            if isinstance(term, tuple):
                row[self.index[term]] += coefficient
            else:
                constant += coefficient * term
        row = {i: c for i, c in row.items() if abs(c) > 1e-12}
        if not row:
            assert low - 1e-6 <= constant <= high + 1e-6, f"{rule}: published figures disagree"
            return
        self.rows.append((row, low - constant, high - constant))
        for i in row:
            self.rule_of.setdefault(("row", i, rule), rule)


def build_model(records_by_return: dict[tuple[str, int], list[dict[str, Any]]],
                pooled: dict[tuple[str, int], dict[tuple[str, str, str], int | None]],
                senior_bands: dict[str, list[str]],
                m9_years: dict[str, set[int]]) -> tuple[Model, dict[str, int]]:
    """Every relation a reader knows, over every authority-year read back; M9 = the senior
    bands of M1 only for the authority-years in ``m9_years`` (a hypothesis, see
    :func:`attack_model`)."""
    model = Model()
    rules: dict[str, int] = defaultdict(int)
    value: dict[tuple[Any, ...], Any] = {}

    def cell(authority: str, year: int, metric: str, role: str, service: str,
             band: str | None, group: str) -> Any:
        key = (authority, year, metric, role, service, band, group)
        return value.get(key, 0)  # no record: nobody there

    for (authority, year), records in records_by_return.items():
        for r in records:
            if r["status"] == "not_collected":
                continue
            band = band_of(r)
            places = [("n", r["group"], "n_group"), ("events", r["group"], "events_group"),
                      ("n", "white", "n_reference"), ("events", "white", "events_reference"),
                      ("unknown", "unknown", "unknown_count")]
            for role, group, column in places:
                if r["metric"] in NO_EVENTS and role == "events":
                    continue
                key = (authority, year, r["metric"], role, r["service"], band, group)
                if r[column] is None:
                    if column in (r["withheld"] or ()):
                        model.unknown(key, 1.0)  # zero is always shown
                        value[key] = key
                else:
                    value[key] = r[column]

    def known(key: tuple[Any, ...]) -> Any:
        return value.get(key, 0)

    for (authority, year), records in records_by_return.items():
        shape = defaultdict(set)
        for key in [k for k in value if k[:2] == (authority, year)]:
            _, _, metric, role, service, band, group = key
            shape[(metric, role)].add((service, band, group))
        for (metric, role), places in shape.items():
            services = {s for s, _, _ in places}
            bands = sorted({b for _, b, _ in places if b is not None})
            groups = {g for _, _, g in places}
            def k(s: str, b: str | None, g: str, at: tuple[Any, ...] = (
                    authority, year, metric, role)) -> Any:
                return known((*at, s, b, g))

            for band in {b for _, b, _ in places}:
                for group in groups:
                    if {"adults", "children"} <= services:
                        model.equation([(1, k("all", band, group)), (-1, k("adults", band, group)),
                                        (-1, k("children", band, group))], 0, 0, "services")
                        rules["services"] += 1
                for service in services:
                    if "minority" in groups and role != "unknown":
                        rem = model.unknown(("rem", authority, year, metric, role, service, band),
                                            0.0)
                        del rem
                        model.equation(
                            [(1, k(service, band, "minority")),
                             *((-1, k(service, band, g)) for g in GROUPS),
                             (-1, ("rem", authority, year, metric, role, service, band))],
                            0, 0, "groups")
                        rules["groups"] += 1
            if bands:
                for service in services:
                    for group in groups:
                        model.unknown(("noband", authority, year, metric, role, service, group),
                                      0.0)
                        model.equation(
                            [(1, k(service, None, group)), *((-1, k(service, b, group))
                                                             for b in bands),
                             (-1, ("noband", authority, year, metric, role, service, group))],
                            0, 0, "bands")
                        rules["bands"] += 1
            if role == "events":
                for service, band, group in places:
                    model.unknown(("non", authority, year, metric, service, band, group), 0.0)
                    model.equation(
                        [(1, known((authority, year, metric, "n", service, band, group))),
                         (-1, k(service, band, group)),
                         (-1, ("non", authority, year, metric, service, band, group))],
                        0, 0, "events + non-events = people")
                    rules["events + non-events = people"] += 1
        # M9 from the senior bands of M1, where the parameters say so and the published figures
        # agree (a return with its own senior-manager counts does not add up so: a reader who
        # sees one fully shown line disagree drops the relation for that authority-year)
        senior_lines = []
        for service, _, group in shape.get(("M9", "n"), ()):
            bands = senior_bands.get(authority)
            if bands and ("M1", "n") in shape:
                m1 = [known((authority, year, "M1", "n", service, b, group)) for b in bands]
                m9 = known((authority, year, "M9", "n", service, None, group))
                senior_lines.append((m9, m1))
        agree = all(m9 == sum(m1) for m9, m1 in senior_lines
                    if not isinstance(m9, tuple) and not any(isinstance(v, tuple) for v in m1))
        for m9, m1 in senior_lines if agree and year in m9_years.get(authority, ()) else ():
            model.equation([(1, m9), *((-1, v) for v in m1)], 0, 0, "M9 = senior bands")
            rules["M9 = senior bands"] += 1
        # shown figures as equations over the counts
        for r in records:
            if r["status"] == "not_collected":
                continue
            band = band_of(r)
            at = (authority, year, r["metric"])
            ng = known((*at, "n", r["service"], band, r["group"]))
            eg = known((*at, "events", r["service"], band, r["group"]))
            nr = known((*at, "n", r["service"], band, "white"))
            er = known((*at, "events", r["service"], band, "white"))
            # M9's rates are senior managers (its own counts) over staff (M1's whole workforce)
            staff = (authority, year, "M1", "n", r["service"], None)
            rate_terms = ((ng, known((*staff, r["group"])), nr, known((*staff, "white")))
                          if r["metric"] == "M9" else (eg, ng, er, nr))
            if r["rate_group"] is not None:
                model.equation([(1, rate_terms[0]), (-r["rate_group"], rate_terms[1])],
                               -1e-6, 1e-6, "rates")
                rules["rates"] += 1
            if r["rate_reference"] is not None:
                model.equation([(1, rate_terms[2]), (-r["rate_reference"], rate_terms[3])],
                               -1e-6, 1e-6, "rates")
                rules["rates"] += 1
            if r["share"] is not None:
                minority = known((*at, "n", r["service"], band, "minority"))
                model.equation([(1, ng), (-r["share"], minority), (-r["share"], nr)],
                               -1e-6, 1e-6, "shares")
                rules["shares"] += 1
            if r["unknown_pct"] is not None and r["group"] == "minority":
                u = known((*at, "unknown", r["service"], band, "unknown"))
                p = r["unknown_pct"] / 100
                model.equation([(1 - p, u), (-p, ng), (-p, nr)], -1e-6, 1e-6,
                               "percentage unknown")
                rules["percentage unknown"] += 1
    # pooled M3 = the sum of its two years
    for (authority, year), cells in pooled.items():
        for (service, role, group), shown in cells.items():
            parts = [known((authority, y, "M3", role, service, None, group))
                     for y in (year - 1, year)]
            total: Any = shown
            if shown is None:
                total = model_key = ("pooled", authority, year, service, role, group)
                model.unknown(model_key, 1.0)
            model.equation([(1, total), *((-1, p) for p in parts)], 0, 0, "pooled = its years")
            rules["pooled = its years"] += 1
    return model, dict(rules)


def feasible(model: Model) -> bool:
    """Whether any table of counts agrees with every relation of ``model``."""
    if not model.rows:
        return True
    a = np.zeros((len(model.rows), len(model.lower)))
    for r, (row, _, _) in enumerate(model.rows):
        for i, c in row.items():
            a[r, i] = c
    result = milp(np.zeros(len(model.lower)), integrality=np.ones(len(model.lower)),
                  bounds=Bounds(model.lower, [1e9] * len(model.lower)),
                  constraints=[LinearConstraint(a, [lo for _, lo, _ in model.rows],
                                                [hi for _, _, hi in model.rows])])
    return result.status == 0


def attack_model(records: dict[tuple[str, int], list[dict[str, Any]]],
                 pooled: dict[tuple[str, int], dict[tuple[str, str, str], int | None]],
                 senior_bands: dict[str, list[str]]) -> tuple[Model, dict[str, int]]:
    """The reader's model. Whether M9 was counted from the senior bands of M1 (the parameters
    name them; a return may hold its own senior-manager counts instead) is a hypothesis the
    reader tests: kept for an authority-year where the figures can still add up so."""
    m9_years: dict[str, set[int]] = defaultdict(set)
    for authority in sorted({a for a, _ in records}):
        mine = {k: v for k, v in records.items() if k[0] == authority}
        own_pooled = {k: v for k, v in pooled.items() if k[0] == authority}
        for year in sorted(y for _, y in mine):
            trial = {authority: {*m9_years[authority], year}}
            if feasible(build_model(mine, own_pooled, senior_bands, trial)[0]):
                m9_years[authority].add(year)
    return build_model(records, pooled, senior_bands, m9_years)


def ranges(model: Model) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Lowest and highest value of every withheld count, group of unknowns by group."""
    n = len(model.lower)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row, _, _ in model.rows:
        first, *rest = row
        for i in rest:
            parent[root(i)] = root(first)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[root(i)].append(i)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for r, (row, _, _) in enumerate(model.rows):
        rows_of[root(next(iter(row)))].append(r)
    keys = {i: k for k, i in model.index.items()}
    found = {}
    for top, group in members.items():
        targets = [i for i in group if keys[i][0] not in ("rem", "noband", "non")]
        if not targets:
            continue
        local = {i: j for j, i in enumerate(group)}
        a = np.zeros((len(rows_of[top]), len(group)))
        low, high = [], []
        for r, index in enumerate(rows_of[top]):
            row, lo, hi = model.rows[index]
            for i, c in row.items():
                a[r, local[i]] = c
            low.append(lo)
            high.append(hi)
        constraints = [LinearConstraint(a, low, high)] if len(low) else []
        bounds = Bounds([model.lower[i] for i in group], [1e9] * len(group))
        for i in targets:
            extremes = []
            for sign in (1.0, -1.0):
                c = np.zeros(len(group))
                c[local[i]] = sign
                result = milp(c, integrality=np.ones(len(group)), bounds=bounds,
                              constraints=constraints)
                assert result.status == 0, f"{keys[i]}: {result.message}"
                extremes.append(round(float(result.x[local[i]])))
            found[keys[i]] = (extremes[0], extremes[1])
    return found


# --------------------------------------------------------------------------- the test


def pooled_tables(out: Path) -> dict[tuple[str, int], dict[tuple[str, str, str], int | None]]:
    """The M3 pooled tables: (service, role, group) -> the count shown, None for "[c]"."""
    found = {}
    services = {"Adults' services": "adults", "Children's services": "children",
                "All services": "all"}
    for page in sorted(out.glob("*/*/m3_disciplinary.html")):
        for caption, rows in tables(page):
            if not caption.startswith("M3 pooled over"):
                continue
            cells = {}
            for row in rows[1:]:
                service = services[row[0]]
                for text, group in ((row[1], "minority"), (row[2], "white")):
                    events, people = text.split(" of ")
                    for role, shown in (("events", events), ("n", people)):
                        cells[(service, role, group)] = None if shown in ("[c]", "<5") else int(
                            shown.replace(",", ""))
            found[(page.parent.name, int(page.parent.parent.name))] = cells
    return found


def test_no_withheld_count_can_be_worked_out_from_the_published_files(published: Path) -> None:
    records = read_records(published)
    assert len(records) == len(AUTHORITIES) * 3
    manifest = json.loads((published / "manifest.json").read_text())
    senior = {a: v["values"]["senior_bands"] for a, v in
              manifest["parameters"]["authorities"].items() if v["values"]}
    pooled = pooled_tables(published)
    assert len(pooled) == len(AUTHORITIES) * 2  # the two later years pool with the one before

    # 1. no count of 1 to 4 people shown anywhere, and one symbol only
    for rs in records.values():
        for r in rs:
            for column in COUNTS:
                assert r[column] is None or not 0 < r[column] < THRESHOLD, (r, column)
    for cells in pooled.values():
        assert not [v for v in cells.values() if v is not None and 0 < v < THRESHOLD]
    for page in published.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "&lt;5" not in text and "<5" not in text, page
    with (published / "results.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["unit"] == "count" and row["value"]:
                assert not 0 < float(row["value"]) < THRESHOLD, row

    # 2. no figure (rate, share, interval, index, percentage, flag) over a withheld count
    over_withheld = []
    for rs in records.values():
        whole = {(r["service"], r["group"]): r for r in rs
                 if r["metric"] == "M1" and band_of(r) is None}
        minority = {(r["metric"], r["service"], band_of(r)): r for r in rs
                    if r["group"] == "minority"}
        for r in rs:
            withheld = set(r["withheld"] or ())
            for figure, behind in (RESTS_ON_M9 if r["metric"] == "M9" else RESTS_ON).items():
                if r[figure] is None:
                    continue
                hidden = withheld & set(behind)
                if "band minority" in behind:
                    m = minority.get((r["metric"], r["service"], band_of(r)))
                    hidden |= set(m["withheld"] or ()) & {"n_group", "n_reference"} if m else set()
                if "workforce" in behind:
                    for g in (r["group"], "minority"):
                        w = whole.get((r["service"], g))
                        hidden |= set(w["withheld"] or ()) & {"n_group", "n_reference"} \
                            if w else set()
                if hidden:
                    over_withheld.append((r["authority"], r["year"], r["metric"], r["service"],
                                          r["group"], band_of(r), figure, sorted(hidden)))
    assert over_withheld == []
    # ... which read M9's relative likelihoods too (senior managers over staff)
    m9_rls = [r for rs in records.values() for r in rs if r["metric"] == "M9" and r["rl"]]
    assert m9_rls, "no published M9 relative likelihood to check"

    # 3. the solver: no withheld count pinned, no small one provably small
    model, rules = attack_model(records, pooled, senior)
    found = ranges(model)
    print("\nrelations the attack used, by rule:", rules)
    print(f"withheld counts solved: {len(found)}; narrowest range: "
          f"{min((hi - lo for lo, hi in found.values()), default=None)}")
    truth = true_counts(published.parent / "data")
    pinned, provably_small = [], []
    for key, (low, high) in found.items():
        if key[0] == "pooled":
            _, authority, year, service, role, group = key
            true = sum(truth.get((authority, y, "M3", role, service, None, group), 0)
                       for y in (year - 1, year))
        else:
            true = truth.get(key)
        # a disclosure is a true inference: a reader's hypothesis (M9 from the senior bands)
        # that the figures cannot refute may still be wrong, and then so is what it "pins"
        if true is not None and not low <= true <= high:
            continue
        if low == high:
            pinned.append((key, low, true))
        if high < THRESHOLD:
            provably_small.append((key, low, high, true))
    assert pinned == [], f"{len(pinned)} withheld counts worked out exactly: {pinned[:10]}"
    assert provably_small == [], (f"{len(provably_small)} withheld counts proved under "
                                  f"{THRESHOLD}: {provably_small[:10]}")
    assert len(found) > 100  # the attack had something to attack


def test_the_index_agrees_with_metrics_json(published: Path) -> None:
    """What a reader could combine across pages: the same figure, the same value or words."""
    records = read_records(published)
    index = published / "index.html"
    rows = [r for _, rs in tables(index) for r in rs]
    text = index.read_text(encoding="utf-8")
    for (authority, year), rs in records.items():
        rl = {(r["metric"], r["service"], r["group"]): r for r in rs}
        m2 = rl[("M2", "all", "minority")]
        shown = "not published: small numbers" if "rl" in (m2["withheld"] or ()) else (
            f"{m2['rl']:.2f}" if m2["rl"] is not None else None)
        if shown is not None:
            assert shown in text, (authority, year, shown)
    assert rows


def true_counts(data: Path) -> dict[tuple[Any, ...], int]:
    """The internal counts, read from the synthetic inputs only to describe a failure."""
    from wres_tools import computed
    from wres_tools.parameters import load_parameters

    truth = {}
    for ref in find_returns(data):
        params = load_parameters(ref.authority, data / "parameters")
        _, internal = computed.computed_return(ref, params)
        for r in internal.to_dict("records"):
            band = band_of(r)
            for role, group, column in (("n", r["group"], "n_group"),
                                        ("events", r["group"], "events_group"),
                                        ("n", "white", "n_reference"),
                                        ("events", "white", "events_reference"),
                                        ("unknown", "unknown", "unknown_count")):
                if r[column] is not None and not (isinstance(r[column], float)
                                                  and math.isnan(r[column])):
                    truth[(ref.authority, ref.year, r["metric"], role, r["service"], band,
                           group)] = int(r[column])
    return truth
