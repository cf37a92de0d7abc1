"""Charts: what is drawn is exactly the published numbers, in the Analysis Function palette, with a
text alternative that states them."""

from __future__ import annotations

import base64
import html
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from afcharts.af_colours import get_af_colours
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedFormatter, FixedLocator
from report_data import frame, record

from wres_tools import metrics
from wres_tools.reporting import charts

AF = [c.lower() for c in get_af_colours("categorical")]
BANDS = ["less than £30,000", "£30,000 to £69,000", "£70,000 and over"]


def plotted_points(figure: Figure) -> list[tuple[float, float]]:
    """Every (x, y) data point of every marker line on the chart (errorbar data lines)."""
    points = []
    for axes in figure.axes:
        for line in axes.lines:
            if line.get_marker() in (None, "None", "", " ", "|", "_"):  # caps are not data
                continue
            for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
                if not (isinstance(y, float) and np.isnan(y)):
                    points.append((float(x), float(y)))
    return points


def ratio_records() -> pd.DataFrame:
    # M2 worked example from the spec: 2/10 minority vs 117/389 white appointed from shortlisting.
    # rate_group = 2/10 = 0.2; rate_reference = 117/389 = 0.30077; rl = 0.2/0.30077 = 0.665.
    return frame([
        record(metric="M2", service="adults", rl=0.52, rl_ci_low=0.41, rl_ci_high=0.66,
               rate_group=0.25, rate_group_ci_low=0.20, rate_group_ci_high=0.31,
               rate_reference=0.48, rate_reference_ci_low=0.45, rate_reference_ci_high=0.51),
        # children: counts under 5, so disclosure withheld every derived figure
        record(metric="M2", service="children", suppressed=True,
               reason="not published: small numbers"),
        record(metric="M2", service="all", rl=0.665, rl_ci_low=0.19, rl_ci_high=2.31,
               rate_group=0.2, rate_group_ci_low=0.057, rate_group_ci_high=0.51,
               rate_reference=117 / 389, rate_reference_ci_low=0.257,
               rate_reference_ci_high=0.348),
        record(metric="M3", service="all", rl=1.83, rl_ci_low=0.82, rl_ci_high=4.08),
        record(metric="M4", service="all", status="not_collected",
               reason="fitness_to_practise table not in the return"),
    ])


def test_forest_plot_draws_each_rl_on_a_log_axis_with_the_four_fifths_band() -> None:
    chart = charts.forest_plot(ratio_records(), row_labels={"M2": "Appointment"})
    assert isinstance(chart.figure, Figure)
    axes = chart.figure.axes[0]
    assert axes.get_xscale() == "log"
    bands = [p for p in axes.patches if isinstance(p, Rectangle)]
    spans = [(round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6)) for p in bands]
    assert (0.8, 1.25) in spans
    # three RLs drawn: M2 adults, M2 all, M3 all - and nothing else
    xs = sorted(x for x, _ in plotted_points(chart.figure))
    assert xs == [0.52, 0.665, 1.83]
    # each metric's label carries its adverse side of 1 (M2 low, M3 and M4 high)
    assert [t.get_text() for t in axes.get_yticklabels()] == [
        "Appointment\n◀ adverse if below 1", "M3\nadverse if above 1 ▶",
        "M4\nadverse if above 1 ▶"]


def test_forest_plot_alt_text_states_every_number_and_every_gap() -> None:
    alt = charts.forest_plot(ratio_records(), row_labels={"M2": "Appointment"}).alt
    assert "Appointment, Adults' services: 0.52 (95% CI 0.41 to 0.66)" in alt
    # 0.665 rounds to 0.67 (two decimals), 2.31 to 2.31
    assert "Appointment, All services: 0.67 (95% CI 0.19 to 2.31)" in alt
    assert "M3, All services: 1.83 (95% CI 0.82 to 4.08)" in alt
    assert "Appointment, Children's services: not published: small numbers" in alt
    assert "M4, All services: not collected" in alt
    assert "log scale" in alt and "0.80 to 1.25" in alt


