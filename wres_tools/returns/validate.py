"""Every rule of the data contract, checked on a return as read, collected into one report.

Column values are checked with one pandera schema per table (``lazy=True``); each failure case
becomes a :class:`~wres_tools.contract.Problem` naming file, sheet, row, column, the value found and
what was expected. Rules that span rows or tables (duplicates, appointed <= shortlisted, counts
against the workforce headcount, pay bands in the band order) are plain functions, as are the
checks of the action plan, a table of text whose cells need messages naming the bad metric id.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import pandera.pandas as pa

from wres_tools.bands import band_amount, band_order, band_order_source
from wres_tools.contract import (
    ACTION_PLAN_CARRIED,
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_NOT_BLANK,
    ACTION_PLAN_OPTIONAL,
    ACTION_PLAN_TABLE,
    ACTION_STATUSES,
    AGGREGATE_TABLES,
    ALL_SERVICES,
    DENOMINATOR_FROM_WORKFORCE,
    METADATA_TABLE,
    METRIC_TABLES,
    POPULATION_TABLE,
    RECORD_TABLES,
    SERVICE_ALIASES,
    SURVEY_QUESTIONS,
    Problem,
    ValidationReport,
    service_key,
)
from wres_tools.ethnicity import UnknownEthnicityLabel, classify
from wres_tools.parameters import Parameters
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.parse import (
    FALSE_WORDS,
    TRUE_WORDS,
    action_rows,
    action_status,
    ethnicity_columns,
    metadata,
    metric_ids,
    numbers,
    plan_service,
    recognised,
    services,
    update_date,
)
from wres_tools.returns.read import RawReturn, RawTable, cells_held, read_raw
from wres_tools.returns.tidy import RECORD_BUILDS, RECORD_FLAGS, RECORD_IDS

#: Largest count accepted: a national workforce is under two million (adult social care in
#: England, the largest, has under two million filled posts), so a larger count is a mistake - and
#: the engine's int64 sums cannot overflow (see docs/assumptions.md).
MAX_COUNT = 2_000_000
#: Largest population count (the M9 comparison may give the area's population, not its staff):
#: more than the United Kingdom's 68 million is a mistake.
MAX_POPULATION = 100_000_000
EXPECT_COUNT = "a whole number, 0 or more"
EXPECT_FLAG = "0 or 1 (y/n, yes/no and true/false are not accepted in flag columns)"
EXPECT_ETHNICITY = ("a census 2021 category, a high-level group, an NHS ethnic category code "
                    "(A-S, Z, 99) or an unknown marker such as 'Not stated'")
EXPECT_SERVICE = "adults or children (or e.g. Adult Social Care, Children's services)"
EXPECT_ANSWER = "yes, no or blank"
EXPECT_QUESTION = " / ".join(SURVEY_QUESTIONS)
EXPECT_SHARE = "a share from 0 to 1"


# --- which columns each table has ----------------------------------------------------------------


def expected_columns(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) columns of a table; ``service`` is optional everywhere."""
    if name in AGGREGATE_TABLES:
        spec = AGGREGATE_TABLES[name]
        return ("ethnicity", *spec.keys, *spec.counts), ("service", *spec.optional_counts)
    if name in RECORD_TABLES:
        return tuple(c for c in RECORD_TABLES[name] if c != "service"), ("service",)
    if name == POPULATION_TABLE:
        return ("ethnicity",), ("share", "count")
    if name == ACTION_PLAN_TABLE:
        return ACTION_PLAN_COLUMNS, ACTION_PLAN_OPTIONAL
    return ("key", "value"), ()


#: Words HR exports use for a contract's column (normalised as headers are: lower case, "_").
COLUMN_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("leavers", "leaver", "leaving", "turnover"),
    "entered": ("investigations", "cases", "referrals", "referred"),
    "registered": ("registrations", "social_workers"),
    "accessed": ("training", "cpd"),
    "shortlisted": ("shortlist",),
    "appointed": ("appointments", "appointment", "hired", "hires"),
    "respondents": ("responses", "responded", "answered"),
    "headcount": ("staff", "employees", "people", "count"),
    "pay_band": ("grade", "band", "pay_grade", "salary_band"),
    "ethnicity": ("ethnic", "ethnic_origin", "ethnic_group"),
}


def header_hint(column: str, headers: list[str]) -> list[str]:
    """A header that holds the column's name or a word HR exports use for it as whole words
    ("entered_formal_process" for entered, "number_of_leavers" for left), or []."""
    for word in (column, *COLUMN_WORDS.get(column, ())):
        for header in headers:
            if f"_{word}_" in f"_{header}_":
                return [header]
    return []


