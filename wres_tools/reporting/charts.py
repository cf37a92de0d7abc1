"""Result records -> matplotlib charts in the UK Analysis Function style, each with a text
alternative that states every number it draws.

Every chart function takes result records (columns of :data:`wres_tools.contract.RESULT_COLUMNS`,
already through disclosure control) and returns a :class:`Chart`: the figure, a title, a short
summary of what it shows and ``alt``, the text alternative listing each plotted value and each
value *not* drawn and why. A value that is ``None`` (withheld in published mode, or not
computable) is never drawn; it is named in the text alternative and marked on the chart in words.

Accessibility: colours come from the Analysis Function categorical palette (``afcharts``); the
services are told apart by marker shape and line style as well as colour, values are labelled
directly, and the four-fifths band is named in the legend. Figures are built with
:class:`matplotlib.figure.Figure` (never pyplot) so no global state leaks between reports, and the
style is applied from matplotlib's defaults every time, so an image is byte-identical whichever
kernel draws it. Fonts are pinned to DejaVu Sans, which matplotlib ships, for the same reason.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, SupportsIndex, SupportsInt

import afcharts
import matplotlib
import matplotlib.style
import pandas as pd
from afcharts.af_colours import get_af_colours
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

from wres_tools import metrics
from wres_tools.contract import plain
from wres_tools.reporting.formats import ADVERSE_WORDS
from wres_tools.reporting.formats import as_number as number
from wres_tools.reporting.templating import render_template
from wres_tools.statistics import FOUR_FIFTHS_HIGH, FOUR_FIFTHS_LOW

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: The Analysis Function categorical palette, as afcharts carries it.
PALETTE: tuple[str, ...] = tuple(get_af_colours("categorical"))
#: Light grey of the Analysis Function focus palette: the shaded four-fifths band.
BAND_GREY: str = get_af_colours("focus")[1]
STYLE_FILE = Path(afcharts.__file__).parent / "afcharts.mplstyle"
DPI = 100
WIDTH = 8.0  # inches
#: The smallest text of any chart, in points (value labels, notes, a small multiple's ticks).
#: A page never shows a chart so narrow that this is smaller than its small print
#: (:func:`wres_tools.reporting.templating.chart_width`): at 9 points an 8-inch chart is at
#: least 832 CSS pixels wide, and scrolls inside its box on a narrower screen.
SMALLEST_TEXT = 9

#: The four-fifths range: a relative likelihood inside it reads "no adverse impact".
FOUR_FIFTHS = (FOUR_FIFTHS_LOW, FOUR_FIFTHS_HIGH)
BAND_LABEL = "0.80 to 1.25: no adverse impact (shaded)"

#: The mark under a metric's row label on a forest plot: the arrow points to the adverse side of
#: 1 on the axis (left, lower; right, higher), and the words say it without the arrow.
ADVERSE_MARKS: dict[str, str] = {
    "low": "◀ adverse if below 1",
    "high": "adverse if above 1 ▶",
}
#: The legend's key to those marks.
ADVERSE_KEY = "◀ ▶ under a metric: the side of 1 that is adverse for it"

SERVICE_ORDER: tuple[str, ...] = ("adults", "children", "all")
SERVICE_LABELS: dict[str, str] = {
    "adults": "Adults' services",
    "children": "Children's services",
    "all": "All services",
}
#: Colour, marker and line style per service: never colour alone.
SERVICE_STYLE: dict[str, tuple[str, str, str]] = {
    "adults": (PALETTE[0], "o", "--"),
    "children": (PALETTE[1], "s", ":"),
    "all": (PALETTE[2], "D", "-."),
}
GROUP_ORDER: tuple[str, ...] = ("minority", "asian", "black", "mixed", "other")
GROUP_LABELS: dict[str, str] = {
    "minority": "All minority ethnic",
    "asian": "Asian",
    "black": "Black",
    "mixed": "Mixed",
    "other": "Other",
    "white": "White",
}
#: M9's three shares: label, colour, hatch (the hatch carries the meaning without colour).
SHARE_SERIES: tuple[tuple[str, str, str, str], ...] = (
    ("share", "Senior management", PALETTE[0], ""),
    ("share_workforce", "Whole workforce", PALETTE[1], "//"),
    ("share_population", "Local population (census 2021)", PALETTE[3], ".."),
)


@dataclass(frozen=True)
class Chart:
    """A drawn chart with its words: ``alt`` states every plotted number and every gap."""

    figure: Figure
    title: str
    summary: str  # one sentence: what kind of chart, what axes
    alt: str  # the full text alternative

    def svg(self) -> bytes:
        """The chart as SVG bytes (:func:`svg_bytes`), identical for identical input."""
        with _style():
            return svg_bytes(self.figure)

    def png(self) -> bytes:
        """The chart as PNG bytes, identical for identical input (no software tag, fixed dpi)."""
        buffer = io.BytesIO()
        with _style():
            # fastest zlib level: a few per cent larger, a fifth less time per chart
            self.figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None},
                                pil_kwargs={"compress_level": 1})
        return buffer.getvalue()

    def html(self) -> str:
        """An accessible ``<figure>``: inline SVG image, a real alt text, the text alternative
        below."""
        return render_template("blocks/chart.html.j2", title=self.title, summary=self.summary,
                               alt=self.alt,
                               svg_base64=base64.b64encode(self.svg()).decode("ascii"))

    def _repr_svg_(self) -> str:
        return self.svg().decode("utf-8")


#: matplotlib's XML declaration and DOCTYPE: a data URI needs neither.
_SVG_PROLOGUE = re.compile(rb"\A<\?xml[^>]*>\s*<!DOCTYPE[^>]*>\s*")


def svg_bytes(figure: Figure) -> bytes:
    """A figure as SVG, identical for identical input.

    Text stays text (``svg.fonttype`` none), so the file is a third of a PNG's size, takes about
    half its drawing time and stays sharp at any zoom; the viewer draws it in the figure's font
    or, without that font, its own sans-serif. Element ids come from a fixed salt and the file
    carries no date, creator or DOCTYPE (whose DTD address nothing needs); the URLs left are XML
    namespace names, which nothing fetches (:func:`wres_tools.batch.export.outside_references` reads
    inside the image to check).
    """
    buffer = io.BytesIO()
    # text from the input (a pay band "$30,000 to $69,000") is plain text, never mathtext
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "wres-tools",
                                "text.parse_math": False}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _SVG_PROLOGUE.sub(b"", buffer.getvalue(), count=1)


@functools.cache
def _style_params() -> dict[RcKeyType, Any]:
    """Every rcParam as matplotlib's defaults + the afcharts style + a pinned font give it."""
    with matplotlib.style.context(str(STYLE_FILE), after_reset=True):
        matplotlib.rcParams.update(
            {
                "font.family": "sans-serif",
                "font.sans-serif": ["DejaVu Sans"],
                "font.size": 11,
                "axes.titlesize": 13,
                "text.parse_math": False,  # labels come from the input: "$" is a dollar sign
            }
        )
        return dict.copy(matplotlib.rcParams)


