"""The national picture of a year: every council's figures pooled, by region, the councils'
spread around the thresholds and the trend, as Skills for Care's national SC-WRES report gives
them.

**What is pooled.** A pooled figure is worked out from the counts of every council's return
summed (a relative likelihood from the summed 2x2 table, a share from summed headcounts), never
averaged. In published mode the counts summed are those each council's *own published records*
show (:func:`wres_tools.computed.published_return`, the one publishing step): a council's line
whose counts its own pages withhold is left out of that line, and the line says how many
councils it pools and how many were left out. So every published national or regional count is
a sum of counts already published, and nothing a reader subtracts - the nation minus the other
regions, the nation minus every council shown, one year minus another - gives a count the
councils' pages withheld. Pooling the councils' raw counts and suppressing afterwards would not
do that: the national count minus every council's shown count is the sum of the withheld ones,
one council's small count when only one withheld it. The pooled records then pass through
:func:`wres_tools.publish.publish_results` like any page's (with the highest threshold of the
councils). Internal mode pools every count: the figures of :func:`wres_tools.metrics.pooled`.

**A line's councils.** A figure is given when at least :data:`MIN_COUNCILS` councils' counts
are in it: a "region" of one council is that council's figure, which its own report has.

**The spread** (:func:`distribution`) counts councils, not people, by their own published
relative likelihood: above 1.25, below 0.80 and between, and how many of those beyond the
thresholds are statistically significant, as NHS England reports trusts. A council whose RL its
own page withholds is counted as "not published", never placed. Every figure is therefore read
off the councils' published pages.

**Pay bands** (M1) are pooled into the three Skills for Care bands (:mod:`wres_tools.sfc_bands`
says how an authority's band maps); a council whose bands do not all map is named and left out
of the national bands, so a band's share never mixes two pay ranges.

Every record of a metric whose records carry an ``rl`` (M2-M9) is read the same way, so nothing
here is written per metric but M9's counts: its likelihood is senior managers over staff, and its
staff are the M1 whole-workforce counts of the council's page
(:func:`wres_tools.metrics.likelihood_counts`), so a council is in the national M9 line only
where its page shows all four counts, and the national RL is that of the summed senior and staff
counts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wres_tools import publish
from wres_tools import statistics as st
from wres_tools.computed import digest, published_return, remember
from wres_tools.contract import (
    ALL_SERVICES,
    RESULT_COLUMNS,
    SERVICES,
    Problem,
    ReturnError,
    is_missing,
)
from wres_tools.contract import plain as _plain
from wres_tools.disclosure import WITHHELD
from wres_tools.inputkey import digest_paths
from wres_tools.metrics import (
    GROUP_ADJECTIVES,
    METRICS,
    REFERENCE,
    senior_likelihood,
    zero_cell_reason,
)
from wres_tools.parameters import Parameters, check_parameters, resolve_parameters_dir
from wres_tools.paths import DEMO_DATA_DIR, PARAMETERS_DIR
from wres_tools.regions import ADASS_REGIONS
from wres_tools.returns.find import ReturnRef, find_returns
from wres_tools.sfc_bands import SKILLS_FOR_CARE_BANDS, map_bands

#: The scope of every council in the batch together.
NATIONAL = "national"
#: Fewest councils whose counts a pooled figure must hold to be given.
MIN_COUNCILS = 2
#: The counts a relative likelihood rests on, and those a share rests on.
RATIO_COUNTS: tuple[str, ...] = ("events_group", "n_group", "events_reference", "n_reference")
SHARE_COUNTS: tuple[str, ...] = ("n_group", "n_reference")
#: What the four-fifths thresholds are called in the spread's columns.
ABOVE, BELOW = st.FOUR_FIFTHS_HIGH, st.FOUR_FIFTHS_LOW
#: Columns of :func:`distribution`, after year, scope, metric and service.
SPREAD_COLUMNS: tuple[str, ...] = (
    "councils", "with_figure", "above", "above_significant", "below", "below_significant",
    "within", "not_published", "no_figure")
#: Columns of the staff table.
STAFF_COLUMNS: tuple[str, ...] = ("year", "scope", "service", "councils", "councils_counted",
                                  "staff")

Mode = Literal["published", "internal"]


class NationalError(ValueError):
    """A year that cannot be pooled; the message says why."""


@dataclass(frozen=True)
class Council:
    """One council of the year: its id, display name, region (None: its file names none), and
    its own pay bands' Skills for Care bands."""

    authority: str
    name: str
    region: str | None
    bands: Mapping[str, str]
    unmapped: tuple[str, ...]
    threshold: int


