"""Read an authority-year return (an Excel workbook or a folder of CSV files, aggregate tables or
record-level extracts) into the tidy canonical tables of :class:`~wres_tools.contract.Return`.

Every file is read once, into :class:`RawTable` frames of stripped strings indexed by the row number
a spreadsheet shows (header = row 1), so that :mod:`wres_tools.validate` can name the place of every
problem and the tidy tables are built from the same frames afterwards.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_OPTIONAL,
    ACTION_PLAN_TABLE,
    ACTION_PLAN_TIDY_COLUMNS,
    ACTION_STATUSES,
    AGGREGATE_TABLES,
    ALL_SERVICES,
    METADATA_TABLE,
    METRIC_ID_ALIASES,
    METRIC_TABLES,
    POPULATION_TABLE,
    RECORD_TABLES,
    SERVICE_ALIASES,
    SURVEY_QUESTIONS,
    TEMPLATE_INSTRUCTIONS,
    TEMPLATE_SHEETS,
    Problem,
    Return,
    ReturnError,
    ValidationReport,
    service_key,
    shorten,
)
from wres_tools.ethnicity import UnknownEthnicityLabel, classify, normalise
from wres_tools.parameters import Parameters, check_parameters, resolve_parameters_dir

Form = Literal["xlsx", "csv"]

#: Every table name a return may hold.
KNOWN_TABLES: tuple[str, ...] = (
    *AGGREGATE_TABLES, *RECORD_TABLES, POPULATION_TABLE, METADATA_TABLE, ACTION_PLAN_TABLE,
)

#: Aggregate tables built from each record-level extract.
RECORD_BUILDS: dict[str, tuple[str, ...]] = {
    "staff": ("workforce", "fitness_to_practise", "disciplinary", "cpd", "leavers",
              "senior_management"),
    "applications": ("recruitment",),
    "survey_responses": ("survey",),
}

#: 0/1 flag columns of the record-level extracts.
RECORD_FLAGS: dict[str, tuple[str, ...]] = {
    "staff": ("senior_manager", "registered", "disciplinary", "ftp", "cpd", "left"),
    "applications": ("shortlisted", "appointed"),
    "survey_responses": (),
}

#: Identifier column of each record-level extract.
RECORD_IDS: dict[str, str] = {
    "staff": "staff_id", "applications": "application_id", "survey_responses": "respondent_id",
}

_YEAR = re.compile(r"^\d{4}$")

try:  # calamine reads a 100,000-row workbook about five times faster than openpyxl
    import python_calamine  # noqa: F401

    EXCEL_ENGINE = "calamine"
except ImportError:  # pragma: no cover - an environment without the pinned lock
    EXCEL_ENGINE = "openpyxl"


# --- where returns are ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRef:
    """Where one return lives: ``<authority>/<year>.xlsx`` or ``<authority>/<year>/``."""

    authority: str
    year: int
    path: Path
    form: Form

    @classmethod
    def from_path(cls, path: Path | str) -> ReturnRef:
        """Parse ``<authority>/<year>.xlsx`` or ``<authority>/<year>/`` (a folder of CSV files)."""
        path = Path(path)
        kind = file_kind(path)
        if kind == "missing":
            raise FileNotFoundError(f"{path}: no such file or folder")
        if kind in ("broken link", "unreadable"):
            raise ValueError(f"{path}: {KIND_WORDS[kind]}")
        if kind == "folder":
            year, form = path.name, "csv"
        elif path.suffix.lower() == ".xlsx":
            year, form = path.stem, "xlsx"
        else:
            hint = (f"; save it as .xlsx (Excel 2007 or later) rather than {path.suffix}"
                    if path.suffix.lower() in (".xls", ".xlsm", ".xlsb", ".ods") else "")
            raise ValueError(
                f"{path}: expected a return as <authority>/<year>.xlsx or a folder "
                f"<authority>/<year>/ of CSV files{hint}"
            )
        if not _YEAR.match(year):
            raise ValueError(
                f"{path}: the name {year!r} is not a year; expected <authority>/<year>.xlsx or "
                "<authority>/<year>/, e.g. ashbury/2023.xlsx"
            )
        authority = path.resolve().parent.name
        return cls(authority=authority, year=int(year), path=path, form=form)  # type: ignore[arg-type]


def _hidden(path: Path) -> bool:
    return path.name.startswith((".", "~$", "_"))


def find_returns(data_dir: Path | str, problems: list[Problem] | None = None) -> list[ReturnRef]:
    """Every return under ``data_dir``, sorted by (authority, year).

    Skips the ``parameters`` folder, hidden files and anything not named like a return. An
    authority folder that cannot be read, and an entry named like a return that is neither a
    workbook nor a folder (a broken link, a pipe), are left out with an error appended to
    ``problems`` (when given), so that one bad authority never stops the others.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"{data_dir}: data folder not found")
    found = problems if problems is not None else []
    refs = []
    for authority in _entries(data_dir, found):
        if not _is_dir(authority) or _hidden(authority) or authority.name == "parameters":
            continue
        for entry in _entries(authority, found):
            if _hidden(entry):
                continue
            ref = _return_at(entry, found)
            if ref is not None:
                refs.append(ref)
    return sorted(refs, key=lambda r: (r.authority, r.year, r.form))


