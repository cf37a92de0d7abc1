"""What the notebooks call: load the published results for an authority-year and build each
section of a metric report or of the summary as accessible HTML.

Two layers. :func:`load` reads every return of the authority up to the year, computes the results
and the change over time, and applies disclosure control, once, before anything is formatted; it
caches per process, keyed by the files' (path, size, mtime_ns), so the ten notebooks of one
authority-year in one warm kernel compute once, and each return is read and computed once per
process (:mod:`wres_tools.computed`, shared with the year's benchmark).
:func:`build_metric_report` and :func:`build_summary` are pure: published :class:`ReportData` in,
a :class:`Report` of HTML sections out. Every sentence comes from :mod:`wres_tools.narrative`,
every chart from :mod:`wres_tools.charts`; this module only lays them out.

Tables print every count withheld by disclosure control as "[c]", small or protective alike, and
a derived figure that was withheld as "not published"; what was withheld is read from each
record's ``withheld`` column, set by the one publishing step (:mod:`wres_tools.publish`). In
published mode no count from 1 to threshold-1 is ever printed, whatever the frame holds (a
second guard behind the publishing step). The data-quality figures are the records' own
``unknown_count`` and ``unknown_pct``, so they pass through the same disclosure control as every
other count.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wres_tools import (
    actions,
    benchmarking,
    charts,
    computed,
    disclosure,
    io,
    metrics,
    narrative,
    publish,
    trends,
)
from wres_tools.contract import METRIC_TABLES, RESULT_COLUMNS, ReturnError
from wres_tools.ethnicity import GROUPS
from wres_tools.parameters import Parameters, load_parameters, resolve_parameters_dir
from wres_tools.paths import DEMO_DATA_DIR

#: Notebook stem -> the metric ids its report covers; the batch writes <stem>.html.
NOTEBOOKS: dict[str, tuple[str, ...]] = {
    "m1_pay_bands": ("M1",),
    "m2_appointment": ("M2",),
    "m3_disciplinary": ("M3",),
    "m4_fitness_to_practise": ("M4",),
    "m5_cpd": ("M5",),
    "m6_harassment_public": ("M6",),
    "m7_harassment_colleagues": ("M7a", "M7b"),
    "m8_leavers": ("M8",),
    "m9_senior_management": ("M9",),
    "summary": tuple(METRIC_TABLES),
}
#: Metric id -> the stem of the notebook (and HTML file) that reports it.
REPORT_OF_METRIC: dict[str, str] = {
    metric: stem for stem, ids in NOTEBOOKS.items() if stem != "summary" for metric in ids
}
#: Metrics reported as shares (M1, M9) rather than relative likelihoods.
SHARE_METRICS: tuple[str, ...] = tuple(m for m, d in metrics.METRICS.items() if d.kind != "ratio")
#: Words that tie a return's notice to a metric's data-quality notes, besides its table's name.
NOTICE_WORDS: dict[str, tuple[str, ...]] = {
    "M1": ("pay band", "pay_band"),
    "M9": ("senior", "population"),
}
#: Metrics from the staff survey, which also carry the gap in percentage points.
SURVEY_METRICS: tuple[str, ...] = tuple(
    m for m, d in metrics.METRICS.items() if d.table == "survey"
)
SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: this report is made from invented demonstration data, not from any "
    "authority's real return."
)
NOT_PUBLISHED = "not published"
NOT_AVAILABLE = "not available"
NOT_COMPARED = "not compared"


# ---------------------------------------------------------------- the data a report is made from


@dataclass(frozen=True)
class ReportData:
    """Everything one authority-year's reports show, already through disclosure control."""

    authority: str
    display_name: str
    year: int
    disclosure: str  # published | internal
    threshold: int
    synthetic: bool
    results: pd.DataFrame  # the year's result records (RESULT_COLUMNS)
    history: pd.DataFrame  # the result records of every year held up to ``year``
    trends: pd.DataFrame  # trends.change_over_time to ``year``, published
    pooled: pd.DataFrame  # M3 over the latest two years (trends.pooled_disciplinary), published
    notices: tuple[str, ...] = ()  # the return's notices (tables not collected, band order)
    years: tuple[int, ...] = ()
    unusable: tuple[str, ...] = ()  # earlier years' returns left out of the change over time
    action_plan: pd.DataFrame | None = None  # the year's tidy plan; None: the return has none

    def metric(self, metric: str) -> pd.DataFrame:
        """The year's records of one metric."""
        return self.results[self.results["metric"] == metric]


_CACHE: OrderedDict[tuple, ReportData] = OrderedDict()
_CACHE_SIZE = 64


def load(
    authority: str,
    year: int,
    data_dir: Path | str | None,
    *,
    disclosure_mode: str | None = None,
    parameters_dir: Path | str | None = None,
) -> ReportData:
    """Read, compute and publish one authority-year and the years before it.

    ``data_dir`` None reads the synthetic demo data. ``disclosure_mode`` None takes the
    parameters' setting (published by default). Raises
    :class:`~wres_tools.contract.ReturnError` for an unusable return and :class:`FileNotFoundError`
    when the data folder holds no return for the authority and year.
    """
    data_dir = DEMO_DATA_DIR if data_dir is None else Path(data_dir)
    params_dir = resolve_parameters_dir(data_dir, Path(parameters_dir) if parameters_dir else None)
    params = load_parameters(authority, params_dir)
    mode = disclosure_mode or params.disclosure
    if mode != params.disclosure:  # validation follows the mode asked for (owners' names)
        params = params.model_copy(update={"disclosure": mode})
    refs = [r for r in io.find_returns(data_dir) if r.authority == authority and r.year <= year]
    if not any(r.year == year for r in refs):
        raise FileNotFoundError(
            f"{data_dir}: no return for authority {authority!r} and year {year} "
            f"(expected {data_dir / authority / f'{year}.xlsx'} or a folder {year}/ of CSV files)"
        )
    param_files = [params_dir / "defaults.yml", params_dir / f"{authority}.yml"]
    key = (
        authority, year, str(data_dir.resolve()), str(params_dir.resolve()), mode,
        tuple(computed.fingerprint(r.path) for r in refs),
        tuple(computed.fingerprint(p) for p in param_files if p.exists()),
    )
    if key not in _CACHE:
        computed.remember(_CACHE, key, _publish(authority, year, refs, params, mode), _CACHE_SIZE)
    return _CACHE[key]


