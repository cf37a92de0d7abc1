"""Benchmarking across authorities: each authority's relative likelihood (RL) for one ratio
metric set against all the others, as a funnel plot, a ranked table and the pooled figure.

Method: Spiegelhalter's funnel plot (Spiegelhalter 2005, "Funnel plots for comparing
institutional performance", Stat Med 24:1185, doi:10.1002/sim.1970; and "Handling
over-dispersion of performance indicators", Qual Saf Health Care 14:347) as the NHS-R
FunnelPlotR package computes it (``transformed_zscore``, ``winsorisation``, ``phi_func``,
``tau_func``, ``OD_limits`` in nhs-r-community/FunnelPlotR), on the log scale FunnelPlotR uses
for ratios:

* each authority's log RL with its Katz standard error ``se`` (the one behind its published
  interval, :func:`wres_tools.statistics.relative_likelihood`);
* the target is the pooled RL of the authorities shown: their counts summed, group rate over
  white rate (pooled over those shown only, so that published pooled counts can never be
  differenced back to a withheld authority's counts);
* z = (log RL - log target) / se; the z-scores are Winsorised at their 10th and 90th
  percentiles (R's default quantile, numpy's "linear"); phi = sum(Winsorised z^2) / n;
* tau^2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w), w = 1 / se^2, and 0 when n phi < n - 1
  (the DerSimonian-Laird additive random-effects estimate FunnelPlotR's ``tau_func`` gives).
  As FunnelPlotR does by default, the limits are widened whenever tau^2 > 0;
* limits at a standard error s: target * exp(+-z sqrt(s^2 + tau^2)), z = 1.959964 (95%) and
  3.090232 (99.8%); x axis: precision 1 / s.

An RL of 0 (no one in the group had the event) has no place on a log scale, and the corrected
RL the interval uses can land far above 1 for a small group, so such an authority is not drawn
or ranked (listed in ``excluded`` with the reason) but its counts do enter the pool. Records
without a figure - not collected, not computable, or withheld in published mode ("not
published: small numbers") - are listed in ``excluded`` and are neither drawn, ranked nor
pooled.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import norm

from wres_tools import statistics as st
from wres_tools.computed import published_return
from wres_tools.contract import ALL_SERVICES, SERVICES, Problem, ReturnError
from wres_tools.disclosure import BANNER_INTERNAL, WITHHELD
from wres_tools.io import find_returns
from wres_tools.metrics import COMPARISON_GROUPS, GROUP_ADJECTIVES, METRICS
from wres_tools.parameters import check_parameters, resolve_parameters_dir
from wres_tools.paths import DEMO_DATA_DIR
from wres_tools.publish import is_withheld

#: z for the 95% and 99.8% two-sided limits (1.959964 and 3.090232).
Z_95 = float(norm.ppf(0.975))
Z_998 = float(norm.ppf(0.999))
#: Share Winsorised at each end of the z-scores before phi is estimated (FunnelPlotR default).
TRIM = 0.1
#: Metrics that carry a relative likelihood: the ones a funnel plot can show.
RATIO_METRICS: tuple[str, ...] = tuple(m for m, d in METRICS.items() if d.kind == "ratio")

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
    n_pooled: int = 0  # authorities whose counts are in the pool (shown, or RL 0)
    reason: str | None = None  # why there is no funnel at all
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of authorities shown."""
        return len(self.table)

    def name(self, authority: str) -> str:
        return self.names.get(authority, authority)


# --------------------------------------------------------------------------- statistics


def winsorise(z: Sequence[float], trim: float = TRIM) -> np.ndarray:
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
    z = np.asarray(z, dtype=float)
    se = np.asarray(se, dtype=float)
    n = len(z)
    if n < 2:
        return None, 0.0
    phi = float(np.mean(winsorise(z, trim) ** 2))
    w = 1 / se**2
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
    return rows.iloc[0].to_dict() if len(rows) else None


def _count(value: object) -> int | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return int(value)  # type: ignore[arg-type]


