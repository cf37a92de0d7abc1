"""The action plan through the year (issue 15, point 3): dated updates kept as the plan's
history, checked cell by cell, and each action's status movement since the last report and the
baseline shown beside the metric's own change, from hand-made plans and returns written by code.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest
from conftest import make_params, write
from report_data import AUTHORITY, tables, write_fixture
from test_report import cells
from test_report_actions import action_rows
from test_validate import check, only_error, plan_tables, sheet_file

from wres_tools import actions
from wres_tools.contract import ACTION_PLAN_TIDY_COLUMNS, ACTION_UPDATE_COLUMNS
from wres_tools.reporting.report import load, metric_view, summary_view
from wres_tools.returns.load import load_return
from wres_tools.returns.parse import update_date
from wres_tools.returns.writer import write_return

FORMS = ["csv", "xlsx"]


def dated_plan() -> pd.DataFrame:
    """A1 twice (May Red, October Amber; the October row leaves what did not change blank),
    A2 once with a date given as a person writes it, A3 with no date."""
    return pd.DataFrame({
        "action_id": ["A1", "A2", "a1", "A3"],
        "objective": ["Fair recruitment", "Safe to speak up", "", "Fair processes"],
        "aim": ["Close the gap", "", "", ""],
        "metrics": ["M2", "m7", "", "M3"],
        "action": ["Diverse interview panels", "Speak up guardians", "", "Pre-formal review"],
        "owner": ["Head of HR", "EDI Lead", "", "Employee Relations Manager"],
        "status": ["Red", "Green", "amber", "Complete"],
        "success": ["RL within 0.80-1.25", "Fewer reports", "", "RL below 1.25"],
        "latest_update": ["Not started", "Guardians in post", "Panels trained in two teams",
                          "Done"],
        "due": ["2025-03-31", "", "", ""],
        "update_date": ["2024-05-31", "30/09/2024", "2024-10-31 00:00:00", ""],
    })


def with_plan(plan: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {**plan_tables(), "action_plan": plan}


# ---------------------------------------------------------------- reading and checking


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-05-31", "2024-05-31"), ("2024-5-1", "2024-05-01"), ("31/05/2024", "2024-05-31"),
    ("2024-05-31 00:00:00", "2024-05-31"), (" 01/10/2024 ", "2024-10-01"),
    ("31/02/2024", None), ("05/31/2024", None), ("May 2024", None), ("", None), (None, None),
])
def test_update_dates_are_read_day_first_or_iso(text: str | None, iso: str | None) -> None:
    assert update_date(text) == iso


@pytest.mark.parametrize("form", FORMS)
def test_a_plan_with_dated_updates_validates_and_keeps_its_history(tmp_path: Path,
                                                                   form: str) -> None:
    report = check(tmp_path, with_plan(dated_plan()), form)
    assert report.ok, [str(p) for p in report.errors]
    ret = load_return(write(tmp_path / "again", with_plan(dated_plan()), form), make_params())
    plan = ret.action_plan
    assert list(plan.columns) == list(ACTION_PLAN_TIDY_COLUMNS)
    # one row per action and metric, as of its latest update; actions in the file's order
    a1 = plan[plan["action_id"].str.lower() == "a1"].iloc[0]
    assert (a1["status"], a1["latest_update"], a1["update_date"]) == (
        "Amber", "Panels trained in two teams", "2024-10-31")
    # what the October row left blank is the May row's
    assert (a1["objective"], a1["action"], a1["owner"], a1["due"]) == (
        "Fair recruitment", "Diverse interview panels", "Head of HR", "2025-03-31")
    assert plan["action_id"].tolist() == ["a1", "A2", "A2", "A3"]  # A2: M7a and M7b
    assert plan[plan["action_id"] == "A3"]["update_date"].isna().all()
    # the history: every dated row, each action's oldest first
    updates = ret.action_updates
    assert list(updates.columns) == list(ACTION_UPDATE_COLUMNS)
    assert updates.to_dict(orient="records") == [
        {"action_id": "A1", "update_date": "2024-05-31", "status": "Red",
         "latest_update": "Not started"},
        {"action_id": "a1", "update_date": "2024-10-31", "status": "Amber",
         "latest_update": "Panels trained in two teams"},
        {"action_id": "A2", "update_date": "2024-09-30", "status": "Green",
         "latest_update": "Guardians in post"},
    ]


def test_a_plan_without_dates_has_no_history(tmp_path: Path) -> None:
    ret = load_return(write(tmp_path, plan_tables(), "csv"), make_params())
    assert ret.action_updates is None
    assert ret.action_plan["update_date"].isna().all()


def edited(row: int, column: str, value: object) -> dict[str, pd.DataFrame]:
    plan = dated_plan().astype(object)
    plan.loc[row, column] = value
    return with_plan(plan)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("row", "column", "bad", "message", "expected_words"), [
    # the same action twice with no date on its second row
    (2, "update_date", None, "action_id repeated (first in row 2)", "each with its update_date"),
    # two updates of A1 on one day
    (2, "update_date", "31/05/2024", "a second update of this action dated 2024-05-31 (first in "
     "row 2)", "each on its own date"),
    (1, "update_date", "end of May", "update_date is not a date", "2023-05-31 or 31/05/2023"),
    (1, "update_date", "31/02/2024", "update_date is not a date", "2023-05-31 or 31/05/2023"),
    # an update's row may leave the owner blank only when an earlier update gives it
    (0, "owner", None, "blank owner", "an earlier update of the action gives it"),
    (2, "status", None, "blank status", "Red, Amber, Green or Complete"),
])
def test_a_bad_update_is_reported_at_its_cell(
    tmp_path: Path, form: str, row: int, column: str, bad: object, message: str,
    expected_words: str,
) -> None:
    problem = only_error(check(tmp_path, edited(row, column, bad), form))
    assert problem.message == message
    assert problem.file == sheet_file(tmp_path, form, "action_plan")
    where = "action_id" if "repeated" in message or "second update" in message else column
    assert (problem.row, problem.column) == (row + 2, where)  # header is row 1
    assert expected_words in (problem.expected or "")


def test_updates_are_taken_in_date_order_not_the_files(tmp_path: Path) -> None:
    """The October row may come first in the file: its blanks still take the May row's values,
    and the May row's are not taken from it."""
    plan = dated_plan().iloc[[2, 0, 1, 3]].reset_index(drop=True)
    assert check(tmp_path, with_plan(plan)).ok
    ret = load_return(write(tmp_path / "b", with_plan(plan), "csv"), make_params())
    a1 = ret.action_plan[ret.action_plan["action_id"].str.lower() == "a1"].iloc[0]
    assert (a1["status"], a1["update_date"], a1["owner"]) == ("Amber", "2024-10-31",
                                                              "Head of HR")
    assert ret.action_updates["update_date"].tolist()[:2] == ["2024-05-31", "2024-10-31"]
    # a blank on the earliest update has nothing to take, so the later update's blank has
    # nothing either: both cells reported
    plan.loc[1, "owner"] = ""
    problem = only_error(check(tmp_path / "c", with_plan(plan)))
    assert (problem.message, problem.rows) == ("blank owner", (2, 3))