def _publish(
    authority: str, year: int, refs: Sequence[io.ReturnRef], params: Parameters, mode: str
) -> ReportData:
    done: dict[int, tuple] = {}
    skipped = []
    for ref in refs:
        try:
            done[ref.year] = computed.published_return(ref, params, mode)
        except ReturnError as exc:
            if ref.year == year:
                raise
            # an earlier year that cannot be used must not stop this year's report
            skipped.append(f"The {ref.year} return could not be used "
                           f"({len(exc.report.errors)} problem(s); run wres validate), so the "
                           "change over time leaves it out.")
    internal = {y: results for y, (_, results, _) in done.items()}
    published = {y: shown for y, (_, _, shown) in done.items()}
    # a report for a year before the baseline compares with the previous year only
    baseline = params.baseline_year if (params.baseline_year or 0) <= year else None
    change = trends.change_over_time(internal, baseline, alpha=1 - params.confidence, year=year)
    if baseline is None and params.baseline_year is not None:
        change = change[change["compared_with"] != "baseline"].reset_index(drop=True)
    change = publish.publish_trends(change, published, mode)
    returns = [ret for _, (ret, _, _) in sorted(done.items())]
    pooled_years = sorted(done)[-2:]
    pooled = publish.publish_pooled(trends.pooled_disciplinary(returns, params), published,
                                    pooled_years, params, mode)
    ret = done[year][0]
    published = {y: _plain(frame) for y, frame in published.items()}
    pooled = _plain(pooled)
    return ReportData(
        authority=authority,
        display_name=params.display_name,
        year=year,
        disclosure=mode,
        threshold=params.threshold,
        synthetic=ret.synthetic,
        results=published[year],
        history=pd.concat(published.values(), ignore_index=True),
        trends=change,
        pooled=pooled,
        notices=tuple(str(p.message) for p in ret.notices),
        unusable=tuple(skipped),
        years=tuple(sorted(published)),
        action_plan=ret.action_plan,
    )


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with None for every missing value (JSON null, never NaN), and no attrs:
    they were read into ``hidden``, and pandas deep-copies attrs on every slice."""
    out = frame.astype(object)
    out = out.where(out.notna(), None)
    out.attrs.clear()
    return out


# ---------------------------------------------------------------- formatting


def _ratio(value: object) -> str:
    number = charts.number(value)
    return NOT_PUBLISHED if number is None else f"{number:.2f}"


def _pct(value: object) -> str:
    number = charts.number(value)
    return NOT_PUBLISHED if number is None else f"{number * 100:.1f}%"


def _pp(value: object) -> str:
    """A difference already in percentage points (gaps, changes of a share)."""
    number = charts.number(value)
    return NOT_PUBLISHED if number is None else f"{number:+.1f} pp"


def _with_ci(fmt: Callable[[object], str], value: object, low: object, high: object) -> str:
    text = fmt(value)
    if text == NOT_PUBLISHED or charts.number(low) is None or charts.number(high) is None:
        return text
    return f"{text} ({fmt(low)} to {fmt(high)})"


def count_text(record: Mapping[str, object], column: str, data: ReportData) -> str:
    """A count as a table prints it: "1,234", "[c]" (withheld by disclosure control, whatever
    its size: one symbol, so that a small count cannot be told from a protective one) or "not
    available". In published mode a count from 1 to threshold-1 is never printed: if one ever
    reached a table (a publishing-step bug) it prints "[c]" too."""
    number = charts.number(record.get(column))
    if number is not None:
        if data.disclosure == "published" and 1 <= number < data.threshold:
            return publish.SYMBOL
        return f"{int(number):,}"
    if data.disclosure == "published" and (publish.is_withheld(record, column) or (
            record.get("suppressed") and "withheld" not in record)):
        return publish.SYMBOL
    return NOT_AVAILABLE


@dataclass(frozen=True)
class Link:
    """A table cell that links to another report in the same folder."""

    text: str
    href: str

    def html(self) -> str:
        return f'<a href="{html.escape(self.href)}">{html.escape(self.text)}</a>'


def _table(
    caption: str, columns: Sequence[str], rows: Iterable[Sequence[str | Link]], *,
    css: str = "figures", text: bool = False,
) -> str:
    """An accessible table: caption, column headers with scope, first cell of a row a row header.

    ``text=True`` aligns every cell left (sentences), else the notebook's own style applies.
    """
    align = ' style="text-align:left"' if text else ""
    head = "".join(f'<th scope="col"{align}>{html.escape(c)}</th>' for c in columns)
    body = []
    for row in rows:
        first, *rest = row
        cells = "".join(
            f"<td{align}>{c.html() if isinstance(c, Link) else html.escape(str(c))}</td>"
            for c in rest
        )
        body.append(f'<tr><th scope="row"{align}>{html.escape(str(first))}</th>{cells}</tr>')
    return (
        f'<table class="{css}"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _paragraphs(sentences: Iterable[str], css: str | None = None, strong: bool = False) -> str:
    attr = f' class="{css}"' if css else ""
    wrap = ("<strong>", "</strong>") if strong else ("", "")
    return "".join(f"<p{attr}>{wrap[0]}{html.escape(s)}{wrap[1]}</p>" for s in sentences if s)


# ---------------------------------------------------------------- the report object


@dataclass(frozen=True)
class Section:
    """One part of a report: a key the notebook can ask for, a heading and its HTML."""

    key: str
    heading: str | None
    body: str

    def html(self) -> str:
        heading = f"<h2>{html.escape(self.heading)}</h2>" if self.heading else ""
        return f'<section class="{self.key}">{heading}{self.body}</section>'


@dataclass(frozen=True)
class Report:
    """A metric report or the summary: sections in reading order."""

    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.sections)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def html(self, *keys: str) -> str:
        """The named sections (all by default) as one HTML fragment, in reading order.

        A key names a section ("figures"), or, in a report of several metrics, every section of
        one metric ("M7a" gives "M7a/headline", "M7a/figures", ...). Unknown keys give nothing:
        a not-collected metric has no chart, and its notebook cell shows nothing.
        """
        if not keys:
            return "".join(s.html() for s in self.sections)
        return "".join(
            s.html() for s in self.sections
            if s.key in keys or s.key.split("/")[0] in keys
        )

    def show(self, *keys: str) -> None:
        """Display the named sections (all by default) in a notebook."""
        from IPython.display import HTML, display

        display(HTML(self.html(*keys)))

    def _repr_html_(self) -> str:
        return self.html()


# ---------------------------------------------------------------- shared sections


def _banners(data: ReportData) -> Section:
    parts = []
    if data.disclosure == "internal":
        parts.append(f'<p class="banner internal" role="note"><strong>'
                     f"{html.escape(disclosure.BANNER_INTERNAL)}</strong></p>")
    if data.synthetic:
        parts.append(f'<p class="banner synthetic" role="note"><strong>'
                     f"{html.escape(SYNTHETIC_BANNER)}</strong></p>")
    return Section("banners", None, "".join(parts))


def _title(data: ReportData, title: str) -> Section:
    mode = ("published figures: small counts withheld" if data.disclosure == "published"
            else "internal figures: every count shown")
    return Section(
        "title", None,
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="subtitle">{html.escape(data.display_name)}, reporting year {data.year} '
        f"({html.escape(mode)}).</p>",
    )


def _metric_title(metric: str) -> str:
    return f"{metric}: {metrics.METRICS[metric].title}"


# ---------------------------------------------------------------- metric reports


def metric_view(
    authority: str,
    year: int,
    data_dir: Path | str | None,
    *metric_ids: str,
    disclosure: str | None = None,
    parameters_dir: Path | str | None = None,
    with_charts: bool = True,
) -> Report:
    """The report of one notebook: ``metric_view(a, y, d, "M3")`` or ``(..., "M7a", "M7b")``.

    ``data_dir`` None reads the synthetic demo data; ``with_charts=False`` leaves charts out.
    """
    data = load(authority, year, data_dir, disclosure_mode=disclosure,
                parameters_dir=parameters_dir)
    return build_metric_report(data, metric_ids, with_charts=with_charts)


def build_metric_report(
    data: ReportData, metric_ids: Sequence[str], *, with_charts: bool = True
) -> Report:
    """Sections of a metric report (several metrics, e.g. M7a and M7b, one after the other)."""
    if not metric_ids:
        raise ValueError("name at least one metric, e.g. 'M3'")
    unknown = [m for m in metric_ids if m not in METRIC_TABLES]
    if unknown:
        raise ValueError(
            f"unknown metric {unknown[0]!r}: expected one of {', '.join(METRIC_TABLES)}"
        )
    title = " and ".join(_metric_title(m) for m in metric_ids)
    sections = [_banners(data), _title(data, title)]
    for metric in metric_ids:
        sections += _metric_sections(data, metric, prefix=len(metric_ids) > 1,
                                     with_charts=with_charts)
    sections.append(_how_to_read(data, metric_ids))
    return Report(title, tuple(sections))


def _metric_sections(
    data: ReportData, metric: str, *, prefix: bool, with_charts: bool
) -> list[Section]:
    records = data.metric(metric)
    key = (lambda k: f"{metric}/{k}") if prefix else (lambda k: k)
    name = (lambda h: f"{metric}: {h}") if prefix else (lambda h: h)
    if records.empty or (records["status"] == "not_collected").all():
        return [
            Section(key("headline"), name("Not collected") if prefix else None,
                    _paragraphs([narrative.not_collected(metric)], "headline")),
            _actions(data, metric, key("actions"), name("Actions aimed at this metric")),
            _quality(data, metric, records, key("quality"), name("Data quality")),
        ]
    sections = [
        Section(key("headline"), name("Headline") if prefix else None,
                _paragraphs([narrative.headline(records)], "headline", strong=True)),
        Section(key("findings"), name("What the figures say"), _findings(metric, records)),
        Section(key("figures"), name("Figures with 95% intervals, by service"),
                _figures_table(data, metric, records)),
        Section(key("chart"), name("Charts"),
                "".join(c.html() for c in _charts(metric, records))) if with_charts else None,
        Section(key("groups"), name("Ethnic groups compared with white staff"),
                _groups_table(data, metric, records)),
        _trend(data, metric, key("trend"), name("Change over time"), with_charts),
        _actions(data, metric, key("actions"), name("Actions aimed at this metric")),
        _pooled(data, key("pooled")) if metric == "M3" else None,
        _quality(data, metric, records, key("quality"), name("Data quality")),
    ]
    return [s for s in sections if s is not None]


_SERVICE_COLUMNS = tuple(charts.SERVICE_LABELS.items())


def _findings(metric: str, records: pd.DataFrame) -> str:
    """The narrative, a paragraph per service: all services first, as the headline reads."""
    by_service = _by_service(records)
    paragraphs = []
    for service in ("all", "adults", "children"):
        if service not in by_service:
            continue
        sentences = narrative.describe(by_service[service])
        if metric == "M1":  # how the share moves up the bands, then the whole workforce
            bands = records[(records["group"] == "minority") & (records["service"] == service)
                            & records["pay_band"].notna()]
            trend = narrative.band_trend(bands) if not bands.empty else None
            sentences = [trend, *sentences] if trend else sentences
        paragraphs.append(" ".join(sentences))
    return _paragraphs(paragraphs)


def _by_service(records: pd.DataFrame) -> dict[str, dict[str, object]]:
    main = records[(records["group"] == "minority") & records["pay_band"].isna()]
    return {str(r["service"]): r for r in charts.as_records(main)}


def _figures_table(data: ReportData, metric: str, records: pd.DataFrame) -> str:
    if metric == "M1":
        return _pay_band_table(data, records)
    by_service = _by_service(records)
    services = [(s, label) for s, label in _SERVICE_COLUMNS if s in by_service]
    definition = metrics.METRICS[metric]
    n_label, events_label = definition.denominator, definition.numerator
    count = lambda column: lambda r: count_text(r, column, data)  # noqa: E731
    if metric == "M9":
        lines = [
            ("Minority ethnic senior managers", count("n_group")),
            ("White senior managers", count("n_reference")),
            ("Minority ethnic share of senior management (95% CI)",
             lambda r: _with_ci(_pct, r.get("share"), r.get("share_ci_low"),
                                r.get("share_ci_high"))),
            ("Minority ethnic share of the workforce", lambda r: _pct(r.get("share_workforce"))),
            ("Minority ethnic share of the local population",
             lambda r: _pct(r.get("share_population"))),
            ("Gap to the workforce share", lambda r: _pp(r.get("gap_workforce_pp"))),
            ("Gap to the population share", lambda r: _pp(r.get("gap_population_pp"))),
            ("Representation index (senior ÷ workforce share)",
             lambda r: _ratio(r.get("representation_index"))),
        ]
    else:
        lines = [
            (f"Minority ethnic: {n_label}", count("n_group")),
            (f"Minority ethnic: {events_label}", count("events_group")),
            ("Minority ethnic rate (95% CI)",
             lambda r: _with_ci(_pct, r.get("rate_group"), r.get("rate_group_ci_low"),
                                r.get("rate_group_ci_high"))),
            (f"White: {n_label}", count("n_reference")),
            (f"White: {events_label}", count("events_reference")),
            ("White rate (95% CI)",
             lambda r: _with_ci(_pct, r.get("rate_reference"), r.get("rate_reference_ci_low"),
                                r.get("rate_reference_ci_high"))),
            ("Relative likelihood, minority ÷ white (95% CI)",
             lambda r: _with_ci(_ratio, r.get("rl"), r.get("rl_ci_low"), r.get("rl_ci_high"))),
            ("NHS WRES direction, white ÷ minority", lambda r: _ratio(r.get("rl_nhs_direction"))),
            ("Four-fifths reading (0.80 to 1.25)",
             lambda r: str(r.get("four_fifths") or NOT_PUBLISHED)),
            ("Fisher's exact test p-value", lambda r: _p_value(r.get("p_value"))),
        ]
        if metric in SURVEY_METRICS:
            lines.append(("Gap, minority minus white (95% CI)",
                          lambda r: _with_ci(_pp, r.get("gap_pp"), r.get("gap_pp_ci_low"),
                                             r.get("gap_pp_ci_high"))))
    lines.append(("Unknown ethnicity, left out", lambda r: _unknown(r, data)))
    rows = [[label, *(show(by_service[s]) for s, _ in services)] for label, show in lines]
    return _table(
        f"{_metric_title(metric)}: minority ethnic and white {definition.population}, "
        f"{data.display_name}, "
        f"{data.year}", ["Figure", *(label for _, label in services)], rows,
    )


def _p_value(value: object) -> str:
    number = charts.number(value)
    if number is None:
        return NOT_PUBLISHED
    text = "below 0.001" if number < 0.001 else f"{number:.3f}"
    return f"{text} ({'significant' if number < 0.05 else 'not significant'} at 5%)"


def _unknown(record: Mapping[str, object], data: ReportData) -> str:
    count = count_text(record, "unknown_count", data)
    share = charts.number(record.get("unknown_pct"))
    return count if share is None else f"{count} ({_unknown_pct(share)})"


def _band_grid(
    records: pd.DataFrame, columns: str, show: Callable[[dict[str, object]], str]
) -> tuple[list[str], list[list[str]]]:
    """M1 as a grid: a row per pay band (lowest first) and the whole workforce, a column per
    service (``columns="service"``) or per ethnic group (``columns="group"``)."""
    records_ = charts.as_records(records)
    bands = list(dict.fromkeys(r["pay_band"] for r in records_ if r["pay_band"] is not None))
    order = charts.SERVICE_ORDER if columns == "service" else charts.GROUP_ORDER
    keys = [k for k in order if any(r[columns] == k for r in records_)]
    lookup = {(r[columns], r["pay_band"]): r for r in records_}
    rows = [
        ["Whole workforce" if band is None else str(band),
         *(show(lookup[(k, band)]) if (k, band) in lookup else NOT_AVAILABLE for k in keys)]
        for band in [*bands, None]
    ]
    return keys, rows


def _pay_band_table(data: ReportData, records: pd.DataFrame) -> str:
    """Three small grids, services side by side: staff counts, shares, representation index."""
    minority = records[records["group"] == "minority"]
    where = f"{data.display_name}, {data.year}"
    grids = (
        ("minority ethnic / white staff in each pay band",
         lambda r: f"{count_text(r, 'n_group', data)} / {count_text(r, 'n_reference', data)}"),
        ("minority ethnic share of each pay band (95% CI)",
         lambda r: _with_ci(_pct, r.get("share"), r.get("share_ci_low"), r.get("share_ci_high"))),
        ("representation index (band share ÷ whole-workforce share)",
         lambda r: "1.00" if r["pay_band"] is None and charts.number(r.get("share")) is not None
         else _ratio(r.get("representation_index"))),
    )
    tables = []
    for caption, show in grids:
        services, rows = _band_grid(minority, "service", show)
        tables.append(_table(f"M1: {caption}, {where}",
                             ["Pay band (lowest first)",
                              *(charts.SERVICE_LABELS[s] for s in services)], rows))
    return "".join(tables)


def _charts(metric: str, records: pd.DataFrame) -> list[charts.Chart]:
    title = metrics.METRICS[metric].title
    minority = records[records["group"] == "minority"]
    if metric == "M1":
        return [charts.pay_band_chart(minority, title=f"M1: {title}")]
    if metric == "M9":
        return [charts.shares_chart(minority, title=f"M9: {title}")]
    groups = records[records["pay_band"].isna()]
    definition = metrics.METRICS[metric]
    rate = f"{definition.numerator} ÷ {definition.denominator}"
    return [
        charts.rates_chart(minority, rate_label=rate[0].upper() + rate[1:],
                           title=f"{metric}: rates by service"),
        charts.forest_plot(groups, rows="group",
                           title=f"{metric}: relative likelihood by ethnic group"),
    ]


def _groups_table(data: ReportData, metric: str, records: pd.DataFrame) -> str:
    groups = records[records["group"] != "minority"]
    if groups.empty:
        return _paragraphs(["The return holds no high-level ethnic group figures for this metric."])
    if metric == "M1":  # every band of every service and group is too long: all services
        service = "all" if "all" in set(groups["service"]) else str(groups["service"].iloc[0])
        keys, rows = _band_grid(
            groups[groups["service"] == service], "group",
            lambda r: _with_ci(_pct, r.get("share"), r.get("share_ci_low"), r.get("share_ci_high")),
        )
        return _table(
            f"M1: each high-level census group's share of each pay band (95% CI), "
            f"{charts.SERVICE_LABELS.get(service, service).lower()}",
            ["Pay band (lowest first)", *(GROUPS.get(k, k) for k in keys)], rows)
    order = {g: i for i, g in enumerate(charts.GROUP_ORDER)}
    service_order = {s: i for i, s in enumerate(charts.SERVICE_ORDER)}
    rows = []
    for r in sorted(charts.as_records(groups), key=lambda r: (service_order.get(r["service"], 9),
                                                     order.get(r["group"], 9))):
        name = GROUPS.get(str(r["group"]), str(r["group"]))
        service = charts.SERVICE_LABELS.get(str(r["service"]), str(r["service"]))
        if metric == "M1":
            rows.append([name, service, str(r["pay_band"]), count_text(r, "n_group", data),
                         _with_ci(_pct, r.get("share"), r.get("share_ci_low"),
                                  r.get("share_ci_high")),
                         _ratio(r.get("representation_index"))])
        elif metric == "M9":
            rows.append([name, service, count_text(r, "n_group", data),
                         _with_ci(_pct, r.get("share"), r.get("share_ci_low"),
                                  r.get("share_ci_high"))])
        else:
            rows.append([name, service, count_text(r, "n_group", data),
                         count_text(r, "events_group", data),
                         _with_ci(_pct, r.get("rate_group"), r.get("rate_group_ci_low"),
                                  r.get("rate_group_ci_high")),
                         _with_ci(_ratio, r.get("rl"), r.get("rl_ci_low"), r.get("rl_ci_high")),
                         str(r.get("four_fifths") or NOT_PUBLISHED)])
    if metric == "M1":
        columns = ["Ethnic group", "Service", "Pay band", "Staff", "Share of band (95% CI)",
                   "Representation index"]
    elif metric == "M9":
        columns = ["Ethnic group", "Service", "Senior managers", "Share of senior management "
                   "(95% CI)"]
    else:
        definition = metrics.METRICS[metric]
        columns = ["Ethnic group", "Service", definition.denominator.capitalize(),
                   definition.numerator.capitalize(), "Rate (95% CI)",
                   "Relative likelihood vs white (95% CI)", "Four-fifths reading"]
    return _table(f"{_metric_title(metric)}: high-level census groups, each compared with white "
                  "staff", columns, rows)


def _trend(data: ReportData, metric: str, key: str, heading: str, with_chart: bool) -> Section:
    if len(data.years) < 2:
        return Section(key, heading, _paragraphs([
            f"Only {data.year} is held for {data.display_name}, so there is no change over time "
            "to show yet.", *data.unusable]))
    change = charts.as_records(_changes_of(data, metric))
    services = {r["service"] for r in change}
    main = "all" if "all" in services else next(iter(services), None)
    sentences = [narrative.describe_change(r) for r in change if r["service"] == main]
    measure = "share" if metric in SHARE_METRICS else "rl"
    fmt = _ratio if measure == "rl" else _pct
    change_fmt = _ratio if measure == "rl" else _pp
    rows = [
        [charts.SERVICE_LABELS.get(str(r["service"]), str(r["service"])),
         *([str(r["pay_band"] or "Whole workforce")] if metric == "M1" else []),
         f"{r['compared_with']} ({r['year_then']})", fmt(r.get("value_then")),
         fmt(r.get("value_now")),
         _with_ci(change_fmt, r.get("change"), r.get("change_ci_low"), r.get("change_ci_high")),
         _p_value(r.get("p_value"))]
        for r in change
    ]
    columns = ["Service", *(["Pay band"] if metric == "M1" else []), "Compared with",
               "Then", str(data.year),
               "Change (ratio of RLs, 95% CI)" if measure == "rl" else "Change (95% CI)",
               "p-value"]
    body = _paragraphs([*sentences, *data.unusable])
    if rows:
        body += _table(f"{_metric_title(metric)}: change against the baseline and the previous "
                       "year", columns, rows)
    if with_chart:
        body += _trend_chart(data, metric).html()
    return Section(key, heading, body)


def _changes_of(data: ReportData, metric: str) -> pd.DataFrame:
    """The minority ethnic group's changes to the report's year: every service, whole-workforce
    figures (M1: every band of all services). A comparison with the previous year that is also
    the baseline year is given once, as the baseline."""
    t = data.trends
    change = t[(t["metric"] == metric) & (t["year"] == data.year) & (t["group"] == "minority")]
    if metric == "M1":  # every band of every service would be too long: all services
        services = set(change["service"])
        change = change[change["service"] == ("all" if "all" in services else min(services,
                                                                                  default=""))]
    else:
        change = change[change["pay_band"].isna()]
    baseline_years = set(change.loc[change["compared_with"] == "baseline", "year_then"])
    repeat = (change["compared_with"] == "previous") & change["year_then"].isin(baseline_years)
    return change[~repeat]


def _trend_chart(data: ReportData, metric: str) -> charts.Chart:
    history = data.history[(data.history["metric"] == metric)
                           & (data.history["group"] == "minority")]
    if metric == "M1":
        history = history[(history["service"] == "all") & history["pay_band"].notna()]
        return charts.trend_chart(history, measure="share", series="pay_band",
                                  title="M1: minority ethnic share by pay band over time")
    history = history[history["pay_band"].isna()]
    measure = "share" if metric in SHARE_METRICS else "rl"
    return charts.trend_chart(history, measure=measure, title=f"{metric} over time")


def _pooled(data: ReportData, key: str) -> Section:
    """M3 over the latest two years, counts summed, as the NHS now reports disciplinary figures."""
    by_service = _by_service(data.pooled)
    heading = "Pooled over the latest two years"
    if not by_service or all(r.get("status") != "ok" for r in by_service.values()):
        reasons = {str(r.get("reason")) for r in by_service.values() if r.get("reason")}
        return Section(key, heading, _paragraphs(sorted(reasons) or [
            "Pooling needs two years of returns."]))
    years = [y for y in data.years[-2:]]
    main = by_service.get("all") or next(iter(by_service.values()))
    rows = [
        [label, count_text(r, "events_group", data) + " of " + count_text(r, "n_group", data),
         count_text(r, "events_reference", data) + " of " + count_text(r, "n_reference", data),
         _with_ci(_ratio, r.get("rl"), r.get("rl_ci_low"), r.get("rl_ci_high")),
         str(r.get("four_fifths") or NOT_PUBLISHED)]
        for s, label in _SERVICE_COLUMNS if (r := by_service.get(s)) is not None
    ]
    table = _table(
        f"M3 pooled over {years[0]} and {years[-1]}: staff entering a formal disciplinary "
        "investigation", ["Service", "Minority ethnic", "White",
                          "Relative likelihood (95% CI)", "Four-fifths reading"], rows)
    return Section(key, heading, _paragraphs(narrative.describe(main)) + table)


def _quality(data: ReportData, metric: str, records: pd.DataFrame, key: str,
             heading: str) -> Section:
    table = METRIC_TABLES[metric]
    by_service = _by_service(records)
    notes = []
    if any(r.get("status") != "not_collected" for r in by_service.values()):
        notes.append(_paragraphs(
            narrative.describe_unknowns(by_service[s]) or ""
            for s in ("all", "adults", "children") if s in by_service
        ))
        rows = [
            [label, count_text(by_service[s], "unknown_count", data),
             _unknown_pct(by_service[s].get("unknown_pct"))]
            for s, label in _SERVICE_COLUMNS if s in by_service
        ]
        notes.append(_table(
            f"{metric}: people of unknown or not stated ethnicity, left out of the comparisons",
            ["Service", "Unknown ethnicity", "Share of everyone counted"], rows, css="quality"))
    else:
        notes.append(_paragraphs([f"The return holds no {table.replace('_', ' ')} table."]))
    words = (table, *NOTICE_WORDS.get(metric, ()))
    related = [n for n in data.notices
               if metric in n.split() or any(w in n.lower() for w in words)]
    if records["small_numbers"].map(lambda v: v is True).any():
        related.append("Some figures rest on counts under 10 and should be read with care.")
    if data.disclosure == "published" and records["suppressed"].map(lambda v: v is True).any():
        related.append(
            f"Counts shown as {publish.SYMBOL} are not published: counts from 1 to "
            f"{data.threshold - 1}, and other counts withheld so that a small one cannot be "
            f"worked out, look the same. Figures worked out from a withheld count are "
            f"{NOT_PUBLISHED}.")
    notes.append(_paragraphs(related))
    return Section(key, heading, "".join(notes))


def _unknown_pct(value: object) -> str:
    number = charts.number(value)
    return NOT_PUBLISHED if number is None else f"{number:.1f}%"


def _how_to_read(data: ReportData, metric_ids: Sequence[str]) -> Section:
    ratio = [m for m in metric_ids if m not in SHARE_METRICS]
    directions = []
    for side, adverse in (("below 0.80", "low"), ("above 1.25", "high")):
        ids = [m for m in ratio if metrics.METRICS[m].adverse_when == adverse]
        if ids:
            listed = ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"
            directions.append(f"A relative likelihood {side} is on the adverse side for {listed}.")
    text = [
        "A relative likelihood compares the rate for minority ethnic staff with the rate for "
        "white staff: 1 means equally likely, 0.5 half as likely, 2 twice as likely.",
        "The four-fifths rule, used by the NHS Workforce Race Equality Standard, reads a relative "
        "likelihood from 0.80 to 1.25 as no adverse impact. Outside that range the difference is "
        "large enough to look into, whether or not it is statistically significant.",
        *directions,
        "Each figure comes with a 95% confidence interval: the range of values the data are "
        "consistent with. Small numbers give wide intervals. A difference is called "
        "statistically significant when Fisher's exact test gives p below 0.05; a significant "
        "difference is not proof of a cause.",
    ]
    if any(m in SHARE_METRICS for m in metric_ids):
        text.append("The representation index divides a share (of a pay band, or of senior "
                    "management) by the minority ethnic share of the whole workforce: 1 means "
                    "the same share, below 1 a smaller one.")
    text.append("Staff whose ethnicity is unknown or not stated are left out of every comparison "
                "and counted under data quality.")
    if data.disclosure == "published":
        text.append(f"To protect individuals, counts from 1 to {data.threshold - 1} are shown as "
                    f"{publish.SYMBOL}, and so are other counts from which one could be worked "
                    "out; figures worked out from them are not published.")
    return Section("how_to_read", "How to read this report", _paragraphs(text))


# ---------------------------------------------------------------- action plans and benchmarking

#: An action's status as a table prints it: a shape as well as the word, never colour alone.
STATUS_MARKERS: dict[str, str] = {"Red": "✖", "Amber": "▲", "Green": "●", "Complete": "✔"}
NO_PLAN = "The return has no action plan."
NO_ACTION = "No action in this authority's plan aims at this metric."
NO_OTHER_AUTHORITY = "No other authority's return for this year to compare with."


def status_text(status: object) -> str:
    """"✖ Red", "▲ Amber", "● Green", "✔ Complete": a marker, then the status in words."""
    return f"{STATUS_MARKERS.get(str(status), '')} {status}".strip()


def _plan_text(value: object, missing: str) -> str:
    return missing if value is None or value is pd.NA or value != value else str(value)


def _actions(data: ReportData, metric: str, key: str, heading: str) -> Section:
    """The actions of the year's plan aimed at ``metric``, most urgent status first."""
    if data.action_plan is None:
        return Section(key, heading, _paragraphs([NO_PLAN]))
    aimed = actions.actions_for(data.action_plan, metric)
    if aimed.empty:
        return Section(key, heading, _paragraphs([NO_ACTION]))
    rows = [
        [_plan_text(r["action_id"], ""), _plan_text(r["action"], "not given"),
         _plan_text(r["owner"], "not given"), status_text(r["status"]),
         _plan_text(r["latest_update"], "no update given"), _plan_text(r["success"], "not given")]
        for r in aimed.to_dict(orient="records")
    ]
    table = _table(f"{_metric_title(metric)}: actions in the plan of {data.display_name}, "
                   f"{data.year}, most urgent status first",
                   ["Action id", "Action", "Owner", "Status", "Latest update",
                    "What success looks like"], rows, css="actions", text=True)
    return Section(key, heading, table + _paragraphs([_STATUS_KEY]))


