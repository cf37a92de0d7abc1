"""Reproducible evidence for evaluators: the run's manifest, a tidy results file with its data
dictionary, and the comparison of two result sets.

One function per step, so that ``wres run`` and ``wres reproduce`` stay thin:

- :func:`build_manifest` / :func:`write_manifest`: ``outputs/manifest.json`` - what went in (a
  keyed digest, HMAC-SHA256 under the data folder's secret key (:mod:`wres_tools.inputkey`), of
  every input file and parameter file - never a plain hash, which would let a reader test
  guesses of the hidden counts -, the parsed parameter values, the seeds of
  synthetic returns), what ran it (package version, git commit, Python, the lock's pins and the
  installed versions of the key packages), the batch's options, and a sha256 of every results
  file that came out;
- :func:`verify_inputs`: which recorded inputs changed since;
- :func:`compare_results`: every ``metrics.json`` of one output folder against another, record by
  record, field by field;
- :func:`reproduce`: re-run the batch from a manifest into a fresh folder and say what differs;
- :func:`results_long` / :func:`write_results_csv` / :func:`write_data_dictionary`:
  ``outputs/results.csv`` (one row per figure: readable in R, Stata or Python) and
  ``outputs/results_dictionary.csv``, described by :data:`DATA_DICTIONARY` and
  :data:`STATISTICS`.

The manifest holds no time stamp, so the same run gives the same bytes. Only published results
(after disclosure control) ever go into ``results.csv``: :func:`results_long` refuses anything else.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import platform
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import yaml

from wres_tools import __version__
from wres_tools.contract import ALL_SERVICES, METADATA_TABLE, RESULT_COLUMNS, SERVICES, shorten
from wres_tools.contract import is_missing as _missing
from wres_tools.ethnicity import MINORITY_GROUPS
from wres_tools.export import write_atomic
from wres_tools.inputkey import (
    KEY_ENV,
    KEY_FILE,
    METHOD,
    InputKeyError,
    input_key,
    keyed_file_digest,
)
from wres_tools.io import EXCEL_ENGINE, ReturnRef, find_returns, normalise_name
from wres_tools.metrics import METRICS, REFERENCE
from wres_tools.parameters import check_parameters
from wres_tools.paths import PARAMETERS_DIR, PROJECT_ROOT
from wres_tools.statistics import FOUR_FIFTHS_HIGH, FOUR_FIFTHS_LOW

MANIFEST_VERSION = 2  # 2: input digests are keyed (HMAC), no file sizes
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.json"
RESULTS_FILE = "results.csv"
DICTIONARY_FILE = "results_dictionary.csv"
LOCK_FILE = PROJECT_ROOT / "requirements.lock"

#: Packages whose installed version the manifest records besides the lock (the ones whose
#: behaviour can move a figure or the way it is read and written).
KEY_PACKAGES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "statsmodels", "pandera", "pydantic", "pyyaml", "openpyxl",
    "python-calamine", "matplotlib", "seaborn", "afcharts", "papermill", "nbclient", "nbconvert",
)

#: Relative tolerance of :func:`compare_results` for floats. The same code on the same inputs
#: gives the same bits on one machine; another CPU or maths library may move the last digit or
#: two of a p-value or an interval, which is not a different result.
REL_TOL = 1e-12

#: The fields that identify a record within one authority-year's metrics.json.
RECORD_KEY: tuple[str, ...] = ("metric", "service", "group", "pay_band")


class ManifestError(Exception):
    """A manifest that cannot be read or used."""


# --------------------------------------------------------------------------- small helpers


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` in POSIX form, or absolute when it is not under it."""
    path, base = _absolute(path), _absolute(base)
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _absolute(path: Path | str) -> Path:
    """Absolute and normalised, without following symbolic links (a linked data folder keeps
    the name it was given)."""
    return Path(os.path.abspath(path))


def _return_files(ref: ReturnRef) -> list[Path]:
    """The files of a return: the workbook, or every file of a CSV folder (hidden ones too)."""
    if ref.form == "xlsx" or Path(ref.path).is_file():
        return [Path(ref.path)]
    return sorted(p for p in Path(ref.path).rglob("*") if p.is_file())


def defaults_path(parameters_dir: Path) -> Path:
    """The defaults.yml a run reads: the folder's own, else the project's (as parameters.py)."""
    own = Path(parameters_dir) / "defaults.yml"
    return own if own.exists() else PARAMETERS_DIR / "defaults.yml"