# ---------------------------------------------------------------- movement, by hand


def plan(*rows: tuple[str, str]) -> pd.DataFrame:
    """A tidy plan from (action_id, status) rows, each aimed at M2."""
    return pd.DataFrame([{c: None for c in ACTION_PLAN_TIDY_COLUMNS} | {
        "action_id": a, "metric": "M2", "status": s} for a, s in rows],
        columns=list(ACTION_PLAN_TIDY_COLUMNS), dtype="str")


PLANS = {
    2021: plan(("A1", "Red"), ("A2", "Amber"), ("A3", "Green")),
    2022: None,  # that year's return had no plan
    2023: plan(("A1", "Amber"), ("A2", "Red"), ("A3", "Green")),
    2024: plan(("a1", "Complete"), ("A2", "Red"), ("A3", "Amber"), ("A4", "Red")),
}


def test_status_movement_by_hand() -> None:
    moves = actions.status_movement(PLANS, 2024, baseline_year=2021).set_index("action_id")
    assert moves.loc["a1"].to_dict() == {
        "status": "Complete", "last_year": 2023, "status_last": "Amber",
        "since_last": actions.MOVED_UP, "baseline_year": 2021, "status_baseline": "Red",
        "since_baseline": actions.MOVED_UP}
    assert moves.loc["A2", ["since_last", "since_baseline"]].tolist() == [
        actions.UNCHANGED, actions.SLIPPED]  # Red then Red; Amber at the baseline
    assert moves.loc["A3", ["since_last", "since_baseline"]].tolist() == [
        actions.SLIPPED, actions.SLIPPED]
    assert pd.isna(moves.loc["A4", "status_last"])
    assert moves.loc["A4", ["since_last", "since_baseline"]].tolist() == [
        actions.NEW_SINCE, actions.NEW_SINCE]
    # the last report is the year before that was held, even when it had no plan
    after_gap = actions.status_movement(PLANS, 2023, baseline_year=2021).set_index("action_id")
    assert set(after_gap["last_year"]) == {2022}
    assert set(after_gap["since_last"]) == {actions.NO_EARLIER_PLAN}
    assert after_gap.loc["A1", "since_baseline"] == actions.MOVED_UP
    # the baseline year itself has nothing before it
    first = actions.status_movement(PLANS, 2021, baseline_year=2021)
    assert first["last_year"].isna().all() and first["baseline_year"].isna().all()
    assert set(first["since_last"]) == {actions.NO_EARLIER_PLAN}
    assert actions.status_movement(PLANS, 2022).empty  # no plan that year


