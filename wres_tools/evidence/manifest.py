"""The manifest of a batch: keyed digests of the inputs, hashes of the outputs, the parameters,
options and environment, so that an evaluator can check and re-run it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wres_tools import __version__
from wres_tools.contract import METADATA_TABLE, shorten
from wres_tools.evidence.results import DICTIONARY_FILE, PARQUET_FILE, RESULTS_FILE
from wres_tools.files import write_atomic
from wres_tools.inputkey import (
    KEY_ENV,
    KEY_FILE,
    METHOD,
    InputKeyError,
    input_key,
    keyed_file_digest,
)
from wres_tools.parameters import check_parameters
from wres_tools.paths import PARAMETERS_DIR, PROJECT_ROOT
from wres_tools.returns.find import ReturnRef, find_returns
from wres_tools.returns.parse import TRUE_WORDS
from wres_tools.returns.read import EXCEL_ENGINE, normalise_name

#: 2: input digests are keyed (HMAC), no file sizes; 3: each output's digest names its kind
#: (plain sha256, or keyed when a record of the run is not published), pages are recorded.
MANIFEST_VERSION = 3
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.json"
METHODS_PAGE = "methods.html"  # reporting.methods.METHODS_FILE (which imports this module)
LOCK_FILE = PROJECT_ROOT / "requirements.lock"

#: Packages whose installed version the manifest records besides the lock (the ones whose
#: behaviour can move a figure or the way it is read and written).
KEY_PACKAGES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "statsmodels", "pandera", "pydantic", "pyyaml", "openpyxl",
    "python-calamine", "matplotlib", "seaborn", "afcharts", "papermill", "nbclient", "nbconvert",
)


#: The kinds of digest an output may carry (``outputs[i].digest``): a plain sha256, which
#: anyone may check a published file against, or an HMAC-SHA256 under the data folder's key
#: (:mod:`wres_tools.inputkey`), which says nothing of a file without the key.
PLAIN_DIGEST = "sha256"
KEYED_DIGEST = "hmac-sha256"
DIGEST_KINDS: tuple[str, ...] = (PLAIN_DIGEST, KEYED_DIGEST)
#: The mode in which every figure has been through disclosure control.
PUBLISHED = "published"


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


def relative_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` in POSIX form, or absolute when it is not under it."""
    path, base = absolute_path(path), absolute_path(base)
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def absolute_path(path: Path | str) -> Path:
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


def synthetic_seeds(refs: Iterable[ReturnRef],
                    synthetic_authorities: Container[str] = ()) -> list[dict[str, Any]]:
    """The seed (and generator) of every synthetic return that carries one in its metadata.

    A return is synthetic as the loader decides it (:func:`wres_tools.returns.load.load_return`):
    its metadata says ``synthetic: true`` (or yes, 1, y), or its authority's parameters say
    ``synthetic: true`` (``synthetic_authorities``). A seed in the metadata of any other return
    is not recorded: it regenerates nothing, and a real return's metadata is none of the
    manifest's business."""
    seeds = []
    for ref in refs:
        meta = return_metadata(ref)
        synthetic = meta.get("synthetic", "").strip().lower() in TRUE_WORDS \
            or ref.authority in synthetic_authorities
        if "seed" not in meta or not synthetic:
            continue
        seed: int | str = int(meta["seed"]) if meta["seed"].isdigit() else meta["seed"]
        seeds.append({"authority": ref.authority, "year": ref.year, "seed": seed,
                      "generator": meta.get("generator") or None, "synthetic": True})
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
        files = [{"path": relative_path(p, data_dir), "hmac": keyed_file_digest(p, key)}
                 for p in _return_files(ref)]
        inputs.append({"authority": ref.authority, "year": ref.year, "form": ref.form,
                       "path": relative_path(Path(ref.path), data_dir), "files": files,
                       "reported": (ref.authority, ref.year, ref.form) in reported})
    return inputs