# --------------------------------------------------------------------------- environment


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The commit of the checkout at ``root`` and whether tracked files differ from it.

    ``{"commit": "unknown", "dirty": None}`` when ``root`` is not the top of a git checkout (an
    installed package lives inside someone else's folder: a repository above it is not ours).
    """
    unknown = {"commit": "unknown", "dirty": None}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                  text=True, timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != Path(root).resolve():
        return unknown
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    if commit is None:
        return unknown
    return {"commit": commit, "dirty": None if status is None else bool(status)}


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def lock_pins(lock_path: Path = LOCK_FILE) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line of a pip/uv lock file."""
    pins = {}
    for line in Path(lock_path).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            pins[_canonical(match.group(1))] = match.group(2)
    return dict(sorted(pins.items()))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions(packages: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """The running interpreter's version of each package (None when not installed)."""
    found: dict[str, str | None] = {}
    for name in packages:
        try:
            found[_canonical(name)] = version(name)
        except PackageNotFoundError:
            found[_canonical(name)] = None
    return dict(sorted(found.items()))


def environment(lock_path: Path = LOCK_FILE, root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Package version, git state, Python, the lock's pins and the key packages installed."""
    lock_path = Path(lock_path)
    if lock_path.exists():
        lock: dict[str, Any] = {"path": lock_path.name, "sha256": sha256_file(lock_path),
                                "pins": lock_pins(lock_path)}
    else:
        lock = {"path": lock_path.name, "sha256": None, "pins": {}}
    installed = installed_versions()
    return {
        "package": {"name": "wres-tools", "version": __version__, "git": git_state(root)},
        "python": {"version": platform.python_version(),
                   "implementation": platform.python_implementation(),
                   "system": platform.system(), "machine": platform.machine()},
        "lock": lock,
        "installed": installed,
        "installed_not_as_locked": sorted(
            name for name, v in installed.items()
            if lock["pins"] and lock["pins"].get(name) != v
        ),
    }


# --------------------------------------------------------------------------- synthetic seeds


def _metadata_grid(ref: ReturnRef) -> pd.DataFrame | None:
    """The metadata sheet or CSV file of a return as a grid of strings, or None."""
    if ref.form == "csv":
        for path in sorted(Path(ref.path).iterdir()):
            if path.is_file() and path.suffix.lower() == ".csv" \
                    and normalise_name(path.stem) == METADATA_TABLE:
                return pd.read_csv(path, header=None, dtype=str, keep_default_na=False,
                                   encoding="utf-8-sig")
        return None
    with pd.ExcelFile(ref.path, engine=EXCEL_ENGINE) as book:
        for sheet in book.sheet_names:
            if normalise_name(sheet) == METADATA_TABLE:
                return pd.read_excel(book, sheet_name=sheet, header=None, dtype=str).fillna("")
    return None


def return_metadata(ref: ReturnRef) -> dict[str, str]:
    """A return's optional key/value metadata table as {key (normalised): value}.

    Reads only that one sheet or file. A missing or unreadable table gives {} (validation is
    where a bad return is reported; the manifest only records what it finds).
    """
    try:
        grid = _metadata_grid(ref)
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if grid is None or grid.empty:
        return {}
    rows = [[str(v).strip() for v in row] for row in grid.itertuples(index=False)]
    rows = [row for row in rows if any(row)]
    if not rows:
        return {}
    header = [normalise_name(h) for h in rows[0]]
    if "key" not in header or "value" not in header:
        return {}
    k, v = header.index("key"), header.index("value")
    return {normalise_name(row[k]): row[v] for row in rows[1:] if row[k]}


def synthetic_seeds(refs: Iterable[ReturnRef]) -> list[dict[str, Any]]:
    """The seed (and generator) in the metadata of every return that carries one."""
    seeds = []
    for ref in refs:
        meta = return_metadata(ref)
        if "seed" not in meta:
            continue
        seed: int | str = int(meta["seed"]) if meta["seed"].isdigit() else meta["seed"]
        seeds.append({"authority": ref.authority, "year": ref.year, "seed": seed,
                      "generator": meta.get("generator") or None,
                      "synthetic": meta.get("synthetic", "").lower() in ("true", "yes", "1", "y")})
    return seeds


# --------------------------------------------------------------------------- the manifest


def input_returns(data_dir: Path, refs: Sequence[ReturnRef]) -> list[ReturnRef]:
    """The returns a run reads: ``refs`` and every other year of the same authorities under
    ``data_dir`` (a report compares with earlier years), sorted by authority and year."""
    authorities = {r.authority for r in refs}
    found = {(r.authority, r.year, r.form): r for r in refs}
    if Path(data_dir).is_dir():
        for ref in find_returns(data_dir):
            if ref.authority in authorities:
                found.setdefault((ref.authority, ref.year, ref.form), ref)
    return [found[key] for key in sorted(found)]


def _inputs(data_dir: Path, refs: Sequence[ReturnRef], key: bytes) -> list[dict[str, Any]]:
    """Each input return's files with a keyed digest (:mod:`wres_tools.inputkey`): a plain hash
    or a size would let a reader test guesses of the hidden counts against the file."""
    reported = {(r.authority, r.year, r.form) for r in refs}
    inputs = []
    for ref in input_returns(data_dir, refs):
        files = [{"path": _relative(p, data_dir), "hmac": keyed_file_digest(p, key)}
                 for p in _return_files(ref)]
        inputs.append({"authority": ref.authority, "year": ref.year, "form": ref.form,
                       "path": _relative(Path(ref.path), data_dir), "files": files,
                       "reported": (ref.authority, ref.year, ref.form) in reported})
    return inputs


def _parameters(parameters_dir: Path, authorities: Iterable[str],
                key: bytes) -> dict[str, Any]:
    defaults = defaults_path(parameters_dir)
    record: dict[str, Any] = {
        "dir": _absolute(parameters_dir).as_posix(),
        "defaults": {"path": _absolute(defaults).as_posix(),
                     "hmac": keyed_file_digest(defaults, key) if defaults.exists() else None,
                     "values": (yaml.safe_load(defaults.read_text(encoding="utf-8")) or {})
                     if defaults.exists() else None},
        "authorities": {},
    }
    for authority in sorted(set(authorities)):
        own = Path(parameters_dir) / f"{authority}.yml"
        params, report = check_parameters(authority, Path(parameters_dir))
        record["authorities"][authority] = {
            "path": _absolute(own).as_posix(),
            "hmac": keyed_file_digest(own, key) if own.exists() else None,
            "values": params.model_dump(mode="json") if params is not None else None,
            "problems": [str(p) for p in report.errors],
        }
    return record


def result_files(out_dir: Path, refs: Iterable[ReturnRef] | None = None) -> list[Path]:
    """``<year>/<authority>/metrics.json`` under an output folder, sorted: every one there, or
    (with ``refs``) those of the given returns that exist."""
    if refs is None:
        return sorted(Path(out_dir).glob(f"*/*/{METRICS_FILE}"))
    paths = {metrics_path(out_dir, r.authority, r.year) for r in refs}
    return sorted(p for p in paths if p.is_file())


def metrics_path(out_dir: Path, authority: str, year: int) -> Path:
    """Where the batch writes an authority-year's result records."""
    return Path(out_dir) / str(year) / authority / METRICS_FILE


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_json_safe(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Path):
        return value.as_posix()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _json_safe(value.item())
    raise TypeError(f"run option value {value!r} ({type(value).__name__}) cannot be recorded "
                    "in the manifest: expected text, numbers, booleans, lists or paths")


def build_manifest(
    data_dir: Path,
    refs: Sequence[ReturnRef],
    parameters_dir: Path,
    options: Mapping[str, Any],
    out_dir: Path,
    *,
    lock_path: Path = LOCK_FILE,
    root: Path = PROJECT_ROOT,
) -> dict[str, Any]:
    """Everything needed to re-run a batch and check its results, as a JSON-ready dict.

    ``refs`` are the returns the batch reported on; their authorities' other years are recorded
    as inputs too (``reported`` false). ``options`` the keyword arguments the batch was given
    (authorities, years, disclosure, ...), recorded as they are and handed back to the batch by
    :func:`reproduce`. The metrics.json of each of ``refs`` is hashed as it stands in
    ``out_dir`` (sha256 None: the batch wrote none, e.g. a return that failed validation), and
    results.csv and its dictionary when present, so build the manifest last.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    # the results of this run's returns only: the folder may hold other runs' authorities
    outputs = [*sorted({metrics_path(out_dir, r.authority, r.year) for r in refs}),
               *[out_dir / name for name in (RESULTS_FILE, DICTIONARY_FILE)
                 if (out_dir / name).is_file()]]
    key = input_key(data_dir)
    return {
        "manifest_version": MANIFEST_VERSION,
        "data_dir": _absolute(data_dir).as_posix(),
        "project_root": _absolute(PROJECT_ROOT).as_posix(),
        "input_digests": {"method": METHOD, "key": f"{KEY_FILE} in the data folder, or the "
                          f"file named by {KEY_ENV}; never published"},
        "inputs": _inputs(data_dir, refs, key),
        "parameters": _parameters(Path(parameters_dir), (r.authority for r in refs), key),
        "seeds": synthetic_seeds(input_returns(data_dir, refs)),
        "options": _json_safe(dict(options)),
        "environment": environment(lock_path, root),
        "outputs": [{"path": _relative(p, out_dir),
                     "sha256": sha256_file(p) if p.is_file() else None} for p in outputs],
    }


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """The manifest as stable JSON text: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"


def write_manifest(manifest: Mapping[str, Any], path: Path) -> Path:
    """Write the manifest atomically (temporary file, then rename)."""
    return write_atomic(Path(path), manifest_json(manifest))


def read_manifest(path: Path) -> dict[str, Any]:
    """Read and check a manifest; :class:`ManifestError` names what is wrong."""
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not a readable JSON manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path}: expected a JSON object, found {type(manifest).__name__}")
    found = manifest.get("manifest_version")
    if found != MANIFEST_VERSION:
        raise ManifestError(f"{path}: manifest_version is {found!r}; this version of wres_tools "
                            f"reads version {MANIFEST_VERSION}")
    missing = [k for k in ("data_dir", "inputs", "parameters", "options", "outputs")
               if k not in manifest]
    if missing:
        raise ManifestError(f"{path}: missing key(s) {', '.join(missing)}")
    problem = _shape_problem(manifest)
    if problem is not None:
        raise ManifestError(f"{path}: {problem}")
    return manifest


#: The nested fields reproduce reads: where -> (type, key -> type of each entry, ...).
_PATH_AND_HASH = {"path": str, "sha256": (str, type(None))}
_PATH_AND_HMAC = {"path": str, "hmac": (str, type(None))}  # inputs: keyed digests
_SHAPE: dict[str, Any] = {
    "data_dir": str,
    "inputs": [{"authority": str, "year": int, "form": str, "path": str,
                "files": [_PATH_AND_HMAC]}],
    "parameters": {"dir": str, "defaults": _PATH_AND_HMAC,
                   "authorities": {"*": _PATH_AND_HMAC}},
    "options": {"*": object},
    "outputs": [_PATH_AND_HASH],
}


def _shape_problem(value: Any, shape: Any = None, where: str = "") -> str | None:
    """Where a hand-edited manifest's nested fields are not of the expected kind, in words
    (``inputs[0].files[2].sha256 is a list, expected text or null``), or None."""
    shape = _SHAPE if shape is None else shape
    names = {str: "text", int: "a whole number", type(None): "null", dict: "an object",
             list: "a list", object: "a value"}

    def kind(expected: Any) -> str:
        options = expected if isinstance(expected, tuple) else (expected,)
        return " or ".join(names.get(o, o.__name__) for o in options)

    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where or 'the manifest'} is {type(value).__name__}, expected an object"
        for key, inner in shape.items():
            items = value.items() if key == "*" else [(key, value.get(key, _ABSENT))]
            for name, item in items:
                label = f"{where}.{name}" if where else str(name)
                if item is _ABSENT:
                    return f"{label} is missing"
                problem = _shape_problem(item, inner, label)
                if problem:
                    return problem
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where} is {type(value).__name__}, expected a list"
        for position, item in enumerate(value):
            problem = _shape_problem(item, shape[0], f"{where}[{position}]")
            if problem:
                return problem
        return None
    ok = isinstance(value, shape) and not (isinstance(value, bool) and shape is int)
    return None if ok else f"{where} is {shorten(repr(value), 60)}, expected {kind(shape)}"


