"""Cell text -> values: services, counts, ethnicity labels, metric ids, action statuses and the
metadata table's flags. Each parser takes the raw strings of a
:class:`~wres_tools.returns.read.RawTable` and returns a Series aligned with its rows (missing
where the text cannot be read; validation reports those).
"""

from __future__ import annotations

import datetime
import re

import pandas as pd

from wres_tools.contract import (
    ACTION_PLAN_CARRIED,
    ACTION_STATUSES,
    ALL_SERVICES,
    METADATA_TABLE,
    METRIC_ID_ALIASES,
    METRIC_TABLES,
    SERVICE_ALIASES,
    service_key,
)
from wres_tools.ethnicity import UnknownEthnicityLabel, classify
from wres_tools.returns.read import RawReturn, RawTable, normalise_name

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


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def update_date(text: str | None) -> str | None:
    """An action's update date as ISO text (YYYY-MM-DD), or None when it is not a date.

    Accepted: 2023-05-31, a workbook's date cell ("2023-05-31 00:00:00") and 31/05/2023 (day
    first, as dates are written in England).
    """
    if text is None:
        return None
    text = str(text).strip()
    iso, uk = _ISO_DATE.match(text), _UK_DATE.match(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif uk:
        day, month, year = (int(g) for g in uk.groups())
    else:
        return None
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:  # 31/02/2023
        return None


def action_rows(frame: pd.DataFrame) -> dict[str, list[tuple[int, dict[str, str | None]]]]:
    """The plan's rows by action (action_id folded to lower case), each action's rows oldest
    update first (in the file's order when one has no date), with the blanks of
    :data:`~wres_tools.contract.ACTION_PLAN_CARRIED` filled from the action's earlier rows.

    Each row is (its index in ``frame``, its cells: None where blank). Rows without an
    action_id are left out (validation reports them).
    """
    found: dict[str, list[tuple[int, dict[str, str | None]]]] = {}
    for index, record in zip(frame.index, frame.to_dict(orient="records"), strict=True):
        key = record.get("action_id")
        if key is None or pd.isna(key):
            continue
        cells = {c: None if pd.isna(v) else str(v) for c, v in record.items()}
        found.setdefault(str(key).strip().lower(), []).append((int(index), cells))
    for rows in found.values():
        dates = [update_date(cells.get("update_date")) for _, cells in rows]
        if None not in dates:  # else the file's order: validation reports the undated repeat
            order = sorted(range(len(rows)), key=lambda i: str(dates[i]))
            rows[:] = [rows[i] for i in order]
        held: dict[str, str | None] = {}
        for _, cells in rows:
            for column in ACTION_PLAN_CARRIED:
                if column not in cells:
                    continue
                if cells[column] is None:
                    cells[column] = held.get(column)
                held[column] = cells[column]
    return found


#: Words an action plan may write for an action that covers both services.
BOTH_SERVICES = {"both", "all", "adults and children", "children and adults"}


def plan_service(text: str | None) -> str | None:
    """An action's service: adults, children, ``all`` when blank or "both"; None if unrecognised."""
    if text is None:
        return ALL_SERVICES
    key = service_key(text)
    return ALL_SERVICES if key in BOTH_SERVICES else SERVICE_ALIASES.get(key)


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
