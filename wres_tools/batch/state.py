"""What a batch remembers between runs: keyed digests of the inputs, the code and the libraries
that shape a page, and the state file that holds them, so unchanged work is skipped.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from wres_tools import __version__
from wres_tools.inputkey import keyed_digest
from wres_tools.paths import PACKAGE_DIR

STATE_FILE = ".batch.json"


# -- fingerprints ------------------------------------------------------------------------------


def _hash_file(digest: Any, path: Path, name: str) -> None:
    digest.update(name.encode("utf-8") + b"\0")
    digest.update(path.read_bytes())
    digest.update(b"\0")


def digest_paths(paths: Iterable[Path], root: Path | None = None,
                 key: bytes | None = None) -> str:
    """sha256 over files (a folder counts as every file in it), names included, in sorted order;
    with ``key``, HMAC-SHA256 under it (:mod:`wres_tools.inputkey`): every digest of an input
    that is written beside the outputs is keyed, so that it cannot be used to test guesses."""
    digest: Any = hashlib.sha256() if key is None else keyed_digest(key)
    for path in sorted(Path(p) for p in paths):
        if not path.exists():  # an absent file (no parameter file, say) is part of the state
            digest.update(f"missing:{path.name}\0".encode())
            continue
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            name = f.relative_to(root).as_posix() if root is not None else f.name
            _hash_file(digest, f, name)
    return digest.hexdigest()


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


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    return value


def results_json(results: pd.DataFrame | Iterable[Mapping[str, Any]]) -> str:
    """Result records as JSON: one object per record, keys sorted, nulls for missing values."""
    rows = results.to_dict(orient="records") if isinstance(results, pd.DataFrame) else results
    records = [{str(k): _json_value(v) for k, v in record.items()} for record in rows]
    return json.dumps(records, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def read_state(out_dir: Path) -> dict[str, Any]:
    """The batch's record for one authority-year (empty when there is none or it is unreadable)."""
    try:
        state = json.loads((Path(out_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}