def check_columns(table: RawTable) -> list[Problem]:
    """Missing columns (suggesting a near header found, e.g. 'headcont'), population without share
    or count, and columns the contract does not know (notices)."""
    required, optional = expected_columns(table.name)
    present = list(table.frame.columns)
    extra = [c for c in present if c not in required and c not in optional]
    problems = []
    for column in required:
        if column in present:
            continue
        near = difflib.get_close_matches(column, extra, n=1, cutoff=0.6)
        hint = header_hint(column, extra) if not near else []
        if near or hint:
            found = (near or hint)[0]
            extra.remove(found)
            why = "a misspelling of it" if near else "it: rename the header"
            problems.append(table.place(
                "error", f"missing column {column!r}: this header looks like {why}", row=1,
                column=table.header(found), value=table.header(found),
                expected=f"the header {column!r}"))
        else:
            problems.append(table.place(
                "error", f"missing column {column!r}", row=1, column=column,
                expected=f"columns {', '.join(required)}"))
    if table.name == POPULATION_TABLE and not {"share", "count"} & set(present):
        problems.append(table.place(
            "error", "population needs a 'share' or a 'count' column", row=1,
            expected="a column 'share' (0-1) or 'count'"))
    for column in extra:
        problems.append(table.place(
            "notice", f"column {table.header(column)!r} is not part of the contract; ignored",
            row=1, column=table.header(column)))
    return problems


# --- column values: one pandera schema per table -------------------------------------------------


def _ethnicity_ok(series: pd.Series) -> pd.Series:
    return recognised(series)


def _service_ok(series: pd.Series) -> pd.Series:
    lookup = {v: service_key(v) in SERVICE_ALIASES for v in series.dropna().unique()}
    return series.map(lookup).fillna(True).astype(bool)


def _whole(series: pd.Series) -> pd.Series:
    return series % 1 == 0


#: check name -> (message, expected) for failure cases; "not_nullable" is handled by column kind.
_CHECKS: dict[str, tuple[str, str]] = {
    "ethnicity": ("unrecognised ethnicity label", EXPECT_ETHNICITY),
    "service": ("unrecognised service", EXPECT_SERVICE),
    "whole": ("count is not a whole number", EXPECT_COUNT),
    "not_negative": ("negative count", EXPECT_COUNT),
    "at_most": ("count larger than any workforce", f"a whole number from 0 to {MAX_COUNT:,}"),
    "at_most_population": ("population count larger than the United Kingdom's",
                           f"a whole number from 0 to {MAX_POPULATION:,}"),
    "flag": ("flag is not 0 or 1", EXPECT_FLAG),
    "answer": ("survey answer is not yes, no or blank", EXPECT_ANSWER),
    "question": ("unknown survey question", EXPECT_QUESTION),
    "share": ("population share outside 0 to 1", EXPECT_SHARE),
}

_NULL: dict[str, tuple[str, str]] = {
    "count": ("missing count", EXPECT_COUNT),
    "population_count": ("missing count", EXPECT_COUNT),
    "flag": ("missing flag", EXPECT_FLAG),
    "share": ("missing share", EXPECT_SHARE),
    "text": ("blank value", "a value in every row"),
}


def _kinds(table: RawTable) -> dict[str, str]:
    """The kind of each column present that has a value rule: count, flag, share, text, ..."""
    name, columns = table.name, set(table.frame.columns)
    if name == ACTION_PLAN_TABLE:
        return {}  # text only: see check_action_plan
    kinds: dict[str, str] = {"ethnicity": "ethnicity", "service": "service"}
    if name in AGGREGATE_TABLES:
        spec = AGGREGATE_TABLES[name]
        kinds.update({c: "count" for c in (*spec.counts, *spec.optional_counts)})
        kinds.update({k: "question" if k == "question" else "text" for k in spec.keys})
    elif name in RECORD_TABLES:
        kinds.update({f: "flag" for f in RECORD_FLAGS[name]})
        kinds[RECORD_IDS[name]] = "text"
        if name == "staff":
            kinds["pay_band"] = "text"
        if name == "survey_responses":
            kinds.update({q: "answer" for q in SURVEY_QUESTIONS})
    elif name == POPULATION_TABLE:
        kinds.update({"share": "share", "count": "population_count"})
    else:
        kinds = {"key": "text"}
    return {c: k for c, k in kinds.items() if c in columns}