@dataclass(frozen=True)
class NationalYear:
    """A year across every council whose return could be used.

    ``pooled``: published (or internal) result records, one frame per scope (:data:`NATIONAL`
    and each region at least :data:`MIN_COUNCILS` councils name), in
    :data:`wres_tools.contract.RESULT_COLUMNS` plus ``scope`` and ``n_councils`` (the councils
    whose counts the line holds) and ``n_left_out`` (councils with the line whose counts their
    own pages withhold).
    ``spread``: :func:`distribution` of every scope. ``staff``: :data:`STAFF_COLUMNS`.
    ``trend``: the national pooled records of every year held up to ``year``.
    """

    year: int
    disclosure: Mode
    councils: tuple[Council, ...]
    unusable: Mapping[str, str]
    pooled: Mapping[str, pd.DataFrame]
    spread: pd.DataFrame
    staff: pd.DataFrame
    trend: pd.DataFrame

    @property
    def regions(self) -> list[str]:
        """The regions given this year, in ADASS order: those at least :data:`MIN_COUNCILS`
        councils name (a region of one council would be that council's own figures)."""
        return [r for r in ADASS_REGIONS if r in self.pooled]

    def name(self, authority: str) -> str:
        return next((c.name for c in self.councils if c.authority == authority), authority)


# --------------------------------------------------------------------------- the year's returns


def _council(params: Parameters, records: pd.DataFrame) -> Council:
    bands = [str(b) for b in dict.fromkeys(records.loc[
        (records["metric"] == "M1") & records["pay_band"].notna(), "pay_band"])]
    mapped, unmapped = map_bands(bands, params.skills_for_care_bands)
    return Council(params.authority, params.display_name, params.region, mapped,
                   tuple(unmapped), params.threshold)


@dataclass(frozen=True)
class YearReturns:
    """Every return of a year through the publishing step: each authority's records as
    ``disclosure`` shows them and its parameters; ``unusable``: authority -> why its return (or
    its folder, or its parameter file) could not be used. What the national picture and the
    benchmarking page both start from (:func:`year_returns`)."""

    year: int
    records: dict[str, pd.DataFrame]
    params: dict[str, Parameters]
    unusable: dict[str, str]


def year_returns(data_dir: Path | str | None, year: int,
                 parameters_dir: Path | str | None = None, disclosure: Mode = "published",
                 *, refs: Sequence[ReturnRef] | None = None,
                 unreadable: Sequence[Problem] | None = None) -> YearReturns:
    """Load every return of ``year`` under ``data_dir`` (None: the demo data), publish each with
    its own parameters (:func:`wres_tools.computed.published_return`, the one publishing step)
    and name each that fails with why; one failure never stops the year. ``refs`` and
    ``unreadable``: what :func:`find_returns` found, when the caller already looked. Raises
    FileNotFoundError when the year has no return."""
    if disclosure not in ("published", "internal"):
        raise ValueError(f"disclosure is {disclosure!r}: expected 'published' or 'internal'")
    data_dir = Path(data_dir) if data_dir is not None else DEMO_DATA_DIR
    params_dir = resolve_parameters_dir(
        data_dir, Path(parameters_dir) if parameters_dir is not None else None)
    if refs is None:
        found: list[Problem] = []
        refs, unreadable = find_returns(data_dir, found), found
    chosen = [ref for ref in refs if ref.year == year]
    if not chosen:
        raise FileNotFoundError(f"{data_dir}: no return for the year {year}")
    out = YearReturns(year, {}, {}, {})
    for problem in unreadable or ():  # an authority folder, or this year's entry, unreadable
        path = Path(problem.file)
        if not path.stem.isdigit() or int(path.stem) == year:
            who = path.parent.name if path.stem.isdigit() else path.name
            out.unusable[who] = f"its data could not be read ({problem.message[:200]})"
    for ref in chosen:  # one return per authority and year (find_returns sorts them)
        params, report = check_parameters(ref.authority, params_dir)
        if params is None:
            out.unusable[ref.authority] = (f"its parameter file could not be used "
                                           f"({len(report.errors)} problem(s); run wres validate)")
            continue
        out.params[ref.authority] = params
        try:
            out.records[ref.authority] = published_return(ref, params, disclosure)[2]
        except ReturnError as exc:
            out.unusable[ref.authority] = (f"the return could not be used "
                                           f"({len(exc.report.errors)} problem(s); run wres "
                                           "validate)")
        except (OSError, ValueError, ArithmeticError) as exc:  # one return never stops the year
            text = str(exc).strip().splitlines()
            out.unusable[ref.authority] = (f"the return could not be used "
                                           f"({(text[0] if text else type(exc).__name__)[:200]})")
    return out