@contextmanager
def _style() -> Iterator[None]:
    """The chart style (:func:`_style_params`), whatever the caller's rcParams, restored after.

    Every key is set, so nothing of the caller's state reaches a chart. The values were validated
    when they were first set, so they go in as ``rc_context`` puts its saved values back: a tenth
    of the time of re-reading the style file and re-validating every value, which each chart
    would otherwise pay several times.
    """
    saved = dict.copy(matplotlib.rcParams)
    try:
        dict.update(matplotlib.rcParams, _style_params())
        yield
    finally:
        dict.update(matplotlib.rcParams, saved)


# ---------------------------------------------------------------- number helpers


def _ratio(value: float) -> str:
    return f"{value:.2f}"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _interval(low: float | None, high: float | None, fmt) -> str:
    if low is None or high is None:
        return ""
    return f" (95% CI {fmt(low)} to {fmt(high)})"


def _why_missing(record: Mapping[str, object]) -> str:
    """Words for a value that is not drawn."""
    status = record.get("status")
    if status == "not_collected":
        return "not collected"
    if record.get("suppressed") or str(record.get("reason") or "").startswith("not published"):
        return "not published: small numbers"
    reason = record.get("reason")
    return str(reason) if reason else "not computable"


def as_records(records: pd.DataFrame | Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """Records as plain dicts: None for every missing value (NaN, <NA>, None), a numpy or
    pandas scalar as the Python int, float, bool or str it holds (:func:`contract.plain`)."""
    rows = records.to_dict("records") if isinstance(records, pd.DataFrame) else records
    return [{k: plain(v) for k, v in r.items()} for r in rows]


def _year(record: Mapping[str, object]) -> int:
    """A record's year, as ``int()`` reads it."""
    year = record["year"]
    if isinstance(year, (str, bytes, SupportsInt, SupportsIndex)):
        return int(year)
    raise TypeError(f"year {year!r} is not a whole number")


def _services(rows: Sequence[Mapping[str, object]]) -> list[str]:
    present = {r.get("service") for r in rows}
    return [s for s in SERVICE_ORDER if s in present]


def _dodge(count: int, width: float = 0.6) -> list[float]:
    """Offsets that spread ``count`` series around a category's centre."""
    if count <= 1:
        return [0.0]
    step = width / (count - 1)
    return [-width / 2 + i * step for i in range(count)]


def _new_figure(height: float) -> tuple[Figure, Axes]:
    with _style():
        figure = Figure(figsize=(WIDTH, height))
        axes = figure.add_subplot()
    return figure, axes


def _text_size(texts: Sequence[str], size: float) -> tuple[float, float]:
    """Width of the widest and height of the tallest of ``texts``, in inches.

    Every distinct line is measured, in a fixed order: picking "the longest few" by length
    alone left ties to the order of a set, which varies between processes with string hashing,
    and so did the margins. A line's height is the font's line height.
    """
    font = FontProperties(family="DejaVu Sans", size=size)
    lines = sorted({line for text in texts for line in str(text).split("\n")})
    widths = [text_to_path.get_text_width_height_descent(line, font, False)[0] / 72
              for line in lines if line]
    most_lines = max((str(text).count("\n") + 1 for text in texts if str(text)), default=0)
    return max(widths, default=0.0), most_lines * 1.2 * size / 72


def _tick_texts(axis: Axis) -> list[str]:
    """The tick labels the axis will draw, from its locator and formatter: asking the axis for
    its tick labels would lay the ticks out once here and again when the figure is drawn."""
    locs = list(axis.get_majorticklocs())
    labels = axis.get_major_formatter().format_ticks(locs)  # all of them, as matplotlib does:
    low, high = sorted(axis.get_view_interval())  # a FixedFormatter labels by position
    slack = (high - low) * 1e-10
    return [label for loc, label in zip(locs, labels, strict=True)
            if low - slack <= loc <= high + slack]


def _finish(figure: Figure, axes: Axes, *, title: str, legend: bool,
            grid: Literal["x", "y"] | None = "x",
            legend_title: str | None = None, ncols: int = 4) -> None:
    """Title, grid lines across the value axis (``grid``), legend under the plot, and margins
    fitted to the labels they hold.

    The labels are measured once with the font's metrics, which costs a small fraction of
    matplotlib's constrained layout (two full draws per figure); the figure keeps its size.
    """
    with _style():
        axes.set_title(title)
        if grid is not None:
            axes.grid(axis=grid, visible=True)
            axes.grid(axis="y" if grid == "x" else "x", visible=False)
        size = matplotlib.rcParams["font.size"]
        rows = 0
        if legend and any(a.get_legend_handles_labels()[0] for a in figure.axes):
            entries = sum(len(a.get_legend_handles_labels()[0]) for a in figure.axes)
            rows = math.ceil(entries / ncols) + (1 if legend_title else 0)
            figure.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=ncols,
                          title=legend_title, fontsize=9, title_fontsize=9)
        ytick_width, _ = _text_size(_tick_texts(axes.yaxis), size)
        _, xtick_height = _text_size(_tick_texts(axes.xaxis), size)
        _, ylabel_height = _text_size([axes.get_ylabel()], size) if axes.get_ylabel() else (0, 0)
        _, xlabel_height = _text_size([axes.get_xlabel()], size) if axes.get_xlabel() else (0, 0)
        _, title_height = _text_size([axes.get_title(loc="left")], 13)
        width, height = figure.get_size_inches()
        left = ytick_width + ylabel_height + 0.35
        bottom = xtick_height + xlabel_height + rows * 0.27 + 0.35
        top = title_height + 0.3
        figure.subplots_adjust(left=left / width, right=1 - 0.45 / width,
                               bottom=bottom / height, top=1 - top / height)


