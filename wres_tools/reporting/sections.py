"""The sections of a metric report and of the summary, each built from published
:class:`~wres_tools.reporting.data.ReportData`: pure functions, data in and a
:class:`~wres_tools.reporting.blocks.Section` out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from wres_tools import actions, benchmarking, disclosure, metrics, publish, trends
from wres_tools.contract import METRIC_TABLES, is_missing
from wres_tools.ethnicity import GROUPS
from wres_tools.reporting import charts, narrative
from wres_tools.reporting.benchmarking import positions
from wres_tools.reporting.blocks import Link, Section, html_paragraphs, html_table
from wres_tools.reporting.data import (
    LIKELIHOOD_METRICS,
    NOTEBOOKS,
    NOTICE_WORDS,
    REPORT_OF_METRIC,
    SHARE_METRICS,
    SURVEY_METRICS,
    SYNTHETIC_BANNER,
    ReportData,
)
from wres_tools.reporting.formats import (
    NOT_AVAILABLE,
    NOT_COMPARED,
    NOT_PUBLISHED,
    STATUS_MARKERS,
    count_text,
    figure_text,
    fmt_p,
    fmt_pct,
    fmt_pp,
    fmt_rl,
    fmt_unknown_pct,
    missing_text,
    plan_text,
    status_text,
    unknown_text,
    with_ci,
)
from wres_tools.reporting.templating import render_template

# ---------------------------------------------------------------- shared sections


def banners(data: ReportData) -> Section:
    """The internal-use banner (internal mode) and the synthetic-data banner."""
    shown = []
    if data.disclosure == "internal":
        shown.append(("internal", disclosure.BANNER_INTERNAL, ""))
    if data.synthetic:
        shown.append(("synthetic", SYNTHETIC_BANNER, ""))
    return Section("banners", None, render_template("blocks/banners.html.j2", banners=shown))


def title_section(data: ReportData, title: str) -> Section:
    mode = ("published figures: small counts withheld" if data.disclosure == "published"
            else "internal figures: every count shown")
    return Section("title", None, render_template(
        "sections/title.html.j2", title=title, place=data.display_name, year=data.year,
        mode=mode))


def metric_title(metric: str) -> str:
    return f"{metric}: {metrics.METRICS[metric].title}"


def metric_sections(
    data: ReportData, metric: str, *, prefix: bool, with_charts: bool
) -> list[Section]:
    records = data.metric(metric)
    key = (lambda k: f"{metric}/{k}") if prefix else (lambda k: k)
    name = (lambda h: f"{metric}: {h}") if prefix else (lambda h: h)
    if records.empty or (records["status"] == "not_collected").all():
        return [
            Section(key("headline"), name("Not collected") if prefix else None,
                    html_paragraphs([narrative.not_collected(metric)], "headline")),
            _actions(data, metric, key("actions"), name("Actions aimed at this metric")),
            _quality(data, metric, records, key("quality"), name("Data quality")),
        ]
    sections = [
        Section(key("headline"), name("Headline") if prefix else None,
                html_paragraphs([narrative.headline(records)], "headline", strong=True)),
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
    return html_paragraphs(paragraphs)


def _by_service(records: pd.DataFrame) -> dict[str, dict[str, object]]:
    main = records[(records["group"] == "minority") & records["pay_band"].isna()]
    return {str(r["service"]): r for r in charts.as_records(main)}


#: How one figure of a record is shown: the record in, the cell's text out.
Show = Callable[[Mapping[str, object]], str]


def figure_lines(metric: str, data: ReportData, name: str = "Minority ethnic",
                 words: str = "minority") -> list[tuple[str, Show]]:
    """The rows of a metric's figures table (M2-M9): a label and how to show a record's cell.

    ``name`` begins a label and ``words`` goes inside one ("minority ethnic rate", "relative
    likelihood, minority ÷ white"); the report names the minority ethnic group, the explorer the
    group selected, so both print a figure with the same words and the same formatting.
    """
    definition = metrics.METRICS[metric]
    n_label, events_label = definition.denominator, definition.numerator
    count = lambda column: lambda r: count_text(r, column, data)  # noqa: E731
    lines: list[tuple[str, Show]]
    if metric == "M9":
        lines = [
            (f"{name} senior managers", count("n_group")),
            ("White senior managers", count("n_reference")),
            (f"{name} share of senior management (95% CI)", share_text),
            (f"{name} share of the workforce",
             lambda r: figure_text(r, "share_workforce", fmt_pct)),
            (f"{name} share of the local population",
             lambda r: figure_text(r, "share_population", fmt_pct)),
            ("Gap to the workforce share", lambda r: figure_text(r, "gap_workforce_pp", fmt_pp)),
            ("Gap to the population share", lambda r: figure_text(r, "gap_population_pp", fmt_pp)),
            ("Representation index (senior ÷ workforce share)",
             lambda r: figure_text(r, "representation_index")),
            (f"{name} staff who are senior managers (95% CI)", group_rate_text),
            ("White staff who are senior managers (95% CI)",
             lambda r: with_ci(fmt_pct, r, "rate_reference")),
            (f"Relative likelihood of holding a senior post, {words} ÷ white (95% CI)",
             rl_text),
            (f"NHS WRES direction, white ÷ {words}",
             lambda r: figure_text(r, "rl_nhs_direction")),
            ("Four-fifths reading (0.80 to 1.25)", four_fifths_text),
            ("Fisher's exact test p-value", lambda r: figure_text(r, "p_value", fmt_p)),
        ]
    else:
        lines = [
            (f"{name}: {n_label}", count("n_group")),
            (f"{name}: {events_label}", count("events_group")),
            (f"{name} rate (95% CI)", group_rate_text),
            (f"White: {n_label}", count("n_reference")),
            (f"White: {events_label}", count("events_reference")),
            ("White rate (95% CI)",
             lambda r: with_ci(fmt_pct, r, "rate_reference")),
            (f"Relative likelihood, {words} ÷ white (95% CI)", rl_text),
            (f"NHS WRES direction, white ÷ {words}",
             lambda r: figure_text(r, "rl_nhs_direction")),
            ("Four-fifths reading (0.80 to 1.25)", four_fifths_text),
            ("Fisher's exact test p-value", lambda r: figure_text(r, "p_value", fmt_p)),
        ]
        if metric in SURVEY_METRICS:
            lines.append((f"Gap, {words} minus white (95% CI)",
                          lambda r: with_ci(fmt_pp, r, "gap_pp")))
    lines.append(("Unknown ethnicity, left out", lambda r: unknown_text(r, data)))
    return lines


def group_rate_text(record: Mapping[str, object]) -> str:
    """The compared group's rate with its interval."""
    return with_ci(fmt_pct, record, "rate_group")


def rl_text(record: Mapping[str, object]) -> str:
    """The relative likelihood (group ÷ white) with its interval."""
    return with_ci(fmt_rl, record, "rl")


def four_fifths_text(record: Mapping[str, object]) -> str:
    """The four-fifths reading; where there is none, why (:func:`missing_text`)."""
    reading = record.get("four_fifths")
    return missing_text(record, "four_fifths") if is_missing(reading) else str(reading)


def band_count_text(record: Mapping[str, object], data: ReportData) -> str:
    """M1's cell "group / white staff" in a band (or the whole workforce)."""
    return f"{count_text(record, 'n_group', data)} / {count_text(record, 'n_reference', data)}"


def share_text(record: Mapping[str, object]) -> str:
    """A group's share with its interval (M1: of a band; M9: of senior management)."""
    return with_ci(fmt_pct, record, "share")


def band_index_text(record: Mapping[str, object]) -> str:
    """M1's representation index: 1.00 by definition for the whole workforce when its share is
    published, else the band share ÷ whole-workforce share."""
    if record["pay_band"] is None and charts.number(record.get("share")) is not None:
        return "1.00"
    return figure_text(record, "representation_index")


def _figures_table(data: ReportData, metric: str, records: pd.DataFrame) -> str:
    if metric == "M1":
        return _pay_band_table(data, records)
    by_service = _by_service(records)
    services = [(s, label) for s, label in _SERVICE_COLUMNS if s in by_service]
    definition = metrics.METRICS[metric]
    rows = [[label, *(show(by_service[s]) for s, _ in services)]
            for label, show in figure_lines(metric, data)]
    return html_table(
        f"{metric_title(metric)}: minority ethnic and white {definition.population}, "
        f"{data.display_name}, "
        f"{data.year}", ["Figure", *(label for _, label in services)], rows,
    )


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
        ("minority ethnic / white staff in each pay band", lambda r: band_count_text(r, data)),
        ("minority ethnic share of each pay band (95% CI)", share_text),
        ("representation index (band share ÷ whole-workforce share)", band_index_text),
    )
    tables = []
    for caption, show in grids:
        services, rows = _band_grid(minority, "service", show)
        tables.append(html_table(f"M1: {caption}, {where}",
                             ["Pay band (lowest first)",
                              *(charts.SERVICE_LABELS[s] for s in services)], rows))
    return "".join(tables)


