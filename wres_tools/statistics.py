"""Rates, intervals, ratios and tests: thin wrappers over statsmodels and scipy.

Every function takes plain counts and returns plain Python numbers (``float``/``None``), never
NaN or inf: a figure that cannot be computed is ``None`` and, where it matters, comes with a
reason in words. ``../shared/spec/metrics.md`` (Statistics) is the text implemented here.
Rates and shares are fractions (0-1); differences in percentage points are left to the caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import chi2, fisher_exact, norm
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

Interval = tuple[float | None, float | None, float | None]
FourFifths = Literal["within", "adverse", "favourable"]

#: The NHS WRES four-fifths range: an RL inside it is read as "no adverse impact".
FOUR_FIFTHS_LOW = 0.8
FOUR_FIFTHS_HIGH = 1.25

#: The one confidence level: every interval is 95% and every test is at the 5% level (the spec's
#: "Statistics (all 95%)"), so figures compare across authorities and years; not a setting.
CONFIDENCE = 0.95
ALPHA = 0.05

REASON_WHITE_RATE_ZERO = "white rate is zero: the relative likelihood cannot be computed"
#: Why there is no RL when a count of the 2x2 table is zero (the metric engine words it for the
#: metric): a ratio of 0, or one whose interval needs a correction, would put the point outside
#: its own interval or give an interval of nothing.
REASON_ZERO_CELL = ("a count in the table is zero: no relative likelihood or four-fifths reading "
                    "is given")


def clean(value: object) -> float | None:
    """A plain float, or None for None, NaN and inf (results never carry NaN or inf)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _check_counts(events: int, n: int) -> None:
    if n < 0 or events < 0 or events > n:
        raise ValueError(f"counts {events} of {n}: expected 0 <= events <= n")