def national_year(
    data_dir: Path | str | None,
    year: int,
    parameters_dir: Path | str | None = None,
    disclosure: Mode = "published",
) -> NationalYear:
    """Load every return of ``year`` (and of the years before it, for the trend) under
    ``data_dir``, publish each with its own parameters (:func:`year_returns`), and pool them:
    :class:`NationalYear`. ``data_dir`` None: the synthetic demo data."""
    if disclosure not in ("published", "internal"):
        raise ValueError(f"disclosure is {disclosure!r}: expected 'published' or 'internal'")
    data_dir = Path(data_dir) if data_dir is not None else DEMO_DATA_DIR
    unreadable: list[Problem] = []
    refs = find_returns(data_dir, unreadable)
    if not any(r.year == year for r in refs):
        raise FileNotFoundError(f"{data_dir}: no return for the year {year}")
    earlier = [pooled for held in sorted({r.year for r in refs if r.year < year})
               if (pooled := _national_pool(data_dir, held, parameters_dir, disclosure,
                                            refs)) is not None]
    now = year_returns(data_dir, year, parameters_dir, disclosure, refs=refs,
                       unreadable=unreadable)
    return build_year(now.records, _councils(now), year, disclosure, now.unusable, earlier)


#: The national pooled records of the years a process has pooled for a trend, by what they
#: rest on (:func:`_pool_key`): each year's page of a batch pools the years before it, so
#: without this the years of a batch would be pooled 1 + 2 + ... + n times.
_POOLED: OrderedDict[Hashable, pd.DataFrame | None] = OrderedDict()


def _pool_key(data_dir: Path, year: int, parameters_dir: Path | str | None, disclosure: Mode,
              refs: Sequence[ReturnRef]) -> tuple[Hashable, ...]:
    """What a year's national pool rests on: the content of each of its returns and of every
    parameter file, and the mode; a changed file gives a new key, so nothing stale is served."""
    params_dir = resolve_parameters_dir(
        data_dir, Path(parameters_dir) if parameters_dir is not None else None)
    returns = tuple((r.authority, str(r.path), digest(r.path)) for r in refs if r.year == year)
    settings = digest_paths([PARAMETERS_DIR / "defaults.yml",  # used where params_dir has none
                             *sorted(p for p in Path(params_dir).glob("*.yml") if p.is_file())])
    return (str(data_dir), year, disclosure, returns, str(params_dir), settings)


def _national_pool(data_dir: Path, year: int, parameters_dir: Path | str | None,
                   disclosure: Mode, refs: Sequence[ReturnRef]) -> pd.DataFrame | None:
    """The national pooled records of ``year`` (None: no return of it could be used), pooled
    once per process for what they rest on (:data:`_POOLED`); a copy."""
    key = _pool_key(data_dir, year, parameters_dir, disclosure, refs)
    if key not in _POOLED:
        loaded = year_returns(data_dir, year, parameters_dir, disclosure, refs=refs)
        remember(_POOLED, key, pool_scope(loaded.records, _councils(loaded), NATIONAL, year,
                                          disclosure) if loaded.records else None)
    _POOLED.move_to_end(key)
    pooled = _POOLED[key]
    return None if pooled is None else pooled.copy()


def _councils(loaded: YearReturns) -> dict[str, Council]:
    return {a: _council(loaded.params[a], records) for a, records in loaded.records.items()}