def _charts(metric: str, records: pd.DataFrame) -> list[charts.Chart]:
    title = metrics.METRICS[metric].title
    minority = records[records["group"] == "minority"]
    if metric == "M1":
        return [charts.pay_band_chart(minority, title=f"M1: {title}")]
    if metric == "M9":  # the shares, then the RL of holding a senior post by group
        groups = records[records["pay_band"].isna()]
        return [charts.shares_chart(minority, title=f"M9: {title}"),
                charts.forest_plot(groups, rows="group", title="M9: relative likelihood of "
                                   "holding a senior management post, by ethnic group")]
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
        return html_paragraphs(
            ["The return holds no high-level ethnic group figures for this metric."])
    if metric == "M1":  # every band of every service and group is too long: all services
        service = "all" if "all" in set(groups["service"]) else str(groups["service"].iloc[0])
        keys, rows = _band_grid(
            groups[groups["service"] == service], "group", share_text)
        return html_table(
            f"M1: each high-level census group's share of each pay band (95% CI), "
            f"{charts.SERVICE_LABELS.get(service, service).lower()}",
            ["Pay band (lowest first)", *(GROUPS.get(k, k) for k in keys)], rows)
    order = {g: i for i, g in enumerate(charts.GROUP_ORDER)}
    service_order = {s: i for i, s in enumerate(charts.SERVICE_ORDER)}
    rows = []
    def place(r: dict) -> tuple[int, int]:
        return service_order.get(str(r["service"]), 9), order.get(str(r["group"]), 9)

    for r in sorted(charts.as_records(groups), key=place):
        name = GROUPS.get(str(r["group"]), str(r["group"]))
        service = charts.SERVICE_LABELS.get(str(r["service"]), str(r["service"]))
        if metric == "M9":
            rows.append([name, service, count_text(r, "n_group", data), share_text(r),
                         group_rate_text(r), rl_text(r), four_fifths_text(r)])
        else:
            rows.append([name, service, count_text(r, "n_group", data),
                         count_text(r, "events_group", data),
                         group_rate_text(r), rl_text(r), four_fifths_text(r)])
    if metric == "M9":
        columns = ["Ethnic group", "Service", "Senior managers", "Share of senior management "
                   "(95% CI)", "Staff who are senior managers (95% CI)",
                   "Relative likelihood vs white (95% CI)", "Four-fifths reading"]
    else:
        definition = metrics.METRICS[metric]
        columns = ["Ethnic group", "Service", definition.denominator.capitalize(),
                   definition.numerator.capitalize(), "Rate (95% CI)",
                   "Relative likelihood vs white (95% CI)", "Four-fifths reading"]
    return html_table(f"{metric_title(metric)}: high-level census groups, each compared with white "
                  "staff", columns, rows)