def _why_not(record: dict | None, metric: str, service: str) -> str | None:
    """Why an authority's record gives no point (None: it does)."""
    if record is None:
        return f"no {metric} figure for the service {service!r}"
    columns = ("events_group", "n_group", "events_reference", "n_reference")
    if any(is_withheld(record, c) for c in ("rl", *columns)):
        return WITHHELD
    if record.get("status") not in (None, "ok") or record.get("rl") is None:
        return str(record.get("reason") or "not computable")
    if any(_count(record.get(c)) is None for c in columns):
        return "its counts are not available"
    return None


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
    points, left_out, years = [], [], set()
    pooled_only: list[tuple[int, int, int, int]] = []
    for authority, results in results_by_authority.items():
        record = _record(results, authority, metric, service, group)
        if record is not None and record.get("year") is not None:
            years.add(int(record["year"]))
        why = _why_not(record, metric, service)
        if why is not None:
            left_out.append((authority, why))
            continue
        eg, ng, er, nr = (_count(record[c]) for c in
                          ("events_group", "n_group", "events_reference", "n_reference"))
        rl = st.relative_likelihood(eg, ng, er, nr)
        if rl.rl is None or rl.se_log is None:
            left_out.append((authority, rl.reason or "not computable"))
            continue
        if rl.rl == 0:
            pooled_only.append((eg, ng, er, nr))
            left_out.append((authority, f"RL of 0 - none of its {METRICS[metric].numerator} "
                             f"were {GROUP_ADJECTIVES[group]}: a log scale cannot show it; its "
                             "counts are in the pooled figure"))
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
    if not points:
        return BenchmarkResult(table=empty, pooled_rl=None, pooled_ci_low=None,
                               pooled_ci_high=None, phi=None, tau2=0.0, adjusted=False,
                               reason="no authority has a figure to show", **base)

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
        n_pooled=len(counts),
        **base,
    )


# --------------------------------------------------------------------------- words and tables

_POSITION_WORDS: dict[str, str] = {
    "above 99.8%": "above the upper 99.8% limit",
    "above 95%": "above the upper 95% limit but within the 99.8% limits",
    "within 95%": "within the 95% limits",
    "below 95%": "below the lower 95% limit but within the 99.8% limits",
    "below 99.8%": "below the lower 99.8% limit",
}


def _authorities(n: int) -> str:
    return "1 authority" if n == 1 else f"{n} authorities"


def _limits_words(result: BenchmarkResult) -> str:
    return ("; the limits are widened for over-dispersion between authorities"
            if result.adjusted else "")


def ranked_table(result: BenchmarkResult) -> pd.DataFrame:
    """The authorities shown, most adverse RL first: rank, name, RL with 95% CI, position.

    Columns: rank, authority, rl, rl_ci_low, rl_ci_high, position (in words). Authorities left
    out are in ``result.excluded``.
    """
    table = result.table
    return pd.DataFrame({
        "rank": table["rank"].astype(int),
        "authority": table["name"],
        "rl": table["rl"].astype(float).round(2),
        "rl_ci_low": table["rl_ci_low"].astype(float).round(2),
        "rl_ci_high": table["rl_ci_high"].astype(float).round(2),
        "position": [_POSITION_WORDS[p] for p in table["position"]],
    })


def pooled_sentence(result: BenchmarkResult) -> str:
    """The pooled figure in words, for the notebook's heading of each metric."""
    mdef = METRICS[result.metric]
    if result.pooled_rl is None:
        return f"{mdef.title}: no pooled figure ({result.reason})."
    group = GROUP_ADJECTIVES[result.group]
    return (f"Pooled over the {_authorities(result.n_pooled)} with a figure, {group} "
            f"{mdef.population} were {result.pooled_rl:.2f} times as likely as white "
            f"{mdef.population} to {mdef.event} "
            f"(95% CI {result.pooled_ci_low:.2f} to {result.pooled_ci_high:.2f}).")


