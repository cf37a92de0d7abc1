"""trends.py: change against the baseline and the previous year, and M3 pooled over two years."""

from __future__ import annotations

import math

import pytest
from builders import make_params, make_return, one

from wres_tools import metrics, trends
from wres_tools import statistics as st

Z = 1.959963984540054


def recruitment(year: int, minority: tuple[int, int], white: tuple[int, int], **extra):
    """A one-table return: (appointed, shortlisted) for minority (Indian) and white staff."""
    return make_return({"recruitment": [
        {"ethnicity": "Indian", "appointed": minority[0], "shortlisted": minority[1]},
        {"ethnicity": "White British", "appointed": white[0], "shortlisted": white[1]},
    ], **extra}, year=year)


def workforce(minority_top: int, white_top: int) -> list[dict]:
    return [
        {"ethnicity": "Indian", "pay_band": "£70,000 and over", "headcount": minority_top},
        {"ethnicity": "Irish", "pay_band": "£70,000 and over", "headcount": white_top},
        {"ethnicity": "Indian", "pay_band": "less than £30,000", "headcount": 50},
        {"ethnicity": "Irish", "pay_band": "less than £30,000", "headcount": 50},
    ]


@pytest.fixture
def three_years():
    params = make_params()
    returns = {
        2021: recruitment(2021, (10, 100), (50, 200), workforce=workforce(5, 45)),
        2022: recruitment(2022, (20, 100), (50, 200), workforce=workforce(10, 40)),
        2023: recruitment(2023, (25, 100), (50, 200)),
    }
    return {year: metrics.compute_all(ret, params) for year, ret in returns.items()}


def test_rows_for_baseline_and_previous(three_years):
    table = trends.change_over_time(three_years, None)
    assert tuple(table.columns) == trends.TREND_COLUMNS
    pairs = set(zip(table["year"], table["compared_with"], table["year_then"], strict=True))
    assert pairs == {(2022, "baseline", 2021), (2022, "previous", 2021),
                     (2023, "baseline", 2021), (2023, "previous", 2022)}


def test_one_year_gives_that_years_rows_of_the_whole_table(three_years):
    whole = trends.change_over_time(three_years, None)
    for year in (2022, 2023):
        only = trends.change_over_time(three_years, None, year=year)
        expected = whole[whole["year"] == year].reset_index(drop=True)
        assert len(only) and set(only["year"]) == {year}
        assert only.equals(expected)
    assert trends.change_over_time(three_years, None, year=2021).empty  # nothing before it


def test_a_baseline_that_is_also_the_previous_year_gives_the_same_change_twice(three_years):
    table = trends.change_over_time(three_years, None, year=2022)
    baseline = table[table["compared_with"] == "baseline"].drop(columns="compared_with")
    previous = table[table["compared_with"] == "previous"].drop(columns="compared_with")
    assert len(baseline) == len(previous) > 0
    assert baseline.reset_index(drop=True).equals(previous.reset_index(drop=True))
    row = one(table, metric="M2", group="minority", compared_with="previous")
    assert row["change"] == pytest.approx(2.0)  # RL 0.4 in 2021, 0.8 in 2022


def test_rl_change_against_baseline_by_hand(three_years):
    table = trends.change_over_time(three_years, None)
    row = one(table, metric="M2", group="minority", year=2023, compared_with="baseline")
    # 2021: RL = (10/100) / (50/200) = 0.4; SE = sqrt(1/10 - 1/100 + 1/50 - 1/200) = 0.324037
    # 2023: RL = (25/100) / (50/200) = 1.0; SE = sqrt(1/25 - 1/100 + 1/50 - 1/200) = 0.212132
    # change = 1.0 / 0.4 = 2.5; SE = sqrt(0.105 + 0.045) = 0.387298
    # CI = exp(ln 2.5 ± 1.959964 · 0.387298) = exp(0.916291 ± 0.759090) = 1.170 to 5.341
    # z = 0.916291 / 0.387298 = 2.365854; p = 0.01799
    se = math.sqrt(0.105 + 0.045)
    assert row["measure"] == "rl"
    assert (row["value_then"], row["value_now"]) == pytest.approx((0.4, 1.0))
    assert row["change"] == pytest.approx(2.5)
    assert row["change_ci_low"] == pytest.approx(math.exp(math.log(2.5) - Z * se), rel=1e-9)
    assert (row["change_ci_low"], row["change_ci_high"]) == pytest.approx((1.170, 5.341),
                                                                          rel=1e-3)
    assert row["p_value"] == pytest.approx(0.01799, rel=1e-3)
    assert row["significant"] is True and row["status"] == "ok"