def _trend(data: ReportData, metric: str, key: str, heading: str, with_chart: bool) -> Section:
    if len(data.years) < 2:
        return Section(key, heading, html_paragraphs([
            f"Only {data.year} is held for {data.display_name}, so there is no change over time "
            "to show yet.", *data.unusable]))
    frame = _changes_of(data, metric)
    change = charts.as_records(frame)
    services = {r["service"] for r in change}
    main = "all" if "all" in services else next(iter(services), None)
    if metric == "M1":  # the whole workforce in full; the bands in a few sentences, not 2 a band
        sentences = [narrative.describe_change(r) for r in change
                     if r["service"] == main and r["pay_band"] is None]
        sentences += narrative.describe_band_changes(frame[frame["service"] == main])
    else:
        sentences = [narrative.describe_change(r) for r in change if r["service"] == main]
    both = metric == "M9"  # its senior share and its RL (senior managers over staff)
    measure = "share" if metric in SHARE_METRICS else "rl"

    def shown(r: dict) -> list[str]:
        rl = r["measure"] == "rl"
        fmt, change_fmt = (fmt_rl, fmt_rl) if rl else (fmt_pct, fmt_pp)
        return [figure_text(r, "value_then", fmt), figure_text(r, "value_now", fmt),
                with_ci(change_fmt, r, "change"), figure_text(r, "p_value", fmt_p)]

    rows = [
        [charts.SERVICE_LABELS.get(str(r["service"]), str(r["service"])),
         *([str(r["pay_band"] or "Whole workforce")] if metric == "M1" else []),
         *([_M9_FIGURES[str(r["measure"])]] if both else []),
         f"{r['compared_with']} ({r['year_then']})", *shown(r)]
        for r in change
    ]
    columns = ["Service", *(["Pay band"] if metric == "M1" else []),
               *(["Figure"] if both else []), "Compared with", "Then", str(data.year),
               "Change (ratio of RLs, 95% CI)" if measure == "rl" else "Change (95% CI)",
               "p-value"]
    body = html_paragraphs([*sentences, *data.unusable])
    if rows:
        body += html_table(f"{metric_title(metric)}: change against the baseline and the previous "
                       "year", columns, rows)
    if with_chart:
        body += _trend_chart(data, metric).html()
    return Section(key, heading, body)


