"""What a batch writes when its pages are done: results.csv, results.parquet and their dictionary,
the methods page, then the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wres_tools.evidence.manifest import (
    LOCK_FILE,
    MANIFEST_FILE,
    build_manifest,
    result_files,
    write_manifest,
)
from wres_tools.evidence.results import (
    DICTIONARY_FILE,
    PARQUET_FILE,
    RESULTS_FILE,
    Authority,
    load_records,
    write_data_dictionary,
    write_results_csv,
)
from wres_tools.parameters import check_parameters
from wres_tools.paths import CACHE_DIR_ENV, PROJECT_ROOT
from wres_tools.returns.find import ReturnRef


@contextmanager
def _cache(folder: str | None) -> Iterator[None]:
    """While inside, this process reads (and adds to) the batch's shared folder of computed
    returns (:mod:`wres_tools.computed`), as its kernels do; None: as it was."""
    if folder is None:
        yield
        return
    before = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CACHE_DIR_ENV, None)
        else:
            os.environ[CACHE_DIR_ENV] = before


def published_items(data_dir: Path, refs: Sequence[ReturnRef], parameters_dir: Path,
                    ) -> tuple[dict[str, list[Any]], dict[str, Authority]]:
    """The published frames the pages print, beyond each metrics.json: for each of ``refs`` its
    change over time and pooled M3 (``report.load``, as its notebooks call it), and for each
    year the benchmark of every ratio metric (``report.year_benchmark``, as the benchmarking
    page and the summaries call it) and the national picture (:func:`wres_tools.national.
    national_year` in published mode, as the national page reads it: every council of the data
    folder that year, pooling only the counts their own published records show; a year no
    council's return can be used for has none); and each authority's display name and ONS code.
    Returns (items by kind of row, authorities)."""
    from wres_tools.national import NationalError, national_year
    from wres_tools.reporting import report  # the pages' own loader (reporting imports us)

    items: dict[str, list[Any]] = {"change": [], "pooled": [], "benchmark": [], "national": []}
    for ref in refs:
        data = report.load(ref.authority, ref.year, data_dir, disclosure_mode="published",
                           parameters_dir=parameters_dir)
        items["change"].append(data.trends.assign(authority=ref.authority))
        items["pooled"].append(data.pooled.assign(year_from=min(data.years[-2:])))
    names: set[str] = {r.authority for r in refs}
    for year in sorted({r.year for r in refs}):
        bench = report.year_benchmark(year, data_dir, parameters_dir, "published")
        items["benchmark"] += list(bench.results.values())
        names |= set(bench.names)
        try:
            items["national"].append(national_year(data_dir, year, parameters_dir, "published"))
        except NationalError:
            pass  # no council's return of the year can be used: no national picture
    authorities = {}
    for authority in sorted(names):
        params, _ = check_parameters(authority, Path(parameters_dir))
        if params is not None:
            authorities[authority] = Authority(params.display_name, params.ons_code)
    return items, authorities


def write_evidence(
    data_dir: Path,
    refs: Sequence[ReturnRef],
    parameters_dir: Path,
    options: Mapping[str, Any],
    out_dir: Path,
    *,
    lock_path: Path = LOCK_FILE,
    root: Path = PROJECT_ROOT,
    cache_dir: str | None = None,
) -> dict[str, Any]:
    """After a batch: results.csv, results.parquet and their dictionary, methods.html, then
    manifest.json.

    results.csv is made from the metrics.json of ``refs`` when every record is published, with
    the change over time, pooled M3 and benchmark positions of the same returns
    (:func:`published_items`); for a run in internal mode none is written (and those left by
    an earlier run are removed, so that they cannot pass for this run's). ``cache_dir``: the
    batch's shared folder of computed returns, read while the pages' frames are gathered.
    Returns the manifest written.
    """
    from wres_tools.reporting.methods import (  # methods imports us
        default_settings,
        write_methods_page,
    )

    out_dir = Path(out_dir)
    files = result_files(out_dir, refs)
    records = load_records(files)
    paths = [out_dir / name for name in (RESULTS_FILE, PARQUET_FILE, DICTIONARY_FILE)]
    if len(records) and (records["disclosure"] == "published").all():
        shown = {(p.parent.parent.name, p.parent.name) for p in files}  # returns with results
        with _cache(cache_dir):
            items, authorities = published_items(
                Path(data_dir), [r for r in refs if (str(r.year), r.authority) in shown],
                Path(parameters_dir))
        write_results_csv(records, paths[0], items, authorities, parquet=paths[1])
        write_data_dictionary(paths[2])
    else:
        for path in paths:
            path.unlink(missing_ok=True)
    authority_params = []
    for authority in sorted({r.authority for r in refs}):
        params, _ = check_parameters(authority, Path(parameters_dir))
        if params is not None:
            authority_params.append(params)
    write_methods_page(out_dir, default_settings(Path(parameters_dir)), authority_params)
    manifest = build_manifest(data_dir, refs, parameters_dir, options, out_dir,
                              lock_path=lock_path, root=root)
    write_manifest(manifest, out_dir / MANIFEST_FILE)
    return manifest