def test_a_suppressed_value_is_not_drawn_even_where_its_neighbours_are() -> None:
    published = ratio_records()
    chart = charts.rates_chart(published[published["metric"] == "M2"],
                               rate_label="Appointed from shortlisting")
    points = plotted_points(chart.figure)
    # rates in per cent: adults 25 and 48, all 20 and 30.077; children withheld, so 4 points.
    xs = sorted(round(x, 3) for x, _ in points)
    assert xs == [20.0, 25.0, 30.077, 48.0]
    children_row = 1  # services in order adults, children, all -> children on line 1
    assert all(abs(y - children_row) > 0.3 for _, y in points)
    assert "Minority ethnic, Children's services: not published: small numbers" in chart.alt
    assert "White, All services: 30.1% (95% CI 25.7% to 34.8%)" in chart.alt


def test_the_same_record_is_drawn_in_internal_mode() -> None:
    internal = ratio_records()
    internal.loc[1, ["rl", "rl_ci_low", "rl_ci_high", "suppressed"]] = [3.0, 0.5, 18.0, False]
    xs = sorted(x for x, _ in plotted_points(charts.forest_plot(internal).figure))
    assert xs == [0.52, 0.665, 1.83, 3.0]


def test_chart_colours_are_the_analysis_function_palette() -> None:
    figure = charts.forest_plot(ratio_records()).figure
    colours = {to_hex(line.get_color()) for line in figure.axes[0].lines
               if line.get_marker() not in (None, "None", "", " ")}
    assert colours and colours <= set(AF)
    assert list(charts.PALETTE) == get_af_colours("categorical")
    # services differ by marker as well as colour
    markers = {charts.SERVICE_STYLE[s][1] for s in charts.SERVICE_ORDER}
    assert len(markers) == 3


def m1_records(order: list[str]) -> pd.DataFrame:
    rows = []
    # minority share falls as bands rise: 30%, 20%, 10% in adults; whole workforce 24%
    for service, shares, workforce in (("adults", (0.30, 0.20, 0.10), 0.24),
                                       ("all", (0.28, 0.18, None), 0.22)):
        for band, share in zip(order, shares, strict=True):
            if share is None:
                rows.append(record(metric="M1", service=service, pay_band=band, suppressed=True,
                                   reason="not published: small numbers"))
            else:
                rows.append(record(metric="M1", service=service, pay_band=band, share=share,
                                   share_ci_low=share - 0.05, share_ci_high=share + 0.06,
                                   share_workforce=workforce))
        rows.append(record(metric="M1", service=service, pay_band=None, share=workforce,
                           share_workforce=workforce))
    return frame(rows)


def test_pay_band_chart_keeps_the_authoritys_band_order() -> None:
    chart = charts.pay_band_chart(m1_records(BANDS))
    axes = chart.figure.axes[0]
    # a pay ladder: tick i is band i, lowest band at the bottom (y = 0)
    assert [t.get_text() for t in axes.get_yticklabels()] == BANDS
    assert list(axes.get_yticks()) == [0, 1, 2]
    # adults drawn just above each band's centre (y = i + 0.25), all services just below
    points = plotted_points(chart.figure)
    adults = sorted((round(y, 2), x) for x, y in points if round(y - int(y), 2) == 0.25)
    assert adults == [(0.25, 30.0), (1.25, 20.0), (2.25, 10.0)]
    assert "less than £30,000, Adults' services: 30.0% (95% CI 25.0% to 36.0%)" in chart.alt
    assert "whole workforce, Adults' services: 24.0%" in chart.alt


def test_pay_band_chart_takes_an_explicit_order_and_never_draws_a_withheld_band() -> None:
    reverse = list(reversed(BANDS))
    chart = charts.pay_band_chart(m1_records(BANDS), bands=reverse)
    axes = chart.figure.axes[0]
    assert [t.get_text() for t in axes.get_yticklabels()] == reverse
    xs = sorted(round(x, 3) for x, _ in plotted_points(chart.figure))
    assert xs == [10.0, 18.0, 20.0, 28.0, 30.0]  # the withheld top band of "all" is absent
    assert "£70,000 and over, All services: not published: small numbers" in chart.alt
    lines = [line for line in axes.lines if (line.get_gid() or "").startswith("workforce")]
    assert sorted(round(line.get_xdata()[0], 3) for line in lines) == [22.0, 24.0]
    labels = chart.figure.legends[0].get_texts()
    assert "All services, whole workforce: 22.0%" in [t.get_text() for t in labels]