#: M9's two figures in its change table: a share changes by points, an RL by a ratio.
_M9_FIGURES = {"share_pp": "Share of senior management (change in points)",
               "rl": "Relative likelihood of holding a senior post (ratio of RLs)"}


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


def _has_counts(record: Mapping[str, object]) -> bool:
    """Whether a record holds the counts of a comparison, shown or withheld (one with no RL for
    a count of zero still has its counts, rates and Fisher's test to show)."""
    return any(not is_missing(record.get(c)) or publish.is_withheld(record, c)
               for c in ("n_group", "events_group", "n_reference", "events_reference"))


def _pooled(data: ReportData, key: str) -> Section:
    """M3 over the latest two years, counts summed, as the NHS now reports disciplinary figures."""
    by_service = _by_service(data.pooled)
    heading = "Pooled over the latest two years"
    if not by_service or not any(r.get("status") == "ok" or _has_counts(r)
                                 for r in by_service.values()):
        reasons = {str(r.get("reason")) for r in by_service.values() if r.get("reason")}
        return Section(key, heading, html_paragraphs(sorted(reasons) or [
            "Pooling needs two years of returns."]))
    years = [y for y in data.years[-2:]]
    main = by_service.get("all") or next(iter(by_service.values()))
    rows = [
        [label, count_text(r, "events_group", data) + " of " + count_text(r, "n_group", data),
         count_text(r, "events_reference", data) + " of " + count_text(r, "n_reference", data),
         rl_text(r), four_fifths_text(r)]
        for s, label in _SERVICE_COLUMNS if (r := by_service.get(s)) is not None
    ]
    table = html_table(
        f"M3 pooled over {years[0]} and {years[-1]}: staff entering a formal disciplinary "
        "investigation", ["Service", "Minority ethnic", "White",
                          "Relative likelihood (95% CI)", "Four-fifths reading"], rows)
    return Section(key, heading, html_paragraphs(narrative.describe(main)) + table)


def _quality(data: ReportData, metric: str, records: pd.DataFrame, key: str,
             heading: str) -> Section:
    table = METRIC_TABLES[metric]
    by_service = _by_service(records)
    notes = []
    if any(r.get("status") != "not_collected" for r in by_service.values()):
        notes.append(html_paragraphs(
            narrative.describe_unknowns(by_service[s]) or ""
            for s in ("all", "adults", "children") if s in by_service
        ))
        rows = [
            [label, count_text(by_service[s], "unknown_count", data),
             figure_text(by_service[s], "unknown_pct", fmt_unknown_pct)]
            for s, label in _SERVICE_COLUMNS if s in by_service
        ]
        notes.append(html_table(
            f"{metric}: people of unknown or not stated ethnicity, left out of the comparisons",
            ["Service", "Unknown ethnicity", "Share of everyone counted"], rows, css="quality"))
    else:
        notes.append(html_paragraphs([f"The return holds no {table.replace('_', ' ')} table."]))
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
    notes.append(html_paragraphs(related))
    return Section(key, heading, "".join(notes))


def how_to_read(data: ReportData, metric_ids: Sequence[str]) -> Section:
    ratio = [m for m in metric_ids if m in LIKELIHOOD_METRICS]
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
    return Section("how_to_read", "How to read this report", html_paragraphs(text))


NO_PLAN = "The return has no action plan."
NO_ACTION = "No action in this authority's plan aims at this metric."
NO_OTHER_AUTHORITY = "No other authority's return for this year to compare with."


