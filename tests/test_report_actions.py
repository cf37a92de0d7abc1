"""Action plans and benchmarking positions in the reports (the ``actions`` and
``benchmark`` sections), from hand-made plans, trends and returns written by code."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pandas as pd
import pytest
from report_data import AUTHORITY, WHITE, tables, write_fixture
from test_report import TREND_COLUMNS, cells, data, m2_records, row

from wres_tools import benchmarking
from wres_tools.benchmarking import YearBenchmark, benchmark_year
from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_TIDY_COLUMNS,
    RESULT_COLUMNS,
    typed_results,
)
from wres_tools.funnel import RATIO_METRICS
from wres_tools.reporting.blocks import Report
from wres_tools.reporting.data import ReportData
from wres_tools.reporting.report import (
    build_metric_report,
    build_summary,
    load,
    metric_view,
    summary_view,
)
from wres_tools.reporting.sections import NO_ACTION, NO_OTHER_AUTHORITY, NO_PLAN, direction_text
from wres_tools.returns.writer import write_return

OWNER = "Director of People & Culture <Adults>"


def empty_results() -> pd.DataFrame:
    """A typed results frame with no records."""
    return typed_results(pd.DataFrame(columns=list(RESULT_COLUMNS)))


def tidy_plan(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """A tidy plan from (action_id, metric, status, owner) rows; the other text filled in."""
    records = [{
        "action_id": action_id, "metric": metric, "objective": "Fair treatment",
        "aim": None, "action": f"action {action_id}", "owner": owner, "status": status,
        "success": f"success of {action_id}",
        "latest_update": None if action_id == "A1" else f"update on {action_id}",
        "service": "all", "due": None,
    } for action_id, metric, status, owner in rows]
    return pd.DataFrame(records, columns=list(ACTION_PLAN_TIDY_COLUMNS), dtype="str")


#: A2 aims at M2 and M9; A4 at M7a and M7b (a plan writes "M7").
PLAN = tidy_plan(
    ("A1", "M2", "Green", "Head of HR"),
    ("A2", "M2", "Red", OWNER), ("A2", "M9", "Red", OWNER),
    ("A3", "M3", "Complete", "Head of HR"),
    ("A4", "M7a", "Amber", "Head of HR"), ("A4", "M7b", "Amber", "Head of HR"),
)


def with_plan(base: ReportData, plan: pd.DataFrame | None = PLAN) -> ReportData:
    return dataclasses.replace(base, action_plan=plan)


#: An action's movement when the report holds no earlier plan.
EARLIEST = ["no earlier report", "no earlier report"]


def action_rows(markup: str) -> list[list[str]]:
    """The body rows of the first table: every cell's text, the row header first."""
    return [[text for _, _, text in r] for r in cells(markup).rows[1:]]


# ---------------------------------------------------------------- metric reports


def test_metric_report_lists_exactly_the_actions_aimed_at_its_metric() -> None:
    view = build_metric_report(with_plan(data(m2_records())), ["M2"], with_charts=False)
    assert view.keys.index("actions") == view.keys.index("trend") + 1
    parsed = cells(view.section("actions").body)
    assert [text for _, _, text in parsed.rows[0]] == [
        "Action id", "Action", "Owner", "Status", "Since the last report", "Since the baseline",
        "Updates", "What success looks like"]
    # A1 and A2 aim at M2; A2 (Red) is more urgent than A1 (Green); A3, A4 aim elsewhere
    assert action_rows(view.section("actions").body) == [
        ["A2", "action A2", OWNER, "✖ Red", *EARLIEST, "update on A2", "success of A2"],
        ["A1", "action A1", "Head of HR", "● Green", *EARLIEST, "no update given",
         "success of A1"],
    ]
    # status is a shape and a word, not a colour: no style or class carries it
    assert "color" not in view.section("actions").body
    assert html.escape(OWNER) in view.section("actions").body  # the owner's text as given


