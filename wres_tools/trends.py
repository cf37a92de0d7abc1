"""Change over time: each figure against the baseline year and the previous year.

Ratios (M2-M8) are compared on the log scale: RL now / RL then, with the interval from the two
years' standard errors of log RL (recomputed from the counts in the records; a year whose RL
rests on a count of zero has no RL and so no change). Shares (M1 band shares, M9 senior
share) are compared in percentage points with a Newcombe interval and Fisher's exact test; M9's
RL (senior managers over staff) is compared like the ratios, beside its share.
M3 is also pooled over the latest two years, as the NHS reports disciplinary figures.
:func:`direction_of_change` reads a change as improved, worsened or no significant change by the
metric's adverse side: the one rule the reports, the narrative and the action plans all use.

Caveat (for the assumptions log): the years are treated as independent samples. Staff in post
overlap from year to year, which makes the true variance of a change smaller, so these
intervals and p-values err on the cautious side (wider, fewer changes called significant).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from wres_tools import statistics as st
from wres_tools.contract import RESULT_COLUMNS, RESULT_DTYPES, Return, categories, typed_column
from wres_tools.contract import is_missing as _missing
from wres_tools.disclosure import WITHHELD
from wres_tools.metrics import METRICS, pooled
from wres_tools.parameters import Parameters

TREND_COLUMNS: tuple[str, ...] = (
    "metric", "service", "group", "pay_band", "year", "compared_with", "year_then",
    "value_then", "value_now", "measure", "change", "change_ci_low", "change_ci_high",
    "p_value", "significant", "status", "reason",
)

#: The dtype of every column of the change over time as the publishing step hands it on
#: (:func:`typed_changes`): ids as in result records, years ``Int64``, figures ``Float64``,
#: significance ``boolean``, words ``string``; a missing or withheld figure is <NA>.
TREND_DTYPES: dict[str, object] = {
    "metric": RESULT_DTYPES["metric"], "service": RESULT_DTYPES["service"],
    "group": RESULT_DTYPES["group"], "pay_band": "string", "year": "Int64",
    "compared_with": categories("baseline", "previous"), "year_then": "Int64",
    "value_then": "Float64", "value_now": "Float64", "measure": categories("rl", "share_pp"),
    "change": "Float64", "change_ci_low": "Float64", "change_ci_high": "Float64",
    "p_value": "Float64", "significant": "boolean", "status": RESULT_DTYPES["status"],
    "reason": "string",
}

Key = tuple[str, str, str, str | None]

#: Words for a metric's change since the baseline, as :func:`direction_of_change` gives them.
IMPROVED = "improved"
WORSENED = "worsened"
NO_CHANGE = "no significant change"
NO_BASELINE = "no baseline"
NOT_COMPUTABLE = "not computable"
NOT_PUBLISHED = WITHHELD  # disclosure control withheld the change (published reports)
CHANGES: tuple[str, ...] = (
    IMPROVED, WORSENED, NO_CHANGE, NO_BASELINE, NOT_COMPUTABLE, NOT_PUBLISHED,
)


def _key(record: Mapping) -> Key:
    return record["metric"], record["service"], record["group"], record["pay_band"]


def _index(results: pd.DataFrame) -> dict[Key, dict]:
    return {_key(r): r for r in results.to_dict(orient="records")}


def _known(records: dict[Key, dict], record: Mapping) -> int | None:
    """Staff of known ethnicity behind a share: minority + white of the same line."""
    minority = records.get((record["metric"], record["service"], "minority", record["pay_band"]))
    if minority is None or minority["n_group"] is None or minority["n_reference"] is None:
        return None
    return minority["n_group"] + minority["n_reference"]


def _se_log(record: Mapping, records: dict[Key, dict]) -> float | None:
    """The standard error of log RL, from the four counts behind the RL (M9: senior managers
    over staff, the staff from the same year's M1 whole-workforce record)."""
    if METRICS[record["metric"]].kind == "senior":
        whole = next((r for key, r in records.items() if key[:3] == (
            "M1", record["service"], record["group"]) and _missing(key[3])), None)
        counts = [record["n_group"], None if whole is None else whole["n_group"],
                  record["n_reference"], None if whole is None else whole["n_reference"]]
    else:
        counts = [record[c] for c in ("events_group", "n_group", "events_reference",
                                      "n_reference")]
    if any(_missing(c) for c in counts):
        return None
    events_group, n_group, events_reference, n_reference = (int(c) for c in counts)
    return st.relative_likelihood(events_group, n_group, events_reference, n_reference).se_log


def measures(metric: str) -> tuple[str, ...]:
    """The figures whose change over time is given: M2-M8 the RL; M1 the band shares (in
    percentage points); M9 both its senior share and its RL (senior managers over staff)."""
    kind = METRICS[metric].kind
    return {"ratio": ("rl",), "senior": ("share_pp", "rl")}.get(kind, ("share_pp",))


def _compare(now: Mapping, then: Mapping | None, year_then: int, records_now: dict,
             records_then: dict, measure: str) -> dict:
    value = "share" if measure == "share_pp" else "rl"
    row = {"measure": measure, "value_now": now[value],
           "value_then": None if then is None else then[value]}
    if now["status"] != "ok":
        return {**row, "status": now["status"], "reason": now["reason"]}
    if then is None:
        return {**row, "status": "not_computable",
                "reason": f"no {now['metric']} figure for this group in {year_then}"}
    if then["status"] != "ok":
        return {**row, "status": "not_computable", "reason": f"{year_then}: {then['reason']}"}
    if measure == "rl":
        change = st.ratio_change(then["rl"], _se_log(then, records_then), now["rl"],
                                 _se_log(now, records_now))
    else:
        known_then, known_now = _known(records_then, then), _known(records_now, now)
        if known_then is None or known_now is None:
            change = st.Change(None, None, None, None, "the share's denominator is not known")
        else:
            change = st.share_change(then["n_group"], known_then, now["n_group"], known_now)
    return {
        **row, "change": change.change, "change_ci_low": change.low,
        "change_ci_high": change.high, "p_value": change.p_value,
        "significant": st.significant(change.p_value),
        "status": "ok" if change.change is not None else "not_computable",
        "reason": change.reason,
    }


def change_over_time(
    results: Mapping[int, pd.DataFrame], baseline_year: int | None = None,
    *, year: int | None = None,
) -> pd.DataFrame:
    """Every figure of every year after the first, against the baseline and the previous year.

    ``results`` maps year -> that year's result records (metrics.compute_all). The baseline is
    ``baseline_year`` (Parameters.baseline_year) or, when None, the first year held. One row per
    record and comparison; ``change`` is RL now / RL then (measure "rl") or share now minus share
    then in percentage points (measure "share_pp"). Years before the baseline get only the
    comparison with their previous year. M9 records give two rows, one per measure
    (:func:`measures`). ``year`` keeps only that year's comparisons (a report
    shows no others), which spares the tests of every earlier pair of years.
    """
    years = sorted(results)
    if baseline_year is None and years:
        baseline_year = years[0]
    if years and baseline_year not in results:
        raise ValueError(f"baseline year {baseline_year} is not among the years held: {years}")
    indexed: dict[int, dict[Key, dict]] = {}

    def index(of: int) -> dict[Key, dict]:
        if of not in indexed:
            indexed[of] = _index(results[of])
        return indexed[of]

    rows = []
    for position, now_year in enumerate(years[1:], start=1):
        if year is not None and now_year != year:
            continue
        if baseline_year is None:  # never: with years held, the baseline is one of them
            raise ValueError("no baseline year")
        comparisons = []
        if now_year > baseline_year:
            comparisons.append(("baseline", baseline_year))
        comparisons.append(("previous", years[position - 1]))
        # year then -> (record, change) pairs (the baseline may also be the previous year)
        compared: dict[int, list[tuple[Key, dict]]] = {}
        for compared_with, year_then in comparisons:
            now_index, then_index = index(now_year), index(year_then)
            if year_then not in compared:
                compared[year_then] = [
                    (key, _compare(now, then_index.get(key), year_then, now_index, then_index,
                                   measure))
                    for key, now in now_index.items() for measure in measures(key[0])
                ]
            for key, change in compared[year_then]:
                rows.append({
                    "metric": key[0], "service": key[1], "group": key[2], "pay_band": key[3],
                    "year": now_year, "compared_with": compared_with, "year_then": year_then,
                    **change,
                })
    frame = pd.DataFrame([[_plain(r.get(c)) for c in TREND_COLUMNS] for r in rows],
                         columns=list(TREND_COLUMNS), dtype=object)
    return frame


def typed_changes(change: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`change_over_time` (object, None for missing; or already typed) with
    :data:`TREND_DTYPES`: a new frame, same index; the input is unchanged."""
    return pd.DataFrame({c: typed_column(change[c], dtype) for c, dtype in TREND_DTYPES.items()},
                        index=change.index)


def direction_of_change(trend_row: Mapping | None, adverse_when: str) -> str:
    """Whether a figure improved since the baseline, from one row of change_over_time.

    "improved" or "worsened" only when the change is statistically significant; improved means
    moved away from the adverse side: down for a metric adverse when high (M3, M4, M6-M8), up
    for one adverse when low (M1, M2, M5, M9). A ratio (measure "rl") changes by a factor, so 1
    is no change; a share (measure "share_pp") by percentage points, so 0 is. "no baseline" when
    there is no row or no figure in the baseline year; "not computable" when this year's figure
    or the change cannot be computed; "not published: small numbers" when disclosure control
    withheld it (:func:`wres_tools.publish.publish_trends`), so a published report never
    says which way a withheld figure moved.
    """
    if adverse_when not in ("high", "low"):
        raise ValueError(f"adverse_when must be 'high' or 'low', not {adverse_when!r}")
    if trend_row is None:
        return NO_BASELINE
    reason = trend_row.get("reason")
    if isinstance(reason, str) and reason.startswith(WITHHELD):
        return NOT_PUBLISHED
    if _missing(trend_row.get("value_now")):
        return NOT_COMPUTABLE
    if _missing(trend_row.get("value_then")):
        return NO_BASELINE
    change, significant = trend_row.get("change"), trend_row.get("significant")
    if change is None or _missing(change) or _missing(significant):
        return NOT_COMPUTABLE
    no_change = 1.0 if trend_row.get("measure") == "rl" else 0.0
    if not significant or change == no_change:
        return NO_CHANGE
    went_down = change < no_change
    return IMPROVED if went_down == (adverse_when == "high") else WORSENED


def _plain(value: object) -> object:
    if isinstance(value, float):
        return st.clean(value)
    return value


def pooled_disciplinary(returns: Sequence[Return], params: Parameters) -> pd.DataFrame:
    """M3 records from the latest two years' counts summed (the NHS's pooled disciplinary RL).

    The records carry the latest year. With fewer than two years held, one record per service
    says so (status "not_computable").
    """
    authorities = {r.authority for r in returns}
    if len(authorities) > 1:
        raise ValueError(f"pooled_disciplinary pools one authority's years; got {authorities}")
    latest = sorted(returns, key=lambda r: r.year)[-2:]
    if not latest:
        raise ValueError("pooled_disciplinary needs at least one return")
    if len(latest) < 2:
        single = pooled(latest, [params], metrics=["M3"])
        single = single[single["group"] == "minority"].reset_index(drop=True)
        single[list(_FIGURES)] = None
        single["status"] = "not_computable"
        single["reason"] = f"pooling needs two years of returns; only {latest[0].year} is held"
        return single
    if latest[0].year == latest[1].year:
        raise ValueError(f"two returns for the same year {latest[0].year}: cannot pool")
    return pooled(latest, [params, params], metrics=["M3"])


#: Result columns that hold figures (blanked when there is nothing to pool).
_FIGURES: tuple[str, ...] = tuple(
    c for c in RESULT_COLUMNS
    if c not in ("authority", "year", "metric", "service", "group", "reference", "pay_band",
                 "status", "reason", "adverse_when", "suppressed", "disclosure")
)