def build_year(records: Mapping[str, pd.DataFrame], councils: Mapping[str, Council], year: int,
               disclosure: Mode, unusable: Mapping[str, str] | None = None,
               earlier: Sequence[pd.DataFrame] = ()) -> NationalYear:
    """A :class:`NationalYear` from each council's records of ``year`` (already through the
    publishing step in ``disclosure`` mode); ``earlier``: the national pooled records of the
    years before, for the trend. Pure: what :func:`national_year` calls once it has read the
    returns, and what tests call with records of their own."""
    if not records:
        raise NationalError(f"no council's return for {year} could be used")
    regions = [r for r in ADASS_REGIONS
               if sum(c.region == r for c in councils.values()) >= MIN_COUNCILS]
    pooled = {scope: pool_scope(records, councils, scope, year, disclosure)
              for scope in (NATIONAL, *regions)}
    spread = pd.concat([distribution(_in_scope(records, councils, scope), scope, year)
                        for scope in pooled], ignore_index=True)
    staff = pd.concat([staff_counts(_in_scope(records, councils, scope), scope, year)
                       for scope in pooled], ignore_index=True)
    ordered = tuple(sorted(councils.values(), key=lambda c: c.name.lower()))
    trend = pd.concat([*earlier, pooled[NATIONAL]], ignore_index=True)
    return NationalYear(year, disclosure, ordered, dict(unusable or {}), pooled, spread, staff,
                        trend)


def _in_scope(records: Mapping[str, pd.DataFrame], councils: Mapping[str, Council],
              scope: str) -> dict[str, pd.DataFrame]:
    return {a: df for a, df in records.items()
            if scope == NATIONAL or councils[a].region == scope}


# --------------------------------------------------------------------------- pooling


def _kind(record: Mapping[str, Any]) -> Literal["ratio", "share"] | None:
    """How a record pools: "ratio" when its figures rest on a 2x2 table (events counted, or
    withheld), "share" when on two headcounts (M1; M9 pools as a ratio of senior managers over
    staff), None for a record with nothing to pool."""
    if record["status"] == "not_collected":
        return None
    if any(not is_missing(record[c]) or publish.is_withheld(record, c)
           for c in ("events_group", "events_reference")):
        return "ratio"
    if any(not is_missing(record[c]) or publish.is_withheld(record, c) for c in SHARE_COUNTS):
        return "share"
    return None


def _counts(record: Mapping[str, Any], columns: Sequence[str]) -> tuple[int, ...] | None:
    """The record's counts, or None when any is not shown (withheld, or never computed)."""
    values = [record[c] for c in columns]
    if any(is_missing(v) for v in values):
        return None
    return tuple(int(v) for v in values)


Key = tuple[str, str, str, str | None]  # metric, service, group, pay band


@dataclass
class _Line:
    kind: Literal["ratio", "share"]
    totals: list[int]
    members: set[str] = field(default_factory=set)  # the councils whose counts it holds
    left_out: int = 0  # councils with the line whose counts their own pages withhold

    @property
    def councils(self) -> int:
        return len(self.members)

    def add(self, authority: str, counts: tuple[int, ...] | None, withheld: bool) -> None:
        if counts is None:
            self.left_out += withheld
            return
        self.members.add(authority)
        self.totals = [a + b for a, b in zip(self.totals, counts, strict=True)]


