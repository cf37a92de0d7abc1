"""statistics.py against the libraries it stands in for: statsmodels and ``scipy.stats``.

statistics.py computes every figure from closed forms over ``scipy.special`` so that the command
line need not import ``scipy.stats`` (statistics.py's docstring says why); these properties pin
each function to the statsmodels or ``scipy.stats`` call it replaced, over counts that include
zeros, events equal to n, tiny groups and groups up to the size where Fisher's test gives way to
Yates'. Where a function follows the library's computation step by step the figures must be the
same to the last bit (:func:`same`): a changed bit is a changed metrics.json. Two figures are
computed otherwise and get the tolerance of two computations of one formula in floating point
(:func:`close`, relative 1e-9, absolute 1e-12): the Yates p (the statistic written to stay
finite for any counts) and Wilson limits at the edges (exactly 0 and 1 here, 1e-17 off there).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as hs
from scipy.stats import chi2_contingency, fisher_exact, norm
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from wres_tools import funnel
from wres_tools import statistics as st

TOLERANCE = {"rel": 1e-9, "abs": 1e-12}
ALPHAS = hs.sampled_from([0.05, 0.01, 0.1, 0.002, 0.2])


@hs.composite
def counts(draw: hs.DrawFn, most: int = st.FISHER_MAX_N // 2) -> tuple[int, int]:
    """(events, n): n tiny, small, middling or large; events none, all, one off either, or any."""
    n = draw(hs.one_of(hs.integers(1, 5), hs.integers(6, 200), hs.integers(201, 20_000),
                       hs.integers(20_001, most)))
    events = draw(hs.one_of(hs.sampled_from([0, n, 1, n - 1]), hs.integers(0, n)))
    return min(max(events, 0), n), n


def two_groups(most: int = st.FISHER_MAX_N // 2) -> hs.SearchStrategy:
    """Two groups' (events, n), the second sometimes the same size (tables with mirror ties)."""
    same_size = counts(most).flatmap(
        lambda first: hs.tuples(hs.just(first), hs.integers(0, first[1]).map(
            lambda events: (events, first[1]))))
    return hs.one_of(hs.tuples(counts(most), counts(most)), same_size)


def same(ours: float | None, theirs: float) -> bool:
    return ours is not None and ours == float(theirs)


def close(ours: float | None, theirs: float) -> bool:
    return ours is not None and ours == pytest.approx(float(theirs), **TOLERANCE)


@pytest.mark.parametrize("interval, method", [(st.wilson, "wilson"),
                                              (st.clopper_pearson, "beta")])
@settings(max_examples=examples(300), deadline=None)
@given(group=counts(), alpha=ALPHAS)
def test_wilson_and_clopper_pearson_are_statsmodels_proportion_confint(interval, method, group,
                                                                       alpha):
    events, n = group
    rate, low, high = interval(events, n, alpha)
    low_sm, high_sm = proportion_confint(events, n, alpha=alpha, method=method)
    assert rate == events / n
    assert (same if 0 < events else close)(low, low_sm)
    assert (same if events < n else close)(high, high_sm)
    assert (low == 0) == (events == 0) and (high == 1) == (events == n)  # exactly, at the edges


@settings(max_examples=examples(300), deadline=None)
@given(groups=two_groups(), alpha=ALPHAS)
def test_relative_likelihood_is_statsmodels_table2x2(groups, alpha):
    (events_g, n_g), (events_r, n_r) = groups
    result = st.relative_likelihood(events_g, n_g, events_r, n_r, alpha)
    if events_r == 0:
        assert result.rl is None and result.reason == st.REASON_WHITE_RATE_ZERO
        return
    cells = np.array([[events_g, n_g - events_g], [events_r, n_r - events_r]], dtype=float)
    if (cells == 0).any():  # no RL over a count of zero (the spec's first treatment)
        assert (result.rl, result.low, result.high, result.se_log) == (None, None, None, None)
        assert result.reason == st.REASON_ZERO_CELL
        return
    table = Table2x2(cells, shift_zeros=False)
    low, high = table.riskratio_confint(alpha=alpha)
    assert result.rl == pytest.approx((events_g / n_g) / (events_r / n_r), rel=1e-15)
    assert same(result.se_log, table.log_riskratio_se)
    assert same(result.low, low) and same(result.high, high)


