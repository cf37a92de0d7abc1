"""Result records -> a table for the terminal (``wres metrics``).

The same records the reports and ``--json`` carry, laid out one line per metric x service x
group (x pay band for M1): counts as the reports print them ("<5", "[c]"), rates, the
relative likelihood with its interval, Fisher's p, the four-fifths reading, and the reason
where a figure is missing. Formatting comes from :mod:`wres_tools.reporting.narrative`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.markup import escape
from rich.table import Table

from wres_tools.contract import is_missing as _missing
from wres_tools.metrics import METRICS
from wres_tools.reporting.data import ReportData
from wres_tools.reporting.formats import NOT_AVAILABLE, count_text, fmt_pct, fmt_rl

COLUMNS: tuple[str, ...] = (
    "metric", "service", "group", "band", "group e/n", "white e/n",
    "group %", "white %", "RL (95% CI)", "p", "4/5ths", "note",
)


def _count(record: dict[str, Any], column: str, data: ReportData) -> str:
    text = count_text(record, column, data)
    return "" if text == NOT_AVAILABLE else text


def _pair(record: dict[str, Any], events: str, n: str, data: ReportData) -> str:
    total = _count(record, n, data)
    if METRICS[record["metric"]].kind != "ratio" or not total:
        return total
    return f"{_count(record, events, data)} / {total}"


def _pct(value: Any) -> str:
    return "" if _missing(value) else fmt_pct(value)


def _rl(record: dict[str, Any]) -> str:
    rl = record["rl"]
    if _missing(rl):
        return ""
    low, high = record["rl_ci_low"], record["rl_ci_high"]
    ci = "" if _missing(low) or _missing(high) else f" ({fmt_rl(low)}–{fmt_rl(high)})"
    return f"{fmt_rl(rl)}{ci}"


def _p(value: Any) -> str:
    if _missing(value):
        return ""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def row_cells(record: dict[str, Any], data: ReportData) -> list[str]:
    """The cells of one record's line, in :data:`COLUMNS` order."""
    kind = METRICS[record["metric"]].kind
    note = record["reason"] or ("small numbers" if record.get("small_numbers") else "")
    if record["status"] == "not_collected":
        note = "not collected"
    rate_g = record["share"] if kind != "ratio" else record["rate_group"]
    rate_r = record["share_workforce"] if kind != "ratio" else record["rate_reference"]
    return [
        record["metric"], record["service"], record["group"],
        "" if _missing(record["pay_band"]) else str(record["pay_band"]),
        _pair(record, "events_group", "n_group", data),
        _pair(record, "events_reference", "n_reference", data),
        _pct(rate_g), _pct(rate_r), _rl(record), _p(record["p_value"]),
        record["four_fifths"] or "", str(note),
    ]


def results_table(data: ReportData, results: pd.DataFrame, title: str | None = None) -> Table:
    """A rich Table of result records. For M1 and M9 "group e/n" is the minority headcount in
    the band (or senior management), "group %" the minority share and "white %" the minority
    share of the whole workforce. Counts print as the reports print them (:func:`count_text`).
    """
    table = Table(title=title, show_lines=False)
    for name in COLUMNS:
        table.add_column(name, no_wrap=name != "note", overflow="fold")
    for record in results.to_dict("records"):
        table.add_row(*(escape(cell) for cell in row_cells(record, data)))
    return table
