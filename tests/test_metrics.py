"""metrics.py: every metric's records against figures worked out by hand in the test."""

from __future__ import annotations

import json
import math

import pytest
from builders import make_params, make_return, one
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as hs

from wres_tools import metrics
from wres_tools import statistics as st
from wres_tools.contract import RESULT_COLUMNS

Z = 1.959963984540054

RECRUITMENT = [  # the published worked example: 10 minority (2 appointed), 389 white (117)
    {"ethnicity": "Indian", "shortlisted": 6, "appointed": 1},
    {"ethnicity": "African", "shortlisted": 4, "appointed": 1},
    {"ethnicity": "White British", "shortlisted": 389, "appointed": 117},
    {"ethnicity": "Not stated", "shortlisted": 4, "appointed": 0},
]


def full_return(**kwargs):
    """A return holding every table, split by service, for shape tests."""
    wf, disc, cpd, ftp, rec, survey, leavers, senior = [], [], [], [], [], [], [], []
    people = {"Indian": 12, "Caribbean": 9, "White and Asian": 5, "Arab": 3, "White British": 80,
              "Irish": 6, "Not stated": 7}
    for service, scale in (("adults", 2), ("children", 1)):
        for label, count in people.items():
            low, high = count * scale, max(1, count * scale // 3)
            wf.append({"service": service, "ethnicity": label, "pay_band": "less than £30,000",
                       "headcount": low})
            wf.append({"service": service, "ethnicity": label, "pay_band": "£70,000 and over",
                       "headcount": high})
            total = low + high
            disc.append({"service": service, "ethnicity": label, "entered": total // 20})
            cpd.append({"service": service, "ethnicity": label, "accessed": total // 2})
            ftp.append({"service": service, "ethnicity": label, "registered": total // 3,
                        "entered": total // 40})
            rec.append({"service": service, "ethnicity": label, "shortlisted": total,
                        "appointed": total // 4})
            for question, share in (("public", 4), ("colleagues", 6), ("managers", 9)):
                survey.append({"service": service, "ethnicity": label, "question": question,
                               "respondents": total // 2, "yes": total // 2 // share})
            leavers.append({"service": service, "ethnicity": label, "left": total // 8})
            senior.append({"service": service, "ethnicity": label, "headcount": high // 2})
    tables = {"workforce": wf, "recruitment": rec, "disciplinary": disc,
              "fitness_to_practise": ftp, "cpd": cpd, "survey": survey, "leavers": leavers,
              "senior_management": senior}
    return make_return(tables, population={"White": 0.7, "Asian or Asian British": 0.3}, **kwargs)


# --------------------------------------------------------------------------- shape


def test_compute_all_has_exactly_the_result_columns_and_report_order():
    results = metrics.compute_all(full_return(), make_params())
    assert tuple(results.columns) == RESULT_COLUMNS
    assert list(dict.fromkeys(results["metric"])) == list(metrics.METRICS)
    # every figure computed but the RLs over a zero count (here none of a small group had the
    # event), which keep their rates and Fisher's p
    computed = results["status"] == "ok"
    zero = results[~computed]
    assert set(zero["status"]) == {"not_computable"} and (zero["events_group"] == 0).all()
    assert zero["rl"].isna().all() and zero["p_value"].notna().all()
    assert computed.sum() > 100
    assert set(results["disclosure"]) == {"internal"}
    assert not results["suppressed"].any()
    assert set(results["reference"]) == {"white"}


def test_records_are_json_clean_no_nan_or_inf():
    results = metrics.compute_all(full_return(), make_params())
    records = results.to_dict(orient="records")
    json.dumps(records, allow_nan=False)  # raises on NaN or inf, and on numpy scalars
    for record in records:
        for value in record.values():
            assert value is None or value == () or isinstance(value, (str, bool, int, float))
            assert not (isinstance(value, float) and not math.isfinite(value))


def test_ratio_metric_records_only_where_groups_have_people():
    ret = make_return({"recruitment": RECRUITMENT})
    results = metrics.compute_metric(ret, make_params(), "M2")
    # Indian -> asian, African -> black; no mixed or other applicants: no record for them
    assert list(results["group"]) == ["minority", "asian", "black"]
    assert list(results["service"]) == ["all"] * 3


# --------------------------------------------------------------------------- published examples


def test_published_recruitment_example():
    ret = make_return({"recruitment": RECRUITMENT})
    record = one(metrics.compute_metric(ret, make_params(), "M2"), group="minority")
    assert (record["n_group"], record["events_group"]) == (10, 2)
    assert (record["n_reference"], record["events_reference"]) == (389, 117)
    # minority ÷ white = (2/10) / (117/389) = 0.2 / 0.300771 = 0.664957
    assert round(record["rl"], 3) == 0.665
    # the NHS direction, white ÷ minority = 1.503856
    assert round(record["rl_nhs_direction"], 2) == 1.50
    assert record["four_fifths"] == "adverse"  # below 0.80, and low is adverse for appointment
    assert record["significant"] is False  # Fisher p = 0.7298
    assert record["p_value"] == pytest.approx(0.7298, rel=1e-3)
    assert record["small_numbers"] is True  # 2 appointed, 10 shortlisted < 10
    # 4 of unknown ethnicity shortlisted are left out: 4 / (4 + 10 + 389) = 0.9926%
    assert record["unknown_count"] == 4
    assert record["unknown_pct"] == pytest.approx(100 * 4 / 403, rel=1e-9)
    assert record["rate_group"] == 0.2
    assert record["rate_reference"] == pytest.approx(117 / 389)


def test_published_disciplinary_example_own_headcount():
    ret = make_return({"disciplinary": [
        {"ethnicity": "Pakistani", "entered": 9, "headcount": 725},
        {"ethnicity": "White British", "entered": 17, "headcount": 2505},
    ]})
    record = one(metrics.compute_metric(ret, make_params(), "M3"), group="minority")
    # (9/725) / (17/2505) = 1.8292 -> 1.83
    assert round(record["rl"], 2) == 1.83
    # Katz: exp(ln 1.82921 ± 1.959964 · 0.410068) = 0.8189 to 4.086
    assert record["rl_ci_low"] == pytest.approx(0.8189, rel=1e-4)
    assert record["rl_ci_high"] == pytest.approx(4.086, rel=1e-4)
    assert record["four_fifths"] == "adverse"
    assert record["significant"] is False  # p = 0.155: never "significant" at p >= 0.05
    assert record["rl_nhs_direction"] == pytest.approx(1 / 1.8292089, rel=1e-6)


def test_disciplinary_headcount_taken_from_workforce_summed_over_bands():
    # 725 minority = 400 + 325 across two bands (two labels); 2505 white = 2000 + 505
    ret = make_return({
        "disciplinary": [
            {"ethnicity": "Pakistani", "entered": 5},
            {"ethnicity": "H", "entered": 4},  # NHS code for Indian: still asian
            {"ethnicity": "White British", "entered": 17},
        ],
        "workforce": [
            {"ethnicity": "Pakistani", "pay_band": "A", "headcount": 400},
            {"ethnicity": "Indian", "pay_band": "B", "headcount": 325},
            {"ethnicity": "White British", "pay_band": "A", "headcount": 2000},
            {"ethnicity": "White British", "pay_band": "B", "headcount": 505},
            {"ethnicity": "Unknown", "pay_band": "B", "headcount": 30},
        ],
    })
    record = one(metrics.compute_metric(ret, make_params(), "M3"), group="minority")
    assert (record["events_group"], record["n_group"]) == (9, 725)
    assert (record["events_reference"], record["n_reference"]) == (17, 2505)
    assert record["rl"] == pytest.approx(1.8292089, rel=1e-7)
    assert record["unknown_count"] == 30


# --------------------------------------------------------------------------- missing data


def test_missing_table_is_not_collected_not_an_error():
    ret = make_return({"recruitment": RECRUITMENT})
    results = metrics.compute_all(ret, make_params())
    m4 = one(results, metric="M4")
    assert m4["status"] == "not_collected"
    assert m4["reason"] == "the return has no fitness_to_practise table: M4 was not collected"
    assert m4["rl"] is None and m4["n_group"] is None
    assert one(results, metric="M9")["status"] == "not_collected"


def test_not_collected_records_per_service_of_a_split_return():
    ret = make_return({"recruitment": [dict(r, service="adults") for r in RECRUITMENT]
                       + [dict(r, service="children") for r in RECRUITMENT]})
    m5 = metrics.compute_metric(ret, make_params(), "M5")
    assert list(m5["service"]) == ["adults", "children", "all"]
    assert set(m5["status"]) == {"not_collected"}


def test_survey_question_missing_is_not_collected():
    ret = make_return({"survey": [
        {"ethnicity": "Indian", "question": "public", "respondents": 40, "yes": 12},
        {"ethnicity": "Irish", "question": "public", "respondents": 100, "yes": 20},
    ]})
    results = metrics.compute_all(ret, make_params())
    assert one(results, metric="M6", group="minority")["status"] == "ok"
    m7b = one(results, metric="M7b")
    assert m7b["status"] == "not_collected"
    assert "question on managers" in m7b["reason"]


def test_no_headcount_and_no_workforce_is_not_computable():
    ret = make_return({"cpd": [{"ethnicity": "Indian", "accessed": 3},
                               {"ethnicity": "Irish", "accessed": 5}]})
    record = one(metrics.compute_metric(ret, make_params(), "M5"))
    assert record["status"] == "not_computable"
    assert "no workforce table" in record["reason"]


def test_white_rate_zero_gives_null_rl_with_reason_and_keeps_the_test():
    ret = make_return({"leavers": [
        {"ethnicity": "Caribbean", "left": 3, "headcount": 30},
        {"ethnicity": "White British", "left": 0, "headcount": 50},
    ]})
    record = one(metrics.compute_metric(ret, make_params(), "M8"), group="minority")
    assert record["status"] == "not_computable"
    assert record["reason"] == "white rate is zero: the relative likelihood cannot be computed"
    assert record["rl"] is None and record["rl_nhs_direction"] is None
    assert record["four_fifths"] is None
    # Fisher still tells whether 3/30 vs 0/50 differ. With 3 leavers in all, P(k minority) =
    # C(30,k) C(50,3-k) / C(80,3): k=0 0.2386, k=1 0.4473, k=2 0.2647, k=3 4060/82160 = 0.04942;
    # only k=3 is as unlikely as the observed table, so p = 0.04942
    assert record["p_value"] == pytest.approx(4060 / 82160, rel=1e-6)
    assert record["rate_reference"] == 0.0


def test_zero_minority_events_give_no_rl_but_keep_rates_and_fisher():
    ret = make_return({"fitness_to_practise": [
        {"ethnicity": "Indian", "registered": 10, "entered": 0},
        {"ethnicity": "Irish", "registered": 25, "entered": 5},
    ]})
    record = one(metrics.compute_metric(ret, make_params(), "M4"), group="minority")
    assert record["status"] == "not_computable"
    assert [record[c] for c in ("rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction",
                                "four_fifths")] == [None] * 5
    assert record["reason"] == (
        "no minority ethnic registered professionals were referred into fitness to practise, so "
        "no relative likelihood or four-fifths reading is given: a ratio resting on a count of "
        "zero has no interval")
    # 0 of 10 against 5 of 25: rates 0% and 20%. Fisher's p: with 5 events among 35, P(k of them
    # in the group of 10) = C(10,k) C(25,5-k) / C(35,5) = 0.16366, 0.38967, 0.31882, 0.11090,
    # 0.01617, 0.00078 for k = 0..5; the tables no likelier than k = 0 sum to 0.29151
    assert (record["rate_group"], record["rate_reference"]) == (0.0, 0.2)
    assert record["p_value"] == pytest.approx(0.29151, rel=1e-4)


def test_all_white_staff_with_the_event_give_no_rl():
    ret = make_return({"recruitment": [
        {"ethnicity": "Indian", "shortlisted": 10, "appointed": 4},
        {"ethnicity": "Irish", "shortlisted": 6, "appointed": 6},
    ]})
    record = one(metrics.compute_metric(ret, make_params(), "M2"), group="minority")
    assert record["rl"] is None and record["four_fifths"] is None
    assert record["reason"].startswith("all white applicants were appointed from shortlisting, so")


def test_no_minority_group_record_says_so():
    ret = make_return({"recruitment": [{"ethnicity": "Irish", "shortlisted": 9, "appointed": 2}]})
    record = one(metrics.compute_metric(ret, make_params(), "M2"))
    assert record["status"] == "not_computable"
    assert record["reason"] == "there were no minority ethnic applicants: nothing to compare"


# --------------------------------------------------------------------------- services and groups


def test_no_split_gives_only_all():
    results = metrics.compute_all(make_return({"recruitment": RECRUITMENT}), make_params())
    assert set(results["service"]) == {"all"}


def test_split_gives_adults_children_and_all_as_their_sum():
    ret = full_return()
    results = metrics.compute_metric(ret, make_params(), "M2")
    for group in ("minority", "asian", "black"):
        adults = one(results, service="adults", group=group)
        children = one(results, service="children", group=group)
        both = one(results, service="all", group=group)
        for column in ("n_group", "events_group", "n_reference", "events_reference",
                       "unknown_count"):
            assert both[column] == adults[column] + children[column]
    # minority adults: Indian 24+8, Caribbean 18+6, White and Asian 10+3, Arab 6+2 = 77 people
    assert one(results, service="adults", group="minority")["n_group"] == 77
    # the "all" RL is recomputed from the summed counts, not averaged
    both = one(results, service="all", group="minority")
    assert both["rl"] == pytest.approx(
        (both["events_group"] / both["n_group"]) / (both["events_reference"] / both["n_reference"]))


def test_high_level_groups_each_against_white_and_label_only_minority():
    ret = make_return({"cpd": [
        {"ethnicity": "Indian", "accessed": 10, "headcount": 40},
        {"ethnicity": "Bangladeshi", "accessed": 5, "headcount": 10},
        {"ethnicity": "Black, Black British, Caribbean or African", "accessed": 6,
         "headcount": 30},
        {"ethnicity": "BME", "accessed": 4, "headcount": 20},  # minority, no group
        {"ethnicity": "White British", "accessed": 30, "headcount": 60},
        {"ethnicity": "Gypsy or Irish Traveller", "accessed": 0, "headcount": 40},
        {"ethnicity": "Prefer not to say", "accessed": 7, "headcount": 11},
    ]})
    results = metrics.compute_metric(ret, make_params(), "M5")
    assert list(results["group"]) == ["minority", "asian", "black"]
    minority = one(results, group="minority")
    # minority: 10+5+6+4 = 25 of 40+10+30+20 = 100; white: 30 of 100 -> RL 0.25/0.30 = 0.8333
    assert (minority["events_group"], minority["n_group"]) == (25, 100)
    assert (minority["events_reference"], minority["n_reference"]) == (30, 100)
    assert minority["rl"] == pytest.approx(0.833333, rel=1e-6)
    assert minority["four_fifths"] == "within"
    asian = one(results, group="asian")
    # asian: 15 of 50 = 0.30 vs 0.30 -> RL 1
    assert asian["rl"] == pytest.approx(1.0)
    black = one(results, group="black")
    # black: 6 of 30 = 0.2 vs 0.3 -> RL 0.6667, adverse for CPD (low is adverse)
    assert black["rl"] == pytest.approx(2 / 3)
    assert black["four_fifths"] == "adverse"
    # unknown left out of every comparison, counted: 11 of 211 = 5.213%
    assert minority["unknown_count"] == 11
    assert minority["unknown_pct"] == pytest.approx(100 * 11 / 211)


def test_unknowns_do_not_change_any_figure():
    base = [{"ethnicity": "Indian", "left": 5, "headcount": 50},
            {"ethnicity": "Irish", "left": 10, "headcount": 200}]
    with_unknown = [*base, {"ethnicity": "", "left": 9, "headcount": 9},
                    {"ethnicity": "Z", "left": 1, "headcount": 30}]
    a = metrics.compute_metric(make_return({"leavers": base}), make_params(), "M8")
    b = metrics.compute_metric(make_return({"leavers": with_unknown}), make_params(), "M8")
    same = [c for c in RESULT_COLUMNS if c not in ("unknown_count", "unknown_pct")]
    assert a[same].equals(b[same])
    assert b.loc[0, "unknown_count"] == 39


def test_survey_gap_in_percentage_points_with_newcombe():
    ret = make_return({"survey": [
        {"ethnicity": "African", "question": "colleagues", "respondents": 100, "yes": 30},
        {"ethnicity": "White British", "question": "colleagues", "respondents": 100, "yes": 20},
        {"ethnicity": "African", "question": "public", "respondents": 100, "yes": 30},
        {"ethnicity": "White British", "question": "public", "respondents": 100, "yes": 30},
    ]})
    record = one(metrics.compute_metric(ret, make_params(), "M7a"), group="minority")
    # gap 30% - 20% = +10 pp; Newcombe interval -2.025 to 21.67 pp (see test_statistics)
    assert record["gap_pp"] == pytest.approx(10.0)
    assert record["gap_pp_ci_low"] == pytest.approx(-2.025, rel=1e-3)
    assert record["gap_pp_ci_high"] == pytest.approx(21.67, rel=1e-3)
    assert record["rl"] == pytest.approx(1.5)
    assert record["four_fifths"] == "adverse"
    m2 = metrics.compute_metric(make_return({"recruitment": RECRUITMENT}), make_params(), "M2")
    assert m2.loc[0, "gap_pp"] is None  # the gap is a survey figure only


def test_every_interval_is_95_percent():
    ret = make_return({"recruitment": RECRUITMENT})
    record = one(metrics.compute_metric(ret, make_params(), "M2"), group="minority")
    z95 = 1.959963984540054
    se = math.sqrt(1 / 2 - 1 / 10 + 1 / 117 - 1 / 389)
    assert record["rl_ci_low"] == pytest.approx(math.exp(math.log(record["rl"]) - z95 * se))
    assert record["rl_ci_high"] == pytest.approx(math.exp(math.log(record["rl"]) + z95 * se))


def test_more_events_than_people_is_a_clear_error():
    ret = make_return({
        "leavers": [{"service": "adults", "ethnicity": "Indian", "left": 12}],
        "workforce": [{"service": "adults", "ethnicity": "Indian", "pay_band": "A",
                       "headcount": 10}],
    })
    with pytest.raises(metrics.MetricInputError,
                       match=r"testshire/2024.xlsx, table leavers, service adults, asian staff: "
                             r"left is 12, more than the 10 staff in post"):
        metrics.compute_metric(ret, make_params(), "M8")


def test_unknown_metric_id():
    with pytest.raises(ValueError, match="unknown metric 'M10'"):
        metrics.compute_metric(make_return({}), make_params(), "M10")


# --------------------------------------------------------------------------- M1


def m1_return():
    return make_return({"workforce": [
        # bands given highest first on purpose: the order must come from the amounts
        {"ethnicity": "Indian", "pay_band": "£70,000 and over", "headcount": 2},
        {"ethnicity": "White British", "pay_band": "£70,000 and over", "headcount": 18},
        {"ethnicity": "Indian", "pay_band": "£30,000 to £69,000", "headcount": 20},
        {"ethnicity": "White British", "pay_band": "£30,000 to £69,000", "headcount": 80},
        {"ethnicity": "Caribbean", "pay_band": "less than £30,000", "headcount": 30},
        {"ethnicity": "Irish", "pay_band": "less than £30,000", "headcount": 50},
        {"ethnicity": "Not stated", "pay_band": "less than £30,000", "headcount": 20},
    ]})


def test_m1_bands_lowest_first_share_and_representation_index():
    results = metrics.compute_metric(m1_return(), make_params(), "M1")
    minority = results[results["group"] == "minority"]
    assert list(minority["pay_band"]) == ["less than £30,000", "£30,000 to £69,000",
                                          "£70,000 and over", None]
    # whole workforce: minority 2+20+30 = 52 of known 52+18+80+50 = 200 -> share 0.26
    whole = one(results, group="minority", pay_band=None)
    assert whole["share_workforce"] == pytest.approx(0.26)
    assert whole["share"] == pytest.approx(0.26)
    assert whole["representation_index"] == pytest.approx(1.0)
    # top band: 2 of 20 = 0.10; index 0.10 / 0.26 = 0.3846
    top = one(results, group="minority", pay_band="£70,000 and over")
    assert (top["n_group"], top["n_reference"]) == (2, 18)
    assert top["share"] == pytest.approx(0.1)
    assert top["representation_index"] == pytest.approx(0.3846154, rel=1e-6)
    assert (top["share_ci_low"], top["share_ci_high"]) == pytest.approx(
        st.wilson(2, 20)[1:], rel=1e-12)
    assert top["small_numbers"] is True
    assert top["events_group"] is None and top["rl"] is None
    # bottom band: 30 of 80 = 0.375 -> index 1.4423; 20 unknown of 100 in the band
    bottom = one(results, group="minority", pay_band="less than £30,000")
    assert bottom["representation_index"] == pytest.approx(0.375 / 0.26)
    assert (bottom["unknown_count"], bottom["unknown_pct"]) == (20, 20.0)
    # asian: 22 of 200 = 0.11 of the workforce; top band 2 of 20 = 0.10 -> index 0.9091
    asian_top = one(results, group="asian", pay_band="£70,000 and over")
    assert asian_top["share_workforce"] == pytest.approx(0.11)
    assert asian_top["representation_index"] == pytest.approx(0.1 / 0.11)
    # black: none in the top band, a record all the same (share 0 is a finding)
    black_top = one(results, group="black", pay_band="£70,000 and over")
    assert black_top["share"] == 0.0 and black_top["representation_index"] == 0.0


def test_m1_bands_follow_declared_order():
    params = make_params(pay_bands=["£70,000 and over", "£30,000 to £69,000",
                                    "less than £30,000"])
    results = metrics.compute_metric(m1_return(), params, "M1")
    minority = results[results["group"] == "minority"]
    assert list(minority["pay_band"])[:3] == params.pay_bands


def test_m1_band_counts_add_up_to_the_whole_workforce_record():
    results = metrics.compute_metric(full_return(), make_params(), "M1")
    for (service, group), rows in results.groupby(["service", "group"]):
        bands = rows[rows["pay_band"].notna()]
        whole = rows[rows["pay_band"].isna()].iloc[0]
        assert bands["n_group"].sum() == whole["n_group"], (service, group)
        assert bands["n_reference"].sum() == whole["n_reference"]
        assert bands["unknown_count"].sum() == whole["unknown_count"]


# --------------------------------------------------------------------------- M9


def test_m9_senior_share_exact_interval_and_gaps():
    ret = make_return(
        {
            "senior_management": [{"ethnicity": "Indian", "headcount": 3},
                                  {"ethnicity": "White British", "headcount": 17},
                                  {"ethnicity": "Not stated", "headcount": 2}],
            "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 60},
                          {"ethnicity": "White British", "pay_band": "A", "headcount": 140}],
        },
        population={"White": 0.7, "Asian or Asian British": 0.25, "Not stated": 0.05},
    )
    record = one(metrics.compute_metric(ret, make_params(), "M9"), group="minority")
    # senior: 3 of 20 = 0.15, exact interval B(0.025; 3, 18) to B(0.975; 4, 17) = 0.03207-0.3789
    assert record["share"] == pytest.approx(0.15)
    assert (record["share_ci_low"], record["share_ci_high"]) == pytest.approx(
        (0.03207, 0.3789), rel=1e-3)
    # workforce 60 of 200 = 0.30: gap -15 pp, index 0.5
    assert record["share_workforce"] == pytest.approx(0.3)
    assert record["gap_workforce_pp"] == pytest.approx(-15.0)
    assert record["representation_index"] == pytest.approx(0.5)
    # population: 0.25 of the known 0.95 = 0.263158: gap 15 - 26.3158 = -11.32 pp
    assert record["share_population"] == pytest.approx(0.25 / 0.95)
    assert record["gap_population_pp"] == pytest.approx(15 - 2500 / 95)
    assert (record["n_group"], record["n_reference"], record["unknown_count"]) == (3, 17, 2)
    assert record["reason"] is None and record["status"] == "ok"


def test_m9_relative_likelihood_worked_by_hand():
    """Skills for Care's M9: the share of minority ethnic staff who are senior managers over the
    share of white staff who are. Senior 6 of 300 minority staff (2%) and 30 of 700 white staff
    (4.2857%): RL = 0.02 / 0.042857 = 0.46667; Katz se of log RL = sqrt(1/6 - 1/300 + 1/30 -
    1/700) = 0.44186, so 0.46667 x exp(-+1.96 x 0.44186) = 0.19629 to 1.10947; Fisher's two-sided
    p for [[6, 294], [30, 670]] = 0.09449 (R's fisher.test); 0.467 < 0.80 reads as adverse."""
    ret = make_return({
        "senior_management": [{"ethnicity": "Indian", "headcount": 6},
                              {"ethnicity": "White British", "headcount": 30}],
        "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 300},
                      {"ethnicity": "White British", "pay_band": "A", "headcount": 700}],
    })
    results = metrics.compute_metric(ret, make_params(), "M9")
    record = one(results, group="minority")
    assert record["rate_group"] == pytest.approx(0.02)
    assert record["rate_reference"] == pytest.approx(30 / 700)
    assert record["rl"] == pytest.approx(0.466667, rel=1e-5)
    assert (record["rl_ci_low"], record["rl_ci_high"]) == pytest.approx((0.19629, 1.10947),
                                                                        rel=1e-4)
    assert record["p_value"] == pytest.approx(0.09449, rel=1e-3)
    assert record["significant"] is False
    assert record["four_fifths"] == "adverse"
    assert record["rl_nhs_direction"] == pytest.approx(2.142857, rel=1e-6)
    # the shares and gaps are still there, and the record's counts are still senior managers
    assert record["share"] == pytest.approx(6 / 36)
    assert record["share_workforce"] == pytest.approx(0.3)
    assert (record["n_group"], record["n_reference"]) == (6, 30)
    assert record["events_group"] is None and record["events_reference"] is None
    # the counts behind the RL: senior managers, then staff from the M1 whole-workforce record
    both = metrics.compute_all(ret, make_params())
    m9 = one(both, metric="M9", group="minority")
    assert metrics.likelihood_counts(m9, both) == (6, 300, 30, 700)


def test_m9_no_relative_likelihood_when_a_group_has_no_senior_managers():
    ret = make_return({
        "senior_management": [{"ethnicity": "Indian", "headcount": 6},
                              {"ethnicity": "White British", "headcount": 30}],
        "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 300},
                      {"ethnicity": "African", "pay_band": "A", "headcount": 40},
                      {"ethnicity": "White British", "pay_band": "A", "headcount": 700}],
    })
    black = one(metrics.compute_metric(ret, make_params(), "M9"), group="black")
    assert black["rl"] is None and black["four_fifths"] is None
    assert black["share"] == 0.0 and black["status"] == "ok"
    assert "no Black staff held senior management posts, so no relative likelihood or " \
        "four-fifths reading is given" in black["reason"]
    # the rates and Fisher's test still stand: 0 of 40 against 30 of 700
    assert (black["rate_group"], black["rate_reference"]) == pytest.approx((0.0, 30 / 700))
    # Fisher's two-sided p for [[0, 40], [30, 670]]: 0.39935 (R's fisher.test)
    assert black["p_value"] == pytest.approx(0.39935, rel=1e-4)


def test_m9_more_senior_managers_than_staff_gives_no_relative_likelihood():
    ret = make_return({
        "senior_management": [{"ethnicity": "Indian", "headcount": 8},
                              {"ethnicity": "White British", "headcount": 30}],
        "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 5},
                      {"ethnicity": "White British", "pay_band": "A", "headcount": 700}],
    })
    record = one(metrics.compute_metric(ret, make_params(), "M9"), group="minority")
    assert record["rl"] is None and record["rate_group"] is None
    assert ("more minority ethnic senior managers (8) than minority ethnic staff in the "
            "workforce table (5): no relative likelihood") in record["reason"]
    assert record["share"] == pytest.approx(8 / 38)


def test_m9_without_population_is_null_with_reason():
    ret = make_return({"senior_management": [{"ethnicity": "Indian", "headcount": 3},
                                             {"ethnicity": "Irish", "headcount": 17}]})
    record = one(metrics.compute_metric(ret, make_params(), "M9"), group="minority")
    assert record["share"] == pytest.approx(0.15)
    assert record["share_population"] is None and record["gap_population_pp"] is None
    assert record["share_workforce"] is None
    assert "no population figures" in record["reason"]
    assert "workforce share is not available" in record["reason"]


def test_m9_population_from_parameters_when_the_return_has_none():
    ret = make_return({"senior_management": [{"ethnicity": "Indian", "headcount": 3},
                                             {"ethnicity": "Irish", "headcount": 17}]})
    params = make_params(population={"White": 0.6, "Indian": 0.3, "African": 0.1})
    record = one(metrics.compute_metric(ret, params, "M9"), group="minority")
    assert record["share_population"] == pytest.approx(0.4)
    assert record["gap_population_pp"] == pytest.approx(15 - 40)


def test_m9_senior_bands_fallback_and_not_collected():
    ret = m1_return()
    params = make_params(pay_bands=["less than £30,000", "£30,000 to £69,000",
                                    "£70,000 and over"], senior_bands=["£70,000 and over"])
    record = one(metrics.compute_metric(ret, params, "M9"), group="minority")
    # senior = top band: 2 of 20 = 0.10 against the workforce's 0.26: gap -16 pp
    assert record["share"] == pytest.approx(0.1)
    assert record["gap_workforce_pp"] == pytest.approx(-16.0)
    # a group absent from senior management but in the workforce still gets its record
    black = one(metrics.compute_metric(ret, params, "M9"), group="black")
    assert black["share"] == 0.0 and black["share_workforce"] == pytest.approx(0.15)
    missing = metrics.compute_metric(ret, make_params(), "M9")
    assert list(missing["status"]) == ["not_collected"]
    assert "no senior pay bands" in missing.loc[0, "reason"]


# --------------------------------------------------------------------------- words


def test_metric_words_make_sentences():
    for mdef in metrics.METRICS.values():
        sentence = (f"Minority ethnic {mdef.population} were 0.52 times as likely as white "
                    f"{mdef.population} to {mdef.event}.")
        assert "  " not in sentence and mdef.event == mdef.event.strip()
        assert mdef.adverse_when in ("low", "high")
        assert mdef.title and mdef.short_title and mdef.numerator and mdef.denominator
    assert metrics.METRICS["M2"].event == "be appointed from shortlisting"
    assert metrics.METRICS["M2"].population == "applicants"


# --------------------------------------------------------------------------- data quality


# --------------------------------------------------------------------------- pooling


def test_pooled_equals_one_return_with_summed_counts():
    a = make_return({"disciplinary": [{"ethnicity": "Indian", "entered": 4, "headcount": 300},
                                      {"ethnicity": "Irish", "entered": 7, "headcount": 1000}]},
                    year=2022)
    b = make_return({"disciplinary": [{"ethnicity": "H", "entered": 5, "headcount": 425},
                                      {"ethnicity": "Irish", "entered": 10, "headcount": 1505}]},
                    year=2023)
    summed = make_return({"disciplinary": [{"ethnicity": "Indian", "entered": 9,
                                            "headcount": 725},
                                           {"ethnicity": "Irish", "entered": 17,
                                            "headcount": 2505}]}, year=2023)
    params = make_params()
    pooled = metrics.pooled([a, b], [params, params])
    direct = metrics.compute_all(summed, params)
    assert pooled.equals(direct)
    assert round(one(pooled, metric="M3", group="minority")["rl"], 2) == 1.83


def test_events_for_a_group_missing_from_the_denominator_is_an_error():
    ret = make_return({
        "disciplinary": [{"ethnicity": "Arab", "entered": 1},
                         {"ethnicity": "Irish", "entered": 1}],
        "workforce": [{"ethnicity": "Indian", "pay_band": "A", "headcount": 10},
                      {"ethnicity": "Irish", "pay_band": "A", "headcount": 10}],
    })
    with pytest.raises(metrics.MetricInputError,
                       match="other staff: entered is 1, more than the 0"):
        metrics.compute_metric(ret, make_params(), "M3")


def test_service_missing_from_the_workforce_is_not_computable_for_that_service():
    ret = make_return({
        "cpd": [{"service": s, "ethnicity": e, "accessed": 2}
                for s in ("adults", "children") for e in ("Indian", "Irish")],
        "workforce": [{"service": "adults", "ethnicity": e, "pay_band": "A", "headcount": 10}
                      for e in ("Indian", "Irish")],
    })
    results = metrics.compute_metric(ret, make_params(), "M5")
    children = one(results, service="children")
    assert children["status"] == "not_computable"
    assert children["reason"] == ("the workforce table has no rows for children: there is no "
                                  "headcount to take the denominator from")
    # "all" would set children's events against adults' staff: not computable either
    assert one(results, service="all")["reason"] == children["reason"]
    # adults: 2 of 10 vs 2 of 10 -> RL 1
    assert one(results, service="adults", group="minority")["rl"] == pytest.approx(1.0)


def test_pooled_population_kept_for_one_area_and_withheld_across_areas():
    def senior(authority, year):
        return make_return({"senior_management": [{"ethnicity": "Indian", "headcount": 2},
                                                  {"ethnicity": "Irish", "headcount": 8}]},
                           authority=authority, year=year,
                           population={"White": 0.8, "Indian": 0.2})
    params = make_params()
    same = metrics.pooled([senior("a", 2022), senior("a", 2023)], [params, params], ["M9"])
    record = one(same, group="minority")
    # 4 of 20 senior = 20%, population 20%: gap 0 pp
    assert record["share"] == pytest.approx(0.2) and record["gap_population_pp"] == 0.0
    other = make_return({"senior_management": [{"ethnicity": "Indian", "headcount": 2}]},
                        authority="b", year=2023, population={"White": 0.5, "Indian": 0.5})
    mixed = metrics.pooled([senior("a", 2023), other], [params, params], ["M9"])
    record = one(mixed, group="minority")
    assert record["authority"] == "pooled"
    assert record["share_population"] is None
    assert "population shares cannot be pooled" in record["reason"]


def test_p_of_005_is_never_significant():
    # alpha is the constant 0.05, not 1 - 0.95 (0.050000000000000044, which p = 0.05 would pass)
    assert st.ALPHA == 0.05
    assert st.significant(0.05) is False
    assert st.significant(0.0499999) is True


def test_band_not_in_declared_order_is_a_clear_error():
    params = make_params(pay_bands=["less than £30,000", "£30,000 to £69,000"])
    with pytest.raises(metrics.MetricInputError,
                       match=r"testshire/2024.xlsx, table workforce, column pay_band: pay bands "
                             r"\['£70,000 and over'\] are not in"):
        metrics.compute_metric(m1_return(), params, "M1")


# --------------------------------------------------------------------------- the demo, pooled


@pytest.fixture(scope="module")
def demo_returns(tmp_path_factory):
    """All 54 synthetic demo returns, written by synth and read back by io (after the merge)."""
    synth = pytest.importorskip("wres_tools.demo.synth")
    find = pytest.importorskip("wres_tools.returns.find")
    load = pytest.importorskip("wres_tools.returns.load")
    from wres_tools.parameters import load_parameters, resolve_parameters_dir

    data = tmp_path_factory.mktemp("demo")
    synth.generate(data)
    out = []
    for ref in find.find_returns(data):
        params = load_parameters(ref.authority, resolve_parameters_dir(data))
        out.append((load.load_return(ref, params), params))
    return synth, out


@pytest.mark.heavy
def test_demo_pooled_national_picture_lands_on_the_targets(demo_returns):
    synth, returns = demo_returns
    assert len(returns) == 54
    targets = synth.NATIONAL_TARGETS
    national = metrics.pooled([r for r, _ in returns], [p for _, p in returns], list(targets),
                              authority="all")
    for metric, target in targets.items():
        record = one(national, metric=metric, service="all", group="minority")
        if metric == "M9":  # senior share well below the workforce share
            assert record["representation_index"] < 0.8
        else:  # synth's own tolerance: between-authority spread and sampling (wider for FtP)
            tolerance = 0.30 if metric == "M4" else 0.15
            assert record["rl"] == pytest.approx(target, rel=tolerance), metric
    # pooling is summing: the national counts are the sums of every return's counts
    # (M3: workforce denominators; M4: some returns without the table; M9: senior shares)
    for metric in ("M3", "M4", "M9"):
        record = one(national, metric=metric, service="all", group="minority")
        each = [metrics.compute_metric(r, p, metric) for r, p in returns]
        for column in ("n_group", "n_reference", "events_group", "events_reference"):
            values = [one(f, service="all", group="minority")[column] for f in each]
            expected = None if all(v is None for v in values) else sum(v or 0 for v in values)
            assert record[column] == expected, (metric, column)


# --------------------------------------------------------------------------- properties

LABELS = ["Indian", "African", "White and Asian", "Arab", "BME", "White British", "Roma", ""]


@hs.composite
def leavers_tables(draw):
    rows = []
    for service in draw(hs.sampled_from([["adults", "children"], ["all"]])):
        for label in draw(hs.lists(hs.sampled_from(LABELS), min_size=1, max_size=6, unique=True)):
            headcount = draw(hs.integers(0, 400))
            rows.append({"ethnicity": label, "headcount": headcount,
                         "left": draw(hs.integers(0, headcount)),
                         **({} if service == "all" else {"service": service})})
    return rows


@settings(max_examples=examples(60), deadline=None)
@given(leavers_tables())
def test_ratio_records_hold_their_invariants(rows):
    results = metrics.compute_metric(make_return({"leavers": rows}), make_params(), "M8")
    json.dumps(results.to_dict(orient="records"), allow_nan=False)
    for record in results.to_dict(orient="records"):
        rl, p = record["rl"], record["p_value"]
        assert (record["status"] == "ok") == (rl is not None)
        assert (record["reason"] is None) or record["reason"]
        if rl is not None:
            assert rl == pytest.approx((record["events_group"] / record["n_group"])
                                       / (record["events_reference"] / record["n_reference"]))
            assert record["rl_ci_low"] < record["rl_ci_high"]
            if record["events_group"] not in (0, record["n_group"]) and \
                    record["events_reference"] != record["n_reference"]:
                assert record["rl_ci_low"] <= rl <= record["rl_ci_high"]
            if rl > 0:
                assert record["rl_nhs_direction"] * rl == pytest.approx(1.0)
            expected = "within" if 0.8 <= round(rl, 9) <= 1.25 else (
                "adverse" if rl > 1.25 else "favourable")  # leaving: high is adverse
            assert record["four_fifths"] == expected
        if p is not None:
            assert 0 <= p <= 1 and record["significant"] == (p < 0.05)
    split = set(results["service"]) - {"all"}
    if split == {"adults", "children"}:
        for group in set(results["group"]):
            parts = results[(results["group"] == group) & (results["service"] != "all")]
            whole = results[(results["group"] == group) & (results["service"] == "all")]
            if len(parts) == 2 and len(whole) == 1:
                for column in ("n_group", "events_group", "n_reference", "unknown_count"):
                    assert whole[column].iloc[0] == parts[column].sum()


def test_rows_with_and_without_a_service_in_one_table_are_a_clear_error():
    ret = make_return({"recruitment": [
        {"service": "adults", "ethnicity": "Indian", "shortlisted": 5, "appointed": 1},
        {"service": "all", "ethnicity": "Irish", "shortlisted": 5, "appointed": 1},
    ]})
    with pytest.raises(metrics.MetricInputError,
                       match="table recruitment, column service: some rows name a service"):
        metrics.compute_metric(ret, make_params(), "M2")


