"""Every rule of the data contract, each triggered by a bad fixture, reporting the right place:
file, sheet, row (header = row 1), column, the value found and what was expected."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    BANDS,
    examples,
    file_hashes,
    make_params,
    record_tables,
    small_aggregate,
    write,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wres_tools.contract import Problem, ValidationReport
from wres_tools.parameters import Parameters
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.validate import validate_return

FORMS = ["csv", "xlsx"]


def check(tmp_path: Path, tables: dict[str, pd.DataFrame], form: str = "csv",
          params: Parameters | None = None) -> ValidationReport:
    """Write the tables, validate, and prove the files were not touched."""
    ref = write(tmp_path, tables, form)  # type: ignore[arg-type]
    before = file_hashes(ref.path)
    report = validate_return(ref, params if params is not None else make_params())
    assert file_hashes(ref.path) == before
    return report


def only_error(report: ValidationReport) -> Problem:
    assert len(report.errors) == 1, [str(p) for p in report.errors]
    return report.errors[0]


def sheet_file(tmp_path: Path, form: str, sheet: str) -> str:
    base = tmp_path / "testshire"
    return str(base / "2023.xlsx") if form == "xlsx" else str(base / "2023" / f"{sheet}.csv")


def test_clean_return_has_no_errors(tmp_path: Path) -> None:
    report = check(tmp_path, small_aggregate())
    assert report.ok
    assert report.errors == []


@pytest.mark.parametrize("form", FORMS)
def test_clean_record_level_return(tmp_path: Path, form: str) -> None:
    assert check(tmp_path, record_tables(staff=60, applications=30, responses=20), form).ok


# --- column values -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("table", "index", "column", "bad", "message", "expected_words"),
    [
        ("workforce", 2, "ethnicity", "Martian", "unrecognised ethnicity label", "census 2021"),
        ("workforce", 1, "headcount", -3, "negative count", "whole number, 0 or more"),
        ("workforce", 4, "headcount", 2.5, "count is not a whole number", "whole number"),
        ("workforce", 0, "headcount", "lots", "not a number in a count column", "whole number"),
        ("workforce", 0, "headcount", None, "missing count", "whole number"),
        ("workforce", 3, "pay_band", None, "blank value", "a value in every row"),
        ("recruitment", 1, "shortlisted", -1, "negative count", "whole number"),
        ("survey", 5, "question", "pay", "unknown survey question", "public / colleagues"),
    ],
)
def test_bad_value_is_reported_at_its_cell(
    tmp_path: Path, form: str, table: str, index: int, column: str, bad: object, message: str,
    expected_words: str,
) -> None:
    tables = small_aggregate()
    frame = tables[table].astype(object)
    frame.loc[index, column] = bad
    tables[table] = frame
    problem = only_error(check(tmp_path, tables, form))
    assert problem.message == message
    assert problem.file == sheet_file(tmp_path, form, table)
    assert problem.sheet == table
    assert problem.row == index + 2  # header is row 1
    assert problem.column == column
    assert problem.value == ("" if bad is None else str(bad))
    assert expected_words in problem.expected
    assert "Traceback" not in str(problem)


def test_every_bad_cell_is_collected_not_just_the_first(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["workforce"]["headcount"] = [-1, 2, -3, 4, -5]
    tables["recruitment"]["ethnicity"] = ["Martian", "Venusian"]
    report = check(tmp_path, tables)
    assert sorted((p.sheet, p.row, p.column) for p in report.errors) == [
        ("recruitment", 2, "ethnicity"), ("recruitment", 3, "ethnicity"),
        ("workforce", 2, "headcount"), ("workforce", 4, "headcount"),
        ("workforce", 6, "headcount")]


def test_service_values(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["recruitment"]["service"] = ["Adults", "Housing"]
    problem = only_error(check(tmp_path / "a", tables))
    assert (problem.message, problem.row, problem.value) == ("unrecognised service", 3, "Housing")
    tables["recruitment"]["service"] = ["Adults", None]
    problem = only_error(check(tmp_path / "b", tables))
    assert problem.message == "service is blank in this row but given in others"
    assert (problem.row, problem.column) == (3, "service")
    tables["recruitment"]["service"] = [None, None]  # an empty column: the whole department
    assert check(tmp_path / "c", tables).ok


@pytest.mark.parametrize("bad", ["y", "2", "yes", ""])
def test_flags_must_be_0_or_1(tmp_path: Path, bad: str) -> None:
    records = record_tables(staff=10, applications=5, responses=5)
    staff = records["staff"].astype({"cpd": object})
    staff.loc[6, "cpd"] = bad
    problem = only_error(check(tmp_path, {**records, "staff": staff}, "xlsx"))
    assert (problem.sheet, problem.row, problem.column) == ("staff", 8, "cpd")
    assert problem.value == bad
    assert "0 or 1" in problem.expected and "y/n" in problem.expected


def test_survey_answers_must_be_yes_no_or_blank(tmp_path: Path) -> None:
    records = record_tables(staff=10, applications=5, responses=5)
    records["survey_responses"].loc[3, "managers"] = "sometimes"
    problem = only_error(check(tmp_path, records))
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        "survey_responses", 5, "managers", "sometimes")
    assert problem.expected == "yes, no or blank"


def test_record_ids_must_be_given_and_unique(tmp_path: Path) -> None:
    records = record_tables(staff=10, applications=5, responses=5)
    records["staff"].loc[4, "staff_id"] = records["staff"].loc[1, "staff_id"]
    records["applications"].loc[2, "application_id"] = None
    report = check(tmp_path, records)
    found = sorted((p.sheet, p.row, p.column, p.message) for p in report.errors)
    assert found == [
        ("applications", 4, "application_id", "blank value"),
        ("staff", 6, "staff_id", "staff_id repeated (first in row 3)"),
    ]


def test_population_shares(tmp_path: Path) -> None:
    population = pd.DataFrame({"ethnicity": ["White", "Indian"], "share": [1.5, 0.2]})
    report = check(tmp_path / "a", {**small_aggregate(), "population": population})
    # 1.5 is out of range (row 2), and 1.5 + 0.2 = 1.7 is not 1 (the whole table: no row)
    found = sorted(((p.row or 0), p.message) for p in report.errors)
    assert found == [(0, "population shares add up to 1.700"),
                     (2, "population share outside 0 to 1")]
    missing = pd.DataFrame({"ethnicity": ["White"], "people": [5]})
    problem = only_error(check(tmp_path / "b", {**small_aggregate(), "population": missing}))
    assert problem.message == "population needs a 'share' or a 'count' column"


# --- columns -------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_missing_column(tmp_path: Path, form: str) -> None:
    tables = small_aggregate()
    tables["recruitment"] = tables["recruitment"].drop(columns="appointed")
    problem = only_error(check(tmp_path, tables, form))
    assert problem.message == "missing column 'appointed'"
    assert (problem.sheet, problem.row, problem.column) == ("recruitment", 1, "appointed")


@pytest.mark.parametrize("form", FORMS)
def test_misspelt_column_suggests_the_near_name(tmp_path: Path, form: str) -> None:
    tables = small_aggregate()
    tables["workforce"] = tables["workforce"].rename(columns={"headcount": "Headcont"})
    problem = only_error(check(tmp_path, tables, form))
    assert problem.message == "missing column 'headcount': this header looks like a " \
                              "misspelling of it"
    assert problem.expected == "the header 'headcount'"
    assert (problem.row, problem.column, problem.value) == (1, "Headcont", "Headcont")


def test_unknown_column_is_a_notice(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["recruitment"]["comments"] = ["x", "y"]
    report = check(tmp_path, tables)
    assert report.ok
    assert any(p.column == "comments" and "ignored" in p.message for p in report.notices)


def test_duplicate_header_and_unnamed_column(tmp_path: Path) -> None:
    ref = write(tmp_path, small_aggregate(), "csv")
    (ref.path / "recruitment.csv").write_text(
        "ethnicity,shortlisted,appointed,Appointed,\nIndian,3,1,1,\nWhite,4,2,2,note\n",
        encoding="utf-8")
    report = validate_return(ref, make_params())
    found = sorted((p.row, p.column, p.message) for p in report.errors)
    assert found == [(1, "Appointed", "column 'Appointed' appears twice"),
                     (1, "E", "a column holds data but has no header")]  # the 5th column


# --- rows and tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "index", "column", "value", "message"),
    [
        ("recruitment", 1, "appointed", 31, "appointed (31) is more than shortlisted (30)"),
        ("survey", 3, "yes", 16, "yes (16) is more than respondents (15)"),
    ],
)
def test_count_more_than_its_total(tmp_path: Path, table: str, index: int, column: str,
                                   value: int, message: str) -> None:
    tables = small_aggregate()
    tables[table].loc[index, column] = value
    problem = only_error(check(tmp_path, tables, "xlsx"))
    assert (problem.sheet, problem.row, problem.column, problem.message) == (
        table, index + 2, column, message)
    assert problem.value == str(value)


def test_ftp_entered_more_than_registered(tmp_path: Path) -> None:
    ftp = pd.DataFrame({"ethnicity": ["Indian", "White"], "registered": [4, 9],
                        "entered": [5, 1]})
    problem = only_error(check(tmp_path, {**small_aggregate(), "fitness_to_practise": ftp}))
    assert (problem.row, problem.column, problem.message) == (
        2, "entered", "entered (5) is more than registered (4)")


def test_count_more_than_own_headcount(tmp_path: Path) -> None:
    leavers = pd.DataFrame({"ethnicity": ["Indian", "White"], "left": [3, 30],
                            "headcount": [22, 25]})
    problem = only_error(check(tmp_path, {**small_aggregate(), "leavers": leavers}))
    assert (problem.sheet, problem.row, problem.message) == (
        "leavers", 3, "left (30) is more than headcount (25)")


def test_count_more_than_workforce_headcount(tmp_path: Path) -> None:
    tables = small_aggregate()
    # Indian workforce: 20 + 2 = 22 over the pay bands; 23 entered disciplinary is too many
    tables["disciplinary"].loc[1, "entered"] = 23
    problem = only_error(check(tmp_path, tables))
    assert (problem.sheet, problem.row, problem.column) == ("disciplinary", 3, "entered")
    assert problem.message == "entered (23) is more than the workforce headcount (22) for all, " \
                              "Indian"
    assert problem.expected.startswith("at most 22")


def test_workforce_headcount_is_matched_by_category_not_spelling(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["disciplinary"]["ethnicity"] = ["A", "H"]  # NHS codes for White British and Indian
    tables["disciplinary"]["entered"] = [70, 22]  # exactly the workforce: 60 + 10 and 20 + 2
    assert check(tmp_path, tables).ok


def test_record_appointed_without_shortlisting(tmp_path: Path) -> None:
    records = record_tables(staff=10, applications=8, responses=5)
    apps = records["applications"]
    row = int(apps.index[apps["shortlisted"] == 0][0])
    apps.loc[row, "appointed"] = 1
    problem = only_error(check(tmp_path, records))
    assert (problem.sheet, problem.row, problem.column) == ("applications", row + 2, "appointed")
    assert problem.message == "appointed (1) is more than shortlisted (0)"


@pytest.mark.parametrize("form", FORMS)
def test_duplicate_rows(tmp_path: Path, form: str) -> None:
    tables = small_aggregate()
    extra = pd.DataFrame({"ethnicity": ["indian "], "pay_band": [BANDS[2]], "headcount": [1]})
    tables["workforce"] = pd.concat([tables["workforce"], extra], ignore_index=True)
    problem = only_error(check(tmp_path, tables, form))
    assert (problem.sheet, problem.row, problem.column) == ("workforce", 7, "pay_band")
    assert problem.message == "duplicate row: the same service, ethnicity, pay_band as row 5"


def test_duplicate_through_service_aliases(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["recruitment"] = pd.DataFrame({
        "service": ["Adults", "Adult social care"], "ethnicity": ["Indian", "Indian"],
        "shortlisted": [3, 4], "appointed": [1, 1]})
    problem = only_error(check(tmp_path, tables))
    assert (problem.row, problem.message) == (
        3, "duplicate row: the same service, ethnicity as row 2")


@pytest.mark.parametrize("form", FORMS)
def test_pay_band_not_in_band_order(tmp_path: Path, form: str) -> None:
    tables = small_aggregate()
    tables["workforce"].loc[3, "pay_band"] = "£70,000 and above"
    problem = only_error(check(tmp_path, tables, form))
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        "workforce", 5, "pay_band", "£70,000 and above")
    assert problem.message == "pay band not in the band order of the parameter file; did you " \
                              "mean '£70,000 and over'?"
    assert problem.expected == "one of pay_bands: " + ", ".join(BANDS)


def test_band_order_without_parameters_is_a_notice(tmp_path: Path) -> None:
    report = check(tmp_path, small_aggregate(), params=make_params(pay_bands=None))
    assert report.ok
    (notice,) = [p for p in report.notices if "pay_bands" in p.message]
    assert notice.message == (
        "no pay_bands in the parameter file: bands ordered by the first amount each names, "
        "lowest first: less than £30,000 < £70,000 and over; if that is not their order, list "
        "them lowest first under pay_bands: in the parameter file testshire.yml")


@pytest.mark.parametrize(
    ("bands", "how"),
    [(["PO3", "PO5", "SO1", "SO2"], "in the order they first appear in the data (they name no "
      "amounts), lowest first: PO3 < PO5 < SO1 < SO2"),
     (["£30k - £39k", "Senior", "£20k - £29k"], "in the order they first appear in the data "
      "('Senior' names no amount), lowest first: £30k - £39k < Senior < £20k - £29k")],
)
def test_band_order_from_the_data_says_how_and_how_to_fix_it(
    tmp_path: Path, bands: list[str], how: str
) -> None:
    tables = small_aggregate()
    tables["workforce"] = pd.DataFrame({
        "ethnicity": (["Indian", "White British"] * 2)[:len(bands)], "pay_band": bands,
        "headcount": 5})
    report = check(tmp_path, tables, params=make_params(pay_bands=None))
    (notice,) = [p for p in report.notices if "pay_bands" in p.message]
    assert notice.message == (
        f"no pay_bands in the parameter file: bands ordered {how}; if that is not their order, "
        "list them lowest first under pay_bands: in the parameter file testshire.yml")


def test_disciplinary_without_headcount_needs_workforce(tmp_path: Path) -> None:
    tables = small_aggregate()
    del tables["workforce"]
    problem = only_error(check(tmp_path, tables, "xlsx"))
    assert problem.sheet == "disciplinary"
    assert "'disciplinary' has no headcount column" in problem.message
    assert "no 'workforce' table" in problem.message
    assert problem.expected == "a 'workforce' table, or a 'headcount' column in 'disciplinary'"


def test_split_table_against_unsplit_workforce(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["disciplinary"]["service"] = ["adults", "children"]
    problem = only_error(check(tmp_path, tables))
    assert problem.message.startswith("'disciplinary' is split by service but 'workforce' is not")


def test_aggregate_and_record_forms_of_one_table(tmp_path: Path) -> None:
    records = record_tables(staff=10, applications=5, responses=5)
    tables = {**records, "recruitment": small_aggregate()["recruitment"]}
    problem = only_error(check(tmp_path, tables))
    assert problem.sheet == "recruitment"
    assert "'applications' already builds 'recruitment'" in problem.message


def test_missing_tables_are_notices(tmp_path: Path) -> None:
    tables = {"workforce": small_aggregate()["workforce"]}
    report = check(tmp_path, tables, params=make_params(senior_bands=[BANDS[2]]))
    assert report.ok
    messages = [p.message for p in report.notices]
    assert "M2 not collected (no recruitment table)" in messages
    assert "M6, M7a, M7b not collected (no survey table)" in messages
    assert any(m.startswith("M9: no senior_management table; senior management taken from the "
                            "senior_bands") for m in messages)


def test_metadata_synthetic_must_be_true_or_false(tmp_path: Path) -> None:
    meta = pd.DataFrame({"key": ["source", "synthetic"], "value": ["x", "maybe"]})
    problem = only_error(check(tmp_path, {**small_aggregate(), "metadata": meta}))
    assert (problem.sheet, problem.row, problem.value) == ("metadata", 3, "maybe")


# --- files ---------------------------------------------------------------------------------------


def _csv_return(tmp_path: Path) -> ReturnRef:
    return write(tmp_path, small_aggregate(), "csv")


def test_empty_csv_file(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "survey.csv").write_bytes(b"")
    problem = only_error(validate_return(ref, make_params()))
    assert problem.file == str(ref.path / "survey.csv")
    assert problem.message == "empty file: no header row and no data"


def test_header_only_csv_file(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "survey.csv").write_text("ethnicity,question,respondents,yes\n\n")
    problem = only_error(validate_return(ref, make_params()))
    assert (problem.sheet, problem.message) == ("survey", "no data rows below the header")


def test_non_utf8_csv(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    text = "ethnicity,shortlisted,appointed\nIndian,3,1\nWhite \u2013 Irish,4,2\n"
    (ref.path / "recruitment.csv").write_bytes(text.encode("cp1252"))
    problem = only_error(validate_return(ref, make_params()))
    assert problem.file == str(ref.path / "recruitment.csv")
    assert problem.row == 3
    assert problem.message.startswith("not UTF-8 text: byte 0x96 at line 3")
    assert "UTF-8" in problem.expected


def test_ragged_csv(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "recruitment.csv").write_text("ethnicity,shortlisted,appointed\nIndian,3,1,9,9\n")
    problem = only_error(validate_return(ref, make_params()))
    assert problem.message.startswith("not a well-formed CSV file")


def test_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "recruitment.csv").write_text(
        "ethnicity,shortlisted,appointed\n\nIndian,3,1\n,,\nWhite,4,-2\n")
    problem = only_error(validate_return(ref, make_params()))
    assert (problem.row, problem.column, problem.value) == (5, "appointed", "-2")


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "testshire" / "2023.xlsx"
    path.parent.mkdir()
    path.write_bytes(b"this is not a zip file")
    problem = only_error(validate_return(ReturnRef.from_path(path), make_params()))
    assert problem.message.startswith("cannot be read as an Excel workbook")
    assert path.read_bytes() == b"this is not a zip file"


def test_misspelt_and_unknown_sheets(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["Recruitmnet"] = tables.pop("recruitment")
    tables["Notes"] = pd.DataFrame({"text": ["hello"]})
    report = check(tmp_path, tables, "xlsx")
    problem = only_error(report)
    assert problem.sheet == "Recruitmnet"
    assert problem.message == "'Recruitmnet' is not a table of the data contract; did you mean " \
                              "'recruitment'?"
    assert any(p.sheet == "Notes" and "ignored" in p.message for p in report.notices)


def test_empty_sheet(tmp_path: Path) -> None:
    tables = {**small_aggregate(), "cpd": pd.DataFrame()}
    problem = only_error(check(tmp_path, tables, "xlsx"))
    assert (problem.sheet, problem.message) == ("cpd", "empty: no header row and no data")


def test_empty_return_folder(tmp_path: Path) -> None:
    (tmp_path / "testshire" / "2023").mkdir(parents=True)
    problem = only_error(validate_return(ReturnRef.from_path(tmp_path / "testshire" / "2023"),
                                         make_params()))
    assert problem.message == "the return holds no tables"


def test_params_none_still_checks_the_data(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["workforce"].loc[0, "ethnicity"] = "Martian"
    ref = write(tmp_path, tables, "csv")
    problem = only_error(validate_return(ref, None))
    assert problem.value == "Martian"


def test_return_given_twice(tmp_path: Path) -> None:
    ref = write(tmp_path, small_aggregate(), "xlsx")
    write(tmp_path, small_aggregate(), "csv")
    problem = only_error(validate_return(ref, make_params()))
    assert problem.message == "the 2023 return is given twice: 2023.xlsx and 2023"


def test_semicolon_separated_csv(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "recruitment.csv").write_text("ethnicity;shortlisted;appointed\nIndian;3;1\n")
    problem = only_error(validate_return(ref, make_params()))
    assert problem.message == "fields are separated by ';', not commas"
    assert (problem.row, problem.value) == (1, "ethnicity;shortlisted;appointed")


@pytest.mark.parametrize(("text", "ok"), [("1,234", True), ("12,5", False), ("1,23,456", False)])
def test_thousands_separators_in_counts(tmp_path: Path, text: str, ok: bool) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "recruitment.csv").write_text(
        f'ethnicity,shortlisted,appointed\nIndian,"{text}",1\n', encoding="utf-8")
    report = validate_return(ref, make_params())
    assert report.ok is ok
    if not ok:
        assert (only_error(report).value, only_error(report).row) == (text, 2)


_CELLS = st.one_of(st.none(), st.integers(-3, 200), st.floats(allow_nan=True, allow_infinity=True),
                   st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                           max_size=12),
                   st.sampled_from(["H", "Z", "Adults", "£30k", "1,000", " 7 ", "yes", "public"]))


@settings(max_examples=examples(25), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_cell_value_gives_a_report_never_a_traceback(data: st.DataObject) -> None:
    from wres_tools.contract import ReturnError
    from wres_tools.returns.load import load_return

    tables = small_aggregate()
    name = data.draw(st.sampled_from(sorted(tables)))
    frame = tables[name].astype(object)
    row = data.draw(st.integers(0, len(frame) - 1))
    column = data.draw(st.sampled_from(list(frame.columns)))
    frame.loc[row, column] = data.draw(_CELLS)
    tables[name] = frame
    with tempfile.TemporaryDirectory() as tmp:
        ref = write(Path(tmp), tables, "csv")
        report = validate_return(ref, make_params())
        if report.ok:
            ret = load_return(ref, make_params())
            assert all(str(t[c].dtype) == "int64" for t in ret.tables.values()
                       for c in ("headcount", "entered", "yes") if c in t.columns)
        else:
            assert all(p.file and p.message for p in report.errors)
            with pytest.raises(ReturnError):
                load_return(ref, make_params())


def test_workforce_headcount_is_compared_at_the_level_both_tables_name(tmp_path: Path) -> None:
    tables = small_aggregate()  # workforce: White British 60 + 10, Indian 20 + 2, Not stated 3
    # "Asian or Asian British" is a group: compared with every Asian category, Indian 22
    # "BAME" says only minority: compared with every minority, again 22
    tables["disciplinary"] = pd.DataFrame({
        "ethnicity": ["White", "Asian or Asian British", "Z"], "entered": [70, 22, 3]})
    tables["cpd"] = pd.DataFrame({"ethnicity": ["BAME", "White"], "accessed": [23, 1]})
    problem = only_error(check(tmp_path, tables))
    assert (problem.sheet, problem.row) == ("cpd", 2)
    assert problem.message == "accessed (23) is more than the workforce headcount (22) for all, " \
                              "BAME"


def test_a_systematic_fault_is_reported_once_with_its_rows(tmp_path: Path) -> None:
    records = record_tables(staff=100, applications=5, responses=5)
    records["staff"]["service"] = ["Housing"] * 30 + ["Adults"] * 40 + ["Housing"] * 2 + [
        "Adults"] * 28
    report = check(tmp_path, records)
    problem = only_error(report)
    assert (problem.row, problem.rows) == (2, (*range(2, 32), 72, 73))
    assert (problem.message, problem.value, problem.column) == (
        "unrecognised service", "Housing", "service")
    assert str(problem).startswith(f"{problem.file}, sheet staff, rows 2-31, 72-73, column "
                                   "service: unrecognised service (found 'Housing'")


def test_many_different_faults_are_reported_by_example_and_count(tmp_path: Path) -> None:
    records = record_tables(staff=100, applications=5, responses=5)
    records["staff"]["service"] = [f"Housing {i}" for i in range(30)] + ["Adults"] * 70
    report = check(tmp_path, records)
    rows = [p.row for p in report.errors]
    assert rows == list(range(2, 22)) + [None]  # the first 20 (rows 2-21), then the count
    assert report.errors[-1].message == "... and 10 more rows like row 2 (unrecognised service)"
    assert report.errors[-1].column == "service"


# --- the action plan -----------------------------------------------------------------------------


def plan_tables() -> dict[str, pd.DataFrame]:
    """A clean return with a three-action plan (blank service = both services)."""
    plan = pd.DataFrame({
        "action_id": ["A1", "A2", "A3"],
        "objective": ["Fair recruitment", "Safe to speak up", "Fair and just processes"],
        "aim": ["Close the appointment gap", "", "Fewer formal cases"],
        "metrics": ["M2; M9", "m7", "M3"],
        "action": ["Diverse interview panels", "Speak up guardians", "Pre-formal review"],
        "owner": ["Head of HR", "EDI Lead", "Employee Relations Manager"],
        "status": ["Red", "amber", "COMPLETE"],
        "success": ["RL within 0.80-1.25", "Fewer reports of harassment", "RL below 1.25"],
        "latest_update": ["Not started", "", "Done"],
        "service": ["", "Adults", ""],
    })
    return small_aggregate() | {"action_plan": plan}


def with_cell(row: int, column: str, value: object) -> dict[str, pd.DataFrame]:
    tables = plan_tables()
    frame = tables["action_plan"].astype(object)
    frame.loc[row, column] = value
    tables["action_plan"] = frame
    return tables


@pytest.mark.parametrize("form", FORMS)
def test_clean_action_plan(tmp_path: Path, form: str) -> None:
    report = check(tmp_path, plan_tables(), form)
    assert report.ok, [str(p) for p in report.errors]
    assert not [p for p in report.notices if p.sheet == "action_plan"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("index", "column", "bad", "message", "expected_words"),
    [
        (1, "metrics", "M7, M10", "unrecognised metric id 'M10'", "M1 to M9, M7a or M7b"),
        (0, "metrics", "M2 and M9", "unrecognised metric id 'M2 and M9'", "separated by commas"),
        (2, "metrics", ";", "no metric id", "M1 to M9"),
        (2, "metrics", None, "blank metrics", "M1 to M9"),
        (0, "status", "RAG: Red", "unrecognised status; did you mean 'Red'?", "Red, Amber"),
        (1, "status", "Completed", "unrecognised status; did you mean 'Complete'?", "Complete"),
        (1, "status", "Blue", "unrecognised status; did you mean 'Complete'?", "Complete"),
        (1, "status", "Amber/Green", "unrecognised status", "Red, Amber, Green or Complete"),
        (2, "status", "G", "unrecognised status; did you mean 'Green'?", "Green"),
        (2, "status", "On track", "unrecognised status; did you mean 'Green'?", "Green"),
        (2, "status", "In progress", "unrecognised status", "Red, Amber, Green or Complete"),
        (1, "metrics", "M7, 2", "unrecognised metric id '2'; did you mean 'M2'?", "M1 to M9"),
        (1, "metrics", "Metric 7a", "unrecognised metric id 'Metric 7a'; did you mean 'M7a'?",
         "M7a"),
        (1, "metrics", "M3c", "unrecognised metric id 'M3c'", "M1 to M9"),
        (2, "status", None, "blank status", "Red, Amber, Green or Complete"),
        (0, "owner", None, "blank owner", "a value in every row"),
        (1, "action", None, "blank action", "a value in every row"),
        (2, "action_id", "a1", "action_id repeated (first in row 2)", "each action once"),
        (0, "service", "Housing", "unrecognised service", "blank for both"),
    ],
)
def test_bad_action_plan_cell_is_reported_at_its_cell(
    tmp_path: Path, form: str, index: int, column: str, bad: object, message: str,
    expected_words: str,
) -> None:
    problem = only_error(check(tmp_path, with_cell(index, column, bad), form))
    assert problem.message == message
    assert problem.file == sheet_file(tmp_path, form, "action_plan")
    assert problem.sheet == "action_plan"
    assert (problem.row, problem.column) == (index + 2, column)  # header is row 1
    assert problem.value == ("" if bad is None else bad)
    assert expected_words in (problem.expected or "")


def test_action_plan_metric_and_status_hints_are_every_cell(tmp_path: Path) -> None:
    tables = with_cell(0, "metrics", "M2; M11; Mx")
    tables["action_plan"].loc[1, "status"] = "Reddish"
    report = check(tmp_path, tables)
    assert [(p.row, p.message) for p in report.errors] == [
        (2, "unrecognised metric id 'M11'"), (2, "unrecognised metric id 'Mx'"),
        (3, "unrecognised status; did you mean 'Red'?"),
    ]


@pytest.mark.parametrize("form", FORMS)
def test_action_plan_missing_or_misspelt_column(tmp_path: Path, form: str) -> None:
    tables = plan_tables()
    tables["action_plan"] = tables["action_plan"].rename(columns={"status": "Stauts"}).drop(
        columns="success")
    report = check(tmp_path, tables, form)
    assert [(p.column, p.message) for p in report.errors] == [
        ("Stauts", "missing column 'status': this header looks like a misspelling of it"),
        ("success", "missing column 'success'"),
    ]


@pytest.mark.parametrize(
    ("owner", "name_like"),
    [
        ("Jane Smith", True), ("Dr Patel", True), ("j.smith@council.gov.uk", True),
        ("A. Khan (Head of HR)", True), ("Mr. O'Neil", True),
        ("Head of HR", False), ("Principal Social Worker", False), ("EDI Lead", False),
        ("Assistant Director, Adult Social Care", False), ("HR", False),
        ("Race Equality Network Chair", False), ("Health, Safety and Wellbeing Manager", False),
    ],
)
def test_owner_that_looks_like_a_name_is_a_notice_when_internal(tmp_path: Path, owner: str,
                                                                name_like: bool) -> None:
    report = check(tmp_path, with_cell(1, "owner", owner), params=make_params(
        disclosure="internal"))
    assert report.ok
    found = [p for p in report.notices if p.column == "owner"]
    assert bool(found) == name_like
    if name_like:
        assert (found[0].row, found[0].value) == (3, owner)
        assert "reports show the owner as given" in found[0].message


@pytest.mark.parametrize(
    ("owner", "name_like"),
    [("Jane Smith", True), ("j.smith@council.gov.uk", True), ("Dr Patel", True),
     ("Head of HR", False), ("EDI Lead", False)],
)
def test_owner_that_looks_like_a_name_is_an_error_when_published(tmp_path: Path, owner: str,
                                                                 name_like: bool) -> None:
    """A published report would show the owner: a person's name or e-mail address is refused."""
    report = check(tmp_path, with_cell(1, "owner", owner))  # make_params(): published
    found = [p for p in report.errors if p.column == "owner"]
    assert bool(found) == name_like and report.ok == (not name_like)
    if name_like:
        assert (found[0].file.endswith("action_plan.csv"), found[0].row, found[0].value) == (
            True, 3, owner)
        assert found[0].message.startswith("owner looks like a person's name or an e-mail "
                                           "address: published reports show the owner")


