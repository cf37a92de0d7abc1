"""The national page (wres_tools.reporting.national): each table and sentence against figures
worked out by hand from the six councils of test_national, the page unchanged by counts the
councils' own pages withhold, free text escaped, and the notebook as the batch runs it."""

from __future__ import annotations

import math

import pytest
from test_national import COUNCILS, council_return, year_records

from tests.builders import make_params
from wres_tools import metrics, publish
from wres_tools.national import NATIONAL, Council, build_year, pool_scope
from wres_tools.reporting import national as page
from wres_tools.sfc_bands import SKILLS_FOR_CARE_BANDS

BANDS = list(SKILLS_FOR_CARE_BANDS)


def katz(eg: int, ng: int, er: int, nr: int) -> tuple[float, float, float]:
    """RL and its 95% interval by Katz's log method, by hand."""
    rl = (eg / ng) / (er / nr)
    se = math.sqrt(1 / eg - 1 / ng + 1 / er - 1 / nr)
    return rl, rl * math.exp(-1.959964 * se), rl * math.exp(1.959964 * se)


def cell(eg: int, ng: int, er: int, nr: int) -> str:
    rl, low, high = katz(eg, ng, er, nr)
    return f"{rl:.2f} ({low:.2f} to {high:.2f})"


@pytest.fixture(scope="module")
def nat():
    published, councils, _ = year_records("published")
    earlier = pool_scope(published, councils, NATIONAL, 2023, "published")
    return build_year(published, councils, 2024, "published", earlier=[earlier])


def _row(rows, *first):
    return next(r for r in rows if r[:len(first)] == first)


def test_each_metric_pooled_by_hand(nat) -> None:
    rows = page.figures_table(nat)
    # tiny and wee withhold their minority appointed (3, 2): alpha, beta, gamma, delta pooled
    m2 = _row(rows, "M2 Appointment from shortlisting", "All services")
    assert m2[2:] == (cell(50, 230, 180, 500), "4", "2")
    assert m2[2].startswith("0.60 (")
    # M9: senior managers over staff, the five councils whose pages show all four counts
    m9 = _row(rows, "M9 Senior management", "All services")
    assert m9[2].startswith(f"{(29 / 133) / (66 / 677):.2f} (") and m9[3:] == ("5", "1")


def test_the_headlines_are_in_the_national_reports_words(nat) -> None:
    lines = page.headlines(nat)
    rl, low, high = katz(50, 230, 180, 500)
    assert (f"Minority ethnic applicants were about three fifths as likely as white applicants "
            f"to be appointed from shortlisting (RL {rl:.2f}, 95% CI {low:.2f} to "
            f"{high:.2f}).") in lines
    # M1: 103 minority of 500 in the lowest band; in the second, minority / all: alpha 10/100,
    # beta 5/100, gamma 10/50, delta 5/50, tiny 6/50, wee 6/60: 42 of 410
    assert lines[0] == (
        f"Minority ethnic staff were {(103 + 42) / 910:.1%} of staff of known ethnicity (6 "
        f"councils): {103 / 500:.1%} of those paid less than £30,000 and {42 / 410:.1%} of "
        "those paid £30,000 to £69,000.")


def test_staff_and_councils(nat) -> None:
    sentence = page.staff_sentence(nat)
    staff = sum(sum(m1) for *_, m1, _ in COUNCILS)
    assert sentence == f"This page pools the 2024 returns of 6 councils, {staff:,} staff in all."


def test_the_spread_in_words_and_table(nat) -> None:
    row = _row(page.spread_table(nat), "M2 Appointment from shortlisting")
    # alpha 0.667, beta 0.667, gamma 0.6, delta 0.5 (below 0.80); tiny, wee withheld
    assert row[1:5] == ("4", "0 (0)", "0", f"4 ({row[4][3]})") and row[5:] == ("2", "0")
    spread = nat.spread[(nat.spread["scope"] == NATIONAL) & (nat.spread["metric"] == "M2")
                        & (nat.spread["service"] == "all")].iloc[0]
    assert page.spread_sentence(spread).startswith(
        "M2: of the 4 councils with a published figure, 4 were below 0.80, the adverse side (")


def test_regions_by_hand_and_a_withheld_region(nat) -> None:
    columns, rows = page.regions_table(nat)
    assert columns == ["", "All councils", "Eastern", "London", "North East"]
    assert rows[0] == ("Councils", "6", "2", "2", "2")
    m2 = _row(rows, "M2 Appointment from shortlisting (RL)")
    # London: alpha + beta, 30/150 against 90/300; Eastern: gamma + delta, 20/80 against 90/200;
    # North East: both councils withhold their counts, so the line holds none
    assert m2[2:] == (cell(20, 80, 90, 200), cell(30, 150, 90, 300), "not published")


def test_the_bands_table_by_hand(nat) -> None:
    rows = page.bands_table(nat)
    low = rows[0]
    assert low[0] == BANDS[0] and low[3].startswith(f"{100 * 103 / 500:.1f}% (") and low[4] == "6"
    assert rows[2][1:] == ("no figure", "no figure", "no figure", "0")  # no £70,000 band held