def _parameters(parameters_dir: Path, authorities: Iterable[str],
                key: bytes) -> dict[str, Any]:
    defaults = defaults_path(parameters_dir)
    record: dict[str, Any] = {
        "dir": absolute_path(parameters_dir).as_posix(),
        "defaults": {"path": absolute_path(defaults).as_posix(),
                     "hmac": keyed_file_digest(defaults, key) if defaults.exists() else None,
                     "values": (yaml.safe_load(defaults.read_text(encoding="utf-8")) or {})
                     if defaults.exists() else None},
        "authorities": {},
    }
    for authority in sorted(set(authorities)):
        own = Path(parameters_dir) / f"{authority}.yml"
        params, report = check_parameters(authority, Path(parameters_dir))
        record["authorities"][authority] = {
            "path": absolute_path(own).as_posix(),
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


def page_files(out_dir: Path, refs: Iterable[ReturnRef]) -> list[Path]:
    """The HTML pages of the given returns' authority-years (``<year>/<authority>/*.html``)
    and the batch's methods page, sorted: the pages written before the manifest. The year's
    pages across authorities and the index are written after it (a batch with several workers
    writes the manifest while its workers make them), so no manifest can hold their digest."""
    folders = sorted({Path(out_dir) / str(r.year) / r.authority for r in refs})
    pages = [p for folder in folders for p in sorted(folder.glob("*.html")) if p.is_file()]
    methods = Path(out_dir) / METHODS_PAGE
    return [*pages, *([methods] if methods.is_file() else [])]


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
    :func:`reproduce`. The metrics.json of each of ``refs`` is digested as it stands in
    ``out_dir`` (value None: the batch wrote none, e.g. a return that failed validation),
    results.csv, results.parquet and the dictionary when present, and the pages of
    :func:`page_files`, so build the manifest last. Each output's digest is a plain sha256 when
    every record of the run is published (:func:`run_is_published`), else an HMAC-SHA256 under
    the input key; ``digest`` says which. The seed of a synthetic return only is recorded.
    """
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    # the results of this run's returns only: the folder may hold other runs' authorities
    outputs = [*sorted({metrics_path(out_dir, r.authority, r.year) for r in refs}),
               *[out_dir / name for name in (RESULTS_FILE, PARQUET_FILE, DICTIONARY_FILE)
                 if (out_dir / name).is_file()],
               *page_files(out_dir, refs)]
    key = input_key(data_dir)
    parameters = _parameters(Path(parameters_dir), (r.authority for r in refs), key)
    published = run_is_published(outputs, options, parameters)
    synthetic = {a for a, item in parameters["authorities"].items()
                 if (item["values"] or {}).get("synthetic") is True}
    kind = PLAIN_DIGEST if published else KEYED_DIGEST
    return {
        "manifest_version": MANIFEST_VERSION,
        "data_dir": absolute_path(data_dir).as_posix(),
        "project_root": absolute_path(PROJECT_ROOT).as_posix(),
        "input_digests": {"method": METHOD, "key": f"{KEY_FILE} in the data folder, or the "
                          f"file named by {KEY_ENV}; never published"},
        "output_digests": {
            "method": kind,
            "why": "every record of the run is published: anyone may check a file against its "
                   "sha256" if published else "a record of the run is not published (internal "
                   "mode): a plain hash of a file holding small counts would let a reader test "
                   "guesses of them, so each digest is keyed with the input key"},
        "inputs": _inputs(data_dir, refs, key),
        "parameters": parameters,
        "seeds": synthetic_seeds(input_returns(data_dir, refs), synthetic),
        "options": _json_safe(dict(options)),
        "environment": environment(lock_path, root),
        "outputs": [{"path": relative_path(p, out_dir), "digest": kind,
                     "value": output_digest(p, kind, key)} for p in outputs],
    }


def run_is_published(outputs: Iterable[Path], options: Mapping[str, Any],
                     parameters: Mapping[str, Any]) -> bool:
    """Whether every record of a run has been through disclosure control in published mode,
    so that its outputs may carry plain digests.

    False (keyed digests) when the run's ``disclosure`` option is not published; when it is not
    set and some authority's parameters (``parameters``: as :func:`build_manifest` records
    them) do not say published, or cannot be read; or when any record of a metrics.json among
    ``outputs`` does not say published, or the file cannot be read. In doubt, keyed: a keyed
    digest costs an outsider a check, a plain one may give a small count away.
    """
    mode = options.get("disclosure")
    if mode is not None and mode != PUBLISHED:
        return False
    if mode is None:
        for item in parameters["authorities"].values():
            if (item["values"] or {}).get("disclosure") != PUBLISHED:
                return False
    for path in outputs:
        if path.name != METRICS_FILE or not path.is_file():
            continue
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return False
        if not isinstance(records, list) or any(
                not isinstance(r, dict) or r.get("disclosure") != PUBLISHED for r in records):
            return False
    return True


def output_digest(path: Path, kind: str, key: bytes | None) -> str | None:
    """An output file's digest of the given kind (:data:`DIGEST_KINDS`), None when there is no
    file; a keyed digest needs ``key``. ValueError names an unknown kind."""
    if kind not in DIGEST_KINDS:
        raise ValueError(f"{path}: digest kind {kind!r}; expected one of {list(DIGEST_KINDS)}")
    if not Path(path).is_file():
        return None
    if kind == PLAIN_DIGEST:
        return sha256_file(path)
    if key is None:
        raise ValueError(f"{path}: a {KEYED_DIGEST} digest needs the input key")
    return keyed_file_digest(path, key)


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
    for position, item in enumerate(manifest["outputs"]):
        if item["digest"] not in DIGEST_KINDS:
            raise ManifestError(f"{path}: outputs[{position}].digest is {item['digest']!r}, "
                                f"expected one of {', '.join(DIGEST_KINDS)}")
    return manifest


#: The nested fields reproduce reads: where -> (type, key -> type of each entry, ...).
_OUTPUT = {"path": str, "digest": str, "value": (str, type(None))}
_PATH_AND_HMAC = {"path": str, "hmac": (str, type(None))}  # inputs: keyed digests
_SHAPE: dict[str, Any] = {
    "data_dir": str,
    "inputs": [{"authority": str, "year": int, "form": str, "path": str,
                "files": [_PATH_AND_HMAC]}],
    "parameters": {"dir": str, "defaults": _PATH_AND_HMAC,
                   "authorities": {"*": _PATH_AND_HMAC}},
    "options": {"*": object},
    "outputs": [_OUTPUT],
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


def check_file(path: Path, expected: str | None, what: str,
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
    moved = relocations(manifest, data_dir)
    try:
        key = input_key(base, create=False)
    except InputKeyError as exc:
        return [f"the inputs cannot be checked: {exc}"]
    lines = []
    for entry in manifest["inputs"]:
        recorded = {f["path"] for f in entry["files"]}
        for item in entry["files"]:
            problem = check_file(base / item["path"], item["hmac"], "input file", key)
            if problem:
                lines.append(problem)
        folder = base / entry["path"]
        if entry["form"] == "csv" and folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                if relative_path(path, base) not in recorded:
                    lines.append(f"{path}: new file in the {entry['authority']} {entry['year']} "
                                 "return since the manifest")
    params = manifest["parameters"]
    defaults = params["defaults"]
    problem = check_file(moved(defaults["path"]), defaults["hmac"], "parameter defaults", key)
    if problem:
        lines.append(problem)
    for authority, item in sorted(params["authorities"].items()):
        problem = check_file(moved(item["path"]), item["hmac"],
                              f"parameter file of {authority}", key)
        if problem:
            lines.append(problem)
    return lines


# --------------------------------------------------------------------------- comparing results


def relocations(manifest: Mapping[str, Any],
                 data_dir: Path | None) -> Callable[[str], Path]:
    """Maps a recorded path to where it is now: inside the data folder (when ``data_dir``
    replaces it) or inside the project (a checkout elsewhere), else where it was."""
    moves = [(manifest["data_dir"], data_dir)] if data_dir is not None else []
    if manifest.get("project_root"):
        moves.append((manifest["project_root"], PROJECT_ROOT))

    def moved(recorded: str) -> Path:
        for old, new in moves:
            try:
                return absolute_path(new) / Path(recorded).relative_to(old)
            except ValueError:
                continue
        return Path(recorded)

    return moved