def _log_ratio_axis(axes: Axes, lows: Sequence[float], highs: Sequence[float],
                    axis: Literal["x", "y"]) -> None:
    """A log axis for ratios with plain-number ticks and the four-fifths band shaded and named."""
    low = min([*lows, FOUR_FIFTHS[0]]) / 1.25
    high = max([*highs, FOUR_FIFTHS[1]]) * 1.25
    low, high = max(low, 0.02), min(high, 50.0)
    ticks = [t for t in (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 25, 50) if low <= t <= high]
    if axis == "x":
        axes.set_xscale("log")
        axes.set_xlim(low, high)
        axes.axvspan(*FOUR_FIFTHS, color=BAND_GREY, alpha=0.45, zorder=0, lw=0, label=BAND_LABEL)
        axes.axvline(1.0, color=PALETTE[4], lw=1, zorder=1)
        target: Axis = axes.xaxis
    else:
        axes.set_yscale("log")
        axes.set_ylim(low, high)
        axes.axhspan(*FOUR_FIFTHS, color=BAND_GREY, alpha=0.45, zorder=0, lw=0, label=BAND_LABEL)
        axes.axhline(1.0, color=PALETTE[4], lw=1, zorder=1)
        target = axes.yaxis
    target.set_major_locator(FixedLocator(ticks))
    target.set_major_formatter(StrMethodFormatter("{x:g}"))
    target.set_minor_locator(NullLocator())


# ---------------------------------------------------------------- forest plots


