"""The data contract in code: which tables a return may hold, their columns, and the shapes that
pass between modules (a read :class:`Return`, a validation :class:`Problem`, result records).

``../shared/spec/data-contract.md`` is the text this module implements. Readers, validators, the
synthetic generator and the metric engine all take their table and column names from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wres_tools.ethnicity import MINORITY_GROUPS

Service = Literal["adults", "children", "all"]
SERVICES: tuple[str, ...] = ("adults", "children")
ALL_SERVICES = "all"

#: Accepted spellings of a service (normalised: lower case, no apostrophes) -> canonical key.
SERVICE_ALIASES: dict[str, str] = {
    "adults": "adults",
    "adult": "adults",
    "adults services": "adults",
    "adult services": "adults",
    "adult social care": "adults",
    "adults social care": "adults",
    "children": "children",
    "childrens": "children",
    "childrens services": "children",
    "children services": "children",
    "childrens social care": "children",
    "children social care": "children",
}

SURVEY_QUESTIONS: tuple[str, ...] = ("public", "colleagues", "managers")


def service_key(text: str) -> str:
    """A service spelling folded for :data:`SERVICE_ALIASES`: no apostrophes, lower case."""
    text = text.replace("\u2019", "").replace("'", "")
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract."""

    name: str
    keys: tuple[str, ...]  # besides service and ethnicity: what makes a row unique
    counts: tuple[str, ...]  # required whole-number columns >= 0
    optional_counts: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return ("service", "ethnicity", *self.keys, *self.counts, *self.optional_counts)


AGGREGATE_TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec("workforce", ("pay_band",), ("headcount",), (), ("M1",),
                  "directly employed headcount at the snapshot date"),
        TableSpec("recruitment", (), ("shortlisted", "appointed"), (), ("M2",),
                  "applicants shortlisted and appointed in the year"),
        TableSpec("disciplinary", (), ("entered",), ("headcount",), ("M3",),
                  "formal disciplinary investigations begun in the year"),
        TableSpec("fitness_to_practise", (), ("registered", "entered"), (), ("M4",),
                  "registered professionals and fitness-to-practise referrals"),
        TableSpec("cpd", (), ("accessed",), ("headcount",), ("M5",),
                  "staff accessing funded non-mandatory training and CPD"),
        TableSpec("survey", ("question",), ("respondents", "yes"), (), ("M6", "M7a", "M7b"),
                  "staff survey: harassment, bullying or abuse in the last 12 months"),
        TableSpec("leavers", (), ("left",), ("headcount",), ("M8",),
                  "leavers in the year against headcount at the start of the year"),
        TableSpec("senior_management", (), ("headcount",), (), ("M9",),
                  "senior managers' headcount"),
    )
}

#: Population has share or count, by ethnicity only; it may come from the parameter file instead.
POPULATION_TABLE = "population"

#: Tables that take their denominator from workforce when they carry no headcount of their own.
DENOMINATOR_FROM_WORKFORCE: tuple[str, ...] = ("disciplinary", "cpd", "leavers")

#: Record-level extracts and the columns they must hold.
RECORD_TABLES: dict[str, tuple[str, ...]] = {
    "staff": ("staff_id", "service", "ethnicity", "pay_band", "senior_manager", "registered",
              "disciplinary", "ftp", "cpd", "left"),
    "applications": ("application_id", "service", "ethnicity", "shortlisted", "appointed"),
    "survey_responses": ("respondent_id", "service", "ethnicity", *SURVEY_QUESTIONS),
}

#: Optional key/value table describing the return; ``synthetic: true`` marks demo data.
METADATA_TABLE = "metadata"

#: Sheets of a ``wres template`` workbook that hold no table: the reader passes over them in
#: silence, and a workbook holding the instructions sheet is a filled-in template, in which a
#: table sheet left with its header only means "not collected".
TEMPLATE_INSTRUCTIONS = "instructions"
TEMPLATE_LISTS = "lists"
TEMPLATE_SHEETS: tuple[str, ...] = (TEMPLATE_INSTRUCTIONS, TEMPLATE_LISTS)

#: Every metric id, in report order, and the table each is computed from.
METRIC_TABLES: dict[str, str] = {
    "M1": "workforce",
    "M2": "recruitment",
    "M3": "disciplinary",
    "M4": "fitness_to_practise",
    "M5": "cpd",
    "M6": "survey",
    "M7a": "survey",
    "M7b": "survey",
    "M8": "leavers",
    "M9": "senior_management",
}