@functools.lru_cache(maxsize=64)
def _schema(kinds: tuple[tuple[str, str], ...]) -> pa.DataFrameSchema:
    """The pandera schema for columns of these kinds (built once per shape of table)."""
    columns = {}
    for column, kind in kinds:
        if kind == "ethnicity":
            col = pa.Column(nullable=True, checks=pa.Check(_ethnicity_ok, name="ethnicity"))
        elif kind == "service":
            col = pa.Column(nullable=True, checks=pa.Check(_service_ok, name="service"))
        elif kind in ("count", "population_count"):
            top, name = (MAX_COUNT, "at_most") if kind == "count" else (
                MAX_POPULATION, "at_most_population")
            col = pa.Column(nullable=False, checks=[
                pa.Check(_whole, name="whole"), pa.Check(lambda s: s >= 0, name="not_negative"),
                pa.Check(lambda s, top=top: s <= top, name=name)])
        elif kind == "flag":
            col = pa.Column(nullable=False, checks=pa.Check(lambda s: s.isin([0, 1]), name="flag"))
        elif kind == "share":
            col = pa.Column(nullable=False,
                            checks=pa.Check(lambda s: s.between(0, 1), name="share"))
        elif kind == "answer":
            col = pa.Column(nullable=True, checks=pa.Check(
                lambda s: s.str.lower().isin(["yes", "no"]), name="answer"))
        elif kind == "question":
            col = pa.Column(nullable=False, checks=pa.Check(
                lambda s: s.str.lower().isin(SURVEY_QUESTIONS), name="question"))
        else:
            col = pa.Column(nullable=False)
        columns[column] = col
    return pa.DataFrameSchema(columns)


def _typed(table: RawTable, kinds: dict[str, str]) -> pd.DataFrame:
    """The columns to check, numbers parsed (NA where blank or not a number)."""
    return pd.DataFrame({
        column: numbers(table, column) if kind in ("count", "population_count", "flag", "share")
        else table.frame[column]
        for column, kind in kinds.items()
    }, index=table.frame.index)


