"""Benchmarking statistics: one metric's relative likelihood across authorities on a funnel plot,
with limits widened for overdispersion as FunnelPlotR does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from wres_tools import statistics as st
from wres_tools.contract import ALL_SERVICES, SERVICES, is_missing, plain
from wres_tools.disclosure import WITHHELD
from wres_tools.metrics import (
    COMPARISON_GROUPS,
    GROUP_ADJECTIVES,
    METRICS,
    likelihood_counts,
    zero_cell_reason,
)
from wres_tools.publish import is_withheld

#: z for the 95% and 99.8% two-sided limits (1.959964 and 3.090232).
Z_95 = float(ndtri(0.975))
Z_998 = float(ndtri(0.999))
#: Share Winsorised at each end of the z-scores before phi is estimated (FunnelPlotR default).
TRIM = 0.1
#: Metrics that carry a relative likelihood: the ones a funnel plot can show (M2-M8, and M9
#: as senior managers over staff).
RATIO_METRICS: tuple[str, ...] = tuple(m for m, d in METRICS.items()
                                       if d.kind in ("ratio", "senior"))
#: Fewest authorities with a figure on the plot for a funnel, a pooled figure and ranks. From
#: fewer, the pooled mean and the over-dispersion (phi, tau2) are estimated from too few points
#: to mean anything, and a rank among two or three says little; public funnel-plot tools
#: likewise refuse or warn below a minimum number of units.
MIN_AUTHORITIES = 5

Position = Literal["above 99.8%", "above 95%", "within 95%", "below 95%", "below 99.8%"]

#: Columns of BenchmarkResult.table, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "authority", "name", "rl", "rl_ci_low", "rl_ci_high", "se", "z", "z_adjusted", "within_95",
    "within_998", "position", "rank",
)


class BenchmarkError(ValueError):
    """Records that cannot be benchmarked; the message names authority, metric and column."""


@dataclass(frozen=True)
class BenchmarkResult:
    """One metric, service and group across authorities for a year.

    ``table``: one row per authority shown (:data:`TABLE_COLUMNS`; ``rank`` 1 is the most
    adverse RL by the metric's direction). ``excluded``: authority, name, reason for every
    authority not shown. ``pooled_*``: the RL of the shown authorities' summed counts, the
    funnel's target. ``phi``: the dispersion ratio; ``tau2``: the between-authority variance of
    log RL; ``adjusted``: whether the limits were widened by tau2.
    """

    metric: str
    service: str
    group: str
    year: int | None
    table: pd.DataFrame
    excluded: pd.DataFrame
    pooled_rl: float | None
    pooled_ci_low: float | None
    pooled_ci_high: float | None
    phi: float | None
    tau2: float
    adjusted: bool
    pooled_counts: tuple[int, int, int, int] | None = None  # events_g, n_g, events_r, n_r
    n_pooled: int = 0  # authorities whose counts are in the pool (shown, or no RL for a count of 0)
    reason: str | None = None  # why there is no funnel at all
    n_with_figure: int = 0  # authorities with a figure the plot could show (RL above 0)
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of authorities shown."""
        return len(self.table)

    def name(self, authority: str) -> str:
        return self.names.get(authority, authority)


# --------------------------------------------------------------------------- statistics


def winsorise(z: Sequence[float] | np.ndarray, trim: float = TRIM) -> np.ndarray:
    """z clamped to its ``trim`` and ``1 - trim`` quantiles (R type 7, as FunnelPlotR)."""
    values = np.asarray(z, dtype=float)
    low, high = np.quantile(values, [trim, 1 - trim])
    return np.clip(values, low, high)


def dispersion(z: Sequence[float], se: Sequence[float], trim: float = TRIM) -> tuple[
        float | None, float]:
    """(phi, tau2) from unadjusted z-scores and standard errors (FunnelPlotR's method).

    phi = mean of the Winsorised z^2; tau2 = max(0, (n phi - (n - 1)) /
    (sum w - sum w^2 / sum w)) with w = 1 / se^2. Fewer than two authorities: (None, 0).
    """
    z_values = np.asarray(z, dtype=float)
    se_values = np.asarray(se, dtype=float)
    n = len(z_values)
    if n < 2:
        return None, 0.0
    phi = float(np.mean(winsorise(z_values, trim) ** 2))
    w = 1 / se_values**2
    spread = float(w.sum() - (w**2).sum() / w.sum())
    if n * phi < n - 1 or spread <= 0:
        return phi, 0.0
    return phi, max(0.0, (n * phi - (n - 1)) / spread)


def funnel_limits(target: float, se_grid: Sequence[float], tau2: float = 0.0) -> pd.DataFrame:
    """95% and 99.8% limits around ``target`` (an RL) at each standard error of log RL.

    Columns: se, precision (1 / se), low_95, high_95, low_998, high_998; the limits are
    target * exp(+-z * sqrt(se^2 + tau2)).
    """
    if not target > 0:
        raise ValueError(f"target RL is {target!r}: expected a number above 0")
    if tau2 < 0:
        raise ValueError(f"tau2 is {tau2!r}: expected 0 or more")
    se = np.asarray(se_grid, dtype=float)
    if (se <= 0).any():
        raise ValueError("standard errors must be above 0")
    spread = np.sqrt(se**2 + tau2)
    return pd.DataFrame({
        "se": se,
        "precision": 1 / se,
        "low_95": target * np.exp(-Z_95 * spread),
        "high_95": target * np.exp(Z_95 * spread),
        "low_998": target * np.exp(-Z_998 * spread),
        "high_998": target * np.exp(Z_998 * spread),
    })


# --------------------------------------------------------------------------- benchmark


def _record(df: pd.DataFrame, authority: str, metric: str, service: str,
            group: str) -> dict | None:
    missing = {"metric", "service", "group", "rl"} - set(df.columns)
    if missing:
        raise BenchmarkError(f"{authority}: the result records have no column(s) "
                             f"{sorted(missing)}; expected contract.RESULT_COLUMNS")
    rows = df[(df["metric"] == metric) & (df["service"] == service) & (df["group"] == group)]
    if len(rows) > 1:
        raise BenchmarkError(f"{authority}: {len(rows)} records for {metric}, service {service}, "
                             f"group {group}; expected one")
    return {k: plain(v) for k, v in rows.iloc[0].items()} if len(rows) else None


def _count(value: object) -> int | None:
    return None if is_missing(value) else int(value)  # type: ignore[call-overload]


#: The count columns of a record its RL rests on (M9's staff are on its M1 record).
_OWN_COUNTS = ("events_group", "n_group", "events_reference", "n_reference")


def _why_not(record: dict | None, metric: str, service: str,
             counts: tuple[int | None, ...]) -> str | None:
    """Why an authority's record gives no point (None: it does); ``counts``: the four behind
    its RL (:func:`wres_tools.metrics.likelihood_counts`)."""
    if record is None:
        return f"no {metric} figure for the service {service!r}"
    if any(is_withheld(record, c) for c in ("rl", *_OWN_COUNTS)):
        return WITHHELD
    if any(c is None for c in counts):
        if record.get("status") not in (None, "ok") or record.get("rl") is None:
            return str(record.get("reason") or "not computable")
        return "its counts are not available"
    if record.get("rl") is None and not _zero_cell(*(int(c) for c in counts if c is not None)):
        return str(record.get("reason") or "not computable")
    return None


def _zero_cell(events_g: int, n_g: int, events_r: int, n_r: int) -> bool:
    """Whether the record has no RL only because a count of its 2x2 table is zero (with people
    in both groups and a white rate above zero): its counts still belong in the pool."""
    return n_g > 0 and n_r > 0 and events_r > 0 and 0 in (events_g, n_g - events_g,
                                                             n_r - events_r)


def _position(log_rl: float, log_target: float, se: float, tau2: float) -> Position:
    z = (log_rl - log_target) / math.sqrt(se**2 + tau2)
    if z > Z_998:
        return "above 99.8%"
    if z > Z_95:
        return "above 95%"
    if z < -Z_998:
        return "below 99.8%"
    if z < -Z_95:
        return "below 95%"
    return "within 95%"


def benchmark(
    results_by_authority: Mapping[str, pd.DataFrame],
    metric: str,
    service: str = ALL_SERVICES,
    group: str = "minority",
    *,
    names: Mapping[str, str] | None = None,
    overdispersion: bool = True,
    excluded: Mapping[str, str] | None = None,
) -> BenchmarkResult:
    """One ratio metric across authorities: positions against the funnel, ranks, pooled RL.

    ``results_by_authority``: each authority's result records (``metrics.compute_all``, after
    ``publish.publish_results`` for a published view). ``overdispersion=False`` keeps the
    unadjusted limits whatever the data show. ``excluded``: authorities known to have no records
    (e.g. a return that could not be read) with the reason, listed with the others left out.
    """
    if metric not in RATIO_METRICS:
        raise BenchmarkError(f"metric {metric!r} has no relative likelihood to benchmark: "
                             f"expected one of {list(RATIO_METRICS)}")
    if group not in COMPARISON_GROUPS:
        raise BenchmarkError(f"group {group!r}: expected one of {list(COMPARISON_GROUPS)}")
    if service not in (*SERVICES, ALL_SERVICES):
        raise BenchmarkError(f"service {service!r}: expected one of "
                             f"{[*SERVICES, ALL_SERVICES]}")
    names = dict(names or {})
    points: list[dict[str, Any]] = []
    left_out, years = [], set()
    pooled_only: list[tuple[int, int, int, int]] = []
    for authority, results in results_by_authority.items():
        record = _record(results, authority, metric, service, group)
        if record is not None and record.get("year") is not None:
            years.add(int(record["year"]))
        found = (None,) * 4 if record is None else tuple(
            _count(c) for c in likelihood_counts(record, results))
        why = _why_not(record, metric, service, found)
        if why is not None:
            left_out.append((authority, why))
            continue
        if record is None:  # never: _why_not says why there is no record
            raise TypeError(f"{authority}: no record")
        eg, ng, er, nr = found
        if eg is None or ng is None or er is None or nr is None:  # never: _why_not checks them
            raise TypeError(f"{authority}: a count is missing")
        rl = st.relative_likelihood(eg, ng, er, nr)
        if rl.reason == st.REASON_ZERO_CELL:
            pooled_only.append((eg, ng, er, nr))
            zero = zero_cell_reason(METRICS[metric], GROUP_ADJECTIVES[group], eg, ng, er, nr)
            left_out.append((authority, f"{zero}; its counts are in the pooled figure"))
            continue
        if rl.rl is None or rl.se_log is None:
            left_out.append((authority, rl.reason or "not computable"))
            continue
        points.append({
            "authority": authority, "name": names.get(authority, authority), "rl": rl.rl,
            "rl_ci_low": rl.low, "rl_ci_high": rl.high, "se": rl.se_log,
            "counts": (eg, ng, er, nr),
        })
    left_out += list((excluded or {}).items())
    excluded_df = pd.DataFrame(
        [(a, names.get(a, a), why) for a, why in sorted(left_out)],
        columns=["authority", "name", "reason"], dtype=object)
    year = years.pop() if len(years) == 1 else None
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    base = dict(metric=metric, service=service, group=group, year=year, excluded=excluded_df,
                names=names)
    if len(points) < MIN_AUTHORITIES:  # none, or too few for a funnel
        return _too_few(points, left_out, base)

    counts = [p["counts"] for p in points] + pooled_only
    totals = tuple(int(sum(c[i] for c in counts)) for i in range(4))
    pooled = st.relative_likelihood(*totals)
    if pooled.rl is None or pooled.rl == 0:
        return BenchmarkResult(table=empty, pooled_rl=pooled.rl, pooled_ci_low=pooled.low,
                               pooled_ci_high=pooled.high, phi=None, tau2=0.0, adjusted=False,
                               pooled_counts=totals,  # type: ignore[arg-type]
                               n_pooled=len(counts),
                               reason=pooled.reason or "the pooled RL is zero: no funnel on a "
                               "log scale", **base)

    table = pd.DataFrame(points).drop(columns="counts")
    log_target = math.log(pooled.rl)
    table["z"] = (np.log(table["rl"].astype(float)) - log_target) / table["se"]
    phi, tau2 = dispersion(table["z"], table["se"])
    adjusted = bool(overdispersion and tau2 > 0)
    used_tau2 = tau2 if adjusted else 0.0
    spread = np.sqrt(table["se"].astype(float) ** 2 + used_tau2)
    table["z_adjusted"] = (np.log(table["rl"].astype(float)) - log_target) / spread \
        if adjusted else None
    distance = (np.log(table["rl"].astype(float)) - log_target).abs() / spread
    table["within_95"] = distance <= Z_95
    table["within_998"] = distance <= Z_998
    table["position"] = [_position(math.log(r), log_target, s, used_tau2)
                         for r, s in zip(table["rl"], table["se"], strict=True)]
    adverse_high = METRICS[metric].adverse_when == "high"
    table["rank"] = table["rl"].rank(ascending=not adverse_high, method="min").astype(int)
    table = table.sort_values(["rank", "authority"], ignore_index=True)[list(TABLE_COLUMNS)]
    return BenchmarkResult(
        table=table, pooled_rl=pooled.rl, pooled_ci_low=pooled.low, pooled_ci_high=pooled.high,
        phi=phi, tau2=tau2, adjusted=adjusted, pooled_counts=totals,  # type: ignore[arg-type]
        n_pooled=len(counts), n_with_figure=len(points),
        **base,
    )


def too_few_reason(n: int) -> str:
    """Why there is no funnel with ``n`` authorities (fewer than :data:`MIN_AUTHORITIES`) whose
    figure the plot could show, as a clause."""
    has = "none has one" if n == 0 else "1 has one" if n == 1 else f"{n} have one"
    return (f"a funnel plot needs at least {MIN_AUTHORITIES} authorities with a figure; "
            f"{has} this year")


#: Why an authority with a figure is not shown when too few have one (its own report has it).
TOO_FEW = (f"fewer than {MIN_AUTHORITIES} authorities have a figure, too few to compare "
           "them on a funnel plot")


def _too_few(points: list[dict[str, Any]], left_out: list[tuple[str, str]],
             base: dict[str, Any]) -> BenchmarkResult:
    """No funnel, pooled figure or rank: every authority with a figure is listed as left out,
    and one with no RL for a count of zero loses the words about the pooled figure, as there is
    none."""
    pooled_words = "; its counts are in the pooled figure"
    rows = [(a, why.replace(pooled_words, "")) for a, why in left_out]
    rows += [(p["authority"], TOO_FEW) for p in points]
    names = base["names"]
    excluded = pd.DataFrame([(a, names.get(a, a), why) for a, why in sorted(rows)],
                            columns=["authority", "name", "reason"], dtype=object)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS})
    return BenchmarkResult(table=empty, pooled_rl=None, pooled_ci_low=None, pooled_ci_high=None,
                           phi=None, tau2=0.0, adjusted=False, n_with_figure=len(points),
                           reason=too_few_reason(len(points)), **{**base, "excluded": excluded})
