"""Re-run the batch a manifest describes and compare the results, figure by figure, within a
relative tolerance.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wres_tools.contract import shorten
from wres_tools.evidence.manifest import (
    KEYED_DIGEST,
    METRICS_FILE,
    ManifestError,
    check_file,
    environment,
    output_digest,
    read_manifest,
    relative_path,
    relocations,
    result_files,
    sha256_file,
    verify_inputs,
)
from wres_tools.evidence.results import PARQUET_FILE, RESULTS_FILE, is_number, read_records
from wres_tools.inputkey import InputKeyError, input_key
from wres_tools.paths import PARAMETERS_DIR

#: Relative tolerance of :func:`compare_results` for floats. The same code on the same inputs
#: gives the same bits on one machine; another CPU or maths library may move the last digit or
#: two of a p-value or an interval, which is not a different result.
DifferenceKind = Literal["value", "missing_record", "extra_record", "missing_file", "extra_file",
                         "unreadable", "page", "output", "row", "missing_row", "extra_row"]

REL_TOL = 1e-12

#: The fields that identify a record within one authority-year's metrics.json.
RECORD_KEY: tuple[str, ...] = ("metric", "service", "group", "pay_band")


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
    row: str | None = None  # results.csv / .parquet: the row's line and key columns, in words

    def __str__(self) -> str:
        if self.kind in ("row", "missing_row", "extra_row"):
            if self.kind == "row":
                return (f"{self.file}: {self.row}: {self.field} was {self.expected!r}, now "
                        f"{self.actual!r}")
            side = "missing from the new" if self.kind == "missing_row" else \
                "not in the expected"
            return f"{self.file}: {self.row}: row {side} results"
        if self.kind in ("page", "output"):
            what = "page" if self.kind == "page" else "output"
            return (f"{self.file}: the new run's {what} differs from the one the manifest "
                    f"records ({self.field} was {str(self.expected)[:12]}..., now "
                    f"{str(self.actual)[:12]}...){'; ' + self.row if self.row else ''}")
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


def _keyed(records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Records by (metric, service, group, pay_band, n-th occurrence of that key)."""
    seen: Counter[tuple] = Counter()
    keyed = {}
    for record in records:
        key = tuple(record.get(k) for k in RECORD_KEY)
        keyed[(*key, seen[key])] = record
        seen[key] += 1
    return keyed


def same_value(expected: Any, actual: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal; numbers within ``rel_tol`` relative (True is not 1; None is not 0)."""
    if is_number(expected) and is_number(actual):
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
    expected = {relative_path(p, expected_dir): p for p in result_files(expected_dir)}
    actual = {relative_path(p, actual_dir): p for p in result_files(actual_dir)}
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
                loaded.append(read_records(path))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                differences.append(Difference("unreadable", name, authority, year,
                                              expected=side, actual=f"{path}: {exc}"))
        if len(loaded) == 2:
            differences += _compare_records(name, authority, year, loaded[0], loaded[1],
                                            rel_tol=rel_tol)
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


def output_key(manifest: Mapping[str, Any], data_dir: Path | None = None) -> bytes | None:
    """The input key when any output of the manifest has a keyed digest (None when none has);
    :class:`~wres_tools.inputkey.InputKeyError` names the key file when it cannot be read."""
    if not any(o["digest"] == KEYED_DIGEST for o in manifest["outputs"]):
        return None
    return input_key(Path(data_dir if data_dir is not None else manifest["data_dir"]),
                     create=False)


def verify_outputs(manifest: Mapping[str, Any], out_dir: Path,
                   key: bytes | None = None) -> list[str]:
    """Recorded output files under ``out_dir`` that are missing or changed since the manifest
    (each checked by the kind of digest it records; a keyed one needs ``key``)."""
    lines = []
    for item in manifest["outputs"]:
        keyed = item["digest"] == KEYED_DIGEST
        if keyed and key is None:
            lines.append(f"{Path(out_dir) / item['path']}: recorded output has a keyed digest "
                         "and there is no input key to check it with")
            continue
        problem = check_file(Path(out_dir) / item["path"], item["value"], "recorded output",
                             key if keyed else None)
        if problem:
            lines.append(problem)
    return lines


#: The columns that name a row of results.csv (with its place among rows of the same key).
ROW_KEY: tuple[str, ...] = ("kind", "authority", "scope", "year", "year_from", "compared_with",
                            "metric", "service", "group", "pay_band", "statistic")


def _table(path: Path) -> pd.DataFrame:
    """results.csv or results.parquet as text cells ('' for missing), as a reader sees them."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return frame.astype(object).where(frame.notna(), None).map(
            lambda v: "" if v is None else (repr(float(v)) if isinstance(v, float) else str(v)))
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _same_cell(expected: str, actual: str, rel_tol: float) -> bool:
    """Equal text; or both numbers within ``rel_tol`` relative."""
    if expected == actual:
        return True
    try:
        return same_value(float(expected), float(actual), rel_tol)
    except ValueError:
        return False