def check_values(table: RawTable) -> list[Problem]:
    """Every bad cell of the table, from one lazy pandera validation."""
    kinds = _kinds(table)
    if table.name == POPULATION_TABLE and "share" in kinds:
        kinds.pop("count", None)  # share wins when both are given
    if not kinds or table.frame.empty:
        return []
    try:
        _schema(tuple(kinds.items())).validate(_typed(table, kinds), lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _problems_from_failures(table, kinds, exc.failure_cases)
    return []


def _problems_from_failures(
    table: RawTable, kinds: dict[str, str], failures: pd.DataFrame
) -> list[Problem]:
    problems = []
    held = cells_held(table) if failures["check"].eq("not_nullable").any() else {}
    failures = failures.dropna(subset=["index"]).sort_values(["index", "column"], kind="stable")
    for column, check, row in zip(failures["column"], failures["check"], failures["index"],
                                  strict=True):
        row = int(row)
        found = table.frame.at[row, column]
        found = None if pd.isna(found) else found
        kind = kinds[column]
        if check == "not_nullable":
            if found is None and (row, column) in held:
                continue  # reported by check_excel_cells, naming what the cell holds
            if found is None:
                message, expected = _NULL.get(kind, _NULL["text"])
            elif kind == "flag":
                message, expected = _CHECKS["flag"]
            else:
                message, expected = (f"not a number in a {kind.replace('population_', '')} "
                                     "column", _NULL[kind][1])
        else:
            message, expected = _CHECKS.get(str(check), (f"failed check {check}", ""))
            hint = question_hint(found) if check == "question" and found else None
            if hint:
                message += f"; did you mean {hint!r}?"
        problems.append(table.place("error", message, row=row, column=table.header(column),
                                    value=found if found is not None else "",
                                    expected=expected))
    return problems


def check_excel_cells(table: RawTable) -> list[Problem]:
    """A workbook cell that reads as blank but holds an Excel error value (#N/A, #DIV/0!) or a
    formula with no saved result, in any column: the message names what the cell holds."""
    kinds = _kinds(table)
    problems = []
    for (row, column), held in sorted(cells_held(table).items(),
                                      key=lambda item: (item[0][0], table.positions[item[0][1]])):
        kind = kinds.get(column, "text")
        problems.append(table.place(
            "error", f"no value: the cell holds {held}", row=row, column=table.header(column),
            value=held.split(" (", 1)[0],
            expected=_NULL[kind][1] if kind in _NULL else "a value, not an Excel error"))
    return problems


def question_hint(text: str) -> str | None:
    """The survey question a written one names ("Harassment from the public" -> public,
    "Q2 colleagues" -> colleagues, "Manager" -> managers), or None when it names none or two."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    named = [q for q in SURVEY_QUESTIONS if q in words or q.rstrip("s") in words]
    return named[0] if len(named) == 1 else None


# --- rules within a table ------------------------------------------------------------------------


def check_blank_services(table: RawTable) -> list[Problem]:
    """A service column that is filled in some rows and blank in others (in an action plan a
    blank service means both, so it is allowed there)."""
    if "service" not in table.frame.columns or table.name == ACTION_PLAN_TABLE:
        return []
    blank = table.frame["service"].isna()
    if not blank.any() or blank.all():
        return []
    return [table.place("error", "service is blank in this row but given in others", row=int(r),
                        column=table.header("service"), value="", expected=EXPECT_SERVICE)
            for r in blank[blank].index]


def check_duplicates(table: RawTable) -> list[Problem]:
    """Aggregate rows repeating (service, ethnicity[, pay_band, question]) - compared without case
    and with service spellings resolved - and record ids repeated."""
    frame = table.frame
    if table.name in RECORD_TABLES:
        columns = [RECORD_IDS[table.name]]
    elif table.name == POPULATION_TABLE:
        columns = ["ethnicity"]
    elif table.name in AGGREGATE_TABLES:
        columns = ["service", "ethnicity", *AGGREGATE_TABLES[table.name].keys]
    else:
        return []
    if not set(columns) - {"service"} <= set(frame.columns):
        return []
    key = pd.DataFrame({
        c: services(table).fillna("?") if c == "service" else frame[c].str.lower()
        for c in columns
    })
    dup = key.duplicated(keep="first")
    if table.name in RECORD_TABLES:
        dup &= key[columns[0]].notna()  # a blank id is reported by check_values
    if not dup.any():
        return []
    first_row = pd.Series(key.index, index=key.index).groupby(
        [key[c] for c in columns], dropna=False).transform("min")
    problems = []
    for row in dup[dup].index:
        first = int(first_row[row])
        message = (f"{columns[0]} repeated (first in row {first})" if table.name in RECORD_TABLES
                   else f"duplicate row: the same {', '.join(columns)} as row {first}")
        value = " / ".join(str(frame.at[row, c]) for c in columns if c in frame.columns)
        problems.append(table.place("error", message, row=int(row),
                                    column=table.header(columns[-1]), value=value,
                                    expected="each row once"))
    return problems


def counts(table: RawTable, column: str) -> pd.Series:
    """A count column where it is a valid count (whole, 0 to MAX_COUNT), else NA: rules that
    compare counts use only valid ones, so one bad cell is reported once, by
    :func:`check_values`."""
    values = numbers(table, column)
    return values.where((values >= 0) & (values % 1 == 0) & (values <= MAX_COUNT))


#: (table, smaller, larger): smaller <= larger in every row.
NOT_MORE_THAN: tuple[tuple[str, str, str], ...] = (
    ("recruitment", "appointed", "shortlisted"),
    ("fitness_to_practise", "entered", "registered"),
    ("survey", "yes", "respondents"),
    ("disciplinary", "entered", "headcount"),
    ("cpd", "accessed", "headcount"),
    ("leavers", "left", "headcount"),
    ("applications", "appointed", "shortlisted"),
    ("staff", "ftp", "registered"),
)


def check_row_consistency(table: RawTable) -> list[Problem]:
    """appointed <= shortlisted, entered <= registered, yes <= respondents, counts <= own
    headcount; in record extracts a person appointed but not shortlisted, or referred to
    fitness to practise but not registered."""
    problems = []
    for name, small, large in NOT_MORE_THAN:
        if name != table.name or not {small, large} <= set(table.frame.columns):
            continue
        a, b = counts(table, small), counts(table, large)
        bad = a > b
        for row in bad[bad].index:
            problems.append(table.place(
                "error", f"{small} ({a[row]:g}) is more than {large} ({b[row]:g})", row=int(row),
                column=table.header(small), value=table.frame.at[row, small],
                expected=f"{small} at most {large} in the same row"))
    return problems


# --- the action plan -----------------------------------------------------------------------------

EXPECT_METRICS = ("metric ids M1 to M9, M7a or M7b (M7 for both), separated by commas or "
                  "semicolons, e.g. 'M2; M9'")
EXPECT_STATUS = "Red, Amber, Green or Complete"
EXPECT_PLAN_SERVICE = "adults or children (or e.g. Adult Social Care), or blank for both"


#: Words plans use instead of a RAG colour whose meaning is not in doubt.
STATUS_WORDS: dict[str, str] = {
    "on track": "Green", "done": "Complete", "closed": "Complete", "achieved": "Complete",
    "completed": "Complete", "blue": "Complete",
}


def status_hint(value: str) -> str | None:
    """The status a written value most likely means ("RAG: Red" -> Red, "Completed" -> Complete,
    "G" -> Green, "On track" -> Green, "Blue" -> Complete as in BRAG ratings), or None when it
    is not clear."""
    folded = value.strip().lower()
    if folded in STATUS_WORDS:
        return STATUS_WORDS[folded]
    words = set(re.findall(r"[a-z]+", folded))
    named = [s for s in ACTION_STATUSES if s.lower() in words]
    if len(named) == 1:
        return named[0]
    if named:
        return None  # "Amber/Green": two statuses, the plan must choose one
    if "blue" in words:
        return "Complete"
    initial = [s for s in ACTION_STATUSES if folded == s[0].lower()]
    if initial:
        return initial[0]
    near = difflib.get_close_matches(folded, [s.lower() for s in ACTION_STATUSES], n=1, cutoff=0.6)
    return near[0].title() if near else None


_METRIC_NUMBER = re.compile(r"^(?:metric|m)?\s*0*([1-9])\s*([ab]?)$")


def metric_hint(piece: str) -> str | None:
    """The metric id a piece most likely means ("2" -> M2, "Metric 7a" -> M7a), or None."""
    match = _METRIC_NUMBER.match(piece.strip().lower())
    if match is None or (match.group(2) and match.group(1) != "7"):
        return None
    return f"M{match.group(1)}{match.group(2)}"


#: Words that make an owner a role ("Head of HR", "Principal Social Worker"), not a person.
ROLE_WORDS = frozenset("""
    head director deputy assistant chief executive manager managers management lead leads
    officer officers team board group network chair champion champions partner partners hr od
    service services adviser advisor principal practitioner worker workers practice committee
    panel forum coordinator co-ordinator business workforce learning development academy
    equality diversity inclusion edi council staff steering programme project recruitment
    training member cabinet portfolio holder senior leadership dcs das psw people resourcing
    organisational organizational communications comms engagement wellbeing improvement quality
    assurance safeguarding adults children childrens adult social care policy data analyst
    analysts insight performance payroll reward of and for
""".split())
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "cllr"})


def looks_like_a_name(owner: str) -> bool:
    """True when an owner reads as a person's name ("Jane Smith", "Dr Patel", an e-mail address,
    "A. Khan (Head of HR)") rather than a role."""
    if "@" in owner:
        return True
    for part in re.split(r"[,;/()|]| - ", owner):
        words = re.findall(r"[A-Za-z][A-Za-z'.\-]*", part)
        if not words:
            continue
        folded = [w.lower().rstrip(".") for w in words]
        if folded[0] in TITLES:
            return True
        capitalised = all(w[0].isupper() for w in words)
        if capitalised and 2 <= len(words) <= 3 and not set(folded) & ROLE_WORDS:
            return True
    return False


def check_action_plan(table: RawTable) -> list[Problem]:
    """The action plan's cells: required text not blank, action ids unique, every metric id and
    status recognised (naming the bad one, with the likely meaning), services recognised; a
    notice where an owner looks like a person's name (reports show the owner as given)."""
    if table.name != ACTION_PLAN_TABLE:
        return []
    frame = table.frame
    problems = []
    carried = frame.copy()  # a later update's blanks hold the action's earlier values
    if "action_id" in frame.columns:
        for rows in action_rows(frame).values():
            for row, cells in rows:
                for column in ACTION_PLAN_CARRIED:
                    if column in carried.columns:
                        carried.at[row, column] = cells[column]
    for column in [c for c in ACTION_PLAN_NOT_BLANK if c in frame.columns]:
        for row in frame.index[carried[column].isna()]:
            problems.append(table.place(
                "error", f"blank {column}", row=int(row), column=table.header(column), value="",
                expected=EXPECT_METRICS if column == "metrics" else EXPECT_STATUS
                if column == "status" else "a value in every row"
                if column not in ACTION_PLAN_CARRIED else
                "a value in every row (an update's row may leave it blank when an earlier "
                "update of the action gives it)"))
    problems += _update_dates(table)
    if "metrics" in frame.columns:
        for row, text in frame["metrics"].dropna().items():
            ids, bad = metric_ids(text)
            for piece in bad:
                hint = metric_hint(piece)
                problems.append(table.place(
                    "error", f"unrecognised metric id {piece!r}"
                    + (f"; did you mean {hint!r}?" if hint else ""), row=int(row),
                    column=table.header("metrics"), value=text, expected=EXPECT_METRICS))
            if not ids and not bad:
                problems.append(table.place(
                    "error", "no metric id", row=int(row), column=table.header("metrics"),
                    value=text, expected=EXPECT_METRICS))
    if "status" in frame.columns:
        for row, text in frame["status"].dropna().items():
            if action_status(text) is not None:
                continue
            hint = status_hint(text)
            problems.append(table.place(
                "error", "unrecognised status" + (f"; did you mean {hint!r}?" if hint else ""),
                row=int(row), column=table.header("status"), value=text,
                expected=EXPECT_STATUS))
    problems += _unreadable(table, "service", plan_service, "unrecognised service",
                            EXPECT_PLAN_SERVICE)
    if "owner" in frame.columns:
        for row, text in frame["owner"].dropna().items():
            if looks_like_a_name(text):
                problems.append(table.place(
                    "notice", f"{OWNER_NOTICE}: reports show the owner as given, so name a "
                    "role", row=int(row), column=table.header("owner"),
                    value=text, expected="a role, e.g. 'Head of HR'"))
    return problems