_ABSENT = object()


# --------------------------------------------------------------------------- checking inputs


def _check_file(path: Path, expected: str | None, what: str,
                key: bytes | None = None) -> str | None:
    """How ``path`` differs from its recorded digest: sha256, or HMAC under ``key``."""
    kind = "sha256" if key is None else "digest"
    if expected is None:
        return f"{path}: {what} did not exist when the manifest was written, now it does" \
            if path.exists() else None
    if not path.exists():
        return f"{path}: {what} is missing ({kind} was {expected[:12]}...)"
    actual = sha256_file(path) if key is None else keyed_file_digest(path, key)
    if actual != expected:
        return f"{path}: {what} changed since the manifest ({kind} was {expected[:12]}..., " \
               f"now {actual[:12]}...)"
    return None


def verify_inputs(manifest: Mapping[str, Any], data_dir: Path | None = None) -> list[str]:
    """Each input recorded in the manifest that is missing, changed or new, in words.

    Checks every file of every return (and any file added to a CSV-folder return since), the
    defaults and each authority's parameter file. ``data_dir`` replaces the recorded data folder
    (data moved to another machine); a parameter file inside it, or inside the project (the
    project's defaults.yml), is looked for in the new place. An empty list: the inputs are as
    they were.
    """
    base = Path(data_dir if data_dir is not None else manifest["data_dir"])
    moved = _relocations(manifest, data_dir)
    try:
        key = input_key(base, create=False)
    except InputKeyError as exc:
        return [f"the inputs cannot be checked: {exc}"]
    lines = []
    for entry in manifest["inputs"]:
        recorded = {f["path"] for f in entry["files"]}
        for item in entry["files"]:
            problem = _check_file(base / item["path"], item["hmac"], "input file", key)
            if problem:
                lines.append(problem)
        folder = base / entry["path"]
        if entry["form"] == "csv" and folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                if _relative(path, base) not in recorded:
                    lines.append(f"{path}: new file in the {entry['authority']} {entry['year']} "
                                 "return since the manifest")
    params = manifest["parameters"]
    defaults = params["defaults"]
    problem = _check_file(moved(defaults["path"]), defaults["hmac"], "parameter defaults", key)
    if problem:
        lines.append(problem)
    for authority, item in sorted(params["authorities"].items()):
        problem = _check_file(moved(item["path"]), item["hmac"],
                              f"parameter file of {authority}", key)
        if problem:
            lines.append(problem)
    return lines


