"""A benchmark in words, tables and funnel plots, and the HTML the benchmarking notebook shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from wres_tools.benchmarking import YearBenchmark
from wres_tools.disclosure import BANNER_INTERNAL, SYMBOL, WITHHELD
from wres_tools.funnel import (
    MIN_AUTHORITIES,
    TRIM,
    Z_95,
    Z_998,
    BenchmarkError,
    BenchmarkResult,
    funnel_limits,
)
from wres_tools.metrics import GROUP_ADJECTIVES, METRICS
from wres_tools.reporting.templating import render_template

# --------------------------------------------------------------------------- words and tables

_POSITION_WORDS: dict[str, str] = {
    "above 99.8%": "above the upper 99.8% limit",
    "above 95%": "above the upper 95% limit but within the 99.8% limits",
    "within 95%": "within the 95% limits",
    "below 95%": "below the lower 95% limit but within the 99.8% limits",
    "below 99.8%": "below the lower 99.8% limit",
}


def _authorities(n: int) -> str:
    return "1 authority" if n == 1 else f"{n} authorities"


def _limits_words(result: BenchmarkResult) -> str:
    return ("; the limits are widened for over-dispersion between authorities"
            if result.adjusted else "")


def _plain_limits_words(result: BenchmarkResult) -> str:
    """:func:`_limits_words` for a reader of the benchmarking page (the method note has the
    technical terms)."""
    return ("; the limits are widened because authorities differ more than chance alone would "
            "give" if result.adjusted else "")


def ranked_table(result: BenchmarkResult) -> pd.DataFrame:
    """The authorities shown, most adverse RL first: rank, name, RL with 95% CI, position.

    Columns: rank, authority, rl, rl_ci_low, rl_ci_high, position (in words). Authorities left
    out are in ``result.excluded``.
    """
    table = result.table
    return pd.DataFrame({
        "rank": table["rank"].astype(int),
        "authority": table["name"],
        "rl": table["rl"].astype(float).round(2),
        "rl_ci_low": table["rl_ci_low"].astype(float).round(2),
        "rl_ci_high": table["rl_ci_high"].astype(float).round(2),
        "position": [_POSITION_WORDS[p] for p in table["position"]],
    })


def pooled_sentence(result: BenchmarkResult) -> str:
    """The pooled figure in words, for the notebook's heading of each metric."""
    mdef = METRICS[result.metric]
    if result.pooled_rl is None or not result.n:
        return f"{mdef.title}: no pooled figure ({result.reason})."
    group = GROUP_ADJECTIVES[result.group]
    low, high = result.pooled_ci_low, result.pooled_ci_high
    # the doubt goes in the same sentence: an interval holding 1 shows no significant difference
    doubt = (", but the interval includes 1, so the difference is not statistically significant"
             if low is not None and high is not None and low <= 1 <= high else "")
    return (f"Pooled over the {_authorities(result.n_pooled)} with a figure, {group} "
            f"{mdef.rl_population} were {result.pooled_rl:.2f} times as likely as white "
            f"{mdef.rl_population} to {mdef.event} (95% CI {low:.2f} to {high:.2f}){doubt}.")