_STATUS_KEY = ("Status: " + ", ".join(status_text(s) for s in STATUS_MARKERS)
               + " (from most to least urgent); the shape says the same as the word.")


def _actions_summary(data: ReportData) -> Section:
    """Per metric: the plan's actions by status beside whether the metric improved since the
    baseline (the published change, so a withheld figure's direction is never told)."""
    heading = "Action plan and progress"
    if data.action_plan is None:
        return Section("actions", heading, _paragraphs([NO_PLAN]))
    progress = actions.progress_table(data.action_plan, data.trends, data.year)
    rows = [
        [_metric_title(r["metric"]), *(str(r[s]) for s in STATUS_MARKERS), str(r["actions"]),
         str(r["since_baseline"]).capitalize(), actions.describe_actions(r)]
        for r in progress.to_dict(orient="records")
    ]
    table = _table(f"Actions by status and each metric's change since the baseline year, "
                   f"{data.display_name}, {data.year}",
                   ["Metric", *(status_text(s) for s in STATUS_MARKERS), "All actions",
                    "Since the baseline year", "In words"], rows, css="actions", text=True)
    note = ("An action aimed at several metrics counts once for each. The change since the "
            "baseline is the minority ethnic figure for all services (M1: the highest pay "
            "band), called improved or worsened only when statistically significant.")
    return Section("actions", heading, table + _paragraphs([note]))


