"""The national page of a year: :class:`wres_tools.national.NationalYear` in words, tables and a
chart, laid out as a :class:`~wres_tools.reporting.blocks.Report` for ``notebooks/national.ipynb``.

Every figure printed here is read off the year's pooled records (``nat.pooled``), the councils'
spread (``nat.spread``) or the staff table (``nat.staff``), all of which
:mod:`wres_tools.national` made from the councils' *published* counts and passed through the
publishing step; this module computes no figure of its own, it only words and places them. A
figure the pooled record withholds prints "not published", as on every other page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from wres_tools import disclosure
from wres_tools.contract import ALL_SERVICES, SERVICES
from wres_tools.contract import plain as _plain
from wres_tools.disclosure import WITHHELD
from wres_tools.metrics import METRICS
from wres_tools.national import (
    MIN_COUNCILS,
    NATIONAL,
    Mode,
    NationalYear,
    national_year,
    unmapped_councils,
)
from wres_tools.reporting import charts, narrative
from wres_tools.reporting.blocks import Report, Section, html_paragraphs, html_table
from wres_tools.reporting.formats import (
    CANNOT_BE_COMPUTED,
    NOT_PUBLISHED,
    fmt_count,
    fmt_pct,
    fmt_rl,
    is_withheld,
    with_ci,
)
from wres_tools.reporting.templating import render_template
from wres_tools.sfc_bands import SKILLS_FOR_CARE_BANDS

#: The metrics whose national figure is a relative likelihood, in report order.
LIKELIHOOD_METRICS: tuple[str, ...] = tuple(m for m in METRICS if m != "M1")
#: How a table heads each service.
SERVICE_NAMES: dict[str, str] = {"adults": "Adults' services", "children": "Children's services",
                                 ALL_SERVICES: "All services"}
#: What the page calls every council of the batch together.
ALL_COUNCILS = "All councils"
#: The sections of the page, in reading order (what the notebook shows).
SECTIONS: tuple[str, ...] = ("banners", "title", "headlines", "figures", "bands", "spread",
                             "regions", "trend", "method")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _find(records: Sequence[Mapping[str, Any]], metric: str, service: str = ALL_SERVICES,
          band: str | None = None) -> dict[str, Any] | None:
    """The pooled record of one metric, service and (M1) band, minority ethnic against white."""
    return next((dict(r) for r in records if r["metric"] == metric and r["service"] == service
                 and r["group"] == "minority" and r["pay_band"] == band), None)


def _councils(n: Any) -> str:
    count = int(n) if n is not None else 0
    return f"{count} council{'s' * (count != 1)}"


#: What a table prints for a line with no figure for a reason other than disclosure control.
NO_FIGURE = "no figure"


def _withheld_line(record: Mapping[str, Any], column: str) -> bool:
    """Whether the figure is missing for disclosure control: withheld by the publishing step,
    or a line no council's counts are in because every council's page withholds them."""
    return is_withheld(record, column) or str(record.get("reason") or "") == WITHHELD


def _cell(record: Mapping[str, Any] | None, column: str, fmt: Any) -> str:
    if record is None:
        return NO_FIGURE
    if record.get(column) is None:
        return NOT_PUBLISHED if _withheld_line(record, column) else NO_FIGURE
    return with_ci(fmt, record, column)


def rl_cell(record: Mapping[str, Any] | None) -> str:
    """A pooled RL with its interval, "0.49 (0.45 to 0.52)"; "not published" where disclosure
    control withheld it; "no figure" where the line has none for another reason (too few
    councils, a zero count: the record's reason says which)."""
    return _cell(record, "rl", fmt_rl)


def share_cell(record: Mapping[str, Any] | None) -> str:
    """A pooled share with its interval, "21.4% (20.1% to 22.8%)", or as :func:`rl_cell`
    why there is none."""
    return _cell(record, "share", fmt_pct)


def _why(record: Mapping[str, Any] | None) -> str:
    """Why a line has no figure, in the words its record gives."""
    if record is None:
        return "no council's return has this figure"
    if _withheld_line(record, "rl") or _withheld_line(record, "share"):
        return NOT_PUBLISHED
    return str(record.get("reason") or CANNOT_BE_COMPUTED)


# --------------------------------------------------------------------------- words


def staff_sentence(nat: NationalYear) -> str:
    """How many councils and staff the year's national figures rest on, by service."""
    staff = nat.staff[nat.staff["scope"] == NATIONAL].set_index("service")
    whole = staff.loc[ALL_SERVICES]
    text = (f"This page pools the {nat.year} returns of {_councils(len(nat.councils))}, "
            f"{fmt_count(int(whole['staff']))} staff in all")
    parts = [f"{fmt_count(int(staff.loc[s, 'staff']))} in {SERVICE_NAMES[s].lower()}"
             for s in SERVICES if s in staff.index and int(staff.loc[s, "councils"])]
    text += f" ({', '.join(parts)})" if parts else ""
    if int(whole["councils_counted"]) < int(whole["councils"]):
        text += (f"; the staff count is of the {int(whole['councils_counted'])} councils whose "
                 "own pages publish their headcount")
    return text + "."


def band_sentence(records: Sequence[Mapping[str, Any]]) -> str | None:
    """M1 nationally in words: the minority ethnic share of all staff of known ethnicity and of
    each Skills for Care band, as the national SC-WRES report gives representation."""
    whole = _find(records, "M1")
    if whole is None:
        return None
    if whole.get("share") is None:
        return f"M1 pay bands: no national share ({_why(whole)})."
    text = (f"Minority ethnic staff were {fmt_pct(whole['share'])} of staff of known ethnicity "
            f"({_councils(whole['n_councils'])})")
    bands = [(b, _find(records, "M1", band=b)) for b in SKILLS_FOR_CARE_BANDS]
    shown = [f"{fmt_pct(r['share'])} of those paid {b}" for b, r in bands
             if r is not None and r.get("share") is not None]
    if shown:
        text += ": " + ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    return text + "."


def headlines(nat: NationalYear) -> list[str]:
    """The year's headlines, one per metric, all councils and services, minority ethnic staff
    against white: M1 as shares (:func:`band_sentence`), the others as likelihoods in everyday
    words (:func:`wres_tools.reporting.narrative.national_headline`)."""
    records = _records(nat.pooled[NATIONAL])
    out = [s for s in (band_sentence(records),) if s]
    for metric in LIKELIHOOD_METRICS:
        record = _find(records, metric)
        if record is not None:
            out.append(narrative.national_headline(record))
    return out


def spread_sentence(row: Mapping[str, Any]) -> str:
    """One metric's councils in words: "Of the 13 councils with a figure, 9 were below 0.80 (6
    of them significantly) ..."."""
    mdef = METRICS[str(row["metric"])]
    adverse, other = (("below", "above") if mdef.adverse_when == "low" else ("above", "below"))
    limit = {"below": fmt_rl(charts.FOUR_FIFTHS[0]), "above": fmt_rl(charts.FOUR_FIFTHS[1])}
    with_figure = int(row["with_figure"])
    if not with_figure:
        return (f"{mdef.id}: no council's figure is published for "
                f"{SERVICE_NAMES[str(row['service'])].lower()}.")
    text = (f"{mdef.id}: of the {_councils(with_figure)} with a published figure, "
            f"{int(row[adverse])} {'was' if int(row[adverse]) == 1 else 'were'} {adverse} "
            f"{limit[adverse]}, the adverse side ({int(row[f'{adverse}_significant'])} of them "
            f"significantly), {int(row[other])} {other} {limit[other]} "
            f"({int(row[f'{other}_significant'])} significantly) and {int(row['within'])} "
            "within the range")
    return text + "."


# --------------------------------------------------------------------------- sections


def _title(nat: NationalYear) -> Section:
    mode = ("published figures: small counts withheld" if nat.disclosure == "published"
            else "internal figures: every count shown")
    return Section("title", None, render_template(
        "sections/title.html.j2", title=f"The national picture, {nat.year}",
        place="Every council in the batch", year=nat.year, mode=mode))


def _banners(nat: NationalYear) -> Section:
    shown = [("internal", disclosure.BANNER_INTERNAL, "")] if nat.disclosure == "internal" else []
    return Section("banners", None, render_template("blocks/banners.html.j2", banners=shown))


def _headlines(nat: NationalYear) -> Section:
    staff = nat.staff[nat.staff["scope"] == NATIONAL]
    rows = [(SERVICE_NAMES[str(r["service"])], str(int(r["councils"])),
             fmt_count(int(r["staff"])), str(int(r["councils_counted"])))
            for _, r in staff.iterrows()]
    body = html_paragraphs([staff_sentence(nat), *headlines(nat)])
    body += html_table(f"Councils and staff, {nat.year}",
                       ["Service", "Councils", "Staff", "Councils whose headcount is counted"],
                       rows)
    if nat.unusable:
        body += html_paragraphs(
            [f"Not in these figures: {nat.name(a)}: {why}." for a, why in
             sorted(nat.unusable.items())])
    return Section("headlines", "Headlines", body)


def figures_table(nat: NationalYear, scope: str = NATIONAL) -> list[tuple[str, ...]]:
    """Each metric's pooled RL by service, with the councils it pools and leaves out:
    rows of (metric, service, RL with CI or why there is none, councils pooled, councils left
    out)."""
    records = _records(nat.pooled[scope])
    rows: list[tuple[str, ...]] = []
    for metric in LIKELIHOOD_METRICS:
        for service in (*SERVICES, ALL_SERVICES):
            record = _find(records, metric, service)
            if record is None:
                continue
            cell = rl_cell(record)
            if cell == NO_FIGURE:
                cell = f"{NO_FIGURE}: {_why(record)}"
            rows.append((f"{metric} {METRICS[metric].short_title}", SERVICE_NAMES[service],
                         cell, str(record["n_councils"]), str(record["n_left_out"])))
    return rows


def _figures(nat: NationalYear, with_charts: bool) -> Section:
    records = _records(nat.pooled[NATIONAL])
    body = html_paragraphs([
        "Each figure is a relative likelihood (RL): how many times as likely minority ethnic "
        "staff were as white staff to, for example, be appointed from shortlisting, from the "
        "counts of every council below added together. An RL of 1 means equally likely; 0.80 "
        "to 1.25 is read, as the four-fifths rule reads it, as no adverse impact."])
    if with_charts:
        drawn = [r for r in records if r["metric"] in LIKELIHOOD_METRICS
                 and r["group"] == "minority" and r["pay_band"] is None]
        if drawn:
            body += charts.forest_plot(
                drawn, title=f"National relative likelihoods, {nat.year}").html()
    body += html_table(
        f"Pooled relative likelihood by metric and service, {nat.year}",
        ["Metric", "Service", "RL (95% CI)", "Councils pooled", "Councils left out"],
        figures_table(nat))
    body += html_paragraphs([
        "Councils left out: councils with the figure whose own pages withhold a count it rests "
        "on, so that no small count can be worked out by subtracting; a figure rests on at "
        f"least {MIN_COUNCILS} councils' counts or is not given."])
    return Section("figures", "Each metric, every council pooled", body)


def bands_table(nat: NationalYear) -> list[tuple[str, ...]]:
    """M1 in the three Skills for Care bands: rows of (band, minority share with CI for each
    service, councils pooled for all services), the whole workforce last."""
    records = _records(nat.pooled[NATIONAL])
    rows = []
    for band in (*SKILLS_FOR_CARE_BANDS, None):
        cells = [share_cell(_find(records, "M1", s, band)) for s in (*SERVICES, ALL_SERVICES)]
        whole = _find(records, "M1", ALL_SERVICES, band)
        rows.append((band or "Whole workforce", *cells,
                     str(whole["n_councils"]) if whole is not None else "0"))
    return rows


def _bands(nat: NationalYear) -> Section:
    body = html_table(
        f"Minority ethnic share of staff of known ethnicity by Skills for Care pay band, "
        f"{nat.year}", ["Pay band", *(SERVICE_NAMES[s] for s in (*SERVICES, ALL_SERVICES)),
         "Councils pooled (all services)"],
        bands_table(nat))
    left = unmapped_councils(nat.councils)
    notes = ["Each council's own pay bands are placed in the three bands Skills for Care "
             "reports (less than £30,000, £30,000 to £69,000, £70,000 and over) by the pay "
             "range each band's name gives, or as its parameter file places it."]
    if left:
        notes.append("Left out of the bands, because a band of theirs spans two Skills for Care "
                     "bands or names no pay: " + "; ".join(
                         f"{name} ({', '.join(bands)})" for name, bands in left) + ".")
    return Section("bands", "M1 pay bands", body + html_paragraphs(notes))


def spread_table(nat: NationalYear) -> list[tuple[str, ...]]:
    """The councils by their own published RL, all services: rows of (metric, councils with a
    figure, above 1.25 (significantly), within, below 0.80 (significantly), not published, no
    figure)."""
    spread = nat.spread[(nat.spread["scope"] == NATIONAL)
                        & (nat.spread["service"] == ALL_SERVICES)]
    return [(f"{r['metric']} {METRICS[str(r['metric'])].short_title}", str(r["with_figure"]),
             f"{r['above']} ({r['above_significant']})", str(r["within"]),
             f"{r['below']} ({r['below_significant']})", str(r["not_published"]),
             str(r["no_figure"])) for _, r in spread.iterrows()]


def _spread(nat: NationalYear) -> Section:
    spread = nat.spread[(nat.spread["scope"] == NATIONAL)
                        & (nat.spread["service"] == ALL_SERVICES)]
    body = html_paragraphs([
        "How many councils, not people, have a relative likelihood beyond the four-fifths "
        "range, as NHS England reports trusts: each council placed by the figure its own page "
        "publishes, all services. In brackets, how many of those differ significantly (Fisher's "
        "exact test, 5%). A council whose figure its own page withholds is counted as not "
        "published, never placed.", *(spread_sentence(r) for _, r in spread.iterrows())])
    body += html_table(
        f"Councils by their own relative likelihood, all services, {nat.year}",
        ["Metric", "Councils with a figure", "Above 1.25 (significantly)", "0.80 to 1.25",
         "Below 0.80 (significantly)", "Not published", "No figure"], spread_table(nat))
    return Section("spread", "How councils compare", body)


def regions_table(nat: NationalYear) -> tuple[list[str], list[tuple[str, ...]]]:
    """Columns (all councils, then each region given) and rows: councils, then each metric's
    all-services RL with its CI (M1: the minority share of the whole workforce)."""
    scopes = [NATIONAL, *nat.regions]
    columns = ["", *(ALL_COUNCILS if s == NATIONAL else s for s in scopes)]
    staff = nat.staff[nat.staff["service"] == ALL_SERVICES].set_index("scope")
    rows: list[tuple[str, ...]] = [
        ("Councils", *(str(int(staff.loc[s, "councils"])) for s in scopes))]
    pooled = {s: _records(nat.pooled[s]) for s in scopes}
    rows.append(("M1 minority ethnic share of staff",
                 *(share_cell(_find(pooled[s], "M1")) for s in scopes)))
    for metric in LIKELIHOOD_METRICS:
        rows.append((f"{metric} {METRICS[metric].short_title} (RL)",
                     *(rl_cell(_find(pooled[s], metric)) for s in scopes)))
    return columns, rows


def _regions(nat: NationalYear) -> Section:
    if not nat.regions:
        body = html_paragraphs([
            f"No region is given: a region needs at least {MIN_COUNCILS} councils whose "
            "parameter files name it (region: in the file), and a region of one council would "
            "be that council's own figures."])
        return Section("regions", "By region", body)
    columns, rows = regions_table(nat)
    body = html_table(f"All services by ADASS region, {nat.year}", columns, rows)
    left = [c.name for c in nat.councils if c.region is None or c.region not in nat.regions]
    notes = [f"Regions are the nine ADASS regions; a region is given when at least "
             f"{MIN_COUNCILS} councils name it."]
    if left:
        notes.append(f"In the national figures but no region's: {', '.join(left)}.")
    return Section("regions", "By region", body + html_paragraphs(notes))


def trend_table(nat: NationalYear) -> tuple[list[str], list[tuple[str, ...]]]:
    """Columns (the years held) and rows: each metric's national all-services figure by year
    (M1 the minority share, the others the RL), from ``nat.trend``."""
    records = _records(nat.trend)
    years = sorted({int(r["year"]) for r in records})
    by_year = {y: [r for r in records if int(r["year"]) == y] for y in years}
    rows: list[tuple[str, ...]] = [("M1 minority ethnic share of staff",
                                    *(share_cell(_find(by_year[y], "M1")) for y in years))]
    for metric in LIKELIHOOD_METRICS:
        rows.append((f"{metric} {METRICS[metric].short_title} (RL)",
                     *(rl_cell(_find(by_year[y], metric)) for y in years)))
    return ["Metric", *(str(y) for y in years)], rows


def _trend(nat: NationalYear) -> Section:
    columns, rows = trend_table(nat)
    if len(columns) < 3:
        body = html_paragraphs([f"{nat.year} is the first year held, so there is no trend yet."])
    else:
        body = html_table("National figures, all services, by year", columns, rows)
        body += html_paragraphs([
            "Each year pools the councils that made a return that year, so a change can come "
            "from councils joining or leaving as well as from a change in their figures."])
    return Section("trend", "Over the years", body)


def _method(nat: NationalYear) -> Section:
    published = nat.disclosure == "published"
    notes = [
        "A pooled figure comes from the counts of every council added together (the 2x2 table "
        "of events and people for a likelihood, headcounts for a share), never from an average "
        "of the councils' figures; its interval and test are worked out from the summed counts "
        "as a council's are (Wilson rates, the Katz interval of an RL, Fisher's exact test).",
        f"A figure is given when at least {MIN_COUNCILS} councils' counts are in it.",
    ]
    if published:
        notes.append(
            "Published mode: only the counts each council's own pages publish are added up. A "
            "council whose page withholds a count a line rests on is left out of that line, so "
            "no figure here, taken from another or from a council's page, gives a count that "
            "was withheld; the pooled figures then pass the same disclosure control as every "
            f"page's ({disclosure.WITHHELD} where it withholds one).")
    else:
        notes.append("Internal mode: every council's counts are added up, small ones too.")
    notes.append("M9 is the likelihood of being a senior manager, senior managers over staff "
                 "(the M1 whole workforce), from the summed counts.")
    return Section("method", "How these figures are made", html_paragraphs(notes))


def national_report(nat: NationalYear, with_charts: bool = True) -> Report:
    """The national page of a year: banners, title, headlines, each metric's pooled figures
    (with a forest plot when ``with_charts``), M1's Skills for Care bands, the councils' spread,
    the regions, the trend and how the figures are made (:data:`SECTIONS`)."""
    return Report(f"The national picture, {nat.year}", (
        _banners(nat), _title(nat), _headlines(nat), _figures(nat, with_charts), _bands(nat),
        _spread(nat), _regions(nat), _trend(nat), _method(nat)))


def national_view(year: int, data_dir: Any = None, parameters_dir: Any = None,
                  disclosure: str = "published", with_charts: bool = True) -> Report:
    """What ``notebooks/national.ipynb`` shows: :func:`national_report` of
    :func:`wres_tools.national.national_year`."""
    if disclosure not in ("published", "internal"):
        raise ValueError(f"disclosure is {disclosure!r}: expected 'published' or 'internal'")
    mode: Mode = "internal" if disclosure == "internal" else "published"
    return national_report(national_year(data_dir, year, parameters_dir, mode), with_charts)