def compare_tables(expected: Path, actual: Path, name: str,
                   rel_tol: float = REL_TOL) -> list[Difference]:
    """Row by row, every difference between two results.csv (or results.parquet) files.

    Rows are matched by :data:`ROW_KEY` (and their order among rows of the same key), cells by
    column; numbers agree within ``rel_tol`` relative, text exactly. Each difference names the
    row by its line in the expected file (line 1 is the header) and its key columns."""
    tables = []
    for side, path in (("expected", expected), ("actual", actual)):
        try:
            tables.append(_table(path))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            return [Difference("unreadable", name, expected=side, actual=f"{path}: {exc}")]
    old, new = (_rows_by_key(t) for t in tables)
    differences = []
    for key in [*old, *(k for k in new if k not in old)]:
        line, a = old.get(key, (None, None))
        new_line, b = new.get(key, (None, None))
        if a is None or b is None:
            where = _row_words(key, line if a is not None else new_line,
                               "expected" if a is not None else "new")
            differences.append(Difference("missing_row" if b is None else "extra_row", name,
                                          row=where))
            continue
        for column in [*a, *(c for c in b if c not in a)]:
            if column in a and column in b and _same_cell(a[column], b[column], rel_tol):
                continue
            differences.append(Difference(
                "row", name, row=_row_words(key, line, "expected"), field=column,
                expected=a.get(column, "<absent>"), actual=b.get(column, "<absent>")))
    return differences


def _rows_by_key(frame: pd.DataFrame) -> dict[tuple, tuple[int, dict[str, str]]]:
    """Rows by (key columns..., n-th occurrence of that key) -> (line in the file, row)."""
    seen: Counter[tuple] = Counter()
    keyed = {}
    for position, row in enumerate(frame.to_dict("records")):
        key = tuple(row.get(k, "") for k in ROW_KEY)
        keyed[(*key, seen[key])] = (position + 2, row)
        seen[key] += 1
    return keyed


def _row_words(key: tuple, line: int | None, side: str) -> str:
    """``line 7 of the expected file (kind=result, authority=alpha, ..., statistic=rl)``."""
    named = ", ".join(f"{k}={v}" for k, v in zip(ROW_KEY, key, strict=False) if v != "")
    return f"line {line} of the {side} file ({named})"


def _first_differing_line(expected: Path, actual: Path) -> str | None:
    """Where two text files first differ, by line number only (an internal page's text holds
    small counts, and a report of a reproduction may travel further than the page)."""
    try:
        old = expected.read_bytes().splitlines()
        new = actual.read_bytes().splitlines()
    except OSError:
        return None
    for number, (a, b) in enumerate(zip(old, new, strict=False), 1):
        if a != b:
            return f"first difference at line {number}"
    if len(old) != len(new):
        return f"first difference at line {min(len(old), len(new)) + 1} (one page is longer)"
    return None


def compare_outputs(manifest: Mapping[str, Any], expected_dir: Path, actual_dir: Path,
                    key: bytes | None, rel_tol: float = REL_TOL) -> list[Difference]:
    """Every recorded output other than a metrics.json, against the new run's.

    results.csv and results.parquet row by row (:func:`compare_tables`, against the files
    beside the manifest; a parquet file's bytes carry the writer's version, its rows do not);
    each page and any other file by its digest of the kind the manifest records, with the line
    where the page first differs from the one beside the manifest. A file the manifest records
    and the new run did not write is missing; a page the new run wrote in an authority-year
    folder of the manifest that it does not record is extra."""
    expected_dir, actual_dir = Path(expected_dir), Path(actual_dir)
    differences: list[Difference] = []
    recorded = [o for o in manifest["outputs"] if not o["path"].endswith(METRICS_FILE)]
    for item in recorded:
        name, old, new = item["path"], expected_dir / item["path"], actual_dir / item["path"]
        if not new.is_file():
            if item["value"] is not None:
                differences.append(Difference("missing_file", name))
            continue
        if item["value"] is None:
            differences.append(Difference("extra_file", name))
            continue
        if name in (RESULTS_FILE, PARQUET_FILE):
            if old.is_file():
                differences += compare_tables(old, new, name, rel_tol)
                continue
        keyed = item["digest"] == KEYED_DIGEST
        if keyed and key is None:
            differences.append(Difference("unreadable", name, expected="expected",
                                          actual="no input key to check its keyed digest"))
            continue
        digest = output_digest(new, item["digest"], key if keyed else None)
        if digest != item["value"]:
            where = _first_differing_line(old, new) if old.is_file() else None
            differences.append(Difference("page" if name.endswith(".html") else "output", name,
                                          field=item["digest"], expected=item["value"],
                                          actual=digest, row=where))
    folders = {str(Path(o["path"]).parent) for o in manifest["outputs"]
               if o["path"].endswith(METRICS_FILE)}
    known = {o["path"] for o in manifest["outputs"]}
    for folder in sorted(folders):
        for page in sorted((actual_dir / folder).glob("*.html")):
            name = relative_path(page, actual_dir)
            if name not in known:
                differences.append(Difference("extra_file", name))
    return differences


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