def _actions(data: ReportData, metric: str, key: str, heading: str) -> Section:
    """The actions of the year's plan aimed at ``metric``, most urgent status first: each with
    its status movement since the last report and the baseline and its dated updates, after a
    paragraph setting that movement beside the metric's own change since the baseline."""
    if data.action_plan is None:
        return Section(key, heading, html_paragraphs([NO_PLAN]))
    aimed = actions.actions_for(data.action_plan, metric)
    if aimed.empty:
        return Section(key, heading, html_paragraphs([NO_ACTION]))
    moves = actions.status_movement(data.plans or {data.year: data.action_plan}, data.year,
                                    data.baseline_year)
    moved = {str(r["action_id"]).lower(): r for r in moves.to_dict(orient="records")}
    progress = actions.progress_table(data.action_plan, data.trends, data.year)
    beside = [actions.describe_actions(progress[progress["metric"] == metric].iloc[0]),
              actions.describe_movement(moves, aimed)]
    rows = [
        [plan_text(r["action_id"], ""), plan_text(r["action"], "not given"),
         plan_text(r["owner"], "not given"), status_text(r["status"]),
         _moved(moved[str(r["action_id"]).lower()], "last"),
         _moved(moved[str(r["action_id"]).lower()], "baseline"),
         _updates(data, r), plan_text(r["success"], "not given")]
        for r in aimed.to_dict(orient="records")
    ]
    table = html_table(f"{metric_title(metric)}: actions in the plan of {data.display_name}, "
                   f"{data.year}, most urgent status first",
                   ["Action id", "Action", "Owner", "Status", "Since the last report",
                    "Since the baseline", "Updates", "What success looks like"], rows,
                   css="actions", text=True)
    return Section(key, heading, html_paragraphs([t for t in beside if t]) + table
                   + html_paragraphs([_STATUS_KEY]))


def _moved(move: Mapping[str, Any], since: str) -> str:
    """One action's movement since the last report or the baseline, in words: "▲ Amber (2022)
    → ● Green: moved up", "new since 2022", "no plan in 2022" or "no earlier report"."""
    year = move["last_year" if since == "last" else "baseline_year"]
    word = move["since_last" if since == "last" else "since_baseline"]
    if is_missing(year):
        return "no earlier report"
    if word == actions.NO_EARLIER_PLAN:
        return f"no plan in {int(year)}"
    if word == actions.NEW_SINCE:
        return f"new since {int(year)}"
    then = move["status_last" if since == "last" else "status_baseline"]
    return f"{status_text(then)} ({int(year)}) → {status_text(move['status'])}: {word}"


def _updates(data: ReportData, action: Mapping[str, Any]) -> str:
    """The action's dated updates, oldest first ("31 May 2023, ▲ Amber: ..."), or its latest
    update as given when the plan dates none."""
    dated = actions.updates_of(data.action_updates, str(action["action_id"]))
    if not dated:
        return plan_text(action["latest_update"], "no update given")
    return "; ".join(
        f"{actions.date_text(u['update_date'])}, {status_text(u['status'])}: "
        f"{plan_text(u['latest_update'], 'no words given')}" for u in dated)


_STATUS_KEY = ("Status: " + ", ".join(status_text(s) for s in STATUS_MARKERS)
               + " (from most to least urgent); the shape says the same as the word.")


def actions_summary(data: ReportData) -> Section:
    """Per metric: the plan's actions by status beside whether the metric improved since the
    baseline (the published change, so a withheld figure's direction is never told)."""
    heading = "Action plan and progress"
    if data.action_plan is None:
        return Section("actions", heading, html_paragraphs([NO_PLAN]))
    progress = actions.progress_table(data.action_plan, data.trends, data.year)
    moves = actions.status_movement(data.plans or {data.year: data.action_plan}, data.year,
                                    data.baseline_year)

    def in_words(row: Mapping[str, Any]) -> str:
        aimed = actions.actions_for(data.action_plan, row["metric"])
        moved = actions.describe_movement(moves, aimed) if len(aimed) else ""
        return " ".join(t for t in (actions.describe_actions(row), moved) if t)

    rows = [
        [metric_title(r["metric"]), *(str(r[s]) for s in STATUS_MARKERS), str(r["actions"]),
         str(r["since_baseline"]).capitalize(), in_words(r)]
        for r in progress.to_dict(orient="records")
    ]
    table = html_table(f"Actions by status and each metric's change since the baseline year, "
                   f"{data.display_name}, {data.year}",
                   ["Metric", *(status_text(s) for s in STATUS_MARKERS), "All actions",
                    "Since the baseline year", "In words"], rows, css="actions", text=True)
    note = ("An action aimed at several metrics counts once for each. The change since the "
            "baseline is the minority ethnic figure for all services (M1: the highest pay "
            "band), called improved or worsened only when statistically significant.")
    return Section("actions", heading, table + html_paragraphs([note]))