def test_each_metric_gets_its_own_actions_and_a_metric_without_any_says_so() -> None:
    empty = with_plan(data(empty_results()))  # nothing collected: still the actions
    m3 = build_metric_report(empty, ["M3"]).section("actions").body
    assert action_rows(m3) == [
        ["A3", "action A3", "Head of HR", "✔ Complete", *EARLIEST, "update on A3",
         "success of A3"]]
    m7 = build_metric_report(empty, ["M7a", "M7b"])
    for part in ("M7a", "M7b"):
        assert [r[0] for r in action_rows(m7.section(f"{part}/actions").body)] == ["A4"]
        assert "▲ Amber" in m7.section(f"{part}/actions").body
    m5 = build_metric_report(empty, ["M5"]).section("actions").body
    assert html.escape(NO_ACTION) in m5 and "<table" not in m5
    none = build_metric_report(with_plan(data(empty_results()), None), ["M2"])
    assert html.escape(NO_PLAN) in none.section("actions").body


# ---------------------------------------------------------------- the summary's actions table


def trends(*rows: dict) -> pd.DataFrame:
    """Published change_over_time rows, 2025 against the 2024 baseline, minority, all services."""
    base = {"service": "all", "group": "minority", "pay_band": None, "year": 2025,
            "compared_with": "baseline", "year_then": 2024, "measure": "rl", "status": "ok",
            "reason": None, "change_ci_low": None, "change_ci_high": None, "p_value": None}
    return pd.DataFrame([{**base, **r} for r in rows], columns=TREND_COLUMNS, dtype=object)


TRENDS = trends(
    # M2 (adverse when low): RL 0.5 -> 0.8, ratio 1.6, significant: improved
    {"metric": "M2", "value_then": 0.5, "value_now": 0.8, "change": 1.6, "significant": True},
    # M3 (adverse when high): RL 2.0 -> 3.0, ratio 1.5, not significant: no significant change
    {"metric": "M3", "value_then": 2.0, "value_now": 3.0, "change": 1.5, "significant": False},
    # M9 (adverse when low) by its RL, the headline: 0.8 -> 0.5, ratio 0.625, significant:
    # worsened (its share, 10% -> 6%, is beside it)
    {"metric": "M9", "measure": "share_pp", "value_then": 0.1, "value_now": 0.06,
     "change": -4.0, "significant": True},
    {"metric": "M9", "value_then": 0.8, "value_now": 0.5, "change": 0.625, "significant": True},
    # M7a withheld by disclosure control: its direction is never told
    {"metric": "M7a", "value_then": None, "value_now": None, "change": None,
     "significant": None, "status": "suppressed", "reason": "not published: small numbers"},
)


def test_summary_counts_actions_by_status_beside_the_change_since_baseline() -> None:
    summary = build_summary(
        with_plan(data(empty_results(), trends=TRENDS, years=(2024, 2025))),
        with_charts=False)
    assert summary.keys.index("actions") == summary.keys.index("changes") + 1
    parsed = cells(summary.section("actions").body)
    assert [text for _, _, text in parsed.rows[0]] == [
        "Metric", "✖ Red", "▲ Amber", "● Green", "✔ Complete", "All actions",
        "Since the baseline year", "In words"]
    assert len(parsed.rows) == 1 + 10  # one table, every metric a row
    title = "M2: Relative likelihood of being appointed from shortlisting"
    # M2: A2 Red, A1 Green = 2 actions
    assert row(parsed, title) == [
        "1", "0", "1", "0", "2", "Improved",
        "2 actions in the plan aim at appointment from shortlisting: 1 Red and 1 Green. The "
        "figure has improved significantly since the baseline year (2024)."]
    assert row(parsed, "M3: Relative likelihood of entering the formal disciplinary process")[
        :6] == ["0", "0", "0", "1", "1", "No significant change"]
    # M9: A2 counts for M2 and for M9
    assert row(parsed, "M9: Senior management against workforce and population")[:6] == [
        "1", "0", "0", "0", "1", "Worsened"]
    m7a = row(parsed, "M7a: Harassment, bullying or abuse from colleagues")
    assert m7a[:6] == ["0", "1", "0", "0", "1", "Not published: small numbers"]
    assert "is not published: small numbers" in m7a[6]
    # no trend row: no baseline; no action: zero everywhere
    assert row(parsed, "M8: Relative likelihood of leaving the organisation")[:6] == [
        "0", "0", "0", "0", "0", "No baseline"]
    # the column agrees with the summary's own reading of each trend (the "changes" section)
    for trend in TRENDS[TRENDS["status"] == "ok"].to_dict(orient="records"):
        metric_rows = [r for r in parsed.rows if r[0][2].startswith(f"{trend['metric']}:")]
        assert metric_rows[0][6][2] == direction_text(trend).capitalize()