def forest_plot(
    records: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    rows: str = "metric",
    row_labels: Mapping[str, str] | None = None,
    title: str = "Relative likelihood, minority ethnic ÷ white staff",
    mark_adverse: bool | None = None,
) -> Chart:
    """Relative likelihoods with 95% intervals on a log axis, the 0.80-1.25 band shaded.

    One line per distinct value of ``rows`` (a metric id for the summary, a group for a metric
    report), in order of first appearance; services side by side within a line, each with its
    own marker. Records with no RL are not drawn: the line says why in words.

    ``mark_adverse`` (by default: when the lines are metrics, whose adverse sides differ) puts
    each line's adverse side of 1 under its label (:data:`ADVERSE_MARKS`, from the records'
    ``adverse_when`` or the metric's definition), names the marks in the legend and states each
    line's adverse side in the text alternative.
    """
    data = as_records(records)
    keys = list(dict.fromkeys(str(r[rows]) for r in data))
    labels = {k: (row_labels or {}).get(k, GROUP_LABELS.get(k, k)) for k in keys}
    if mark_adverse is None:
        mark_adverse = rows == "metric"
    sides = _adverse_sides(data, rows, keys) if mark_adverse else {}
    ticks = [f"{labels[k]}\n{ADVERSE_MARKS[sides[k]]}" if k in sides else labels[k]
             for k in keys]
    services = _services(data)
    offsets = dict(zip(services, _dodge(len(services), 0.5), strict=True))
    figure, axes = _new_figure(max(2.6, 0.3 * len(keys) * len(services) + 0.25 * len(keys) + 1.8))
    drawn, missing, lows, highs = [], [], [], []
    points: dict[str, list[tuple[float, float, float, float]]] = {s: [] for s in services}
    with _style():
        for index, key in enumerate(keys):
            gaps = []  # (service, why) of this line's records with no RL
            for service in services:
                record = next(
                    (r for r in data if str(r[rows]) == key and r.get("service") == service), None
                )
                if record is None:
                    continue
                y = index + offsets[service]
                rl = number(record.get("rl"))
                low, high = number(record.get("rl_ci_low")), number(record.get("rl_ci_high"))
                if rl is None or rl <= 0:
                    gaps.append((service, _why_missing(record)))
                    continue
                ci = (low, high) if low is not None and high is not None and low > 0 else None
                points[service].append((rl, y, rl - ci[0] if ci is not None else 0.0,
                                        ci[1] - rl if ci is not None else 0.0))
                lows.append(ci[0] if ci is not None else rl)
                highs.append(ci[1] if ci is not None else rl)
                drawn.append(f"{labels[key]}, {SERVICE_LABELS[service]}: {_ratio(rl)}"
                             f"{_interval(low, high, _ratio)}")
                axes.annotate(_ratio(rl), (rl, y), xytext=(0, 5), textcoords="offset points",
                              ha="center", va="bottom", fontsize=SMALLEST_TEXT)
            reasons = {why for _, why in gaps}
            if gaps and len(gaps) == len(services) and len(reasons) == 1:
                # nothing on the line, for one reason: say it once, mid-line
                missing.append(f"{labels[key]}, every service: {reasons.pop()}")
                axes.text(0.01, index, gaps[0][1], transform=axes.get_yaxis_transform(),
                          fontsize=9, va="center", color=PALETTE[4])
                continue
            for service, why in gaps:
                missing.append(f"{labels[key]}, {SERVICE_LABELS[service]}: {why}")
                axes.text(0.01, index + offsets[service], f"{SERVICE_LABELS[service]}: {why}",
                          transform=axes.get_yaxis_transform(), fontsize=SMALLEST_TEXT, va="center",
                          color=PALETTE[4])
        for service, drawn_points in points.items():
            if not drawn_points:
                continue
            colour, marker, _ = SERVICE_STYLE[service]
            xs, ys, err_low, err_high = (list(v) for v in zip(*drawn_points, strict=True))
            axes.errorbar(xs, ys, xerr=[err_low, err_high], fmt=marker, color=colour,
                          ecolor=colour, elinewidth=1.5, capsize=3, markersize=6,
                          label=SERVICE_LABELS[service], gid=f"rl:{service}")
        _log_ratio_axis(axes, lows or [1.0], highs or [1.0], "x")
        axes.set_yticks(range(len(keys)), ticks)
        axes.set_ylim(len(keys) - 0.5, -0.5)
        axes.set_xlabel("Relative likelihood, minority ethnic ÷ white (log scale)")
        axes.set_ylabel("")
        if sides and drawn:
            # a key without a mark of its own: an empty handle, the words in the legend
            axes.plot([], [], linestyle="none", marker="none", label=ADVERSE_KEY)
        # with the key: the two ways to read the chart in the first column, then the services
        # (three columns fit the width only beside three services' short names)
        shown = sum(1 for drawn_points in points.values() if drawn_points)
        _finish(figure, axes, title=title, legend=bool(drawn),
                ncols=(3 if shown == 3 else 2) if sides else 4)
    summary = (
        "Dot-and-whisker chart of relative likelihoods with 95% confidence intervals on a log "
        "scale; a shaded band marks 0.80 to 1.25, the four-fifths range read as no adverse impact"
    )
    if sides:
        summary += "; under each metric's label, an arrow and words mark the side of 1 that is " \
                   "adverse for it"
    return Chart(figure, title, summary,
                 _alt(summary, drawn, missing, _adverse_sentence(sides, labels, keys)))


def _adverse_sides(data: Sequence[Mapping[str, object]], rows: str,
                   keys: Sequence[str]) -> dict[str, str]:
    """Each line's adverse side, "low" or "high": its records' ``adverse_when`` when they agree,
    else the definition of the metric the line is named after; a line with neither is left out."""
    sides = {}
    for key in keys:
        given = {r.get("adverse_when") for r in data if str(r[rows]) == key} - {None}
        if len(given) == 1 and (side := str(given.pop())) in ADVERSE_MARKS:
            sides[key] = side
        elif not given and key in metrics.METRICS:
            sides[key] = metrics.METRICS[key].adverse_when
    return sides


def _adverse_sentence(sides: Mapping[str, str], labels: Mapping[str, str],
                      keys: Sequence[str]) -> str:
    """"Adverse side of 1: below 1 (...) for A and B; above 1 (...) for C." in line order."""
    parts = []
    for side in ("low", "high"):
        names = [labels[k] for k in keys if sides.get(k) == side]
        if names:
            joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            parts.append(f"{ADVERSE_WORDS[side]} for {joined}")
    return "Adverse side of 1: " + "; ".join(parts) + "." if parts else ""


def _alt(summary: str, drawn: Sequence[str], missing: Sequence[str], note: str = "") -> str:
    text = summary + "."
    if note:
        text += " " + note
    if drawn:
        text += " Values shown: " + "; ".join(drawn) + "."
    if missing:
        text += " Not shown: " + "; ".join(missing) + "."
    return text


# ---------------------------------------------------------------- rates


