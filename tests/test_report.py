"""Report sections: the right parts in the right order, tables that print withheld figures as the
disclosure rules say, banners, links, and a loader whose cache changes nothing but the time."""

from __future__ import annotations

import html
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from report_data import AUTHORITY, BANDS, frame, record, write_fixture

from wres_tools import computed, disclosure, publish
from wres_tools.contract import METRIC_TABLES, ReturnError
from wres_tools.parameters import load_parameters
from wres_tools.reporting import narrative, report
from wres_tools.reporting.data import NOTEBOOKS, SYNTHETIC_BANNER, ReportData
from wres_tools.reporting.formats import (
    count_text,
    figure_text,
    fmt_p,
    fmt_rl,
    missing_text,
    with_ci,
)
from wres_tools.reporting.report import _CACHE, build_metric_report, build_summary, load
from wres_tools.reporting.sections import links_section
from wres_tools.returns.find import find_returns

TREND_COLUMNS = ["metric", "service", "group", "pay_band", "year", "compared_with", "year_then",
                 "value_then", "value_now", "measure", "change", "change_ci_low",
                 "change_ci_high", "p_value", "significant", "status", "reason"]


def data(results: pd.DataFrame, *, mode: str = "published", synthetic: bool = False,
         trends: pd.DataFrame | None = None, years: tuple[int, ...] = (2025,),
         hidden: dict | None = None) -> ReportData:
    """ReportData over ``results``; ``hidden`` ((metric, service, group, band) -> count columns)
    is written into the records' ``withheld`` column, as the publishing step marks them."""
    results = results.copy()
    for label in results.index:
        r = results.loc[label]
        key = (r["metric"], r["service"], r["group"],
               r["pay_band"] if isinstance(r["pay_band"], str) else None)
        if key in (hidden or {}):
            results.at[label, "withheld"] = tuple(hidden[key])  # type: ignore[index]
    return ReportData(
        authority=AUTHORITY, display_name="Testshire", year=2025, disclosure=mode, threshold=5,
        synthetic=synthetic, results=results, history=results,
        trends=trends if trends is not None else pd.DataFrame(columns=TREND_COLUMNS),
        pooled=frame([]), years=years,
    )


def m2_records() -> pd.DataFrame:
    # The spec's worked example, all services: 2 of 10 minority ethnic applicants appointed from
    # shortlisting (rate 0.20) against 117 of 389 white (rate 0.3008): RL = 0.20 / 0.3008 = 0.665,
    # NHS direction 1 / 0.665 = 1.50. Adults hold the same people; children's counts are under 5
    # and so withheld in published mode.
    ratio = dict(n_group=10, events_group=2, n_reference=389, events_reference=117,
                 rate_group=0.2, rate_group_ci_low=0.0567, rate_group_ci_high=0.5098,
                 rate_reference=117 / 389, rate_reference_ci_low=0.2571,
                 rate_reference_ci_high=0.3486, rl=0.665, rl_ci_low=0.19, rl_ci_high=2.31,
                 rl_nhs_direction=1.504, p_value=0.7253, significant=False,
                 four_fifths="adverse", adverse_when="low", small_numbers=True,
                 unknown_count=4, unknown_pct=1.0)
    return frame([
        record(metric="M2", service="adults", **ratio),
        record(metric="M2", service="children", suppressed=True, adverse_when="low",
               reason="not published: small numbers"),
        record(metric="M2", service="all", **ratio),
        record(metric="M2", service="all", group="asian", **{**ratio, "n_group": 6,
                                                             "events_group": 0}),
    ])