# --------------------------------------------------------------------------- comparing results


DifferenceKind = Literal["value", "missing_record", "extra_record", "missing_file", "extra_file",
                         "unreadable"]


@dataclass(frozen=True)
class Difference:
    """One way a result set differs from the expected one."""

    kind: DifferenceKind
    file: str  # <year>/<authority>/metrics.json, relative to the output folder
    authority: str | None = None
    year: int | None = None
    metric: str | None = None
    service: str | None = None
    group: str | None = None
    pay_band: str | None = None
    field: str | None = None
    expected: Any = None
    actual: Any = None

    def __str__(self) -> str:
        where = ", ".join(str(part) for part in (
            self.authority, self.year, self.metric, self.service, self.group, self.pay_band)
            if part is not None)
        if self.kind == "value":
            return (f"{where + ': ' if where else ''}{self.field} was {self.expected!r}, now "
                    f"{self.actual!r} ({self.file})")
        text = {
            "missing_record": "record missing from the new results",
            "extra_record": "record not in the expected results",
            "missing_file": "results file missing from the new run",
            "extra_file": "results file not in the expected run",
            "unreadable": "results file cannot be read",
        }[self.kind]
        detail = f": {self.actual}" if self.kind == "unreadable" else ""
        return f"{self.file}: {where + ': ' if where else ''}{text}{detail}"


def _read_records(path: Path) -> list[dict[str, Any]]:
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError("expected a JSON list of result records (objects)")
    return records


