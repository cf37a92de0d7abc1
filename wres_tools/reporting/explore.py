"""Live exploration in JupyterLab: pick an authority, year, service, metric and comparison group
from dropdowns built from the returns found, and the banner, narrative, figures table and charts
update in place.

Two layers, as in :mod:`wres_tools.reporting.report`. :func:`render` is pure: a
:class:`~wres_tools.reporting.data.ReportData` (already through disclosure control) and a
selection in, the HTML of each part out. :class:`Explorer` holds the ipywidgets and their
callbacks and only wires the dropdowns to :func:`wres_tools.reporting.report.load` and
:func:`render`. Every sentence comes from :mod:`wres_tools.reporting.narrative`, every chart from
:mod:`wres_tools.reporting.charts`, every count through
:func:`wres_tools.reporting.formats.count_text`, and tables and paragraphs are laid out with the
report's own helpers and templates so a figure prints here exactly as in the published report; no
figure is worked out here.

Internal mode is the default (the analyst's own screen) and carries its banner; the toggle
switches to the published figures, which are loaded through the same disclosure control as the
batch reports, so a withheld count is never on screen in published mode.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from wres_tools import disclosure
from wres_tools.contract import ReturnError
from wres_tools.metrics import COMPARISON_GROUPS, GROUP_ADJECTIVES, METRICS, MetricInputError
from wres_tools.parameters import ParameterError, load_parameters, resolve_parameters_dir
from wres_tools.paths import DEMO_DATA_DIR
from wres_tools.reporting import charts, narrative
from wres_tools.reporting.blocks import html_paragraphs, html_table
from wres_tools.reporting.data import SHARE_METRICS, SYNTHETIC_BANNER, ReportData
from wres_tools.reporting.formats import (
    unknown_text,
)
from wres_tools.reporting.report import load
from wres_tools.reporting.sections import (
    band_count_text,
    band_index_text,
    figure_lines,
    metric_title,
    share_text,
)
from wres_tools.reporting.templating import render_template
from wres_tools.returns.find import find_returns

#: The disclosure modes the toggle offers, in the order shown.
MODE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("Internal: every count", "internal"),
    ("Published: small counts withheld", "published"),
)
#: Parts of the page, in reading order (also the keys :func:`render` returns).
PARTS: tuple[str, ...] = ("banner", "narrative", "table", "chart")
_BANNER_STYLE = "padding:0.5em 0.75em;border-left:6px solid {};background:{};color:#000"
_BANNER_COLOURS = {"internal": ("#b35900", "#fff3e0"), "synthetic": ("#12436d", "#e8f0f8"),
                   "published": ("#28a197", "#eef8f7")}
LOAD_ERRORS = (ReturnError, ParameterError, MetricInputError, FileNotFoundError)


@dataclass(frozen=True)
class Selection:
    """What the dropdowns hold: one authority-year, metric, service and comparison group."""

    authority: str
    year: int
    service: str
    metric: str
    group: str
    disclosure: str


# ---------------------------------------------------------------- options from the data


def returns_by_authority(data_dir: Path | str) -> dict[str, tuple[int, ...]]:
    """Each authority with a return under ``data_dir`` -> its years, oldest first."""
    years: dict[str, list[int]] = {}
    for ref in find_returns(data_dir):
        years.setdefault(ref.authority, [])
        if ref.year not in years[ref.authority]:
            years[ref.authority].append(ref.year)
    return {authority: tuple(sorted(ys)) for authority, ys in sorted(years.items())}


def display_name(authority: str, parameters_dir: Path) -> str:
    """The authority's display name from its parameters; its folder name if they are unusable
    (the return's own error is shown when it is chosen)."""
    try:
        return load_parameters(authority, parameters_dir).display_name
    except ParameterError:
        return authority


def service_options(results: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, service) for the services the year's results hold, all services first."""
    present = set(results["service"])
    order = ("all", *(s for s in charts.SERVICE_ORDER if s != "all"))
    return [(charts.SERVICE_LABELS[s], s) for s in order if s in present]


def group_options(results: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, group): all minority ethnic, then each high-level group the year's results hold."""
    present = set(results["group"])
    return [(charts.GROUP_LABELS[g], g) for g in COMPARISON_GROUPS
            if g == "minority" or g in present]


def metric_options() -> list[tuple[str, str]]:
    """(title, id) for every metric, in report order."""
    return [(f"{m}: {d.title}", m) for m, d in METRICS.items()]


# ---------------------------------------------------------------- the page, pure


def selected_records(data: ReportData, metric: str, service: str,
                     group: str) -> pd.DataFrame:
    """The year's records of one metric, service and group: one record, or for M1 one per pay
    band (lowest first) and the whole workforce."""
    records = data.metric(metric)
    return records[(records["service"] == service) & (records["group"] == group)]


def render(
    data: ReportData, metric: str, service: str, group: str, *, with_charts: bool = True
) -> dict[str, str]:
    """The HTML of each part of the page (:data:`PARTS`) for one selection."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}: expected one of {', '.join(METRICS)}")
    parts = dict.fromkeys(PARTS, "")
    parts["banner"] = banner(data)
    records = data.metric(metric)
    heading = _heading(data, metric, service, group)
    if records.empty or (records["status"] == "not_collected").all():
        parts["narrative"] = heading + html_paragraphs([narrative.not_collected(metric)],
                                                       css="headline", strong=True)
        return parts
    chosen = selected_records(data, metric, service, group)
    whole = next((r for r in charts.as_records(chosen) if r["pay_band"] is None), None)
    if whole is None:
        parts["narrative"] = heading + html_paragraphs([
            f"The {data.year} return counts no {_noun(group, metric)} in "
            f"{'any service' if service == 'all' else _service_words(service)}, so there is "
            "nothing to compare for this group."])
        return parts
    bands = chosen[chosen["pay_band"].notna()]
    sentences = narrative.describe(whole)
    if metric == "M1" and not bands.empty:
        trend = narrative.band_trend(bands)
        sentences = [trend, *sentences] if trend else sentences
    unknowns = narrative.describe_unknowns(whole)
    first, *rest = [s for s in [*sentences, unknowns] if s]
    parts["narrative"] = (heading + html_paragraphs([first], css="headline", strong=True)
                          + html_paragraphs(rest))
    parts["table"] = figures_table(data, metric, whole, charts.as_records(bands))
    if with_charts:
        parts["chart"] = "".join(c.html() for c in chart_list(data, metric, service, group))
    return parts


def banner(data: ReportData) -> str:
    """The internal-use banner (internal mode), the synthetic-data banner, and in published mode
    what the symbols mean."""
    lines = []
    if data.disclosure == "internal":
        lines.append(("internal", disclosure.BANNER_INTERNAL))
    else:
        lines.append(("published", f"Published figures. {disclosure.symbols_note(data.threshold)}"))
    if data.synthetic:
        lines.append(("synthetic", SYNTHETIC_BANNER))
    return render_template("blocks/banners.html.j2", banners=[
        (kind, text, _BANNER_STYLE.format(*_BANNER_COLOURS[kind])) for kind, text in lines])


def figures_table(data: ReportData, metric: str, whole: dict[str, Any],
                  bands: Sequence[dict[str, Any]] = ()) -> str:
    """The selected group's figures against white staff, as the report tables print them."""
    name, words = _group_name(str(whole["group"])), GROUP_ADJECTIVES[str(whole["group"])]
    where = (f"{metric_title(metric)}: {name} and white staff, "
             f"{charts.SERVICE_LABELS[str(whole['service'])].lower()}, {data.display_name}, "
             f"{data.year}")
    if metric == "M1":
        rows = [[str(r["pay_band"] or "Whole workforce"), band_count_text(r, data), share_text(r),
                 band_index_text(r)] for r in [*bands, whole]]
        rows.append(["Unknown ethnicity, left out", unknown_text(whole, data), "", ""])
        return html_table(where, ["Pay band (lowest first)", f"{name} / white staff",
                                  f"{name} share of the band (95% CI)",
                                  "Representation index"], rows, text=True)
    rows = [[label, show(whole)] for label, show in figure_lines(metric, data, name, words)]
    return html_table(where, ["Figure", charts.SERVICE_LABELS[str(whole["service"])]], rows,
                      text=True)


def chart_list(data: ReportData, metric: str, service: str,
               group: str) -> list[charts.Chart]:
    """The charts for one selection: the metric's own chart for the service (every group's
    relative likelihood; M1 and M9 as the report draws them), then the chosen group over time
    when more than one year is held."""
    records = data.metric(metric)
    here = records[records["service"] == service]
    where = charts.SERVICE_LABELS[service].lower()
    if metric == "M1":
        drawn = [charts.pay_band_chart(here[here["group"] == "minority"],
                                       title=f"M1: minority ethnic share by pay band, {where}")]
    elif metric == "M9":
        drawn = [charts.shares_chart(here[here["group"] == "minority"],
                                     title=f"M9: minority ethnic share of senior management, "
                                           f"{where}")]
    else:
        drawn = [charts.forest_plot(here[here["pay_band"].isna()], rows="group",
                                    title=f"{metric}: relative likelihood by ethnic group, "
                                          f"{where}")]
    if len(data.years) > 1:
        history = data.history[(data.history["metric"] == metric)
                               & (data.history["service"] == service)
                               & (data.history["group"] == group)]
        measure = "share" if metric in SHARE_METRICS else "rl"
        if metric == "M1":
            drawn.append(charts.trend_chart(
                history[history["pay_band"].notna()], measure=measure, series="pay_band",
                title=f"M1: {GROUP_ADJECTIVES[group]} share by pay band over time, {where}"))
        else:
            title = (f"M9: {GROUP_ADJECTIVES[group]} share of senior management over time, {where}"
                     if metric == "M9" else f"{metric}: relative likelihood over time, "
                     f"{GROUP_ADJECTIVES[group]} ÷ white, {where}")
            drawn.append(charts.trend_chart(history[history["pay_band"].isna()],
                                            measure=measure, title=title))
    return drawn


def _heading(data: ReportData, metric: str, service: str, group: str) -> str:
    mode = ("published figures: small counts withheld" if data.disclosure == "published"
            else "internal figures: every count shown")
    return render_template(
        "explore/heading.html.j2", title=metric_title(metric), place=data.display_name,
        year=data.year, service=_service_words(service), noun=_noun(group, metric),
        population=METRICS[metric].population, mode=mode)


def _group_name(group: str) -> str:
    words = GROUP_ADJECTIVES.get(group, group)
    return words[:1].upper() + words[1:]


def _noun(group: str, metric: str) -> str:
    return f"{GROUP_ADJECTIVES.get(group, group)} {METRICS[metric].population}"


def _service_words(service: str) -> str:
    return charts.SERVICE_LABELS.get(service, service).lower()


def error_html(exc: Exception) -> str:
    """A return or parameter file that cannot be used: what was found, as ``wres validate``
    reports it."""
    return render_template("explore/error.html.j2", error=str(exc))


# ---------------------------------------------------------------- the widgets


class Explorer:
    """Dropdowns over the returns under ``data_dir`` and the page they select.

    ``data_dir`` None explores the synthetic demo data (``make demo``). ``disclosure`` is where
    the toggle starts: "internal" (the default: an analyst's own screen) or "published".
    Display ``.widget`` in a notebook; ``.state()`` gives the selection and ``.render_html()``
    what is on screen.
    """

    def __init__(self, data_dir: Path | str | None = None,
                 parameters_dir: Path | str | None = None, disclosure: str = "internal", *,
                 with_charts: bool = True) -> None:
        if disclosure not in dict(MODE_OPTIONS).values():
            raise ValueError(f"disclosure {disclosure!r}: expected 'internal' or 'published'")
        self.data_dir = DEMO_DATA_DIR if data_dir is None else Path(data_dir)
        self.parameters_dir = Path(parameters_dir) if parameters_dir is not None else None
        self.with_charts = with_charts
        if not self.data_dir.is_dir():
            hint = " (make demo writes the synthetic demo data)" if data_dir is None else ""
            raise FileNotFoundError(f"{self.data_dir}: data folder not found{hint}")
        self.returns = returns_by_authority(self.data_dir)
        if not self.returns:
            raise FileNotFoundError(
                f"{self.data_dir}: no returns found; expected <authority>/<year>.xlsx or a "
                "folder <authority>/<year>/ of CSV files")
        params_dir = resolve_parameters_dir(self.data_dir, self.parameters_dir)
        self.data: ReportData | None = None
        self._busy = False

        def dropdown(description: str, **kw: Any) -> widgets.Dropdown:
            return widgets.Dropdown(description=description, style={"description_width":
                                    "initial"}, layout=widgets.Layout(width="auto"), **kw)

        self.authority = dropdown(
            "Authority", options=[(display_name(a, params_dir), a) for a in self.returns])
        self.year = dropdown("Year")
        self.service = dropdown("Service")
        self.metric = dropdown("Metric", options=metric_options())
        self.group = dropdown("Compared with white staff")
        self.mode = widgets.ToggleButtons(
            options=list(MODE_OPTIONS), value=disclosure, description="Figures",
            style={"description_width": "initial", "button_width": "auto"})
        self.parts = {part: widgets.HTML() for part in PARTS}
        self.widget = widgets.VBox([
            widgets.HBox([self.authority, self.year, self.service]),
            widgets.HBox([self.metric, self.group]),
            self.mode,
            *self.parts.values(),
        ])
        self.authority.observe(self._on_authority, "value")
        for control in (self.year, self.mode):
            control.observe(self._on_return, "value")
        for control in (self.service, self.metric, self.group):
            control.observe(self._on_view, "value")
        self._on_authority()

    # -- what is shown

    def state(self) -> Selection:
        """The current selection."""
        return Selection(self.authority.value, self.year.value, self.service.value,
                         self.metric.value, self.group.value, self.mode.value)

    def render_html(self) -> str:
        """Everything on the page below the controls, as one HTML fragment."""
        return "".join(self.parts[part].value for part in PARTS)

    def select(self, **values: object) -> Selection:
        """Set several controls, in the order their options depend on one another
        (authority, year, mode, then service, metric and group); returns the selection."""
        unknown = set(values) - {"authority", "year", "disclosure", "service", "metric", "group"}
        if unknown:
            raise TypeError(f"unknown control(s) {', '.join(sorted(unknown))}")
        for name in ("authority", "year", "disclosure", "service", "metric", "group"):
            if name in values:
                control = self.mode if name == "disclosure" else getattr(self, name)
                allowed = [v for _, v in control.options]
                if values[name] not in allowed:
                    raise ValueError(f"{name} {values[name]!r} is not offered here: expected "
                                     f"one of {', '.join(map(str, allowed))}")
                control.value = values[name]
        return self.state()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- callbacks

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Change options without each change re-rendering the page."""
        busy, self._busy = self._busy, True
        try:
            yield
        finally:
            self._busy = busy

    def _on_authority(self, change: dict | None = None) -> None:
        years = self.returns[self.authority.value]
        with self._quiet():
            _set_options(self.year, [(str(y), y) for y in years], default=years[-1])
        self._load()

    def _on_return(self, change: dict | None = None) -> None:
        if not self._busy:
            self._load()

    def _on_view(self, change: dict | None = None) -> None:
        if not self._busy:
            self._show()

    def _load(self) -> None:
        """Read the chosen authority-year in the chosen mode (cached by load), then offer
        the services and groups its results hold."""
        try:
            self.data = load(self.authority.value, self.year.value, self.data_dir,
                                    disclosure_mode=self.mode.value,
                                    parameters_dir=self.parameters_dir)
        except LOAD_ERRORS as exc:
            self.data = None
            with self._quiet():
                _set_options(self.service, [], default=None)
                _set_options(self.group, [], default=None)
            for part in PARTS:
                self.parts[part].value = ""
            self.parts["narrative"].value = error_html(exc)
            return
        with self._quiet():
            _set_options(self.service, service_options(self.data.results), default="all")
            _set_options(self.group, group_options(self.data.results), default="minority")
        self._show()

    def _show(self) -> None:
        if self.data is None:
            return
        parts = render(self.data, self.metric.value, self.service.value, self.group.value,
                       with_charts=self.with_charts)
        for part in PARTS:
            self.parts[part].value = parts[part]


def _set_options(control: widgets.Dropdown, options: list[tuple[str, Any]],
                 default: object) -> None:
    """New options; the current value is kept when it is still offered, else ``default`` (or
    the first option)."""
    values = [v for _, v in options]
    keep = control.value if control.value in values else (
        default if default in values else (values[0] if values else None))
    control.options = options
    control.value = keep


def selection_frame(explorer: Explorer) -> pd.DataFrame:
    """The records behind what ``explorer`` shows now (its authority, year, metric, service and
    group, in its mode), numeric columns as numbers, for the analyst's own analysis; a
    ValueError when the chosen return could not be read (the page says why)."""
    if explorer.data is None:
        raise ValueError("no results to give: the chosen return could not be used (see the page)")
    selection = explorer.state()
    records = selected_records(explorer.data, selection.metric, selection.service,
                               selection.group)
    return records.reset_index(drop=True)