def test_rl_change_against_previous_year(three_years):
    table = trends.change_over_time(three_years, None)
    row = one(table, metric="M2", group="minority", year=2023, compared_with="previous")
    # 2022: RL = 0.2 / 0.25 = 0.8; 2023: 1.0 -> change 1.25, not significant
    assert row["change"] == pytest.approx(1.25)
    assert row["year_then"] == 2022
    assert row["significant"] is False


def test_share_change_in_percentage_points(three_years):
    table = trends.change_over_time(three_years, None)
    row = one(table, metric="M1", group="minority", pay_band="£70,000 and over", year=2022,
              compared_with="previous")
    # top band: 5 of 50 = 10% in 2021 -> 10 of 50 = 20% in 2022: +10 pp
    assert row["measure"] == "share_pp"
    assert (row["value_then"], row["value_now"]) == pytest.approx((0.1, 0.2))
    assert row["change"] == pytest.approx(10.0)
    expected = st.share_change(5, 50, 10, 50)
    assert (row["change_ci_low"], row["change_ci_high"]) == pytest.approx(
        (expected.low, expected.high))
    # the same interval from Wilson limits by hand (Newcombe): 0.2 - 0.1 ± ...
    w_now, w_then = st.wilson(10, 50), st.wilson(5, 50)
    low = 0.1 - math.hypot(0.2 - w_now[1], w_then[2] - 0.1)
    assert row["change_ci_low"] == pytest.approx(100 * low)
    assert row["significant"] is False


def test_metric_missing_in_a_year_is_not_computable_or_not_collected(three_years):
    table = trends.change_over_time(three_years, None)
    # 2023 holds no workforce: M1 not collected that year
    m1 = table[(table["metric"] == "M1") & (table["year"] == 2023)]
    assert set(m1["status"]) == {"not_collected"}
    m4 = one(table, metric="M4", year=2022, compared_with="previous")
    assert m4["status"] == "not_collected" and m4["change"] is None


def test_group_absent_in_the_earlier_year():
    params = make_params()
    first = recruitment(2021, (10, 100), (50, 200))
    second = make_return({"recruitment": [
        {"ethnicity": "Indian", "appointed": 10, "shortlisted": 100},
        {"ethnicity": "African", "appointed": 3, "shortlisted": 10},
        {"ethnicity": "White British", "appointed": 50, "shortlisted": 200},
    ]}, year=2022)
    table = trends.change_over_time(
        {2021: metrics.compute_all(first, params), 2022: metrics.compute_all(second, params)})
    black = one(table, metric="M2", group="black", compared_with="previous")
    assert black["status"] == "not_computable"
    assert black["reason"] == "no M2 figure for this group in 2021"


def test_explicit_baseline_and_a_baseline_not_held(three_years):
    table = trends.change_over_time(three_years, 2022)
    assert set(table.loc[table["compared_with"] == "baseline", "year"]) == {2023}
    assert set(table.loc[table["compared_with"] == "baseline", "year_then"]) == {2022}
    with pytest.raises(ValueError, match="baseline year 2019 is not among the years held"):
        trends.change_over_time(three_years, 2019)


def test_no_nan_in_trends(three_years):
    table = trends.change_over_time(three_years, None)
    for value in table.to_numpy().ravel():
        assert not (isinstance(value, float) and not math.isfinite(value))


def disciplinary(year: int, minority: tuple[int, int], white: tuple[int, int]):
    return make_return({"disciplinary": [
        {"ethnicity": "Pakistani", "entered": minority[0], "headcount": minority[1]},
        {"ethnicity": "White British", "entered": white[0], "headcount": white[1]},
    ]}, year=year)


