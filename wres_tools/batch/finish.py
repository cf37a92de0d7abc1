"""What a batch writes when its pages are done: results.csv and its dictionary, the methods page,
then the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    RESULTS_FILE,
    load_records,
    write_data_dictionary,
    write_results_csv,
)
from wres_tools.parameters import check_parameters
from wres_tools.paths import PROJECT_ROOT
from wres_tools.returns.find import ReturnRef


def write_evidence(
    data_dir: Path,
    refs: Sequence[ReturnRef],
    parameters_dir: Path,
    options: Mapping[str, Any],
    out_dir: Path,
    *,
    lock_path: Path = LOCK_FILE,
    root: Path = PROJECT_ROOT,
) -> dict[str, Any]:
    """After a batch: results.csv and its dictionary, methods.html, then manifest.json.

    results.csv is made from the metrics.json of ``refs`` when every record is published; for
    a run in internal mode it is not written (and a results.csv left by an earlier run is
    removed, so that it cannot pass for this run's). Returns the manifest written.
    """
    from wres_tools.reporting.methods import (  # methods imports us
        default_settings,
        write_methods_page,
    )

    out_dir = Path(out_dir)
    records = load_records(result_files(out_dir, refs))
    csv_path, dictionary_path = out_dir / RESULTS_FILE, out_dir / DICTIONARY_FILE
    if len(records) and (records["disclosure"] == "published").all():
        write_results_csv(records, csv_path)
        write_data_dictionary(dictionary_path)
    else:
        csv_path.unlink(missing_ok=True)
        dictionary_path.unlink(missing_ok=True)
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