class Cells(HTMLParser):
    """Rows of every table: [(tag, scope, text), ...] per row, plus the captions."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str | None, str]]] = []
        self.captions: list[str] = []
        self._cell: tuple[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        if tag in ("th", "td", "caption"):
            self._cell, self._text = (tag, dict(attrs).get("scope")), ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell:
            self.rows[-1].append((*self._cell, self._text))
            self._cell = None
        if tag == "caption" and self._cell:
            self.captions.append(self._text)
            self._cell = None

    def handle_data(self, text: str) -> None:
        if self._cell:
            self._text += text


def cells(markup: str) -> Cells:
    parser = Cells()
    parser.feed(markup)
    return parser


def row(parsed: Cells, header: str) -> list[str]:
    return next([text for _, _, text in r[1:]] for r in parsed.rows if r and r[0][2] == header)


# ---------------------------------------------------------------- counts and formatting


KEY = ("M2", "children", "minority", None)


@pytest.mark.parametrize(("value", "suppressed", "hidden", "mode", "expected"), [
    (3, False, {}, "published", "[c]"),  # a small count is never printed, whatever the frame
    (3, False, {}, "internal", "3"),
    (0, False, {}, "published", "0"),  # zero may be shown
    (5, False, {}, "published", "5"),
    (1234, False, {}, "internal", "1,234"),
    (None, True, {KEY: ("n_group",)}, "published", "[c]"),  # one symbol, small or protective
    (None, True, {KEY: ("events_group",)}, "published", "not available"),  # not this count
    (None, False, {}, "published", "not available"),
])
def test_count_text(value: object, suppressed: bool, hidden: dict, mode: str,
                    expected: str) -> None:
    shown = record(metric="M2", service="children", n_group=value, suppressed=suppressed,
                   withheld=tuple(hidden.get(KEY, ())))
    assert count_text(shown, "n_group", data(m2_records(), mode=mode)) == expected


# ---------------------------------------------------------------- a ratio metric


def test_metric_report_has_every_section_in_reading_order() -> None:
    view = build_metric_report(data(m2_records()), ["M2"])
    assert view.keys == ("banners", "title", "headline", "findings", "figures", "chart",
                         "groups", "trend", "actions", "quality", "how_to_read")
    assert view.title == "M2: Relative likelihood of being appointed from shortlisting"
    text = html.unescape(view.html())
    assert narrative.headline(m2_records()) in text
    for sentence in narrative.describe(m2_records().iloc[2].to_dict()):
        assert sentence in text


def test_figures_table_puts_the_services_side_by_side_with_intervals() -> None:
    hidden = {KEY: {c: "primary" for c in ("n_group", "events_group", "n_reference",
                                            "events_reference")}}
    markup = build_metric_report(data(m2_records(), mode="internal", hidden=hidden),
                                        ["M2"]).section("figures").body
    parsed = cells(markup)
    header = [text for _, _, text in parsed.rows[0]]
    assert header == ["Figure", "Adults' services", "Children's services", "All services"]
    assert all(scope == "col" for _, scope, _ in parsed.rows[0])
    assert all(r[0][:2] == ("th", "row") for r in parsed.rows[1:])
    assert parsed.captions[0].startswith("M2: Relative likelihood of being appointed")
    assert row(parsed, "Minority ethnic: applicants shortlisted") == ["10", "not available",
                                                                     "10"]
    assert row(parsed, "Minority ethnic: applicants appointed") == ["2", "not available", "2"]
    # 0.2 -> 20.0%, Wilson 0.0567-0.5098 -> 5.7% to 51.0%
    assert row(parsed, "Minority ethnic rate (95% CI)")[2] == "20.0% (5.7% to 51.0%)"
    assert row(parsed, "White rate (95% CI)")[2] == "30.1% (25.7% to 34.9%)"
    # children's services have no recruitment figures: nothing was withheld (internal mode), so
    # the RL "cannot be computed" rather than "not published"
    assert row(parsed, "Relative likelihood, minority ÷ white (95% CI)") == [
        "0.67 (0.19 to 2.31)", "cannot be computed", "0.67 (0.19 to 2.31)"]
    assert row(parsed, "NHS WRES direction, white ÷ minority")[2] == "1.50"
    assert row(parsed, "Fisher's exact test p-value")[2] == "0.725 (not significant at 5%)"
    assert row(parsed, "Unknown ethnicity, left out")[2] == "4 (1.0%)"


def test_published_tables_never_print_a_small_count() -> None:
    # The formatter's own guard, behind the publishing step: these records were not published
    # (2 appointed and 4 unknown are shown in them), yet a published page prints them as "[c]".
    # The publishing step itself is tested in test_publish.py, before any formatting.
    hidden = {KEY: ("n_group", "events_group")}
    parsed = cells(build_metric_report(data(m2_records(), hidden=hidden), ["M2"])
                   .section("figures").body)
    assert row(parsed, "Minority ethnic: applicants shortlisted") == ["10", "[c]", "10"]
    assert row(parsed, "Minority ethnic: applicants appointed") == ["[c]", "[c]", "[c]"]
    assert row(parsed, "Unknown ethnicity, left out")[2] == "[c] (1.0%)"
    numbers = [int(n.replace(",", "")) for r in parsed.rows for _, _, text in r[1:]
               for n in re.findall(r"^[\d,]+$", text)]
    assert numbers and not [n for n in numbers if 1 <= n < 5]


def test_groups_table_lists_each_census_group_against_white() -> None:
    markup = build_metric_report(data(m2_records()), ["M2"]).section("groups").body
    parsed = cells(markup)
    assert row(parsed, "Asian or Asian British")[:3] == ["All services", "6", "0"]


def test_a_metric_not_collected_says_so_and_draws_nothing() -> None:
    records = frame([record(metric="M4", service="all", status="not_collected",
                            reason="fitness_to_practise table not in the return")])
    view = build_metric_report(data(records), ["M4"])
    assert view.keys == ("banners", "title", "headline", "actions", "quality", "how_to_read")
    assert html.escape(narrative.not_collected("M4")) in view.section("headline").body
    assert "<img" not in view.html()


def test_two_metrics_in_one_report_keep_their_own_sections() -> None:
    survey = dict(n_group=40, events_group=12, n_reference=160, events_reference=24,
                  rate_group=0.3, rate_reference=0.15, rl=2.0, rl_ci_low=1.2, rl_ci_high=3.3,
                  gap_pp=15.0, gap_pp_ci_low=1.0, gap_pp_ci_high=30.0, adverse_when="high",
                  four_fifths="adverse", p_value=0.03, significant=True)
    records = frame([record(metric=m, service="all", **survey) for m in ("M7a", "M7b")])
    view = build_metric_report(data(records), ["M7a", "M7b"])
    assert view.keys[:3] == ("banners", "title", "M7a/headline")
    assert "M7b/figures" in view.keys and view.keys[-1] == "how_to_read"
    only_b = view.html("M7b")
    assert "M7b: Headline" in only_b and "M7a: Headline" not in only_b
    # gap in percentage points with its Newcombe interval: 30% - 15% = +15.0 pp
    assert row(cells(view.section("M7a/figures").body),
               "Gap, minority minus white (95% CI)") == ["+15.0 pp (+1.0 pp to +30.0 pp)"]


def test_banners_follow_the_mode_and_the_data() -> None:
    internal = build_metric_report(data(m2_records(), mode="internal", synthetic=True),
                                          ["M2"]).section("banners").body
    assert html.escape(disclosure.BANNER_INTERNAL) in internal
    assert html.escape(SYNTHETIC_BANNER) in internal
    published = build_metric_report(data(m2_records()), ["M2"]).section("banners").body
    assert published == ""


def test_html_is_self_contained_and_charts_can_be_left_out() -> None:
    full = build_metric_report(data(m2_records()), ["M2"]).html()
    assert not re.search(r'(src|href)="(https?:)?//', full)
    assert full.count('<img alt="') == 2  # rates and RL by group
    lean = build_metric_report(data(m2_records()), ["M2"], with_charts=False)
    assert "chart" not in lean.keys and "<img" not in lean.html()


def test_unknown_metric_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown metric 'M10': expected one of M1, M2"):
        build_metric_report(data(m2_records()), ["M10"])


# ---------------------------------------------------------------- M1


def test_pay_band_table_keeps_band_order_and_adds_the_whole_workforce() -> None:
    rows = []
    # 30 of 100 in the lowest band (30%), 10 of 50 (20%), 2 of 20 (10%; count under 5 withheld)
    for band, (minority, known) in zip(BANDS, ((30, 100), (10, 50), (2, 20)), strict=True):
        if minority < 5:
            rows.append(record(metric="M1", service="all", pay_band=band, suppressed=True,
                               reason="not published: small numbers"))
            continue
        share = minority / known
        rows.append(record(metric="M1", service="all", pay_band=band, n_group=minority,
                           n_reference=known - minority, share=share,
                           share_workforce=42 / 170, representation_index=share / (42 / 170)))
    rows.append(record(metric="M1", service="all", pay_band=None, n_group=42, n_reference=128,
                       share=42 / 170, share_workforce=42 / 170))
    hidden = {("M1", "all", "minority", BANDS[2]): ("n_group", "n_reference", "share",
                                                   "representation_index")}
    markup = build_metric_report(data(frame(rows), hidden=hidden), ["M1"]).section(
        "figures").body
    counts, shares, index = (cells(t) for t in markup.split("</table>")[:3])
    for grid in (counts, shares, index):
        assert [r[0][2] for r in grid.rows] == ["Pay band (lowest first)", *BANDS,
                                                "Whole workforce"]
        assert [text for _, _, text in grid.rows[0][1:]] == ["All services"]
    assert [row(counts, band) for band in BANDS] == [["30 / 70"], ["10 / 40"], ["[c] / [c]"]]
    assert [row(shares, band) for band in BANDS] == [["30.0%"], ["20.0%"], ["not published"]]
    # index = 0.30 / (42/170) = 0.30 / 0.2471 = 1.21; 0.20 / 0.2471 = 0.81
    assert [row(index, band) for band in BANDS] == [["1.21"], ["0.81"], ["not published"]]
    assert row(counts, "Whole workforce") == ["42 / 128"]
    assert row(shares, "Whole workforce") == ["24.7%"]
    assert row(index, "Whole workforce") == ["1.00"]


# ---------------------------------------------------------------- the summary


def summary_data() -> ReportData:
    results = pd.concat([m2_records(), frame([
        record(metric="M3", service="all", rl=1.83, rl_ci_low=0.82, rl_ci_high=4.08,
               adverse_when="high"),
        record(metric="M4", service="all", status="not_collected"),
    ])], ignore_index=True)
    trends = pd.DataFrame([
        # M3 (adverse when high): RL 3.66 -> 1.83, ratio 0.5, significant: improved
        dict(metric="M3", service="all", group="minority", pay_band=None, year=2025,
             compared_with="baseline", year_then=2023, value_then=3.66, value_now=1.83,
             measure="rl", change=0.5, change_ci_low=0.3, change_ci_high=0.8, p_value=0.01,
             significant=True, status="ok", reason=None),
        # M2 (adverse when low): RL 1.33 -> 0.665, ratio 0.5, significant: worsened
        dict(metric="M2", service="all", group="minority", pay_band=None, year=2025,
             compared_with="baseline", year_then=2023, value_then=1.33, value_now=0.665,
             measure="rl", change=0.5, change_ci_low=0.3, change_ci_high=0.9, p_value=0.02,
             significant=True, status="ok", reason=None),
        # M2 against the previous year: not part of "since the baseline"
        dict(metric="M2", service="all", group="minority", pay_band=None, year=2025,
             compared_with="previous", year_then=2024, value_then=0.7, value_now=0.665,
             measure="rl", change=0.95, change_ci_low=0.5, change_ci_high=1.8, p_value=0.9,
             significant=False, status="ok", reason=None),
    ], columns=TREND_COLUMNS)
    return data(results, trends=trends, years=(2023, 2024, 2025))


def test_summary_has_forest_plot_headlines_changes_and_links() -> None:
    view = build_summary(summary_data())
    assert view.keys == ("banners", "title", "forest", "headlines", "changes", "actions",
                         "links", "how_to_read")
    forest = view.section("forest").body
    assert "M2 Appointment from shortlisting, All services: 0.67 (95% CI 0.19 to 2.31)" in \
        html.unescape(forest)
    assert "M4 Fitness to practise, All services: not collected" in html.unescape(forest)
    headlines = cells(view.section("headlines").body)
    assert len(headlines.rows) == 1 + len(METRIC_TABLES)
    assert '<a href="m2_appointment.html">' in view.section("headlines").body
    assert '<a href="m7_harassment_colleagues.html">' in view.section("links").body
    # a link per metric in the table, a link per report in the list (M7a and M7b share one)
    assert view.html().count('<a href="') == len(METRIC_TABLES) + len(NOTEBOOKS) - 1
    assert '<a href="m3_disciplinary.html">M3 report</a>' in view.section("headlines").body
    how = view.section("how_to_read").body
    assert "A relative likelihood below 0.80 is on the adverse side for M2, M5 and M9." in how
    assert ("A relative likelihood above 1.25 is on the adverse side for M3, M4, M6, M7a, M7b "
            "and M8.") in how


def test_summary_sorts_changes_since_baseline_by_the_metrics_direction() -> None:
    changes = html.unescape(build_summary(summary_data()).section("changes").body)
    headings = re.findall(r"<h3>([^<]+)</h3>", changes)
    assert headings == ["Improved", "Worsened", "No significant change"]  # none not compared
    improved, worsened, unchanged = re.split(r"<h3>[^<]+</h3>", changes)[1:]
    summary = summary_data().trends
    assert narrative.describe_change(summary.iloc[0].to_dict()) in improved
    assert narrative.describe_change(summary.iloc[1].to_dict()) in worsened
    assert "None." in unchanged


def test_a_change_that_cannot_be_compared_is_listed_apart() -> None:
    loaded = summary_data()
    withheld = dict(loaded.trends.iloc[0], value_then=None, change=None, change_ci_low=None,
                    change_ci_high=None, p_value=None, significant=None,
                    reason="not published: small numbers")
    trends = pd.DataFrame([withheld], columns=TREND_COLUMNS)
    changes = build_summary(ReportData(**{**loaded.__dict__, "trends": trends}),
                                   with_charts=False).section("changes").body
    assert re.findall(r"<h3>([^<]+)</h3>", changes)[-1] == "Not compared"
    assert html.escape(narrative.describe_change(withheld)) in changes.split("Not compared")[1]


def test_notebook_stems_cover_every_metric_once() -> None:
    assert list(NOTEBOOKS) == [
        "m1_pay_bands", "m2_appointment", "m3_disciplinary", "m4_fitness_to_practise", "m5_cpd",
        "m6_harassment_public", "m7_harassment_colleagues", "m8_leavers",
        "m9_senior_management", "summary"]
    covered = [m for stem, ids in NOTEBOOKS.items() if stem != "summary" for m in ids]
    assert sorted(covered) == sorted(METRIC_TABLES)
    assert NOTEBOOKS["summary"] == tuple(METRIC_TABLES)


# ---------------------------------------------------------------- loading and the cache


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "data")


def test_load_reads_every_year_and_publishes(data_dir: Path) -> None:
    loaded = load(AUTHORITY, 2025, data_dir)
    assert loaded.years == (2024, 2025)
    assert loaded.display_name == "Testshire County Council"
    assert loaded.disclosure == "published" and loaded.synthetic
    assert set(loaded.results["year"]) == {2025}
    assert set(loaded.history["year"]) == {2024, 2025}
    assert (loaded.results["disclosure"] == "published").all()
    # a year before the first one held has nothing to compare with
    assert load(AUTHORITY, 2024, data_dir).years == (2024,)


def test_load_names_a_missing_year(data_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no return for authority 'testshire' and year "
                                                r"2031"):
        load(AUTHORITY, 2031, data_dir)


def test_the_cache_gives_the_same_results_and_notices_a_changed_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, int]] = []
    real = report._publish

    def counting(*args):  # type: ignore[no-untyped-def]
        made.append(args[:2])
        return real(*args)

    monkeypatch.setattr(report, "_publish", counting)
    first = load(AUTHORITY, 2025, data_dir)
    again = load(AUTHORITY, 2025, data_dir)
    assert made == [(AUTHORITY, 2025)]  # warm: not recomputed
    assert again is not first and again.results is not first.results  # a copy each time
    pd.testing.assert_frame_equal(again.results, first.results)
    _CACHE.clear()
    computed.clear()
    cold = load(AUTHORITY, 2025, data_dir)
    assert len(made) == 2
    pd.testing.assert_frame_equal(cold.results, first.results)
    assert build_metric_report(cold, ["M3"]).html() == \
        build_metric_report(first, ["M3"]).html()
    # a return touched (same bytes, new mtime) is not made again; one changed (same size) is
    csv = data_dir / AUTHORITY / "2025" / "recruitment.csv"
    stat = csv.stat()
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    load(AUTHORITY, 2025, data_dir)
    assert len(made) == 2
    text = csv.read_text(encoding="utf-8")
    assert "adults" in text
    csv.write_text(text.replace("adults", "Adults", 1), encoding="utf-8")
    load(AUTHORITY, 2025, data_dir)
    assert len(made) == 3
    # the other mode is its own entry
    assert load(AUTHORITY, 2025, data_dir, disclosure_mode="internal").disclosure == \
        "internal"


def test_data_quality_notes_carry_the_unknowns_and_the_returns_notices() -> None:
    loaded = data(m2_records(), mode="internal")
    loaded = ReportData(**{**loaded.__dict__, "notices": (
        "M4 not collected (no fitness_to_practise table)",
        "no pay_bands in the parameter file: bands ordered by the first amount each names",
        "recruitment: 3 rows with ethnicity 'Not stated'")})
    quality = build_metric_report(loaded, ["M2"]).section("quality").body
    # unknown ethnicity from the records: 4 people, 1.0% of everyone counted, per service
    assert row(cells(quality), "All services") == ["4", "1.0%"]
    assert html.escape(narrative.describe_unknowns(m2_records().iloc[2].to_dict())) in quality
    assert row(cells(quality), "Children's services") == ["not available", "cannot be computed"]
    assert "recruitment: 3 rows" in html.unescape(quality)
    assert "pay_bands" not in quality and "M4 not collected" not in quality
    assert "counts under 10" in quality  # the records carry small_numbers
    m1 = build_metric_report(loaded, ["M1"])  # no M1 records: not collected
    assert "no pay_bands in the parameter file" in m1.section("quality").body


def trend_row(compared_with: str, year_then: int, then: float, change: float,
              service: str = "all", pay_band: str | None = None) -> dict[str, object]:
    return dict(metric="M3", service=service, group="minority", pay_band=pay_band, year=2025,
                compared_with=compared_with, year_then=year_then, value_then=then,
                value_now=1.83, measure="rl", change=change, change_ci_low=change / 2,
                change_ci_high=change * 2, p_value=0.4, significant=False, status="ok",
                reason=None)


def test_trend_section_compares_with_baseline_and_previous_year() -> None:
    m3 = frame([record(metric="M3", service="all", rl=1.83, rl_ci_low=0.82, rl_ci_high=4.08)])
    trends = pd.DataFrame([
        # 1.83 / 2.44 = 0.75 against the baseline; 1.83 / 1.83 = 1.00 against the previous year
        trend_row("baseline", 2023, 2.44, 0.75), trend_row("previous", 2024, 1.83, 1.0),
        trend_row("baseline", 2023, 2.44, 0.75, service="adults"),
    ], columns=TREND_COLUMNS)
    section = build_metric_report(
        data(m3, trends=trends, years=(2023, 2024, 2025)), ["M3"], with_charts=False,
    ).section("trend")
    parsed = cells(section.body)
    assert [r[0][2] for r in parsed.rows[1:]] == ["All services", "All services",
                                                  "Adults' services"]
    assert [text for _, _, text in parsed.rows[1][1:5]] == [
        "baseline (2023)", "2.44", "1.83", "0.75 (0.38 to 1.50)"]
    assert [text for _, _, text in parsed.rows[2][1:5]] == [
        "previous (2024)", "1.83", "1.83", "1.00 (0.50 to 2.00)"]
    # the narrative speaks of all services only; the table holds every service
    sentences = re.findall(r"<p>([^<]*)</p>", section.body)
    assert [html.unescape(s) for s in sentences] == [
        narrative.describe_change(r) for r in trends.iloc[:2].to_dict("records")]


def test_a_previous_year_that_is_the_baseline_is_given_once() -> None:
    m3 = frame([record(metric="M3", service="all", rl=1.83)])
    trends = pd.DataFrame([trend_row("baseline", 2024, 2.44, 0.75),
                           trend_row("previous", 2024, 2.44, 0.75)], columns=TREND_COLUMNS)
    section = build_metric_report(
        data(m3, trends=trends, years=(2024, 2025)), ["M3"], with_charts=False,
    ).section("trend")
    assert len(cells(section.body).rows) == 2  # header + the baseline row
    assert "previous (2024)" not in section.body


def test_an_unusable_earlier_return_is_left_out_of_the_trend(data_dir: Path) -> None:
    bad = data_dir / AUTHORITY / "2024" / "recruitment.csv"
    bad.write_text("service,ethnicity,shortlisted,appointed\nadults,Martian,10,2\n",
                   encoding="utf-8")
    loaded = load(AUTHORITY, 2025, data_dir)
    assert loaded.years == (2025,)
    assert loaded.unusable == ("The 2024 return could not be used (1 problem(s); run wres "
                               "validate), so the change over time leaves it out.",)
    trend = build_metric_report(loaded, ["M2"], with_charts=False).section("trend").body
    assert "The 2024 return could not be used" in trend
    with pytest.raises(ReturnError):  # this year's own return must be usable
        load(AUTHORITY, 2024, data_dir)


def test_published_records_give_none_never_nan(data_dir: Path) -> None:
    """Typed frames (<NA> for a missing figure) whose records, as metrics.json takes them, hold
    None (JSON null), never NaN."""
    loaded = load(AUTHORITY, 2025, data_dir)
    for published in (loaded.results, loaded.history, loaded.pooled):
        values = [v for r in published.to_dict("records") for v in r.values()]
        assert not [v for v in values if isinstance(v, float) and v != v]
        assert not published.attrs
    assert None in {r["reason"] for r in loaded.results.to_dict("records")}
    assert loaded.results["reason"].isna().any()


def test_load_publishes_every_year_through_the_publishing_step(data_dir: Path) -> None:
    """What load hands the formatters, checked before any formatting: every year held
    passes the check with the authority's threshold and senior bands, and is the very frame that
    year's own report publishes (so a later report's history and trends withhold what it did)."""
    loaded = load(AUTHORITY, 2025, data_dir)
    params = load_parameters(AUTHORITY, data_dir / "parameters")
    for year in loaded.years:
        ref = next(r for r in find_returns(data_dir)
                   if r.authority == AUTHORITY and r.year == year)
        _, internal, published = computed.published_return(ref, params, "published")
        assert publish.check(published, params, original=internal) == []
        own = load(AUTHORITY, year, data_dir).results
        history = loaded.history[loaded.history["year"] == year].reset_index(drop=True)
        pd.testing.assert_frame_equal(history, own.reset_index(drop=True))
        assert any(publish.is_withheld(r, "n_group") or publish.is_withheld(r, "events_group")
                   for r in own.to_dict("records"))  # the fixture has small counts to withhold
    # a change is withheld exactly when either year's own report withheld its figure
    shown = {(int(r["year"]), r["metric"], r["service"], r["group"]): r["rl"] is not None
             for r in loaded.history.to_dict("records")}
    compared = {True: 0, False: 0}
    for change in loaded.trends.to_dict("records"):
        if change["measure"] != "rl":
            continue
        ends = [(int(change[y]), change["metric"], change["service"], change["group"])
                for y in ("year", "year_then")]
        both = all(shown.get(e, False) for e in ends)
        assert (change["change"] is not None) <= both
        compared[change["change"] is not None] += 1
    assert compared[True] and compared[False]  # 20 changes shown, 82 withheld or not computed


def test_summary_links_name_each_metric_report() -> None:
    links = links_section()
    assert links.startswith('<ul><li><a href="m1_pay_bands.html">M1: ')
    assert links.count("<li><a href=") == len(NOTEBOOKS) - 1 and links.endswith("</a></li></ul>")


def test_not_published_is_said_only_of_a_withheld_figure() -> None:
    """A figure disclosure control withheld prints "not published"; one missing for another
    reason (here no white staff had the event, so no RL, no NHS direction, no four-fifths
    reading) prints "cannot be computed", in either mode."""
    withheld = {"rl": None, "rl_ci_low": None, "rl_ci_high": None, "p_value": None,
                "withheld": ("events_group", "rl", "rl_ci_low", "rl_ci_high", "p_value"),
                "reason": "not published: small numbers"}
    assert with_ci(fmt_rl, withheld, "rl") == "not published"
    assert figure_text(withheld, "p_value") == "not published"
    not_computable = {"rl": None, "rl_nhs_direction": None, "four_fifths": None,
                      "p_value": 0.25, "withheld": (),
                      "reason": "no white staff had the event"}
    assert with_ci(fmt_rl, not_computable, "rl") == "cannot be computed"
    assert figure_text(not_computable, "rl_nhs_direction") == "cannot be computed"
    assert missing_text(not_computable, "four_fifths") == "cannot be computed"
    assert figure_text(not_computable, "p_value", fmt_p) == "0.250 (not significant at 5%)"
    # a change over time carries no list of withheld columns: its reason says it was withheld
    change = {"change": None, "change_ci_low": None, "change_ci_high": None,
              "reason": "not published: small numbers"}
    assert with_ci(fmt_rl, change, "change") == "not published"
    change["reason"] = "a relative likelihood is missing in one year"
    assert with_ci(fmt_rl, change, "change") == "cannot be computed"
    shown = {"rl": 0.5214, "rl_ci_low": 0.41, "rl_ci_high": 0.664, "withheld": ()}
    assert with_ci(fmt_rl, shown, "rl") == "0.52 (0.41 to 0.66)"