def rates_chart(
    records: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    rate_label: str = "Rate",
    title: str = "Rates for minority ethnic and white staff",
) -> Chart:
    """Minority ethnic and white rates with 95% Wilson intervals, one line per service.

    ``records`` are the metric's records for the minority group (one per service); the white
    rate is the record's reference rate.
    """
    data = [r for r in as_records(records) if r.get("group") == "minority"]
    services = _services(data)
    series = (
        ("rate_group", "Minority ethnic", PALETTE[0], "o"),
        ("rate_reference", "White", PALETTE[3], "^"),
    )
    offsets = _dodge(2, 0.35)
    figure, axes = _new_figure(max(2.4, 0.9 * len(services) + 1.4))
    drawn, missing = [], []
    with _style():
        for (column, label, colour, marker), offset in zip(series, offsets, strict=True):
            xs, ys, err_low, err_high = [], [], [], []
            for index, service in enumerate(services):
                record = next(r for r in data if r.get("service") == service)
                rate = number(record.get(column))
                low = number(record.get(f"{column}_ci_low"))
                high = number(record.get(f"{column}_ci_high"))
                name = f"{label}, {SERVICE_LABELS[service]}"
                y = index + offset
                if rate is None:
                    missing.append(f"{name}: {_why_missing(record)}")
                    axes.text(0.01, y, f"{label}: {_why_missing(record)}", fontsize=SMALLEST_TEXT,
                              transform=axes.get_yaxis_transform(), va="center",
                              color=PALETTE[4])
                    continue
                xs.append(rate * 100)
                ys.append(y)
                ci = (low, high) if low is not None and high is not None else None
                err_low.append((rate - ci[0]) * 100 if ci is not None else 0.0)
                err_high.append((ci[1] - rate) * 100 if ci is not None else 0.0)
                drawn.append(f"{name}: {_pct(rate)}{_interval(low, high, _pct)}")
                axes.annotate(_pct(rate), (rate * 100, y), xytext=(0, 5),
                              textcoords="offset points", ha="center", va="bottom",
                              fontsize=SMALLEST_TEXT)
            if xs:
                axes.errorbar(xs, ys, xerr=[err_low, err_high], fmt=marker, color=colour,
                              ecolor=colour, elinewidth=1.5, capsize=3, markersize=7,
                              label=label, gid=f"rate:{column}")
        axes.set_yticks(range(len(services)), [SERVICE_LABELS[s] for s in services])
        axes.set_ylim(len(services) - 0.5, -0.5)
        axes.set_xlim(left=0)
        axes.set_xlabel(f"{rate_label} (%)")
        _finish(figure, axes, title=title, legend=bool(drawn), legend_title="Staff group")
    summary = (
        f"Dot-and-whisker chart of {rate_label.lower()} for minority ethnic (circles) and white "
        "(triangles) staff by service, with 95% confidence intervals"
    )
    return Chart(figure, title, summary, _alt(summary, drawn, missing))


# ---------------------------------------------------------------- M1


def pay_band_chart(
    records: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    bands: Sequence[str] | None = None,
    title: str = "Minority ethnic share of staff by pay band",
) -> Chart:
    """M1: the minority ethnic share of each pay band with 95% Wilson intervals, by service,
    against each service's whole-workforce share (a vertical reference line).

    Bands run up the chart like a pay ladder: the lowest at the bottom, the highest at the top,
    so a share that falls as bands rise leans to the left. ``bands`` fixes the order (lowest
    first); by default the order the records give (the metric engine emits the authority's own
    order, lowest first).
    """
    data = [r for r in as_records(records) if r.get("group") == "minority"]
    band_rows = [r for r in data if r.get("pay_band") is not None]
    order = list(bands) if bands is not None else list(
        dict.fromkeys(str(r["pay_band"]) for r in band_rows)
    )
    services = _services(data)
    offsets = dict(zip(services, _dodge(len(services), 0.5), strict=True))
    figure, axes = _new_figure(max(3.2, 0.2 * len(order) * len(services) + 0.2 * len(order) + 2))
    drawn, missing = [], []
    with _style():
        for service in services:
            colour, marker, linestyle = SERVICE_STYLE[service]
            label = SERVICE_LABELS[service]
            xs, ys, err_low, err_high = [], [], [], []
            for index, band in enumerate(order):
                record = next(
                    (r for r in band_rows
                     if r.get("service") == service and str(r["pay_band"]) == band), None
                )
                if record is None:
                    continue
                share = number(record.get("share"))
                low, high = number(record.get("share_ci_low")), number(record.get("share_ci_high"))
                y = index - offsets[service]  # services top to bottom within a band, as listed
                if share is None:
                    missing.append(f"{band}, {label}: {_why_missing(record)}")
                    axes.text(0.01, y, f"{label}: {_why_missing(record)}", fontsize=SMALLEST_TEXT,
                              va="center", transform=axes.get_yaxis_transform(),
                              color=PALETTE[4])
                    continue
                xs.append(share * 100)
                ys.append(y)
                ci = (low, high) if low is not None and high is not None else None
                err_low.append((share - ci[0]) * 100 if ci is not None else 0.0)
                err_high.append((ci[1] - share) * 100 if ci is not None else 0.0)
                drawn.append(f"{band}, {label}: {_pct(share)}{_interval(low, high, _pct)}")
                axes.annotate(_pct(share), ((ci[1] if ci is not None else share) * 100, y),
                              xytext=(4, 0), textcoords="offset points", ha="left", va="center",
                              fontsize=SMALLEST_TEXT)
            if xs:
                axes.errorbar(xs, ys, xerr=[err_low, err_high], fmt=marker, color=colour,
                              ecolor=colour, elinewidth=1.5, capsize=3, markersize=6,
                              label=label, gid=f"band:{service}")
            whole = next((r for r in data if r.get("service") == service
                          and r.get("pay_band") is None), None)
            workforce = number(whole.get("share")) if whole else None
            if workforce is None and whole is None and band_rows:
                workforce = number(next((r.get("share_workforce") for r in band_rows
                                         if r.get("service") == service), None))
            if workforce is None:
                if whole is not None:
                    missing.append(f"whole workforce, {label}: {_why_missing(whole)}")
                continue
            # the reference line is named in the legend: three close lines cannot all be
            # labelled on the chart without overlapping
            axes.axvline(workforce * 100, color=colour, linestyle=linestyle, lw=1.2,
                         label=f"{label}, whole workforce: {_pct(workforce)}",
                         gid=f"workforce:{service}")
            drawn.append(f"whole workforce, {label}: {_pct(workforce)}")
        axes.set_yticks(range(len(order)), order)
        axes.set_ylim(-0.6, len(order) - 0.4)
        axes.set_xlim(left=0)
        axes.set_ylabel("Pay band (lowest at the bottom)")
        axes.set_xlabel("Minority ethnic share of staff in the band (%)")
        _finish(figure, axes, title=title, legend=bool(drawn), ncols=2)
    summary = (
        "Dot-and-whisker chart of the minority ethnic share of staff in each pay band, lowest "
        "band at the bottom, with 95% confidence intervals; dashed, dotted and dash-dot lines "
        "mark each service's whole-workforce share"
    )
    return Chart(figure, title, summary, _alt(summary, drawn, missing))


