"""statistics.py against values worked out by hand or by independent formulas (4 s.f.+)."""

from __future__ import annotations

import math

import pytest

from wres_tools import statistics as st

Z = 1.959963984540054  # standard normal 97.5% point


def wilson_by_formula(x: int, n: int) -> tuple[float, float]:
    """Wilson (1927): (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


def fisher_by_formula(a: int, n1: int, c: int, n2: int) -> float:
    """Two-sided Fisher: sum of hypergeometric P(tables) no more likely than the observed one."""
    m, total = a + c, n1 + n2

    def prob(k: int) -> float:
        return math.comb(n1, k) * math.comb(n2, m - k) / math.comb(total, m)

    observed = prob(a)
    return sum(
        prob(k) for k in range(max(0, m - n2), min(m, n1) + 1) if prob(k) <= observed * (1 + 1e-7)
    )


def test_wilson_two_of_ten_by_hand():
    # p = 0.2, z² = 3.841459; centre = (0.2 + 0.192073) / 1.384146 = 0.283262
    # half = 1.959964 · sqrt(0.016 + 0.0096036) / 1.384146 = 0.226580
    rate, low, high = st.wilson(2, 10)
    assert rate == 0.2
    assert low == pytest.approx(0.05668, rel=1e-4)
    assert high == pytest.approx(0.5098, rel=1e-4)
    assert (low, high) == pytest.approx(wilson_by_formula(2, 10), rel=1e-9)


@pytest.mark.parametrize("x, n", [(0, 7), (7, 7), (117, 389), (1, 3000)])
def test_wilson_matches_formula_including_edges(x, n):
    rate, low, high = st.wilson(x, n)
    assert rate == x / n
    assert (low, high) == pytest.approx(wilson_by_formula(x, n), rel=1e-7, abs=1e-12)
    assert 0 <= low <= rate <= high <= 1


def test_wilson_empty_group_is_none_not_nan():
    assert st.wilson(0, 0) == (None, None, None)


def test_counts_out_of_range_are_an_error():
    with pytest.raises(ValueError, match="expected 0 <= events <= n"):
        st.wilson(5, 4)
    with pytest.raises(ValueError):
        st.relative_likelihood(1, 10, 11, 10)


def test_clopper_pearson_zero_and_all_by_hand():
    # x = 0: upper = 1 - (α/2)^(1/n) = 1 - 0.025^0.1 = 1 - 0.691503 = 0.308497
    share, low, high = st.clopper_pearson(0, 10)
    assert (share, low) == (0.0, 0.0)
    assert high == pytest.approx(1 - 0.025**0.1, rel=1e-9)
    assert high == pytest.approx(0.3085, rel=1e-4)
    # x = n: lower = (α/2)^(1/n) = 0.691503
    share, low, high = st.clopper_pearson(10, 10)
    assert (share, high) == (1.0, 1.0)
    assert low == pytest.approx(0.6915, rel=1e-4)


def test_clopper_pearson_three_of_twenty():
    # Beta quantiles: low = B(0.025; 3, 18), high = B(0.975; 4, 17)
    from scipy.stats import beta

    share, low, high = st.clopper_pearson(3, 20)
    assert share == 0.15
    assert low == pytest.approx(beta.ppf(0.025, 3, 18), rel=1e-9)
    assert high == pytest.approx(beta.ppf(0.975, 4, 17), rel=1e-9)
    assert (low, high) == pytest.approx((0.03207, 0.3789), rel=1e-4)


def test_published_disciplinary_example_rl_183():
    # A trust: 9 of 725 minority ethnic staff, 17 of 2,505 white staff entered the process.
    # RL = (9/725) / (17/2505) = 0.0124138 / 0.0067864 = 1.8292 -> published 1.83
    # Katz SE = sqrt(1/9 - 1/725 + 1/17 - 1/2505) = sqrt(0.168156) = 0.410068
    # CI = exp(ln 1.82921 ± 1.959964 · 0.410068) = exp(0.603884 ± 0.803720) = 0.8189 to 4.086
    result = st.relative_likelihood(9, 725, 17, 2505)
    assert round(result.rl, 2) == 1.83
    assert result.rl == pytest.approx(1.8292, rel=1e-4)
    assert result.se_log == pytest.approx(0.410068, rel=1e-5)
    assert result.low == pytest.approx(0.8189, rel=1e-4)
    assert result.high == pytest.approx(4.086, rel=1e-4)
    assert result.reason is None


def test_published_recruitment_example_rl_0665_and_nhs_150():
    # 2 of 10 minority ethnic shortlisted appointed; 117 of 389 white.
    # RL = 0.2 / 0.300771 = 0.664957 -> 0.665; NHS direction 0.300771 / 0.2 = 1.503856 -> 1.50
    result = st.relative_likelihood(2, 10, 117, 389)
    assert round(result.rl, 3) == 0.665
    assert round(1 / result.rl, 2) == 1.50
    # Katz SE = sqrt(1/2 - 1/10 + 1/117 - 1/389) = sqrt(0.405976) = 0.637163
    se = math.sqrt(1 / 2 - 1 / 10 + 1 / 117 - 1 / 389)
    assert result.se_log == pytest.approx(se, rel=1e-9)
    assert result.low == pytest.approx(math.exp(math.log(result.rl) - Z * se), rel=1e-9)
    assert result.high == pytest.approx(math.exp(math.log(result.rl) + Z * se), rel=1e-9)


@pytest.mark.parametrize(("counts", "zero"), [
    ((0, 10, 5, 25), "no one in the group had the event: RL 0, with no log interval"),
    ((10, 10, 4, 8), "everyone in the group had it: b = 0"),
    ((3, 10, 8, 8), "every white person had it: d = 0"),
])
def test_no_rl_where_a_cell_is_zero(counts: tuple[int, int, int, int], zero: str) -> None:
    """The spec's first treatment of a zero cell: no RL, no interval (so no point outside it),
    with the reason; the rates and Fisher's p are still there for the caller."""
    result = st.relative_likelihood(*counts)
    assert (result.rl, result.low, result.high, result.se_log) == (None, None, None, None), zero
    assert result.reason == st.REASON_ZERO_CELL
    assert st.fisher_p(*counts) is not None