def test_summary_without_a_plan_says_so() -> None:
    summary = build_summary(with_plan(data(empty_results()), None),
                                   with_charts=False)
    assert summary.section("actions").body == f"<p>{html.escape(NO_PLAN)}</p>"
    assert summary.section("benchmark") is None  # no YearBenchmark given: a pure build


# ---------------------------------------------------------------- from files on disk


def raw_plan() -> pd.DataFrame:
    """The plan as an authority writes it: A2 aims at "M2; M9", A4 at "m7"."""
    return pd.DataFrame([
        ("A1", "Fair recruitment", "", "M2", "Diverse interview panels", "Head of HR",
         "green", "Every panel diverse", ""),
        ("A2", "Fair recruitment", "", "M2; M9", "Anonymised applications", OWNER,
         "Red", "RL within 0.80-1.25", "Delayed"),
        ("A4", "Respect at work", "", "m7", "Bystander training", "Head of HR",
         "Amber", "Fewer reports", "Half done"),
    ], columns=list(ACTION_PLAN_COLUMNS))


@pytest.fixture(scope="module")
def one_authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_fixture(tmp_path_factory.mktemp("actions") / "data")
    write_return({**tables(2025), "action_plan": raw_plan()}, root, AUTHORITY, 2025, "csv")
    return root


def test_load_keeps_the_plan_and_the_reports_show_it(one_authority: Path) -> None:
    loaded = load(AUTHORITY, 2025, one_authority)
    assert sorted(loaded.action_plan["action_id"]) == ["A1", "A2", "A2", "A4", "A4"]
    assert load(AUTHORITY, 2024, one_authority).action_plan is None
    m2 = metric_view(AUTHORITY, 2025, one_authority, "M2", with_charts=False)
    assert action_rows(m2.section("actions").body) == [
        ["A2", "Anonymised applications", OWNER, "✖ Red", "no plan in 2024", "no plan in 2024",
         "Delayed", "RL within 0.80-1.25"],
        ["A1", "Diverse interview panels", "Head of HR", "● Green", "no plan in 2024",
         "no plan in 2024", "no update given", "Every panel diverse"],
    ]
    summary = summary_view(AUTHORITY, 2025, one_authority, with_charts=False)
    parsed = cells(summary.section("actions").body)
    assert row(parsed, "M7b: Harassment, bullying or abuse from managers")[:5] == [
        "0", "1", "0", "0", "1"]
    # testshire is the only authority: nothing to benchmark against
    assert summary.section("benchmark").body == (
        f"<p>{html.escape(NO_OTHER_AUTHORITY)}</p>")


# ---------------------------------------------------------------- benchmark positions


def disciplinary(minority: tuple[int, int], white: tuple[int, int]) -> dict[str, pd.DataFrame]:
    """A return with a disciplinary table only: (entered, headcount) per group."""
    return {"disciplinary": pd.DataFrame({
        "ethnicity": ["Indian", WHITE], "entered": [minority[0], white[0]],
        "headcount": [minority[1], white[1]]})}


#: Three more authorities at testshire's rates (minority 0.20, white 1/15: RL 3.00), so that a
#: published year has the five authorities with a figure a funnel needs (funnel.MIN_AUTHORITIES).
MORE = {"northam": ((10, 50), (10, 150)), "westby": ((12, 60), (14, 210)),
        "easton": ((6, 30), (6, 90))}


