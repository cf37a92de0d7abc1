"""A fill-in workbook for one authority and year: ``wres template``.

Councils build their return in Excel. The template is a return with every sheet named and every
header written as the data contract wants them, so that a filled-in copy saved as
``<data_dir>/<authority>/<year>.xlsx`` validates without renaming anything:

- an ``instructions`` sheet: what each table is for, which metrics use it, where the figures
  usually come from (HR system, recruitment system, staff survey, Social Work England, census);
- one sheet per table with its header row (aggregate tables, or with ``record_level`` the
  record-level extracts), the ``service`` column left out with ``service_split=False``;
- dropdowns (Excel data validation) for ethnicity (the census 2021 categories and groups from
  :mod:`wres_tools.ethnicity`), service, survey question and answer, action-plan status and, when
  the authority's parameter file lists them, pay bands; whole-number validation on counts and
  0/1 on flags. Dropdowns warn rather than refuse, because the other labels of the contract
  (an NHS code, an HR system's own spelling) are accepted too;
- a hidden ``lists`` sheet holding the dropdowns' values.

A sheet left with its header only means "not collected" (the reader drops it); the
``instructions`` and ``lists`` sheets are read past (:data:`~wres_tools.contract.TEMPLATE_SHEETS`).
The bytes depend only on the arguments (:func:`wres_tools.returns.writer.workbook_bytes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from wres_tools.contract import (
    ACTION_PLAN_COLUMNS,
    ACTION_PLAN_OPTIONAL,
    ACTION_PLAN_TABLE,
    ACTION_STATUSES,
    AGGREGATE_TABLES,
    POPULATION_TABLE,
    RECORD_TABLES,
    SURVEY_QUESTIONS,
    TEMPLATE_INSTRUCTIONS,
    TEMPLATE_LISTS,
)
from wres_tools.ethnicity import CENSUS_CATEGORIES, GROUPS
from wres_tools.files import write_atomic
from wres_tools.parameters import Parameters
from wres_tools.returns.writer import workbook_bytes

#: The last row the dropdowns and number checks cover (Excel's last row).
LAST_ROW = 1_048_576

#: Where each table's figures usually come from, in an authority.
SOURCES: dict[str, str] = {
    "workforce": "HR system: establishment or payroll report of directly employed staff at the "
                 "snapshot date (e.g. 31 March), by pay band",
    "recruitment": "recruitment system (applicant tracking): applicants shortlisted and "
                   "appointed in the year, with the ethnicity they gave on the equality form",
    "disciplinary": "HR casework (employee relations) records: formal disciplinary "
                    "investigations begun in the year",
    "fitness_to_practise": "Social Work England (referrals of your social workers) and the HR "
                           "system (staff on the Social Work England register)",
    "cpd": "learning management system or training records: staff who accessed funded "
           "non-mandatory training or CPD in the year",
    "survey": "staff survey results by ethnicity: respondents and those answering yes",
    "leavers": "HR system: leavers in the year (headcount at the start of the year is "
               "optional)",
    "senior_management": "HR system: staff in senior management posts",
    "population": "census 2021 (ONS table TS021, ethnic group, for your local authority area, "
                  "e.g. from Nomis); leave empty when the parameter file gives population",
    "action_plan": "your SC-WRES action plan: one row per action",
    "staff": "HR system extract: one row per directly employed person",
    "applications": "recruitment system extract: one row per application",
    "survey_responses": "staff survey provider's respondent-level file: one row per respondent",
}

#: What each column holds.
COLUMN_NOTES: dict[str, str] = {
    "service": "adults or children",
    "ethnicity": "a census 2021 category or group (dropdown), an NHS code (A-S, Z) or "
                 "'Not stated'",
    "pay_band": "the pay band or grade",
    "headcount": "people (a whole number)",
    "shortlisted": "applicants shortlisted",
    "appointed": "applicants appointed",
    "entered": "people who entered the process in the year",
    "registered": "staff registered with Social Work England",
    "accessed": "staff who accessed funded non-mandatory training or CPD",
    "question": "public (M6), colleagues (M7a) or managers (M7b)",
    "respondents": "people who answered the question",
    "yes": "respondents answering yes",
    "left": "leavers in the year",
    "share": "the share of the area's population, 0 to 1",
    "count": "the number of the area's residents (instead of share)",
    "staff_id": "an identifier (not a name), each person once",
    "application_id": "an identifier, each application once",
    "respondent_id": "an identifier, each respondent once",
    "senior_manager": "1 if in a senior management post, else 0",
    "disciplinary": "1 if a formal disciplinary investigation began in the year, else 0",
    "ftp": "1 if referred to Social Work England fitness to practise in the year, else 0",
    "cpd": "1 if they accessed funded non-mandatory training or CPD, else 0",
    "public": "yes, no or blank: harassment from the public (M6)",
    "colleagues": "yes, no or blank: harassment from colleagues (M7a)",
    "managers": "yes, no or blank: harassment from managers (M7b)",
    "action_id": "your reference for the action",
    "objective": "the objective it serves",
    "aim": "the aim, in words",
    "metrics": "the metric ids it addresses, e.g. 'M2; M9'",
    "action": "what will be done",
    "owner": "a role (never a person's name): reports show it",
    "status": "Red, Amber, Green or Complete (on the update_date, if given)",
    "success": "what success looks like",
    "latest_update": "the latest progress (or the position on the update_date)",
    "due": "when it is due",
    "update_date": "optional: the date of this update (e.g. 2023-05-31); a row per update of an "
                   "action keeps the plan's history",
}


#: The high-level groups in the order of the census 2021 questionnaire.
_QUESTIONNAIRE_ORDER = ("white", "mixed", "asian", "black", "other")


def ethnicity_choices() -> list[str]:
    """The ethnicity dropdown: each census 2021 category under its group name ("Asian or Asian
    British: Indian"), then the high-level groups, then 'Not stated'."""
    choices = [f"{GROUPS[g]}: {category}" for g in _QUESTIONNAIRE_ORDER
               for category, group in CENSUS_CATEGORIES.items() if group == g]
    return [*choices, *(GROUPS[g] for g in _QUESTIONNAIRE_ORDER), "Not stated"]


@dataclass(frozen=True)
class SheetSpec:
    """One table sheet of the template: its name and header, in order."""

    name: str
    columns: tuple[str, ...]


def template_sheets(record_level: bool = False, service_split: bool = True) -> list[SheetSpec]:
    """The table sheets of the template, in order (optional counts left out: add a
    ``headcount`` column by hand to give a table its own denominator)."""
    if record_level:
        tables = [SheetSpec(name, columns) for name, columns in RECORD_TABLES.items()]
    else:
        tables = [SheetSpec(name, ("service", "ethnicity", *spec.keys, *spec.counts))
                  for name, spec in AGGREGATE_TABLES.items()]
    tables += [
        SheetSpec(POPULATION_TABLE, ("ethnicity", "share")),
        SheetSpec(ACTION_PLAN_TABLE, (*ACTION_PLAN_COLUMNS, *ACTION_PLAN_OPTIONAL)),
    ]
    if not service_split:
        tables = [SheetSpec(t.name, tuple(c for c in t.columns if c != "service")) for t in tables]
    return tables


def _metrics_of(name: str) -> str:
    if name in AGGREGATE_TABLES:
        return ", ".join(AGGREGATE_TABLES[name].metrics)
    builds = {"staff": ("workforce", "disciplinary", "fitness_to_practise", "cpd", "leavers",
                        "senior_management"),
              "applications": ("recruitment",), "survey_responses": ("survey",)}
    if name in builds:
        return ", ".join(m for table in builds[name] for m in AGGREGATE_TABLES[table].metrics)
    return {POPULATION_TABLE: "M9", ACTION_PLAN_TABLE: "every report"}[name]


def _instructions(ws: Worksheet, authority: str, year: int, display_name: str,
                  sheets: Sequence[SheetSpec], pay_bands: Sequence[str] | None) -> None:
    bold = Font(bold=True)
    lines: list[list[object]] = [
        [f"SC-WRES return: {display_name}, {year}"],
        [f"Save the filled-in workbook as <data folder>/{authority}/{year}.xlsx and check it "
         "with: wres validate <data folder>/" f"{authority}/{year}.xlsx"],
        ["Fill in one sheet per table: one row per service and ethnicity (and pay band or "
         "question). Keep the header row (row 1) as it is."],
        ["A sheet you did not collect stays empty (header only): its metric is reported as not "
         "collected. Do not rename sheets or headers."],
        ["Counts are whole numbers, 0 or more. Small numbers are fine: published reports "
         "suppress them."],
        ["Ethnicity: pick from the dropdown, or type an NHS code (A-S, Z) or your HR system's "
         "label (see docs/data-contract.md); 'Not stated' for unknown."],
        ["Pay bands, lowest first: " + ", ".join(pay_bands)] if pay_bands else
        ["Pay bands: list them lowest first under pay_bands: in the parameter file "
         f"parameters/{authority}.yml, or they are ordered from the data."],
        ["disciplinary, cpd and leavers are counted against the workforce headcount; to give "
         "one its own denominator, add a column headcount after its headers."],
        [],
        ["sheet", "metrics", "where the figures usually come from", "columns"],
    ]
    header_row = len(lines)
    for sheet in sheets:
        columns = "; ".join(f"{c}: {COLUMN_NOTES[c]}" for c in sheet.columns)
        lines.append([sheet.name, _metrics_of(sheet.name), SOURCES[sheet.name], columns])
    for row in lines:
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[header_row]:
        cell.font = bold
    for letter, width in zip("ABCD", (22, 18, 70, 110), strict=True):
        ws.column_dimensions[letter].width = width
    for cells in ws.iter_rows(min_row=header_row + 1):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _list_validation(ws: Worksheet, values_range: str, prompt: str) -> DataValidation:
    dv = DataValidation(type="list", formula1=values_range, allow_blank=True,
                        errorStyle="warning", showErrorMessage=True, showInputMessage=True)
    dv.errorTitle = "Not in the list"
    dv.error = "This value is not in the list; keep it only if the data contract accepts it."
    dv.prompt = prompt
    ws.add_data_validation(dv)
    return dv


def _number_validation(ws: Worksheet, low: int, high: int | None, prompt: str) -> DataValidation:
    if high is None:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(low))
    else:
        dv = DataValidation(type="whole", operator="between", formula1=str(low),
                            formula2=str(high))
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.showInputMessage = True
    dv.errorTitle = "Not a whole number"
    dv.error = prompt
    dv.prompt = prompt
    ws.add_data_validation(dv)
    return dv