def _keyed(records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Records by (metric, service, group, pay_band, n-th occurrence of that key)."""
    seen: Counter[tuple] = Counter()
    keyed = {}
    for record in records:
        key = tuple(record.get(k) for k in RECORD_KEY)
        keyed[(*key, seen[key])] = record
        seen[key] += 1
    return keyed


def _is_number(value: Any) -> bool:
    """int, float or a numpy number; not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def same_value(expected: Any, actual: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal; numbers within ``rel_tol`` relative (True is not 1; None is not 0)."""
    if _is_number(expected) and _is_number(actual):
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        return math.isclose(expected, actual, rel_tol=rel_tol, abs_tol=0.0)
    return type(expected) is type(actual) and expected == actual


def _where(file: str, path_parts: tuple[str, ...]) -> tuple[str | None, int | None]:
    """(authority, year) from ``<year>/<authority>/metrics.json``."""
    if len(path_parts) >= 3 and path_parts[-3].isdigit():
        return path_parts[-2], int(path_parts[-3])
    return None, None


def compare_results(expected_dir: Path, actual_dir: Path, rel_tol: float = REL_TOL,
                    files: Iterable[str] | None = None) -> list[Difference]:
    """Every difference between the metrics.json files of two output folders.

    Files are matched by their place (``<year>/<authority>/metrics.json``), records by
    (metric, service, group, pay_band), fields by name; floats agree within ``rel_tol``
    relative, everything else exactly. Reports missing and extra files and records.
    ``files`` (paths relative to the folders) limits the comparison to those places.
    """
    expected_dir, actual_dir = Path(expected_dir), Path(actual_dir)
    expected = {_relative(p, expected_dir): p for p in result_files(expected_dir)}
    actual = {_relative(p, actual_dir): p for p in result_files(actual_dir)}
    names = expected.keys() | actual.keys()
    if files is not None:
        wanted = set(files)
        names = names & wanted
        expected = {k: v for k, v in expected.items() if k in wanted}
        actual = {k: v for k, v in actual.items() if k in wanted}
    differences: list[Difference] = []
    for name in sorted(names):
        authority, year = _where(name, tuple(name.split("/")))
        if name not in actual:
            differences.append(Difference("missing_file", name, authority, year))
            continue
        if name not in expected:
            differences.append(Difference("extra_file", name, authority, year))
            continue
        loaded = []
        for side, path in (("expected", expected[name]), ("actual", actual[name])):
            try:
                loaded.append(_read_records(path))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                differences.append(Difference("unreadable", name, authority, year,
                                              expected=side, actual=f"{path}: {exc}"))
        if len(loaded) == 2:
            differences += _compare_records(name, authority, year, *loaded, rel_tol=rel_tol)
    return differences


def _compare_records(name: str, authority: str | None, year: int | None,
                     expected: list[dict[str, Any]], actual: list[dict[str, Any]],
                     rel_tol: float) -> list[Difference]:
    old, new = _keyed(expected), _keyed(actual)
    differences = []
    for key in [*old, *(k for k in new if k not in old)]:
        metric, service, group, pay_band, _ = key
        where = dict(authority=authority, year=year, metric=metric, service=service,
                     group=group, pay_band=pay_band)
        if key not in new:
            differences.append(Difference("missing_record", name, **where))
            continue
        if key not in old:
            differences.append(Difference("extra_record", name, **where))
            continue
        a, b = old[key], new[key]
        for column in [*a, *(c for c in b if c not in a)]:
            if column in a and column in b and same_value(a[column], b[column], rel_tol):
                continue
            differences.append(Difference(
                "value", name, **where, field=column,
                expected=a.get(column, "<absent>"), actual=b.get(column, "<absent>")))
    return differences


def verify_outputs(manifest: Mapping[str, Any], out_dir: Path) -> list[str]:
    """Recorded result files under ``out_dir`` that are missing or changed since the manifest."""
    lines = []
    for item in manifest["outputs"]:
        problem = _check_file(Path(out_dir) / item["path"], item["sha256"], "recorded output")
        if problem:
            lines.append(problem)
    return lines


# --------------------------------------------------------------------------- reproducing


@dataclass
class ReproduceReport:
    """What a re-run found. ``ok``: inputs unchanged, batch succeeded, results identical."""

    manifest: Path
    out_dir: Path
    changed_inputs: list[str] = field(default_factory=list)
    changed_outputs: list[str] = field(default_factory=list)  # the expected side, since written
    batch_problems: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    environment_notes: list[str] = field(default_factory=list)  # for information, not failure
    max_lines: int = 200  # differences listed one by one in ``lines``; the rest are counted

    @property
    def ok(self) -> bool:
        return not (self.changed_inputs or self.changed_outputs or self.batch_problems
                    or self.differences)

    @property
    def lines(self) -> list[str]:
        """The report in words, one line each, for a terminal."""
        out = [f"Reproducing {self.manifest} into {self.out_dir}"]
        sections = (
            ("Inputs changed since the manifest", self.changed_inputs),
            ("Recorded results changed since the manifest", self.changed_outputs),
            ("The batch reported problems", self.batch_problems),
            ("Environment differs from the manifest's (may explain differences)",
             self.environment_notes),
        )
        for title, items in sections:
            if items:
                out.append(f"{title}:")
                out += [f"  - {item}" for item in items]
        if self.differences:
            out.append(f"{len(self.differences)} result(s) differ:")
            out += [f"  - {d}" for d in self.differences[:self.max_lines]]
            if len(self.differences) > self.max_lines:
                fields = Counter(d.field or d.kind for d in self.differences)
                out.append(f"  ... and {len(self.differences) - self.max_lines} more; all "
                           "differences by field: " + ", ".join(
                               f"{name} {n}" for name, n in fields.most_common()))
        out.append("Reproduced: every result is the same." if self.ok
                   else "NOT reproduced: see above.")
        return out


def environment_notes(manifest: Mapping[str, Any],
                      current: Mapping[str, Any] | None = None) -> list[str]:
    """How the running environment differs from the manifest's (version, commit, packages)."""
    then = manifest.get("environment") or {}
    now = current if current is not None else environment()
    notes = []

    def note(what: str, old: Any, new: Any) -> None:
        if old != new:
            notes.append(f"{what}: {old} then, {new} now")

    note("wres-tools version", then.get("package", {}).get("version"), now["package"]["version"])
    note("git commit", then.get("package", {}).get("git", {}).get("commit"),
         now["package"]["git"]["commit"])
    note("Python", then.get("python", {}).get("version"), now["python"]["version"])
    old_installed = then.get("installed", {})
    for name in sorted(old_installed.keys() | now["installed"].keys()):
        note(name, old_installed.get(name), now["installed"].get(name))
    return notes


def _relocations(manifest: Mapping[str, Any],
                 data_dir: Path | None) -> Callable[[str], Path]:
    """Maps a recorded path to where it is now: inside the data folder (when ``data_dir``
    replaces it) or inside the project (a checkout elsewhere), else where it was."""
    moves = [(manifest["data_dir"], data_dir)] if data_dir is not None else []
    if manifest.get("project_root"):
        moves.append((manifest["project_root"], PROJECT_ROOT))

    def moved(recorded: str) -> Path:
        for old, new in moves:
            try:
                return _absolute(new) / Path(recorded).relative_to(old)
            except ValueError:
                continue
        return Path(recorded)

    return moved


#: Options reproduce gives the batch itself (the recorded ones would point at the old run).
_SET_BY_REPRODUCE = ("data_dir", "out_dir", "parameters_dir")


def reproduce(
    manifest_path: Path,
    out_dir: Path,
    run_batch: Callable[..., Any],
    *,
    data_dir: Path | None = None,
    rel_tol: float = REL_TOL,
    own_notebooks: Path | None = None,
) -> ReproduceReport:
    """Re-run the batch a manifest describes into a fresh ``out_dir`` and compare the results.

    Calls ``run_batch(data_dir, out_dir, parameters_dir=..., **manifest["options"])``
    (``batch.run_batch``), then checks the inputs against their hashes and compares each
    metrics.json the manifest records with the one beside the manifest. ``data_dir`` replaces
    the recorded data folder (and a parameters folder inside it). Refuses an ``out_dir`` that
    holds anything. A result object with a false ``ok`` and ``failures`` is reported as batch
    problems; an exception from the batch is reported, not raised.

    A manifest is data that anyone may edit, so before anything runs it must name only inputs
    inside the data folder (parameter files: there or in the project's ``parameters/``),
    results beside itself and, with ``own_notebooks`` (``wres reproduce`` passes the project's
    ``notebooks/``), only notebooks whose content is that of a notebook there (they run from
    there); anything else is a :class:`ManifestError`.
    """
    manifest_path, out_dir = Path(manifest_path), Path(out_dir)
    manifest = read_manifest(manifest_path)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir}: not an empty folder; reproduce writes into a fresh "
                              "folder so that nothing old can pass for a new result")
    if out_dir.resolve() == manifest_path.parent.resolve():
        raise FileExistsError(f"{out_dir}: is the folder of the manifest's own results")
    data = Path(data_dir) if data_dir is not None else Path(manifest["data_dir"])
    params_dir = _relocations(manifest, data_dir)(manifest["parameters"]["dir"])
    _refuse_outside(manifest, manifest_path, data, data_dir)
    options = _checked_options(manifest, manifest_path, own_notebooks)
    report = ReproduceReport(manifest_path, out_dir)
    report.changed_inputs = verify_inputs(manifest, data_dir)
    report.changed_outputs = verify_outputs(manifest, manifest_path.parent)
    try:
        report.environment_notes = environment_notes(manifest)
    except (AttributeError, TypeError, KeyError):  # a hand-edited record: for information only
        report.environment_notes = ["the manifest's environment record is malformed; not "
                                    "compared"]
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        result = run_batch(data, out_dir, parameters_dir=params_dir, **options)
    except Exception as exc:  # noqa: BLE001 - whatever broke, the report says so
        report.batch_problems.append(f"the batch stopped: {type(exc).__name__}: {exc}")
    else:
        if getattr(result, "ok", True) is False:
            failures = list(getattr(result, "failures", []) or [])
            report.batch_problems += [str(f) for f in failures] or ["the batch reported failure"]
    recorded = [o["path"] for o in manifest["outputs"] if o["path"].endswith(METRICS_FILE)]
    report.differences = compare_results(manifest_path.parent, out_dir, rel_tol, recorded)
    return report


