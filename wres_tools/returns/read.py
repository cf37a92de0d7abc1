"""Read a return's files (an Excel workbook or a folder of CSV files) into :class:`RawTable` frames
of stripped strings, indexed by the row number a spreadsheet shows (header = row 1), so that
validation can name the place of every problem and the tidy tables are built from the same
frames afterwards.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_OPTIONAL,
    ACTION_PLAN_TABLE,
    AGGREGATE_TABLES,
    METADATA_TABLE,
    POPULATION_TABLE,
    RECORD_TABLES,
    TEMPLATE_INSTRUCTIONS,
    TEMPLATE_SHEETS,
    Problem,
    service_key,
    shorten,
)
from wres_tools.ethnicity import normalise
from wres_tools.parameters import Parameters
from wres_tools.returns.find import (
    ReturnRef,
    file_kind,
    folder_entries,
    is_folder,
    is_hidden,
    unreadable_file,
)

#: Every table name a return may hold.
KNOWN_TABLES: tuple[str, ...] = (
    *AGGREGATE_TABLES, *RECORD_TABLES, POPULATION_TABLE, METADATA_TABLE, ACTION_PLAN_TABLE,
)

try:  # calamine reads a 100,000-row workbook about five times faster than openpyxl
    import python_calamine  # noqa: F401

    EXCEL_ENGINE = "calamine"
except ImportError:  # pragma: no cover - an environment without the pinned lock
    EXCEL_ENGINE = "openpyxl"


# --- reading once --------------------------------------------------------------------------------


@dataclass
class RawTable:
    """One sheet or CSV file as read: stripped strings (blank = NA), index = spreadsheet row."""

    name: str  # the contract's table name
    file: str  # the workbook, or the CSV file
    sheet: str  # the sheet name as written, or the CSV file's stem
    frame: pd.DataFrame  # columns: normalised names; index "row": 2 for the first data row
    headers: dict[str, str]  # normalised column name -> header as written
    positions: dict[str, int] = field(default_factory=dict)  # column -> 1-based sheet column

    def header(self, column: str) -> str:
        """The column's header as written in the file."""
        return self.headers.get(column, column)

    def place(self, severity: str, message: str, **where: object) -> Problem:
        """A problem located in this table."""
        return Problem(severity, self.file, message, sheet=self.sheet, **where)  # type: ignore[arg-type]


@dataclass
class RawReturn:
    """Every table of one return as read, and the problems met while reading."""

    ref: ReturnRef
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Tables the return names but that could not be read (an error says why), so that they are
    #: not also reported as not collected.
    unread: set[str] = field(default_factory=set)