def test_the_trend_table_holds_each_year(nat) -> None:
    columns, rows = page.trend_table(nat)
    assert columns == ["Metric", "2023", "2024"]
    m2 = _row(rows, "M2 Appointment from shortlisting (RL)")
    assert m2[1] == m2[2] == cell(50, 230, 180, 500)


def test_the_page_does_not_move_when_a_withheld_count_does() -> None:
    """tiny's 3 minority appointed are withheld on its own page. Were the national figures
    pooled from raw counts, 3 -> 4 would move every national M2 figure; the page must be the
    same bytes, so nothing on it rests on a count the councils' pages withhold."""
    def built(tiny_appointed: int) -> str:
        published, councils = {}, {}
        for authority, region, m2, m1, senior in COUNCILS:
            if authority == "tiny":
                m2 = (tiny_appointed, *m2[1:])
            params = make_params(authority=authority, display_name=authority.title(),
                                 region=region, pay_bands=BANDS[:2])
            records = metrics.compute_all(council_return(authority, *m2, m1, senior), params)
            published[authority] = publish.publish_results(records, params, "published")
            councils[authority] = Council(authority, authority.title(), region,
                                          {b: b for b in BANDS[:2]}, (), 5)
        return page.national_report(build_year(published, councils, 2024, "published"),
                                    with_charts=True).html()
    assert built(3) == built(4)
    internal_3, internal_4 = (_internal_m2(n) for n in (3, 4))
    assert internal_3 != internal_4  # the internal pool does move: the test can fail


def _internal_m2(tiny_appointed: int) -> float:
    published, councils = {}, {}
    for authority, region, m2, m1, senior in COUNCILS:
        if authority == "tiny":
            m2 = (tiny_appointed, *m2[1:])
        params = make_params(authority=authority, pay_bands=BANDS[:2])
        records = metrics.compute_all(council_return(authority, *m2, m1, senior), params)
        published[authority] = publish.publish_results(records, params, "internal")
        councils[authority] = Council(authority, authority, region, {b: b for b in BANDS[:2]},
                                      (), 5)
    frame = pool_scope(published, councils, NATIONAL, 2024, "internal")
    row = frame[(frame["metric"] == "M2") & (frame["service"] == "all")
                & (frame["group"] == "minority")].iloc[0]
    return float(row["rl"])


def test_internal_mode_says_so_and_published_does_not(nat) -> None:
    published_html = page.national_report(nat, with_charts=False).html()
    assert "Internal use only" not in published_html and "published figures" in published_html
    internal, councils, _ = year_records("internal")
    inside = page.national_report(build_year(internal, councils, 2024, "internal"),
                                  with_charts=False).html()
    assert 'class="banner internal"' in inside and "every council&#x27;s counts" in inside


def test_names_from_the_input_are_text(nat) -> None:
    published, councils, _ = year_records("published")
    councils["alpha"] = Council("alpha", "<b>Alpha</b> & co", None, {}, ("Grade <7>",), 5)
    built = build_year(published, councils, 2024, "published",
                       unusable={"zeta": "its return could not be used (<script>)"})
    html = page.national_report(built, with_charts=False).html()
    assert "<b>Alpha</b>" not in html and "&lt;b&gt;Alpha&lt;/b&gt; &amp; co" in html
    assert "Grade &lt;7&gt;" in html and "<script>" not in html


def test_the_sections_are_in_reading_order(nat) -> None:
    report = page.national_report(nat)
    assert report.keys == page.SECTIONS
    assert report.section("figures") is not None
    assert "<img" in report.section("figures").body  # the forest plot
    assert "<img" not in page.national_report(nat, with_charts=False).html()


def test_a_year_of_one_batch_has_no_trend_yet() -> None:
    published, councils, _ = year_records("published")
    built = build_year(published, councils, 2024, "published")
    assert "first year held, so there is no trend yet" in page.national_report(
        built, with_charts=False).html()


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 'published' or 'internal'"):
        page.national_view(2023, disclosure="public")


def _recruitment(appointed: int, shortlisted: int) -> dict:
    import pandas as pd

    return {"recruitment": pd.DataFrame([
        {"ethnicity": "English, Welsh, Scottish, Northern Irish or British", "shortlisted": 200,
         "appointed": 60},
        {"ethnicity": "Indian", "shortlisted": shortlisted, "appointed": appointed}])}


def test_the_trend_is_pooled_afresh_when_an_earlier_return_changes(tmp_path) -> None:
    """Each year's page pools the years before it for its trend, once per process for what the
    pool rests on: a changed earlier return must give a changed trend, never the pool kept."""
    from wres_tools.national import national_year
    from wres_tools.returns.writer import write_return

    for authority in ("alpha", "beta"):
        for year in (2022, 2023):
            write_return(_recruitment(20, 100), tmp_path, authority, year, "csv")

    def m2_2022() -> str:
        _, rows = page.trend_table(national_year(tmp_path, 2023))
        return _row(rows, "M2 Appointment from shortlisting (RL)")[1]

    assert m2_2022() == cell(40, 200, 120, 400)
    assert m2_2022() == cell(40, 200, 120, 400)  # the kept pool: the same
    write_return(_recruitment(30, 100), tmp_path, "beta", 2022, "csv")
    assert m2_2022() == cell(50, 200, 120, 400)