# ---------------------------------------------------------------- M9


def shares_chart(
    records: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    title: str = "Minority ethnic share: senior management, workforce and population",
) -> Chart:
    """M9: the minority ethnic share of senior management (with its exact interval), of the
    whole workforce and of the local population, as hatched bars per service."""
    data = [r for r in as_records(records) if r.get("group") == "minority"]
    services = _services(data)
    offsets = _dodge(len(SHARE_SERIES), 0.54)
    height = 0.25
    figure, axes = _new_figure(max(2.8, 1.2 * len(services) + 1.4))
    drawn, missing = [], []
    with _style():
        for (column, label, colour, hatch), offset in zip(SHARE_SERIES, offsets, strict=True):
            labelled = False
            for index, service in enumerate(services):
                record = next(r for r in data if r.get("service") == service)
                share = number(record.get(column))
                y = index + offset
                name = f"{label}, {SERVICE_LABELS[service]}"
                if share is None:
                    missing.append(f"{name}: {_why_missing(record)}")
                    axes.text(0.01, y, f"{label}: {_why_missing(record)}", fontsize=SMALLEST_TEXT,
                              transform=axes.get_yaxis_transform(), va="center",
                              color=PALETTE[4])
                    continue
                interval, xerr, end = "", None, share
                if column == "share":
                    low, high = number(record.get("share_ci_low")), number(
                        record.get("share_ci_high"))
                    if low is not None and high is not None:
                        xerr = [[(share - low) * 100], [(high - share) * 100]]
                        interval, end = _interval(low, high, _pct), max(high, share)
                axes.barh(y, share * 100, height=height, color=colour, hatch=hatch,
                          edgecolor="white" if not hatch else PALETTE[4], linewidth=0.5,
                          xerr=xerr, error_kw={"ecolor": PALETTE[4], "capsize": 3},
                          label=None if labelled else label, gid=f"share:{column}:{service}")
                labelled = True
                axes.annotate(_pct(share), (end * 100, y), xytext=(4, 0),
                              textcoords="offset points", ha="left", va="center",
                              fontsize=SMALLEST_TEXT)
                drawn.append(f"{name}: {_pct(share)}{interval}")
        axes.set_yticks(range(len(services)), [SERVICE_LABELS[s] for s in services])
        axes.set_ylim(len(services) - 0.5, -0.5)
        axes.set_xlim(left=0)
        axes.set_xlabel("Minority ethnic share (%)")
        _finish(figure, axes, title=title, legend=bool(drawn))
    summary = (
        "Bar chart of the minority ethnic share of senior management (solid, with 95% "
        "confidence interval), of the whole workforce (hatched //) and of the local population "
        "(dotted hatching), by service"
    )
    return Chart(figure, title, summary, _alt(summary, drawn, missing))


# ---------------------------------------------------------------- over time


