"""What the notebooks call: load the published results for an authority-year, and build and show a
metric report or the summary.

:func:`load` and :func:`year_benchmark` keep what they made, keyed by the content digests of the
returns and parameter files (:func:`wres_tools.computed.digest`, the batch's digest), and hand
out a copy each time: a notebook that edits the frames it was given changes no later page.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wres_tools import benchmarking, computed, publish, trends
from wres_tools.contract import METRIC_TABLES, ReturnError
from wres_tools.parameters import (
    Parameters,
    is_disclosure,
    load_parameters,
    resolve_parameters_dir,
)
from wres_tools.paths import DEMO_DATA_DIR
from wres_tools.reporting.data import LIKELIHOOD_METRICS, ReportData
from wres_tools.returns.find import ReturnRef, authority_returns, find_returns

if TYPE_CHECKING:  # the report blocks (and Jinja) are imported where a report is built
    from wres_tools.reporting.blocks import Report

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
    refs = [r for r in authority_returns(data_dir, authority) if r.year <= year]
    if not any(r.year == year for r in refs):
        raise FileNotFoundError(
            f"{data_dir}: no return for authority {authority!r} and year {year} "
            f"(expected {data_dir / authority / f'{year}.xlsx'} or a folder {year}/ of CSV files)"
        )
    param_files = [params_dir / "defaults.yml", params_dir / f"{authority}.yml"]
    contents = {r.path: computed.digest(r.path) for r in refs}  # each file hashed once a load
    key = (
        authority, year, str(data_dir.resolve()), str(params_dir.resolve()), mode,
        tuple(contents[r.path] for r in refs),
        tuple(computed.digest(p) for p in param_files if p.exists()),
    )
    if key in _CACHE:
        _CACHE.move_to_end(key)
    else:  # in a batch, what the authority-year's kernel made is shared with the main process
        made = computed.shared(
            ("report.load", *key),
            lambda: _publish(authority, year, refs, contents, params, mode), ReportData)
        computed.remember(_CACHE, key, made, _CACHE_SIZE)
    return _CACHE[key].copy()


def _publish(
    authority: str, year: int, refs: Sequence[ReturnRef], contents: Mapping[Path, str],
    params: Parameters, mode: str,
) -> ReportData:
    done: dict[int, tuple] = {}
    skipped = []
    for ref in refs:
        try:
            done[ref.year] = computed.published_return(ref, params, mode,
                                                       content=contents[ref.path])
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
    change = trends.change_over_time(internal, baseline, year=year)
    if baseline is None and params.baseline_year is not None:
        change = change[change["compared_with"] != "baseline"].reset_index(drop=True)
    change = publish.publish_trends(change, published, mode)
    returns = [ret for _, (ret, _, _) in sorted(done.items())]
    pooled_years = sorted(done)[-2:]
    pooled = publish.publish_pooled(trends.pooled_disciplinary(returns, params), published,
                                    pooled_years, params, mode)
    ret = done[year][0]
    published = {y: _without_attrs(frame) for y, frame in published.items()}
    pooled = _without_attrs(pooled)
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
        action_updates=ret.action_updates,
        plans={y: r.action_plan for y, (r, _, _) in sorted(done.items())},
        baseline_year=baseline if baseline is not None or params.baseline_year is not None
        else min(done),
    )


def _without_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """The typed published records (:func:`wres_tools.contract.typed_results`) without the
    suppression pattern disclosure control keeps in ``attrs``: no report reads it (a record's
    ``withheld`` says what was withheld), and pandas deep-copies attrs on every slice."""
    out = frame.copy(deep=False)
    out.attrs = {}
    return out


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
    # the blocks and sections (Jinja, and matplotlib for the charts) only when a report is
    # built: ``wres metrics`` calls load() for its table and must answer in under 2 s
    from wres_tools.reporting.blocks import Report
    from wres_tools.reporting.sections import (
        banners,
        how_to_read,
        metric_sections,
        metric_title,
        title_section,
    )

    title = " and ".join(metric_title(m) for m in metric_ids)
    sections = [banners(data), title_section(data, title)]
    for metric in metric_ids:
        sections += metric_sections(data, metric, prefix=len(metric_ids) > 1,
                                     with_charts=with_charts)
    sections.append(how_to_read(data, metric_ids))
    return Report(title, tuple(sections))


_BENCH_CACHE: OrderedDict[tuple, benchmarking.YearBenchmark] = OrderedDict()


def year_benchmark(
    year: int, data_dir: Path | str | None, parameters_dir: Path | str | None, mode: str
) -> benchmarking.YearBenchmark:
    """Every authority of ``year`` benchmarked in ``mode``; cached per process, keyed like
    :func:`load` by the content digests of the year's returns and of the parameter folder, so a
    batch worker reads the year's returns once, not once per authority. A deep copy each time."""
    data_dir = DEMO_DATA_DIR if data_dir is None else Path(data_dir)
    params_dir = resolve_parameters_dir(data_dir, Path(parameters_dir) if parameters_dir else None)
    refs = [r for r in find_returns(data_dir) if r.year == year]
    key = (str(data_dir.resolve()), year, str(params_dir.resolve()), mode,
           tuple((r.authority, str(r.path), computed.digest(r.path)) for r in refs),
           computed.digest(params_dir))
    if key in _BENCH_CACHE:
        _BENCH_CACHE.move_to_end(key)
    else:
        if not is_disclosure(mode):  # as benchmark_year says it, before anything else
            raise ValueError(f"disclosure is {mode!r}: expected 'published' or 'internal'")
        bench = computed.shared(  # in a batch, made by one kernel for all and the evidence
            ("report.year_benchmark", *key),
            lambda: benchmarking.benchmark_year(data_dir, year, params_dir, disclosure=mode),
            benchmarking.YearBenchmark)
        computed.remember(_BENCH_CACHE, key, bench, _CACHE_SIZE)
    return copy.deepcopy(_BENCH_CACHE[key])


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
    from wres_tools.reporting.blocks import Report, Section  # as build_metric_report
    from wres_tools.reporting.sections import (
        actions_summary,
        banners,
        benchmark_section,
        changes_table,
        forest_chart,
        headline_table,
        how_to_read,
        links_section,
        title_section,
    )

    title = "SC-WRES summary: every metric on one page"
    sections = [
        banners(data),
        title_section(data, title),
        Section("forest", "All relative likelihoods", forest_chart(data).html()) if with_charts
        else None,
        Section("headlines", "Headline findings", headline_table(data)),
        Section("changes", "Since the baseline year", changes_table(data)),
        actions_summary(data),
        benchmark_section(data, bench) if bench is not None else None,
        Section("links", "The metric reports", links_section()),
        how_to_read(data, [m for m in METRIC_TABLES if m in LIKELIHOOD_METRICS]),
    ]
    return Report(title, tuple(s for s in sections if s is not None))