def _inside(path: Path, folders: Sequence[Path]) -> bool:
    resolved = Path(os.path.realpath(path))
    return any(resolved.is_relative_to(os.path.realpath(f)) for f in folders)


def _refuse_outside(manifest: Mapping[str, Any], manifest_path: Path, data: Path,
                    data_dir: Path | None) -> None:
    """A :class:`ManifestError` for any input outside the data folder (parameter files: or the
    project's parameters/) or any recorded result outside the manifest's folder."""
    moved = _relocations(manifest, data_dir)
    outside = [data / item["path"] for entry in manifest["inputs"]
               for item in [entry, *entry["files"]] if not _inside(data / item["path"], [data])]
    params = manifest["parameters"]
    allowed = [data, PARAMETERS_DIR]
    outside += [p for p in (moved(params["dir"]), moved(params["defaults"]["path"]),
                            *(moved(a["path"]) for a in params["authorities"].values()))
                if not _inside(p, allowed)]
    outside += [manifest_path.parent / o["path"] for o in manifest["outputs"]
                if not _inside(manifest_path.parent / o["path"], [manifest_path.parent])]
    if outside:
        raise ManifestError(
            f"{manifest_path}: names {len(outside)} path(s) outside the data folder {data} "
            f"(or the results beside the manifest), e.g. {outside[0]}: reproduce reads only "
            "the inputs of the data folder the manifest names")


def _checked_options(manifest: Mapping[str, Any], manifest_path: Path,
                     own_notebooks: Path | None) -> dict[str, Any]:
    """The options for the batch: those reproduce sets itself dropped; with ``own_notebooks``,
    a recorded notebook list replaced by the project's notebooks of the same content (refused
    when one is not the project's) and no other kernel."""
    options = {k: v for k, v in manifest["options"].items() if k not in _SET_BY_REPRODUCE}
    if own_notebooks is None:
        return options
    if "kernel_name" in options:
        raise ManifestError(f"{manifest_path}: options.kernel_name: reproduce runs the "
                            "project's own kernel only")
    recorded = options.get("notebooks")
    if recorded is None:
        return options
    if not isinstance(recorded, list) or not all(isinstance(n, str) for n in recorded):
        raise ManifestError(f"{manifest_path}: options.notebooks is {shorten(repr(recorded), 60)}"
                            ", expected a list of notebook paths")
    ours = {sha256_file(p): p for p in sorted(Path(own_notebooks).glob("*.ipynb"))}
    chosen = []
    for name in recorded:
        path = Path(name)
        digest = sha256_file(path) if path.is_file() else None
        if digest not in ours:
            raise ManifestError(
                f"{manifest_path}: options.notebooks names {name}, which is not one of the "
                f"project's notebooks ({own_notebooks}): reproduce runs only those")
        chosen.append(ours[digest])
    options["notebooks"] = chosen
    return options


# --------------------------------------------------------------------------- tidy results


class Column(NamedTuple):
    """One column of results.csv (or one statistic of its ``value`` column)."""

    type: str  # as an R / Stata user reads it: text, integer, number, 0/1
    unit: str
    description: str