_BENCH_CACHE: OrderedDict[tuple, benchmarking.YearBenchmark] = OrderedDict()


def year_benchmark(
    year: int, data_dir: Path | str | None, parameters_dir: Path | str | None, mode: str
) -> benchmarking.YearBenchmark:
    """Every authority of ``year`` benchmarked in ``mode``; cached per process, keyed like
    :func:`load` by the year's returns' and the parameter files' (path, size, mtime_ns), so a
    batch worker reads the year's returns once, not once per authority."""
    data_dir = DEMO_DATA_DIR if data_dir is None else Path(data_dir)
    params_dir = resolve_parameters_dir(data_dir, Path(parameters_dir) if parameters_dir else None)
    refs = [r for r in io.find_returns(data_dir) if r.year == year]
    key = (str(data_dir.resolve()), year, str(params_dir.resolve()), mode,
           tuple(computed.fingerprint(r.path) for r in refs), computed.fingerprint(params_dir))
    if key not in _BENCH_CACHE:
        bench = benchmarking.benchmark_year(data_dir, year, params_dir, disclosure=mode)
        computed.remember(_BENCH_CACHE, key, bench, _CACHE_SIZE)
    return _BENCH_CACHE[key]


def _benchmark(data: ReportData, bench: benchmarking.YearBenchmark) -> Section:
    """Where the authority sits among the year's authorities, for each ratio metric (minority
    ethnic staff, all services); in published mode withheld figures are neither shown nor
    pooled (:func:`benchmarking.benchmark_year`)."""
    heading = f"Where {data.display_name} sits among authorities"
    if bench.disclosure != data.disclosure or bench.year != data.year:
        raise ValueError(f"the benchmark is of {bench.year}, {bench.disclosure}; the report is "
                         f"of {data.year}, {data.disclosure}")
    others = (set(bench.names) | set(bench.unusable)) - {data.authority}
    if not others:
        return Section("benchmark", heading, _paragraphs([NO_OTHER_AUTHORITY]))
    sentences = benchmarking.positions(bench, data.authority)
    rows = [[_metric_title(m), sentences[m]] for m in bench.results]
    intro = [f"{year_authorities(bench)} sent a return for {bench.year}. For each metric, "
             "an authority's relative likelihood for minority ethnic staff, all services, is set "
             "against the pooled figure of the authorities with a figure, with funnel-plot "
             "limits at 95% and 99.8%."]
    if data.disclosure == "published":
        intro.append("An authority whose figure rests on a count withheld by disclosure control "
                     "is left out of the comparison and of the pooled figure.")
    table = _table(f"Benchmark positions, {data.display_name}, {data.year}",
                   ["Metric", "Position"], rows, css="benchmark", text=True)
    return Section("benchmark", heading, _paragraphs(intro) + table)


