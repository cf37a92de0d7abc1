"""results.csv and its data dictionary: one row per published figure per record, every authority
and year of a batch, safe to open in a spreadsheet.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias, get_args

import pandas as pd

from wres_tools.contract import ALL_SERVICES, RESULT_COLUMNS, SERVICES
from wres_tools.ethnicity import MINORITY_GROUPS
from wres_tools.evidence.rows import (
    INTEGER_COLUMNS,
    ROW_COLUMNS,
    ROW_KINDS,
    Column,
    all_statistics,
    is_number,
    kinds_of,
    metric_statistics,
    rows_of,
)
from wres_tools.files import write_atomic
from wres_tools.funnel import Position
from wres_tools.metrics import REFERENCE
from wres_tools.statistics import ALPHA, FOUR_FIFTHS_HIGH, FOUR_FIFTHS_LOW
from wres_tools.trends import CHANGES

__all__ = ["Column", "is_number", "metric_statistics"]

RESULTS_FILE = "results.csv"
PARQUET_FILE = "results.parquet"
DICTIONARY_FILE = "results_dictionary.csv"


# --------------------------------------------------------------------------- tidy results

#: Every statistic a row may name, of every kind: what ``value`` then holds, and in which unit.
STATISTICS: dict[str, Column] = all_statistics()

#: Columns of results.csv, in order, with type, unit and meaning.
DATA_DICTIONARY: dict[str, Column] = {
    "kind": Column("text", "", "what the row holds: " + "; ".join(
        f"{name}: {kind.description}" for name, kind in ROW_KINDS.items())),
    "authority": Column("text", "", "the local authority (its folder name); empty on a "
                        "benchmark row of the pooled figure"),
    "name": Column("text", "", "the authority's display name (its parameter file)"),
    "ons_code": Column("text", "", "the authority's ONS code (its parameter file); empty when "
                       "the file gives none"),
    "year": Column("integer", "year", "the reporting year (change rows: the later year; "
                   "pooled rows: the last year pooled)"),
    "year_from": Column("integer", "year", "change rows: the year compared with; pooled rows: "
                        "the first year pooled; empty otherwise"),
    "compared_with": Column("text", "", "change rows: baseline or previous (year)"),
    "metric": Column("text", "", "metric id, M1 to M9 (see the methods page)"),
    "service": Column("text", "", f"{', '.join(SERVICES)} or {ALL_SERVICES} (both together)"),
    "group": Column("text", "", "comparison group: minority (every minority ethnic group "
                    "together) or one high-level census group: " + ", ".join(MINORITY_GROUPS)),
    "reference": Column("text", "", f"the group compared with: always {REFERENCE}"),
    "pay_band": Column("text", "", "M1 only: the pay band, as the authority names it; empty for "
                       "the whole workforce and for other metrics"),
    "statistic": Column("text", "", "which figure the row holds (see the statistic rows below)"),
    "value": Column("number", "see unit", "the figure; empty when missing_reason says why"),
    "unit": Column("text", "", "unit of value: count, fraction (0-1), ratio, probability (0-1), "
                   "percentage points, percent (0-100), z-score, rank, log ratio"),
    "missing_reason": Column("text", "", "empty when value is given; else suppressed (withheld "
                             "by disclosure control: a small count, or one a small count could "
                             "be worked back from), not_collected (the return has no such "
                             "table), not_computable (e.g. no white staff to compare with)"),
    "withheld": Column("0/1", "", "1 when disclosure control withheld this row's figure (as "
                       "the page shows it: [c] or not published), 0 when not"),
    "status": Column("text", "", "the record's status: ok, not_collected, not_computable"),
    "reason": Column("text", "", "why this row's value is missing, in words; empty when the "
                     "value is given"),
    "significant": Column("0/1", "", f"1 when the test's p is below {ALPHA:g}, 0 when not; "
                          "empty when there is no test"),
    "four_fifths": Column("text", "", "the NHS WRES four-fifths reading of rl: within "
                          f"({FOUR_FIFTHS_LOW:.2f}-{FOUR_FIFTHS_HIGH:.2f}), adverse or "
                          "favourable; empty without an rl"),
    "direction": Column("text", "", "change rows: the verdict the report gives: " + ", ".join(
        CHANGES)),
    "position": Column("text", "", "benchmark rows: where the authority sits against the "
                       "funnel's limits: " + ", ".join(get_args(Position))),
    "adverse_when": Column("text", "", "which side of rl is adverse for this metric: low or "
                           "high"),
    "small_numbers": Column("0/1", "", "1 when a count behind the record is under the "
                            "parameters' small-numbers threshold: read with care"),
    "suppressed": Column("0/1", "", "1 when disclosure control withheld any figure of the "
                         "record"),
}
if tuple(DATA_DICTIONARY) != ROW_COLUMNS:  # pragma: no cover - caught by the tests at once
    raise RuntimeError("results.DATA_DICTIONARY and rows.ROW_COLUMNS disagree")


class Authority(NamedTuple):
    """What results.csv says of an authority besides its folder name."""

    name: str
    ons_code: str | None = None


def results_long(records: pd.DataFrame | None = None,
                 items: Mapping[str, Sequence[Any]] | None = None,
                 authorities: Mapping[str, Authority] | None = None) -> pd.DataFrame:
    """Published figures -> one row per figure (tidy long format), columns
    :data:`DATA_DICTIONARY`.

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
    frame["value"] = frame["value"].astype("float64")
    for column in INTEGER_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    for column in ROW_COLUMNS:
        if column not in ("value", *INTEGER_COLUMNS):
            frame[column] = frame[column].astype("str")
    order = {k: i for i, k in enumerate(ROW_KINDS)}
    frame["_order"] = frame["kind"].map(order)
    frame = frame.sort_values(["_order", "authority", "year"], kind="stable")
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


def results_csv(source: Source, items: Mapping[str, Sequence[Any]] | None = None,
                authorities: Mapping[str, Authority] | None = None) -> str:
    """The text of results.csv: UTF-8, comma separated, LF line ends, empty for missing, text
    that a spreadsheet would run as a formula neutralised (:func:`neutralised`)."""
    return csv_text(results_frame(source, items, authorities), float_format=_number_text)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A frame of :func:`results_long` as Parquet (zstd): text as strings, ``value`` float64,
    years and flags nullable integers, so R's arrow, pandas and polars read the same types."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False, compression="zstd")
    return buffer.getvalue()


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
    return write_atomic(Path(path), csv_text(frame, float_format=_number_text))


def data_dictionary() -> pd.DataFrame:
    """The data dictionary as a table: one row per column, then one per statistic.

    Columns: column, statistic (the statistic a ``value`` row holds; empty for column rows),
    type, unit, description, kinds (the kinds of row that hold the statistic).
    """
    rows = [[name, "", c.type, c.unit, c.description, ""] for name, c in DATA_DICTIONARY.items()]
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

