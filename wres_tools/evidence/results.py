"""results.csv and its data dictionary: one row per published figure per record, every authority
and year of a batch, safe to open in a spreadsheet.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from wres_tools.contract import ALL_SERVICES, RESULT_COLUMNS, SERVICES
from wres_tools.contract import is_missing as _missing
from wres_tools.ethnicity import MINORITY_GROUPS
from wres_tools.files import write_atomic
from wres_tools.metrics import METRICS, REFERENCE
from wres_tools.statistics import ALPHA, FOUR_FIFTHS_HIGH, FOUR_FIFTHS_LOW

RESULTS_FILE = "results.csv"
DICTIONARY_FILE = "results_dictionary.csv"


# --------------------------------------------------------------------------- tidy results


class Column(NamedTuple):
    """One column of results.csv (or one statistic of its ``value`` column)."""

    type: str  # as an R / Stata user reads it: text, integer, number, 0/1
    unit: str
    description: str


#: Every statistic a ``statistic`` row may name: what ``value`` then holds, and in which unit.
STATISTICS: dict[str, Column] = {
    "n_group": Column("integer", "count", "people in the comparison group (the denominator; "
                      "M1 and M9: staff or senior managers in the group)"),
    "events_group": Column("integer", "count", "people in the comparison group with the event "
                           "(the numerator)"),
    "n_reference": Column("integer", "count", "white people (the denominator; M1 and M9: white "
                          "staff or senior managers)"),
    "events_reference": Column("integer", "count", "white people with the event"),
    "rate_group": Column("number", "fraction (0-1)", "events / people, comparison group (M9: "
                         "the group's senior managers / the group's staff)"),
    "rate_group_ci_low": Column("number", "fraction (0-1)", "lower end of its Wilson interval"),
    "rate_group_ci_high": Column("number", "fraction (0-1)", "upper end of its Wilson interval"),
    "rate_reference": Column("number", "fraction (0-1)", "events / people, white staff (M9: "
                             "white senior managers / white staff)"),
    "rate_reference_ci_low": Column("number", "fraction (0-1)",
                                    "lower end of its Wilson interval"),
    "rate_reference_ci_high": Column("number", "fraction (0-1)",
                                     "upper end of its Wilson interval"),
    "rl": Column("number", "ratio", "relative likelihood: group rate / white rate (M9: of "
                 "holding a senior management post, as Skills for Care reports it)"),
    "rl_ci_low": Column("number", "ratio", "lower end of the log-method (Katz) interval"),
    "rl_ci_high": Column("number", "ratio", "upper end of the log-method (Katz) interval"),
    "rl_nhs_direction": Column("number", "ratio", "1 / rl: white rate / group rate, the way "
                               "the NHS WRES reports its indicators 2 and 4"),
    "p_value": Column("number", "probability (0-1)", "two-sided Fisher's exact test"),
    "gap_pp": Column("number", "percentage points", "M6, M7: group rate minus white rate"),
    "gap_pp_ci_low": Column("number", "percentage points", "lower end of Newcombe's interval"),
    "gap_pp_ci_high": Column("number", "percentage points", "upper end of Newcombe's interval"),
    "share": Column("number", "fraction (0-1)", "M1: the group's share of staff of known "
                    "ethnicity in the pay band; M9: of senior managers"),
    "share_ci_low": Column("number", "fraction (0-1)",
                           "lower end of its interval (M1 Wilson, M9 exact Clopper-Pearson)"),
    "share_ci_high": Column("number", "fraction (0-1)",
                            "upper end of its interval (M1 Wilson, M9 exact Clopper-Pearson)"),
    "share_workforce": Column("number", "fraction (0-1)",
                              "the group's share of the whole workforce of known ethnicity"),
    "representation_index": Column("number", "ratio", "share / share_workforce"),
    "share_population": Column("number", "fraction (0-1)",
                               "M9: the group's share of the area's population (census 2021)"),
    "gap_workforce_pp": Column("number", "percentage points",
                               "M9: senior share minus workforce share"),
    "gap_population_pp": Column("number", "percentage points",
                                "M9: senior share minus population share"),
    "unknown_count": Column("integer", "count", "people of unknown ethnicity, left out of the "
                            "comparison"),
    "unknown_pct": Column("number", "percent (0-100)",
                          "unknown ethnicity as a percentage of everyone counted"),
}

_COUNTS = ("n_group", "events_group", "n_reference", "events_reference")
_RATES = ("rate_group", "rate_group_ci_low", "rate_group_ci_high", "rate_reference",
          "rate_reference_ci_low", "rate_reference_ci_high")
_RL = ("rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "p_value")
_GAP = ("gap_pp", "gap_pp_ci_low", "gap_pp_ci_high")
_SHARE = ("n_group", "n_reference", "share", "share_ci_low", "share_ci_high", "share_workforce",
          "representation_index")
_UNKNOWN = ("unknown_count", "unknown_pct")

#: The statistics each kind of metric has (M6 and M7 add the gap in percentage points).
KIND_STATISTICS: dict[str, tuple[str, ...]] = {
    "ratio": (*_COUNTS, *_RATES, *_RL, *_UNKNOWN),
    "representation": (*_SHARE, *_UNKNOWN),
    "senior": (*_SHARE, "share_population", "gap_workforce_pp", "gap_population_pp", *_RATES,
               *_RL, *_UNKNOWN),
}


def metric_statistics(metric: str) -> tuple[str, ...]:
    """The statistic rows results.csv has for every record of a metric, in order."""
    mdef = METRICS[metric]
    stats = KIND_STATISTICS[mdef.kind]
    if mdef.question is not None:
        stats = (*stats, *_GAP)
    order = list(STATISTICS)
    return tuple(sorted(stats, key=order.index))


#: Columns of results.csv, in order, with type, unit and meaning.
DATA_DICTIONARY: dict[str, Column] = {
    "authority": Column("text", "", "the local authority (its folder name)"),
    "year": Column("integer", "year", "the reporting year of the return"),
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
                   "percentage points, percent (0-100)"),
    "missing_reason": Column("text", "", "empty when value is given; else suppressed (withheld "
                             "by disclosure control: a small count, or one a small count could "
                             "be worked back from), not_collected (the return has no such "
                             "table), not_computable (e.g. no white staff to compare with)"),
    "withheld": Column("0/1", "", "1 when disclosure control withheld this row's figure (the "
                       "record's own list of withheld columns), 0 when not"),
    "status": Column("text", "", "the record's status: ok, not_collected, not_computable"),
    "reason": Column("text", "", "why a figure of the record is missing, in words"),
    "significant": Column("0/1", "", f"1 when Fisher's p is below {ALPHA:g}, 0 when not; empty "
                          "when there is no test"),
    "four_fifths": Column("text", "", "the NHS WRES four-fifths reading of rl: within "
                          f"({FOUR_FIFTHS_LOW:.2f}-{FOUR_FIFTHS_HIGH:.2f}), adverse or "
                          "favourable; empty without an rl"),
    "adverse_when": Column("text", "", "which side of rl is adverse for this metric: low or "
                           "high"),
    "small_numbers": Column("0/1", "", "1 when a count behind the record is under the "
                            "parameters' small-numbers threshold: read with care"),
    "suppressed": Column("0/1", "", "1 when disclosure control withheld any figure of the "
                         "record"),
    "disclosure": Column("text", "", "the disclosure mode of the results: always published"),
}

_ID = ("authority", "year", "metric", "service", "group", "reference", "pay_band")
_RECORD_ATTRIBUTES = ("status", "reason", "significant", "four_fifths", "adverse_when",
                      "small_numbers", "suppressed", "disclosure")
_FLAGS = ("significant", "small_numbers", "suppressed")


def _flag(value: Any) -> int | None:
    return None if _missing(value) else int(bool(value))


def _withheld(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns a published record says disclosure control withheld."""
    value = record.get("withheld")
    return tuple(value) if isinstance(value, (list, tuple)) else ()