#: Columns whose cells pick from a list of the ``lists`` sheet, by the list's name.
_LISTED = {"ethnicity": "ethnicity", "service": "service", "question": "question",
           "pay_band": "pay_band", "status": "status", **{q: "answer" for q in SURVEY_QUESTIONS}}


def column_kind(table: str, column: str) -> str:
    """What rule a column's cells follow in the template: a list's name, count, flag or text."""
    if column in _LISTED and (column != "status" or table == ACTION_PLAN_TABLE):
        return _LISTED[column]
    if table in AGGREGATE_TABLES and column in (*AGGREGATE_TABLES[table].counts,
                                                *AGGREGATE_TABLES[table].optional_counts):
        return "count"
    if table in ("staff", "applications") and column not in (
            "service", "ethnicity", "pay_band", "staff_id", "application_id"):
        return "flag"
    return "text"


def build_template(
    authority: str,
    year: int,
    params: Parameters | None = None,
    *,
    record_level: bool = False,
    service_split: bool = True,
) -> Workbook:
    """The fill-in workbook for one authority and year (see the module's docstring)."""
    pay_bands = list(params.pay_bands) if params is not None and params.pay_bands else None
    display_name = params.display_name if params is not None else authority
    sheets = template_sheets(record_level, service_split)
    wb = Workbook()
    first = wb.worksheets[0]
    _instructions(first, authority, year, display_name, sheets, pay_bands)
    first.title = TEMPLATE_INSTRUCTIONS
    lists = {
        "ethnicity": ethnicity_choices(),
        "service": ["adults", "children"],
        "question": list(SURVEY_QUESTIONS),
        "status": list(ACTION_STATUSES),
        "answer": ["yes", "no"],
        **({"pay_band": pay_bands} if pay_bands else {}),
    }
    ranges = {
        kind: f"{TEMPLATE_LISTS}!${get_column_letter(i)}$2:${get_column_letter(i)}"
              f"${len(items) + 1}"
        for i, (kind, items) in enumerate(lists.items(), start=1)
    }
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        ws.append(list(sheet.columns))
        ws.freeze_panes = "A2"
        for position, column in enumerate(sheet.columns, start=1):
            letter = get_column_letter(position)
            ws[f"{letter}1"].font = Font(bold=True)
            ws.column_dimensions[letter].width = max(12, len(column) + 4)
            cells = f"{letter}2:{letter}{LAST_ROW}"
            kind = column_kind(sheet.name, column)
            note = COLUMN_NOTES[column]
            if kind in ranges:
                _list_validation(ws, ranges[kind], note).add(cells)
            elif kind == "count":
                _number_validation(ws, 0, None, f"{note}: a whole number, 0 or more").add(cells)
            elif kind == "flag":
                _number_validation(ws, 0, 1, f"{note}: 0 or 1").add(cells)
    values = wb.create_sheet(TEMPLATE_LISTS)
    for list_column, (kind, items) in enumerate(lists.items(), start=1):
        values.cell(row=1, column=list_column, value=kind).font = Font(bold=True)
        for row, item in enumerate(items, start=2):
            values.cell(row=row, column=list_column, value=item)
    values.sheet_state = "hidden"
    return wb


def write_template(
    path: Path | str,
    authority: str,
    year: int,
    params: Parameters | None = None,
    *,
    record_level: bool = False,
    service_split: bool = True,
) -> Path:
    """Write the template to ``path`` (an .xlsx file), replacing any file there."""
    path = Path(path)
    wb = build_template(authority, year, params, record_level=record_level,
                        service_split=service_split)
    write_atomic(path, workbook_bytes(wb))
    return path