def normalise_name(name: object) -> str:
    """A sheet, file or column name folded for matching: case, outer spaces, inner spaces/dashes."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


#: Strip one cell; blank (or not text) becomes None. Applied to every cell in one numpy pass.
_strip_cell = np.frompyfunc(lambda v: (v.strip() or None) if isinstance(v, str) else None, 1, 1)


def _frame_from_grid(grid: pd.DataFrame, name: str, file: str, sheet: str) -> tuple[
    RawTable | None, list[Problem]
]:
    """Header from the first non-blank row; data below, indexed by spreadsheet row number."""
    grid = pd.DataFrame(_strip_cell(grid.to_numpy(dtype=object)), dtype="str",
                        index=pd.RangeIndex(1, len(grid) + 1, name="row"))
    filled = grid.notna().any(axis=1)
    if not filled.any():
        return None, [Problem("error", file, "empty: no header row and no data", sheet=sheet,
                              expected="a header row naming the columns, then one row per line")]
    header_row = int(filled.idxmax())
    below = _header_below_title(grid, name, header_row)
    if below is not None:
        title = " ".join(str(v) for v in grid.loc[header_row].dropna())
        return None, [Problem(
            "error", file, f"the header looks like row {below}: row {header_row} above it names "
            "no column of the table", sheet=sheet, row=header_row, value=title,
            expected=f"the header in the first row: delete the row(s) above row {below}")]
    headers_written = grid.loc[header_row]
    data = grid.loc[header_row + 1:]
    data = data[data.notna().any(axis=1)]
    problems: list[Problem] = []
    columns: list[str] = []
    headers: dict[str, str] = {}
    keep = []
    for position, written in enumerate(headers_written):
        if pd.isna(written):
            if data.iloc[:, position].notna().any():
                from openpyxl.utils import get_column_letter  # rarely needed: 0.1 s to import

                problems.append(Problem(
                    "error", file, "a column holds data but has no header", sheet=sheet,
                    row=header_row, column=get_column_letter(position + 1),
                    expected="a header naming the column"))
            continue
        norm = normalise_name(written)
        if norm in headers:
            problems.append(Problem(
                "error", file, f"column {written!r} appears twice", sheet=sheet, row=header_row,
                column=str(written), expected="each column once"))
            continue
        headers[norm] = str(written)
        columns.append(norm)
        keep.append(position)
    frame = data.iloc[:, keep].copy()
    frame.columns = pd.Index(columns)
    positions = {c: p + 1 for c, p in zip(columns, keep, strict=True)}
    return RawTable(name, file, sheet, frame, headers, positions), problems


def table_columns(name: str) -> tuple[str, ...]:
    """Every column the contract names for a table, required or optional."""
    if name in AGGREGATE_TABLES:
        return AGGREGATE_TABLES[name].columns
    if name in RECORD_TABLES:
        return RECORD_TABLES[name]
    if name == POPULATION_TABLE:
        return ("ethnicity", "share", "count")
    if name == ACTION_PLAN_TABLE:
        return (*ACTION_PLAN_COLUMNS, *ACTION_PLAN_OPTIONAL)
    return ("key", "value")


#: How many rows below a title the header is looked for.
_TITLE_ROWS = 5


def _header_below_title(grid: pd.DataFrame, name: str, first: int) -> int | None:
    """The row of the real header when the first filled row names none of the table's columns
    and one of the next few names two or more (a title row above the header); else None."""
    known = set(table_columns(name))

    def named(row: int) -> int:
        return len(known & {normalise_name(v) for v in grid.loc[row].dropna()})

    if named(first):
        return None
    later = [int(r) for r in grid.index[grid.notna().any(axis=1)] if r > first][:_TITLE_ROWS]
    return next((row for row in later if named(row) >= 2), None)


#: Other spellings of a table name that are not mistakes.
TABLE_ALIASES: dict[str, str] = {"fitness_to_practice": "fitness_to_practise"}


def table_in_name(name: str) -> list[str]:
    """The table a longer name holds as whole words, e.g. ``staff_survey`` -> survey,
    ``workforce_2023`` -> workforce: the table whose words end last (English puts the noun
    last), the longest one if two end together; [] when none does."""
    words = name.split("_")
    found = []
    for table in KNOWN_TABLES:
        size = table.count("_") + 1
        ends = [i + size for i in range(len(words) - size + 1)
                if "_".join(words[i:i + size]) == table]
        if ends:
            found.append((max(ends), size, table))
    return [max(found)[2]] if found else []


def _table_name(written: str, file: str, sheet: str | None, problems: list[Problem],
                unread: set[str]) -> str | None:
    """The contract name of a sheet or CSV file, or None (with a problem) when it is not one;
    the table it is close to goes in ``unread``."""
    name = normalise_name(written)
    name = TABLE_ALIASES.get(name, name)
    if name in KNOWN_TABLES:
        return name
    near = difflib.get_close_matches(name, KNOWN_TABLES, n=1, cutoff=0.75) or table_in_name(name)
    if near:
        unread.add(near[0])
        problems.append(Problem(
            "error", file, f"{written!r} is not a table of the data contract; did you mean "
            f"{near[0]!r}?", sheet=sheet, value=written, expected=f"the table name {near[0]!r}"))
    else:
        problems.append(Problem(
            "notice", file, f"{written!r} is not a table of the data contract; ignored",
            sheet=sheet))
    return None


def _decode_csv(path: Path) -> tuple[str | None, Problem | None]:
    refused = unreadable_file(path)
    if refused is not None:
        return None, refused
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem("error", str(path), f"cannot be read: {exc.strerror}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, Problem(
            "error", str(path), f"not UTF-8 text: byte {data[exc.start]:#04x} at line {line} "
            f"cannot be decoded ({exc.reason})", row=line,
            expected="a CSV file saved as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)')")
    if not text.strip():
        return None, Problem("error", str(path), "empty file: no header row and no data",
                             expected="a header row naming the columns, then one row per line")
    return text, None


def _titled_grid(text: str, name: str) -> pd.DataFrame | None:
    """The cells of a CSV file with a title line above its header (fewer fields than the lines
    below, which pandas will not read), padded with blanks so that the title can be named; None
    for any other ragged file."""
    try:
        rows = list(csv.reader(StringIO(text)))
    except csv.Error:
        return None
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    cells = pd.DataFrame(_strip_cell(grid.to_numpy(dtype=object)),
                         index=pd.RangeIndex(1, len(grid) + 1))
    filled = cells.notna().any(axis=1)
    if not filled.any() or _header_below_title(cells, name, int(filled.idxmax())) is None:
        return None
    return grid


def _read_csv_folder(raw: RawReturn) -> None:
    for path in folder_entries(raw.ref.path, raw.problems):
        if is_hidden(path):
            continue
        if is_folder(path):
            if path.suffix.lower() == ".csv":
                raw.problems.append(Problem("error", str(path), "is a folder, not a CSV file",
                                            expected="a CSV file"))
            continue
        if path.suffix.lower() != ".csv":
            raw.problems.append(Problem("notice", str(path), "not a CSV file; ignored"))
            continue
        name = _table_name(path.stem, str(path), None, raw.problems, raw.unread)
        if name is None:
            continue
        if name in raw.tables:
            raw.problems.append(Problem(
                "error", str(path), f"a second file for table {name!r} "
                f"(first: {raw.tables[name].file})", expected="one file per table"))
            continue
        text, problem = _decode_csv(path)
        if problem is not None or text is None:
            raw.problems.append(problem or Problem("error", str(path), "cannot be read"))
            continue
        header = next(line for line in text.splitlines() if line.strip())
        separator = next((sep for sep in (";", "\t", "|") if sep in header), None)
        if "," not in header and separator is not None:
            raw.problems.append(Problem(
                "error", str(path), f"fields are separated by {separator!r}, not commas",
                row=1, value=header, expected="a comma-separated (CSV) file"))
            continue
        try:
            grid = pd.read_csv(StringIO(text), header=None, dtype=str, keep_default_na=False,
                               skip_blank_lines=False)
        except (pd.errors.ParserError, ValueError) as exc:
            grid = _titled_grid(text, name)
            if grid is None:
                raw.problems.append(Problem(
                    "error", str(path), f"not a well-formed CSV file: {exc}".strip(),
                    expected="the same number of comma-separated fields on every line"))
                continue
        table, problems = _frame_from_grid(grid, name, str(path), path.stem)
        raw.problems += problems
        if table is not None:
            raw.tables[name] = table
        elif problems:
            raw.unread.add(name)


def _read_workbook(raw: RawReturn) -> None:
    path = raw.ref.path
    refused = unreadable_file(path)
    if refused is not None:
        raw.problems.append(refused)
        return
    try:
        # keep_default_na=False: a cell's own text ("n/a", "NA") is kept, as the CSV reader does
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine=EXCEL_ENGINE,
                               keep_default_na=False)
    except Exception as exc:  # noqa: BLE001 - whatever the parser meets, the file is unreadable
        raw.problems.append(Problem(
            "error", str(path), f"cannot be read as an Excel workbook ({type(exc).__name__}: "
            f"{exc})", expected="an .xlsx workbook with one sheet per table"))
        return
    template = any(normalise_name(sheet) == TEMPLATE_INSTRUCTIONS for sheet in sheets)
    for sheet, grid in sheets.items():
        if normalise_name(sheet) in TEMPLATE_SHEETS:
            continue
        name = _table_name(sheet, str(path), sheet, raw.problems, raw.unread)
        if name is None:
            continue
        if name in raw.tables:
            raw.problems.append(Problem(
                "error", str(path), f"a second sheet for table {name!r} (first: "
                f"{raw.tables[name].sheet!r})", sheet=sheet, expected="one sheet per table"))
            continue
        table, problems = _frame_from_grid(grid, name, str(path), sheet)
        raw.problems += problems
        if table is None:
            raw.unread.add(name)
        elif not (template and table.frame.empty):
            raw.tables[name] = table  # a template's sheet left empty: not collected


def own_labels(raw: RawReturn, params: Parameters | None) -> None:
    """Put the parameter file's own labels (``ethnicity_labels``, ``service_labels``: the
    authority's spelling -> the contract's, compared as the contract compares labels) in place of
    the authority's in every table as read, before anything classifies them."""
    if params is None:
        return
    for column, mapping, fold in (("ethnicity", params.ethnicity_labels, normalise),
                                  ("service", params.service_labels, service_key)):
        if not mapping:
            continue
        folded = {fold(own): label for own, label in mapping.items()}
        for table in raw.tables.values():
            if column in table.frame.columns:
                values = table.frame[column]
                lookup = {v: folded.get(fold(v), v) for v in values.dropna().unique()}
                table.frame[column] = values.map(lookup).astype("str")