def year_authorities(bench: benchmarking.YearBenchmark) -> str:
    """"1 authority" / "n authorities" with a return for the benchmark's year."""
    n = len(set(bench.names) | set(bench.unusable))
    return "1 authority" if n == 1 else f"{n} authorities"


# ---------------------------------------------------------------- the summary


def summary_view(
    authority: str,
    year: int,
    data_dir: Path | str | None,
    *,
    disclosure: str | None = None,
    parameters_dir: Path | str | None = None,
    with_charts: bool = True,
) -> Report:
    """Every metric on one page: forest plot, headline findings, change, links."""
    data = load(authority, year, data_dir, disclosure_mode=disclosure,
                parameters_dir=parameters_dir)
    bench = year_benchmark(year, data_dir, parameters_dir, data.disclosure)
    return build_summary(data, with_charts=with_charts, bench=bench)


def build_summary(data: ReportData, *, with_charts: bool = True,
                  bench: benchmarking.YearBenchmark | None = None) -> Report:
    """Sections of the summary report; ``bench`` (:func:`year_benchmark`) adds the benchmark."""
    title = "SC-WRES summary: every metric on one page"
    sections = [
        _banners(data),
        _title(data, title),
        Section("forest", "All relative likelihoods", _forest(data).html()) if with_charts
        else None,
        Section("headlines", "Headline findings", _headline_table(data)),
        Section("changes", "Since the baseline year", _changes(data)),
        _actions_summary(data),
        _benchmark(data, bench) if bench is not None else None,
        Section("links", "The metric reports", _links()),
        _how_to_read(data, [m for m in METRIC_TABLES if m not in SHARE_METRICS]),
    ]
    return Report(title, tuple(s for s in sections if s is not None))