def _check_published(records: pd.DataFrame) -> None:
    if "disclosure" not in records.columns:
        raise ValueError("result records without a disclosure column: results.csv takes only "
                         "published results (after publish.publish_results)")
    modes = records["disclosure"].tolist()
    for position, mode in enumerate(modes):
        if mode != "published":
            row = records.iloc[position]
            raise ValueError(
                f"record {position + 1} ({row.get('authority')}, {row.get('year')}, "
                f"{row.get('metric')}, {row.get('service')}, {row.get('group')}) has "
                f"disclosure {mode!r}: results.csv takes only published results")


def results_long(records: pd.DataFrame) -> pd.DataFrame:
    """Published result records -> one row per figure (tidy long format).

    Columns: :data:`DATA_DICTIONARY`. Each record gives one row per statistic its metric has
    (:func:`metric_statistics`), present or not, so every authority-year has the same rows for
    the same data; ``value`` is always numeric (float), and ``missing_reason`` says why a value
    is empty. The record's readings (status, four-fifths, significance, ...) are columns.
    Raises ValueError for records not published through disclosure control.
    """
    missing = [c for c in RESULT_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"result records lack column(s) {', '.join(missing)}: expected "
                         "contract.RESULT_COLUMNS")
    _check_published(records)
    rows = []
    for position, record in enumerate(records[list(RESULT_COLUMNS)].to_dict("records"), 1):
        ident = [None if _missing(record[c]) else record[c] for c in _ID]
        attributes = {c: (_flag(record[c]) if c in _FLAGS else
                          None if _missing(record[c]) else record[c]) for c in _RECORD_ATTRIBUTES}
        for statistic in metric_statistics(record["metric"]):
            value = record[statistic]
            if not (_missing(value) or is_number(value)):
                raise ValueError(
                    f"record {position} ({', '.join(str(v) for v in ident[:5])}): {statistic} "
                    f"is {value!r}; expected a number or null")
            withheld = statistic in _withheld(record)
            if not _missing(value):
                why = None
            elif withheld:
                why = "suppressed"
            elif record["status"] in ("not_collected", "not_computable"):
                why = record["status"]
            else:
                why = "not_computable"
            rows.append([*ident, statistic, None if why else float(value),
                         STATISTICS[statistic].unit, why, int(withheld), *attributes.values()])
    columns = [*_ID, "statistic", "value", "unit", "missing_reason", "withheld",
               *_RECORD_ATTRIBUTES]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    for column in (*_FLAGS, "withheld"):
        frame[column] = frame[column].astype("Int64")
    for column in DATA_DICTIONARY:
        if column not in ("year", "value", "withheld", *_FLAGS):
            frame[column] = frame[column].astype("str")
    frame = frame[list(DATA_DICTIONARY)]
    return frame.sort_values(["authority", "year"], kind="stable").reset_index(drop=True)


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