def position_of(result: BenchmarkResult, authority: str) -> str:
    """Where one authority sits, as a sentence for its summary report."""
    name = result.name(authority)
    left = result.excluded[result.excluded["authority"] == authority]
    if len(left):
        reason = left.iloc[0]["reason"]
        if reason == WITHHELD:
            return f"{name}'s figure is {WITHHELD}, so it is not shown against other authorities."
        return f"{name} is not shown against other authorities: {reason}."
    rows = result.table[result.table["authority"] == authority]
    if not len(rows):
        known = sorted([*result.table["authority"], *result.excluded["authority"]])
        raise BenchmarkError(f"{authority!r} is not among the authorities benchmarked for "
                             f"{result.metric}: expected one of {known}")
    row = rows.iloc[0]
    text = (f"{name}'s figure (RL {row['rl']:.2f}) is {_POSITION_WORDS[row['position']]} around "
            f"the pooled figure for the {_authorities(result.n_pooled)} with a figure "
            f"(RL {result.pooled_rl:.2f})"
            f"{_limits_words(result)}")
    if row["position"] != "within 95%":
        text += "; a difference this large would be unusual from chance variation alone"
    return text + "."


# --------------------------------------------------------------------------- a year's returns


@dataclass(frozen=True)
class YearBenchmark:
    """Every ratio metric benchmarked for a year; ``unusable`` names returns that failed."""

    year: int
    disclosure: str
    results: dict[str, BenchmarkResult]
    unusable: dict[str, str]
    names: dict[str, str]


def benchmark_year(
    data_dir: Path | str | None,
    year: int,
    parameters_dir: Path | str | None = None,
    disclosure: Literal["published", "internal"] = "published",
    *,
    service: str = ALL_SERVICES,
    group: str = "minority",
    metrics: Sequence[str] = RATIO_METRICS,
) -> YearBenchmark:
    """Load every return of ``year`` under ``data_dir``, compute, apply disclosure per authority
    (each with its own threshold) and benchmark each ratio metric.

    In published mode an authority whose figure rests on a suppressed count is left out of the
    funnel, the ranks and the pool, and listed as "not published: small numbers". ``data_dir``
    None: the synthetic demo data; ``parameters_dir`` None: as :func:`io.load_all` finds it.
    """

    if disclosure not in ("published", "internal"):
        raise ValueError(f"disclosure is {disclosure!r}: expected 'published' or 'internal'")
    data_dir = Path(data_dir) if data_dir is not None else DEMO_DATA_DIR
    params_dir = resolve_parameters_dir(
        data_dir, Path(parameters_dir) if parameters_dir is not None else None)
    unreadable: list[Problem] = []
    refs = [ref for ref in find_returns(data_dir, unreadable) if ref.year == year]
    if not refs:
        raise FileNotFoundError(f"{data_dir}: no return for the year {year}")
    results: dict[str, pd.DataFrame] = {}
    unusable: dict[str, str] = {}
    names: dict[str, str] = {}
    for problem in unreadable:  # an authority folder, or this year's entry, that cannot be read
        path = Path(problem.file)
        authority = path.parent.name if path.stem.isdigit() else path.name
        if not path.stem.isdigit() or int(path.stem) == year:
            unusable[authority] = f"its data could not be read ({problem.message[:200]})"
    for ref in refs:  # one return per authority and year (find_returns sorts them)
        params, report = check_parameters(ref.authority, params_dir)
        if params is None:
            unusable[ref.authority] = (f"its parameter file could not be used "
                                       f"({len(report.errors)} problem(s); run wres validate)")
            continue
        names[ref.authority] = params.display_name
        try:
            _, _, results[ref.authority] = published_return(ref, params, disclosure)
        except ReturnError as exc:
            unusable[ref.authority] = (f"the return could not be used ({len(exc.report.errors)} "
                                       "problem(s); run wres validate)")
            continue
        except (OSError, ValueError, ArithmeticError) as exc:  # one return never stops the year
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            unusable[ref.authority] = f"the return could not be used ({first[:200]})"
            continue
    per_metric = {
        m: benchmark(results, m, service, group, names=names, excluded=unusable)
        for m in metrics
    }
    return YearBenchmark(year, disclosure, per_metric, unusable, names)