#: Optional table of the authority's action plan: what it is doing about its figures. Not about
#: people: ``owner`` is a role ("Head of HR"), never a person's name, because reports show it.
ACTION_PLAN_TABLE = "action_plan"
#: Its columns as an authority writes them: required (in this order), then optional.
ACTION_PLAN_COLUMNS: tuple[str, ...] = (
    "action_id", "objective", "aim", "metrics", "action", "owner", "status", "success",
    "latest_update",
)
ACTION_PLAN_OPTIONAL: tuple[str, ...] = ("service", "due", "update_date")
#: The plan through the year: with ``update_date``, an action may have a row per update, each
#: giving its status and ``latest_update`` (its position) on that date; these columns may then be
#: blank on a later update's row, which keeps the action's earlier value.
ACTION_PLAN_CARRIED: tuple[str, ...] = (
    "objective", "aim", "metrics", "action", "owner", "success", "service", "due",
)
#: Required columns that may not be blank in any row (aim and latest_update may be).
ACTION_PLAN_NOT_BLANK: tuple[str, ...] = (
    "action_id", "objective", "metrics", "action", "owner", "status", "success",
)
#: RAG statuses, most severe first: the order reports list actions in.
ACTION_STATUSES: tuple[str, ...] = ("Red", "Amber", "Green", "Complete")
#: Metric ids an action may name besides the ids of METRIC_TABLES: "M7" is both M7a and M7b.
METRIC_ID_ALIASES: dict[str, tuple[str, ...]] = {"M7": ("M7a", "M7b")}
#: Columns of the tidy plan (``Return.action_plan``): one row per action and metric it aims at;
#: ``service`` is adults, children or ``all`` (blank: both); ``due`` is the text given, or None.
ACTION_PLAN_TIDY_COLUMNS: tuple[str, ...] = (
    "action_id", "metric", "objective", "aim", "action", "owner", "status", "success",
    "latest_update", "service", "due", "update_date",
)
#: Columns of the plan's history (``Return.action_updates``): one row per action and dated
#: update, oldest first; ``update_date`` is an ISO date (YYYY-MM-DD).
ACTION_UPDATE_COLUMNS: tuple[str, ...] = ("action_id", "update_date", "status", "latest_update")

#: Columns every tidy table carries after reading (besides its own keys and counts).
TIDY_ETHNICITY_COLUMNS: tuple[str, ...] = ("census_category", "group", "ethnic_class")


#: Longest value a problem quotes: a hostile file (a YAML alias bomb, a megabyte cell) must not
#: make a report of megabytes.
VALUE_CHARS = 200


def shorten(text: str, limit: int = VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


@dataclass(frozen=True)
class Problem:
    """One finding of validation, with the place it was found and what was expected there."""

    severity: Literal["error", "notice"]
    file: str
    message: str
    sheet: str | None = None  # the sheet of a workbook or the table name of a CSV file
    row: int | None = None  # 1-based as a spreadsheet shows it: header is row 1
    column: str | None = None
    value: object = None
    expected: str | None = None
    #: Every row with this same problem, when there are several (``row`` is the first).
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if len(self.rows) > 1:
            where.append(f"rows {compact_rows(self.rows)}")
        elif self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        text = f"{', '.join(where)}: {self.message}"
        if self.value is not None:
            text += f" (found {shorten(repr(self.value))}"
            text += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            text += f" (expected {self.expected})"
        return text


#: Runs of rows written out before the rest are counted.
RUNS_SHOWN = 12


def compact_rows(rows: tuple[int, ...] | list[int]) -> str:
    """Row numbers as runs: (3, 4, ..., 22, 25) -> "3-22, 25"; past RUNS_SHOWN runs the rest are
    counted ("..., 90-95 and 40 more rows")."""
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    text = ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in runs[:RUNS_SHOWN])
    rest = sum(b - a + 1 for a, b in runs[RUNS_SHOWN:])
    return f"{text} and {rest} more rows" if rest else text