#: Options reproduce gives the batch itself (the recorded ones would point at the old run).
_SET_BY_REPRODUCE = ("data_dir", "out_dir", "parameters_dir")


#: How a folder :func:`fresh_folder` makes is named: ``<outputs>-reproduced-<n>``.
FRESH_SUFFIX = "-reproduced-"


def fresh_folder(manifest_path: Path) -> Path:
    """A new, empty folder beside the folder of ``manifest_path`` (``outputs/manifest.json`` ->
    ``outputs-reproduced-1``, or the first number not taken), made now so that nothing can
    take it meanwhile; nothing is ever overwritten."""
    results = Path(manifest_path).resolve().parent
    for number in range(1, 10_000):
        candidate = results.with_name(f"{results.name}{FRESH_SUFFIX}{number}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"{results}: {FRESH_SUFFIX.strip('-')} folders 1 to 9999 are all "
                          "taken; name one with --out")


def reproduce(
    manifest_path: Path,
    out_dir: Path | None,
    run_batch: Callable[..., Any],
    *,
    data_dir: Path | None = None,
    rel_tol: float = REL_TOL,
    own_notebooks: Path | None = None,
) -> ReproduceReport:
    """Re-run the batch a manifest describes into a fresh ``out_dir`` and compare the results.

    Calls ``run_batch(data_dir, out_dir, parameters_dir=..., **manifest["options"])``
    (``batch.run_batch``), then checks the inputs and the recorded outputs against their
    digests (keyed ones with the input key), compares each metrics.json the manifest records
    with the one beside the manifest, record by record, results.csv and results.parquet row by
    row, and every other recorded output (the pages) by its digest (:func:`compare_outputs`).
    ``out_dir`` None: a folder of its own (:func:`fresh_folder`), made once the manifest has
    been checked and named in the report's first line. ``data_dir`` replaces
    the recorded data folder (and a parameters folder inside it). Refuses an ``out_dir`` that
    holds anything. A result object with a false ``ok`` and ``failures`` is reported as batch
    problems; an exception from the batch is reported, not raised.

    A manifest is data that anyone may edit, so before anything runs it must name only inputs
    inside the data folder (parameter files: there or in the project's ``parameters/``),
    results beside itself and, with ``own_notebooks`` (``wres reproduce`` passes the project's
    ``notebooks/``), only notebooks whose content is that of a notebook there (they run from
    there); anything else is a :class:`ManifestError`.
    """
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    if out_dir is not None:
        out_dir = Path(out_dir)
        if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
            raise FileExistsError(f"{out_dir}: not an empty folder; reproduce writes into a "
                                  "fresh folder so that nothing old can pass for a new result")
        if out_dir.resolve() == manifest_path.parent.resolve():
            raise FileExistsError(f"{out_dir}: is the folder of the manifest's own results")
    data = Path(data_dir) if data_dir is not None else Path(manifest["data_dir"])
    params_dir = relocations(manifest, data_dir)(manifest["parameters"]["dir"])
    _refuse_outside(manifest, manifest_path, data, data_dir)
    options = _checked_options(manifest, manifest_path, own_notebooks)
    if out_dir is None:
        out_dir = fresh_folder(manifest_path)
    report = ReproduceReport(manifest_path, out_dir)
    report.changed_inputs = verify_inputs(manifest, data_dir)
    try:
        key = output_key(manifest, data_dir)
    except InputKeyError as exc:
        key = None
        report.changed_outputs.append(f"the recorded outputs cannot be checked: {exc}")
    report.changed_outputs += verify_outputs(manifest, manifest_path.parent, key)
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
    report.differences += compare_outputs(manifest, manifest_path.parent, out_dir, key, rel_tol)
    return report


def _inside(path: Path, folders: Sequence[Path]) -> bool:
    resolved = Path(os.path.realpath(path))
    return any(resolved.is_relative_to(os.path.realpath(f)) for f in folders)


def _refuse_outside(manifest: Mapping[str, Any], manifest_path: Path, data: Path,
                    data_dir: Path | None) -> None:
    """A :class:`ManifestError` for any input outside the data folder (parameter files: or the
    project's parameters/) or any recorded result outside the manifest's folder."""
    moved = relocations(manifest, data_dir)
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