def test_action_plan_alone_is_read_with_the_metrics_not_collected(tmp_path: Path) -> None:
    report = check(tmp_path, {"action_plan": plan_tables()["action_plan"]})
    assert report.ok
    assert any("M2 not collected" in p.message for p in report.notices)


_PLAN_CELLS = st.one_of(_CELLS, st.sampled_from(
    ["M7", "m2;;M9", ",", "Red", "rag: amber", "Both", "Children's services", "Mr Smith"]))


@settings(max_examples=examples(25), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_action_plan_cell_gives_a_report_never_a_traceback(data: st.DataObject) -> None:
    from wres_tools.contract import ReturnError
    from wres_tools.returns.load import load_return

    tables = plan_tables()
    frame = tables["action_plan"].astype(object)
    row = data.draw(st.integers(0, len(frame) - 1))
    column = data.draw(st.sampled_from(list(frame.columns)))
    frame.loc[row, column] = data.draw(_PLAN_CELLS)
    tables["action_plan"] = frame
    with tempfile.TemporaryDirectory() as tmp:
        ref = write(Path(tmp), tables, "csv")
        report = validate_return(ref, make_params())
        if report.ok:
            plan = load_return(ref, make_params()).action_plan
            assert plan["metric"].notna().all() and plan["status"].notna().all()
            assert set(plan["action_id"]) == {"A1", "A2", "A3"} or column == "action_id"
        else:
            assert all(p.row and p.sheet == "action_plan" for p in report.errors)
            with pytest.raises(ReturnError):
                load_return(ref, make_params())


def test_header_only_action_plan(tmp_path: Path) -> None:
    tables = plan_tables()
    tables["action_plan"] = tables["action_plan"].iloc[0:0]
    problem = only_error(check(tmp_path, tables))
    assert (problem.sheet, problem.message) == ("action_plan", "no data rows below the header")
    assert problem.expected == "one row per action (leave the table out if there is no plan)"


# --- validation that guides ----------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("written", "table"), [
    ("Staff Survey", "survey"), ("CPD 2023", "cpd"), ("Leavers data", "leavers"),
    ("2023 recruitment", "recruitment"), ("Senior Managers", "senior_management"),
])
def test_a_name_close_to_a_tables_is_an_error_with_the_suggestion(
    tmp_path: Path, form: str, written: str, table: str
) -> None:
    tables = small_aggregate()
    tables[written] = tables.pop(table) if table in tables else pd.DataFrame(
        {"ethnicity": ["Indian"], "left": [1], "headcount": [1]})
    report = check(tmp_path, tables, form)
    problem = only_error(report)
    assert problem.message == f"{written!r} is not a table of the data contract; did you mean " \
                              f"{table!r}?"
    assert problem.expected == f"the table name {table!r}"
    # its metric is not also said to be "not collected": the error says what to do
    assert not [p for p in report.notices if f"(no {table} table)" in p.message]