@dataclass
class ValidationReport:
    """Every problem found in one return (or one parameter file): errors and notices."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def notices(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "notice"]

    @property
    def ok(self) -> bool:
        return not self.errors


class ReturnError(Exception):
    """A return that cannot be used; carries the full validation report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        lines = [f"{report.source}: {len(report.errors)} problem(s)"]
        lines += [f"  - {p}" for p in report.errors]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Return:
    """One authority's data for one reporting year, as tidy canonical aggregate tables.

    Each table has ``service`` (adults / children, or ``all`` when the return has no split),
    ``ethnicity`` (the label as given), ``census_category``, ``group`` and ``ethnic_class``
    (from :mod:`wres_tools.ethnicity`), the table's keys and whole-number count columns.
    Record-level extracts are already aggregated into these tables.
    """

    authority: str
    year: int
    source: Path
    tables: Mapping[str, pd.DataFrame]
    population: pd.DataFrame | None = None  # ethnicity, group, ethnic_class, share
    synthetic: bool = False
    granularity: Literal["aggregate", "record"] = "aggregate"
    notices: tuple[Problem, ...] = ()
    #: The action plan in tidy form (ACTION_PLAN_TIDY_COLUMNS), or None when the return has none.
    #: Each action as of its latest update.
    action_plan: pd.DataFrame | None = None
    #: Every dated update of the plan (ACTION_UPDATE_COLUMNS), or None when it gives no dates.
    action_updates: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame | None:
        """The named table, or None when the return did not collect it."""
        return self.tables.get(name)

    @property
    def has_service_split(self) -> bool:
        return any(
            set(df["service"].unique()) - {ALL_SERVICES} for df in self.tables.values() if len(df)
        )


#: Columns of a result record (``wres metrics --json`` and ``metrics.json``), in order.
#: Every record has every key; a value that cannot be computed is missing (null in JSON; <NA>
#: in the typed frames of :func:`typed_results`).
RESULT_COLUMNS: tuple[str, ...] = (
    "authority", "year", "metric", "service", "group", "reference", "pay_band",
    "status",  # ok | not_collected | not_computable
    "reason",  # why a figure is missing, in words
    "n_group", "events_group", "n_reference", "events_reference",
    "rate_group", "rate_group_ci_low", "rate_group_ci_high",
    "rate_reference", "rate_reference_ci_low", "rate_reference_ci_high",
    "rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction",
    "p_value", "significant", "four_fifths", "adverse_when", "small_numbers",
    "gap_pp", "gap_pp_ci_low", "gap_pp_ci_high",  # M6/M7: group minus reference rate
    "share", "share_ci_low", "share_ci_high",  # M1 band minority share; M9 senior share
    "share_workforce", "representation_index",  # M1 and M9
    "share_population", "gap_workforce_pp", "gap_population_pp",  # M9
    "unknown_count", "unknown_pct",  # left out as unknown ethnicity, by service
    "suppressed",  # True when disclosure control withheld any figure of the record
    "withheld",  # the columns disclosure control withheld, in column order (() when none)
    "disclosure",
)