def _lines(records: Mapping[str, pd.DataFrame],
           councils: Mapping[str, Council]) -> dict[Key, _Line]:
    """Every line's summed counts over the councils that show them; M1 by Skills for Care band."""
    lines: dict[Key, _Line] = {}
    for authority, frame in records.items():
        by_band: dict[tuple[str, str], list[tuple[int, ...] | None]] = {}
        rows: list[dict[str, Any]] = [{str(k): _plain(v) for k, v in row.items()}
                                      for row in frame.to_dict("records")]
        # M9's staff: the M1 whole-workforce record of each service and group, as
        # metrics.likelihood_counts finds it (exactly one such record, else no staff)
        wholes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            if row["metric"] == "M1" and row["pay_band"] is None:
                wholes.setdefault((row["service"], row["group"]), []).append(row)
        for row in rows:
            kind = _kind(row)
            if kind is None:
                continue
            band = row["pay_band"]
            if row["metric"] == "M1" and band is not None:
                if row["group"] == "minority" and not councils[authority].unmapped:
                    target = councils[authority].bands[str(band)]
                    by_band.setdefault((row["service"], target), []).append(
                        _counts(row, SHARE_COUNTS))
                continue
            key = (row["metric"], row["service"], row["group"], None)
            if METRICS[row["metric"]].kind == "senior":
                # M9 is a likelihood: senior managers over staff (the M1 whole workforce's
                # counts of the same service and group), each count as the council's page shows
                whole = wholes.get((row["service"], row["group"]), [])
                staff: tuple[Any, Any] = ((whole[0]["n_group"], whole[0]["n_reference"])
                                          if len(whole) == 1 else (None, None))
                found: tuple[Any, ...] = (row["n_group"], staff[0], row["n_reference"],
                                          staff[1])
                counts = None if any(is_missing(c) for c in found) else tuple(
                    int(c) for c in found)
                line = lines.setdefault(key, _Line("ratio", [0] * 4))
                line.add(authority, counts, withheld=counts is None and bool(row["suppressed"]))
                continue
            if kind == "share" and row["group"] != "minority":
                continue  # a group's share of the known is over minority + white: not pooled
            columns = RATIO_COUNTS if kind == "ratio" else SHARE_COUNTS
            line = lines.setdefault(key, _Line(kind, [0] * len(columns)))
            withheld = any(publish.is_withheld(row, c) for c in columns)
            line.add(authority, _counts(row, columns) if line.kind == kind else None, withheld)
        for (service, target), parts in by_band.items():
            line = lines.setdefault(("M1", service, "minority", target), _Line("share", [0, 0]))
            shown = all(p is not None for p in parts)
            line.add(authority, tuple(sum(p[i] for p in parts if p is not None) for i in range(2))
                     if shown else None, withheld=not shown)
    return lines


def _blank(scope: str, year: int, key: Key) -> dict[str, Any]:
    metric, service, group, band = key
    record: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    record.update(authority=scope, year=year, metric=metric, service=service, group=group,
                  reference=REFERENCE, pay_band=band, status="ok", suppressed=False,
                  withheld=(), disclosure="internal",
                  adverse_when=METRICS[metric].adverse_when)
    return record


def _ratio_figures(record: dict[str, Any], eg: int, ng: int, er: int, nr: int) -> None:
    """The figures of a pooled 2x2 table, as the metric engine gives a council's."""
    mdef = METRICS[record["metric"]]
    group = GROUP_ADJECTIVES[record["group"]]
    record.update(events_group=eg, n_group=ng, events_reference=er, n_reference=nr)
    for side, (events, n) in (("group", (eg, ng)), ("reference", (er, nr))):
        rate, low, high = st.wilson(events, n)
        record.update({f"rate_{side}": rate, f"rate_{side}_ci_low": low,
                       f"rate_{side}_ci_high": high})
    if ng == 0 or nr == 0:
        who = group if ng == 0 else "white"
        record.update(status="not_computable",
                      reason=f"there were no {who} {mdef.population} in the councils pooled")
        return
    p = st.fisher_p(eg, ng, er, nr)
    record.update(p_value=p, significant=st.significant(p))
    if mdef.question is not None:
        gap, low, high = st.newcombe_gap(eg, ng, er, nr)
        record.update({c: None if v is None else 100 * v for c, v in
                       (("gap_pp", gap), ("gap_pp_ci_low", low), ("gap_pp_ci_high", high))})
    rl = st.relative_likelihood(eg, ng, er, nr)
    if rl.rl is None:
        record.update(status="not_computable",
                      reason=zero_cell_reason(mdef, group, eg, ng, er, nr) or rl.reason)
        return
    record.update(rl=rl.rl, rl_ci_low=rl.low, rl_ci_high=rl.high, rl_nhs_direction=1 / rl.rl,
                  four_fifths=st.four_fifths(rl.rl, mdef.adverse_when))


