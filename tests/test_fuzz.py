"""A standing fuzz suite: bad input, hostile content and faults, each through the ``wres`` command
where a user would meet it. Every case asserts the exit code, the words of the message, that no
traceback is printed and that the input files are unchanged (their hashes before and after).

- bad input: one clean return (the aggregate of ``conftest.small_aggregate``, with an action
  plan) changed in one way, as a folder of CSV files (:data:`CSV_CASES`) or a workbook
  (:data:`XLSX_CASES`);
- hostile content: formula-like text in results.csv, mathtext in chart labels, ``url(x)`` in an
  SVG label, link text in the index;
- faults: one bad authority among good ones, counts in the millions, read-only output, edited
  manifests, and SIGKILL / SIGTERM of a two-worker batch (``slow``: they run notebooks).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import AUTHORITY, BANDS, notebook_file, small_aggregate
from typer.testing import CliRunner

from wres_tools.cli import app
from wres_tools.returns.writer import write_return

runner = CliRunner()
WRES = str(Path(sys.executable).parent / "wres")
YEAR = 2023
PARAMS = "display_name: Testshire\npay_bands:\n" + "".join(f"  - {b}\n" for b in BANDS)
PLAN = pd.DataFrame({
    "action_id": ["A1", "A2"], "objective": ["Fair recruitment", "Fair processes"],
    "aim": ["Close the gap", "Fewer cases"], "metrics": ["M2", "M3"],
    "action": ["Diverse panels", "Pre-formal review"], "owner": ["Head of HR", "EDI Lead"],
    "status": ["Red", "Green"], "success": ["RL within 0.80-1.25", "RL below 1.25"],
    "latest_update": ["Not started", "Done"],
})

# the standing fuzz suite: make test (and CI) runs it, make test-fast does not
pytestmark = pytest.mark.heavy


def clean_tables() -> dict[str, pd.DataFrame]:
    return small_aggregate() | {"action_plan": PLAN.copy()}


def hashes(root: Path) -> dict[str, str]:
    """sha256 of every regular file under ``root`` (links to devices and pipes are not read),
    but the batch's input key (made in the data folder at the first run: not an input)."""
    from wres_tools.inputkey import KEY_FILE

    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.name != KEY_FILE:
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def data_folder(tmp_path: Path, form: str, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    root = tmp_path / "data"
    write_return(tables if tables is not None else clean_tables(), root, AUTHORITY, YEAR, form)
    (root / "parameters").mkdir(exist_ok=True)
    (root / "parameters" / f"{AUTHORITY}.yml").write_text(PARAMS, encoding="utf-8")
    return root


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception)
    return result


def said(result) -> str:
    """Everything the command printed (stdout and stderr)."""
    return result.output + (result.stderr if result.stderr not in result.output else "")


def checked_clean(result, authority: str) -> bool:
    """Whether the validation table shows the authority's 2023 return with no errors."""
    return re.search(rf"│ {authority}\s+│ 2023 │ \w+\s+│ 0\s+│", said(result)) is not None


def assert_clean_failure(result, words: str, code: int = 1) -> None:
    text = said(result)
    assert result.exit_code == code, text
    assert words in text, text
    assert "Traceback" not in text


# --------------------------------------------------------------------------- CSV returns