OWNER_NOTICE = "owner looks like a person's name"


def _unreadable(table: RawTable, column: str, read: Callable[[str], object], message: str,
                expected: str) -> list[Problem]:
    """An error at each filled cell of ``column`` that ``read`` cannot read (returns None)."""
    if column not in table.frame.columns:
        return []
    return [table.place("error", message, row=int(row), column=table.header(column),
                        value=text, expected=expected)
            for row, text in table.frame[column].dropna().items() if read(text) is None]


EXPECT_DATE = "a date such as 2023-05-31 or 31/05/2023"


def _update_dates(table: RawTable) -> list[Problem]:
    """Each action once, or once per dated update: every row of a repeated action_id needs an
    ``update_date``, a date, and no two of its rows the same date."""
    frame = table.frame
    problems = []
    problems += _unreadable(table, "update_date", update_date, "update_date is not a date",
                            EXPECT_DATE)
    if "action_id" not in frame.columns:
        return problems
    for rows in action_rows(frame).values():
        rows = sorted(rows)  # file order
        head = rows[0][0]
        dated = {r: update_date(cells.get("update_date")) for r, cells in rows}
        seen: dict[str, int] = {}
        for row, cells in rows:
            date = dated[row]
            if row != head and (date is None or dated[head] is None):
                if cells.get("update_date") is not None and date is None:
                    continue  # not a date: reported above
                message = f"action_id repeated (first in row {head})"
                expected = ("each action once, or one row per update of the action, each with "
                            "its update_date")
            elif date is not None and date in seen:
                message = f"a second update of this action dated {date} (first in row {seen[date]})"
                expected = "one row per update of an action, each on its own date"
            else:
                if date is not None:
                    seen[date] = row
                continue
            problems.append(table.place(
                "error", message, row=row, column=table.header("action_id"),
                value=cells["action_id"], expected=expected))
    return problems