@pytest.mark.parametrize(("table", "header", "column"), [
    ("leavers", "Leavers", "left"),
    ("disciplinary", "Entered formal process", "entered"),
    ("leavers", "Number of leavers", "left"),
    ("survey", "Total respondents in survey", "respondents"),
])
def test_a_header_that_names_the_column_in_other_words_gets_the_suggestion(
    tmp_path: Path, table: str, header: str, column: str
) -> None:
    tables = small_aggregate()
    frame = tables.get(table, pd.DataFrame({"ethnicity": ["White British", "Indian"],
                                            column: [1, 2]}))
    tables[table] = frame.rename(columns={column: header})
    problem = only_error(check(tmp_path, tables, "xlsx"))
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        table, 1, header, header)
    assert problem.message == f"missing column {column!r}: this header looks like it: rename " \
                              "the header"


@pytest.mark.parametrize("form", FORMS)
def test_a_title_row_above_the_header_is_named_once(tmp_path: Path, form: str) -> None:
    tables = small_aggregate()
    recruitment = tables["recruitment"]
    titled = pd.DataFrame([["Recruitment 2023/24", None, None], list(recruitment.columns),
                           *recruitment.to_numpy().tolist()])
    tables["recruitment"] = titled
    ref = write(tmp_path, {k: v for k, v in tables.items() if k != "recruitment"}, form)
    path = ref.path / "recruitment.csv" if form == "csv" else None
    if path is not None:
        titled.to_csv(path, index=False, header=False)
    else:  # the workbook again, the titled sheet written without pandas' own header
        ref = write(tmp_path, {**{k: v for k, v in tables.items() if k != "recruitment"},
                               "recruitment": titled.iloc[1:].set_axis(
                                   ["Recruitment 2023/24", "", " "], axis=1)}, form)
    report = validate_return(ref, make_params())
    problem = only_error(report)
    assert not [p for p in report.notices if "M2 not collected" in p.message]
    assert (problem.sheet, problem.row, problem.value) == ("recruitment", 1, "Recruitment 2023/24")
    assert problem.message == "the header looks like row 2: row 1 above it names no column of " \
                              "the table"
    assert problem.expected == "the header in the first row: delete the row(s) above row 2"