def write_six(root: Path) -> Path:
    """testshire (M3 2025: 9 of 45 minority, 12 of 180 white, RL 3.00), otherby (11 of 55,
    8 of 120: RL 0.2 / 0.0667 = 3.00), northam, westby and easton (:data:`MORE`, RL 3.00) and
    smallton (2 of 20 minority: withheld when published)."""
    write_fixture(root)
    write_return(disciplinary((11, 55), (8, 120)), root, "otherby", 2025, "csv")
    write_return(disciplinary((2, 20), (10, 100)), root, "smallton", 2025, "csv")
    for key, (minority, white) in MORE.items():
        write_return(disciplinary(minority, white), root, key, 2025, "csv")
    for key, name in (("otherby", "Otherby Council"), ("smallton", "Smallton Council")):
        (root / "parameters" / f"{key}.yml").write_text(f"display_name: {name}\n",
                                                        encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def six_authorities(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_six(tmp_path_factory.mktemp("bench") / "data")


def positions(summary: Report) -> dict[str, str]:
    return {r[0][2].split(":")[0]: r[1][2] for r in cells(summary.section("benchmark").body)
            .rows[1:]}


def test_published_positions_leave_out_the_suppressed_authority(six_authorities: Path) -> None:
    summary = summary_view(AUTHORITY, 2025, six_authorities, with_charts=False)
    assert summary.keys.index("benchmark") == summary.keys.index("actions") + 1
    found = positions(summary)
    assert list(found) == list(RATIO_METRICS)
    # pooled over all but smallton: every one has minority rate 0.20 and white rate 1/15, so
    # the pool's RL is 3.00; smallton's 2 of 20 is withheld
    assert found["M3"] == (
        "Testshire County Council's figure (RL 3.00) is within the 95% limits around the pooled "
        "figure for the 5 authorities with a figure (RL 3.00).")
    assert "6 authorities sent a return for 2025" in summary.section("benchmark").body
    assert "withheld by disclosure control is left out" in summary.section("benchmark").body
    small = summary_view("smallton", 2025, six_authorities, with_charts=False)
    assert positions(small)["M3"] == ("Smallton Council's figure is not published: small "
                                      "numbers, so it is not shown against other authorities.")


def test_internal_positions_pool_every_authority(six_authorities: Path) -> None:
    summary = summary_view(AUTHORITY, 2025, six_authorities, with_charts=False,
                                  disclosure="internal")
    # smallton pooled too: (9 + 11 + 10 + 12 + 6 + 2) / (45 + 55 + 50 + 60 + 30 + 20) = 50 / 260
    # = 0.1923 minority, (12 + 8 + 10 + 14 + 6 + 10) / (180 + 120 + 150 + 210 + 90 + 100)
    # = 60 / 850 = 0.0706 white: RL 2.724
    assert positions(summary)["M3"].endswith(
        "the pooled figure for the 6 authorities with a figure (RL 2.72).")
    assert "withheld by disclosure control" not in summary.section("benchmark").body


def test_the_year_benchmark_is_computed_once_per_year_and_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    six_authorities = write_six(tmp_path / "data")
    calls = []
    real = benchmark_year

    def counted(*args, **kwargs):
        calls.append(kwargs["disclosure"])
        return real(*args, **kwargs)

    monkeypatch.setattr(benchmarking, "benchmark_year", counted)
    for authority in (AUTHORITY, "otherby", "smallton", AUTHORITY):
        summary_view(authority, 2025, six_authorities, with_charts=False)
    assert calls == ["published"]
    summary_view(AUTHORITY, 2025, six_authorities, with_charts=False,
                        disclosure="internal")
    assert calls == ["published", "internal"]
    # a changed return is read again
    write_return(disciplinary((3, 21), (10, 100)), six_authorities, "smallton", 2025, "csv")
    summary_view(AUTHORITY, 2025, six_authorities, with_charts=False)
    assert calls == ["published", "internal", "published"]


def test_a_benchmark_of_another_mode_or_year_is_refused() -> None:
    bench = YearBenchmark(2025, "internal", {}, {}, {})
    with pytest.raises(ValueError, match="the benchmark is of 2025, internal; the report is of "
                                         "2025, published"):
        build_summary(data(empty_results()), with_charts=False, bench=bench)

