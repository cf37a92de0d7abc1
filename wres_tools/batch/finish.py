"""What a batch writes when its pages are done: results.csv, results.parquet and their dictionary,
the methods page, then the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wres_tools.batch.pieces import PieceCache, write_results_files
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
    write_data_dictionary,
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

    results.csv and results.parquet hold every published figure of ``refs`` that have a
    metrics.json: its records, its change over time and pooled M3, and each year's benchmark
    positions and national picture, made piece by piece and only where something they rest on
    changed (:mod:`wres_tools.batch.pieces`). For a run in internal mode none is written (and
    those left by an earlier run are removed, with their kept pieces, so that they cannot pass
    for this run's). ``cache_dir``: the batch's shared folder of computed returns, read while
    the pages' frames are gathered. Returns the manifest written.
    """
    from wres_tools.reporting.methods import (  # methods imports us
        default_settings,
        write_methods_page,
    )

    out_dir = Path(out_dir)
    files = result_files(out_dir, refs)
    paths = [out_dir / name for name in (RESULTS_FILE, PARQUET_FILE, DICTIONARY_FILE)]
    shown = {(p.parent.parent.name, p.parent.name) for p in files}  # returns with results
    published = False
    if shown:
        with _cache(cache_dir):
            published = write_results_files(
                Path(data_dir), [r for r in refs if (str(r.year), r.authority) in shown],
                Path(parameters_dir), out_dir, paths[0], paths[1])
    if published:
        write_data_dictionary(paths[2])
    else:
        for path in paths:
            path.unlink(missing_ok=True)
        PieceCache(out_dir).remove()
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
