"""Speed and size of the evidence files for the whole demo: ``python -m benchmarks evidence``.

Makes the 54 demo returns (18 authorities x 3 years, seed 2021), writes each one's published
metrics.json as the batch does (compute_all, apply_disclosure), then times: results.csv with its
dictionary, the methods page, the manifest, and comparing the two result sets of a second run.
Prints rows and bytes of results.csv. ``--keep DIR`` writes into DIR and keeps it.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wres_tools.demo import synth
from wres_tools.disclosure import apply_disclosure
from wres_tools.evidence.manifest import (
    build_manifest,
    metrics_path,
    result_files,
    verify_inputs,
    write_manifest,
)
from wres_tools.evidence.reproduce import compare_results
from wres_tools.evidence.results import write_data_dictionary, write_results_csv
from wres_tools.metrics import compute_all
from wres_tools.parameters import load_parameters, resolve_parameters_dir
from wres_tools.reporting import methods
from wres_tools.returns.find import find_returns
from wres_tools.returns.load import load_return


def _timed(label: str, func: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    out = func()
    print(f"{label}: {time.perf_counter() - start:.2f} s")
    return out


def _plain(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def write_published(data: Path, out: Path) -> list:
    """metrics.json of every demo return, published with each authority's threshold."""
    refs = []
    for ref in find_returns(data):
        params = load_parameters(ref.authority, resolve_parameters_dir(data))
        ret = load_return(ref, params)
        shown = apply_disclosure(compute_all(ret, params), "published", params.threshold,
                                 senior_bands=params.senior_bands)
        records = [{k: _plain(v) for k, v in r.items()} for r in shown.to_dict("records")]
        path = metrics_path(out, ref.authority, ref.year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, sort_keys=True, indent=1, allow_nan=False) + "\n",
                        encoding="utf-8")
        refs.append(ref)
    return refs


def run(root: Path) -> None:
    data, out, again = root / "data", root / "outputs", root / "again"
    _timed("generate the demo returns", lambda: synth.generate(data))
    refs = _timed("metrics.json for every return (compute + disclosure)",
                  lambda: write_published(data, out))
    files = result_files(out, refs)
    path = _timed("results.csv", lambda: write_results_csv(files, out / "results.csv"))
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    print(f"  {rows} rows, {path.stat().st_size / 1e6:.1f} MB, "
          f"{len(files)} metrics.json files")
    _timed("results_dictionary.csv",
           lambda: write_data_dictionary(out / "results_dictionary.csv"))
    _timed("methods.html", lambda: methods.write_methods_page(
        out, methods.default_settings(data / "parameters")))
    manifest = _timed("manifest.json", lambda: build_manifest(
        data, refs, data / "parameters", {"disclosure": "published"}, out))
    write_manifest(manifest, out / "manifest.json")
    _timed("verify_inputs", lambda: verify_inputs(manifest))
    write_published(data, again)
    found = _timed("compare_results (two runs)", lambda: compare_results(out, again))
    print(f"  {len(found)} differences")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks evidence")
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep it")
    args = parser.parse_args(argv or [])
    if args.keep is not None:
        run(args.keep)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
