"""The kinds of row results.csv holds, each made from a frame that has been through the publishing
step (the frame a page prints): one row per figure, in the columns of
:data:`wres_tools.evidence.dictionary.ROW_COLUMNS`.

A kind is one small function (a published frame or benchmark -> row lists) and one entry of
:data:`ROW_KINDS` (the statistics it may hold; what the kind is, and which columns it fills, is in
:mod:`wres_tools.evidence.dictionary`); :mod:`wres_tools.evidence.results`
writes every kind it is given, and its dictionary lists every kind's statistics. Adding a kind
(say national figures) is a function like :func:`change_rows` plus an entry in ``ROW_KINDS``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from wres_tools.contract import RESULT_COLUMNS
from wres_tools.contract import is_missing as _missing
from wres_tools.contract import plain as _plain
from wres_tools.disclosure import WITHHELD
from wres_tools.evidence.dictionary import (
    KINDS,
    ROW_COLUMNS,
    Column,
)
from wres_tools.funnel import BenchmarkResult
from wres_tools.metrics import METRICS, REFERENCE
from wres_tools.trends import direction_of_change

Row = list[Any]

_POSITION = {c: i for i, c in enumerate(ROW_COLUMNS)}
_FIGURE = ("statistic", "value", "unit", "missing_reason", "withheld", "reason")


def _flag(value: Any) -> int | None:
    return None if _missing(value) else int(bool(value))


def _text(value: Any) -> Any:
    return None if _missing(value) else value


def figure_rows(base: Mapping[str, Any], figures: Iterable[tuple[str, Any, bool]],
                statistics: Mapping[str, Column], *, reason: Any, status: Any,
                where: str) -> list[Row]:
    """One row per (statistic, value, withheld) of a record: ``base`` gives the record's other
    columns. A missing value says why in ``missing_reason`` (suppressed when withheld, else the
    record's status when it is not_collected or not_computable, else not_computable) and gives
    the record's ``reason``; a value given has no reason. ``where`` names the record in errors.
    """
    template: Row = [None] * len(ROW_COLUMNS)
    for column, value in base.items():
        template[_POSITION[column]] = value
    template[_POSITION["status"]] = _text(status)
    rows = []
    for statistic, value, withheld in figures:
        if not _missing(value) and not is_number(value):
            raise ValueError(f"{where}: {statistic} is {value!r}; expected a number or null")
        if not _missing(value):
            why, words = None, None
        elif withheld:
            why, words = "suppressed", WITHHELD
        else:
            why = status if status in ("not_collected", "not_computable") else "not_computable"
            words = _text(reason)
        row = template.copy()
        row[_POSITION["statistic"]] = statistic
        row[_POSITION["value"]] = None if why else float(value)
        row[_POSITION["unit"]] = statistics[statistic].unit
        row[_POSITION["missing_reason"]] = why
        row[_POSITION["withheld"]] = int(withheld)
        row[_POSITION["reason"]] = words
        rows.append(row)
    return rows


def is_number(value: Any) -> bool:
    """int, float or a numpy number; not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


# --------------------------------------------------------------------------- result records

#: Every statistic a result (or pooled) row may name: what ``value`` then holds, in which unit.
RESULT_STATISTICS: dict[str, Column] = {
    "n_group": Column("integer", "count", "people in the comparison group (the denominator; "
                      "M1 and M9: staff or senior managers in the group)"),
    "events_group": Column("integer", "count", "people in the comparison group with the event "
                           "(the numerator)"),
    "n_reference": Column("integer", "count", "white people (the denominator; M1 and M9: white "
                          "staff or senior managers)"),
    "events_reference": Column("integer", "count", "white people with the event"),
    "rate_group": Column("number", "fraction (0-1)", "events / people, comparison group (M9: "
                         "the group's senior managers / the group's staff)"),
    "rate_group_ci_low": Column("number", "fraction (0-1)", "lower end of its Wilson interval"),
    "rate_group_ci_high": Column("number", "fraction (0-1)", "upper end of its Wilson interval"),
    "rate_reference": Column("number", "fraction (0-1)", "events / people, white staff (M9: "
                             "white senior managers / white staff)"),
    "rate_reference_ci_low": Column("number", "fraction (0-1)",
                                    "lower end of its Wilson interval"),
    "rate_reference_ci_high": Column("number", "fraction (0-1)",
                                     "upper end of its Wilson interval"),
    "rl": Column("number", "ratio", "relative likelihood: group rate / white rate (M9: of "
                 "holding a senior management post, as Skills for Care reports it; benchmark "
                 "rows: the authority's figure placed on the funnel)"),
    "rl_ci_low": Column("number", "ratio", "lower end of the log-method (Katz) interval"),
    "rl_ci_high": Column("number", "ratio", "upper end of the log-method (Katz) interval"),
    "rl_nhs_direction": Column("number", "ratio", "1 / rl: white rate / group rate, the way "
                               "the NHS WRES reports its indicators 2 and 4"),
    "p_value": Column("number", "probability (0-1)", "two-sided Fisher's exact test"),
    "gap_pp": Column("number", "percentage points", "M6, M7: group rate minus white rate"),
    "gap_pp_ci_low": Column("number", "percentage points", "lower end of Newcombe's interval"),
    "gap_pp_ci_high": Column("number", "percentage points", "upper end of Newcombe's interval"),
    "share": Column("number", "fraction (0-1)", "M1: the group's share of staff of known "
                    "ethnicity in the pay band; M9: of senior managers"),
    "share_ci_low": Column("number", "fraction (0-1)",
                           "lower end of its interval (M1 Wilson, M9 exact Clopper-Pearson)"),
    "share_ci_high": Column("number", "fraction (0-1)",
                            "upper end of its interval (M1 Wilson, M9 exact Clopper-Pearson)"),
    "share_workforce": Column("number", "fraction (0-1)",
                              "the group's share of the whole workforce of known ethnicity"),
    "representation_index": Column("number", "ratio", "share / share_workforce"),
    "share_population": Column("number", "fraction (0-1)",
                               "M9: the group's share of the area's population (census 2021)"),
    "gap_workforce_pp": Column("number", "percentage points",
                               "M9: senior share minus workforce share"),
    "gap_population_pp": Column("number", "percentage points",
                                "M9: senior share minus population share"),
    "unknown_count": Column("integer", "count", "people of unknown ethnicity, left out of the "
                            "comparison"),
    "unknown_pct": Column("number", "percent (0-100)",
                          "unknown ethnicity as a percentage of everyone counted"),
}

_COUNTS = ("n_group", "events_group", "n_reference", "events_reference")
_RATES = ("rate_group", "rate_group_ci_low", "rate_group_ci_high", "rate_reference",
          "rate_reference_ci_low", "rate_reference_ci_high")
_RL = ("rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "p_value")
_GAP = ("gap_pp", "gap_pp_ci_low", "gap_pp_ci_high")
_SHARE = ("n_group", "n_reference", "share", "share_ci_low", "share_ci_high", "share_workforce",
          "representation_index")
_UNKNOWN = ("unknown_count", "unknown_pct")

#: The statistics each kind of metric always has (M6 and M7 add the gap in percentage points).
KIND_STATISTICS: dict[str, tuple[str, ...]] = {
    "ratio": (*_COUNTS, *_RATES, *_RL, *_UNKNOWN),
    "representation": (*_SHARE, *_UNKNOWN),
    "senior": (*_SHARE, "share_population", "gap_workforce_pp", "gap_population_pp", *_RATES,
               *_RL, *_UNKNOWN),
}


def metric_statistics(metric: str, held: Iterable[str] = ()) -> tuple[str, ...]:
    """The statistic rows results.csv has for every record of a metric, in order: those of its
    kind (:data:`KIND_STATISTICS`, and the gap for a survey metric), and ``held``: any other
    statistic some record of the metric holds (so a figure added to a metric's records, such
    as an RL for M9, gets its rows without a change here)."""
    mdef = METRICS[metric]
    stats = set(KIND_STATISTICS[mdef.kind]) | set(held)
    if mdef.question is not None:
        stats |= set(_GAP)
    order = list(RESULT_STATISTICS)
    return tuple(sorted(stats, key=order.index))


def _held(records: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """For each metric, the statistics any of its records holds a value for or withheld."""
    held: dict[str, set[str]] = {}
    for record in records.to_dict("records"):
        given = {s for s in RESULT_STATISTICS if not _missing(record.get(s))}
        held.setdefault(record["metric"], set()).update(given | set(_withheld(record)))
    return {m: tuple(s for s in stats if s in RESULT_STATISTICS) for m, stats in held.items()}


def _withheld(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns a published record says disclosure control withheld."""
    value = record.get("withheld")
    return tuple(value) if isinstance(value, (list, tuple)) else ()


def check_published(records: pd.DataFrame, what: str = "results.csv") -> None:
    """ValueError unless every record has been through the publishing step in published mode."""
    missing = [c for c in RESULT_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"result records lack column(s) {', '.join(missing)}: expected "
                         "contract.RESULT_COLUMNS")
    for position, mode in enumerate(records["disclosure"].tolist()):
        if mode != "published":
            row = records.iloc[position]
            raise ValueError(
                f"record {position + 1} ({row.get('authority')}, {row.get('year')}, "
                f"{row.get('metric')}, {row.get('service')}, {row.get('group')}) has "
                f"disclosure {mode!r}: {what} takes only published results")


def record_rows(records: pd.DataFrame, kind: str = "result") -> list[Row]:
    """Published result records (:func:`wres_tools.publish.publish_results`, or pooled records
    of :func:`wres_tools.publish.publish_pooled` with a ``year_from`` column: the first year
    pooled) -> one row per statistic of the record's metric (:func:`metric_statistics`)."""
    check_published(records)
    held = _held(records)
    has_from = "year_from" in records.columns
    rows: list[Row] = []
    for position, record in enumerate(records.to_dict("records"), 1):
        record = {k: _plain(v) for k, v in record.items()}
        base = {
            "kind": kind, "authority": record["authority"], "year": record["year"],
            "year_from": record.get("year_from") if has_from else None,
            "metric": record["metric"], "service": record["service"], "group": record["group"],
            "reference": record["reference"], "pay_band": _text(record["pay_band"]),
            "significant": _flag(record["significant"]),
            "four_fifths": _text(record["four_fifths"]),
            "adverse_when": _text(record["adverse_when"]),
            "small_numbers": _flag(record["small_numbers"]),
            "suppressed": _flag(record["suppressed"]),
        }
        withheld = set(_withheld(record))
        where = (f"record {position} ({record['authority']}, {record['year']}, "
                 f"{record['metric']}, {record['service']}, {record['group']})")
        stats = metric_statistics(record["metric"], held.get(record["metric"], ()))
        rows += figure_rows(base, ((s, record[s], s in withheld) for s in stats),
                            RESULT_STATISTICS, reason=record["reason"], status=record["status"],
                            where=where)
    return rows


def pooled_rows(pooled: pd.DataFrame) -> list[Row]:
    """Pooled M3 records as the page prints them (:func:`wres_tools.publish.publish_pooled`; a
    ``year_from`` column names the first year pooled, ``year`` the last)."""
    return record_rows(pooled, "pooled")


# --------------------------------------------------------------------------- change over time


class Measure(NamedTuple):
    """The statistics of a change row for one measure of :data:`wres_tools.trends.TREND_DTYPES`."""

    then: str
    now: str
    change: str


#: Statistic names of a change row by its measure: the figure then and now, and the change.
MEASURES: dict[str, Measure] = {
    "rl": Measure("rl_then", "rl_now", "rl_change"),
    "share_pp": Measure("share_then", "share_now", "share_change_pp"),
}

CHANGE_STATISTICS: dict[str, Column] = {
    "rl_then": Column("number", "ratio", "the relative likelihood in year_from"),
    "rl_now": Column("number", "ratio", "the relative likelihood in year"),
    "rl_change": Column("number", "ratio", "rl_now / rl_then: 1 is no change"),
    "rl_change_ci_low": Column("number", "ratio", "lower end of its interval (the two years' "
                               "standard errors of log RL)"),
    "rl_change_ci_high": Column("number", "ratio", "upper end of its interval"),
    "share_then": Column("number", "fraction (0-1)", "the share (M1 pay band, M9 senior "
                         "managers) in year_from"),
    "share_now": Column("number", "fraction (0-1)", "the share in year"),
    "share_change_pp": Column("number", "percentage points", "share_now minus share_then: 0 is "
                              "no change"),
    "share_change_pp_ci_low": Column("number", "percentage points",
                                     "lower end of its Newcombe interval"),
    "share_change_pp_ci_high": Column("number", "percentage points",
                                      "upper end of its Newcombe interval"),
    "change_p_value": Column("number", "probability (0-1)", "test of no change: z-test of log "
                             "RL (ratios), Fisher's exact test (shares)"),
}


def change_rows(change: pd.DataFrame) -> list[Row]:
    """The change over time as a report prints it (:func:`wres_tools.publish.publish_trends`,
    with an ``authority`` column) -> six rows per comparison: the figure then and now, the
    change with its interval, and the p value; ``direction`` is the verdict the report gives
    (:func:`wres_tools.trends.direction_of_change`). A change withheld on the page (its reason
    "not published: small numbers") is withheld here in every row."""
    if "authority" not in change.columns:
        raise ValueError("change over time without an authority column: expected the rows of "
                         "publish.publish_trends with the authority added")
    rows: list[Row] = []
    for position, trend in enumerate(change.to_dict("records"), 1):
        trend = {k: _plain(v) for k, v in trend.items()}
        measure = MEASURES.get(trend["measure"])
        where = (f"change row {position} ({trend['authority']}, {trend['year']}, "
                 f"{trend['metric']}, {trend['service']}, {trend['group']})")
        if measure is None:
            raise ValueError(f"{where}: measure {trend['measure']!r}; expected one of "
                             f"{list(MEASURES)} (evidence.rows.MEASURES)")
        adverse = METRICS[trend["metric"]].adverse_when
        reason = trend["reason"]
        withheld = isinstance(reason, str) and reason.startswith(WITHHELD)
        base = {
            "kind": "change", "authority": trend["authority"], "year": trend["year"],
            "year_from": trend["year_then"], "compared_with": _text(trend["compared_with"]),
            "metric": trend["metric"], "service": trend["service"], "group": trend["group"],
            "reference": REFERENCE, "pay_band": _text(trend["pay_band"]),
            "significant": _flag(trend["significant"]),
            "direction": direction_of_change(trend, adverse), "adverse_when": adverse,
        }
        figures = ((measure.then, trend["value_then"]), (measure.now, trend["value_now"]),
                   (measure.change, trend["change"]),
                   (f"{measure.change}_ci_low", trend["change_ci_low"]),
                   (f"{measure.change}_ci_high", trend["change_ci_high"]),
                   ("change_p_value", trend["p_value"]))
        rows += figure_rows(base, ((s, v, withheld) for s, v in figures), CHANGE_STATISTICS,
                            reason=reason, status=trend["status"], where=where)
    return rows


# --------------------------------------------------------------------------- benchmarking

BENCHMARK_STATISTICS: dict[str, Column] = {
    "rl": RESULT_STATISTICS["rl"],
    "rl_ci_low": RESULT_STATISTICS["rl_ci_low"],
    "rl_ci_high": RESULT_STATISTICS["rl_ci_high"],
    "se_log_rl": Column("number", "log ratio", "standard error of log rl: how far from the "
                        "funnel's target the authority may sit by chance"),
    "z": Column("number", "z-score", "(log rl - log pooled_rl) / se_log_rl"),
    "z_adjusted": Column("number", "z-score", "z with the limits widened for over-dispersion "
                         "(tau2); empty when they were not widened"),
    "rank": Column("integer", "rank", "1 is the most adverse rl of the authorities on the "
                   "funnel, by the metric's adverse side"),
    "pooled_rl": Column("number", "ratio", "the relative likelihood of the summed counts of "
                        "the authorities pooled: the funnel's target"),
    "pooled_rl_ci_low": Column("number", "ratio", "lower end of its interval"),
    "pooled_rl_ci_high": Column("number", "ratio", "upper end of its interval"),
    "phi": Column("number", "ratio", "dispersion ratio of the z-scores (Winsorised mean of z²)"),
    "tau2": Column("number", "log ratio squared", "between-authority variance of log rl "
                   "added to the limits when they were widened"),
    "n_authorities": Column("integer", "count", "authorities on the funnel"),
    "n_pooled": Column("integer", "count", "authorities whose counts are in the pooled figure"),
}

_AUTHORITY_FIGURES = ("rl", "rl_ci_low", "rl_ci_high", "se_log_rl", "z", "z_adjusted", "rank")


def benchmark_rows(bench: BenchmarkResult) -> list[Row]:
    """One metric's benchmark as the benchmarking page prints it (:func:`wres_tools.funnel.
    benchmark` of published records): for each authority on the funnel its rl, interval,
    standard error, z, rank and ``position`` against the limits; for each authority left out
    the same statistics empty, with the page's reason (withheld when it is "not published:
    small numbers"); and a row set with no authority for the pooled figure, phi and tau2."""
    metric = METRICS[bench.metric]
    common = {"kind": "benchmark", "year": bench.year, "metric": bench.metric,
              "service": bench.service, "group": bench.group, "reference": REFERENCE,
              "adverse_when": metric.adverse_when}
    where = f"benchmark {bench.year} {bench.metric} {bench.service} {bench.group}"
    rows: list[Row] = []
    for point in bench.table.to_dict("records"):
        point = {k: _plain(v) for k, v in point.items()}
        values = {**point, "se_log_rl": point["se"]}
        base = {**common, "authority": point["authority"], "name": point["name"],
                "position": point["position"]}
        rows += figure_rows(base, ((s, values[s], False) for s in _AUTHORITY_FIGURES),
                            BENCHMARK_STATISTICS, reason=None, status="ok",
                            where=f"{where}, {point['authority']}")
    for left in bench.excluded.to_dict("records"):
        withheld = str(left["reason"]).startswith(WITHHELD)
        base = {**common, "authority": left["authority"], "name": left["name"]}
        rows += figure_rows(base, ((s, None, withheld) for s in _AUTHORITY_FIGURES),
                            BENCHMARK_STATISTICS, reason=left["reason"],
                            status="not_computable", where=f"{where}, {left['authority']}")
    pool = {"pooled_rl": bench.pooled_rl, "pooled_rl_ci_low": bench.pooled_ci_low,
            "pooled_rl_ci_high": bench.pooled_ci_high, "phi": bench.phi,
            "tau2": bench.tau2 if bench.n else None, "n_authorities": bench.n,
            "n_pooled": bench.n_pooled}
    rows += figure_rows(common, ((s, v, False) for s, v in pool.items()), BENCHMARK_STATISTICS,
                        reason=bench.reason, status="ok" if bench.n else "not_computable",
                        where=where)
    return rows


# --------------------------------------------------------------------------- national figures

#: What a national row's ``value`` may hold besides a pooled record's figures: how many councils
#: a pooled line holds and leaves out, the spread (:func:`wres_tools.national.distribution`:
#: councils, never people) and the staff counted (:func:`wres_tools.national.staff_counts`).
NATIONAL_STATISTICS: dict[str, Column] = {
    **RESULT_STATISTICS,
    "n_councils": Column("integer", "councils", "councils whose counts the pooled line holds (each "
                         "as its own published record shows them)"),
    "n_left_out": Column("integer", "councils", "councils with the line whose counts their own "
                         "pages withhold, left out of it"),
    "councils": Column("integer", "councils", "spread: councils with the metric (minority ethnic "
                       "against white)"),
    "councils_with_figure": Column("integer", "councils", "spread: councils whose own page shows "
                                   "an rl"),
    "councils_above": Column("integer", "councils", "spread: councils whose rl is above "
                             "1.25"),
    "councils_above_significant": Column("integer", "councils", "spread: of those, councils whose "
                                         "difference is statistically significant"),
    "councils_below": Column("integer", "councils", "spread: councils whose rl is below 0.80"),
    "councils_below_significant": Column("integer", "councils", "spread: of those, councils whose "
                                         "difference is statistically significant"),
    "councils_within": Column("integer", "councils", "spread: councils whose rl is within "
                              "0.80-1.25"),
    "councils_not_published": Column("integer", "councils", "spread: councils whose own page "
                                     "withholds the rl (never placed)"),
    "councils_no_figure": Column("integer", "councils", "spread: councils whose rl cannot be "
                                 "computed"),
    "staff": Column("integer", "count", "staff counted: the headcount (minority, white and "
                    "unknown ethnicity) of the councils whose pages show all three"),
    "staff_councils": Column("integer", "councils", "staff counted: councils with a workforce "
                             "return for the service"),
    "staff_councils_counted": Column("integer", "councils", "staff counted: councils whose "
                                     "headcount is in staff"),
}

_SPREAD = ("councils", "with_figure", "above", "above_significant", "below",
           "below_significant", "within", "not_published", "no_figure")


def _as_national(rows: list[Row], scope: str) -> list[Row]:
    """Rows of a pooled record moved to the national kind: ``scope`` set, no authority."""
    for row in rows:
        row[_POSITION["kind"]] = "national"
        row[_POSITION["scope"]] = scope
        row[_POSITION["authority"]] = None
    return rows


def national_rows(nat: Any) -> list[Row]:
    """A year's national picture (:func:`wres_tools.national.national_year` in published mode)
    -> rows: each scope's pooled records as a council's (:func:`record_rows`), with the councils
    each line pools and leaves out; the spread of every scope and metric; the staff counted.

    Every count in them is a sum of counts the councils' own published records show (national.py
    pools nothing else), so none can be differenced against the council rows to reveal a count
    withheld there. Refuses a picture that is not published."""
    if nat.disclosure != "published":
        raise ValueError(f"national picture of {nat.year} in {nat.disclosure!r} mode: results.csv "
                         "takes only published figures")
    rows: list[Row] = []
    for scope, pooled in nat.pooled.items():
        records = pooled.drop(columns=["scope", "n_councils", "n_left_out"])
        rows += _as_national(record_rows(records, "national"), scope)
        for record in pooled.to_dict("records"):
            record = {k: _plain(v) for k, v in record.items()}
            base = {"kind": "national", "scope": scope, "year": record["year"],
                    "metric": record["metric"], "service": record["service"],
                    "group": record["group"], "reference": record["reference"],
                    "pay_band": _text(record["pay_band"]),
                    "adverse_when": _text(record["adverse_when"])}
            rows += figure_rows(base, ((s, record[s], False) for s in ("n_councils",
                                                                       "n_left_out")),
                                NATIONAL_STATISTICS, reason=None, status="ok",
                                where=f"national {scope} {record['year']} {record['metric']}")
    for spread in nat.spread.to_dict("records"):
        spread = {k: _plain(v) for k, v in spread.items()}
        base = {"kind": "national", "scope": spread["scope"], "year": spread["year"],
                "metric": spread["metric"], "service": spread["service"], "group": "minority",
                "reference": REFERENCE, "adverse_when": METRICS[spread["metric"]].adverse_when}
        rows += figure_rows(base, ((f"councils_{c}" if c != "councils" else c, spread[c], False)
                                   for c in _SPREAD), NATIONAL_STATISTICS, reason=None,
                            status="ok", where=f"national spread {spread['scope']}")
    for staff in nat.staff.to_dict("records"):
        staff = {k: _plain(v) for k, v in staff.items()}
        base = {"kind": "national", "scope": staff["scope"], "year": staff["year"],
                "service": staff["service"]}
        figures = (("staff", staff["staff"]), ("staff_councils", staff["councils"]),
                   ("staff_councils_counted", staff["councils_counted"]))
        rows += figure_rows(base, ((s, v, False) for s, v in figures), NATIONAL_STATISTICS,
                            reason=None, status="ok", where=f"national staff {staff['scope']}")
    return rows


# --------------------------------------------------------------------------- the kinds


@dataclass(frozen=True)
class RowKind:
    """One kind of row: what it is, the function that makes its rows from one published item,
    and the statistics its rows may hold."""

    description: str
    rows: Callable[[Any], list[Row]]
    statistics: Mapping[str, Column]


#: Every kind of row, in the order results.csv holds them (described in
#: :data:`wres_tools.evidence.dictionary.KINDS`).
ROW_KINDS: dict[str, RowKind] = {
    "result": RowKind(KINDS["result"], record_rows, RESULT_STATISTICS),
    "pooled": RowKind(KINDS["pooled"], pooled_rows, RESULT_STATISTICS),
    "change": RowKind(KINDS["change"], change_rows, CHANGE_STATISTICS),
    "benchmark": RowKind(KINDS["benchmark"], benchmark_rows, BENCHMARK_STATISTICS),
    "national": RowKind(KINDS["national"], national_rows, NATIONAL_STATISTICS),
}
if tuple(ROW_KINDS) != tuple(KINDS):  # pragma: no cover - caught by the tests at once
    raise RuntimeError("rows.ROW_KINDS and dictionary.KINDS name different kinds")


def all_statistics() -> dict[str, Column]:
    """Every statistic of every kind, each once, in the kinds' order."""
    out: dict[str, Column] = {}
    for kind in ROW_KINDS.values():
        for name, column in kind.statistics.items():
            out.setdefault(name, column)
    return out


def kinds_of(statistic: str) -> tuple[str, ...]:
    """The kinds of row that may hold ``statistic``."""
    return tuple(k for k, kind in ROW_KINDS.items() if statistic in kind.statistics)


def rows_of(items: Mapping[str, Sequence[Any]]) -> list[Row]:
    """Every row of every kind: ``items`` maps a kind of :data:`ROW_KINDS` to its published
    items (frames, benchmarks); an unknown kind is a ValueError naming it."""
    unknown = [k for k in items if k not in ROW_KINDS]
    if unknown:
        raise ValueError(f"unknown kind(s) of row {unknown}: expected {list(ROW_KINDS)}")
    rows: list[Row] = []
    for kind, spec in ROW_KINDS.items():
        for item in items.get(kind, ()):
            rows += spec.rows(item)
    return rows