def _owner_error(problem: Problem) -> Problem:
    """In a return to be published an owner that reads as a person (a name, an e-mail address)
    is an error: the reports would publish it. Other problems pass unchanged."""
    if problem.severity != "notice" or not problem.message.startswith(OWNER_NOTICE):
        return problem
    return replace(problem, severity="error", message=(
        f"{OWNER_NOTICE} or an e-mail address: published reports show the owner, so name a "
        "role (or set disclosure: internal for a report kept in the service)"))


# --- rules across tables -------------------------------------------------------------------------


def check_forms(raw: RawReturn) -> list[Problem]:
    """An aggregate table and a record-level extract that builds it must not both be given."""
    problems = []
    for record, builds in RECORD_BUILDS.items():
        if record not in raw.tables:
            continue
        for name in builds:
            if name in raw.tables:
                table = raw.tables[name]
                problems.append(table.place(
                    "error", f"both {name!r} and the record-level {record!r} are given, and "
                    f"{record!r} already builds {name!r}",
                    expected=f"either the aggregate table {name!r} or the extract {record!r}"))
    return problems


def _collected(raw: RawReturn) -> set[str]:
    names = {n for n in raw.tables if n in AGGREGATE_TABLES}
    for record, builds in RECORD_BUILDS.items():
        if record in raw.tables:
            names.update(builds)
    return names


_LEVELS = ("census_category", "group", "ethnic_class")


def _workforce_headcounts(workforce: RawTable, split: bool) -> dict[tuple[str, str, str], float]:
    """Workforce headcount summed over pay bands, by (service, level, value) at each level of the
    ethnicity mapping (census category, group, class); NA where any row's headcount is bad."""
    eth = ethnicity_columns(workforce.frame["ethnicity"].fillna(""))
    service = services(workforce) if split else pd.Series(ALL_SERVICES, index=eth.index)
    heads = counts(workforce, "headcount")
    lookup: dict[tuple[str, str, str], float] = {}
    for level in _LEVELS:
        summed = heads.groupby([service, eth[level]]).sum(skipna=False)
        lookup.update({(s, level, v): n for (s, v), n in summed.items()})
    return lookup


def _headcount_for(lookup: dict[tuple[str, str, str], float], service: str, label: str) -> float:
    """The finest workforce headcount that contains this label: its census category when the
    workforce names it, else its group, else its class (so 'Asian' in one table is compared with
    Indian + Pakistani + ... in the workforce, and 'BAME' with every minority)."""
    found = classify(label)
    for level, value in zip(_LEVELS, (found.census_category, found.group, found.ethnic_class),
                            strict=True):
        if value is not None and (service, level, value) in lookup:
            return lookup[(service, level, value)]
    return 0.0