def _entries(folder: Path, problems: list[Problem]) -> list[Path]:
    """The entries of a folder, sorted; none, with an error, when it cannot be listed."""
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        problems.append(Problem(
            "error", str(folder), f"the folder cannot be read: {exc.strerror or exc}",
            expected="a folder this user may list and read"))
        return []


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _return_at(entry: Path, problems: list[Problem]) -> ReturnRef | None:
    """The return an entry of an authority folder holds, or None (with an error for one named
    like a return that cannot be one)."""
    name = entry.stem if entry.suffix.lower() == ".xlsx" else entry.name
    if not _YEAR.match(name):
        return None
    form: Form = "xlsx" if entry.suffix.lower() == ".xlsx" else "csv"
    kind = file_kind(entry)
    if (form, kind) in (("xlsx", "file"), ("csv", "folder")):
        return ReturnRef.from_path(entry)
    problems.append(Problem(
        "error", str(entry), f"named like a return but {KIND_WORDS[kind]}; not read",
        expected=f"a workbook {name}.xlsx or a folder {name}/ of CSV files"))
    return None


#: What :func:`file_kind` finds, in words.
KIND_WORDS: dict[str, str] = {
    "file": "a file", "folder": "a folder", "missing": "does not exist",
    "broken link": "a link to nothing that exists",
    "special": "not a regular file (a pipe, socket or device)",
    "unreadable": "cannot be looked at (no permission, or the name is too long)",
}