@pytest.mark.parametrize("form", FORMS)
def test_the_value_shown_is_the_cells_own_text(tmp_path: Path, form: str) -> None:
    tables = small_aggregate()
    tables["recruitment"] = pd.DataFrame({
        "ethnicity": ["White British", "NA", "Indian"], "shortlisted": [40, 3, "n/a"],
        "appointed": [10, 1, 2]})
    report = check(tmp_path, tables, form)
    found = {(p.row, p.column): (p.message, p.value) for p in report.errors}
    assert found == {
        (3, "ethnicity"): ("unrecognised ethnicity label", "NA"),  # not read as blank
        (4, "shortlisted"): ("not a number in a count column", "n/a"),
    }


def test_rows_are_listed_as_runs_and_the_rest_counted() -> None:
    from wres_tools.contract import compact_rows

    assert compact_rows([3, 4, 5, 25, 7, 6, 22, 21, 20]) == "3-7, 20-22, 25"
    assert compact_rows([9]) == "9"
    many = list(range(2, 60, 2))  # 29 runs of one row: 12 shown, 17 counted
    assert compact_rows(many) == ", ".join(str(r) for r in many[:12]) + " and 17 more rows"


def test_a_csv_title_line_of_one_field_is_named_too(tmp_path: Path) -> None:
    ref = _csv_return(tmp_path)
    (ref.path / "recruitment.csv").write_text(
        "Recruitment 2023/24\nethnicity,shortlisted,appointed\nIndian,3,1\n", encoding="utf-8")
    problem = only_error(validate_return(ref, make_params()))
    assert (problem.row, problem.value) == (1, "Recruitment 2023/24")
    assert problem.message == "the header looks like row 2: row 1 above it names no column of " \
                              "the table"


def test_a_survey_question_in_other_words_gets_the_suggestion(tmp_path: Path) -> None:
    tables = small_aggregate()
    tables["survey"]["question"] = ["From the public", "From the public", "Colleague", "colleagues",
                                    "Managers or colleagues", "managers"]
    report = check(tmp_path, tables)
    found = [(p.rows or (p.row,), p.message, p.value) for p in report.errors]
    assert found == [
        ((2, 3), "unknown survey question; did you mean 'public'?", "From the public"),
        ((4,), "unknown survey question; did you mean 'colleagues'?", "Colleague"),
        ((6,), "unknown survey question", "Managers or colleagues"),
    ]
