"""results.csv and its data dictionary: one row per published figure per record, every authority
and year of a batch, safe to open in a spreadsheet.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from wres_tools.contract import RESULT_COLUMNS
from wres_tools.evidence.dictionary import (
    COLUMNS,
    DATA_DICTIONARY,
    INTEGER_COLUMNS,
    ROW_COLUMNS,
    TEXT_COLUMNS,
    Column,
    arrow_schema,
)
from wres_tools.evidence.rows import (
    ROW_KINDS,
    all_statistics,
    is_number,
    kinds_of,
    metric_statistics,
    rows_of,
)
from wres_tools.files import write_atomic

__all__ = ["DATA_DICTIONARY", "Column", "is_number", "metric_statistics"]

RESULTS_FILE = "results.csv"
PARQUET_FILE = "results.parquet"
DICTIONARY_FILE = "results_dictionary.csv"


# --------------------------------------------------------------------------- tidy results

#: Every statistic a row may name, of every kind: what ``value`` then holds, and in which unit.
STATISTICS: dict[str, Column] = all_statistics()

class Authority(NamedTuple):
    """What results.csv says of an authority besides its folder name."""

    name: str
    ons_code: str | None = None


def results_long(records: pd.DataFrame | None = None,
                 items: Mapping[str, Sequence[Any]] | None = None,
                 authorities: Mapping[str, Authority] | None = None) -> pd.DataFrame:
    """Published figures -> one row per figure (tidy long format), columns
    :data:`wres_tools.evidence.dictionary.COLUMNS`.

    ``records``: published result records (the kind "result"); ``items``: the published items
    of the other kinds (:data:`wres_tools.evidence.rows.ROW_KINDS`: pooled and change frames,
    benchmarks); ``authorities``: each authority's display name and ONS code (a benchmark's own
    names are kept). Each record gives one row per statistic its metric has
    (:func:`metric_statistics`), present or not, so every authority-year has the same rows for
    the same data; ``value`` is always numeric (float), and ``missing_reason`` says why a value
    is empty. Raises ValueError for records not published through disclosure control.
    """
    wanted = dict(items or {})
    if records is not None:
        wanted["result"] = [records, *wanted.get("result", ())]
    frame = pd.DataFrame(rows_of(wanted), columns=list(ROW_COLUMNS), dtype=object)
    known = dict(authorities or {})
    names = frame["authority"].map(lambda a: known[a].name if a in known else None)
    frame["name"] = frame["name"].where(frame["name"].notna(), names)
    frame["ons_code"] = frame["authority"].map(
        lambda a: known[a].ons_code if a in known else None)
    for column in COLUMNS:  # the dictionary's types: text, float64 numbers, nullable integers
        frame[column.name] = frame[column.name].astype(
            "str" if column.name in TEXT_COLUMNS else
            "Int64" if column.name in INTEGER_COLUMNS else "float64")
    order = {k: i for i, k in enumerate(ROW_KINDS)}
    frame["_order"] = frame["kind"].map(order)
    # kind, then year, then authority: so the rows of one year's benchmark or national picture
    # are together, and the file can be written one authority-year (or year) at a time
    frame = frame.sort_values(["_order", "year", "authority"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


def _number_text(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without '.0'."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def load_records(source: pd.DataFrame | Iterable[Path | str | Mapping[str, Any]]) -> pd.DataFrame:
    """Result records from a frame, from metrics.json paths, or from a list of record dicts."""
    if isinstance(source, pd.DataFrame):
        return source
    items = list(source)
    records: list[Mapping[str, Any]] = []
    for item in items:
        if isinstance(item, Mapping):
            records.append(item)
            continue
        try:
            records += read_records(Path(item))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{item}: cannot read result records ({exc})") from None
    return pd.DataFrame.from_records(records, columns=list(RESULT_COLUMNS)) if records else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in RESULT_COLUMNS})


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralised(text: object) -> object:
    """A text cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or
    a carriage return) prefixed with a single quote, as OWASP recommends; a number written as
    text ("-0.5") and anything not text are left as they are."""
    if isinstance(text, str) and text.startswith(_FORMULA_START) \
            and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """A frame as CSV text (LF line ends, no index) with its text cells :func:`neutralised`;
    numeric columns stay numbers. A cell holding a carriage return is quoted (written with CRLF
    row ends, so that the csv writer quotes it, then LF)."""
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    safe = frame.copy()
    for column in text_columns:
        safe[column] = frame[column].map(neutralised)
    return safe.to_csv(index=False, lineterminator="\r\n", **options).replace("\r\n", "\n")


Source: TypeAlias = pd.DataFrame | Iterable[Path | str | Mapping[str, Any]]


def results_frame(source: Source, items: Mapping[str, Sequence[Any]] | None = None,
                  authorities: Mapping[str, Authority] | None = None) -> pd.DataFrame:
    """:func:`results_long` of ``source`` (metrics.json paths, a records frame or record dicts,
    published only) and ``items`` (the other kinds)."""
    return results_long(load_records(source), items, authorities)


def csv_rows(frame: pd.DataFrame, *, header: bool = True) -> str:
    """Rows of :func:`results_long` as results.csv writes them (:func:`csv_text`, numbers in
    their shortest exact text); ``header=False`` for a piece of the file after its first."""
    return csv_text(frame, float_format=_number_text, header=header)


def results_csv(source: Source, items: Mapping[str, Sequence[Any]] | None = None,
                authorities: Mapping[str, Authority] | None = None) -> str:
    """The text of results.csv: UTF-8, comma separated, LF line ends, empty for missing, text
    that a spreadsheet would run as a formula neutralised (:func:`neutralised`)."""
    return csv_rows(results_frame(source, items, authorities))


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A frame of :func:`results_long` as Parquet (zstd) in the dictionary's schema
    (:func:`wres_tools.evidence.dictionary.arrow_schema`): text as strings, ``value`` float64,
    years and flags integers (nullable), each field carrying its unit and meaning, so R's
    arrow, pandas and polars read the same types and the file names what its columns are."""
    buffer = io.BytesIO()
    pq.write_table(arrow_table(frame), buffer, compression=PARQUET_COMPRESSION)
    return buffer.getvalue()