def test_movement_in_words() -> None:
    moves = actions.status_movement(PLANS, 2024, baseline_year=2021)
    assert actions.describe_movement(moves) == (
        "Since the last report (2023): 1 action moved up, 1 slipped back, 1 is unchanged and "
        "1 is new.")
    only = moves[moves["action_id"].isin(["A2", "A4"])]
    assert actions.describe_movement(only) == (
        "Since the last report (2023): 1 action is unchanged and 1 is new.")
    assert actions.describe_movement(
        actions.status_movement(PLANS, 2023, baseline_year=2021)) == ""
    assert actions.date_text("2024-05-01") == "1 May 2024"


# ---------------------------------------------------------------- in the reports


def raw(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    """A plan aimed at M2 from (action_id, status, latest_update, update_date, action) rows."""
    return pd.DataFrame([{
        "action_id": a, "objective": "Fair recruitment" if action else "", "aim": "",
        "metrics": "M2" if action else "", "action": action,
        "owner": "Head of HR" if action else "", "status": s,
        "success": "RL within 0.80-1.25" if action else "", "latest_update": words,
        "update_date": date} for a, s, words, date, action in rows])


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """testshire 2024 (the baseline) with A1 Red and A2 Green; 2025 with A1 Red in May and
    Amber in October, A2 slipped to Amber, and a new A3."""
    root = write_fixture(tmp_path_factory.mktemp("plan") / "data")
    write_return({**tables(2024), "action_plan": raw([
        ("A1", "Red", "Not started", "", "Diverse interview panels"),
        ("A2", "Green", "On track", "", "Anonymised shortlisting")])},
        root, AUTHORITY, 2024, "csv")
    write_return({**tables(2025), "action_plan": raw([
        ("A1", "Red", "Panels agreed <b>draft</b>", "2025-05-31", "Diverse interview panels"),
        ("A1", "Amber", "Panels in two teams", "2025-10-31", ""),
        ("A2", "Amber", "Paused", "", "Anonymised shortlisting"),
        ("A3", "Red", "", "", "Reverse mentoring")])},
        root, AUTHORITY, 2025, "csv")
    return root


def test_the_metric_report_shows_each_actions_movement_and_updates(two_years: Path) -> None:
    data = load(AUTHORITY, 2025, two_years)
    assert sorted(data.plans) == [2024, 2025] and data.baseline_year == 2024
    body = metric_view(AUTHORITY, 2025, two_years, "M2", with_charts=False).section(
        "actions").body
    assert action_rows(body) == [
        ["A3", "Reverse mentoring", "Head of HR", "✖ Red", "new since 2024", "new since 2024",
         "no update given", "RL within 0.80-1.25"],
        ["A1", "Diverse interview panels", "Head of HR", "▲ Amber",
         "✖ Red (2024) → ▲ Amber: moved up", "✖ Red (2024) → ▲ Amber: moved up",
         "31 May 2025, ✖ Red: Panels agreed <b>draft</b>; "
         "31 October 2025, ▲ Amber: Panels in two teams", "RL within 0.80-1.25"],
        ["A2", "Anonymised shortlisting", "Head of HR", "▲ Amber",
         "● Green (2024) → ▲ Amber: slipped back", "● Green (2024) → ▲ Amber: slipped back",
         "Paused", "RL within 0.80-1.25"],
    ]
    # the input's text is data: escaped, never markup
    assert "<b>draft</b>" not in body and html.escape("<b>draft</b>") in body
    # beside the table: the metric's own change since the baseline, then the actions' movement
    paragraphs = [p for p in body.split("<table")[0].split("</p>") if p.strip()]
    assert paragraphs[0].startswith("<p>3 actions in the plan aim at appointment from "
                                    "shortlisting: 1 Red and 2 Amber")
    assert "since the baseline year (2024)" in paragraphs[0]
    assert paragraphs[1] == ("<p>Since the last report (2024): 1 action moved up, 1 slipped "
                             "back and 1 is new.")


def test_the_summary_tells_the_movement_per_metric(two_years: Path) -> None:
    summary = summary_view(AUTHORITY, 2025, two_years, with_charts=False)
    parsed = cells(summary.section("actions").body)
    m2 = next(r for r in parsed.rows if r[0][2].startswith("M2:"))
    assert m2[-1][2].endswith(
        "Since the last report (2024): 1 action moved up, 1 slipped back and 1 is new.")
    m3 = next(r for r in parsed.rows if r[0][2].startswith("M3:"))
    assert "Since the last report" not in m3[-1][2]  # no action aims at M3