def test_shares_chart_draws_three_shares_and_skips_a_missing_population() -> None:
    rows = frame([
        # 3 of 20 senior managers minority = 15%; workforce 25%; population 30% (all only)
        record(metric="M9", service="adults", share=0.15, share_ci_low=0.032,
               share_ci_high=0.379, share_workforce=0.25,
               reason="no population data for this service"),
        record(metric="M9", service="all", share=0.15, share_ci_low=0.032, share_ci_high=0.379,
               share_workforce=0.25, share_population=0.30),
    ])
    chart = charts.shares_chart(rows)
    widths = sorted(round(p.get_width(), 3) for p in chart.figure.axes[0].patches
                    if (p.get_gid() or "").startswith("share:"))
    assert widths == [15.0, 15.0, 25.0, 25.0, 30.0]
    hatches = {p.get_hatch() for p in chart.figure.axes[0].patches
               if (p.get_gid() or "").startswith("share:")}
    assert hatches == {None, "//", ".."} or hatches == {"", "//", ".."}
    assert "Local population (census 2021), All services: 30.0%" in chart.alt
    assert "Senior management, All services: 15.0% (95% CI 3.2% to 37.9%)" in chart.alt
    assert ("Local population (census 2021), Adults' services: "
            "no population data for this service") in chart.alt


def test_trend_chart_leaves_a_gap_for_a_withheld_year() -> None:
    rows = frame([
        record(metric="M3", service="all", year=2023, rl=2.0, rl_ci_low=1.2, rl_ci_high=3.3),
        record(metric="M3", service="all", year=2024, suppressed=True,
               reason="not published: small numbers"),
        record(metric="M3", service="all", year=2025, rl=1.5, rl_ci_low=0.9, rl_ci_high=2.5),
    ])
    chart = charts.trend_chart(rows, title="M3 over time")
    assert chart.figure.axes[0].get_yscale() == "log"
    assert sorted(plotted_points(chart.figure)) == [(2023.0, 2.0), (2025.0, 1.5)]
    assert "All services, 2024: not published: small numbers" in chart.alt
    assert "All services, 2023: 2.00 (95% CI 1.20 to 3.30)" in chart.alt


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_images_are_byte_identical_whatever_the_callers_matplotlib_state(fmt: str) -> None:
    first = getattr(charts.forest_plot(ratio_records()), fmt)()
    with matplotlib.rc_context({"font.size": 30, "figure.dpi": 50, "axes.grid": False,
                                "svg.fonttype": "path", "svg.hashsalt": None}):
        matplotlib.style.use("ggplot")
        second = getattr(charts.forest_plot(ratio_records()), fmt)()
    assert first == second
    assert first.startswith(b"\x89PNG" if fmt == "png" else b"<svg ")
    assert b"Software" not in first and b"matplotlib v" not in first.lower()


def test_svg_keeps_text_as_text_and_names_no_other_host() -> None:
    svg = charts.forest_plot(ratio_records()).svg().decode("utf-8")
    assert "<text" in svg and "0.52" in svg  # a value label, as text, not glyph paths
    assert "font-family: 'DejaVu Sans', sans-serif" in svg
    assert "<!DOCTYPE" not in svg and "<dc:date>" not in svg
    # the only URLs are XML namespace names, which nothing fetches
    assert set(re.findall(r'"(https?://[^"]*)"', svg)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink",
        "http://purl.org/dc/elements/1.1/", "http://creativecommons.org/ns#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://purl.org/dc/dcmitype/StillImage"}


def test_html_figure_has_real_alt_text_and_an_inline_image() -> None:
    chart = charts.forest_plot(ratio_records())
    markup = chart.html()
    alt = re.search(r'<img alt="([^"]*)"', markup).group(1)
    assert alt.startswith("Relative likelihood, minority ethnic ÷ white staff. Dot-and-whisker")
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]*)"', markup).group(1)
    assert base64.b64decode(src) == chart.svg()
    assert "<figcaption>" in markup and "0.52 (95% CI 0.41 to 0.66)" in markup
    assert "http" not in markup


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), pd.NA])
def test_missing_values_are_never_drawn(value: object) -> None:
    rows = frame([record(metric="M5", service="all", rl=0.9, rl_ci_low=0.7, rl_ci_high=1.1),
                  record(metric="M6", service="all", rl=value)])
    assert [x for x, _ in plotted_points(charts.forest_plot(rows).figure)] == [0.9]