def check_denominators(raw: RawReturn) -> list[Problem]:
    """disciplinary, cpd and leavers without their own headcount need workforce, and their counts
    may not exceed the workforce headcount of the same service and ethnicity."""
    problems = []
    workforce = raw.tables.get("workforce")
    for name in DENOMINATOR_FROM_WORKFORCE:
        table = raw.tables.get(name)
        if table is None or "headcount" in table.frame.columns:
            continue
        if workforce is None and "staff" not in raw.tables:
            problems.append(table.place(
                "error", f"{name!r} has no headcount column, so its denominator comes from the "
                "workforce table, but the return has no 'workforce' table",
                expected=f"a 'workforce' table, or a 'headcount' column in {name!r}"))
            continue
        count = AGGREGATE_TABLES[name].counts[0]
        if workforce is None or not {"ethnicity", count} <= set(table.frame.columns) or not {
                "ethnicity", "headcount"} <= set(workforce.frame.columns):
            continue
        table_services = services(table)
        split = bool(set(table_services.dropna()) - {ALL_SERVICES})
        if split and not set(services(workforce).dropna()) - {ALL_SERVICES}:
            problems.append(table.place(
                "error", f"{name!r} is split by service but 'workforce' is not, so there is no "
                "headcount for each service", column=table.header("service"),
                expected="the same services in both tables"))
            continue
        try:
            lookup = _workforce_headcounts(workforce, split)
        except UnknownEthnicityLabel:  # reported by check_values
            continue
        labels = table.frame["ethnicity"].fillna("")
        for row, service, label, value in zip(table.frame.index, table_services, labels,
                                              counts(table, count), strict=True):
            try:
                headcount = _headcount_for(lookup, service, label)
            except UnknownEthnicityLabel:  # reported by check_values
                continue
            if pd.notna(value) and pd.notna(headcount) and value > headcount:
                problems.append(table.place(
                    "error", f"{count} ({value:g}) is more than the workforce headcount "
                    f"({headcount:g}) for {service}, {label or 'blank'}",
                    row=int(row), column=table.header(count), value=table.frame.at[row, count],
                    expected=f"at most {headcount:g}, the workforce headcount summed over pay "
                    "bands"))
    return problems


def _band_table(raw: RawReturn) -> RawTable | None:
    for name in ("workforce", "staff"):
        table = raw.tables.get(name)
        if table is not None and "pay_band" in table.frame.columns:
            return table
    return None