# --------------------------------------------------------------------------- the figure
# Kept apart from the statistics above: it only draws a BenchmarkResult (may move to charts.py).

_AF = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]


def _af_style() -> str | dict:
    """The Analysis Function matplotlib style (afcharts), or an empty style without it."""
    try:
        import afcharts
    except ImportError:  # pragma: no cover - the pinned lock has afcharts
        return {}
    return str(Path(afcharts.__file__).parent / "afcharts.mplstyle")


_MARKERS: dict[str, tuple[str, bool]] = {  # position -> (marker, filled)
    "within 95%": ("o", True),
    "above 95%": ("^", False),
    "above 99.8%": ("^", True),
    "below 95%": ("v", False),
    "below 99.8%": ("v", True),
}


def funnel_plot(result: BenchmarkResult, highlight: str | None = None) -> tuple[Figure, str]:
    """The funnel plot of a benchmark and a text alternative describing it.

    x: precision (1 / standard error of log RL); y: RL on a log axis. Solid line: pooled RL;
    dashed: 95% limits; dotted: 99.8% limits. Marker shape carries each point's position (circle
    within the 95% limits, triangles pointing up / down outside them, filled beyond 99.8%), so
    nothing is told by colour alone; points outside the 95% limits and ``highlight`` are named.
    Authorities in ``result.excluded`` are not drawn. No timestamps: see :func:`save_figure`.
    """
    import matplotlib.style
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator

    mdef = METRICS[result.metric]
    title = (f"{mdef.id} {mdef.short_title}: {GROUP_ADJECTIVES[result.group]} vs white "
             f"{mdef.population}, {_service_words(result.service)}"
             + (f", {result.year}" if result.year is not None else ""))
    with matplotlib.style.context(_af_style(), after_reset=True):  # whatever the caller's style
        fig = Figure(figsize=(9, 6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, fontsize=13)
        ax.set_xlabel("Precision of the authority's figure (1 ÷ standard error of log RL)")
        ax.set_ylabel("Relative likelihood (RL), log scale")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        if result.pooled_rl is None or result.pooled_rl <= 0 or not result.n:
            ax.text(0.5, 0.5, f"No funnel: {result.reason}", transform=ax.transAxes,
                    ha="center", va="center")
            return fig, _alt_text(result, title)
        table = result.table
        precision = 1 / table["se"].astype(float)
        x_low = max(precision.min() * 0.8, 0.2)
        x_high = precision.max() * 1.15
        grid = np.linspace(x_low, x_high, 200)
        limits = funnel_limits(result.pooled_rl, 1 / grid, result.tau2 if result.adjusted else 0)
        ax.axhline(result.pooled_rl, color=_AF[4], linestyle="-", linewidth=1.5,
                   label=f"Pooled RL ({result.pooled_rl:.2f})", gid="target")
        ax.axhline(1, color="0.6", linestyle=(0, (1, 4)), linewidth=1,
                   label="RL 1 (equal likelihood)")
        for level, style, colour in (("95", "--", _AF[1]), ("998", ":", _AF[2])):
            label = "95% limits" if level == "95" else "99.8% limits"
            ax.plot(grid, limits[f"high_{level}"], color=colour, linestyle=style, linewidth=1.8,
                    label=label, gid=f"limit_{level}_upper")
            ax.plot(grid, limits[f"low_{level}"], color=colour, linestyle=style, linewidth=1.8,
                    gid=f"limit_{level}_lower")
        for position, (marker, filled) in _MARKERS.items():
            rows = table["position"] == position
            if rows.any():
                ax.scatter(precision[rows], table.loc[rows, "rl"].astype(float),
                           marker=marker, s=55, zorder=3, linewidths=1.5,
                           facecolors=_AF[0] if filled else "white", edgecolors=_AF[0])
        for _, row in table.iterrows():
            if row["position"] != "within 95%" or row["authority"] == highlight:
                ax.annotate(row["name"], (1 / row["se"], row["rl"]),
                            xytext=(6, 4), textcoords="offset points", fontsize=9)
        if highlight is not None and highlight in set(table["authority"]):
            row = table[table["authority"] == highlight].iloc[0]
            ax.scatter([1 / row["se"]], [row["rl"]], marker="*", s=260, zorder=4,
                       facecolors=_AF[3], edgecolors="black", linewidths=0.8)
        handles, labels = ax.get_legend_handles_labels()
        for position, (marker, filled) in _MARKERS.items():
            if (table["position"] == position).any():
                handles.append(Line2D([], [], marker=marker, linestyle="", markersize=8,
                                      markerfacecolor=_AF[0] if filled else "white",
                                      markeredgecolor=_AF[0]))
                labels.append(f"Authority {position} limits" if position == "within 95%"
                              else f"Authority {position} limit")
        if highlight is not None and highlight in set(table["authority"]):
            handles.append(Line2D([], [], marker="*", linestyle="", markersize=13,
                                  markerfacecolor=_AF[3], markeredgecolor="black"))
            labels.append(result.name(highlight))
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
        values = [*table["rl"].astype(float), *limits["low_998"], *limits["high_998"]]
        ax.set_ylim(min(values) * 0.9, max(values) * 1.1)
        ax.set_xlim(0, x_high)
    return fig, _alt_text(result, title, highlight)


def _service_words(service: str) -> str:
    return {"adults": "adults' services", "children": "children's services"}.get(
        service, "all services")


def _alt_text(result: BenchmarkResult, title: str, highlight: str | None = None) -> str:
    """A text alternative: what the chart shows, in sentences a screen reader can read."""
    parts = [f"Funnel plot. {title}."]
    if result.pooled_rl is None or not result.n:
        parts.append(f"No funnel could be drawn: {result.reason}.")
    else:
        parts.append(
            f"Each of the {result.n} authorities shown is a point: its relative likelihood (RL, "
            "log scale) against the precision of its figure. A solid line marks the pooled RL "
            f"of {result.pooled_rl:.2f}; dashed and dotted lines mark the 95% and 99.8% limits"
            f"{_limits_words(result)}.")
        counts = result.table["position"].value_counts()
        parts.append(f"{counts.get('within 95%', 0)} of {result.n} are within the 95% limits.")
        for position in ("above 99.8%", "above 95%", "below 95%", "below 99.8%"):
            who = result.table.loc[result.table["position"] == position, "name"].tolist()
            if who:
                parts.append(f"{_POSITION_WORDS[position].capitalize()}: {', '.join(who)}.")
        if highlight is not None:
            parts.append(position_of(result, highlight))
    if len(result.excluded):
        left = "; ".join(f"{row['name']} ({row['reason']})"
                         for _, row in result.excluded.iterrows())
        parts.append(f"Not shown: {left}.")
    return " ".join(parts)


def save_figure(fig: Figure, path: Path | str, **kwargs: Any) -> Path:
    """Save a figure with no creation date or software stamp, so the same figure gives the
    same bytes (png, svg, pdf)."""
    import matplotlib

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "Producer": None, "Creator": None}}.get(fmt)
    with matplotlib.rc_context({"svg.hashsalt": "wres-tools"}):
        fig.savefig(path, metadata=metadata, **kwargs)
    return path