#: Every statistic a ``statistic`` row may name: what ``value`` then holds, and in which unit.
STATISTICS: dict[str, Column] = {
    "n_group": Column("integer", "count", "people in the comparison group (the denominator; "
                      "M1 and M9: staff or senior managers in the group)"),
    "events_group": Column("integer", "count", "people in the comparison group with the event "
                           "(the numerator)"),
    "n_reference": Column("integer", "count", "white people (the denominator; M1 and M9: white "
                          "staff or senior managers)"),
    "events_reference": Column("integer", "count", "white people with the event"),
    "rate_group": Column("number", "fraction (0-1)", "events / people, comparison group"),
    "rate_group_ci_low": Column("number", "fraction (0-1)", "lower end of its Wilson interval"),
    "rate_group_ci_high": Column("number", "fraction (0-1)", "upper end of its Wilson interval"),
    "rate_reference": Column("number", "fraction (0-1)", "events / people, white staff"),
    "rate_reference_ci_low": Column("number", "fraction (0-1)",
                                    "lower end of its Wilson interval"),
    "rate_reference_ci_high": Column("number", "fraction (0-1)",
                                     "upper end of its Wilson interval"),
    "rl": Column("number", "ratio", "relative likelihood: group rate / white rate"),
    "rl_ci_low": Column("number", "ratio", "lower end of the log-method (Katz) interval"),
    "rl_ci_high": Column("number", "ratio", "upper end of the log-method (Katz) interval"),
    "rl_nhs_direction": Column("number", "ratio", "1 / rl: white rate / group rate, the way "
                               "the NHS WRES reports its indicators 2 and 4"),
    "p_value": Column("number", "probability (0-1)", "two-sided Fisher's exact test"),
    "gap_pp": Column("number", "percentage points", "M6, M7: group rate minus white rate"),
    "gap_pp_ci_low": Column("number", "percentage points", "lower end of Newcombe's interval"),
    "gap_pp_ci_high": Column("number", "percentage points", "upper end of Newcombe's interval"),
    "share": Column("number", "fraction (0-1)", "M1: the group's share of staff of known "
                    "ethnicity in the pay band; M9: of senior managers"),
    "share_ci_low": Column("number", "fraction (0-1)",
                           "lower end of its interval (M1 Wilson, M9 exact Clopper-Pearson)"),
    "share_ci_high": Column("number", "fraction (0-1)",
                            "upper end of its interval (M1 Wilson, M9 exact Clopper-Pearson)"),
    "share_workforce": Column("number", "fraction (0-1)",
                              "the group's share of the whole workforce of known ethnicity"),
    "representation_index": Column("number", "ratio", "share / share_workforce"),
    "share_population": Column("number", "fraction (0-1)",
                               "M9: the group's share of the area's population (census 2021)"),
    "gap_workforce_pp": Column("number", "percentage points",
                               "M9: senior share minus workforce share"),
    "gap_population_pp": Column("number", "percentage points",
                                "M9: senior share minus population share"),
    "unknown_count": Column("integer", "count", "people of unknown ethnicity, left out of the "
                            "comparison"),
    "unknown_pct": Column("number", "percent (0-100)",
                          "unknown ethnicity as a percentage of everyone counted"),
}

_COUNTS = ("n_group", "events_group", "n_reference", "events_reference")
_RATES = ("rate_group", "rate_group_ci_low", "rate_group_ci_high", "rate_reference",
          "rate_reference_ci_low", "rate_reference_ci_high")