def test_a_line_with_nothing_to_draw_for_one_reason_says_it_once() -> None:
    rows = frame([record(metric="M4", service=s, status="not_collected")
                  for s in ("adults", "children", "all")]
                 + [record(metric="M5", service="all", rl=1.1, rl_ci_low=0.9, rl_ci_high=1.3)])
    chart = charts.forest_plot(rows)
    assert "M4, every service: not collected" in chart.alt
    notes = [t.get_text() for t in chart.figure.axes[0].texts]
    assert notes.count("not collected") == 1


def test_no_rl_for_a_count_of_zero_is_stated_not_drawn() -> None:
    # 0 of 12 minority ethnic staff against 30 of 200 white: no RL (a count of zero), as
    # metrics.compute_all leaves the record; its reason is the text alternative's words
    reason = metrics.zero_cell_reason(metrics.METRICS["M3"], "minority ethnic", 0, 12, 30, 200)
    rows = frame([record(metric="M3", service="all", rl=None, status="not_computable",
                         reason=reason),
                  record(metric="M5", service="all", rl=1.1, rl_ci_low=0.9, rl_ci_high=1.3)])
    chart = charts.forest_plot(rows)
    assert [x for x, _ in plotted_points(chart.figure)] == [1.1]
    assert ("M3, every service: no minority ethnic staff entered the formal disciplinary "
            "process, so no relative likelihood or four-fifths reading is given") in chart.alt


def test_margins_fit_the_widest_label_whatever_the_order_of_a_set() -> None:
    """Labels of one length but different widths: the widest sets the margin. (Measuring only
    "the three longest" left ties to a set's order, which changes with PYTHONHASHSEED, so the
    same return gave different SVG bytes in different processes.)"""
    narrow = [f"band {chr(97 + i)}{chr(97 + i)}" for i in range(26)]  # "band aa" ... "band zz"
    labels = [*narrow, "BAND MM"]
    widest = charts._text_size(["BAND MM"], 11)[0]
    assert widest > max(charts._text_size([n], 11)[0] for n in narrow)
    assert charts._text_size(labels, 11)[0] == widest
    assert charts._text_size(list(reversed(labels)), 11)[0] == widest


def test_tick_texts_are_the_labels_drawn_even_when_some_ticks_fall_outside_the_view() -> None:
    figure = Figure()
    axes = figure.add_subplot()
    axes.set_yticks([0, 1, 2, 3], ["zero", "one", "two", "three"])
    axes.set_ylim(0.5, 3.5)  # "zero" is outside: the others keep their own labels
    axes.set_xlim(0, 10)
    assert charts._tick_texts(axes.yaxis) == ["one", "two", "three"]
    # a FixedFormatter labels by position, so the labels are made before the view filters them
    axes.yaxis.set_major_locator(FixedLocator([0, 1, 2, 3]))
    axes.yaxis.set_major_formatter(FixedFormatter(["zero", "one", "two", "three"]))
    assert charts._tick_texts(axes.yaxis) == ["one", "two", "three"]
    assert charts._tick_texts(axes.xaxis) == ["0", "2", "4", "6", "8", "10"]


# ---------------------------------------------------------------- which side is adverse


def test_the_forest_plot_of_metrics_marks_each_metrics_adverse_side_in_its_key_and_words() -> None:
    chart = charts.forest_plot(ratio_records(), row_labels={"M2": "Appointment"})
    # M2 (appointment) is adverse when low, M3 and M4 when high: METRICS[m].adverse_when
    assert chart.summary.endswith(
        "; under each metric's label, an arrow and words mark the side of 1 that is adverse "
        "for it")
    assert ("under each metric's label, an arrow and words mark the side of 1 that is adverse "
            "for it. Adverse side of 1: below 1 (minority ethnic staff less likely than white "
            "staff) for Appointment; above 1 (minority ethnic staff more likely than white staff) "
            "for M3 and M4. Values shown: ") in chart.alt
    legend = [t.get_text() for t in chart.figure.legends[0].get_texts()]
    # the two keys to reading the chart first (one column), then the services
    assert legend[:2] == ["0.80 to 1.25: no adverse impact (shaded)",
                          "◀ ▶ under a metric: the side of 1 that is adverse for it"]
    # the key has no mark of its own, so nothing is drawn for it
    assert sorted(x for x, _ in plotted_points(chart.figure)) == [0.52, 0.665, 1.83]
    # the image's own alt attribute (title and summary) says it too
    markup = charts.forest_plot(ratio_records()).html()
    alt = html.unescape(re.search(r'<img alt="([^"]*)"', markup).group(1))
    assert alt.endswith("; under each metric's label, an arrow and words mark the side of 1 "
                        "that is adverse for it")