def file_kind(path: Path) -> str:
    """file, folder, missing, broken link, special (a FIFO, a device such as /dev/zero) or
    unreadable; links are followed. Never opens the file, so a pipe cannot hang the caller."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken link" if path.is_symlink() else "missing"
    except OSError:
        return "unreadable"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


#: Largest file of a return read (bytes): a 100,000-row extract is about 10 MB.
MAX_FILE_BYTES = 256 * 1024 * 1024


def unreadable_file(path: Path) -> Problem | None:
    """An error when ``path`` is not a regular file of a readable size, before it is opened."""
    kind = file_kind(path)
    if kind != "file":
        return Problem("error", str(path), f"is {KIND_WORDS[kind]}; not read",
                       expected="a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return Problem("error", str(path), f"is {size:,} bytes: too big to be a return's file",
                       expected=f"at most {MAX_FILE_BYTES:,} bytes")
    return None


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
    for path in _entries(raw.ref.path, raw.problems):
        if _hidden(path):
            continue
        if _is_dir(path):
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
        if problem is not None:
            raw.problems.append(problem)
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
                        found[(sheet.title, cell.row, cell.column)] = (
                            f"{cell.value} (an Excel error value)")
                    elif getattr(cell, "data_type", None) == "f":
                        found[(sheet.title, cell.row, cell.column)] = (
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


# --- parsing columns (shared by validation and tidy building) ------------------------------------


def services(table: RawTable) -> pd.Series:
    """Canonical service of every row: adults / children, ``all`` without a service column (or an
    empty one), NA where blank or unrecognised."""
    frame = table.frame
    if "service" not in frame.columns or frame["service"].isna().all():
        return pd.Series(ALL_SERVICES, index=frame.index, dtype="str")
    values = frame["service"]
    lookup = {v: SERVICE_ALIASES.get(service_key(v)) for v in values.dropna().unique()}
    return values.map(lookup).astype("str")


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")


def numbers(table: RawTable, column: str) -> pd.Series:
    """A count, share or flag column as floats (NA where blank or not a number).

    Thousands separators are dropped ("1,234" is 1234); any other comma ("1,5") is not a number.
    """
    values = table.frame[column]
    grouped = values.str.match(_THOUSANDS).fillna(False).astype(bool)
    if grouped.any():
        values = values.where(~grouped, values.str.replace(",", "", regex=False))
    return pd.to_numeric(values, errors="coerce").astype("float64")


def ethnicity_labels(table: RawTable) -> pd.Series:
    """The ethnicity label as given, stripped; blank becomes ''."""
    return table.frame["ethnicity"].fillna("").astype("str")


def ethnicity_columns(labels: pd.Series) -> pd.DataFrame:
    """census_category, group and ethnic_class of every label (each distinct label resolved once).

    Raises :class:`~wres_tools.ethnicity.UnknownEthnicityLabel` for a label that does not resolve.
    """
    resolved = {label: classify(label) for label in labels.unique()}
    return pd.DataFrame({
        "census_category": labels.map({k: e.census_category for k, e in resolved.items()}),
        "group": labels.map({k: e.group for k, e in resolved.items()}),
        "ethnic_class": labels.map({k: e.ethnic_class for k, e in resolved.items()}),
    }, index=labels.index).astype("str")


def recognised(labels: pd.Series) -> pd.Series:
    """True where an ethnicity label resolves (each distinct label tried once)."""
    def ok(label: object) -> bool:
        try:
            classify(label)
        except UnknownEthnicityLabel:
            return False
        return True

    lookup = {label: ok(label) for label in labels.dropna().unique()}
    return labels.map(lookup).fillna(True).astype(bool)


#: Metric ids as an action plan may write them (folded to lower case) -> the ids they stand for.
METRIC_IDS: dict[str, tuple[str, ...]] = {
    **{m.lower(): (m,) for m in METRIC_TABLES},
    **{alias.lower(): ids for alias, ids in METRIC_ID_ALIASES.items()},
}
_METRIC_SEPARATORS = re.compile(r"[,;]")


def metric_ids(text: str) -> tuple[list[str], list[str]]:
    """The metric ids a cell names, separated by commas or semicolons, case-insensitive, "M7"
    standing for M7a and M7b: (recognised ids in report order, each once; pieces not recognised).
    """
    found: set[str] = set()
    bad: list[str] = []
    for piece in _METRIC_SEPARATORS.split(text):
        piece = piece.strip()
        if not piece:
            continue
        ids = METRIC_IDS.get(piece.lower())
        if ids is None:
            bad.append(piece)
        else:
            found.update(ids)
    return [m for m in METRIC_TABLES if m in found], bad


def action_status(text: str) -> str | None:
    """An action's RAG status in its canonical spelling (case-insensitive), or None."""
    folded = text.strip().lower()
    return next((s for s in ACTION_STATUSES if s.lower() == folded), None)


#: Words an action plan may write for an action that covers both services.
BOTH_SERVICES = {"both", "all", "adults and children", "children and adults"}


