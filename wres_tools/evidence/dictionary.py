"""The one data dictionary of results.csv: each column's name, type, unit, meaning and the kinds
of row that fill it, and what each kind of row is.

Everything that names a column reads this module: the rows (:mod:`wres_tools.evidence.rows`: their
order and which columns are whole numbers or flags), results.csv and results.parquet
(:mod:`wres_tools.evidence.results`: the column types and the Parquet schema, each field with its
meaning), results_dictionary.csv, the methods page's dictionary section and docs/evidence.md
(checked against it by tests/test_evidence.py). A column added here is a column of every one of
them; the statistics a ``value`` may hold are each kind's own (``rows.ROW_KINDS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, get_args

import pyarrow as pa

from wres_tools.contract import ALL_SERVICES, SERVICES
from wres_tools.ethnicity import MINORITY_GROUPS
from wres_tools.funnel import Position
from wres_tools.metrics import REFERENCE
from wres_tools.statistics import ALPHA, FOUR_FIFTHS_HIGH, FOUR_FIFTHS_LOW
from wres_tools.trends import CHANGES


class Column(NamedTuple):
    """One column of results.csv (or one statistic of its ``value`` column)."""

    type: str  # as an R / Stata user reads it: text, integer, number, 0/1
    unit: str
    description: str


#: Every kind of row, in the order results.csv holds them, with what a row of it is
#: (``rows.ROW_KINDS`` gives each its function and statistics, in this order).
KINDS: dict[str, str] = {
    "result": "a figure of an authority-year's published result record (one per metric, "
              "service, group and pay band)",
    "pooled": "M3 pooled over year_from to year (counts summed), as the M3 page shows it",
    "change": "a change over time: the figure of year against year_from (compared_with: the "
              "baseline or the previous year), as the pages show it, with the verdict in "
              "direction",
    "benchmark": "an authority's place on the year's funnel plot for a metric (service all, "
                 "minority group), as the benchmarking page shows it; a row with no authority "
                 "holds the pooled figure",
    "national": "a figure of the year's national picture (scope: national, or an ADASS "
                "region): a pooled record of the counts the councils' own published records "
                "show (with the councils pooled and left out), the councils' spread around the "
                "four-fifths thresholds, or the staff counted, as the national page gives them",
}

#: The types a column may have, as the Parquet schema stores them.
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(), "integer": pa.int64(), "0/1": pa.int64(), "number": pa.float64(),
}


@dataclass(frozen=True)
class ResultColumn:
    """One column of results.csv: its name, type (:data:`ARROW_TYPES`), unit, meaning, and the
    kinds of row that may fill it (empty: every kind; the others leave it empty)."""

    name: str
    type: str
    unit: str
    description: str
    kinds: tuple[str, ...] = ()

    @property
    def carried_by(self) -> tuple[str, ...]:
        """The kinds of row that may fill the column."""
        return self.kinds or tuple(KINDS)


_RECORDS = ("result", "pooled", "national")

#: The columns of results.csv and results.parquet, in order.
COLUMNS: tuple[ResultColumn, ...] = (
    ResultColumn("kind", "text", "", "what the row holds: " + "; ".join(
        f"{name}: {text}" for name, text in KINDS.items())),
    ResultColumn("authority", "text", "", "the local authority (its folder name); empty on a "
                 "benchmark row of the pooled figure and on national rows (see scope)"),
    ResultColumn("name", "text", "", "the authority's display name (its parameter file)"),
    ResultColumn("ons_code", "text", "", "the authority's ONS code (its parameter file); empty "
                 "when the file gives none"),
    ResultColumn("year", "integer", "year", "the reporting year (change rows: the later year; "
                 "pooled rows: the last year pooled)"),
    ResultColumn("year_from", "integer", "year", "change rows: the year compared with; pooled "
                 "rows: the first year pooled; empty otherwise", ("pooled", "change")),
    ResultColumn("compared_with", "text", "", "change rows: baseline or previous (year)",
                 ("change",)),
    ResultColumn("metric", "text", "", "metric id, M1 to M9 (see the methods page)"),
    ResultColumn("service", "text", "", f"{', '.join(SERVICES)} or {ALL_SERVICES} (both "
                 "together)"),
    ResultColumn("group", "text", "", "comparison group: minority (every minority ethnic "
                 "group together) or one high-level census group: " + ", ".join(
                     MINORITY_GROUPS)),
    ResultColumn("reference", "text", "", f"the group compared with: always {REFERENCE}"),
    ResultColumn("pay_band", "text", "", "M1 only: the pay band, as the authority names it "
                 "(national rows: the Skills for Care band); empty for the whole workforce and "
                 "for other metrics", (*_RECORDS, "change")),
    ResultColumn("statistic", "text", "", "which figure the row holds (see the statistic rows "
                 "below)"),
    ResultColumn("value", "number", "see unit", "the figure; empty when missing_reason says "
                 "why"),
    ResultColumn("unit", "text", "", "unit of value: count, fraction (0-1), ratio, probability "
                 "(0-1), percentage points, percent (0-100), z-score, rank, log ratio, councils (a "
                 "number of councils, never of people)"),
    ResultColumn("missing_reason", "text", "", "empty when value is given; else suppressed "
                 "(withheld by disclosure control: a small count, or one a small count could "
                 "be worked back from), not_collected (the return has no such table), "
                 "not_computable (e.g. no white staff to compare with)"),
    ResultColumn("withheld", "0/1", "", "1 when disclosure control withheld this row's figure "
                 "(as the page shows it: [c] or not published), 0 when not"),
    ResultColumn("status", "text", "", "the record's status: ok, not_collected, "
                 "not_computable"),
    ResultColumn("reason", "text", "", "why this row's value is missing, in words; empty when "
                 "the value is given"),
    ResultColumn("significant", "0/1", "", f"1 when the test's p is below {ALPHA:g}, 0 when "
                 "not; empty when there is no test", (*_RECORDS, "change")),
    ResultColumn("four_fifths", "text", "", "the NHS WRES four-fifths reading of rl: within "
                 f"({FOUR_FIFTHS_LOW:.2f}-{FOUR_FIFTHS_HIGH:.2f}), adverse or favourable; "
                 "empty without an rl", _RECORDS),
    ResultColumn("direction", "text", "", "change rows: the verdict the report gives: "
                 + ", ".join(CHANGES), ("change",)),
    ResultColumn("position", "text", "", "benchmark rows: where the authority sits against "
                 "the funnel's limits: " + ", ".join(get_args(Position)), ("benchmark",)),
    ResultColumn("adverse_when", "text", "", "which side of rl is adverse for this metric: low "
                 "or high"),
    ResultColumn("small_numbers", "0/1", "", "1 when a count behind the record is under the "
                 "parameters' small-numbers threshold: read with care", _RECORDS),
    ResultColumn("suppressed", "0/1", "", "1 when disclosure control withheld any figure of "
                 "the record", _RECORDS),
    ResultColumn("scope", "text", "", "national rows: national (every council of the data "
                 "folder that year) or the ADASS region pooled; empty otherwise (last, so the "
                 "columns before it keep their places)", ("national",)),
)

#: The columns by name, in order, as (type, unit, description).
DATA_DICTIONARY: dict[str, Column] = {
    c.name: Column(c.type, c.unit, c.description) for c in COLUMNS}
#: The columns of every row, in order.
ROW_COLUMNS: tuple[str, ...] = tuple(DATA_DICTIONARY)
#: Columns holding 0/1 flags (written as nullable integers).
FLAG_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.type == "0/1")
#: Columns holding whole numbers (flags too).
INTEGER_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if c.type in ("integer", "0/1"))
#: Columns holding text.
TEXT_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.type == "text")

_unknown = {c.type for c in COLUMNS} - set(ARROW_TYPES)
if _unknown:  # pragma: no cover - caught by the tests at once
    raise RuntimeError(f"evidence.dictionary: column type(s) {sorted(_unknown)} have no Parquet "
                       f"type; expected {list(ARROW_TYPES)}")


def arrow_schema() -> pa.Schema:
    """The Parquet schema of results.parquet: each column with its type and, as field
    metadata, its unit and meaning (so a reader of the file alone has the dictionary)."""
    return pa.schema([
        pa.field(c.name, ARROW_TYPES[c.type], nullable=True,
                 metadata={"type": c.type, "unit": c.unit, "description": c.description,
                           "kinds": " ".join(c.carried_by)})
        for c in COLUMNS])