def test_one_event_is_enough_for_an_rl_inside_its_interval():
    # 1 of 10 vs 5 of 25: RL 0.1 / 0.2 = 0.5; SE = sqrt(1/1 - 1/10 + 1/5 - 1/25) = 1.0296
    result = st.relative_likelihood(1, 10, 5, 25)
    se = math.sqrt(1 - 1 / 10 + 1 / 5 - 1 / 25)
    assert result.rl == pytest.approx(0.5)
    assert result.se_log == pytest.approx(se, rel=1e-9)
    assert result.low == pytest.approx(0.5 * math.exp(-Z * se), rel=1e-9)
    assert result.low < result.rl < result.high


def test_white_rate_zero_is_null_with_reason():
    result = st.relative_likelihood(3, 10, 0, 20)
    assert (result.rl, result.low, result.high) == (None, None, None)
    assert result.reason == "white rate is zero: the relative likelihood cannot be computed"


def test_empty_groups_are_null_with_reason():
    assert st.relative_likelihood(0, 0, 3, 20).reason == "no one in the comparison group"
    assert st.relative_likelihood(1, 5, 0, 0).rl is None


def test_fisher_matches_hypergeometric_sum():
    # independent: sum of hypergeometric probabilities of tables no more likely than observed
    assert st.fisher_p(2, 10, 117, 389) == pytest.approx(fisher_by_formula(2, 10, 117, 389),
                                                         rel=1e-6)
    assert st.fisher_p(2, 10, 117, 389) == pytest.approx(0.7298, rel=1e-3)
    assert st.fisher_p(9, 725, 17, 2505) == pytest.approx(fisher_by_formula(9, 725, 17, 2505),
                                                          rel=1e-6)
    assert st.fisher_p(9, 725, 17, 2505) == pytest.approx(0.1550, rel=1e-3)


def test_fisher_small_table_by_hand():
    # 3 of 3 vs 0 of 3: P(observed) = C(3,3)C(3,0)/C(6,3) = 1/20; the mirror table too: p = 0.1
    assert st.fisher_p(3, 3, 0, 3) == pytest.approx(0.1, rel=1e-9)
    assert st.fisher_p(0, 0, 1, 3) is None


def test_significant_only_below_alpha():
    assert st.significant(0.049) is True
    assert st.significant(0.05) is False
    assert st.significant(None) is None


@pytest.mark.parametrize(
    "rl, adverse_when, expected",
    [
        (0.8, "low", "within"),
        (0.4 / 0.5, "low", "within"),  # 0.8000000000000002 in floating point
        (1.25, "high", "within"),
        (0.79, "low", "adverse"),
        (0.79, "high", "favourable"),
        (1.26, "high", "adverse"),
        (1.26, "low", "favourable"),
        (0.0, "high", "favourable"),
        (None, "low", None),
    ],
)
def test_four_fifths(rl, adverse_when, expected):
    assert st.four_fifths(rl, adverse_when) == expected


def test_four_fifths_rejects_unknown_direction():
    with pytest.raises(ValueError, match="expected 'low' or 'high'"):
        st.four_fifths(1.0, "up")