def plan_service(text: str | None) -> str | None:
    """An action's service: adults, children, ``all`` when blank or "both"; None if unrecognised."""
    if text is None:
        return ALL_SERVICES
    key = service_key(text)
    return ALL_SERVICES if key in BOTH_SERVICES else SERVICE_ALIASES.get(key)


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def tidy_action_plan(table: RawTable) -> pd.DataFrame:
    """An action plan (already validated) in tidy form: one row per action and metric it aims at,
    in the order of the file, metrics in report order; columns ACTION_PLAN_TIDY_COLUMNS.

    A date cell read from a workbook ("2024-03-31 00:00:00") keeps its date only.
    """
    rows = []
    for record in table.frame.to_dict(orient="records"):
        cell = {c: None if pd.isna(v) else v for c, v in record.items()}
        due = cell.get("due")
        text = {c: cell[c] for c in
                ("action_id", "objective", "aim", "action", "owner", "success", "latest_update")}
        ids, _ = metric_ids(cell["metrics"])
        for metric in ids:
            rows.append({
                **text, "metric": metric, "status": action_status(cell["status"]),
                "service": plan_service(cell.get("service")),
                "due": _MIDNIGHT.sub(r"\1", due) if due is not None else None,
            })
    return pd.DataFrame(rows, columns=list(ACTION_PLAN_TIDY_COLUMNS), dtype="str")


# --- tidy tables ---------------------------------------------------------------------------------


def _tidy(frame: pd.DataFrame, keys: tuple[str, ...], counts: list[str]) -> pd.DataFrame:
    """Sum counts by (service, ethnicity, keys), add the ethnicity columns, sort, int64 counts."""
    by = ["service", "ethnicity", *keys]
    summed = frame.groupby(by, sort=True, dropna=False)[counts].sum().reset_index()
    eth = ethnicity_columns(summed["ethnicity"])
    out = pd.concat([summed[["service", "ethnicity"]], eth, summed[[*keys, *counts]]], axis=1)
    out[counts] = out[counts].astype("int64")
    return out.sort_values(by, kind="stable").reset_index(drop=True)


def _base(table: RawTable) -> pd.DataFrame:
    return pd.DataFrame({"service": services(table), "ethnicity": ethnicity_labels(table)})


def tidy_aggregate(table: RawTable) -> pd.DataFrame:
    """An aggregate table (already validated) in tidy form."""
    spec = AGGREGATE_TABLES[table.name]
    frame = _base(table)
    for key in spec.keys:
        values = table.frame[key].astype("str")
        frame[key] = values.str.lower() if key == "question" else values
    counts = [c for c in (*spec.counts, *spec.optional_counts) if c in table.frame.columns]
    for column in counts:
        frame[column] = numbers(table, column)
    return _tidy(frame, spec.keys, counts)


def tidy_records(table: RawTable) -> dict[str, pd.DataFrame]:
    """The aggregate tables a record-level extract (already validated) builds."""
    frame = _base(table)
    for flag in RECORD_FLAGS[table.name]:
        frame[flag] = numbers(table, flag)
    if table.name == "staff":
        frame["pay_band"] = table.frame["pay_band"].astype("str")
        frame["headcount"] = 1.0
        sums = {
            "fitness_to_practise": {"registered": "registered", "entered": "ftp"},
            "disciplinary": {"entered": "disciplinary"},
            "cpd": {"accessed": "cpd"},
            "leavers": {"left": "left"},
            "senior_management": {"headcount": "senior_manager"},
        }
        out = {"workforce": _tidy(frame, ("pay_band",), ["headcount"])}
        for name, columns in sums.items():
            renamed = frame.assign(**{new: frame[old] for new, old in columns.items()})
            out[name] = _tidy(renamed, (), list(columns))
        return out
    if table.name == "applications":
        return {"recruitment": _tidy(frame, (), ["shortlisted", "appointed"])}
    parts = []
    for question in SURVEY_QUESTIONS:
        answers = table.frame[question].str.lower()
        parts.append(frame.assign(
            question=question,
            respondents=answers.notna().astype("float64"),
            yes=(answers == "yes").astype("float64"),
        ))
    return {"survey": _tidy(pd.concat(parts), ("question",), ["respondents", "yes"])}