def trend_chart(
    records: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    measure: str = "rl",
    series: str = "service",
    title: str = "Change over time",
) -> Chart:
    """One figure per year, joined by lines: relative likelihoods on a log axis with the
    four-fifths band (``measure="rl"``), or shares in per cent (``measure="share"``).

    ``records`` hold one record per year and series value (``service``, or ``pay_band`` for M1's
    bands); a year with no figure is a gap in the line, named in the text alternative. M1's bands
    are drawn as small multiples, one panel per band (:func:`band_trend_chart`).
    """
    if series == "pay_band":
        return band_trend_chart(records, title=title)
    data = as_records(records)
    years = sorted({_year(r) for r in data})
    keys = list(dict.fromkeys(str(r[series]) for r in data))
    if series == "service":
        keys = [s for s in SERVICE_ORDER if s in keys]
    figure, axes = _new_figure(4.2)
    fmt = _ratio if measure == "rl" else _pct
    scale = 1.0 if measure == "rl" else 100.0
    drawn, missing, lows, highs = [], [], [], []
    markers = ("o", "s", "D", "^", "v", "P", "X", "*")
    styles = ("-", "--", ":", "-.")
    with _style():
        for position, key in enumerate(keys):
            if series == "service":
                colour, marker, linestyle = SERVICE_STYLE[key]
                label = SERVICE_LABELS[key]
            else:
                colour = PALETTE[position % len(PALETTE)]
                marker, linestyle = markers[position % len(markers)], styles[position % len(styles)]
                label = key
            xs, ys, err_low, err_high = [], [], [], []
            for year in years:
                record = next((r for r in data if str(r[series]) == key
                               and _year(r) == year), None)
                if record is None:
                    continue
                value = number(record.get(measure))
                low = number(record.get(f"{measure}_ci_low"))
                high = number(record.get(f"{measure}_ci_high"))
                if value is None or (measure == "rl" and value <= 0):
                    missing.append(f"{label}, {year}: {_why_missing(record)}")
                    xs.append(year)
                    ys.append(math.nan)  # a gap in the line, not a drawn value
                    err_low.append(0.0)
                    err_high.append(0.0)
                    continue
                ci = ((low, high) if low is not None and high is not None
                      and (measure != "rl" or low > 0) else None)
                xs.append(year)
                ys.append(value * scale)
                err_low.append((value - ci[0]) * scale if ci is not None else 0.0)
                err_high.append((ci[1] - value) * scale if ci is not None else 0.0)
                lows.append(ci[0] if ci is not None else value)
                highs.append(ci[1] if ci is not None else value)
                drawn.append(f"{label}, {year}: {fmt(value)}{_interval(low, high, fmt)}")
                axes.annotate(fmt(value), (year, value * scale), xytext=(5, 4),
                              textcoords="offset points", fontsize=SMALLEST_TEXT)
            if any(not math.isnan(y) for y in ys):
                axes.errorbar(xs, ys, yerr=[err_low, err_high], fmt=marker, linestyle=linestyle,
                              color=colour, ecolor=colour, elinewidth=1.2, capsize=3,
                              markersize=6, label=label, gid=f"trend:{key}")
        if measure == "rl":
            _log_ratio_axis(axes, lows or [1.0], highs or [1.0], "y")
            axes.set_ylabel("Relative likelihood,\nminority ethnic ÷ white (log scale)")
        else:
            axes.set_ylim(bottom=0)
            axes.set_ylabel("Minority ethnic share (%)")
        axes.set_xticks(years, [str(y) for y in years])
        axes.set_xlim(years[0] - 0.5, years[-1] + 0.5)
        axes.set_xlabel("Reporting year")
        _finish(figure, axes, title=title, legend=bool(drawn), grid="y")
    what = ("relative likelihoods on a log scale, with the 0.80 to 1.25 band shaded"
            if measure == "rl" else "minority ethnic shares")
    summary = f"Line chart of {what} by reporting year, with 95% confidence intervals"
    return Chart(figure, title, summary, _alt(summary, drawn, missing))


#: Short words for a year a band's panel does not draw (the text alternative gives the reason).
_SHORT_MISSING = {"not published: small numbers": "not\npublished",
                  "not collected": "not\ncollected"}


def _panel_columns(count: int) -> int:
    """Columns of a grid of ``count`` panels: rows of three, or four from seven panels on (so 12
    bands make 3 rows of 4) and for exactly four."""
    return 4 if count == 4 or count > 6 else min(count, 3)