def edit_csv(table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    """A case that rewrites one CSV file of the return through a pandas change."""
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        change(frame).to_csv(path, index=False, lineterminator="\n")
    return apply


def cell(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame
    return edit_csv(table, change)


def text(table: str, content: str | bytes) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return apply


def make_special(path: Path, kind: str) -> None:
    """The file at ``path`` replaced by a folder, a pipe, a link to /dev/zero or a broken link."""
    path.unlink()
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    else:
        path.symlink_to(path.parent / f"gone{path.suffix}")


def replace_with(kind: str, table: str = "workforce") -> Callable[[Path], None]:
    """workforce.csv replaced by a folder, a pipe, a link to /dev/zero or a broken link."""
    return lambda folder: make_special(folder / f"{table}.csv", kind)


def only_notes(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    (folder / "notes.txt").write_text("nothing here yet\n", encoding="utf-8")


def rename(old: str, new: str) -> Callable[[Path], None]:
    return lambda folder: (folder / f"{old}.csv").rename(folder / f"{new}.csv")


def add_file(name: str, content: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text(content, encoding="utf-8")


def twin_workbook(folder: Path) -> None:
    write_return(small_aggregate(), folder.parent.parent, AUTHORITY, YEAR, "xlsx")


WORKFORCE_HEADER = "ethnicity,pay_band,headcount\n"
CSV_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "count 1e20": (cell("workforce", 0, "headcount", "1e20"),
                   "row 2, column headcount: count larger than any workforce (found '1e20'; "
                   "expected a whole number from 0 to 2,000,000)"),
    "count 1e12": (cell("workforce", 1, "headcount", "1e12"),
                   "row 3, column headcount: count larger than any workforce (found '1e12'"),
    "count one over the bound": (cell("recruitment", 0, "shortlisted", "2000001"),
                                 "count larger than any workforce (found '2000001'"),
    "negative count": (cell("workforce", 0, "headcount", "-1"), "negative count (found '-1'"),
    "fraction": (cell("workforce", 0, "headcount", "1.5"),
                 "count is not a whole number (found '1.5'"),
    "word for a count": (cell("workforce", 0, "headcount", "twelve"),
                         "not a number in a count column (found 'twelve'"),
    "blank count": (cell("workforce", 0, "headcount", ""),
                    "row 2, column headcount: missing count"),
    "inf": (cell("workforce", 0, "headcount", "inf"), "(found 'inf'"),
    "nan": (cell("workforce", 0, "headcount", "nan"),
            "not a number in a count column (found 'nan'"),
    "comma decimal": (cell("workforce", 0, "headcount", "1,5"),
                      "not a number in a count column (found '1,5'"),
    "unknown ethnicity": (cell("workforce", 0, "ethnicity", "Martian"),
                          "unrecognised ethnicity label (found 'Martian'"),
    "formula as ethnicity": (cell("workforce", 0, "ethnicity", '=HYPERLINK("http://x","y")'),
                             "unrecognised ethnicity label (found '=HYPERLINK"),
    "megabyte cell": (cell("workforce", 0, "ethnicity", "x" * 1_000_000),
                      "more characters)"),
    "unknown pay band": (cell("workforce", 0, "pay_band", "Band Z"),
                         "pay band not in the band order of the parameter file"),
    "unknown service": (edit_csv("workforce", lambda f: f.assign(service="Martians")),
                        "unrecognised service (found 'Martians'"),
    "service blank in one row": (
        edit_csv("recruitment", lambda f: f.assign(service=["adults", ""])),
        "service is blank in this row but given in others"),
    "duplicate row": (edit_csv("workforce", lambda f: pd.concat([f, f.iloc[[0]]])),
                      "duplicate row: the same service, ethnicity, pay_band as row 2"),
    "missing column": (edit_csv("workforce", lambda f: f.drop(columns="headcount")),
                       "missing column 'headcount'"),
    "misspelt header": (
        edit_csv("workforce", lambda f: f.rename(columns={"headcount": "headcont"})),
        "missing column 'headcount': this header looks like a misspelling"),
    "header twice": (text("workforce", "ethnicity,pay_band,headcount,headcount\nIndian,"
                          f"\"{BANDS[0]}\",1,2\n"), "column 'headcount' appears twice"),
    "data without header": (text("workforce", "ethnicity,pay_band,headcount,\nIndian,"
                                 f"\"{BANDS[0]}\",1,9\n"), "a column holds data but has no header"),
    "semicolons": (text("workforce", "ethnicity;pay_band;headcount\nIndian;A;1\n"),
                   "fields are separated by ';', not commas"),
    "latin-1": (text("workforce", WORKFORCE_HEADER.encode() + b"Caf\xe9,A,1\n"),
                "not UTF-8 text: byte 0xe9 at line 2"),
    "empty file": (text("workforce", ""), "empty file: no header row and no data"),
    "ragged rows": (text("workforce", WORKFORCE_HEADER + "Indian,A,1\nIndian,A,1,2,3\n"),
                    "not a well-formed CSV file"),
    "header only": (text("workforce", WORKFORCE_HEADER), "no data rows below the header"),
    "appointed over shortlisted": (cell("recruitment", 1, "appointed", "50"),
                                   "appointed (50) is more than shortlisted (30)"),
    "entered over headcount": (cell("disciplinary", 1, "entered", "40"),
                               "entered (40) is more than the workforce headcount (22)"),
    "yes over respondents": (cell("survey", 0, "yes", "60"),
                             "yes (60) is more than respondents (50)"),
    "unknown question": (cell("survey", 0, "question", "weather"), "unknown survey question"),
    "folder named workforce.csv": (replace_with("folder"), "is a folder, not a CSV file"),
    "pipe named workforce.csv": (replace_with("fifo"),
                                 "is not a regular file (a pipe, socket or device); not read"),
    "link to /dev/zero": (replace_with("zero"),
                          "is not a regular file (a pipe, socket or device); not read"),
    "broken link": (replace_with("broken"), "is a link to nothing that exists; not read"),
    "only notes.txt": (only_notes, "the return holds no tables"),
    "near-miss file name": (rename("workforce", "workforse"),
                            "'workforse' is not a table of the data contract; did you mean "
                            "'workforce'?"),
    "table twice": (add_file("Workforce.csv", WORKFORCE_HEADER + f"Indian,\"{BANDS[0]}\",1\n"),
                    "a second file for table 'workforce'"),
    "workbook beside the folder": (twin_workbook, "the 2023 return is given twice"),
    "synthetic maybe": (add_file("metadata.csv", "key,value\nsynthetic,maybe\n"),
                        "synthetic must be true or false (found 'maybe'"),
    "shares add to a half": (add_file("population.csv", "ethnicity,share\nWhite,0.25\n"
                                      "Indian,0.25\n"), "population shares add up to 0.500"),
    "share over one": (add_file("population.csv", "ethnicity,share\nWhite,1.5\nIndian,-0.5\n"),
                       "population share outside 0 to 1 (found '1.5'"),
    "population in the billions": (add_file("population.csv", "ethnicity,count\nWhite,1e9\n"
                                            "Indian,5\n"),
                                   "population count larger than the United Kingdom's"),
    "no workforce for a denominator": (lambda f: (f / "workforce.csv").unlink(),
                                       "'disciplinary' has no headcount column, so its "
                                       "denominator comes from the workforce table"),
    "unknown metric id": (cell("action_plan", 0, "metrics", "M12"),
                          "unrecognised metric id 'M12'"),
    "unknown status": (cell("action_plan", 0, "status", "Purple"), "unrecognised status"),
    "owner an e-mail address": (cell("action_plan", 0, "owner", "j.smith@council.gov.uk"),
                                "owner looks like a person's name or an e-mail address"),
    "owner a person": (cell("action_plan", 1, "owner", "Jane Smith"),
                       "row 3, column owner: owner looks like a person's name"),
    "blank metrics": (cell("action_plan", 0, "metrics", ""), "blank metrics"),
    "action id repeated": (cell("action_plan", 1, "action_id", "a1"),
                           "action_id repeated (first in row 2)"),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_bad_csv_return(tmp_path: Path, case: str) -> None:
    change, words = CSV_CASES[case]
    root = data_folder(tmp_path, "csv")
    change(root / AUTHORITY / str(YEAR))
    before = hashes(root)
    result = invoke("validate", str(root / AUTHORITY / str(YEAR)))
    assert_clean_failure(result, words)
    assert hashes(root) == before


# --------------------------------------------------------------------------- workbooks


def sheet_cell(sheet: str, ref: str, value: object) -> Callable[[Path], None]:
    """A case that writes one cell of the workbook with openpyxl (a formula is saved without a
    result, as by a program that does not calculate; "#N/A" is saved as an error value)."""
    def apply(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        book[sheet][ref] = value
        book.save(path)
    return apply


def workbook_of(tables: Callable[[], dict[str, pd.DataFrame]]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        write_return(tables(), path.parent.parent, AUTHORITY, YEAR, "xlsx")
    return apply


def rename_sheet(old: str, new: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        book[old].title = new
        book.save(path)
    return apply


def copy_sheet(name: str, new: str) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        book.copy_worksheet(book[name]).title = new
        book.save(path)
    return apply


def only_default_sheets(path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "notes"
    book.create_sheet("Sheet2")
    book.save(path)


def bytes_of(content: bytes | Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        path.write_bytes(content(path.read_bytes()) if callable(content) else content)
    return apply


def without(table: str, column: str) -> Callable[[], dict[str, pd.DataFrame]]:
    return lambda: clean_tables() | {table: clean_tables()[table].drop(columns=column)}


def with_rows(table: str, rows: slice) -> Callable[[], dict[str, pd.DataFrame]]:
    return lambda: clean_tables() | {table: clean_tables()[table].iloc[rows]}


def doubled_first_row() -> dict[str, pd.DataFrame]:
    workforce = clean_tables()["workforce"]
    return clean_tables() | {"workforce": pd.concat([workforce, workforce.iloc[[0]]])}


XLSX_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "#N/A": (sheet_cell("workforce", "C2", "#N/A"),
             "sheet workforce, row 2, column headcount: no value: the cell holds #N/A (an Excel "
             "error value) (found '#N/A'"),
    "#DIV/0!": (sheet_cell("workforce", "C3", "#DIV/0!"),
                "no value: the cell holds #DIV/0! (an Excel error value)"),
    "#REF! in a text column": (sheet_cell("workforce", "A2", "#REF!"),
                               "column ethnicity: no value: the cell holds #REF!"),
    "formula without a result": (sheet_cell("recruitment", "B2", "=C2*2"),
                                 "no value: the cell holds =C2*2 (a formula with no saved "
                                 "result"),
    "count 1e20": (sheet_cell("workforce", "C2", 1e20), "count larger than any workforce"),
    "count 1e12": (sheet_cell("workforce", "C2", "1e12"), "count larger than any workforce"),
    "negative count": (sheet_cell("workforce", "C2", -3), "negative count"),
    "word for a count": (sheet_cell("workforce", "C2", "twelve"),
                         "not a number in a count column (found 'twelve'"),
    "unknown ethnicity": (sheet_cell("workforce", "A2", "Martian"),
                          "unrecognised ethnicity label (found 'Martian'"),
    "appointed over shortlisted": (sheet_cell("recruitment", "C3", 99),
                                   "appointed (99) is more than shortlisted (30)"),
    "only Sheet1 and Sheet2": (only_default_sheets, "the return holds no tables"),
    "near-miss sheet name": (rename_sheet("workforce", "Workforse"),
                             "'Workforse' is not a table of the data contract; did you mean "
                             "'workforce'?"),
    "sheet twice": (copy_sheet("workforce", "Workforce "), "a second sheet for table "
                    "'workforce'"),
    "not a zip": (bytes_of(b"ethnicity,headcount\nIndian,3\n"),
                  "cannot be read as an Excel workbook"),
    "zero bytes": (bytes_of(b""), "cannot be read as an Excel workbook"),
    "truncated": (bytes_of(lambda b: b[: len(b) // 2]), "cannot be read as an Excel workbook"),
    "missing column": (workbook_of(without("workforce", "headcount")),
                       "missing column 'headcount'"),
    "header only": (workbook_of(with_rows("recruitment", slice(0, 0))),
                    "no data rows below the header"),
    "duplicate row": (workbook_of(doubled_first_row), "duplicate row: the same service, "
                      "ethnicity, pay_band as row 2"),
    "data without a header": (sheet_cell("recruitment", "E2", 7),
                              "a column holds data but has no header"),
    "owner an e-mail address": (sheet_cell("action_plan", "F2", "a.khan@example.org"),
                                "owner looks like a person's name or an e-mail address"),
    "megabyte cell": (sheet_cell("workforce", "A2", "y" * 30_000), "more characters)"),
}


@pytest.mark.parametrize("case", sorted(XLSX_CASES))
def test_bad_workbook(tmp_path: Path, case: str) -> None:
    change, words = XLSX_CASES[case]
    root = data_folder(tmp_path, "xlsx")
    change(root / AUTHORITY / f"{YEAR}.xlsx")
    before = hashes(root)
    result = invoke("validate", str(root / AUTHORITY / f"{YEAR}.xlsx"))
    assert_clean_failure(result, words)
    assert hashes(root) == before


def special_workbook(kind: str) -> Callable[[Path], None]:
    """2023.xlsx replaced by a folder, a pipe, a link to /dev/zero or a broken link."""
    return lambda path: make_special(path, kind)


@pytest.mark.parametrize(("kind", "words"), [
    ("folder", "2023.xlsx: named like a return but a folder; not read"),
    ("fifo", "2023.xlsx: named like a return but not a regular file (a pipe, socket or device)"),
    ("zero", "2023.xlsx: named like a return but not a regular file"),
    ("broken", "2023.xlsx: named like a return but a link to nothing that exists"),
])
def test_a_workbook_that_is_not_a_file_is_named_not_skipped(tmp_path: Path, kind: str,
                                                            words: str) -> None:
    """Found under --data-dir: a message and exit 1, never a hang or a silent skip; the other
    authority is checked."""
    root = data_folder(tmp_path, "xlsx")
    write_return(small_aggregate(), root, "other", YEAR, "csv")
    special_workbook(kind)(root / AUTHORITY / f"{YEAR}.xlsx")
    before = hashes(root)
    result = invoke("validate", "--data-dir", str(root))
    assert_clean_failure(result, words)
    assert checked_clean(result, "other")
    assert hashes(root) == before


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_special_workbook_given_by_path_does_not_hang(tmp_path: Path, kind: str) -> None:
    root = data_folder(tmp_path, "xlsx")
    special_workbook(kind)(root / AUTHORITY / f"{YEAR}.xlsx")
    started = time.monotonic()
    result = invoke("validate", str(root / AUTHORITY / f"{YEAR}.xlsx"))
    assert_clean_failure(result, "2023.xlsx: is not a regular file (a pipe, socket or device); "
                         "not read")
    assert time.monotonic() - started < 10


# --------------------------------------------------------------------------- one bad authority


def two_authorities(tmp_path: Path) -> Path:
    """The clean return of testshire and of 'other' (both CSV folders) with parameter files."""
    root = data_folder(tmp_path, "csv")
    write_return(small_aggregate(), root, "other", YEAR, "csv")
    (root / "parameters" / "other.yml").write_text(PARAMS, encoding="utf-8")
    return root


def params_folder(root: Path) -> None:
    path = root / "parameters" / f"{AUTHORITY}.yml"
    path.unlink()
    path.mkdir()


def params_text(content: str) -> Callable[[Path], None]:
    return lambda root: (root / "parameters" / f"{AUTHORITY}.yml").write_text(content)


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "notes: [*i]\n"

BAD_AUTHORITY: dict[str, tuple[Callable[[Path], None], str]] = {
    "parameter file is a folder": (params_folder, "testshire.yml: is a folder, not a parameter "
                                   "file (expected a YAML file <authority>.yml)"),
    "alias bomb": (params_text(ALIAS_BOMB), "testshire.yml, row 2: not valid YAML: YAML aliases "
                   "(*name) are not accepted in a parameter file"),
    "nested 20,000 deep": (params_text("notes: " + "[" * 20_000 + "]" * 20_000 + "\n"),
                           "testshire.yml: not valid YAML: nested too deeply to read"),
    "parameter file a pipe": (lambda root: (root / "parameters" / f"{AUTHORITY}.yml").unlink()
                              or os.mkfifo(root / "parameters" / f"{AUTHORITY}.yml"),
                              "testshire.yml: is not a regular file (a pipe or a device?)"),
    "huge parameter value": (params_text("display_name: [" + "1, " * 200_000 + "1]\n"),
                             "more characters)"),
    "broken year link": (lambda root: (root / AUTHORITY / "2022").symlink_to(root / "gone"),
                         "testshire/2022: named like a return but a link to nothing that "
                         "exists; not read"),
}


@pytest.mark.parametrize("case", sorted(BAD_AUTHORITY))
def test_one_bad_authority_never_stops_validating_the_others(tmp_path: Path, case: str) -> None:
    change, words = BAD_AUTHORITY[case]
    root = two_authorities(tmp_path)
    change(root)
    before = hashes(root)
    result = invoke("validate", "--data-dir", str(root))
    assert_clean_failure(result, words)
    assert checked_clean(result, "other")
    assert len(said(result)) < 20_000  # an alias bomb or a huge value: a short message
    assert hashes(root) == before


def test_an_unreadable_authority_folder_is_named_and_the_others_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, chmod 000 does not stop reading: the PermissionError is simulated."""
    root = two_authorities(tmp_path)
    locked = root / AUTHORITY
    real = Path.iterdir

    def iterdir(self: Path):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = invoke("validate", "--data-dir", str(root))
    assert_clean_failure(result, f"{locked}: the folder cannot be read: Permission denied "
                         "(expected a folder this user may list and read)")
    assert checked_clean(result, "other")
    assert "1 return(s) checked, 0 with problems; 1 folder(s) or file(s) could not be read." in \
        said(result)
    metrics = invoke("metrics", "-a", AUTHORITY, "-y", str(YEAR), "-d", str(root), "--json")
    assert_clean_failure(metrics, "the folder cannot be read: Permission denied")
    assert invoke("metrics", "-a", "other", "-y", str(YEAR), "-d", str(root),
                  "--json").exit_code == 0

    from wres_tools.batch.plan import plan_batch

    plan = plan_batch(root, tmp_path / "out", notebooks=[])
    assert [(f.authority, f.notebook) for f in plan.failures] == [(AUTHORITY, "return")]
    assert "the folder cannot be read: Permission denied" in plan.failures[0].message
    assert [(j.authority, j.year) for j in plan.jobs] == [("other", YEAR)]


def test_a_252_character_authority_name_is_a_message(tmp_path: Path) -> None:
    """Its parameter file name (256 characters) is too long for the file system."""
    root = two_authorities(tmp_path)
    long_name = "a" * 252
    write_return(small_aggregate(), root, long_name, YEAR, "csv")
    result = invoke("validate", "--data-dir", str(root))
    assert_clean_failure(result, f"{long_name}.yml: cannot be read: File name too long")
    assert checked_clean(result, "other")


@pytest.mark.parametrize("case", ["parameter file is a folder", "alias bomb"])
def test_a_bad_authority_makes_only_its_own_batch_failures(tmp_path: Path, case: str) -> None:
    from wres_tools.batch.plan import plan_batch

    root = two_authorities(tmp_path)
    BAD_AUTHORITY[case][0](root)
    plan = plan_batch(root, tmp_path / "out", notebooks=[])
    assert [(f.authority, f.year, f.notebook) for f in plan.failures] == [
        (AUTHORITY, YEAR, "parameters")]
    assert "testshire.yml" in plan.failures[0].message
    assert [(j.authority, j.year) for j in plan.jobs] == [("other", YEAR)]


def big_return(headcount: int) -> dict[str, pd.DataFrame]:
    """A workforce in the millions (the bound is per cell: two million)."""
    tables = small_aggregate()
    tables["workforce"] = tables["workforce"].assign(headcount=[headcount] * 5)
    tables["recruitment"] = tables["recruitment"].assign(shortlisted=[1_900_000, 1_500_000],
                                                         appointed=[950_000, 740_000])
    tables["disciplinary"] = tables["disciplinary"].assign(entered=[19_000, 15_500])
    return tables


def test_metrics_on_counts_in_the_millions_is_fast(tmp_path: Path) -> None:
    root = data_folder(tmp_path, "csv", big_return(1_900_000))
    invoke("metrics", "-a", AUTHORITY, "-y", str(YEAR), "-d", str(root), "--json")  # imports
    write_return(big_return(1_800_000), root, AUTHORITY, YEAR, "csv")
    started = time.monotonic()
    result = invoke("metrics", "-a", AUTHORITY, "-y", str(YEAR), "-d", str(root), "--json")
    assert time.monotonic() - started < 2
    assert result.exit_code == 0, said(result)
    assert '"n_group": 1500000' in result.stdout


def test_a_count_over_the_bound_is_refused_not_overflowed(tmp_path: Path) -> None:
    root = data_folder(tmp_path, "csv", big_return(1_900_000))
    frame = small_aggregate()["workforce"].assign(headcount=["1e20", "5", "5", "5", "5"])
    frame.to_csv(root / AUTHORITY / str(YEAR) / "workforce.csv", index=False)
    result = invoke("metrics", "-a", AUTHORITY, "-y", str(YEAR), "-d", str(root), "--json")
    assert_clean_failure(result, "row 2, column headcount: count larger than any workforce "
                         "(found '1e20'; expected a whole number from 0 to 2,000,000)")


# --------------------------------------------------------------------------- hostile content


def published_record(**values: object) -> dict:
    from wres_tools import metrics
    from wres_tools.contract import RESULT_COLUMNS

    base: dict[str, object] = dict.fromkeys(RESULT_COLUMNS)
    base.update(authority="alpha", year=2023, metric="M1", service="all", group="minority",
                reference="white", status="ok", disclosure="published", suppressed=False,
                adverse_when=metrics.METRICS["M1"].adverse_when, small_numbers=False,
                n_group=40, events_group=10, share=0.25, share_ci_low=-0.5)
    base.update(values)
    return base


@pytest.mark.parametrize(("field", "written", "expected"), [
    ("pay_band", '=HYPERLINK("http://evil.example","click")',
     '\'=HYPERLINK(""http://evil.example"",""click"")'),
    ("pay_band", "@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("pay_band", "+44 cmd", "'+44 cmd"),
    ("pay_band", "-2+3", "'-2+3"),
    ("pay_band", "\tTAB", "'\tTAB"),
    ("pay_band", "\rCR", "\"'\rCR\""),
    ("authority", "=HYPERLINK(1)", "'=HYPERLINK(1)"),
    ("pay_band", "-0.5", "-0.5"),  # a number written as text stays a number
    ("pay_band", "£30,000 to £69,000", "\"£30,000 to £69,000\""),
])
def test_results_csv_cells_that_start_a_formula_are_neutralised(field: str, written: str,
                                                                 expected: str) -> None:
    from wres_tools.evidence.results import neutralised, results_csv

    text = results_csv(pd.DataFrame([published_record(**{field: written})]))
    assert expected in text
    rows = pd.read_csv(__import__("io").StringIO(text), dtype=str, keep_default_na=False)
    assert set(rows[field]) == {neutralised(written)}
    # numbers stay numbers: a negative interval bound is written as a number, unquoted
    share = rows[rows["statistic"] == "share_ci_low"]["value"]
    assert list(share) == ["-0.5"]
    assert neutralised(-0.5) == -0.5 and neutralised("1e5") == "1e5"


@pytest.mark.parametrize("band", ["$30,000 to $69,000", r"$\foo^$", "url(x) band",
                                  '</text><image href="http://evil.example/x.png"/>'])
def test_a_pay_band_is_drawn_as_plain_text_and_the_page_stays_self_contained(band: str) -> None:
    from report_data import frame, record

    from wres_tools.batch.export import outside_references
    from wres_tools.reporting import charts

    rows = [record(metric="M1", service="all", pay_band=b, share=0.2, share_ci_low=0.1,
                   share_ci_high=0.3, share_workforce=0.2) for b in (band, "Band B")]
    chart = charts.pay_band_chart(frame(rows), bands=[band, "Band B"])
    svg = chart.svg().decode("utf-8")
    escaped = band.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&quot;") in svg or escaped in svg
    page = f"<!DOCTYPE html><html><body>{chart.html()}</body></html>"
    assert outside_references(page) == []


def test_an_svg_that_loads_from_a_host_is_still_refused() -> None:
    import base64

    from wres_tools.batch.export import outside_references

    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:url(http://a.example/p)}'
           '</style><text>url(x)</text><image href="http://b.example/i.png"/></svg>')
    page = f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
    assert sorted(r.url for r in outside_references(page)) == [
        "http://a.example/p", "http://b.example/i.png"]


def test_index_links_are_percent_encoded(tmp_path: Path) -> None:
    import json

    from wres_tools.batch.index import build_index
    from wres_tools.batch.state import STATE_FILE

    out = tmp_path / "out"
    folder = out / "2023" / "Hash #1 ?x %41"
    folder.mkdir(parents=True)
    (folder / "summary.html").write_text("<p>page</p>", encoding="utf-8")
    (folder / STATE_FILE).write_text(json.dumps({
        "authority": "Hash #1 ?x %41", "year": 2023, "display_name": "Hash", "synthetic": False,
        "disclosure": "published", "fingerprints": {"summary.html": "x"}}), encoding="utf-8")
    page = build_index(out).read_text(encoding="utf-8")
    assert 'href="2023/Hash%20%231%20%3Fx%20%2541/summary.html"' in page


# --------------------------------------------------------------------------- output and manifests


def test_a_read_only_output_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    """As root a chmod does not stop writing: --out under a regular file cannot be made."""
    root = data_folder(tmp_path, "csv")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    before = hashes(root)
    result = invoke("run", "--data-dir", str(root), "--out", str(blocker / "out"),
                    "--no-progress")
    assert_clean_failure(result, f"{blocker / 'out'}: cannot write the reports there (Not a "
                         "directory)", code=2)
    assert hashes(root) == before


def test_a_state_that_cannot_be_written_is_a_failure_of_the_job(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from wres_tools.batch.plan import Job
    from wres_tools.batch.run import write_state
    from wres_tools.batch.state import STATE_FILE

    def read_only(path: Path, text: str) -> Path:
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    from wres_tools.batch import run

    monkeypatch.setattr(run, "write_atomic", read_only)
    job = Job(AUTHORITY, YEAR, tmp_path, tmp_path, tmp_path / "out", "published", None, (),
                    False, {})
    assert write_state(job, {}, "Testshire", False) == (
        f"cannot be written: Read-only file system ({tmp_path / 'out' / STATE_FILE})")


def manifest_for(tmp_path: Path) -> tuple[Path, dict]:
    from wres_tools.evidence.manifest import build_manifest
    from wres_tools.returns.find import find_returns

    root = data_folder(tmp_path, "csv")
    out = tmp_path / "outputs"
    out.mkdir()
    manifest = build_manifest(root, find_returns(root), root / "parameters",
                                       {"authorities": [], "years": []}, out)
    return out / "manifest.json", manifest


def edit(path: str, value: object) -> Callable[[dict], None]:
    """Set a nested field: "inputs.0.files.0.path"."""
    def apply(manifest: dict) -> None:
        *parents, last = path.split(".")
        target: object = manifest
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value  # type: ignore[index]
    return apply


def foreign_notebook(tmp_path: Path) -> Callable[[dict], None]:
    evil = tmp_path / "evil.ipynb"
    notebook_file(evil, "open('/tmp/pwned', 'w').write('x')", parameters="authority = ''\n"
                  "year = 0")
    return edit("options.notebooks", [str(evil)])


MANIFEST_CASES: dict[str, tuple[Callable[[Path], Callable[[dict], None]], str]] = {
    "input outside the data folder": (lambda _: edit("inputs.0.files.0.path", "/etc/hostname"),
                                      "path(s) outside the data folder"),
    "input climbing out": (lambda _: edit("inputs.0.path", "../../../etc"),
                           "path(s) outside the data folder"),
    "parameter file elsewhere": (lambda _: edit("parameters.defaults.path", "/etc/passwd"),
                                 "e.g. /etc/passwd"),
    "result outside": (lambda _: edit("outputs", [{"path": "/etc/shadow", "digest": "sha256",
                                                   "value": None}]),
                       "e.g. /etc/shadow"),
    "foreign notebook": (foreign_notebook, "which is not one of the project's notebooks"),
    "another kernel": (lambda _: edit("options.kernel_name", "python3"),
                       "options.kernel_name: reproduce runs the project's own kernel only"),
    "inputs not a list": (lambda _: edit("inputs", {"a": 1}), "inputs is dict, expected a list"),
    "files a number": (lambda _: edit("inputs.0.files", 3),
                       "inputs[0].files is int, expected a list"),
    "hash a list": (lambda _: edit("inputs.0.files.0.hmac", [1]),
                    "inputs[0].files[0].hmac is [1], expected text or null"),
    "year as text": (lambda _: edit("inputs.0.year", "2023"),
                     "inputs[0].year is '2023', expected a whole number"),
    "parameters a string": (lambda _: edit("parameters", "x"),
                            "parameters is str, expected an object"),
    "authority entry missing its path": (lambda _: edit("parameters.authorities.testshire", {}),
                                         "parameters.authorities.testshire.path is missing"),
    "options a list": (lambda _: edit("options", []), "options is list, expected an object"),
}


@pytest.mark.parametrize("case", sorted(MANIFEST_CASES))
def test_an_edited_manifest_is_refused_with_a_message(tmp_path: Path, case: str) -> None:
    import json

    make, words = MANIFEST_CASES[case]
    path, manifest = manifest_for(tmp_path)
    make(tmp_path)(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    before = hashes(tmp_path)
    result = invoke("reproduce", str(path), "--out", str(tmp_path / "again"))
    assert_clean_failure(result, words, code=2)
    assert not (tmp_path / "again").exists() and not Path("/tmp/pwned").exists()
    assert hashes(tmp_path) == before


def test_a_project_notebook_named_by_a_copy_runs_from_the_project(tmp_path: Path) -> None:
    from wres_tools.batch.plan import report_notebooks
    from wres_tools.evidence.reproduce import _checked_options
    from wres_tools.paths import NOTEBOOKS_DIR

    ours = report_notebooks()[0]
    copy = tmp_path / ours.name
    shutil.copyfile(ours, copy)
    options = _checked_options({"options": {"notebooks": [str(copy)], "years": [2023]}},
                               tmp_path / "manifest.json", NOTEBOOKS_DIR)
    assert options == {"notebooks": [ours], "years": [2023]}


# --------------------------------------------------------------------------- a batch that is killed


def slow_project(tmp_path: Path) -> tuple[Path, Path]:
    """Three authorities x two years and two notebooks that take two seconds each: a batch
    that is still making pages when it is stopped."""
    root = tmp_path / "data"
    for authority in ("ashbury", "brockley", "cradley"):
        for year in (2022, 2023):
            write_return(small_aggregate(), root, authority, year, "csv")
    (root / "parameters").mkdir()
    for authority in ("ashbury", "brockley", "cradley"):
        (root / "parameters" / f"{authority}.yml").write_text(PARAMS, encoding="utf-8")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    parameters = "authority = ''\nyear = 0\ndata_dir = ''\nparameters_dir = ''\n" \
                 "disclosure = 'published'"
    for name in ("summary", "m1_pay_bands"):
        notebook_file(notebooks / f"{name}.ipynb", "import time\ntime.sleep(2)\nprint(year)",
                      parameters=parameters)
    return root, notebooks


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_stopped_batch_leaves_no_process_and_writes_no_page(tmp_path: Path,
                                                              how: signal.Signals) -> None:
    """Workers and their kernels end within 5 s of their parent's death, however it dies; no
    page is written after it; a SIGTERM prints no traceback (asyncio's DeadKernelError)."""
    import psutil

    root, notebooks = slow_project(tmp_path)
    out = tmp_path / "out"
    before = hashes(root)
    process = subprocess.Popen(
        [WRES, "run", "--data-dir", str(root), "--out", str(out), "--notebooks", str(notebooks),
         "--jobs", "2", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    while not list(out.rglob("*.html")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(out.rglob("*.html")), "the batch made no page in four minutes"
    family = psutil.Process(process.pid).children(recursive=True)
    assert len(family) >= 4  # two workers and their two kernels (and the resource tracker)
    process.send_signal(how)
    printed = process.communicate(timeout=60)[0].decode("utf-8", "replace")
    died = time.monotonic()
    pages = {p: p.stat().st_mtime_ns for p in out.rglob("*.html")}  # at the parent's death
    _, alive = psutil.wait_procs(family, timeout=5)
    try:
        assert alive == [], f"still running {time.monotonic() - died:.1f} s after: {alive}"
    finally:
        for survivor in alive:
            survivor.kill()
    time.sleep(2)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.html")} == pages
    assert process.returncode == (-signal.SIGKILL if how == signal.SIGKILL
                                  else 128 + signal.SIGTERM)
    for noise in ("Traceback", "Task exception was never retrieved", "DeadKernelError"):
        assert noise not in printed, printed
    assert hashes(root) == before


@pytest.mark.parametrize(("what", "words"), [
    ("folder", "2023: the folder cannot be read: Permission denied"),
    ("file", "workforce.csv: cannot be read: Permission denied"),
])
def test_an_unreadable_return_folder_or_file_is_a_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str, words: str) -> None:
    """As root, permissions do not stop reading: the PermissionError is simulated."""
    root = data_folder(tmp_path, "csv")
    folder = root / AUTHORITY / str(YEAR)
    locked = folder if what == "folder" else folder / "workforce.csv"
    method = "iterdir" if what == "folder" else "read_bytes"
    real = getattr(Path, method)

    def refuse(self: Path):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, method, refuse)
    result = invoke("validate", str(folder))
    assert_clean_failure(result, words)