def test_a_records_own_adverse_side_wins_and_a_line_with_none_is_left_unmarked() -> None:
    rows = frame([record(metric="M5", service="all", rl=0.9, rl_ci_low=0.7, rl_ci_high=1.1,
                         adverse_when="low"),
                  record(metric="M8", service="all", rl=1.4, rl_ci_low=1.1, rl_ci_high=1.8,
                         adverse_when="high"),
                  record(metric="X1", service="all", rl=1.0, rl_ci_low=0.8, rl_ci_high=1.2)])
    chart = charts.forest_plot(rows)
    assert [t.get_text() for t in chart.figure.axes[0].get_yticklabels()] == [
        "M5\n◀ adverse if below 1", "M8\nadverse if above 1 ▶", "X1"]
    assert ("Adverse side of 1: below 1 (minority ethnic staff less likely than white staff) "
            "for M5; above 1 (minority ethnic staff more likely than white staff) for M8.") \
        in chart.alt


def test_a_metric_reports_forest_plot_of_groups_is_unmarked_unless_asked() -> None:
    rows = frame([record(metric="M3", service="all", group=g, rl=rl, rl_ci_low=rl / 2,
                         rl_ci_high=rl * 2, adverse_when="high")
                  for g, rl in (("minority", 1.5), ("asian", 1.2), ("black", 2.1))])
    plain_chart = charts.forest_plot(rows, rows="group")
    assert [t.get_text() for t in plain_chart.figure.axes[0].get_yticklabels()] == [
        "All minority ethnic", "Asian", "Black"]
    assert "adverse" not in plain_chart.alt.replace("no adverse impact", "")
    marked = charts.forest_plot(rows, rows="group", mark_adverse=True)
    assert [t.get_text() for t in marked.figure.axes[0].get_yticklabels()] == [
        f"{name}\nadverse if above 1 ▶" for name in ("All minority ethnic", "Asian", "Black")]
    assert ("Adverse side of 1: above 1 (minority ethnic staff more likely than white staff) for "
            "All minority ethnic, Asian and Black.") in marked.alt


def test_the_index_and_the_forest_plot_say_the_adverse_side_in_the_same_words() -> None:
    from wres_tools.batch import index

    assert index.ADVERSE_WORDS is charts.ADVERSE_WORDS  # one table of words, in formats.py
    assert set(index.ADVERSE_MARKS) == set(charts.ADVERSE_MARKS) == {"low", "high"}
    for words in charts.ADVERSE_WORDS.values():  # the key prints the forest plot's words
        assert words in index.headline_key()


# ---------------------------------------------------------------- M1 over time, 12 bands


GRADES = [f"Grade {i}" for i in range(1, 13)]


def m1_history() -> pd.DataFrame:
    """12 bands x 3 years of all services' minority share: band i holds (10 + i)% in 2023,
    one point less each year before; Grade 12's 2024 share withheld (small numbers). The
    whole workforce is 12% every year."""
    rows = []
    for year in (2023, 2024, 2025):
        for i, band in enumerate(GRADES, start=1):
            if band == "Grade 12" and year == 2024:
                rows.append(record(metric="M1", service="all", year=year, pay_band=band,
                                   suppressed=True, reason="not published: small numbers"))
                continue
            share = (10 + i - (2025 - year)) / 100
            rows.append(record(metric="M1", service="all", year=year, pay_band=band,
                               share=share, share_ci_low=share - 0.02,
                               share_ci_high=share + 0.03))
        rows.append(record(metric="M1", service="all", year=year, pay_band=None, share=0.12))
    return frame(rows)


