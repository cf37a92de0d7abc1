"""Narrative: the exact sentences for hand-made result records, internal and published."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from wres_tools.contract import RESULT_COLUMNS
from wres_tools.disclosure import apply_disclosure
from wres_tools.metrics import METRICS
from wres_tools.reporting.formats import fmt_ci, fmt_pct, fmt_rl, fmt_signed
from wres_tools.reporting.narrative import (
    describe,
    describe_band_changes,
    describe_change,
    describe_unknowns,
    headline,
    likelihood_words,
    not_collected,
)


def record(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    row.update(authority="testshire", year=2024, reference="white", status="ok", pay_band=None,
               service="all", group="minority", suppressed=False, disclosure="internal",
               small_numbers=False)
    row.update(values)
    return row


def m2(**values: Any) -> dict[str, Any]:
    """Appointment from shortlisting: 41 of 200 minority ethnic applicants appointed (20.5%),
    against 158 of 400 white applicants (39.5%). RL = 0.205 / 0.395 = 0.519 -> "0.52"."""
    base = dict(metric="M2", adverse_when="low", n_group=200, events_group=41, n_reference=400,
                events_reference=158, rate_group=41 / 200, rate_reference=158 / 400,
                rl=(41 / 200) / (158 / 400), rl_ci_low=0.41, rl_ci_high=0.66,
                p_value=0.00002, significant=True, four_fifths="adverse")
    return record(**{**base, **values})


SPEC_EXAMPLE = ("Minority ethnic applicants were 0.52 times as likely as white applicants to be "
                "appointed from shortlisting (95% CI 0.41 to 0.66): about half as likely. This is "
                "outside the 0.80–1.25 range and statistically significant.")


def test_the_spec_example_word_for_word() -> None:
    sentences = describe(m2())
    assert " ".join(sentences[:2]) == SPEC_EXAMPLE
    assert sentences[2:] == [
        "By the four-fifths rule this is read as adverse impact for minority ethnic applicants.",
        "20.5% of minority ethnic applicants (41 of 200) were appointed from shortlisting, "
        "against 39.5% of white applicants (158 of 400).",
    ]


def test_twice_as_likely_disciplinary_in_adults_services() -> None:
    # 12 of 150 minority ethnic staff (8.0%) against 20 of 500 white staff (4.0%): RL 2.00
    rec = record(metric="M3", service="adults", adverse_when="high", n_group=150,
                 events_group=12, n_reference=500, events_reference=20, rate_group=0.08,
                 rate_reference=0.04, rl=2.0, rl_ci_low=1.0, rl_ci_high=4.01, p_value=0.04,
                 significant=True, four_fifths="adverse")
    assert describe(rec) == [
        "In adults' services, minority ethnic staff were 2.00 times as likely as white staff to "
        "enter the formal disciplinary process (95% CI 1.00 to 4.01): about twice as likely.",
        "This is outside the 0.80–1.25 range and statistically significant.",
        "By the four-fifths rule this is read as adverse impact for minority ethnic staff.",
        "8.0% of minority ethnic staff (12 of 150) entered the formal "
        "disciplinary process, against 4.0% of white staff (20 of 500).",
    ]


def test_about_as_likely_within_range_not_significant_never_called_significant() -> None:
    # 30 of 300 (10.0%) against 60 of 600 (10.0%): RL 1.00, p = 1. The flag says True by
    # mistake: p >= 0.05 decides, so the sentence must say "not statistically significant".
    rec = record(metric="M5", group="black", adverse_when="low", n_group=300, events_group=30,
                 n_reference=600, events_reference=60, rate_group=0.1, rate_reference=0.1,
                 rl=1.0, rl_ci_low=0.66, rl_ci_high=1.51, p_value=1.0, significant=True,
                 four_fifths="within")
    assert describe(rec)[:3] == [
        "Black staff were 1.00 times as likely as white staff to access funded non-mandatory "
        "training and CPD (95% CI 0.66 to 1.51): about as likely, and the difference is not "
        "statistically significant.",
        "This is within the 0.80–1.25 range.",
        "By the four-fifths rule this is read as no adverse impact.",
    ]


def test_outside_range_but_not_significant_with_small_numbers_caution() -> None:
    # 3 of 12 (25.0%) against 30 of 200 (15.0%): RL 0.25 / 0.15 = 1.67 -> "about 67% more likely"
    rec = record(metric="M8", group="mixed", adverse_when="high", n_group=12, events_group=3,
                 n_reference=200, events_reference=30, rate_group=0.25, rate_reference=0.15,
                 rl=0.25 / 0.15, rl_ci_low=0.58, rl_ci_high=4.8, p_value=0.40,
                 significant=False, four_fifths="adverse", small_numbers=True)
    assert describe(rec) == [
        "Mixed or multiple ethnic group staff were 1.67 times as likely as white staff to leave "
        "the organisation during the year (95% CI 0.58 to 4.80): about 67% more likely, but the "
        "difference is not statistically significant.",
        "This is outside the 0.80–1.25 range.",
        "By the four-fifths rule this is read as adverse impact for Mixed or multiple ethnic "
        "group staff.",
        "25.0% of Mixed or multiple ethnic group staff (3 of 12) left the organisation during "
        "the year, against 15.0% of white staff (30 of 200).",
        "This figure rests on small numbers and should be read with care.",
    ]


def test_survey_gap_in_percentage_points() -> None:
    # 45 of 150 (30.0%) against 88 of 400 (22.0%): gap +8.0 points, RL 0.30 / 0.22 = 1.36
    rec = record(metric="M6", adverse_when="high", n_group=150, events_group=45, n_reference=400,
                 events_reference=88, rate_group=0.30, rate_reference=0.22, rl=0.30 / 0.22,
                 rl_ci_low=1.01, rl_ci_high=1.84, p_value=0.06, significant=False,
                 four_fifths="adverse", gap_pp=8.0, gap_pp_ci_low=-0.3, gap_pp_ci_high=16.4)
    sentences = describe(rec)
    assert sentences[0].endswith("(95% CI 1.01 to 1.84): about 36% more likely, but the "
                                 "difference is not statistically significant.")
    assert sentences[1] == "This is outside the 0.80–1.25 range."
    assert sentences[-1] == ("The rate for minority ethnic survey respondents is 8.0 percentage "
                             "points higher than for white survey respondents (95% CI −0.3 to "
                             "+16.4).")


def test_not_computable_when_no_white_applicant_was_appointed() -> None:
    rec = record(metric="M2", adverse_when="low", status="not_computable", n_group=40,
                 events_group=5, n_reference=30, events_reference=0, rate_group=0.125,
                 rate_reference=0.0, reason="white rate is zero: the relative likelihood "
                 "cannot be computed", small_numbers=True)
    assert describe(rec) == [
        "The relative likelihood cannot be computed: no white applicants were appointed from "
        "shortlisting, so there is no white rate to compare with.",
        "12.5% of minority ethnic applicants (5 of 40) were appointed from shortlisting, "
        "against 0.0% of white applicants (0 of 30).",
    ]


def test_not_collected() -> None:
    expected = ("Fitness to practise was not collected in this return. To report it, "
                "the return needs the fitness_to_practise table: registered professionals and "
                "those referred into fitness to practise in the year, by ethnicity and service.")
    assert not_collected("M4") == expected
    assert describe(record(metric="M4", status="not_collected",
                           reason="no fitness_to_practise table")) == [expected]


def test_published_mode_never_states_a_withheld_figure() -> None:
    # 3 of 9 minority ethnic applicants appointed: 3 is under 5 -> hidden, and with it the rate,
    # RL (0.3333 / 0.395 = 0.84), interval and test. No sentence about the RL remains.
    table = pd.DataFrame([m2(n_group=9, events_group=3, rate_group=3 / 9,
                             rl=(3 / 9) / (158 / 400), rl_ci_low=0.4, rl_ci_high=1.9,
                             p_value=0.7, significant=False, four_fifths="within",
                             small_numbers=True)], columns=list(RESULT_COLUMNS))
    internal = describe(apply_disclosure(table, "internal", 5).iloc[0].to_dict())
    assert internal[0].startswith("Minority ethnic applicants were 0.84 times as likely")
    published = describe(apply_disclosure(table, "published", 5).iloc[0].to_dict())
    assert published == ["Figures comparing minority ethnic and white applicants are not "
                         "published: small numbers."]
    assert not any(ch.isdigit() for ch in published[0])


def test_published_mode_leaves_out_hidden_counts_but_keeps_shown_rates() -> None:
    rec = m2(service="children", n_group=None, events_group=None, rate_group=None, rl=None,
             rl_ci_low=None, rl_ci_high=None, p_value=None, significant=None, four_fifths=None,
             disclosure="published", suppressed=True, reason="not published: small numbers")
    assert describe(rec) == ["In children's services, figures comparing minority ethnic and "
                             "white applicants are not published: small numbers."]


def m1_records() -> pd.DataFrame:
    # Bands A < B < C; minority / white: A 30 / 60, B 12 / 48, C 4 / 36; whole 46 / 144.
    # Shares: A 30/90 = 33.3%, B 12/60 = 20.0%, C 4/40 = 10.0%; workforce 46/190 = 24.2%.
    # Index: A 0.3333 / 0.2421 = 1.38, B 0.2 / 0.2421 = 0.83, C 0.1 / 0.2421 = 0.41.
    rows = []
    for band, m, w, low, high in (("A", 30, 60, 0.24, 0.43), ("B", 12, 48, 0.12, 0.32),
                                  ("C", 4, 36, 0.04, 0.23), (None, 46, 144, 0.19, 0.31)):
        share = m / (m + w)
        rows.append(record(metric="M1", pay_band=band, n_group=m, n_reference=w, share=share,
                           share_ci_low=low, share_ci_high=high, share_workforce=46 / 190,
                           representation_index=share / (46 / 190), adverse_when="low",
                           small_numbers=m < 10))
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def test_m1_band_sentences_and_headline() -> None:
    records = m1_records()
    assert describe(records.iloc[0].to_dict()) == [
        "Minority ethnic staff made up 33.3% of staff of known ethnicity in pay band A (95% CI "
        "24.0% to 43.0%), against 24.2% of the whole workforce: a representation index of 1.38.",
        "Minority ethnic staff are more numerous in this band than their share of the "
        "workforce.",
    ]
    assert describe(records.iloc[2].to_dict()) == [
        "Minority ethnic staff made up 10.0% of staff of known ethnicity in pay band C (95% CI "
        "4.0% to 23.0%), against 24.2% of the whole workforce: a representation index of 0.41.",
        "Minority ethnic staff are fewer in this band than their share of the workforce.",
        "This figure rests on small numbers and should be read with care.",
    ]
    assert describe(records.iloc[3].to_dict()) == [
        "Minority ethnic staff made up 24.2% of staff of known ethnicity in the whole workforce "
        "(95% CI 19.0% to 31.0%).",
    ]
    assert headline(records) == ("The minority ethnic share falls at every step up the pay "
                                 "bands, from 33.3% in the lowest pay band shown (A) to 10.0% "
                                 "in the highest (C).")


def test_m1_headline_says_highest_shown_when_the_top_band_is_withheld() -> None:
    records = m1_records()
    top = records.index[2]  # band C: its share withheld, as the publishing step leaves it
    records.loc[top, ["share", "share_ci_low", "share_ci_high", "representation_index"]] = None
    records.loc[top, "reason"] = "not published: small numbers"
    assert headline(records) == ("The minority ethnic share falls at every step up the pay "
                                 "bands, from 33.3% in the lowest pay band shown (A) to 20.0% "
                                 "in the highest shown (B); some bands are not published: small "
                                 "numbers.")


def test_m1_published_band_withheld() -> None:
    published = apply_disclosure(m1_records(), "published", 5)
    # band C's 4 is hidden and, on the band line 46 = 30 + 12 + 4*, band B's 12 with it
    assert describe(published.iloc[2].to_dict()) == [
        "Figures for minority ethnic staff in pay band C are not published: small numbers."]
    # with only band A left there is no trend to state: the headline gives the whole workforce
    assert headline(published) == ("Minority ethnic staff made up 24.2% of staff of known "
                                   "ethnicity in the whole workforce (95% CI 19.0% to 31.0%).")


def test_m9_senior_management() -> None:
    # 3 of 40 senior managers of known ethnicity (7.5%), workforce 24.2%, population 18.0%:
    # gaps 7.5 - 24.2 = -16.7 and 7.5 - 18.0 = -10.5 points
    rec = record(metric="M9", adverse_when="low", n_group=3, n_reference=37, share=0.075,
                 share_ci_low=0.016, share_ci_high=0.204, share_workforce=0.242,
                 share_population=0.18, gap_workforce_pp=-16.7, gap_population_pp=-10.5,
                 representation_index=0.075 / 0.242, small_numbers=True)
    assert describe(rec) == [
        "Minority ethnic staff held 7.5% of senior management posts (95% CI 1.6% to 20.4%), "
        "against 24.2% of the workforce and 18.0% of the local population.",
        "That is 16.7 percentage points below the workforce share and 10.5 percentage points "
        "below the population share.",
        "This figure rests on small numbers and should be read with care.",
    ]
    published = apply_disclosure(pd.DataFrame([rec], columns=list(RESULT_COLUMNS)),
                                 "published", 5)
    assert describe(published.iloc[0].to_dict()) == [
        "Figures for minority ethnic senior managers are not published: small numbers."]


def m9(**values: Any) -> dict[str, Any]:
    """Senior 6 of 300 minority ethnic staff (2.0%) and 30 of 700 white staff (4.3%): RL 0.467
    (95% CI 0.196 to 1.109, Katz), Fisher's p 0.0945 (tests/test_metrics.py works them by hand);
    6 of 36 senior managers (16.7%) against 30.0% of the workforce."""
    base = dict(metric="M9", adverse_when="low", n_group=6, n_reference=30, share=6 / 36,
                share_ci_low=0.064, share_ci_high=0.328, share_workforce=0.3,
                gap_workforce_pp=100 * (6 / 36 - 0.3), representation_index=(6 / 36) / 0.3,
                rate_group=0.02, rate_reference=30 / 700, rl=0.466667, rl_ci_low=0.196289,
                rl_ci_high=1.109473, p_value=0.0945, significant=False, four_fifths="adverse",
                reason="no population figures for the area: the population share is not "
                "available")
    return record(**{**base, **values})


def test_m9_relative_likelihood_first_then_shares() -> None:
    assert describe(m9()) == [
        "Minority ethnic staff were 0.47 times as likely as white staff to hold senior "
        "management posts (95% CI 0.20 to 1.11): about half as likely, but the difference is "
        "not statistically significant.",
        "This is outside the 0.80–1.25 range.",
        "By the four-fifths rule this is read as adverse impact for minority ethnic staff.",
        "2.0% of minority ethnic staff held senior management posts, against 4.3% of white "
        "staff.",
        "Minority ethnic staff held 16.7% of senior management posts (95% CI 6.4% to 32.8%), "
        "against 30.0% of the workforce.",
        "That is 13.3 percentage points below the workforce share.",
        "No population figures for the area were given, so there is no comparison with the "
        "local population.",
    ]
    # significant (p 0.004, as a larger authority's might be): no doubt in the sentence
    significant = describe(m9(p_value=0.004, significant=True, rl_ci_low=0.3, rl_ci_high=0.75))
    assert significant[:2] == [
        "Minority ethnic staff were 0.47 times as likely as white staff to hold senior "
        "management posts (95% CI 0.30 to 0.75): about half as likely.",
        "This is outside the 0.80–1.25 range and statistically significant.",
    ]


def test_m9_with_no_minority_senior_managers_says_why_there_is_no_rl() -> None:
    reason = ("no Black staff held senior management posts, so no relative likelihood or "
              "four-fifths reading is given: a ratio resting on a count of zero has no interval")
    rec = m9(group="black", n_group=0, share=0.0, share_ci_low=0.0, share_ci_high=0.097,
             share_workforce=0.04, gap_workforce_pp=-4.0, representation_index=0.0,
             rate_group=0.0, rl=None, rl_ci_low=None, rl_ci_high=None, four_fifths=None,
             p_value=0.39935, reason=reason, share_population=0.05, gap_population_pp=-5.0)
    assert describe(rec)[:3] == [
        "No Black staff held senior management posts, so no relative likelihood or "
        "four-fifths reading is given: a ratio resting on a count of zero has no interval.",
        "0.0% of Black staff held senior management posts, against 4.3% of white staff.",
        "Fisher's exact test finds no statistically significant difference in rates "
        "(p = 0.399).",
    ]


def test_m9_without_population() -> None:
    rec = record(metric="M9", adverse_when="low", n_group=12, n_reference=48, share=0.2,
                 share_ci_low=0.108, share_ci_high=0.322, share_workforce=0.2,
                 gap_workforce_pp=0.0, representation_index=1.0)
    assert describe(rec) == [
        "Minority ethnic staff held 20.0% of senior management posts (95% CI 10.8% to 32.2%), "
        "against 20.0% of the workforce.",
        "That is level with the workforce share.",
        "No population figures for the area were given, so there is no comparison with the "
        "local population.",
    ]


def trend(**values: Any) -> dict[str, Any]:
    base = dict(metric="M2", service="all", group="minority", pay_band=None, year=2024,
                compared_with="baseline", year_then=2021, measure="rl", status="ok",
                reason=None)
    return {**base, **values}


def test_change_since_baseline_by_metric_direction() -> None:
    # M2 (adverse when low): RL 0.52 -> 0.81, ratio 0.81 / 0.52 = 1.56, significant: improved
    assert describe_change(trend(value_then=0.52, value_now=0.81, change=0.81 / 0.52,
                                 change_ci_low=1.10, change_ci_high=2.21, p_value=0.01,
                                 significant=True)) == (
        "Since the baseline year (2021), the relative likelihood has risen from 0.52 to 0.81 "
        "(a ratio of 1.56, 95% CI 1.10 to 2.21): a statistically significant improvement.")
    # M3 (adverse when high): RL 1.20 -> 1.80, ratio 1.50, significant: worsened
    assert describe_change(trend(metric="M3", compared_with="previous", year_then=2023,
                                 value_then=1.2, value_now=1.8, change=1.5, change_ci_low=1.05,
                                 change_ci_high=2.14, p_value=0.03, significant=True)) == (
        "Since the previous year (2023), the relative likelihood has risen from 1.20 to 1.80 "
        "(a ratio of 1.50, 95% CI 1.05 to 2.14): a statistically significant worsening.")
    # not significant: p = 0.2, however large the move looks
    assert describe_change(trend(value_then=0.52, value_now=0.60, change=0.60 / 0.52,
                                 change_ci_low=0.80, change_ci_high=1.66, p_value=0.2,
                                 significant=False)) == (
        "Since the baseline year (2021), the relative likelihood has risen from 0.52 to 0.60 "
        "(a ratio of 1.15, 95% CI 0.80 to 1.66): no statistically significant change.")
    # a share (M9, adverse when low): 12.0% -> 9.0%, -3.0 points, significant: worsened
    assert describe_change(trend(metric="M9", measure="share_pp", value_then=0.12,
                                 value_now=0.09, change=-3.0, change_ci_low=-5.9,
                                 change_ci_high=-0.1, p_value=0.04, significant=True)) == (
        "Since the baseline year (2021), the minority ethnic share of senior management has "
        "fallen from 12.0% to 9.0% (−3.0 percentage points, 95% CI −5.9 to −0.1): a "
        "statistically significant worsening.")
    # M1, one band, children's services: 20.0% -> 26.0%, +6.0 points, p = 0.3
    assert describe_change(trend(metric="M1", service="children", pay_band="B",
                                 measure="share_pp", value_then=0.2, value_now=0.26,
                                 change=6.0, change_ci_low=-4.1, change_ci_high=15.8,
                                 p_value=0.3, significant=False)) == (
        "Since the baseline year (2021) in children's services, the minority ethnic share in "
        "pay band B has risen from 20.0% to 26.0% (+6.0 percentage points, 95% CI −4.1 to "
        "+15.8): no statistically significant change.")
    assert describe_change(trend(value_then=None, value_now=None, change=None,
                                 reason="not published: small numbers")) == (
        "The change in the relative likelihood since the baseline year (2021) is not "
        "published: small numbers.")
    # a withheld band's change names its band
    assert describe_change(trend(metric="M1", measure="share_pp", pay_band="Grade 11",
                                 value_then=None, value_now=None, change=None,
                                 reason="not published: small numbers")) == (
        "The change in the minority ethnic share in pay band Grade 11 since the baseline year "
        "(2021) is not published: small numbers.")


def test_band_changes_collapse_into_a_few_sentences_naming_the_bands() -> None:
    """Six bands, two comparisons: A rose and D fell significantly since the baseline, B, C and
    E did not change significantly, F is withheld; since the previous year nothing changed
    significantly in the five shown. The whole workforce row is left to describe_change."""
    def band(name: str, compared_with: str, change: float | None, significant: bool | None,
             reason: str | None = None) -> dict[str, Any]:
        year_then = 2021 if compared_with == "baseline" else 2023
        shown = change is not None
        return trend(metric="M1", measure="share_pp", pay_band=name, compared_with=compared_with,
                     year_then=year_then, value_then=0.2 if shown else None,
                     value_now=0.2 + change / 100 if shown else None, change=change,
                     significant=significant, p_value=0.01 if significant else 0.5,
                     reason=reason)
    rows = [band("A", "baseline", 6.0, True), band("B", "baseline", 1.0, False),
            band("C", "baseline", -2.0, False), band("D", "baseline", -5.0, True),
            band("E", "baseline", 0.5, False),
            band("F", "baseline", None, None, "not published: small numbers"),
            *(band(b, "previous", 0.5, False) for b in "ABCDE"),
            band("F", "previous", None, None, "not published: small numbers"),
            trend(metric="M1", measure="share_pp", pay_band=None, value_then=0.2,
                  value_now=0.25, change=5.0, significant=True, p_value=0.01)]
    assert describe_band_changes(pd.DataFrame(rows)) == [
        "Since the baseline year (2021), the minority ethnic share has changed significantly "
        "in 2 of 6 pay bands: it has risen in pay band A and fallen in pay band D; in the "
        "other 3 bands there is no statistically significant change.",
        "Since the baseline year (2021), the changes in pay band F are not published: small "
        "numbers.",
        "Since the previous year (2023), no pay band's minority ethnic share has changed "
        "significantly (5 bands compared).",
        "Since the previous year (2023), the changes in pay band F are not published: small "
        "numbers.",
    ]


def test_headline_for_a_ratio_metric_takes_all_services() -> None:
    records = pd.DataFrame([m2(service="adults", rl=2.0), m2(), m2(group="asian", rl=3.0)],
                           columns=list(RESULT_COLUMNS))
    assert headline(records) == SPEC_EXAMPLE.split(" This is")[0]
    with pytest.raises(ValueError, match="expected the records of one metric"):
        headline(pd.concat([records, m1_records()]))


@pytest.mark.parametrize(("rl", "words"), [
    (0.52, "about half as likely"), (0.47, "about half as likely"),
    (0.34, "about a third as likely"), (0.41, "about two fifths as likely"),
    (0.66, "about two thirds as likely"), (0.75, "about three quarters as likely"),
    (0.85, "about 15% less likely"), (0.95, "about as likely"), (1.0, "about as likely"),
    (1.09, "about as likely"), (1.3, "about 30% more likely"),
    (1.5, "about one and a half times as likely"), (2.0, "about twice as likely"),
    (2.4, "about two and a half times as likely"), (3.1, "about three times as likely"),
    (0.05, "less than a tenth as likely"), (14.0, "more than ten times as likely"),
])
def test_likelihood_words(rl: float, words: str) -> None:
    assert likelihood_words(rl) == words


def test_formatting_helpers() -> None:
    assert fmt_rl(0.5249) == "0.52"
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_ci(0.41, 0.66) == "95% CI 0.41 to 0.66"
    assert fmt_ci(0.1, 0.25, fmt_pct) == "95% CI 10.0% to 25.0%"
    assert (fmt_signed(3), fmt_signed(-1.24), fmt_signed(0.01)) == ("+3.0", "−1.2", "0.0")


def test_every_metric_has_words_that_read_in_both_sentence_shapes() -> None:
    assert set(METRICS) == {"M1", "M2", "M3", "M4", "M5", "M6", "M7a", "M7b", "M8", "M9"}
    for w in METRICS.values():
        assert not w.event.endswith(".") and not w.needs.endswith(".")
        assert not w.event_past.endswith(".") and w.event_past
        assert w.adverse_when in ("low", "high")


def test_unknown_ethnicity_sentence() -> None:
    # 23 of 512 applicants counted had no ethnicity recorded: 23 / 512 = 4.49%
    assert describe_unknowns(m2(unknown_count=23, unknown_pct=100 * 23 / 512)) == (
        "Ethnicity is not known for 23 of the applicants counted (4.5%); they are left out of "
        "the comparison.")
    assert describe_unknowns(m2(service="adults", unknown_count=0, unknown_pct=0.0)) == (
        "In adults' services, ethnicity is known for every one of the applicants counted.")
    assert describe_unknowns(m2(unknown_count=None, unknown_pct=None, suppressed=True,
                                disclosure="published")) == (
        "The number of applicants whose ethnicity is not known is not published: small numbers.")
    assert describe_unknowns(record(metric="M2", status="not_collected")) is None


def test_no_minority_ethnic_applicant_appointed() -> None:
    # 0 of 20 against 158 of 400: a zero cell, so no RL and no four-fifths reading; Fisher's
    # p = 7.2e-05 (scipy's fisher_exact on [[0, 20], [158, 242]])
    rec = m2(events_group=0, n_group=20, rate_group=0.0, rl=None, rl_ci_low=None,
             rl_ci_high=None, p_value=7.17e-05, four_fifths=None, significant=True,
             status="not_computable", reason="no minority ethnic applicants were appointed ...")
    assert describe(rec) == [
        "No minority ethnic applicants were appointed from shortlisting, so no relative "
        "likelihood or four-fifths reading is given: a ratio resting on a count of zero has no "
        "interval.",
        "Fisher's exact test finds the difference in rates statistically significant (p below "
        "0.001).",
        "0.0% of minority ethnic applicants (0 of 20) were appointed from shortlisting, against "
        "39.5% of white applicants (158 of 400).",
    ]


def test_every_minority_ethnic_member_of_staff_entered_the_process() -> None:
    # adults' services: 5 of 5 against 20 of 50: no one in the group without the event; Fisher's
    # p = 0.0153 on [[5, 0], [20, 30]]
    rec = record(metric="M3", service="adults", adverse_when="high", n_group=5, events_group=5,
                 n_reference=50, events_reference=20, rate_group=1.0, rate_reference=0.4,
                 p_value=0.0153, significant=True, status="not_computable",
                 small_numbers=True)
    assert describe(rec) == [
        "In adults' services, all minority ethnic staff entered the formal disciplinary "
        "process, so no relative likelihood or four-fifths reading is given: a ratio resting on "
        "a count of zero has no interval.",
        "Fisher's exact test finds the difference in rates statistically significant (p = "
        "0.015).",
        "100.0% of minority ethnic staff (5 of 5) entered the formal disciplinary process, "
        "against 40.0% of white staff (20 of 50).",
    ]