def test_m3_pooled_over_the_latest_two_years():
    returns = [disciplinary(2023, (4, 300), (7, 1000)), disciplinary(2021, (50, 50), (1, 99)),
               disciplinary(2022, (5, 425), (10, 1505))]
    table = trends.pooled_disciplinary(returns, make_params())
    record = one(table, group="minority")
    # 2022 + 2023: (5+4) of (425+300) = 9 of 725; (10+7) of (1505+1000) = 17 of 2505 -> 1.83
    assert (record["events_group"], record["n_group"]) == (9, 725)
    assert (record["events_reference"], record["n_reference"]) == (17, 2505)
    assert round(record["rl"], 2) == 1.83
    assert record["year"] == 2023 and record["metric"] == "M3"
    assert set(table["metric"]) == {"M3"}


def test_m3_pooled_needs_two_years():
    table = trends.pooled_disciplinary([disciplinary(2023, (4, 300), (7, 1000))], make_params())
    record = one(table)
    assert record["status"] == "not_computable"
    assert record["reason"] == "pooling needs two years of returns; only 2023 is held"
    assert record["rl"] is None and record["n_group"] is None


def test_m3_pooled_rejects_mixed_authorities():
    other = make_return({"disciplinary": []}, authority="elsewhere", year=2023)
    with pytest.raises(ValueError, match="one authority"):
        trends.pooled_disciplinary([disciplinary(2022, (1, 2), (1, 2)), other], make_params())


def test_a_year_with_a_zero_count_has_no_rl_to_compare():
    params = make_params()
    years = {2021: recruitment(2021, (0, 50), (50, 200)), 2022: recruitment(2022, (5, 50),
                                                                            (50, 200))}
    table = trends.change_over_time({y: metrics.compute_all(r, params) for y, r in years.items()})
    row = one(table, metric="M2", group="minority", compared_with="previous")
    assert row["status"] == "not_computable" and row["change"] is None
    assert row["reason"] == (
        "2021: no minority ethnic applicants were appointed from shortlisting, so no relative "
        "likelihood or four-fifths reading is given: a ratio resting on a count of zero has no "
        "interval")
    assert row["value_then"] is None and row["value_now"] == pytest.approx(0.4)


def test_m9_changes_both_its_share_and_its_relative_likelihood():
    """M9's RL is senior managers over staff (the M1 workforce), compared like a ratio.

    2021: senior 6 of 300 minority staff, 30 of 700 white: RL 0.466667, var of log RL =
    1/6 - 1/300 + 1/30 - 1/700 = 0.195238. 2022: 15 of 300 and 30 of 700: RL 1.166667, var =
    1/15 - 1/300 + 1/30 - 1/700 = 0.095238. Change = 2.5; SE = sqrt(0.290476) = 0.538958;
    CI = 2.5 x exp(-+1.959964 x 0.538958) = 0.86932 to 7.18956; z = ln 2.5 / 0.538958 = 1.70011,
    p = 0.08911: not significant, so "no significant change"."""
    def senior(year: int, minority: int) -> object:
        return make_return({
            "senior_management": [{"ethnicity": "Indian", "headcount": minority},
                                  {"ethnicity": "White British", "headcount": 30}],
            "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 300},
                          {"ethnicity": "White British", "pay_band": "A", "headcount": 700}],
        }, year=year)
    params = make_params()
    results = {y: metrics.compute_all(senior(y, m), params) for y, m in ((2021, 6), (2022, 15))}
    table = trends.change_over_time(results, None)
    rows = table[(table["metric"] == "M9") & (table["group"] == "minority")
                 & (table["compared_with"] == "baseline")]
    assert sorted(rows["measure"]) == ["rl", "share_pp"]
    row = one(rows, measure="rl")
    assert (row["value_then"], row["value_now"]) == pytest.approx((0.466667, 1.166667), rel=1e-5)
    assert row["change"] == pytest.approx(2.5)
    assert (row["change_ci_low"], row["change_ci_high"]) == pytest.approx((0.86932, 7.18956),
                                                                          rel=1e-4)
    assert row["p_value"] == pytest.approx(0.08911, rel=1e-3)
    assert trends.direction_of_change(row, "low") == trends.NO_CHANGE
    share = one(rows, measure="share_pp")  # senior share 6/36 -> 15/45: +16.67 points
    assert share["change"] == pytest.approx(100 * (15 / 45 - 6 / 36))
