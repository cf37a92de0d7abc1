"""Validated raw tables -> the tidy canonical tables of :class:`~wres_tools.contract.Return`:
aggregate tables as they are, record-level extracts counted into the aggregate tables, the
population shares and the action plan.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from wres_tools.contract import (
    ACTION_PLAN_TIDY_COLUMNS,
    ACTION_UPDATE_COLUMNS,
    AGGREGATE_TABLES,
    POPULATION_TABLE,
    RECORD_TABLES,
    SURVEY_QUESTIONS,
)
from wres_tools.parameters import Parameters
from wres_tools.returns.parse import (
    action_rows,
    action_status,
    ethnicity_columns,
    ethnicity_labels,
    metric_ids,
    numbers,
    plan_service,
    services,
    update_date,
)
from wres_tools.returns.read import RawReturn, RawTable

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


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def tidy_action_plan(table: RawTable) -> pd.DataFrame:
    """An action plan (already validated) in tidy form: one row per action and metric it aims at,
    actions in the order the file first names them, metrics in report order; columns
    ACTION_PLAN_TIDY_COLUMNS. An action with dated updates is taken as of its latest update
    (its status, position and any column that update changed); the rest are in
    :func:`tidy_action_updates`.

    A date cell read from a workbook ("2024-03-31 00:00:00") keeps its date only.
    """
    rows = []
    for updates in action_rows(table.frame).values():
        _, cell = updates[-1]
        due = cell.get("due")
        text = {c: cell.get(c) for c in
                ("action_id", "objective", "aim", "action", "owner", "success", "latest_update")}
        ids, _ = metric_ids(cell.get("metrics") or "")
        for metric in ids:
            rows.append({
                **text, "metric": metric, "status": action_status(cell.get("status") or ""),
                "service": plan_service(cell.get("service")),
                "due": _MIDNIGHT.sub(r"\1", due) if due is not None else None,
                "update_date": update_date(cell.get("update_date")),
            })
    return pd.DataFrame(rows, columns=list(ACTION_PLAN_TIDY_COLUMNS), dtype="str")


def tidy_action_updates(table: RawTable) -> pd.DataFrame | None:
    """The plan's history: one row per action and dated update (ACTION_UPDATE_COLUMNS), actions
    in the plan's order, each oldest update first; None when no row gives an update_date."""
    rows = [
        {"action_id": cell.get("action_id"), "update_date": update_date(cell.get("update_date")),
         "status": action_status(cell.get("status") or ""),
         "latest_update": cell.get("latest_update")}
        for updates in action_rows(table.frame).values() for _, cell in updates
        if update_date(cell.get("update_date")) is not None
    ]
    if not rows:
        return None
    return pd.DataFrame(rows, columns=list(ACTION_UPDATE_COLUMNS), dtype="str")


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