def benchmark_section(data: ReportData, bench: benchmarking.YearBenchmark) -> Section:
    """Where the authority sits among the year's authorities, for each ratio metric (minority
    ethnic staff, all services); in published mode withheld figures are neither shown nor
    pooled (:func:`benchmarking.benchmark_year`)."""
    heading = f"Where {data.display_name} sits among authorities"
    if bench.disclosure != data.disclosure or bench.year != data.year:
        raise ValueError(f"the benchmark is of {bench.year}, {bench.disclosure}; the report is "
                         f"of {data.year}, {data.disclosure}")
    others = (set(bench.names) | set(bench.unusable)) - {data.authority}
    if not others:
        return Section("benchmark", heading, html_paragraphs([NO_OTHER_AUTHORITY]))
    sentences = positions(bench, data.authority)
    rows = [[metric_title(m), sentences[m]] for m in bench.results]
    intro = [f"{year_authorities(bench)} sent a return for {bench.year}. For each metric, "
             "an authority's relative likelihood for minority ethnic staff, all services, is set "
             "against the pooled figure of the authorities with a figure, with funnel-plot "
             "limits at 95% and 99.8%."]
    if data.disclosure == "published":
        intro.append("An authority whose figure rests on a count withheld by disclosure control "
                     "is left out of the comparison and of the pooled figure.")
    table = html_table(f"Benchmark positions, {data.display_name}, {data.year}",
                   ["Metric", "Position"], rows, css="benchmark", text=True)
    return Section("benchmark", heading, html_paragraphs(intro) + table)


def year_authorities(bench: benchmarking.YearBenchmark) -> str:
    """"1 authority" / "n authorities" with a return for the benchmark's year."""
    n = len(set(bench.names) | set(bench.unusable))
    return "1 authority" if n == 1 else f"{n} authorities"


def forest_chart(data: ReportData) -> charts.Chart:
    """Every minority ethnic RL (M2-M9), by service, on one log axis."""
    results = data.results
    ratio = results[(results["group"] == "minority") & results["pay_band"].isna()
                    & results["metric"].isin(LIKELIHOOD_METRICS)]
    labels = {m: f"{m} {metrics.METRICS[m].short_title}" for m in METRIC_TABLES}
    return charts.forest_plot(ratio, rows="metric", row_labels=labels,
                              title="Relative likelihood by metric and service")


def headline_table(data: ReportData) -> str:
    rows: list[list[str | Link]] = []
    for metric in METRIC_TABLES:
        records = data.metric(metric)
        if records.empty or (records["status"] == "not_collected").all():
            sentence = narrative.not_collected(metric)
        else:
            sentence = narrative.headline(records)
        rows.append([metric_title(metric), sentence,
                     Link(f"{metric} report", f"{REPORT_OF_METRIC[metric]}.html")])
    return html_table(f"Headline findings, {data.display_name}, {data.year}",
                  ["Metric", "Headline", "Report"], rows, css="headlines", text=True)


def changes_table(data: ReportData) -> str:
    if len(data.years) < 2:
        return html_paragraphs([f"Only {data.year} is held for {data.display_name}, so there is no "
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
        groups[direction_text(r)].append(f"{r['metric']}: {narrative.describe_change(r)}")
    directions = [(name.capitalize(), sentences) for name, sentences in groups.items()
                  if sentences or name != NOT_COMPARED]
    return render_template("sections/changes.html.j2", directions=directions)


def direction_text(trend: Mapping[str, object]) -> str:
    """improved / worsened / no significant change (:func:`trends.direction_of_change`), or
    not compared (a figure withheld or not computable in either year)."""
    word = trends.direction_of_change(trend, metrics.METRICS[str(trend["metric"])].adverse_when)
    return word if word in (trends.IMPROVED, trends.WORSENED, trends.NO_CHANGE) else NOT_COMPARED


def links_section() -> str:
    """A list of links to the metric reports, in the order of :data:`NOTEBOOKS`."""
    links = [Link(" and ".join(metric_title(m) for m in ids), f"{stem}.html")
             for stem, ids in NOTEBOOKS.items() if stem != "summary"]
    return render_template("sections/links.html.j2", links=links)