@settings(max_examples=examples(400), deadline=None)
@given(groups=two_groups())
def test_fisher_p_is_scipy_fisher_exact(groups):
    (events_g, n_g), (events_r, n_r) = groups
    table = [[events_g, n_g - events_g], [events_r, n_r - events_r]]
    expected = min(1.0, float(fisher_exact(table, alternative="two-sided").pvalue))
    assert same(st.fisher_p(events_g, n_g, events_r, n_r), expected)


@pytest.mark.parametrize("groups", [
    ((3, 3), (0, 3)), ((1, 2), (1, 2)), ((0, 1), (1, 1)), ((5, 10), (5, 10)),  # ties and halves
    ((0, 1), (0, 1)), ((7, 7), (7, 7)), ((1, 500_000), (0, 500_000)),  # no information, edges
    ((2, 10), (117, 389)), ((9, 725), (17, 2505)), ((50_000, 500_000), (50_700, 500_000)),
    ((1, 999_998), (2, 2)),  # a million people in all: the largest table Fisher's test gets
])
def test_fisher_p_is_scipy_fisher_exact_at_chosen_tables(groups):
    (events_g, n_g), (events_r, n_r) = groups
    table = [[events_g, n_g - events_g], [events_r, n_r - events_r]]
    expected = min(1.0, float(fisher_exact(table).pvalue))
    assert same(st.fisher_p(events_g, n_g, events_r, n_r), expected)


@settings(max_examples=examples(300), deadline=None)
@given(groups=two_groups(most=10**8))
def test_yates_p_is_scipy_chi2_contingency(groups):
    (events_g, n_g), (events_r, n_r) = groups
    events, people = events_g + events_r, n_g + n_r
    p = st.yates_p(events_g, n_g, events_r, n_r)
    if events in (0, people):  # a zero margin: scipy has no expected counts to test against
        assert p == 1.0
        return
    table = [[events_g, n_g - events_g], [events_r, n_r - events_r]]
    assert close(p, chi2_contingency(table, correction=True)[1])


@settings(max_examples=examples(300), deadline=None)
@given(groups=two_groups(), alpha=ALPHAS)
def test_newcombe_gap_is_statsmodels_newcomb(groups, alpha):
    (events_g, n_g), (events_r, n_r) = groups
    gap, low, high = st.newcombe_gap(events_g, n_g, events_r, n_r, alpha)
    low_sm, high_sm = confint_proportions_2indep(events_g, n_g, events_r, n_r, method="newcomb",
                                                 compare="diff", alpha=alpha)
    assert gap == events_g / n_g - events_r / n_r
    assert same(low, low_sm) and same(high, high_sm)


@settings(max_examples=examples(300), deadline=None)
@given(rl_then=hs.floats(1e-6, 1e6), rl_now=hs.floats(1e-6, 1e6),
       se_then=hs.floats(1e-4, 10), se_now=hs.floats(1e-4, 10), alpha=ALPHAS)
def test_ratio_change_is_the_scipy_normal_test(rl_then, rl_now, se_then, se_now, alpha):
    change = st.ratio_change(rl_then, se_then, rl_now, se_now, alpha)
    log_ratio, se = math.log(rl_now) - math.log(rl_then), math.hypot(se_then, se_now)
    z = norm.ppf(1 - alpha / 2)
    assert same(change.low, math.exp(log_ratio - z * se))
    assert same(change.high, math.exp(log_ratio + z * se))
    assert same(change.p_value, min(1.0, 2 * norm.sf(abs(log_ratio) / se)))


def test_funnel_limits_are_the_scipy_normal_points():
    assert funnel.Z_95 == norm.ppf(0.975)
    assert funnel.Z_998 == norm.ppf(0.999)