def read_raw(ref: ReturnRef, params: Parameters | None = None) -> RawReturn:
    """Read every sheet or CSV file of the return once, with the parameter file's own labels
    put in the contract's (:func:`own_labels`); never modifies the files."""
    raw = RawReturn(ref)
    twin = ref.path.with_suffix("") if ref.form == "xlsx" else ref.path.with_name(
        f"{ref.path.name}.xlsx")
    if file_kind(twin) in ("file", "folder"):
        raw.problems.append(Problem(
            "error", str(ref.path), f"the {ref.year} return is given twice: {ref.path.name} and "
            f"{twin.name}", expected="one return per authority and year: a workbook or a folder"))
    if ref.form == "xlsx":
        _read_workbook(raw)
    else:
        _read_csv_folder(raw)
    own_labels(raw, params)
    return raw


_ODD_CELL = re.compile(rb'<c [^>]*t="e"|<f[ >]')


@functools.lru_cache(maxsize=8)
def _workbook_oddities(path: str, mtime_ns: int) -> dict[tuple[str, int, int], str]:
    """(sheet, row, column) -> what a cell holds that reads as blank: an Excel error value
    (#N/A, #DIV/0!) or a formula with no saved result. Read with openpyxl only when validation
    meets a blank cell in a workbook, so a clean workbook never pays for it."""
    import zipfile

    import openpyxl

    found: dict[tuple[str, int, int], str] = {}
    try:  # a first look at the raw XML: most workbooks hold neither, and then openpyxl's slow
        with zipfile.ZipFile(path) as archive:  # read of every cell is not needed
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            if not any(_ODD_CELL.search(archive.read(n)) for n in sheets):
                return found
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - the workbook was read once; this is only a better message
        return found
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "e":
                        found[(sheet.title, cell.row or 0, cell.column or 0)] = (
                            f"{cell.value} (an Excel error value)")
                    elif getattr(cell, "data_type", None) == "f":
                        found[(sheet.title, cell.row or 0, cell.column or 0)] = (
                            f"{shorten(str(cell.value), 60)} (a formula with no saved result: "
                            "open and save the workbook in Excel, or paste values)")
    finally:
        book.close()
    return found


def cells_held(table: RawTable) -> dict[tuple[int, str], str]:
    """(row, column) -> what a cell read as blank really holds in a workbook: an error value such
    as #N/A, or a formula without a saved result. Empty for a CSV file."""
    if not table.file.lower().endswith(".xlsx") or not table.frame.isna().to_numpy().any():
        return {}
    try:
        mtime = Path(table.file).stat().st_mtime_ns
    except OSError:
        return {}
    odd = _workbook_oddities(table.file, mtime)
    if not odd:
        return {}
    found = {}
    for column, position in table.positions.items():
        for row in table.frame.index[table.frame[column].isna()]:
            held = odd.get((table.sheet, int(row), position))
            if held is not None:
                found[(int(row), column)] = held
    return found
