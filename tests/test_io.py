"""Reading returns: where they are, both file forms and both granularities giving the same tidy
tables, and the tidy tables' values against counts worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    BANDS,
    aggregate_from_records,
    file_hashes,
    make_params,
    record_tables,
    small_aggregate,
    write,
)

from wres_tools.contract import ACTION_PLAN_TIDY_COLUMNS, AGGREGATE_TABLES, ReturnError
from wres_tools.returns.find import ReturnRef, authority_returns, find_returns
from wres_tools.returns.load import load_return
from wres_tools.returns.parse import action_status, metric_ids
from wres_tools.returns.validate import validate_return
from wres_tools.returns.writer import write_return

# --- where returns are ---------------------------------------------------------------------------


def test_return_ref_from_path(tmp_path: Path) -> None:
    xlsx = write_return(small_aggregate(), tmp_path, "ashbury", 2022, "xlsx")
    folder = write_return(small_aggregate(), tmp_path, "ashbury", 2023, "csv")
    assert ReturnRef.from_path(xlsx) == ReturnRef("ashbury", 2022, xlsx, "xlsx")
    assert ReturnRef.from_path(folder) == ReturnRef("ashbury", 2023, folder, "csv")


def test_return_ref_rejects_names_that_are_not_returns(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "latest.xlsx").write_bytes(b"")
    (tmp_path / "a" / "2023.csv").write_text("x\n")
    with pytest.raises(ValueError, match="'latest' is not a year"):
        ReturnRef.from_path(tmp_path / "a" / "latest.xlsx")
    with pytest.raises(ValueError, match=r"<authority>/<year>\.xlsx"):
        ReturnRef.from_path(tmp_path / "a" / "2023.csv")
    with pytest.raises(FileNotFoundError):
        ReturnRef.from_path(tmp_path / "a" / "2024.xlsx")
    (tmp_path / "a" / "2022.xls").write_bytes(b"")
    with pytest.raises(ValueError, match=r"save it as \.xlsx .* rather than \.xls$"):
        ReturnRef.from_path(tmp_path / "a" / "2022.xls")


def test_find_returns_sorted_skipping_parameters_hidden_and_other_files(tmp_path: Path) -> None:
    tables = small_aggregate()
    write_return(tables, tmp_path, "bexley", 2021, "csv")
    write_return(tables, tmp_path, "ashbury", 2023, "xlsx")
    write_return(tables, tmp_path, "ashbury", 2021, "xlsx")
    write_return(tables, tmp_path, ".trash", 2021, "xlsx")
    (tmp_path / "parameters" / "2021").mkdir(parents=True)
    (tmp_path / "ashbury" / "~$2023.xlsx").write_bytes(b"lock")
    (tmp_path / "ashbury" / "notes.txt").write_text("not a return")
    (tmp_path / "ashbury" / "drafts").mkdir()
    (tmp_path / "readme.md").write_text("x")
    found = [(r.authority, r.year, r.form) for r in find_returns(tmp_path)]
    assert found == [("ashbury", 2021, "xlsx"), ("ashbury", 2023, "xlsx"), ("bexley", 2021, "csv")]


def test_one_authoritys_returns_are_the_whole_scans_for_it_links_included(tmp_path: Path) -> None:
    """authority_returns reads one folder; what it gives is what find_returns gives for that
    authority: a return linked in from elsewhere is named by where it lives, as from_path does."""
    tables = small_aggregate()
    write_return(tables, tmp_path, "ashbury", 2021, "xlsx")
    write_return(tables, tmp_path, "ashbury", 2022, "csv")
    write_return(tables, tmp_path, "bexley", 2021, "xlsx")
    elsewhere = tmp_path / "archive" / "brockley"
    write_return(tables, tmp_path / "archive", "brockley", 2020, "xlsx")
    (tmp_path / "ashbury" / "2020.xlsx").symlink_to(elsewhere / "2020.xlsx")
    (tmp_path / "cardale").symlink_to(tmp_path / "bexley", target_is_directory=True)
    everything = find_returns(tmp_path)
    for authority in ("ashbury", "bexley", "brockley", "cardale", "nobody"):
        assert authority_returns(tmp_path, authority) == [
            r for r in everything if r.authority == authority]
    assert [(r.year, r.form) for r in authority_returns(tmp_path, "ashbury")] == [
        (2021, "xlsx"), (2022, "csv")]
    assert [r.authority for r in everything if r.year == 2020] == ["brockley"]


def test_find_returns_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="data folder not found"):
        find_returns(tmp_path / "nope")


# --- both forms, both granularities --------------------------------------------------------------


@pytest.fixture(scope="module")
def four_ways(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    records = record_tables()
    tables = {"record": records, "aggregate": aggregate_from_records(records)}
    loaded = {}
    for form in ("xlsx", "csv"):
        for granularity, data in tables.items():
            ref = write(tmp_path_factory.mktemp(f"{form}-{granularity}"), data, form)
            loaded[(form, granularity)] = load_return(ref, make_params())
    return loaded


@pytest.mark.parametrize(
    "variant", [("xlsx", "record"), ("xlsx", "aggregate"), ("csv", "record")]
)
def test_every_form_and_granularity_gives_identical_tables(four_ways, variant) -> None:
    base, other = four_ways[("csv", "aggregate")], four_ways[variant]
    assert list(other.tables) == list(AGGREGATE_TABLES)
    for name, frame in base.tables.items():
        pd.testing.assert_frame_equal(other.tables[name], frame, check_exact=True)
    assert other.granularity == variant[1]
    assert other.has_service_split


def test_record_level_tables_match_plain_python_counts(four_ways) -> None:
    records = record_tables()
    staff = records["staff"]
    tidy = four_ways[("xlsx", "record")].tables
    # totals over the whole department, counted directly from the records
    assert tidy["workforce"]["headcount"].sum() == len(staff) == 400
    assert tidy["cpd"]["accessed"].sum() == staff["cpd"].sum()
    assert tidy["leavers"]["left"].sum() == staff["left"].sum()
    assert tidy["senior_management"]["headcount"].sum() == staff["senior_manager"].sum()
    assert tidy["fitness_to_practise"]["registered"].sum() == staff["registered"].sum()
    assert tidy["recruitment"]["appointed"].sum() == records["applications"]["appointed"].sum()
    # survey: every respondent answers public with one of 5 choices, 2 of which are "yes"
    public = tidy["survey"][tidy["survey"]["question"] == "public"]
    answers = records["survey_responses"]["public"].str.lower()
    assert public["respondents"].sum() == (answers != "").sum()
    assert public["yes"].sum() == (answers == "yes").sum()
    assert {"headcount"} & set(tidy["disciplinary"].columns) == set()


def test_tidy_columns_and_dtypes(four_ways) -> None:
    tables = four_ways[("csv", "record")].tables
    assert list(tables["workforce"].columns) == [
        "service", "ethnicity", "census_category", "group", "ethnic_class", "pay_band",
        "headcount"]
    assert list(tables["survey"].columns) == [
        "service", "ethnicity", "census_category", "group", "ethnic_class", "question",
        "respondents", "yes"]
    assert tables["recruitment"]["appointed"].dtype == "int64"
    assert set(tables["workforce"]["service"]) == {"adults", "children"}


def test_small_record_return_by_hand(tmp_path: Path) -> None:
    staff = pd.DataFrame({
        "staff_id": ["1", "2", "3", "4", "5"],
        "ethnicity": ["Indian", "Indian", "White British", "H", "Not stated"],
        "pay_band": [BANDS[0], BANDS[0], BANDS[0], BANDS[2], BANDS[0]],
        "senior_manager": [0, 0, 0, 1, 0],
        "registered": [1, 1, 0, 1, 0],
        "disciplinary": [0, 1, 0, 0, 0],
        "ftp": [0, 1, 0, 0, 0],
        "cpd": [1, 1, 1, 0, 0],
        "left": [0, 0, 1, 0, 1],
    })
    ret = load_return(write(tmp_path, {"staff": staff}, "csv"), make_params())
    workforce = ret.tables["workforce"]
    # rows: (H, £70k+) = 1 [staff 4]; (Indian, <£30k) = 2 [staff 1, 2]; (Not stated, <£30k) = 1;
    # (White British, <£30k) = 1. Sorted by ethnicity label: H < Indian < Not stated < White...
    expected = pd.DataFrame({
        "service": ["all"] * 4,
        "ethnicity": ["H", "Indian", "Not stated", "White British"],
        "census_category": ["Indian", "Indian", None, "English, Welsh, Scottish, Northern Irish "
                            "or British"],
        "group": ["asian", "asian", "unknown", "white"],
        "ethnic_class": ["minority", "minority", "unknown", "white"],
        "pay_band": [BANDS[2], BANDS[0], BANDS[0], BANDS[0]],
        "headcount": [1, 2, 1, 1],
    }).astype({"census_category": "str"})
    pd.testing.assert_frame_equal(workforce, expected)
    ftp = ret.tables["fitness_to_practise"].set_index("ethnicity")
    assert ftp.loc["Indian", ["registered", "entered"]].tolist() == [2, 1]  # staff 1+2; staff 2
    assert ret.tables["cpd"].set_index("ethnicity")["accessed"].to_dict() == {
        "H": 0, "Indian": 2, "Not stated": 0, "White British": 1}
    assert ret.tables["leavers"]["left"].tolist() == [0, 0, 1, 1]  # staff 5 and 3
    assert ret.tables["senior_management"]["headcount"].tolist() == [1, 0, 0, 0]
    assert set(ret.tables) == {"workforce", "fitness_to_practise", "disciplinary", "cpd",
                               "leavers", "senior_management"}
    assert ret.granularity == "record"


def test_survey_responses_by_hand(tmp_path: Path) -> None:
    responses = pd.DataFrame({
        "respondent_id": ["r1", "r2", "r3"],
        "ethnicity": ["Arab", "Arab", "Arab"],
        "public": ["Yes", "no", ""],
        "colleagues": ["YES ", "yes", "No"],
        "managers": ["", "", ""],
    })
    ret = load_return(write(tmp_path, {"survey_responses": responses}, "xlsx"), make_params())
    survey = ret.tables["survey"].set_index("question")[["respondents", "yes"]]
    # colleagues: 3 answered, 2 yes; managers: none answered; public: 2 answered, 1 yes
    assert survey.to_dict("index") == {
        "colleagues": {"respondents": 3, "yes": 2},
        "managers": {"respondents": 0, "yes": 0},
        "public": {"respondents": 2, "yes": 1},
    }


def test_aggregate_return_read_as_given(tmp_path: Path) -> None:
    ret = load_return(write(tmp_path, small_aggregate(), "xlsx"), make_params())
    workforce = ret.tables["workforce"]
    assert workforce["service"].unique().tolist() == ["all"]
    assert workforce[["ethnicity", "pay_band", "headcount"]].values.tolist() == [
        ["Indian", BANDS[0], 20], ["Indian", BANDS[2], 2], ["Not stated", BANDS[0], 3],
        ["White British", BANDS[0], 60], ["White British", BANDS[2], 10]]
    assert not ret.has_service_split
    assert ret.tables["disciplinary"].columns[-1] == "entered"
    assert ret.table("cpd") is None
    notices = " | ".join(p.message for p in ret.notices)
    assert "M4 not collected (no fitness_to_practise table)" in notices
    assert "M5 not collected" in notices and "M8 not collected" in notices


def test_headers_sheet_names_and_services_are_matched_loosely(tmp_path: Path) -> None:
    workforce = pd.DataFrame({
        " Service ": ["Adult Social Care", "CHILDREN\u2019S SERVICES", "children's social care"],
        "ETHNICITY": ["Indian", "Indian", "White"],
        "Pay Band": [BANDS[0]] * 3,
        "HeadCount ": [4.0, 5.0, 6.0],  # whole numbers stored as floats, as Excel may
    })
    ftp = pd.DataFrame({"ethnicity": ["Indian"], "registered": [3], "entered": [1]})
    ret = load_return(write(tmp_path, {" Workforce ": workforce, "Fitness to practice": ftp},
                            "xlsx"), make_params())
    assert ret.tables["fitness_to_practise"]["registered"].tolist() == [3]
    frame = ret.tables["workforce"]
    assert frame[["service", "ethnicity", "headcount"]].values.tolist() == [
        ["adults", "Indian", 4], ["children", "Indian", 5], ["children", "White", 6]]


def test_input_files_are_not_modified(tmp_path: Path) -> None:
    for form in ("xlsx", "csv"):
        ref = write(tmp_path / form, record_tables(staff=50, applications=20, responses=10), form)
        before = file_hashes(ref.path)
        load_return(ref, make_params())
        assert file_hashes(ref.path) == before


# --- band order, population, metadata ------------------------------------------------------------


def test_population_from_table_shares_counts_and_parameters(tmp_path: Path) -> None:
    tables = small_aggregate()
    counts = pd.DataFrame({"ethnicity": ["White", "Asian or Asian British", "Black"],
                           "count": [800, 150, 50]})
    ret = load_return(write(tmp_path / "c", {**tables, "population": counts}, "csv"),
                      make_params())
    shares = ret.population.set_index("ethnicity")["share"]
    # 800 / 1000, 150 / 1000, 50 / 1000
    assert shares.to_dict() == pytest.approx(
        {"White": 0.8, "Asian or Asian British": 0.15, "Black": 0.05})
    assert ret.population.set_index("ethnicity")["ethnic_class"].to_dict() == {
        "White": "white", "Asian or Asian British": "minority", "Black": "minority"}

    given = pd.DataFrame({"ethnicity": ["White", "Indian"], "share": [0.594, 0.396]})
    ret = load_return(write(tmp_path / "s", {**tables, "population": given}, "xlsx"),
                      make_params(population={"White": 1.0}))
    # 0.594 + 0.396 = 0.99, normalised: 0.6 and 0.4; the return's table wins over parameters
    assert ret.population["share"].tolist() == pytest.approx([0.4, 0.6])
    assert any("population taken from the return" in p.message for p in ret.notices)

    ret = load_return(write(tmp_path / "p", tables, "csv"),
                      make_params(population={"White": 0.7, "Mixed or multiple": 0.3}))
    assert ret.population[["ethnicity", "group", "share"]].values.tolist() == [
        ["Mixed or multiple", "mixed", 0.3], ["White", "white", 0.7]]

    ret = load_return(write(tmp_path / "n", tables, "csv"), make_params())
    assert ret.population is None


def test_metadata_marks_synthetic(tmp_path: Path) -> None:
    meta = pd.DataFrame({"key": ["Synthetic", "generator"], "value": ["TRUE", "wres synth"]})
    ret = load_return(write(tmp_path / "a", {**small_aggregate(), "metadata": meta}, "csv"),
                      make_params())
    assert ret.synthetic
    assert not load_return(write(tmp_path / "b", small_aggregate(), "csv"), make_params()).synthetic
    assert load_return(write(tmp_path / "c", small_aggregate(), "csv"),
                       make_params(synthetic=True)).synthetic


# --- loading with errors -------------------------------------------------------------------------


def test_load_return_raises_with_the_whole_report(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["recruitment"].loc[1, "appointed"] = 31  # more than the 30 shortlisted
    tables["workforce"].loc[0, "headcount"] = -1
    with pytest.raises(ReturnError) as caught:
        load_return(write(tmp_path, tables, "csv"), make_params())
    rows = sorted((p.sheet, p.row, p.column) for p in caught.value.report.errors)
    assert rows == [("recruitment", 3, "appointed"), ("workforce", 2, "headcount")]
    assert "2 problem(s)" in str(caught.value)


def test_both_excel_engines_read_the_same(tmp_path: Path, monkeypatch) -> None:
    import wres_tools.returns.read as io_module

    tables = record_tables(staff=30, applications=10, responses=10)
    tables["staff"].loc[0, "ethnicity"] = None  # a blank cell
    tables["staff"]["cpd"] = tables["staff"]["cpd"].astype(float)  # 1.0 in the sheet
    ref = write(tmp_path, {**tables, "metadata": pd.DataFrame(
        {"key": ["synthetic"], "value": [True]})}, "xlsx")
    assert io_module.EXCEL_ENGINE == "calamine"
    fast = io_module.read_raw(ref)
    monkeypatch.setattr(io_module, "EXCEL_ENGINE", "openpyxl")
    slow = io_module.read_raw(ref)
    assert list(fast.tables) == list(slow.tables)
    for name in fast.tables:
        pd.testing.assert_frame_equal(fast.tables[name].frame, slow.tables[name].frame)
    assert fast.tables["staff"].frame.loc[2, "cpd"] in ("0", "1")
    from wres_tools.returns.parse import is_synthetic

    assert is_synthetic(fast)


# --- the action plan -----------------------------------------------------------------------------


def action_plan() -> pd.DataFrame:
    """Three actions as a council writes them: mixed case, separators, "M7", a blank service."""
    return pd.DataFrame({
        "Action ID": ["A1", "A2", "A10"],
        "Objective": ["Fair recruitment", "Safe to speak up", "Representative leadership"],
        "Aim": ["Close the appointment gap", None, "More minority ethnic senior managers"],
        "Metrics": ["M2; m9", "M7, M6", "m1,M9, M9"],
        "Action": ["Introduce diverse interview panels for all posts at band 9 and above",
                   "Appoint Freedom to Speak Up guardians", "Reverse mentoring scheme"],
        "Owner": ["Head of HR", "EDI Lead", "Director of Adult Social Services"],
        "Status": ["amber", "RED", "Complete"],
        "Success": ["Appointment RL within 0.80-1.25", "Fewer reports", "Scheme evaluated"],
        "Latest update": ["Panels in place for 60% of posts", "Not started", None],
        "Service": [None, "Children's services", "Adult Social Care"],
        "Due": ["2024-03-31", "March 2025", None],
    })


def test_action_plan_read_into_one_row_per_action_and_metric(tmp_path: Path) -> None:
    tables = small_aggregate() | {"action_plan": action_plan()}
    plans = {form: load_return(write(tmp_path / form, tables, form), make_params()).action_plan
             for form in ("csv", "xlsx")}
    pd.testing.assert_frame_equal(plans["csv"], plans["xlsx"])  # both forms, the same plan
    plan = plans["csv"]
    assert list(plan.columns) == list(ACTION_PLAN_TIDY_COLUMNS)
    # A1 names M2 and M9; A2 "M7, M6" is M6, M7a, M7b (report order); A10 M1 and M9 once
    assert plan[["action_id", "metric", "status", "service"]].values.tolist() == [
        ["A1", "M2", "Amber", "all"], ["A1", "M9", "Amber", "all"],
        ["A2", "M6", "Red", "children"], ["A2", "M7a", "Red", "children"],
        ["A2", "M7b", "Red", "children"],
        ["A10", "M1", "Complete", "adults"], ["A10", "M9", "Complete", "adults"],
    ]
    assert plan.loc[0, "action"].startswith("Introduce diverse interview panels")
    assert plan.loc[0, "due"] == "2024-03-31" and plan.loc[2, "due"] == "March 2025"
    assert plan["aim"].isna().tolist() == [False, False, True, True, True, False, False]
    assert plan["latest_update"].isna().sum() == 2  # A10's two rows
    # the plan is kept apart from the metric tables
    assert "action_plan" not in load_return(
        write(tmp_path / "again", tables, "csv"), make_params()).tables


def test_a_date_cell_for_due_keeps_the_date(tmp_path: Path) -> None:
    plan = action_plan().astype(object)
    plan.loc[0, "Due"] = dt.datetime(2024, 3, 31)
    plan.loc[1, "Action ID"] = 7  # a number, as Excel may store an id
    ret = load_return(write(tmp_path, small_aggregate() | {"action_plan": plan}, "xlsx"),
                      make_params())
    assert ret.action_plan.loc[0, "due"] == "2024-03-31"
    assert ret.action_plan["action_id"].unique().tolist() == ["A1", "7", "A10"]


def test_a_return_without_a_plan_has_none(tmp_path: Path) -> None:
    assert load_return(write(tmp_path, small_aggregate(), "csv"), make_params()).action_plan is None


def test_metric_ids_and_statuses_as_written() -> None:
    assert metric_ids("M2; m9") == (["M2", "M9"], [])
    assert metric_ids(" m7 ,M7A;") == (["M7a", "M7b"], [])
    assert metric_ids("M2, M10; pay") == (["M2"], ["M10", "pay"])
    assert metric_ids(" ; ") == ([], [])
    assert [action_status(s) for s in ("red", " AMBER ", "Green", "complete", "Completed")] == [
        "Red", "Amber", "Green", "Complete", None]


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_the_parameter_files_own_labels_are_applied_when_reading(tmp_path: Path, form: str) -> None:
    tables = {"recruitment": pd.DataFrame({
        "service": ["ASC", "asc ", "CSC", "Children"],
        "ethnicity": ["W1 - White UK", "AS-IND", "w1 - white uk", "Indian"],
        "shortlisted": [40, 30, 20, 10], "appointed": [10, 4, 5, 1]})}
    ref = write(tmp_path, tables, form)  # type: ignore[arg-type]
    without = validate_return(ref, make_params())
    assert sorted(str(p.value) for p in without.errors if p.message.startswith(
        "unrecognised")) == ["AS-IND", "ASC", "CSC", "W1 - White UK", "asc", "w1 - white uk"]
    params = make_params(
        ethnicity_labels={"W1 - White UK": "White British", "as-ind": "Indian"},
        service_labels={"ASC": "adults", "CSC": "Children's services"})
    ret = load_return(ref, params)
    recruitment = ret.table("recruitment")
    assert recruitment[["service", "ethnicity", "census_category", "shortlisted"]].to_numpy(
    ).tolist() == [
        ["adults", "Indian", "Indian", 30],
        ["adults", "White British", "English, Welsh, Scottish, Northern Irish or British", 40],
        ["children", "Indian", "Indian", 10],
        ["children", "White British", "English, Welsh, Scottish, Northern Irish or British", 20],
    ]