def tidy_population(raw: RawReturn, params: Parameters | None) -> pd.DataFrame | None:
    """ethnicity, group, ethnic_class, share (summing to 1), from the return's population table
    or else the parameter file; None when neither has one."""
    table = raw.tables.get(POPULATION_TABLE)
    if table is not None:
        column = "share" if "share" in table.frame.columns else "count"
        labels = ethnicity_labels(table)
        values = numbers(table, column)
    elif params is not None and params.population:
        labels = pd.Series(list(params.population), dtype="str")
        values = pd.Series(list(params.population.values()), dtype="float64")
    else:
        return None
    frame = pd.DataFrame({"ethnicity": labels.to_numpy(), "value": values.to_numpy()})
    frame = frame.groupby("ethnicity", sort=True)["value"].sum().reset_index()
    eth = ethnicity_columns(frame["ethnicity"])
    total = frame["value"].sum()
    return pd.DataFrame({
        "ethnicity": frame["ethnicity"],
        "group": eth["group"],
        "ethnic_class": eth["ethnic_class"],
        "share": frame["value"] / total if total else frame["value"],
    })


TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}


def metadata(raw: RawReturn) -> dict[str, str]:
    """The optional metadata table as {key (normalised): value}."""
    table = raw.tables.get(METADATA_TABLE)
    if table is None or not {"key", "value"} <= set(table.frame.columns):
        return {}
    frame = table.frame.dropna(subset=["key"])
    return {normalise_name(k): ("" if pd.isna(v) else str(v))
            for k, v in zip(frame["key"], frame["value"], strict=True)}


def is_synthetic(raw: RawReturn) -> bool:
    """True when the metadata table says ``synthetic: true``."""
    return metadata(raw).get("synthetic", "").strip().lower() in TRUE_WORDS


def build_tables(raw: RawReturn) -> dict[str, pd.DataFrame]:
    """The tidy aggregate tables of a validated return, keyed and ordered as AGGREGATE_TABLES."""
    tables: dict[str, pd.DataFrame] = {}
    for name, table in raw.tables.items():
        if name in AGGREGATE_TABLES:
            tables[name] = tidy_aggregate(table)
        elif name in RECORD_TABLES:
            tables.update(tidy_records(table))
    return {name: tables[name] for name in AGGREGATE_TABLES if name in tables}


def granularity(raw: RawReturn) -> Literal["aggregate", "record"]:
    """'record' when any table came from a record-level extract."""
    return "record" if any(name in RECORD_TABLES for name in raw.tables) else "aggregate"


# --- loading -------------------------------------------------------------------------------------


def load_return(ref: ReturnRef, params: Parameters | None) -> Return:
    """Read, validate and tidy one return.

    Raises :class:`~wres_tools.contract.ReturnError` carrying the whole report when there are
    errors; notices travel in ``Return.notices``.
    """
    from wres_tools.validate import validate_raw

    raw = read_raw(ref, params)
    report = validate_raw(raw, params)
    if not report.ok:
        raise ReturnError(report)
    return Return(
        authority=ref.authority,
        year=ref.year,
        source=ref.path,
        tables=build_tables(raw),
        population=tidy_population(raw, params),
        synthetic=is_synthetic(raw) or bool(params is not None and params.synthetic),
        granularity=granularity(raw),
        notices=tuple(report.notices),
        action_plan=(tidy_action_plan(raw.tables[ACTION_PLAN_TABLE])
                     if ACTION_PLAN_TABLE in raw.tables else None),
    )


def load_all(
    data_dir: Path | str, parameters_dir: Path | None = None
) -> Iterator[tuple[ReturnRef, Parameters | None, Return | ReturnError]]:
    """Every return under ``data_dir`` with its parameters: the Return, or the ReturnError (whose
    report also holds the parameter file's problems) when it cannot be used."""
    params_dir = resolve_parameters_dir(Path(data_dir), parameters_dir)
    checked: dict[str, tuple[Parameters | None, ValidationReport]] = {}
    for ref in find_returns(data_dir):
        if ref.authority not in checked:
            checked[ref.authority] = check_parameters(ref.authority, params_dir)
        params, param_report = checked[ref.authority]
        try:
            ret = load_return(ref, params)
        except ReturnError as exc:
            exc.report.problems[:0] = param_report.problems
            yield ref, params, ReturnError(exc.report)
            continue
        if params is None:
            report = ValidationReport(str(ref.path), list(param_report.problems))
            yield ref, params, ReturnError(report)
            continue
        yield ref, params, ret