def _listed(items: list[str]) -> str:
    """"M2", "M2 and M5", "M2, M5 and M9"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] \
        if items else ""


def position_of(result: BenchmarkResult, authority: str) -> str:
    """Where one authority sits, as a sentence for its summary report."""
    name = result.name(authority)
    left = result.excluded[result.excluded["authority"] == authority]
    if len(left):
        reason = left.iloc[0]["reason"]
        if reason == WITHHELD:
            return f"{name}'s figure is {WITHHELD}, so it is not shown against other authorities."
        return f"{name} is not shown against other authorities: {reason}."
    rows = result.table[result.table["authority"] == authority]
    if not len(rows):
        known = sorted([*result.table["authority"], *result.excluded["authority"]])
        raise BenchmarkError(f"{authority!r} is not among the authorities benchmarked for "
                             f"{result.metric}: expected one of {known}")
    row = rows.iloc[0]
    text = (f"{name}'s figure (RL {row['rl']:.2f}) is {_POSITION_WORDS[row['position']]} around "
            f"the pooled figure for the {_authorities(result.n_pooled)} with a figure "
            f"(RL {result.pooled_rl:.2f})"
            f"{_limits_words(result)}")
    if row["position"] != "within 95%":
        text += "; a difference this large would be unusual from chance variation alone"
    return text + "."


# --------------------------------------------------------------------------- the figure
# Kept apart from the statistics above: it only draws a BenchmarkResult (may move to charts.py).

_AF = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]


def _af_style() -> str | dict:
    """The Analysis Function matplotlib style (afcharts), or an empty style without it."""
    try:
        import afcharts
    except ImportError:  # pragma: no cover - the pinned lock has afcharts
        return {}
    return str(Path(afcharts.__file__).parent / "afcharts.mplstyle")


_MARKERS: dict[str, tuple[str, bool]] = {  # position -> (marker, filled)
    "within 95%": ("o", True),
    "above 95%": ("^", False),
    "above 99.8%": ("^", True),
    "below 95%": ("v", False),
    "below 99.8%": ("v", True),
}


def funnel_plot(result: BenchmarkResult, highlight: str | None = None) -> tuple[Figure, str]:
    """The funnel plot of a benchmark and a text alternative describing it.

    x: precision (1 / standard error of log RL, labelled for a reader as the authority's
    size); y: RL on a log axis. Solid line: pooled RL;
    dashed: 95% limits; dotted: 99.8% limits. Marker shape carries each point's position (circle
    within the 95% limits, triangles pointing up / down outside them, filled beyond 99.8%), so
    nothing is told by colour alone; points outside the 95% limits and ``highlight`` are named.
    Authorities in ``result.excluded`` are not drawn. No timestamps: see :func:`save_figure`.
    """
    import matplotlib.style
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator

    mdef = METRICS[result.metric]
    title = (f"{mdef.id} {mdef.short_title}: {GROUP_ADJECTIVES[result.group]} vs white "
             f"{mdef.rl_population}, {_service_words(result.service)}"
             + (f", {result.year}" if result.year is not None else ""))
    with matplotlib.style.context(_af_style(), after_reset=True):  # whatever the caller's style
        fig = Figure(figsize=(9, 6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_title(title, fontsize=13)
        ax.set_xlabel("Precision of the authority's figure (larger authorities to the right)")
        ax.set_ylabel("Relative likelihood (RL), log scale")
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        if result.pooled_rl is None or result.pooled_rl <= 0 or not result.n:
            ax.text(0.5, 0.5, f"No funnel: {result.reason}", transform=ax.transAxes,
                    ha="center", va="center")
            return fig, _alt_text(result, title)
        table = result.table
        precision = 1 / table["se"].astype(float)
        x_low = max(precision.min() * 0.8, 0.2)
        x_high = precision.max() * 1.15
        grid = np.linspace(x_low, x_high, 200)
        limits = funnel_limits(result.pooled_rl, (1 / grid).tolist(),
                               result.tau2 if result.adjusted else 0)
        ax.axhline(result.pooled_rl, color=_AF[4], linestyle="-", linewidth=1.5,
                   label=f"Pooled RL ({result.pooled_rl:.2f})", gid="target")
        ax.axhline(1, color="0.6", linestyle=(0, (1, 4)), linewidth=1,
                   label="RL 1 (equal likelihood)")
        for level, style, colour in (("95", "--", _AF[1]), ("998", ":", _AF[2])):
            label = "95% limits" if level == "95" else "99.8% limits"
            ax.plot(grid, limits[f"high_{level}"], color=colour, linestyle=style, linewidth=1.8,
                    label=label, gid=f"limit_{level}_upper")
            ax.plot(grid, limits[f"low_{level}"], color=colour, linestyle=style, linewidth=1.8,
                    gid=f"limit_{level}_lower")
        for position, (marker, filled) in _MARKERS.items():
            rows = table["position"] == position
            if rows.any():
                ax.scatter(precision[rows], table.loc[rows, "rl"].astype(float),
                           marker=marker, s=55, zorder=3, linewidths=1.5,
                           facecolors=_AF[0] if filled else "white", edgecolors=_AF[0])
        for _, row in table.iterrows():
            if row["position"] != "within 95%" or row["authority"] == highlight:
                ax.annotate(row["name"], (1 / row["se"], row["rl"]),
                            xytext=(6, 4), textcoords="offset points", fontsize=9)
        if highlight is not None and highlight in set(table["authority"]):
            row = table[table["authority"] == highlight].iloc[0]
            ax.scatter([1 / row["se"]], [row["rl"]], marker="*", s=260, zorder=4,
                       facecolors=_AF[3], edgecolors="black", linewidths=0.8)
        handles, labels = ax.get_legend_handles_labels()
        for position, (marker, filled) in _MARKERS.items():
            if (table["position"] == position).any():
                handles.append(Line2D([], [], marker=marker, linestyle="", markersize=8,
                                      markerfacecolor=_AF[0] if filled else "white",
                                      markeredgecolor=_AF[0]))
                labels.append(f"Authority {position} limits" if position == "within 95%"
                              else f"Authority {position} limit")
        if highlight is not None and highlight in set(table["authority"]):
            handles.append(Line2D([], [], marker="*", linestyle="", markersize=13,
                                  markerfacecolor=_AF[3], markeredgecolor="black"))
            labels.append(result.name(highlight))
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
        values = [*table["rl"].astype(float), *limits["low_998"], *limits["high_998"]]
        ax.set_ylim(min(values) * 0.9, max(values) * 1.1)
        ax.set_xlim(0, x_high)
    return fig, _alt_text(result, title, highlight)


def _service_words(service: str) -> str:
    return {"adults": "adults' services", "children": "children's services"}.get(
        service, "all services")


def _alt_text(result: BenchmarkResult, title: str, highlight: str | None = None) -> str:
    """A text alternative: what the chart shows, in sentences a screen reader can read."""
    parts = [f"Funnel plot. {title}."]
    if result.pooled_rl is None or not result.n:
        parts.append(f"No funnel could be drawn: {result.reason}.")
    else:
        parts.append(
            f"Each of the {result.n} authorities shown is a point: its relative likelihood (RL, "
            "log scale) against the precision of its figure (larger authorities to the right). "
            f"A solid line marks the pooled RL of {result.pooled_rl:.2f}; dashed and dotted "
            f"lines mark the 95% and 99.8% limits{_plain_limits_words(result)}.")
        counts = result.table["position"].value_counts()
        parts.append(f"{counts.get('within 95%', 0)} of {result.n} are within the 95% limits.")
        for position in ("above 99.8%", "above 95%", "below 95%", "below 99.8%"):
            who = result.table.loc[result.table["position"] == position, "name"].tolist()
            if who:
                parts.append(f"{_POSITION_WORDS[position].capitalize()}: {', '.join(who)}.")
        if highlight is not None:
            parts.append(position_of(result, highlight))
    if len(result.excluded):
        left = "; ".join(f"{row['name']} ({row['reason']})"
                         for _, row in result.excluded.iterrows())
        parts.append(f"Not shown: {left}.")
    return " ".join(parts)


def save_figure(fig: Figure, path: Path | str, **kwargs: Any) -> Path:
    """Save a figure with no creation date or software stamp, so the same figure gives the
    same bytes (png, svg, pdf)."""
    import matplotlib

    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
                "pdf": {"CreationDate": None, "Producer": None, "Creator": None}}.get(fmt)
    with matplotlib.rc_context({"svg.hashsalt": "wres-tools"}):
        fig.savefig(path, metadata=metadata, **kwargs)
    return path


# --------------------------------------------------------------------------- notebook display
# What notebooks/benchmarking.ipynb shows: HTML built here, so the notebook holds only calls.

def html_figure(fig: Figure, alt: str) -> str:
    """A figure as an inline SVG image with its text alternative, also its caption."""
    import base64

    import matplotlib.style

    from wres_tools.reporting.charts import svg_bytes

    with matplotlib.style.context(_af_style(), after_reset=True):  # as it was drawn
        data = base64.b64encode(svg_bytes(fig)).decode("ascii")
    return render_template("benchmarking/figure.html.j2", svg_base64=data, alt=alt)


def _ranking(result: BenchmarkResult) -> str:
    """The ranked table as pandas writes it (its own escaping of ``<``, ``>`` and ``&``)."""
    table = ranked_table(result)
    shown = pd.DataFrame({
        "Rank": table["rank"],
        "Authority": table["authority"],
        "RL": table["rl"].map("{:.2f}".format),
        "95% CI": [f"{lo:.2f} to {hi:.2f}" for lo, hi in
                   zip(table["rl_ci_low"], table["rl_ci_high"], strict=True)],
        "Against the funnel": table["position"],
    })
    return shown.to_html(index=False, escape=True, border=0)


def intro_html(bench: YearBenchmark) -> str:
    """The page's title, banner (internal mode), how to read it and the returns that could not
    be used, as HTML."""
    return render_template(
        "benchmarking/intro.html.j2", year=bench.year, min_authorities=MIN_AUTHORITIES,
        banner=BANNER_INTERNAL if bench.disclosure == "internal" else None,
        published=bench.disclosure == "published", withheld=WITHHELD,
        unusable=[(bench.names.get(a, a), why) for a, why in sorted(bench.unusable.items())])


def _sentence(clause: str) -> str:
    return clause[:1].upper() + clause[1:] + "."


#: The key line under any part of the page that shows the withheld-count symbol.
SYMBOL_KEY = (f"{SYMBOL}: a count that is not published, so that no small count of people can "
              "be read or worked out from the figures shown.")


def metric_html(bench: YearBenchmark, metric: str) -> str:
    """One metric's section: pooled figure, funnel plot with its text alternative, ranked
    table, and the authorities not shown; with no funnel (too few authorities with a figure),
    why in words instead of the pooled figure, the plot and the ranks."""
    result = bench.results[metric]
    shown: dict[str, object] = {"figure": None, "pooled": pooled_sentence(result)}
    if result.n:
        fig, alt = funnel_plot(result)
        order = "highest" if METRICS[result.metric].adverse_when == "high" else "lowest"
        shown.update({
            "figure": Markup(html_figure(fig, alt)),
            "ranking_caption": f"Authorities ranked from the {order} RL, the least favourable "
                               f"to {GROUP_ADJECTIVES[result.group]} "
                               f"{METRICS[result.metric].rl_population} on this metric: rank 1 "
                               "first. Ranks of close figures are not "
                               "reliable: read them with the intervals, and with where each "
                               "authority sits against the funnel (see “Ranks and the funnel” "
                               "above).",
            "ranking": Markup(_ranking(result)),
        })
    else:
        shown["pooled"] = (f"{_sentence(str(result.reason))} So no funnel plot, pooled figure "
                           "or ranking is given for this metric; each authority's own figure "
                           "is in its own reports.")
    excluded = [(str(r["name"]), str(r["reason"])) for _, r in result.excluded.iterrows()]
    texts = [str(v) for v in shown.values()] + [t for pair in excluded for t in pair]
    return render_template(
        "benchmarking/metric.html.j2", metric=metric, title=METRICS[metric].title,
        excluded=excluded, key=SYMBOL_KEY if any(SYMBOL in t for t in texts) else None,
        **shown)


def _note_rows(bench: YearBenchmark) -> list[tuple[str, str, str, str, str]]:
    """The method note's table: metric, authorities with a figure to plot, phi, tau²,
    limits widened."""
    rows = []
    for metric, result in bench.results.items():
        label = f"{metric} {METRICS[metric].short_title}"
        if not result.n or result.phi is None:
            rows.append((label, str(result.n_with_figure), "no funnel", "no funnel",
                         "no funnel"))
            continue
        rows.append((label, str(result.n_with_figure), f"{result.phi:.2f}", f"{result.tau2:.4f}",
                     "yes" if result.adjusted else "no"))
    return rows


def note_html(bench: YearBenchmark) -> str:
    """The method note at the end of the page: the technical terms the reader's text leaves
    out (precision, the limits' formula, over-dispersion with each metric's phi and tau², the
    minimum number of authorities)."""
    return render_template(
        "benchmarking/note.html.j2", z_95=f"{Z_95:.2f}", z_998=f"{Z_998:.2f}",
        trim=f"{TRIM:.0%}", min_authorities=MIN_AUTHORITIES, rows=_note_rows(bench),
        low=_listed([m for m in bench.results if METRICS[m].adverse_when != "high"]))


def show_intro(bench: YearBenchmark) -> None:
    """Display :func:`intro_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(intro_html(bench)))


def show_metric(bench: YearBenchmark, metric: str) -> None:
    """Display :func:`metric_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(metric_html(bench, metric)))


def show_note(bench: YearBenchmark) -> None:
    """Display :func:`note_html` in a notebook: the page's last section."""
    from IPython.display import HTML, display

    display(HTML(note_html(bench)))


def positions(bench: YearBenchmark, authority: str) -> dict[str, str]:
    """Metric -> where the authority sits (:func:`position_of`), for its summary report."""
    out = {}
    for metric, result in bench.results.items():
        try:
            out[metric] = position_of(result, authority)
        except BenchmarkError:
            out[metric] = f"{bench.names.get(authority, authority)} has no return for {bench.year}."
    return out