def positions(bench: YearBenchmark, authority: str) -> dict[str, str]:
    """Metric -> where the authority sits (:func:`position_of`), for its summary report."""
    out = {}
    for metric, result in bench.results.items():
        try:
            out[metric] = position_of(result, authority)
        except BenchmarkError:
            out[metric] = f"{bench.names.get(authority, authority)} has no return for {bench.year}."
    return out


# --------------------------------------------------------------------------- notebook display
# What notebooks/benchmarking.ipynb shows: HTML built here, so the notebook holds only calls.

def _html_figure(fig: Figure, alt: str) -> str:
    import base64

    import matplotlib.style

    from wres_tools.charts import svg_bytes

    with matplotlib.style.context(_af_style(), after_reset=True):  # as it was drawn
        data = base64.b64encode(svg_bytes(fig)).decode("ascii")
    return (f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}">'
            f"<figcaption>{html.escape(alt)}</figcaption></figure>")


def _html_table(result: BenchmarkResult) -> str:
    table = ranked_table(result)
    shown = pd.DataFrame({
        "Rank": table["rank"],
        "Authority": table["authority"],
        "RL": table["rl"].map("{:.2f}".format),
        "95% CI": [f"{lo:.2f} to {hi:.2f}" for lo, hi in
                   zip(table["rl_ci_low"], table["rl_ci_high"], strict=True)],
        "Against the funnel": table["position"],
    })
    order = "highest" if METRICS[result.metric].adverse_when == "high" else "lowest"
    caption = (f"Authorities ranked from the {order} RL (the adverse direction for this "
               "metric). Ranks of close figures are not reliable: read them with the intervals.")
    return (f"<p>{html.escape(caption)}</p>"
            + shown.to_html(index=False, escape=True, border=0))