def _senior_figures(record: dict[str, Any], senior_g: int, staff_g: int, senior_r: int,
                    staff_r: int) -> None:
    """M9 pooled as a council's is computed: the minority share of senior managers (its counts,
    ``n_group`` and ``n_reference``) and the likelihood of being a senior manager, senior
    managers over staff, minority ethnic against white, from the summed counts
    (``metrics.senior_likelihood``, the metric engine's own)."""
    _share_figures(record, senior_g, senior_r)
    if staff_g + staff_r:
        record["share_workforce"] = staff_g / (staff_g + staff_r)
    reason = senior_likelihood(record, METRICS[record["metric"]], senior_g, staff_g, senior_r,
                               staff_r)
    if reason is not None and record["status"] == "ok":
        record["reason"] = reason


def _share_figures(record: dict[str, Any], group_count: int, white: int) -> None:
    exact = METRICS[record["metric"]].kind == "senior"
    share, low, high = (st.clopper_pearson if exact else st.wilson)(group_count,
                                                                    group_count + white)
    record.update(n_group=group_count, n_reference=white, share=share, share_ci_low=low,
                  share_ci_high=high)
    if share is None:
        record.update(status="not_computable", reason="no staff of known ethnicity pooled")


def _too_few(line: _Line) -> str:
    if line.councils == 0 and line.left_out:
        return WITHHELD
    return (f"the counts of {line.councils} council{'s' * (line.councils != 1)} are in it: a "
            f"pooled figure needs at least {MIN_COUNCILS}, and a single council's figure is in "
            "its own report")


_ORDER = {m: i for i, m in enumerate(METRICS)}
_SERVICE_ORDER = {s: i for i, s in enumerate((*SERVICES, ALL_SERVICES))}
_GROUP_ORDER = {g: i for i, g in enumerate(GROUP_ADJECTIVES)}
_BAND_ORDER = {b: i for i, b in enumerate((None, *SKILLS_FOR_CARE_BANDS))}


def pool_scope(records: Mapping[str, pd.DataFrame], councils: Mapping[str, Council], scope: str,
               year: int, mode: Mode) -> pd.DataFrame:
    """One scope's pooled records (:data:`NATIONAL`, or a region: its councils only) through the
    publishing step. ``records``: each council's records of ``year`` as ``mode`` shows them."""
    chosen = _in_scope(records, councils, scope)
    rows, members = [], []
    for key, line in sorted(_lines(chosen, councils).items(), key=lambda item: (
            _ORDER[item[0][0]], _SERVICE_ORDER[item[0][1]], _GROUP_ORDER[item[0][2]],
            _BAND_ORDER.get(item[0][3], 9))):
        record = _blank(scope, year, key)
        if line.councils < MIN_COUNCILS:
            record.update(status="not_computable", reason=_too_few(line))
        elif METRICS[key[0]].kind == "senior":
            _senior_figures(record, *line.totals)
        elif line.kind == "ratio":
            _ratio_figures(record, *line.totals)
        else:
            _share_figures(record, *line.totals)
        record.update(n_councils=line.councils, n_left_out=line.left_out)
        rows.append(record)
        members.append(frozenset(line.members) if line.councils >= MIN_COUNCILS else frozenset())
    frame = pd.DataFrame(rows, columns=[*RESULT_COLUMNS, "n_councils", "n_left_out"],
                         dtype=object)
    threshold = max((councils[a].threshold for a in chosen), default=5)
    params = Parameters.model_validate({"authority": scope, "display_name": scope,
                                        "threshold": threshold})
    # lines pooling the same councils add up as a council's do (adults + children = all, the
    # groups = minority, the bands = the workforce): each such table is published whole
    tables = pd.Series(members, index=frame.index, dtype=object)
    published = publish.publish_tables(
        frame[list(RESULT_COLUMNS)], [frame.index[tables == same] for same in
                                      dict.fromkeys(members)], params, mode)
    published.insert(0, "scope", scope)
    published["n_councils"] = frame["n_councils"].astype("Int64").to_numpy()
    published["n_left_out"] = frame["n_left_out"].astype("Int64").to_numpy()
    return published


# --------------------------------------------------------------------------- the spread


def _significant(record: Mapping[str, Any]) -> bool:
    return record.get("significant") is True