def _forest(data: ReportData) -> charts.Chart:
    """Every ratio metric's minority ethnic RL, by service, on one log axis."""
    results = data.results
    ratio = results[(results["group"] == "minority") & results["pay_band"].isna()
                    & ~results["metric"].isin(SHARE_METRICS)]
    labels = {m: f"{m} {metrics.METRICS[m].short_title}" for m in METRIC_TABLES}
    return charts.forest_plot(ratio, rows="metric", row_labels=labels,
                              title="Relative likelihood by metric and service")


def _headline_table(data: ReportData) -> str:
    rows = []
    for metric in METRIC_TABLES:
        records = data.metric(metric)
        if records.empty or (records["status"] == "not_collected").all():
            sentence = narrative.not_collected(metric)
        else:
            sentence = narrative.headline(records)
        rows.append([_metric_title(metric), sentence,
                     Link(f"{metric} report", f"{REPORT_OF_METRIC[metric]}.html")])
    return _table(f"Headline findings, {data.display_name}, {data.year}",
                  ["Metric", "Headline", "Report"], rows, css="headlines", text=True)


def _changes(data: ReportData) -> str:
    if len(data.years) < 2:
        return _paragraphs([f"Only {data.year} is held for {data.display_name}, so there is no "
                            "change since a baseline to report yet."])
    change = data.trends[(data.trends["year"] == data.year)
                         & (data.trends["compared_with"] == "baseline")
                         & (data.trends["group"] == "minority") & data.trends["pay_band"].isna()
                         & (data.trends["service"] == "all") & (data.trends["status"] == "ok")
                         # M1's whole-workforce share is its denominator, not a finding
                         & (data.trends["metric"] != "M1")]
    groups: dict[str, list[str]] = {
        trends.IMPROVED: [], trends.WORSENED: [], trends.NO_CHANGE: [], NOT_COMPARED: []}
    for r in charts.as_records(change):
        groups[_direction(r)].append(f"{r['metric']}: {narrative.describe_change(r)}")
    parts = []
    for name, sentences in groups.items():
        if name == NOT_COMPARED and not sentences:
            continue
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences) or "<li>None.</li>"
        parts.append(f"<h3>{html.escape(name.capitalize())}</h3><ul>{items}</ul>")
    return "".join(parts)


def _direction(trend: Mapping[str, object]) -> str:
    """improved / worsened / no significant change (:func:`trends.direction_of_change`), or
    not compared (a figure withheld or not computable in either year)."""
    word = trends.direction_of_change(trend, metrics.METRICS[str(trend["metric"])].adverse_when)
    return word if word in (trends.IMPROVED, trends.WORSENED, trends.NO_CHANGE) else NOT_COMPARED


def _links() -> str:
    items = "".join(
        f'<li><a href="{stem}.html">{html.escape(" and ".join(_metric_title(m) for m in ids))}'
        "</a></li>"
        for stem, ids in NOTEBOOKS.items() if stem != "summary"
    )
    return f"<ul>{items}</ul>"


def empty_results() -> pd.DataFrame:
    """A results frame with no records (RESULT_COLUMNS)."""
    return pd.DataFrame(columns=list(RESULT_COLUMNS))
