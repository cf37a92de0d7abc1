"""How a figure is printed: the one place, for sentences (``fmt_*``: "0.52", "12.3%", "+3.0",
"1,234", "95% CI 0.41 to 0.66") and for tables (``*_text``: the same, or "not published" for a
withheld figure and "[c]" for a withheld count)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from wres_tools import publish
from wres_tools.contract import is_missing
from wres_tools.reporting.data import ReportData

NOT_PUBLISHED = "not published"
NOT_AVAILABLE = "not available"
NOT_COMPARED = "not compared"


# ---------------------------------------------------------------- numbers, in words and tables


def as_number(value: object) -> float | None:
    """A printable float, or None for a withheld / missing / non-finite value (as
    ``charts.number``; here so that printing a table, as ``wres metrics`` does, does not import
    the charts and matplotlib)."""
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


def fmt_ci(low: float, high: float, fmt: Any = fmt_rl, level: int = 95) -> str:
    """An interval: "95% CI 0.41 to 0.66" (``fmt`` prints each end)."""
    return f"{level}% CI {fmt(low)} to {fmt(high)}"




def ratio_text(value: object) -> str:
    number = as_number(value)
    return NOT_PUBLISHED if number is None else fmt_rl(number)


def pct_text(value: object) -> str:
    number = as_number(value)
    return NOT_PUBLISHED if number is None else fmt_pct(number)


def pp_text(value: object) -> str:
    """A difference already in percentage points (gaps, changes of a share)."""
    number = as_number(value)
    return NOT_PUBLISHED if number is None else f"{number:+.1f} pp"


def with_ci(fmt: Callable[[object], str], value: object, low: object, high: object) -> str:
    text = fmt(value)
    if text == NOT_PUBLISHED or as_number(low) is None or as_number(high) is None:
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


def p_value_text(value: object) -> str:
    number = as_number(value)
    if number is None:
        return NOT_PUBLISHED
    text = "below 0.001" if number < 0.001 else f"{number:.3f}"
    return f"{text} ({'significant' if number < 0.05 else 'not significant'} at 5%)"


def unknown_text(record: Mapping[str, object], data: ReportData) -> str:
    count = count_text(record, "unknown_count", data)
    share = as_number(record.get("unknown_pct"))
    return count if share is None else f"{count} ({unknown_pct_text(share)})"


def unknown_pct_text(value: object) -> str:
    number = as_number(value)
    return NOT_PUBLISHED if number is None else f"{number:.1f}%"


# ---------------------------------------------------------------- action plans and benchmarking

#: An action's status as a table prints it: a shape as well as the word, never colour alone.
STATUS_MARKERS: dict[str, str] = {"Red": "✖", "Amber": "▲", "Green": "●", "Complete": "✔"}


def status_text(status: object) -> str:
    """"✖ Red", "▲ Amber", "● Green", "✔ Complete": a marker, then the status in words."""
    return f"{STATUS_MARKERS.get(str(status), '')} {status}".strip()


def plan_text(value: object, missing: str) -> str:
    """An action plan's cell as text, or ``missing`` for a blank one."""
    return missing if is_missing(value) else str(value)