def _clip01(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def wilson(events: int, n: int, alpha: float = 0.05) -> Interval:
    """Rate events/n with its Wilson score interval; (None, None, None) when n is 0."""
    _check_counts(events, n)
    if n == 0:
        return None, None, None
    low, high = proportion_confint(events, n, alpha=alpha, method="wilson")
    # exactly 0 and 1 at the edges (floating point leaves 1e-17 and 0.9999999999999999)
    low = 0.0 if events == 0 else _clip01(low)
    high = 1.0 if events == n else _clip01(high)
    return events / n, low, high


def clopper_pearson(events: int, n: int, alpha: float = 0.05) -> Interval:
    """Share events/n with its exact (Clopper-Pearson) interval; None throughout when n is 0."""
    _check_counts(events, n)
    if n == 0:
        return None, None, None
    low, high = proportion_confint(events, n, alpha=alpha, method="beta")
    return events / n, _clip01(low), _clip01(high)


@dataclass(frozen=True)
class RLResult:
    """A relative likelihood (group rate / reference rate) with its log-method interval.

    ``se_log`` is the standard error of log(RL) the interval was built from; ``reason`` says in
    words why ``rl`` is None.
    """

    rl: float | None
    low: float | None
    high: float | None
    reason: str | None = None
    se_log: float | None = None


def _table(events_g: float, n_g: float, events_r: float, n_r: float) -> np.ndarray:
    return np.array([[events_g, n_g - events_g], [events_r, n_r - events_r]], dtype=float)


def relative_likelihood(
    events_g: int, n_g: int, events_r: int, n_r: int, alpha: float = 0.05
) -> RLResult:
    """Group rate / reference rate, with the log (Katz) interval of statsmodels' Table2x2.

    No RL where a count of the 2x2 table is zero (the spec's first choice): with no events in
    the group the RL is 0 and has no log interval, and a Haldane-Anscombe corrected interval
    would not contain the uncorrected point; with no one *without* the event the interval rests
    on a cell that is empty. The rates, counts and Fisher's test still stand. The RL is None
    with a reason when either group is empty, the reference rate is zero or a cell is zero.
    """
    _check_counts(events_g, n_g)
    _check_counts(events_r, n_r)
    if n_g == 0:
        return RLResult(None, None, None, reason="no one in the comparison group")
    if n_r == 0:
        return RLResult(None, None, None, reason="no one in the white reference group")
    if events_r == 0:
        return RLResult(None, None, None, reason=REASON_WHITE_RATE_ZERO)
    if 0 in (events_g, n_g - events_g, n_r - events_r):
        return RLResult(None, None, None, reason=REASON_ZERO_CELL)
    rl = (events_g / n_g) / (events_r / n_r)
    table = Table2x2(_table(events_g, n_g, events_r, n_r), shift_zeros=False)
    low, high = table.riskratio_confint(alpha=alpha)
    return RLResult(rl, clean(low), clean(high), None, clean(table.log_riskratio_se))


#: Largest table (both groups together) that gets Fisher's exact test; above it the
#: Yates-corrected chi-squared test (:func:`yates_p`). Fisher's test took at most 25 ms per
#: table up to ten million people (scipy 1.17), but its cost and its floating point grow with n
#: (from about 1e10 scipy's sum overflows and gives a wrong p). No demo return comes near a
#: million; at a million the two p-values differ by about 0.1% of p for groups of like size and
#: 2% for a group of 20,000 beside 980,000 (tests/test_statistics.py).
FISHER_MAX_N = 1_000_000


def fisher_p(events_g: int, n_g: int, events_r: int, n_r: int) -> float | None:
    """Two-sided p-value of Fisher's exact test on the 2x2 table; None when a group is empty.

    Beyond :data:`FISHER_MAX_N` people in all, the Yates-corrected chi-squared test
    (:func:`yates_p`), its large-sample equivalent, so the time is bounded whatever the counts.
    """
    _check_counts(events_g, n_g)
    _check_counts(events_r, n_r)
    if n_g == 0 or n_r == 0:
        return None
    if n_g + n_r > FISHER_MAX_N:
        return yates_p(events_g, n_g, events_r, n_r)
    table = [[events_g, n_g - events_g], [events_r, n_r - events_r]]
    return min(1.0, float(fisher_exact(table, alternative="two-sided").pvalue))


def yates_p(events_g: int, n_g: int, events_r: int, n_r: int) -> float | None:
    """Two-sided p-value of the chi-squared test with Yates' continuity correction on the 2x2
    table (in floating point: no count is too big); None when a group is empty, 1 when no one or
    everyone had the event (the table has no information)."""
    _check_counts(events_g, n_g)
    _check_counts(events_r, n_r)
    if n_g == 0 or n_r == 0:
        return None
    n = float(n_g) + float(n_r)
    events = float(events_g) + float(events_r)
    if events == 0 or events == n:
        return 1.0
    expected = float(n_g) * events / n
    gap = max(abs(float(events_g) - expected) - 0.5, 0.0)
    # sum of gap^2 / expected over the four cells, written to stay finite for any counts
    statistic = gap / n_g * (gap / n_r) * (n / events) * (n / (n - events)) * n
    return min(1.0, float(chi2.sf(statistic, 1)))


def significant(p_value: float | None, alpha: float = 0.05) -> bool | None:
    """True only when Fisher's p is below alpha; None when there is no p-value."""
    return None if p_value is None else bool(p_value < alpha)


def four_fifths(rl: float | None, adverse_when: Literal["low", "high"]) -> FourFifths | None:
    """The four-fifths reading: "within" 0.80-1.25, else "adverse" or "favourable".

    Which side is adverse depends on the metric: ``adverse_when="low"`` (e.g. appointment) reads
    an RL below 0.80 as adverse, ``"high"`` (e.g. disciplinary) an RL above 1.25.
    """
    if adverse_when not in ("low", "high"):
        raise ValueError(f"adverse_when is {adverse_when!r}: expected 'low' or 'high'")
    if rl is None:
        return None
    value = round(rl, 9)  # 0.4 / 0.5 is 0.8000000000000002 in floating point: still "within"
    if FOUR_FIFTHS_LOW <= value <= FOUR_FIFTHS_HIGH:
        return "within"
    low_side = value < FOUR_FIFTHS_LOW
    return "adverse" if low_side == (adverse_when == "low") else "favourable"


def newcombe_gap(
    events_g: int, n_g: int, events_r: int, n_r: int, alpha: float = 0.05
) -> Interval:
    """Group rate minus reference rate (fractions) with Newcombe's hybrid score interval."""
    _check_counts(events_g, n_g)
    _check_counts(events_r, n_r)
    if n_g == 0 or n_r == 0:
        return None, None, None
    low, high = confint_proportions_2indep(
        events_g, n_g, events_r, n_r, method="newcomb", compare="diff", alpha=alpha
    )
    return events_g / n_g - events_r / n_r, clean(low), clean(high)


def small_numbers(counts: Iterable[int | None], threshold: int = 10) -> bool:
    """True when any count behind a figure is under the threshold (None counts are skipped)."""
    return any(c is not None and c < threshold for c in counts)


@dataclass(frozen=True)
class Change:
    """A change between two years: ratio of RLs or difference of shares, with interval and p."""

    change: float | None
    low: float | None
    high: float | None
    p_value: float | None
    reason: str | None = None


def ratio_change(
    rl_then: float | None,
    se_then: float | None,
    rl_now: float | None,
    se_now: float | None,
    alpha: float = 0.05,
) -> Change:
    """RL now / RL then, with an interval on the log scale from the two standard errors.

    The years are independent samples, so var(log ratio) = se_then^2 + se_now^2; the p-value is
    the two-sided normal test of log ratio = 0.
    """
    if rl_then is None or rl_now is None or se_then is None or se_now is None:
        return Change(None, None, None, None, "a relative likelihood is missing in one year")
    if rl_then <= 0 or rl_now <= 0:
        return Change(None, None, None, None,
                      "a relative likelihood of zero cannot be compared on the log scale")
    log_ratio = math.log(rl_now) - math.log(rl_then)
    se = math.hypot(se_then, se_now)
    z = float(norm.ppf(1 - alpha / 2))
    p = float(2 * norm.sf(abs(log_ratio) / se))
    return Change(
        clean(math.exp(log_ratio)),
        clean(math.exp(log_ratio - z * se)),
        clean(math.exp(log_ratio + z * se)),
        min(1.0, p),
    )


def share_change(
    events_then: int, n_then: int, events_now: int, n_now: int, alpha: float = 0.05
) -> Change:
    """Share now minus share then in percentage points, Newcombe interval, Fisher's exact p."""
    gap, low, high = newcombe_gap(events_now, n_now, events_then, n_then, alpha)
    if gap is None:
        return Change(None, None, None, None, "no one of known ethnicity in one year")
    p = fisher_p(events_now, n_now, events_then, n_then)
    return Change(gap * 100, None if low is None else low * 100,
                  None if high is None else high * 100, p)