PARQUET_COMPRESSION = "zstd"


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """A frame of :func:`results_long` as an Arrow table in the dictionary's schema."""
    return pa.Table.from_pandas(frame, schema=arrow_schema(), preserve_index=False)


def write_results_csv(source: Source, path: Path,
                      items: Mapping[str, Sequence[Any]] | None = None,
                      authorities: Mapping[str, Authority] | None = None, *,
                      parquet: Path | None = None) -> Path:
    """Write results.csv (see :func:`results_long`) atomically, and with ``parquet`` the same
    rows as results.parquet there; ``source``: metrics.json paths, a records frame or record
    dicts, published only; ``items`` and ``authorities`` as for :func:`results_long`."""
    frame = results_frame(source, items, authorities)
    if parquet is not None:
        write_atomic(Path(parquet), parquet_bytes(frame))
    return write_atomic(Path(path), csv_rows(frame))


def data_dictionary() -> pd.DataFrame:
    """The data dictionary as a table: one row per column, then one per statistic.

    Columns: column, statistic (the statistic a ``value`` row holds; empty for column rows),
    type, unit, description, kinds (the kinds of row that fill the column, or that may hold the
    statistic), all read from :mod:`wres_tools.evidence.dictionary` and the kinds' statistics.
    """
    rows = [[c.name, "", c.type, c.unit, c.description, " ".join(c.carried_by)]
            for c in COLUMNS]
    rows += [["value", name, c.type, c.unit, c.description, " ".join(kinds_of(name))]
             for name, c in STATISTICS.items()]
    return pd.DataFrame(rows, columns=["column", "statistic", "type", "unit", "description",
                                       "kinds"], dtype="str")


def write_data_dictionary(path: Path) -> Path:
    """Write results_dictionary.csv atomically."""
    return write_atomic(Path(path), csv_text(data_dictionary()))


def read_records(path: Path) -> list[dict[str, Any]]:
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("expected a JSON list of result records (objects)")
    return records