def test_newcombe_gap_from_wilson_limits():
    # Newcombe (1998) method 10: gap = p1 - p2 = 0.3 - 0.2 = 0.1
    # low  = gap - sqrt((p1 - l1)² + (u2 - p2)²) = 0.1 - sqrt(0.081051² + 0.088829²) = -0.02025
    # high = gap + sqrt((u1 - p1)² + (p2 - l2)²) = 0.1 + sqrt(0.095849² + 0.066633²) = 0.2167
    l1, u1 = wilson_by_formula(30, 100)
    l2, u2 = wilson_by_formula(20, 100)
    gap, low, high = st.newcombe_gap(30, 100, 20, 100)
    assert gap == pytest.approx(0.1)
    assert low == pytest.approx(0.1 - math.hypot(0.3 - l1, u2 - 0.2), rel=1e-9)
    assert high == pytest.approx(0.1 + math.hypot(u1 - 0.3, 0.2 - l2), rel=1e-9)
    assert (low, high) == pytest.approx((-0.02025, 0.2167), rel=1e-3)
    assert st.newcombe_gap(0, 0, 1, 2) == (None, None, None)


def test_small_numbers():
    assert st.small_numbers([10, 200, 10, 500], 10) is False
    assert st.small_numbers([9, 200, 10, 500], 10) is True
    assert st.small_numbers([0, 200, None], 10) is True
    assert st.small_numbers([None, 12], 10) is False


def test_ratio_change_by_hand():
    # RL 2.0 (SE 0.3) -> RL 1.0 (SE 0.4): ratio 0.5; SE = sqrt(0.09 + 0.16) = 0.5
    # CI = exp(ln 0.5 ± 1.959964 · 0.5) = exp(-0.693147 ± 0.979982) = 0.1877 to 1.332
    # z = 0.693147 / 0.5 = 1.386294; p = 2 (1 - Φ(1.386294)) = 0.1657
    change = st.ratio_change(2.0, 0.3, 1.0, 0.4)
    assert change.change == pytest.approx(0.5)
    assert change.low == pytest.approx(0.1877, rel=1e-3)
    assert change.high == pytest.approx(1.332, rel=1e-3)
    assert change.p_value == pytest.approx(0.1657, rel=1e-3)
    assert change.low == pytest.approx(math.exp(math.log(0.5) - Z * 0.5), rel=1e-9)


def test_ratio_change_not_computable():
    assert st.ratio_change(None, None, 1.0, 0.2).change is None
    zero = st.ratio_change(0.0, 1.4, 1.0, 0.2)
    assert zero.change is None and "zero" in zero.reason


def test_share_change_in_percentage_points():
    # 20 of 100 -> 30 of 100: +10 pp, Newcombe interval of 0.3 vs 0.2 times 100
    change = st.share_change(20, 100, 30, 100)
    gap, low, high = st.newcombe_gap(30, 100, 20, 100)
    assert change.change == pytest.approx(10.0)
    assert (change.low, change.high) == pytest.approx((low * 100, high * 100))
    assert change.p_value == pytest.approx(fisher_by_formula(30, 100, 20, 100), rel=1e-6)


def test_clean_turns_nan_and_inf_into_none():
    assert st.clean(float("nan")) is None
    assert st.clean(float("inf")) is None
    assert st.clean(1) == 1.0


def test_fisher_gives_way_to_yates_above_a_million_and_they_agree_there():
    """At the switch (FISHER_MAX_N people in all) Fisher's exact p and the Yates-corrected
    chi-squared p are within 1% of each other for groups of like size, 3% for unequal ones."""
    from scipy.stats import chi2_contingency, fisher_exact

    assert st.FISHER_MAX_N == 1_000_000
    exact = st.fisher_p(50_000, 500_000, 50_700, 500_000)  # 1,000,000 people: Fisher
    table = [[50_000, 450_000], [50_700, 449_300]]
    assert exact == pytest.approx(fisher_exact(table).pvalue, rel=1e-12)
    beyond = st.fisher_p(50_000, 500_000, 50_700, 500_001)  # one more: Yates
    assert beyond == st.yates_p(50_000, 500_000, 50_700, 500_001)
    assert beyond == pytest.approx(0.0202083793, rel=1e-8)
    assert beyond == pytest.approx(exact, rel=1e-2)
    unequal = st.fisher_p(1_000, 20_000, 48_000, 980_001)
    assert unequal == pytest.approx(0.5187533567, rel=1e-8)
    assert unequal == pytest.approx(fisher_exact([[1_000, 19_000], [48_000, 932_001]]).pvalue,
                                    rel=3e-2)
    # the Yates p is scipy's chi-squared test with its continuity correction
    assert st.yates_p(2, 10, 117, 389) == pytest.approx(
        chi2_contingency([[2, 8], [117, 272]], correction=True)[1], rel=1e-12)


def test_p_value_time_is_bounded_whatever_the_counts():
    """Counts in the trillions: an answer in milliseconds, finite, and the same as the formula."""
    import time

    started = time.perf_counter()
    p = st.fisher_p(10**11, 10**12, 10**11 + 10**6, 10**12)
    assert time.perf_counter() - started < 0.5
    assert p == pytest.approx(0.0184225022, rel=1e-8)
    assert st.yates_p(0, 10**12, 0, 10**12) == 1.0
    assert st.yates_p(5, 5, 7, 7) == 1.0
    assert st.yates_p(0, 0, 1, 3) is None