def is_missing(value: object) -> bool:
    """None, NaN, pd.NA or NaT (pandas' or numpy's): a figure that is not there. The one test
    every module asks, whether a value comes from a typed frame (<NA>), a row of an object frame
    (None) or a float column (NaN). A tuple, list or text is never missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, (str, bool, int, tuple, list, dict)):
        return False
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


# ---------------------------------------------------------------- result records' dtypes


def categories(*values: str) -> pd.CategoricalDtype:
    """An unordered categorical whose categories are in alphabetical order, so that sorting by
    the column gives the order sorting its text would."""
    return pd.CategoricalDtype(sorted(values))


#: Whole-number columns of a result record (nullable ``Int64``; <NA> when missing or withheld).
RESULT_COUNTS: tuple[str, ...] = (
    "year", "n_group", "events_group", "n_reference", "events_reference", "unknown_count",
)
#: Yes/no columns (nullable ``boolean``).
RESULT_FLAGS: tuple[str, ...] = ("significant", "small_numbers", "suppressed")
#: Identifiers from a fixed vocabulary, never missing (``category``).
RESULT_CATEGORIES: dict[str, pd.CategoricalDtype] = {
    "metric": categories(*METRIC_TABLES),
    "service": categories(*SERVICES, ALL_SERVICES),
    "group": categories("minority", *MINORITY_GROUPS),
    "reference": categories("white"),
    "status": categories("ok", "not_collected", "not_computable"),
    "adverse_when": categories("low", "high"),
    "disclosure": categories("internal", "published"),
}
#: Words (nullable ``string``): the authority's id and a pay band's name (open vocabularies),
#: the reason a figure is missing and the four-fifths reading (missing where there is no RL).
RESULT_TEXT: tuple[str, ...] = ("authority", "pay_band", "reason", "four_fifths")
#: Every other column but ``withheld`` is a figure: nullable ``Float64``.
RESULT_FIGURES: tuple[str, ...] = tuple(
    c for c in RESULT_COLUMNS
    if c not in (*RESULT_COUNTS, *RESULT_FLAGS, *RESULT_CATEGORIES, *RESULT_TEXT, "withheld")
)
#: The dtype of every column of a result record. ``withheld`` is a tuple per record (object).
RESULT_DTYPES: dict[str, object] = {
    c: ("Int64" if c in RESULT_COUNTS else "boolean" if c in RESULT_FLAGS
        else RESULT_CATEGORIES[c] if c in RESULT_CATEGORIES else "string" if c in RESULT_TEXT
        else "Float64" if c in RESULT_FIGURES else object)
    for c in RESULT_COLUMNS
}
#: Columns never missing in a record.
RESULT_REQUIRED: tuple[str, ...] = (
    "authority", "year", *RESULT_CATEGORIES, "suppressed", "withheld",
)
#: The columns a record's ``withheld`` may name: each has a flag in :func:`withheld_flags`.
WITHHOLDABLE: tuple[str, ...] = tuple(
    c for c in RESULT_COLUMNS
    if c in (*RESULT_COUNTS, *RESULT_FIGURES, "significant", "small_numbers", "four_fifths")
    and c != "year"
)


@functools.cache
def result_schema() -> Any:
    """The pandera schema of typed result records: exactly RESULT_COLUMNS in order, each of its
    RESULT_DTYPES, RESULT_REQUIRED never missing, counts never negative, ``withheld`` a tuple of
    WITHHOLDABLE names each of which is missing in its record. Built on first use (importing
    pandera costs the command line half a second)."""
    import pandera.pandas as pa

    def withheld_names(column: pd.Series) -> bool:
        return bool(column.map(lambda names: isinstance(names, tuple)
                               and set(names) <= set(WITHHOLDABLE)).all())

    def withheld_are_missing(frame: pd.DataFrame) -> bool:
        return all(is_missing(frame.at[label, name])
                   for label, names in frame["withheld"].items() for name in names)

    columns = {
        c: pa.Column(dtype, nullable=c not in RESULT_REQUIRED,
                     checks=[pa.Check.ge(0)] if c in RESULT_COUNTS else
                     [pa.Check(withheld_names, error="withheld is not a tuple of figure names")]
                     if c == "withheld" else [])
        for c, dtype in RESULT_DTYPES.items()
    }
    return pa.DataFrameSchema(
        columns, strict=True, ordered=True, coerce=False,
        checks=[pa.Check(withheld_are_missing, error="a withheld figure is not missing")])


def typed_results(records: pd.DataFrame) -> pd.DataFrame:
    """Result records (RESULT_COLUMNS, any dtypes: e.g. the object frames of the metric engine
    and disclosure control, None for missing) with RESULT_DTYPES, validated by
    :func:`result_schema`; raises ``pandera.errors.SchemaError`` naming the first column or
    record that breaks it, and ValueError for a missing column or an id outside its
    vocabulary. A new frame with the same index and ``attrs``; the input is unchanged.
    """
    missing = [c for c in RESULT_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"result records have no column(s) {missing}; expected "
                         "contract.RESULT_COLUMNS")
    out = pd.DataFrame({c: typed_column(records[c], dtype) for c, dtype in RESULT_DTYPES.items()},
                       index=records.index)
    out.attrs.update(records.attrs)
    result_schema().validate(out)
    return out


def typed_column(column: pd.Series, dtype: object) -> pd.Series:
    """One column (object, None for missing, or already typed) as ``dtype``: a missing value
    becomes <NA> (NaN in a category), never the text "None"; ValueError for a value outside a
    categorical's categories."""
    if dtype is object:
        return column.astype(object)
    if isinstance(dtype, pd.CategoricalDtype) or dtype == "string":
        # missing as <NA> first: str(None) must not become the text "None"
        values = column.astype(object).where(column.notna(), None)
        if isinstance(dtype, pd.CategoricalDtype):
            unknown = sorted({str(v) for v in values.dropna()} - set(dtype.categories))
            if unknown:
                raise ValueError(f"result records: {column.name} {', '.join(unknown)}; "
                                 f"expected one of {', '.join(dtype.categories)}")
        return values.astype(dtype)
    return column.astype(dtype)


def withheld_flags(records: pd.DataFrame) -> pd.DataFrame:
    """One ``boolean`` column per WITHHOLDABLE figure, one row per record (same index): True
    where the publishing step withheld that figure of the record (read from its ``withheld``
    column), False where it is shown or missing for another reason (not computable, not
    collected). A view worked out when asked, so it can never disagree with ``withheld``."""
    rows = [[name in names for name in WITHHOLDABLE] for names in records["withheld"]]
    return pd.DataFrame(rows, index=records.index, columns=list(WITHHOLDABLE),
                        dtype="boolean")


def plain(value: object) -> object:
    """A value of a typed frame as plain Python: None for a missing value, a numpy or pandas
    scalar as the int, float, bool or str it holds; anything else (a tuple) as it is."""
    if is_missing(value):
        return None
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, (tuple, list)) else value