def _html_excluded(result: BenchmarkResult) -> str:
    if not len(result.excluded):
        return ""
    items = "".join(f"<li>{html.escape(str(r['name']))}: {html.escape(str(r['reason']))}</li>"
                    for _, r in result.excluded.iterrows())
    return f"<p>Not shown:</p><ul>{items}</ul>"


def intro_html(bench: YearBenchmark) -> str:
    """The page's title, banner (internal mode) and method note, as HTML."""
    parts = [f"<h1>Benchmarking across authorities, {bench.year}</h1>"]
    if bench.disclosure == "internal":
        parts.append(f"<p><strong>{html.escape(BANNER_INTERNAL)}</strong></p>")
    parts.append(
        "<p>Each ratio metric's relative likelihood (RL: minority ethnic rate ÷ white rate) for "
        "every authority, set against the pooled figure of all authorities with a figure. "
        "Funnel limits (95% and 99.8%) follow Spiegelhalter's method as the NHS-R FunnelPlotR "
        "package computes it, widened for over-dispersion where the spread between authorities "
        "is more than chance would give. A point outside the limits is unusual, not proof of a "
        "cause.</p>")
    if bench.unusable:
        items = "".join(f"<li>{html.escape(bench.names.get(a, a))}: {html.escape(why)}</li>"
                        for a, why in sorted(bench.unusable.items()))
        parts.append(f"<p>Returns that could not be used:</p><ul>{items}</ul>")
    return "".join(parts)


def metric_html(bench: YearBenchmark, metric: str) -> str:
    """One metric's section: pooled figure, funnel plot with its text alternative, ranked
    table, and the authorities not shown."""
    result = bench.results[metric]
    parts = [f"<h2>{html.escape(metric)} {html.escape(METRICS[metric].title)}</h2>",
             f"<p>{html.escape(pooled_sentence(result))}</p>"]
    if result.n:
        fig, alt = funnel_plot(result)
        parts += [_html_figure(fig, alt), _html_table(result)]
        if result.phi is not None:
            parts.append(f"<p>Dispersion ratio phi {result.phi:.2f}; between-authority "
                         f"variance tau² {result.tau2:.4f}; limits "
                         f"{'widened' if result.adjusted else 'not widened'}.</p>")
    parts.append(_html_excluded(result))
    return "".join(parts)


def show_intro(bench: YearBenchmark) -> None:
    """Display :func:`intro_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(intro_html(bench)))


def show_metric(bench: YearBenchmark, metric: str) -> None:
    """Display :func:`metric_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(metric_html(bench, metric)))