def band_trend_chart(
    records: pd.DataFrame | Sequence[Mapping[str, object]],
    *,
    bands: Sequence[str] | None = None,
    title: str = "Minority ethnic share by pay band over time",
) -> Chart:
    """M1 over time as small multiples: one panel per pay band, lowest band first in reading
    order, each the band's minority ethnic share by year with 95% intervals, every panel on one
    scale; a record with no pay band is the whole workforce, drawn as a dashed line in each panel.

    One panel per band keeps 12 bands readable, where 12 lines on one axis overlap beyond
    reading, and draws every figure the change table states (nothing is left to the table
    alone). ``bands`` fixes the order (lowest first); by default the records' order. The
    records are one service's: given more, all services' are drawn (else the first service's).
    """
    data = as_records(records)
    services = _services(data)
    if len(services) > 1:
        data = [r for r in data if r.get("service") == ("all" if "all" in services
                                                          else services[0])]
    band_rows = [r for r in data if r.get("pay_band") is not None]
    whole = {_year(r): r for r in data if r.get("pay_band") is None}
    order = list(bands) if bands is not None else list(
        dict.fromkeys(str(r["pay_band"]) for r in band_rows))
    years = sorted({_year(r) for r in data})
    count = max(len(order), 1)
    ncols = _panel_columns(count)
    nrows = math.ceil(count / ncols)
    drawn, missing, highs = [], [], []
    workforce: dict[int, float] = {}
    for year in years:
        record = whole.get(year)
        if record is None:
            continue
        value = number(record.get("share"))
        if value is None:
            missing.append(f"whole workforce, {year}: {_why_missing(record)}")
        else:
            workforce[year] = value
            highs.append(value)
    with _style():
        figure = Figure(figsize=(WIDTH, 1.8 * nrows + 1.4 + (0.3 if workforce else 0)))
        grid = figure.add_gridspec(nrows, ncols, hspace=0.55, wspace=0.12)
        panels: list[Axes] = []
        for position, band in enumerate(order):
            axes = figure.add_subplot(grid[position // ncols, position % ncols],
                                      sharex=panels[0] if panels else None,
                                      sharey=panels[0] if panels else None)
            panels.append(axes)
            xs, ys, err_low, err_high, gaps = [], [], [], [], []
            for year in years:
                record = next((r for r in band_rows if str(r["pay_band"]) == band
                               and _year(r) == year), None)
                if record is None:
                    continue
                value = number(record.get("share"))
                low, high = number(record.get("share_ci_low")), number(record.get("share_ci_high"))
                if value is None:
                    why = _why_missing(record)
                    missing.append(f"{band}, {year}: {why}")
                    gaps.append((year, why))
                    xs.append(year)
                    ys.append(math.nan)  # a gap in the line, not a drawn value
                    err_low.append(0.0)
                    err_high.append(0.0)
                    continue
                ci = (low, high) if low is not None and high is not None else None
                xs.append(year)
                ys.append(value * 100)
                err_low.append((value - ci[0]) * 100 if ci is not None else 0.0)
                err_high.append((ci[1] - value) * 100 if ci is not None else 0.0)
                highs.append(ci[1] if ci is not None else value)
                drawn.append(f"{band}, {year}: {_pct(value)}{_interval(low, high, _pct)}")
                # beside the point, clear of its whisker
                axes.annotate(_pct(value), (year, value * 100), xytext=(4, 1),
                              textcoords="offset points", ha="left", va="bottom",
                              fontsize=SMALLEST_TEXT)
            if any(not math.isnan(y) for y in ys):
                axes.errorbar(xs, ys, yerr=[err_low, err_high], fmt="o", linestyle="-",
                              color=PALETTE[0], ecolor=PALETTE[0], elinewidth=1.2, capsize=2.5,
                              markersize=4.5, label="Minority ethnic share of the band",
                              gid=f"trend:{band}")
                for year, why in gaps:
                    axes.text(year, 0.03, _SHORT_MISSING.get(why, "not\ncomputable"),
                              transform=axes.get_xaxis_transform(), ha="center", va="bottom",
                              fontsize=SMALLEST_TEXT, color=PALETTE[4])
            elif gaps:
                reasons = {why for _, why in gaps}
                axes.text(0.5, 0.5, reasons.pop() if len(reasons) == 1 else "not drawn",
                          transform=axes.transAxes, ha="center", va="center",
                          fontsize=SMALLEST_TEXT, color=PALETTE[4], wrap=True)
            if workforce:
                axes.plot(list(workforce), [v * 100 for v in workforce.values()],
                          linestyle="--", color=PALETTE[3], lw=1.2, marker="none",
                          label="Whole workforce", gid=f"workforce:{band}")
            axes.set_title(band, fontsize=9, loc="left")
            axes.grid(axis="y", visible=True)
            axes.grid(axis="x", visible=False)
            axes.tick_params(labelsize=SMALLEST_TEXT)
            if position % ncols:
                axes.tick_params(labelleft=False)
            # years under the last panel of each column only
            axes.tick_params(labelbottom=position + ncols >= len(order))
        if panels:
            panels[0].set_xticks(years, [str(y) for y in years])
            panels[0].set_xlim(years[0] - 0.5, years[-1] + 0.5)
            panels[0].set_ylim(0, max([*highs, 0.01]) * 100 * 1.2)
        for year, share in sorted(workforce.items()):
            drawn.append(f"whole workforce, {year}: {_pct(share)}")
        figure.suptitle(title, fontsize=13)
        figure.supylabel("Minority ethnic share (%)", fontsize=10)
        legend_rows = 0
        if drawn and workforce:
            handles, names = [], []
            for axes in panels:  # the band's share first, then the workforce line
                for handle, name in zip(*axes.get_legend_handles_labels(), strict=True):
                    if name not in names:
                        handles.append(handle)
                        names.append(name)
            ranked = sorted(zip(names, handles, strict=True),
                            key=lambda entry: entry[0] == "Whole workforce")
            figure.legend([h for _, h in ranked], [n for n, _ in ranked], loc="lower center",
                          bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=9)
            legend_rows = 1
        width, height = figure.get_size_inches()
        ytick_width = _text_size(_tick_texts(panels[0].yaxis), SMALLEST_TEXT)[0] if panels else 0.0
        left = ytick_width + 0.55
        bottom = 0.65 + 0.3 * legend_rows
        figure.subplots_adjust(left=left / width, right=1 - 0.3 / width,
                               bottom=bottom / height, top=1 - 0.75 / height)
        figure.supxlabel("Reporting year", fontsize=10, y=(0.1 + 0.3 * legend_rows) / height,
                         va="bottom")
    summary = (
        "Small-multiple line charts, one panel per pay band (lowest band first), of the minority "
        "ethnic share of staff in the band by reporting year, with 95% confidence intervals, "
        "every panel on the same scale"
        + ("; a dashed line in each panel marks the whole workforce's share" if workforce else "")
    )
    return Chart(figure, title, summary, _alt(summary, drawn, missing))