def test_m1_trend_with_12_bands_is_one_panel_per_band_on_one_scale() -> None:
    chart = charts.trend_chart(m1_history(), measure="share", series="pay_band",
                               title="M1 over time")
    panels = chart.figure.axes
    assert [a.get_title(loc="left") for a in panels] == GRADES  # lowest band first
    # 3 rows of 4, every panel on the same share scale
    assert sorted({round(a.get_position().x0, 3) for a in panels}) == sorted(
        {round(a.get_position().x0, 3) for a in panels[:4]})
    assert len({round(a.get_position().y0, 3) for a in panels}) == 3
    assert len({a.get_ylim() for a in panels}) == 1
    # each panel draws its own band only: Grade 3 is 11%, 12%, 13%; Grade 12's 2024 is a gap
    grade3 = [(x, round(y, 6)) for x, y in plotted_points_of(panels[2], "trend:")]
    assert grade3 == [(2023.0, 11.0), (2024.0, 12.0), (2025.0, 13.0)]
    grade12 = [(x, round(y, 6)) for x, y in plotted_points_of(panels[11], "trend:")]
    assert grade12 == [(2023.0, 20.0), (2025.0, 22.0)]
    assert "not\npublished" in [t.get_text() for t in panels[11].texts]
    # the whole workforce, a dashed line in every panel
    for axes in panels:
        gid = f"workforce:{axes.get_title('left')}"
        line = next(ln for ln in axes.lines if ln.get_gid() == gid)
        assert line.get_linestyle() == "--" and list(line.get_ydata()) == [12.0, 12.0, 12.0]
    legend = [t.get_text() for t in chart.figure.legends[0].get_texts()]
    assert legend == ["Minority ethnic share of the band", "Whole workforce"]


def test_m1_trend_alt_text_states_what_the_panels_draw() -> None:
    chart = charts.trend_chart(m1_history(), measure="share", series="pay_band",
                               title="M1 over time")
    assert chart.summary == (
        "Small-multiple line charts, one panel per pay band (lowest band first), of the minority "
        "ethnic share of staff in the band by reporting year, with 95% confidence intervals, "
        "every panel on the same scale; a dashed line in each panel marks the whole workforce's "
        "share")
    assert chart.alt.startswith(chart.summary + ". Values shown: Grade 1, 2023: 9.0% "
                                "(95% CI 7.0% to 12.0%); Grade 1, 2024: 10.0%")
    assert "Grade 12, 2025: 22.0% (95% CI 20.0% to 25.0%); whole workforce, 2023: 12.0%; " \
           "whole workforce, 2024: 12.0%; whole workforce, 2025: 12.0%." in chart.alt
    assert chart.alt.endswith(" Not shown: Grade 12, 2024: not published: small numbers.")
    # every value the alt text names is drawn, and no other
    drawn = re.findall(r"(Grade \d+), (\d{4}): (\d+\.\d)%", chart.alt)
    assert len(drawn) == 35
    points = sorted((a.get_title("left"), str(int(x)), f"{y:.1f}") for a in chart.figure.axes
                    for x, y in plotted_points_of(a, "trend:"))
    assert points == sorted(drawn)


def test_m1_trend_without_the_whole_workforce_draws_the_bands_only() -> None:
    history = m1_history()
    chart = charts.trend_chart(history[history["pay_band"].notna()], measure="share",
                               series="pay_band")
    assert not chart.figure.legends
    assert not [ln for a in chart.figure.axes for ln in a.lines
                if (ln.get_gid() or "").startswith("workforce")]
    assert "whole workforce" not in chart.alt and "dashed" not in chart.summary


def plotted_points_of(axes, gid_prefix: str) -> list[tuple[float, float]]:
    """The (x, y) points of one panel's data line whose gid starts with ``gid_prefix``."""
    points = []
    for line in axes.lines:
        if line.get_marker() in (None, "None", "none", "", " ", "|", "_") \
                or not (line.get_gid() or "").startswith(gid_prefix):
            continue
        for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
            if not np.isnan(float(y)):
                points.append((float(x), float(y)))
    return points


def test_m1_trend_given_every_service_draws_all_services_only() -> None:
    history = m1_history()
    adults = history.copy()
    adults["service"] = "adults"
    adults["share"] = [None if s is None else s / 2 for s in adults["share"]]
    chart = charts.trend_chart(pd.concat([adults, history], ignore_index=True), measure="share",
                               series="pay_band")
    grade3 = [(x, round(y, 6)) for x, y in plotted_points_of(chart.figure.axes[2], "trend:")]
    assert grade3 == [(2023.0, 11.0), (2024.0, 12.0), (2025.0, 13.0)]