def results_csv(source: pd.DataFrame | Iterable[Path | str | Mapping[str, Any]]) -> str:
    """The text of results.csv: UTF-8, comma separated, LF line ends, empty for missing, text
    that a spreadsheet would run as a formula neutralised (:func:`neutralised`)."""
    frame = results_long(load_records(source))
    return csv_text(frame, float_format=_number_text)


def write_results_csv(source: pd.DataFrame | Iterable[Path | str | Mapping[str, Any]],
                      path: Path) -> Path:
    """Write results.csv (see :func:`results_long`) atomically; ``source``: metrics.json paths,
    a records frame or record dicts, published only."""
    return write_atomic(Path(path), results_csv(source))


def data_dictionary() -> pd.DataFrame:
    """The data dictionary as a table: one row per column, then one per statistic.

    Columns: column, statistic (the statistic a ``value`` row holds; empty for column rows),
    type, unit, description.
    """
    rows = [[name, "", c.type, c.unit, c.description] for name, c in DATA_DICTIONARY.items()]
    rows += [["value", name, c.type, c.unit, c.description] for name, c in STATISTICS.items()]
    return pd.DataFrame(rows, columns=["column", "statistic", "type", "unit", "description"],
                        dtype="str")


def write_data_dictionary(path: Path) -> Path:
    """Write results_dictionary.csv atomically."""
    return write_atomic(Path(path), csv_text(data_dictionary()))


def read_records(path: Path) -> list[dict[str, Any]]:
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("expected a JSON list of result records (objects)")
    return records


def is_number(value: Any) -> bool:
    """int, float or a numpy number; not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
