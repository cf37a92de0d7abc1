"""Rates, intervals, ratios and tests, from their closed forms over ``scipy.special``.

The figures are the ones statsmodels and ``scipy.stats`` give (the function names the method
each follows), computed here from the same special functions because ``wres metrics`` for one
return must answer in under 2 s and importing ``scipy.stats`` (which statsmodels imports too)
alone takes about 0.7 s. ``tests/test_statistics_reference.py`` pins every function to
statsmodels or ``scipy.stats`` on many tables, so the two cannot drift apart.

Every function takes plain counts and returns plain Python numbers (``float``/``None``), never
NaN or inf: a figure that cannot be computed is ``None`` and, where it matters, comes with a
reason in words. ``../shared/spec/metrics.md`` (Statistics) is the text implemented here.
Rates and shares are fractions (0-1); differences in percentage points are left to the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import betainccinv, betaincinv, chdtrc, ndtr, ndtri
from scipy.special._ufuncs import _hypergeom_cdf, _hypergeom_pmf, _hypergeom_sf

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
    """Rate events/n with its Wilson score interval; (None, None, None) when n is 0.

    As statsmodels' ``proportion_confint(method="wilson")``: (p + z^2/2n -+ z sqrt(p(1 - p)/n +
    z^2/4n^2)) / (1 + z^2/n), z the normal point of 1 - alpha/2; exactly 0 when events is 0 and
    1 when events is n.
    """
    _check_counts(events, n)
    if n == 0:
        return None, None, None
    low, high = _wilson_limits(events, n, -float(ndtri(alpha / 2)))
    # exactly 0 and 1 at the edges (floating point leaves 1e-17 and 0.9999999999999999)
    return events / n, 0.0 if events == 0 else low, 1.0 if events == n else high


def _wilson_limits(events: int, n: int, z: float) -> tuple[float, float]:
    """statsmodels' ``proportion_confint(method="wilson")`` step by step, z its
    ``norm.isf(alpha / 2)``: the limits clipped to 0-1, not yet exact at the edges."""
    rate, z2 = events / n, z * z
    denom = 1 + z2 / n
    centre = (rate + z2 / (2 * n)) / denom
    half = z * math.sqrt(rate * (1.0 - rate) / n + z2 / (4.0 * n**2)) / denom
    return _clip01(centre - half), _clip01(centre + half)


def clopper_pearson(events: int, n: int, alpha: float = 0.05) -> Interval:
    """Share events/n with its exact (Clopper-Pearson) interval; None throughout when n is 0.

    The limits are beta quantiles, as statsmodels' ``proportion_confint(method="beta")``: the
    alpha/2 point of Beta(events, n - events + 1) and the 1 - alpha/2 point of
    Beta(events + 1, n - events); 0 when events is 0 and 1 when events is n.
    """
    _check_counts(events, n)
    if n == 0:
        return None, None, None
    low = 0.0 if events == 0 else float(betaincinv(events, n - events + 1, alpha / 2))
    high = 1.0 if events == n else float(betainccinv(events + 1, n - events, alpha / 2))
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
    a, b, c, d = float(events_g), float(n_g - events_g), float(events_r), float(n_r - events_r)
    # Table2x2's log_riskratio_se and log_riskratio_confint, step by step and with numpy's
    # log and exp (math's differ from them in the last bit now and then)
    rows = (a + b, c + d)
    risks = (a / rows[0], c / rows[1])
    se = np.sqrt(sum((1 - p) / (n * p) for p, n in zip(risks, rows, strict=True)))
    log_rl, z = np.log(risks[0] / risks[1]), -float(ndtri(alpha / 2))
    low, high = np.exp(log_rl - z * se), np.exp(log_rl + z * se)
    return RLResult(rl, clean(low), clean(high), None, clean(se))


#: Largest table (both groups together) that gets Fisher's exact test; above it the
#: Yates-corrected chi-squared test (:func:`yates_p`). Fisher's test took at most 25 ms per
#: table up to ten million people (scipy 1.17), but its cost and its floating point grow with n
#: (from about 1e10 scipy's sum overflows and gives a wrong p). No demo return comes near a
#: million; at a million the two p-values differ by about 0.1% of p for groups of like size and
#: 2% for a group of 20,000 beside 980,000 (tests/test_statistics.py).
FISHER_MAX_N = 1_000_000

#: scipy's relative tolerance for a table "as likely" as the observed one (fisher_exact).
_FISHER_TOLERANCE = 1e-14


def _last_at_most(f: Callable[[int], float], value: float, low: int, high: int) -> int:
    """The x in [low, high] with f(x) <= value < f(x + 1), f ascending (scipy's binary search
    for fisher_exact, ``_binary_search_for_binom_tst``, step for step)."""
    while low < high:
        mid = low + (high - low) // 2
        at = f(mid)
        if at < value:
            low = mid + 1
        elif at > value:
            high = mid - 1
        else:
            return mid
    return low if f(low) <= value else low - 1


def fisher_p(events_g: int, n_g: int, events_r: int, n_r: int) -> float | None:
    """Two-sided p-value of Fisher's exact test on the 2x2 table; None when a group is empty.

    As ``scipy.stats.fisher_exact``: the probability, given both margins, of the tables no
    more likely than the one observed (hypergeometric, with scipy's relative tolerance of 1e-14
    for "as likely"), summed as the tail below the mode and the tail above it.

    Beyond :data:`FISHER_MAX_N` people in all, the Yates-corrected chi-squared test
    (:func:`yates_p`), its large-sample equivalent, so the time is bounded whatever the counts.
    """
    _check_counts(events_g, n_g)
    _check_counts(events_r, n_r)
    if n_g == 0 or n_r == 0:
        return None
    if n_g + n_r > FISHER_MAX_N:
        return yates_p(events_g, n_g, events_r, n_r)
    total, events = n_g + n_r, events_g + events_r
    if events in (0, total):
        return 1.0
    # support of events_g given the margins; scipy's hypergeom(total, n_g, events)
    first, last = max(0, events - n_r), min(n_g, events)

    def pmf(x: int) -> float:
        return float(_hypergeom_pmf(x, n_g, events, total)) if first <= x <= last else 0.0

    def cdf(x: int) -> float:  # P(X <= x)
        return 0.0 if x < first else 1.0 if x >= last else float(
            _hypergeom_cdf(x, n_g, events, total))

    def sf(x: int) -> float:  # P(X > x)
        return 1.0 if x < first else 0.0 if x >= last else float(
            _hypergeom_sf(x, n_g, events, total))

    mode = int((events + 1) * (n_g + 1) / (total + 2))
    observed, most = pmf(events_g), pmf(mode)
    gamma = 1 + _FISHER_TOLERANCE
    if abs(observed - most) / max(observed, most) <= _FISHER_TOLERANCE:
        return 1.0
    if events_g < mode:
        p = cdf(events_g)
        if pmf(events) <= observed * gamma:  # tables above the mode as unlikely: their tail
            p += sf(_last_at_most(lambda x: -pmf(x), -observed * gamma, mode, events))
    else:
        p = sf(events_g - 1)
        if pmf(0) <= observed * gamma:
            p += cdf(_last_at_most(pmf, observed * gamma, 0, mode))
    return min(1.0, p)


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
    return min(1.0, float(chdtrc(1, statistic)))  # chi-squared (1 df) upper tail


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
    """Group rate minus reference rate (fractions) with Newcombe's hybrid score interval.

    From the two Wilson intervals, as statsmodels' ``confint_proportions_2indep(method="newcomb",
    compare="diff")``: the gap minus sqrt((p1 - low1)^2 + (high2 - p2)^2), plus sqrt((high1 -
    p1)^2 + (p2 - low2)^2).
    """
    _check_counts(events_g, n_g)
    _check_counts(events_r, n_r)
    if n_g == 0 or n_r == 0:
        return None, None, None
    # statsmodels takes its Wilson limits as they are, not exactly 0 and 1 at the edges
    z = -float(ndtri(alpha / 2))
    low1, high1 = _wilson_limits(events_g, n_g, z)
    low2, high2 = _wilson_limits(events_r, n_r, z)
    p1, p2 = events_g / n_g, events_r / n_r
    gap = p1 - p2
    low = gap - math.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2)
    high = gap + math.sqrt((p2 - low2) ** 2 + (high1 - p1) ** 2)
    return gap, clean(low), clean(high)


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
    z = float(ndtri(1 - alpha / 2))
    p = float(2 * ndtr(-abs(log_ratio) / se))
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