_RL = ("rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "p_value")
_GAP = ("gap_pp", "gap_pp_ci_low", "gap_pp_ci_high")
_SHARE = ("n_group", "n_reference", "share", "share_ci_low", "share_ci_high", "share_workforce",
          "representation_index")
_UNKNOWN = ("unknown_count", "unknown_pct")

#: The statistics each kind of metric has (M6 and M7 add the gap in percentage points).
KIND_STATISTICS: dict[str, tuple[str, ...]] = {
    "ratio": (*_COUNTS, *_RATES, *_RL, *_UNKNOWN),
    "representation": (*_SHARE, *_UNKNOWN),
    "senior": (*_SHARE, "share_population", "gap_workforce_pp", "gap_population_pp", *_UNKNOWN),
}


def metric_statistics(metric: str) -> tuple[str, ...]:
    """The statistic rows results.csv has for every record of a metric, in order."""
    mdef = METRICS[metric]
    stats = KIND_STATISTICS[mdef.kind]
    if mdef.question is not None:
        stats = (*stats, *_GAP)
    order = list(STATISTICS)
    return tuple(sorted(stats, key=order.index))


#: Columns of results.csv, in order, with type, unit and meaning.
DATA_DICTIONARY: dict[str, Column] = {
    "authority": Column("text", "", "the local authority (its folder name)"),
    "year": Column("integer", "year", "the reporting year of the return"),
    "metric": Column("text", "", "metric id, M1 to M9 (see the methods page)"),
    "service": Column("text", "", f"{', '.join(SERVICES)} or {ALL_SERVICES} (both together)"),
    "group": Column("text", "", "comparison group: minority (every minority ethnic group "
                    "together) or one high-level census group: " + ", ".join(MINORITY_GROUPS)),
    "reference": Column("text", "", f"the group compared with: always {REFERENCE}"),
    "pay_band": Column("text", "", "M1 only: the pay band, as the authority names it; empty for "
                       "the whole workforce and for other metrics"),
    "statistic": Column("text", "", "which figure the row holds (see the statistic rows below)"),
    "value": Column("number", "see unit", "the figure; empty when missing_reason says why"),
    "unit": Column("text", "", "unit of value: count, fraction (0-1), ratio, probability (0-1), "
                   "percentage points, percent (0-100)"),
    "missing_reason": Column("text", "", "empty when value is given; else suppressed (withheld "
                             "by disclosure control: a small count, or one a small count could "
                             "be worked back from), not_collected (the return has no such "
                             "table), not_computable (e.g. no white staff to compare with)"),
    "withheld": Column("0/1", "", "1 when disclosure control withheld this row's figure (the "
                       "record's own list of withheld columns), 0 when not"),
    "status": Column("text", "", "the record's status: ok, not_collected, not_computable"),
    "reason": Column("text", "", "why a figure of the record is missing, in words"),
    "significant": Column("0/1", "", "1 when Fisher's p is below 1 - the confidence level of the "
                          "parameters, 0 when not; empty when there is no test"),
    "four_fifths": Column("text", "", "the NHS WRES four-fifths reading of rl: within "
                          f"({FOUR_FIFTHS_LOW:.2f}-{FOUR_FIFTHS_HIGH:.2f}), adverse or "
                          "favourable; empty without an rl"),
    "adverse_when": Column("text", "", "which side of rl is adverse for this metric: low or "
                           "high"),
    "small_numbers": Column("0/1", "", "1 when a count behind the record is under the "
                            "parameters' small-numbers threshold: read with care"),
    "suppressed": Column("0/1", "", "1 when disclosure control withheld any figure of the "
                         "record"),
    "disclosure": Column("text", "", "the disclosure mode of the results: always published"),
}

_ID = ("authority", "year", "metric", "service", "group", "reference", "pay_band")
_RECORD_ATTRIBUTES = ("status", "reason", "significant", "four_fifths", "adverse_when",
                      "small_numbers", "suppressed", "disclosure")
_FLAGS = ("significant", "small_numbers", "suppressed")


def _flag(value: Any) -> int | None:
    return None if _missing(value) else int(bool(value))


def _withheld(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns a published record says disclosure control withheld."""
    value = record.get("withheld")
    return tuple(value) if isinstance(value, (list, tuple)) else ()


def _check_published(records: pd.DataFrame) -> None:
    if "disclosure" not in records.columns:
        raise ValueError("result records without a disclosure column: results.csv takes only "
                         "published results (after publish.publish_results)")
    modes = records["disclosure"].tolist()
    for position, mode in enumerate(modes):
        if mode != "published":
            row = records.iloc[position]
            raise ValueError(
                f"record {position + 1} ({row.get('authority')}, {row.get('year')}, "
                f"{row.get('metric')}, {row.get('service')}, {row.get('group')}) has "
                f"disclosure {mode!r}: results.csv takes only published results")


def results_long(records: pd.DataFrame) -> pd.DataFrame:
    """Published result records -> one row per figure (tidy long format).

    Columns: :data:`DATA_DICTIONARY`. Each record gives one row per statistic its metric has
    (:func:`metric_statistics`), present or not, so every authority-year has the same rows for
    the same data; ``value`` is always numeric (float), and ``missing_reason`` says why a value
    is empty. The record's readings (status, four-fifths, significance, ...) are columns.
    Raises ValueError for records not published through disclosure control.
    """
    missing = [c for c in RESULT_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"result records lack column(s) {', '.join(missing)}: expected "
                         "contract.RESULT_COLUMNS")
    _check_published(records)
    rows = []
    for position, record in enumerate(records[list(RESULT_COLUMNS)].to_dict("records"), 1):
        ident = [None if _missing(record[c]) else record[c] for c in _ID]
        attributes = {c: (_flag(record[c]) if c in _FLAGS else
                          None if _missing(record[c]) else record[c]) for c in _RECORD_ATTRIBUTES}
        for statistic in metric_statistics(record["metric"]):
            value = record[statistic]
            if not (_missing(value) or _is_number(value)):
                raise ValueError(
                    f"record {position} ({', '.join(str(v) for v in ident[:5])}): {statistic} "
                    f"is {value!r}; expected a number or null")
            withheld = statistic in _withheld(record)
            if not _missing(value):
                why = None
            elif withheld:
                why = "suppressed"
            elif record["status"] in ("not_collected", "not_computable"):
                why = record["status"]
            else:
                why = "not_computable"
            rows.append([*ident, statistic, None if why else float(value),
                         STATISTICS[statistic].unit, why, int(withheld), *attributes.values()])
    columns = [*_ID, "statistic", "value", "unit", "missing_reason", "withheld",
               *_RECORD_ATTRIBUTES]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype("float64")
    for column in (*_FLAGS, "withheld"):
        frame[column] = frame[column].astype("Int64")
    for column in DATA_DICTIONARY:
        if column not in ("year", "value", "withheld", *_FLAGS):
            frame[column] = frame[column].astype("str")
    frame = frame[list(DATA_DICTIONARY)]
    return frame.sort_values(["authority", "year"], kind="stable").reset_index(drop=True)


def _number_text(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without '.0'."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def load_records(source: pd.DataFrame | Iterable[Path | str | Mapping[str, Any]]) -> pd.DataFrame:
    """Result records from a frame, from metrics.json paths, or from a list of record dicts."""
    if isinstance(source, pd.DataFrame):
        return source
    items = list(source)
    records: list[Mapping[str, Any]] = []
    for item in items:
        if isinstance(item, Mapping):
            records.append(item)
            continue
        try:
            records += _read_records(Path(item))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{item}: cannot read result records ({exc})") from None
    return pd.DataFrame.from_records(records, columns=list(RESULT_COLUMNS)) if records else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in RESULT_COLUMNS})


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralised(text: object) -> object:
    """A text cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or
    a carriage return) prefixed with a single quote, as OWASP recommends; a number written as
    text ("-0.5") and anything not text are left as they are."""
    if isinstance(text, str) and text.startswith(_FORMULA_START) \
            and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_text(frame: pd.DataFrame, **options: Any) -> str:
    """A frame as CSV text (LF line ends, no index) with its text cells :func:`neutralised`;
    numeric columns stay numbers. A cell holding a carriage return is quoted (written with CRLF
    row ends, so that the csv writer quotes it, then LF)."""
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    safe = frame.copy()
    for column in text_columns:
        safe[column] = frame[column].map(neutralised)
    return safe.to_csv(index=False, lineterminator="\r\n", **options).replace("\r\n", "\n")


def results_csv(source: pd.DataFrame | Iterable[Path | str | Mapping[str, Any]]) -> str:
    """The text of results.csv: UTF-8, comma separated, LF line ends, empty for missing, text
    that a spreadsheet would run as a formula neutralised (:func:`neutralised`)."""
    frame = results_long(load_records(source))
    return csv_text(frame, float_format=_number_text)


def write_results_csv(source: pd.DataFrame | Iterable[Path | str | Mapping[str, Any]],
                      path: Path) -> Path:
    """Write results.csv (see :func:`results_long`) atomically; ``source``: metrics.json paths,
    a records frame or record dicts, published only."""
    return write_atomic(Path(path), results_csv(source))


def data_dictionary() -> pd.DataFrame:
    """The data dictionary as a table: one row per column, then one per statistic.

    Columns: column, statistic (the statistic a ``value`` row holds; empty for column rows),
    type, unit, description.
    """
    rows = [[name, "", c.type, c.unit, c.description] for name, c in DATA_DICTIONARY.items()]
    rows += [["value", name, c.type, c.unit, c.description] for name, c in STATISTICS.items()]
    return pd.DataFrame(rows, columns=["column", "statistic", "type", "unit", "description"],
                        dtype="str")


def write_data_dictionary(path: Path) -> Path:
    """Write results_dictionary.csv atomically."""
    return write_atomic(Path(path), csv_text(data_dictionary()))


# --------------------------------------------------------------------------- all of it


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
    from wres_tools.methods import default_settings, write_methods_page  # methods imports us

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