def check_pay_bands(raw: RawReturn, params: Parameters | None) -> list[Problem]:
    """Every pay band named in the data appears in the parameter file's band order; without one,
    a notice says how the bands were ordered."""
    table = _band_table(raw)
    if table is None:
        return []
    bands = table.frame["pay_band"].dropna()
    if bands.empty:
        return []
    present = list(dict.fromkeys(bands))
    if params is not None and params.pay_bands:
        problems = []
        for band in present:
            if band in params.pay_bands:
                continue
            near = difflib.get_close_matches(band, params.pay_bands, n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.append(table.place(
                "error", f"pay band not in the band order of the parameter file{hint}",
                row=int(bands[bands == band].index[0]), column=table.header("pay_band"),
                value=band, expected="one of pay_bands: " + ", ".join(params.pay_bands)))
        return problems
    order = band_order(present)
    if band_order_source(present) == "amounts":
        how = "by the first amount each names"
    else:
        silent = [b for b in present if band_amount(b) is None]
        named = "they name no amounts" if len(silent) == len(present) else (
            ", ".join(repr(b) for b in silent) + (" names" if len(silent) == 1 else " name")
            + " no amount")
        how = f"in the order they first appear in the data ({named})"
    return [table.place(
        "notice", f"no pay_bands in the parameter file: bands ordered {how}, lowest first: "
        + " < ".join(order) + "; if that is not their order, list them lowest first under "
        f"pay_bands: in the parameter file {raw.ref.authority}.yml")]


def check_population(raw: RawReturn, params: Parameters | None) -> list[Problem]:
    """Population shares add up to 1 (counts any whole numbers); where population comes from."""
    table = raw.tables.get(POPULATION_TABLE)
    if table is None:
        if params is None or not params.population:
            return [Problem("notice", str(raw.ref.path),
                            "M9 population comparison not available: no population table in "
                            "the return and no population in the parameter file")]
        return []
    problems = []
    if params is not None and params.population:
        problems.append(table.place(
            "notice", "population taken from the return; the parameter file's population is "
            "not used"))
    if "share" in table.frame.columns:
        total = numbers(table, "share").sum()
        if not 0.98 <= total <= 1.02:
            problems.append(table.place(
                "error", f"population shares add up to {total:.3f}",
                column=table.header("share"), value=round(float(total), 3),
                expected="shares adding up to 1 (0.98 to 1.02 allowed for rounding)"))
    elif "count" in table.frame.columns and numbers(table, "count").sum() <= 0:
        problems.append(table.place(
            "error", "population counts add up to 0", column=table.header("count"),
            expected="counts of the area's population by ethnicity"))
    return problems


def check_metadata(raw: RawReturn) -> list[Problem]:
    """A ``synthetic`` entry must say true or false."""
    table = raw.tables.get(METADATA_TABLE)
    value = metadata(raw).get("synthetic")
    if table is None or value is None or value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return []
    keys = table.frame["key"].map(lambda k: str(k).strip().lower() == "synthetic")
    row = int(keys[keys].index[0])
    return [table.place("error", "synthetic must be true or false", row=row,
                        column=table.header("value"), value=value, expected="true or false")]


def check_collected(raw: RawReturn, params: Parameters | None) -> list[Problem]:
    """A notice for each metric whose table the return does not hold (a table it names but that
    could not be read has its error instead)."""
    collected = _collected(raw)
    unread = raw.unread | {n for r in raw.unread for n in RECORD_BUILDS.get(r, ())}
    missing: dict[str, list[str]] = {}
    for metric, name in METRIC_TABLES.items():
        if name is not None and name not in collected and name not in unread:
            missing.setdefault(name, []).append(metric)
    problems = []
    for name, metrics in missing.items():
        text = ", ".join(metrics)
        if name == "senior_management" and params is not None and params.senior_bands \
                and "workforce" in collected:
            problems.append(Problem(
                "notice", str(raw.ref.path), f"{text}: no senior_management table; senior "
                "management taken from the senior_bands of the parameter file: "
                + ", ".join(params.senior_bands)))
            continue
        problems.append(Problem("notice", str(raw.ref.path),
                                f"{text} not collected (no {name} table)"))
    return problems


#: Problems reported per rule and column; past this, one more problem counts the rest, so that a
#: 100,000-row extract with a systematic fault gives a readable report.
ROW_LIMIT = 20


def _same_problem(problem: Problem) -> tuple:
    return (problem.severity, problem.file, problem.sheet, problem.column, problem.message,
            repr(problem.value), problem.expected)


def grouped(problems: list[Problem]) -> list[Problem]:
    """The same problem (message, column, value and expectation) in several rows, once, with
    every row in ``rows`` ("rows 3-22, 25"), where the first of them was."""
    same: dict[tuple, list[Problem]] = {}
    for problem in problems:
        same.setdefault(_same_problem(problem), []).append(problem)
    out = []
    for group in same.values():
        rows = tuple(p.row for p in group if p.row is not None)
        if len(group) > 1 and len(rows) == len(group):
            out.append(dataclasses.replace(group[0], rows=rows))
        else:
            out += group
    return out  # in the order of each problem's first row


def capped(problems: list[Problem], limit: int = ROW_LIMIT) -> list[Problem]:
    """Identical problems once with their rows (:func:`grouped`); then the first ``limit``
    problems of each (file, sheet, column), and a count of the rows of the rest."""
    kept: list[Problem] = []
    seen: dict[tuple[str, str | None, str | None], list[Problem]] = {}
    for problem in grouped(problems):
        same = seen.setdefault((problem.file, problem.sheet, problem.column), [])
        same.append(problem)
        if len(same) <= limit:
            kept.append(problem)
    for (file, sheet, column), same in seen.items():
        if len(same) > limit:
            rest = sum(max(1, len(p.rows)) for p in same[limit:])
            kept.append(Problem(
                same[0].severity, file, f"... and {rest} more rows like row "
                f"{same[0].row} ({same[0].message})", sheet=sheet, column=column))
    return kept


TABLE_RULES: tuple[Callable[[RawTable], list[Problem]], ...] = (
    check_values, check_excel_cells, check_blank_services, check_duplicates, check_row_consistency,
    check_action_plan,
)


def validate_raw(raw: RawReturn, params: Parameters | None) -> ValidationReport:
    """Every rule of the contract over a return as read; the report holds every problem found."""
    report = ValidationReport(str(raw.ref.path), list(raw.problems))
    if not raw.tables and not any(p.severity == "error" for p in raw.problems):
        report.problems.append(Problem(
            "error", str(raw.ref.path), "the return holds no tables",
            expected="sheets or CSV files named after the contract's tables, e.g. workforce"))
    for table in raw.tables.values():
        column_problems = check_columns(table)
        report.problems += column_problems
        if table.frame.empty:
            report.problems.append(table.place(
                "error", "no data rows below the header",
                expected="one row per action (leave the table out if there is no plan)"
                if table.name == ACTION_PLAN_TABLE else "one row per service and ethnicity "
                "(leave the table out if it was not collected)"))
            continue
        for rule in TABLE_RULES:
            report.problems += capped(rule(table))
    if params is None or params.disclosure == "published":
        report.problems = [_owner_error(p) for p in report.problems]
    report.problems += check_forms(raw)
    report.problems += capped(check_denominators(raw))
    report.problems += check_pay_bands(raw, params)
    report.problems += check_population(raw, params)
    report.problems += check_metadata(raw)
    report.problems += check_collected(raw, params)
    return report


def validate_return(ref: ReturnRef, params: Parameters | None) -> ValidationReport:
    """Read one return and check it against the contract (``params`` None when the parameter file
    itself was bad: the data are still checked)."""
    return validate_raw(read_raw(ref, params), params)