def distribution(records: Mapping[str, pd.DataFrame], scope: str, year: int) -> pd.DataFrame:
    """How many councils' own published RLs (minority ethnic against white) lie above
    :data:`ABOVE` and below :data:`BELOW`, how many of those are statistically significant, how
    many are within, not published (withheld on their own page) or have no figure (not
    computable; a council that did not collect the metric is not counted at all). One row per
    metric with an RL and service: year, scope, metric, service, :data:`SPREAD_COLUMNS`.
    Counts of councils, each read off a published page."""
    tally: dict[tuple[str, str], dict[str, int]] = {}
    for frame in records.values():
        for row in frame.to_dict("records"):
            row = {k: _plain(v) for k, v in row.items()}
            if (row["group"] != "minority" or row["pay_band"] is not None
                    or row["status"] == "not_collected"):
                continue
            if row["rl"] is None and not publish.is_withheld(row, "rl") \
                    and METRICS[row["metric"]].kind != "ratio":
                continue  # a metric with no RL at all (M1)
            counts = tally.setdefault((row["metric"], row["service"]),
                                      dict.fromkeys(SPREAD_COLUMNS, 0))
            counts["councils"] += 1
            rl = row["rl"]
            if rl is None:
                counts["not_published" if publish.is_withheld(row, "rl") else "no_figure"] += 1
                continue
            counts["with_figure"] += 1
            side = "above" if rl > ABOVE else "below" if rl < BELOW else "within"
            counts[side] += 1
            if side != "within" and _significant(row):
                counts[f"{side}_significant"] += 1
    rows = [{"year": year, "scope": scope, "metric": m, "service": s, **c}
            for (m, s), c in sorted(tally.items(), key=lambda i: (_ORDER[i[0][0]],
                                                                 _SERVICE_ORDER[i[0][1]]))]
    frame = pd.DataFrame(rows, columns=["year", "scope", "metric", "service", *SPREAD_COLUMNS])
    return frame.astype({c: "Int64" for c in ("year", *SPREAD_COLUMNS)}
                        | {"scope": "string", "metric": "string", "service": "string"})


def staff_counts(records: Mapping[str, pd.DataFrame], scope: str, year: int) -> pd.DataFrame:
    """Councils and staff by service: each council's headcount (minority, white and unknown
    ethnicity, from its whole-workforce M1 record) where its own page shows all three;
    ``councils_counted`` says how many councils' headcounts the sum holds."""
    rows = []
    for service in (*SERVICES, ALL_SERVICES):
        councils = counted = staff = 0
        for frame in records.values():
            found = frame[(frame["metric"] == "M1") & (frame["service"] == service)
                          & (frame["group"] == "minority") & frame["pay_band"].isna()
                          & (frame["status"] != "not_collected")]
            if not len(found):
                continue
            councils += 1
            row = {k: _plain(v) for k, v in found.iloc[0].items()}
            counts = _counts(row, ("n_group", "n_reference", "unknown_count"))
            if counts is not None:
                counted += 1
                staff += sum(counts)
        rows.append({"year": year, "scope": scope, "service": service, "councils": councils,
                     "councils_counted": counted, "staff": staff})
    frame = pd.DataFrame(rows, columns=list(STAFF_COLUMNS))
    return frame.astype({"year": "Int64", "scope": "string", "service": "string",
                         "councils": "Int64", "councils_counted": "Int64", "staff": "Int64"})


# --------------------------------------------------------------------------- the evidence


def national_results(nat: NationalYear) -> pd.DataFrame:
    """Every pooled record of the year, every scope: typed result records
    (:data:`wres_tools.contract.RESULT_COLUMNS`, ``authority`` the scope) with ``scope``,
    ``n_councils`` and ``n_left_out``; what results.csv can take as it takes a council's."""
    return pd.concat(list(nat.pooled.values()), ignore_index=True)


def national_spread(nat: NationalYear) -> pd.DataFrame:
    """The councils beyond the thresholds, every scope (:func:`distribution`'s columns)."""
    return nat.spread.copy()


def unmapped_councils(councils: Iterable[Council]) -> list[tuple[str, tuple[str, ...]]]:
    """(name, bands that map to no Skills for Care band) of each council left out of them."""
    return [(c.name, c.unmapped) for c in councils if c.unmapped]
