"""What a batch remembers between runs: keyed digests of the inputs, the code and the libraries
that shape a page, and the state file that holds them, so unchanged work is skipped.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from wres_tools import __version__
from wres_tools.contract import plain
from wres_tools.inputkey import digest_paths
from wres_tools.paths import PACKAGE_DIR

STATE_FILE = ".batch.json"


# -- fingerprints ------------------------------------------------------------------------------


#: Libraries whose version can change a report's bytes (numbers, tables, charts, HTML).
OUTPUT_LIBRARIES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "afcharts", "nbconvert",
    "nbformat", "papermill", "mistune",
)


def code_digest() -> str:
    """sha256 of the package's source and templates, its version and the output libraries'."""
    files = [
        f for f in PACKAGE_DIR.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"
    ]
    versions = []
    for name in OUTPUT_LIBRARIES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    return fingerprint(__version__, sys.version, *versions, digest_paths(files, PACKAGE_DIR))


def fingerprint(*parts: str) -> str:
    """One hash of the digests and settings an output depends on."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def results_json(results: pd.DataFrame | Iterable[Mapping[str, Any]]) -> str:
    """Result records as JSON: one object per record, keys sorted, nulls for missing values."""
    rows = results.to_dict(orient="records") if isinstance(results, pd.DataFrame) else results
    records = [{str(k): plain(v) for k, v in record.items()} for record in rows]
    return json.dumps(records, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def read_state(out_dir: Path) -> dict[str, Any]:
    """The batch's record for one authority-year (empty when there is none or it is unreadable)."""
    try:
        state = json.loads((Path(out_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}
