"""How a figure is printed: the one place, for sentences (``fmt_*``: "0.52", "12.3%", "+3.0",
"1,234", "95% CI 0.41 to 0.66") and for tables (``*_text`` of a record's column: the same, or
"not published" for a figure disclosure control withheld, "cannot be computed" for one missing for
another reason, and "[c]" for a withheld count)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from wres_tools import publish
from wres_tools.contract import is_missing
from wres_tools.reporting.data import ReportData
from wres_tools.statistics import ALPHA, CONFIDENCE

#: Each side of 1 that can be adverse, in words: the forest plot's text alternative and the
#: index's key say it the same way (``metrics.METRICS[m].adverse_when`` picks the side).
ADVERSE_WORDS: dict[str, str] = {
    "low": "below 1 (minority ethnic staff less likely than white staff)",
    "high": "above 1 (minority ethnic staff more likely than white staff)",
}
#: A figure disclosure control withheld (and only such a figure).
NOT_PUBLISHED = "not published"
#: A figure that is missing for a reason other than disclosure control (no white rate, a zero).
CANNOT_BE_COMPUTED = "cannot be computed"
NOT_AVAILABLE = "not available"
NOT_COMPARED = "not compared"


# ---------------------------------------------------------------- numbers, in words and tables


def as_number(value: object) -> float | None:
    """A float to print or draw, or None for a withheld / missing / non-finite value. The charts
    use it too (as ``charts.number``); it lives here so that printing a table, as ``wres
    metrics`` does, imports no charts and no matplotlib."""
    if is_missing(value):
        return None
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def fmt_rl(value: float) -> str:
    """A relative likelihood or ratio: two decimal places, "0.52"."""
    return f"{value:.2f}"


def fmt_pct(fraction: float, places: int = 1) -> str:
    """A rate or share held as a fraction, as a percentage: 0.1234 -> "12.3%"."""
    return f"{100 * fraction:.{places}f}%"


def fmt_signed(value: float, places: int = 1) -> str:
    """A signed difference: "+3.0", "−1.2" (a true minus sign), "0.0"."""
    text = f"{abs(value):.{places}f}"
    if float(text) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def fmt_count(value: int) -> str:
    """A count with thousands separators: 1234 -> "1,234"."""
    return f"{int(value):,}"


def fmt_ci(low: float, high: float, fmt: Any = fmt_rl) -> str:
    """An interval at the one confidence level: "95% CI 0.41 to 0.66" (``fmt`` prints each end)."""
    return f"{CONFIDENCE:.0%} CI {fmt(low)} to {fmt(high)}"




def fmt_pp(value: float) -> str:
    """A difference already in percentage points (gaps, changes of a share): "+3.0 pp"."""
    return f"{value:+.1f} pp"


def fmt_p(value: float) -> str:
    """A p-value with its reading at the one test level: "0.012 (significant at 5%)"."""
    text = "below 0.001" if value < 0.001 else f"{value:.3f}"
    level = f"{ALPHA:.0%}"
    return f"{text} ({'significant' if value < ALPHA else 'not significant'} at {level})"


def fmt_unknown_pct(value: float) -> str:
    """The share of unknown ethnicity, held as a percentage: 7.25 -> "7.2%"."""
    return f"{value:.1f}%"


def is_withheld(record: Mapping[str, object], column: str) -> bool:
    """Whether disclosure control withheld ``column`` of ``record``: a result record names its
    withheld columns (:func:`wres_tools.publish.is_withheld`); a change over time, which has no
    such list, is withheld as a whole and its reason says so."""
    if "withheld" in record:
        return publish.is_withheld(record, column)
    return str(record.get("reason") or "").startswith(publish.WITHHELD)


def figure_text(record: Mapping[str, object], column: str,
                fmt: Callable[[float], str] = fmt_rl) -> str:
    """One figure of a record as a table prints it: ``fmt`` of its value; "not published" only
    where disclosure control withheld it; "cannot be computed" where it is missing for another
    reason (the record's reason and the narrative say which)."""
    number = as_number(record.get(column))
    return missing_text(record, column) if number is None else fmt(number)


def missing_text(record: Mapping[str, object], column: str) -> str:
    """What a table prints for a figure it does not show: "not published" where disclosure
    control withheld it, else "cannot be computed"."""
    return NOT_PUBLISHED if is_withheld(record, column) else CANNOT_BE_COMPUTED


def with_ci(fmt: Callable[[float], str], record: Mapping[str, object], column: str) -> str:
    """A figure and its interval, "0.52 (0.41 to 0.66)", from ``column`` and ``column_ci_low``
    / ``column_ci_high``; the figure alone when it has no interval."""
    text = figure_text(record, column, fmt)
    value = as_number(record.get(column))
    low = as_number(record.get(f"{column}_ci_low"))
    high = as_number(record.get(f"{column}_ci_high"))
    if value is None or low is None or high is None:
        return text
    return f"{text} ({fmt(low)} to {fmt(high)})"


def count_text(record: Mapping[str, object], column: str, data: ReportData) -> str:
    """A count as a table prints it: "1,234", "[c]" (withheld by disclosure control, whatever
    its size: one symbol, so that a small count cannot be told from a protective one) or "not
    available". In published mode a count from 1 to threshold-1 is never printed: if one ever
    reached a table (a publishing-step bug) it prints "[c]" too."""
    number = as_number(record.get(column))
    if number is not None:
        if data.disclosure == "published" and 1 <= number < data.threshold:
            return publish.SYMBOL
        return fmt_count(int(number))
    if data.disclosure == "published" and (publish.is_withheld(record, column) or (
            record.get("suppressed") and "withheld" not in record)):
        return publish.SYMBOL
    return NOT_AVAILABLE


def unknown_text(record: Mapping[str, object], data: ReportData) -> str:
    """The count of unknown ethnicity with its share of everyone counted: "12 (7.2%)"."""
    count = count_text(record, "unknown_count", data)
    share = as_number(record.get("unknown_pct"))
    return count if share is None else f"{count} ({fmt_unknown_pct(share)})"


# ---------------------------------------------------------------- action plans and benchmarking

#: An action's status as a table prints it: a shape as well as the word, never colour alone.
STATUS_MARKERS: dict[str, str] = {"Red": "✖", "Amber": "▲", "Green": "●", "Complete": "✔"}


def status_text(status: object) -> str:
    """"✖ Red", "▲ Amber", "● Green", "✔ Complete": a marker, then the status in words."""
    return f"{STATUS_MARKERS.get(str(status), '')} {status}".strip()


def plan_text(value: object, missing: str) -> str:
    """An action plan's cell as text, or ``missing`` for a blank one."""
    return missing if is_missing(value) else str(value)
