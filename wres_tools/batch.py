"""The batch: every report notebook for every chosen return, on warm kernels, into HTML.

For each authority-year the batch writes, under ``<out>/<year>/<authority>/``:

- ``<notebook>.html`` for each notebook in ``notebooks/`` (code hidden, self-contained, see
  :mod:`wres_tools.export`);
- ``metrics.json``: the year's result records in the run's disclosure mode (published: after
  suppression), written by the batch itself. They are ``report.load(...).results``, that is
  ``publish.publish_results(metrics.compute_all(...))``, computed on the job's kernel before
  its notebooks run, so the return is read and computed once per authority-year (the notebooks
  find it in ``report``'s cache) and metrics.json holds exactly the figures the pages show;
- ``.batch.json``: the batch's own record (fingerprint of each output, display name, synthetic,
  disclosure), used to skip unchanged work and to build the index;

and ``<out>/index.html`` links every report with the authority's headline figures.

Executed notebooks (``.ipynb``) are not kept: the HTML is the output, and an ``.ipynb`` would be
one more file to keep free of suppressed counts. A failing notebook is reported with the
authority, year, notebook and the error's first line; rerun it in JupyterLab with the same
parameters to see the whole traceback.

Work is skipped when its fingerprint is unchanged: a hash of the authority's return files (every
year: a report compares with earlier years), ``defaults.yml`` and the authority's parameter file,
the notebook, the package's source and templates, the package version, the versions of the
libraries that shape the output (:data:`OUTPUT_LIBRARIES`) and the disclosure mode. A page that
is missing is made again; ``force`` redoes everything.

Parallelism: ``jobs`` worker processes (spawned, never threads), each with one
:class:`~wres_tools.kernels.WarmKernel`; a job is one authority-year, so one worker runs all of its
notebooks one after another on one kernel. With several workers the kernels share each return
they compute through a private temporary folder that lives as long as the batch
(:func:`_shared_folder`, :mod:`wres_tools.computed`), so a return is read and computed about once
per batch, not once per worker. A failure (bad return,
failing notebook, kernel death or time-out) is recorded with its authority, year and notebook,
and the batch goes on.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill
from tqdm import tqdm

from wres_tools import __version__
from wres_tools.contract import Problem
from wres_tools.export import (
    INDEX_INTERNAL_BANNER,
    INDEX_SYNTHETIC_BANNER,
    Banner,
    IndexFailure,
    IndexRow,
    banners_for,
    index_html,
    notebook_html,
    write_atomic,
)
from wres_tools.inputkey import input_key, keyed_digest
from wres_tools.kernels import CodeError, WarmKernel
from wres_tools.paths import CACHE_DIR_ENV, KERNEL_NAME, NOTEBOOKS_DIR, PARAMETERS_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
METRICS_FILE = "metrics.json"
STATE_FILE = ".batch.json"
INDEX_FILE = "index.html"
#: Files of the evidence (``evidence.write_evidence``) the index links when they are there.
EVIDENCE_DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("How every figure is made (methods)", "methods.html"),
    ("Every published figure, one row each (results.csv)", "results.csv"),
    ("What each column of results.csv means", "results_dictionary.csv"),
    ("What went in and what ran it (manifest.json)", "manifest.json"),
)
#: How failures and titles name the reports of a year that take no authority.
ACROSS_AUTHORITIES = "all authorities"
#: An authority name no data folder holds (io skips names starting "_"): defaults.yml alone.
_NO_AUTHORITY = "_defaults"

#: Headline figures of the index: (column label, metric), minority against white, all services.
HEADLINES: tuple[tuple[str, str], ...] = (
    ("M2 appointed from shortlisting (RL)", "M2"),
    ("M3 entering disciplinary (RL)", "M3"),
    ("M8 leaving (RL)", "M8"),
)

_MESSAGE_LINES = 3
_MESSAGE_CHARS = 400


# -- what to run -------------------------------------------------------------------------------


def _report_order(stem: str) -> tuple[int, int, str]:
    """summary first, then m1, m2 ... m9 (m7a before m7b), then anything else by name."""
    match = re.match(r"m(\d+)", stem)
    if stem == "summary":
        return (0, 0, "")
    return (1, int(match.group(1)), stem) if match else (2, 0, stem)


def report_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The report notebooks of a folder, in report order: those whose parameters cell takes
    ``year`` (with ``authority``: one report per authority-year; without: one per year).

    A notebook without ``year`` (the live ``explore`` notebook) is not a batch report.
    """
    found = [p for p in Path(notebooks_dir).glob("*.ipynb") if not p.name.startswith((".", "_"))]
    reports = [p for p in found if "year" in notebook_parameters(p)]
    return sorted(reports, key=lambda p: _report_order(p.stem))


def notebook_parameters(notebook: Path) -> set[str]:
    """The names its ``parameters``-tagged cell sets (papermill reads them without a kernel)."""
    nb = nbformat.read(notebook, as_version=4)
    # papermill reads the language from the kernelspec; the batch runs every notebook on ours
    nb.metadata.setdefault("kernelspec", {"name": KERNEL_NAME, "language": "python",
                                          "display_name": KERNEL_NAME})
    return set(papermill.inspect_notebook(nb))


def report_label(notebook: Path | str) -> str:
    """A report's link text: ``m7a_colleagues`` -> ``M7a``; ``summary`` -> ``Summary``."""
    stem = Path(notebook).stem
    match = re.match(r"m(\d+[a-z]?)(_|$)", stem)
    return f"M{match.group(1)}" if match else stem.replace("_", " ").capitalize()


def report_title(display_name: str, year: int, notebook: Path | str) -> str:
    """The page title of one report: ``Ashbury, 2023: M1 pay bands``."""
    words = Path(notebook).stem.split("_")
    words[0] = words[0].upper() if re.fullmatch(r"m\d+[a-z]?", words[0]) else words[0].capitalize()
    return f"{display_name}, {year}: {' '.join(words)}"


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


def parameter_files(authority: str, parameters_dir: Path) -> list[Path]:
    """The files an authority's parameters are read from (as ``check_parameters`` finds them)."""
    defaults = Path(parameters_dir) / "defaults.yml"
    if not defaults.exists():
        defaults = PARAMETERS_DIR / "defaults.yml"
    return [defaults, Path(parameters_dir) / f"{authority}.yml"]


def fingerprint(*parts: str) -> str:
    """One hash of the digests and settings an output depends on."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


# -- jobs and their outcomes ------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One thing the batch could not make, and why (the error's first lines)."""

    authority: str
    year: int | None
    notebook: str  # a notebook's name, or metrics.json, return, parameters, results
    message: str

    def __str__(self) -> str:
        year = f" {self.year}" if self.year is not None else ""
        return f"{self.authority}{year}, {self.notebook}: {self.message}"


@dataclass(frozen=True)
class Job:
    """One authority-year, or one year across authorities: what to (re)make, what it rests on."""

    authority: str | None  # None: the year's notebooks that take no authority (benchmarking)
    year: int
    data_dir: Path
    parameters_dir: Path
    out_dir: Path  # <out>/<year>/<authority>
    disclosure: str
    timeout: int | None
    notebooks: tuple[Path, ...]  # to run
    write_metrics: bool
    fingerprints: Mapping[str, str]  # output file name -> fingerprint, for every output
    synthetic: bool = False  # year-level pages: every return of the year is synthetic

    @property
    def who(self) -> str:
        return self.authority if self.authority is not None else ACROSS_AUTHORITIES


@dataclass
class JobOutcome:
    authority: str  # or ACROSS_AUTHORITIES
    year: int
    made: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


def short_message(exc: BaseException) -> str:
    """The first lines of an error, for a summary: never a whole traceback."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, CodeError) and exc.ename in ("ReturnError", "ParameterError"):
        text = exc.evalue  # a validation report: its first lines name the file and problems
    elif isinstance(exc, PapermillExecutionError):
        text = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    elif isinstance(exc, CellTimeoutError):
        text = "ran past its time limit and was stopped"
    elif isinstance(exc, DeadKernelError):
        text = "the kernel died while running it"
    else:
        text = str(exc) or type(exc).__name__
        if type(exc).__name__ not in ("ReturnError", "ParameterError"):
            text = f"{type(exc).__name__}: {text}"
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    more = len(lines) - _MESSAGE_LINES
    text = "\n".join(lines[:_MESSAGE_LINES])
    if more > 0:
        text += f"\n  ... and {more} more line(s)"
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 3] + "..."


# -- the worker side ---------------------------------------------------------------------------

_kernel: WarmKernel | None = None


def _start_worker(kernel_name: str, cwd: str, env: Mapping[str, str]) -> None:
    """Process-pool initializer: start this worker's warm kernel, stop it when the worker ends.

    The worker ends with its parent, however the parent dies (a SIGKILL included): on Linux the
    kernel kills it then (:func:`_die_with_parent`), and a thread polls the parent's id
    (:func:`_watch_parent`, which also kills the kernel); the kernel watches the worker the same
    way (``JPY_PARENT_PID``). A SIGTERM ends the worker at once, its kernel first
    (:func:`_end_worker`).
    """
    global _kernel
    _kernel = WarmKernel(kernel_name=kernel_name, cwd=Path(cwd), env=env)
    atexit.register(_stop_worker)
    signal.signal(signal.SIGTERM, _end_worker)
    parent = multiprocessing.parent_process()
    parent_pid = parent.pid if parent is not None and parent.pid else os.getppid()
    _die_with_parent(parent_pid)
    _watch_parent(parent_pid)
    _kernel.start()


def _die_with_parent(parent: int) -> None:
    """On Linux, ask the kernel to SIGKILL this process the moment its parent dies
    (``prctl(PR_SET_PDEATHSIG)``): not a page more is written. The worker is started from the
    batch's main thread, whose end is the batch's end. Elsewhere :func:`_watch_parent` alone."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no libc prctl: the watch thread still ends the worker
        return
    if os.getppid() != parent:  # the parent died before the request
        os._exit(128 + signal.SIGHUP)


#: Seconds between two looks at whether a worker's parent is still alive.
PARENT_POLL = 0.25


def _watch_parent(parent: int, poll: float = PARENT_POLL) -> threading.Thread:
    """A daemon thread that ends this process (its kernel first) as soon as its parent is no
    longer ``parent``: no page is written for a batch that is gone."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        _end_worker(signal.SIGHUP, None)

    thread = threading.Thread(target=watch, name="wres-parent-watch", daemon=True)
    thread.start()
    return thread


def _end_worker(signum: int, _frame: object) -> None:
    """Kill this worker's kernel and exit now (``128 + signum``), without unwinding: a
    SystemExit raised inside the kernel client's asyncio would leave tasks whose errors
    (DeadKernelError) are printed as tracebacks."""
    if _kernel is not None:
        _kernel.kill()
    os._exit(128 + signum)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_worker() -> None:
    global _kernel
    if _kernel is not None:
        _kernel.shutdown()
        _kernel = None


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


# Runs on the job's kernel before its notebooks: the published results through the same cached
# ``report.load`` the notebooks call, so metrics.json holds exactly what the reports show and the
# return is read and computed once per authority-year.
_PREPARE = """
def _wres_prepare(authority, year, data_dir, parameters_dir, mode):
    import json
    import pandas as pd
    from wres_tools import report

    data = report.load(authority, year, data_dir, disclosure_mode=mode,
                       parameters_dir=parameters_dir)

    def plain(value):
        if value is pd.NA or value is pd.NaT:
            return None
        if hasattr(value, "item"):  # numpy scalars
            return value.item()
        raise TypeError(f"result value {value!r} is not a JSON value")

    payload = {"display_name": data.display_name, "synthetic": bool(data.synthetic),
               "records": data.results.to_dict(orient="records")}
    print(json.dumps(payload, default=plain))
"""

#: The least time the preparation (read every year, compute, publish) is given, whatever a
#: notebook's own limit: a limit meant for one report's cells must not fail the whole job.
PREPARE_MIN_SECONDS = 120


def _prepare_timeout(timeout: int | None) -> int | None:
    return None if timeout is None else max(timeout, PREPARE_MIN_SECONDS)


#: Kernel-side errors of the preparation -> what the failure is reported against.
_PREPARE_FAILURES = {"ReturnError": "return", "FileNotFoundError": "return",
                     "ParameterError": "parameters"}


def run_job(
    job: Job,
    kernel: WarmKernel | None = None,
    on_report: Callable[[], None] | None = None,
) -> JobOutcome:
    """Make one job's outputs; every failure is recorded, none is raised."""
    kernel = kernel if kernel is not None else _kernel
    assert kernel is not None, "run_job needs a kernel: pass one or start the worker"
    started = time.monotonic()
    outcome = JobOutcome(job.who, job.year)
    state = read_state(job.out_dir)
    fingerprints: dict[str, str] = dict(state.get("fingerprints", {}))

    def fail(notebook: str, exc: BaseException) -> None:
        outcome.failures.append(Failure(job.who, job.year, notebook, short_message(exc)))

    def drop(name: str) -> None:
        """No stale output from an earlier run may stand in for one that failed."""
        fingerprints.pop(name, None)
        (job.out_dir / name).unlink(missing_ok=True)

    def finish(display_name: str, synthetic: bool) -> JobOutcome:
        problem = _write_state(job, fingerprints, display_name, synthetic)
        if problem is not None:
            outcome.failures.append(Failure(job.who, job.year, STATE_FILE, problem))
        outcome.seconds = time.monotonic() - started
        return outcome

    parameters: dict[str, Any] = {
        "authority": job.authority,
        "year": int(job.year),
        "data_dir": str(Path(job.data_dir).resolve()),
        "parameters_dir": str(Path(job.parameters_dir).resolve()),
        "disclosure": job.disclosure,
    }
    if job.authority is None:  # the year's reports across authorities
        del parameters["authority"]
        display_name, synthetic = ACROSS_AUTHORITIES.capitalize(), job.synthetic
        index_href = f"../{INDEX_FILE}"
    else:
        try:
            call = ("_wres_prepare({authority!r}, {year!r}, {data_dir!r}, {parameters_dir!r}, "
                    "{disclosure!r})")
            printed = kernel.evaluate(_PREPARE + call.format(**parameters),
                                      timeout=_prepare_timeout(job.timeout))
            prepared = json.loads(printed)
        except Exception as exc:
            fail(_PREPARE_FAILURES.get(getattr(exc, "ename", ""), "results"), exc)
            for notebook in job.notebooks:
                drop(f"{notebook.stem}.html")
                if on_report:
                    on_report()
            drop(METRICS_FILE)
            return finish(state.get("display_name", job.who), bool(state.get("synthetic")))
        display_name = str(prepared["display_name"])
        synthetic = bool(prepared["synthetic"])
        index_href = f"../../{INDEX_FILE}"
        if job.write_metrics:
            try:
                write_atomic(job.out_dir / METRICS_FILE, results_json(prepared["records"]))
                fingerprints[METRICS_FILE] = job.fingerprints[METRICS_FILE]
            except (OSError, TypeError, ValueError) as exc:
                fail(METRICS_FILE, exc)
                drop(METRICS_FILE)

    banners = banners_for(job.disclosure, synthetic)
    for notebook in job.notebooks:
        name = f"{notebook.stem}.html"
        try:
            executed = kernel.execute(notebook, parameters, timeout=job.timeout)
            page = notebook_html(
                executed,
                title=report_title(display_name, job.year, notebook),
                banners=banners,
                index_href=index_href,
            )
            write_atomic(job.out_dir / name, page)
            fingerprints[name] = job.fingerprints[name]
            outcome.made.append(name)
        except Exception as exc:  # one report's failure must not stop the others
            fail(notebook.name, exc)
            drop(name)
        if on_report:
            on_report()
    return finish(display_name, synthetic)


def _write_state(
    job: Job, fingerprints: Mapping[str, str], display_name: str, synthetic: bool
) -> str | None:
    """Write the job's record; what went wrong, in words, when it cannot be written (a read-only
    or full output folder), so that the batch reports it and goes on."""
    state = {
        "authority": job.authority,
        "year": int(job.year),
        "display_name": display_name,
        "synthetic": synthetic,
        "disclosure": job.disclosure,
        "fingerprints": dict(sorted(fingerprints.items())),
    }
    try:
        write_atomic(job.out_dir / STATE_FILE, json.dumps(state, indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        return f"cannot be written: {exc.strerror or exc} ({job.out_dir / STATE_FILE})"
    return None


def _run_job_in_worker(job: Job) -> JobOutcome:
    return run_job(job)


# -- planning ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a batch will do: the jobs, what it skips as unchanged, what failed before starting."""

    jobs: list[Job]
    skipped: int  # reports (HTML pages) unchanged since the last run
    failures: list[Failure]
    reports: int  # reports to make
    data_dir: Path | None = None
    parameters_dir: Path | None = None
    refs: list[Any] = field(default_factory=list)  # the returns chosen (io.ReturnRef)
    options: dict[str, Any] = field(default_factory=dict)  # for the manifest: see run_batch

    @property
    def total(self) -> int:
        return self.skipped + self.reports


def takes_authority(notebook: Path) -> bool:
    """Whether a notebook reports one authority (its parameters cell has ``authority``).

    A notebook without it reports a year across authorities (benchmarking) and runs once a year.
    """
    return "authority" in notebook_parameters(notebook)


def _stale(target: Path, wanted: Mapping[str, str], force: bool) -> set[str]:
    """The outputs of ``target`` to (re)make: changed fingerprint, missing file, or forced."""
    done = read_state(target).get("fingerprints", {})
    return {
        name for name, value in wanted.items()
        if force or done.get(name) != value or not (target / name).exists()
    }


def plan_batch(
    data_dir: Path,
    out_dir: Path,
    *,
    authorities: Sequence[str] = (),
    years: Sequence[int] = (),
    notebooks: Sequence[Path] | None = None,
    parameters_dir: Path | None = None,
    disclosure: str | None = None,
    timeout: int | None = None,
    force: bool = False,
) -> Plan:
    """Find the returns, decide per output whether it must be (re)made, and make the jobs.

    ``authorities`` / ``years`` empty mean all. ``disclosure`` and ``timeout`` None mean the
    authority's parameters (``disclosure`` and ``execution_timeout``). Notebooks that take no
    authority run once per year, into ``<out>/<year>/``, and only when no authority is chosen
    (they compare every authority).
    """
    from wres_tools.io import find_returns
    from wres_tools.parameters import ParameterError, load_parameters, resolve_parameters_dir

    data_dir = Path(data_dir)
    out_dir = Path(out_dir)
    parameters_dir = resolve_parameters_dir(data_dir, parameters_dir)
    notebooks = [Path(nb) for nb in (report_notebooks() if notebooks is None else notebooks)]
    per_authority = [nb for nb in notebooks if takes_authority(nb)]
    per_year = [nb for nb in notebooks if nb not in per_authority]
    unfound: list[Problem] = []
    all_refs = find_returns(data_dir, unfound)
    refs = [
        r for r in all_refs
        if (not authorities or r.authority in authorities) and (not years or r.year in years)
    ]
    code = code_digest()
    key = input_key(data_dir)
    notebook_digests = {nb: digest_paths([nb]) for nb in notebooks}
    jobs: list[Job] = []
    failures: list[Failure] = [_unfound_failure(p, data_dir) for p in unfound]
    failures = [f for f in failures if not authorities or f.authority in authorities]
    skipped = reports = 0

    def add(authority: str | None, year: int, target: Path, mode: str, limit: int | None,
            chosen: list[Path], base: tuple[str, ...], metrics: bool) -> None:
        nonlocal skipped, reports
        wanted = {METRICS_FILE: fingerprint(*base, METRICS_FILE)} if metrics else {}
        wanted |= {f"{nb.stem}.html": fingerprint(*base, nb.name, notebook_digests[nb])
                   for nb in chosen}
        stale = _stale(target, wanted, force)
        todo = tuple(nb for nb in chosen if f"{nb.stem}.html" in stale)
        skipped += len(chosen) - len(todo)
        if stale:
            reports += len(todo)
            jobs.append(Job(authority, year, data_dir, parameters_dir, target, mode, limit, todo,
                            METRICS_FILE in stale, wanted))

    by_authority: dict[str, list[Any]] = {}
    for ref in refs:
        by_authority.setdefault(ref.authority, []).append(ref)
    for authority, authority_refs in by_authority.items():
        try:
            params = load_parameters(authority, parameters_dir)
            inputs = digest_paths([r.path for r in all_refs if r.authority == authority],
                                  data_dir, key)
            settings = digest_paths(parameter_files(authority, parameters_dir), key=key)
        except (ParameterError, OSError) as exc:  # one authority's fault stops only its jobs
            what = "parameters" if isinstance(exc, ParameterError) else "return"
            for ref in authority_refs:
                failures.append(Failure(authority, ref.year, what, short_message(exc)))
            continue
        mode = disclosure or params.disclosure
        limit = timeout if timeout is not None else params.execution_timeout
        base = (inputs, settings, code, mode, __version__)
        for ref in authority_refs:
            add(authority, ref.year, out_dir / str(ref.year) / authority, mode, limit,
                per_authority, base, metrics=True)

    if per_year and not authorities:
        try:
            defaults = load_parameters(_NO_AUTHORITY, parameters_dir)  # defaults.yml alone
            inputs = digest_paths([r.path for r in all_refs], data_dir, key)
            settings = digest_paths([*parameter_files(_NO_AUTHORITY, parameters_dir)[:1],
                                     *sorted(p for p in Path(parameters_dir).glob("*.yml")
                                             if p.is_file())], key=key)
        except (ParameterError, OSError) as exc:
            what = "parameters" if isinstance(exc, ParameterError) else "return"
            failures += [Failure(ACROSS_AUTHORITIES, year, what, short_message(exc))
                         for year in sorted({r.year for r in refs})]
        else:
            mode = disclosure or defaults.disclosure
            limit = timeout if timeout is not None else defaults.execution_timeout
            base = (inputs, settings, code, mode, __version__)
            for year in sorted({r.year for r in refs}):
                add(None, year, out_dir / str(year), mode, limit, per_year, base, metrics=False)
    options: dict[str, Any] = {
        "authorities": sorted(authorities), "years": sorted(years), "disclosure": disclosure,
        "timeout": timeout,
    }
    if notebooks != report_notebooks():
        options["notebooks"] = [str(Path(nb).resolve()) for nb in notebooks]
    return Plan(jobs, skipped, failures, reports, data_dir, parameters_dir, refs, options)


def _unfound_failure(problem: Problem, data_dir: Path) -> Failure:
    """A folder or entry finding the returns could not use, as the failure of its authority."""
    path = Path(problem.file)
    if path == data_dir:
        return Failure(ACROSS_AUTHORITIES, None, "return", f"{problem.message} ({path})")
    authority = path.name if path.parent == data_dir else path.parent.name
    year = path.name.split(".")[0] if path.parent != data_dir else ""
    return Failure(authority, int(year) if year.isdigit() else None, "return",
                   f"{problem.message} ({path})")


# -- the index ---------------------------------------------------------------------------------


def _headline(records: Sequence[Mapping[str, Any]], metric: str) -> str:
    """The all-services minority RL of one metric, or in words why there is none."""
    for record in records:
        if (record.get("metric"), record.get("service"), record.get("group")) != (
            metric, "all", "minority"
        ):
            continue
        if record.get("status") == "not_collected":
            return "not collected"
        rl = record.get("rl")
        if rl is None:
            if "rl" in (record.get("withheld") or ()):
                return "not published: small numbers"
            return "not computable"
        low, high = record.get("rl_ci_low"), record.get("rl_ci_high")
        if low is None or high is None:
            return f"{rl:.2f}"
        return f"{rl:.2f} ({low:.2f} to {high:.2f})"
    return "—"


def _pages(folder: Path, state: Mapping[str, Any], out_dir: Path) -> tuple[tuple[str, str], ...]:
    """(link text, href from the index) of each page the state records and the folder holds."""
    names = [n for n in state.get("fingerprints", {}) if n.endswith(".html")]
    pages = sorted((folder / n for n in names if (folder / n).exists()),
                   key=lambda p: _report_order(p.stem))
    return tuple((report_label(p), p.relative_to(out_dir).as_posix()) for p in pages)


def _quoted(pages: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The hrefs percent-encoded: an authority folder "Hash #1 ?x %41" is a path, not a
    fragment, a query and an escape."""
    return tuple((label, urllib.parse.quote(href)) for label, href in pages)


def build_index(out_dir: Path, failures: Sequence[Failure] = ()) -> Path:
    """Write ``<out>/index.html`` from every authority-year and year found under ``out_dir``."""
    out_dir = Path(out_dir)
    rows: list[IndexRow] = []
    states = sorted(
        (read_state(p.parent) for p in out_dir.glob(f"*/*/{STATE_FILE}")),
        key=lambda s: (str(s.get("display_name", "")).lower(), s.get("year", 0)),
    )
    states = [s for s in states if s.get("authority") and s.get("year")]
    for state in states:
        folder = out_dir / str(state["year"]) / state["authority"]
        try:
            records = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            records = []
        rows.append(IndexRow(
            authority=state["authority"],
            display_name=str(state.get("display_name") or state["authority"]),
            year=int(state["year"]),
            reports=_quoted(_pages(folder, state, out_dir)),
            headlines=tuple(_headline(records, metric) for _, metric in HEADLINES),
            synthetic=bool(state.get("synthetic")),
        ))
    year_states = sorted(
        (s for s in (read_state(p.parent) for p in out_dir.glob(f"*/{STATE_FILE}"))
         if s.get("year") and not s.get("authority")),
        key=lambda s: s["year"],
    )
    years = [(int(s["year"]), _quoted(_pages(out_dir / str(s["year"]), s, out_dir)))
             for s in year_states]
    everything = [*states, *year_states]
    banners: list[Banner] = []
    if any(s.get("disclosure") == "internal" for s in everything):
        banners.append(INDEX_INTERNAL_BANNER)
    if everything and all(s.get("synthetic") for s in everything):
        banners.append(INDEX_SYNTHETIC_BANNER)
    page = index_html(
        rows,
        headline_labels=[label for label, _ in HEADLINES],
        years=[(year, pages) for year, pages in years if pages],
        documents=[(label, name) for label, name in EVIDENCE_DOCUMENTS
                   if (out_dir / name).is_file()],
        failures=[IndexFailure(f.authority, f.year, f.notebook, f.message) for f in failures],
        banners=banners,
    )
    path = out_dir / INDEX_FILE
    write_atomic(path, page)
    return path


# -- running -----------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch did."""

    made: int
    skipped: int
    failures: list[Failure]
    seconds: float
    index: Path | None
    jobs: int

    @property
    def ok(self) -> bool:
        return not self.failures


def run_plan(
    plan: Plan,
    out_dir: Path,
    *,
    jobs: int = 1,
    kernel_name: str = KERNEL_NAME,
    kernel_cwd: Path | None = None,
    progress: bool = True,
) -> BatchResult:
    """Run a plan on ``jobs`` warm kernels (one per worker process), write the evidence files
    (``evidence.write_evidence``: manifest.json, results.csv and its dictionary, methods.html),
    then the index.

    The authority-years run first; then each year's reports across authorities, which show the
    synthetic-data banner when every authority-year of that year was synthetic. The evidence
    files come from the authority-years' metrics.json alone, so with several workers this process
    writes them while the workers make the year's reports.
    """
    started = time.monotonic()
    cwd = Path(kernel_cwd) if kernel_cwd is not None else NOTEBOOKS_DIR
    if not cwd.is_dir():
        cwd = Path.cwd()
    phases = [[j for j in plan.jobs if j.authority is not None],
              [j for j in plan.jobs if j.authority is None]]

    def year_jobs() -> list[Job]:
        return [replace(j, synthetic=_year_synthetic(out_dir, j.year)) for j in phases[1]]

    evidence_failures: list[Failure] = []

    def evidence() -> None:
        if not (plan.refs and plan.data_dir is not None and plan.parameters_dir is not None):
            return
        try:
            from wres_tools.evidence import write_evidence

            write_evidence(plan.data_dir, plan.refs, plan.parameters_dir, plan.options, out_dir)
        except Exception as exc:  # the reports stand; say what is missing
            evidence_failures.append(
                Failure(ACROSS_AUTHORITIES, None, "manifest.json", short_message(exc)))

    outcomes: list[JobOutcome] = []
    bar = tqdm(total=plan.reports, unit="report", disable=not progress or not plan.reports,
               desc="reports")
    try:
        if plan.jobs and jobs > 1:
            with _shared_folder() as shared:
                outcomes = _run_parallel(phases[0], year_jobs, jobs, kernel_name, cwd,
                                         {CACHE_DIR_ENV: shared}, bar, meanwhile=evidence)
        else:
            if plan.jobs:
                # started at its first notebook; one kernel's own memory holds every return
                kernel = WarmKernel(kernel_name=kernel_name, cwd=cwd)
                try:
                    for job in phases[0]:
                        outcomes.append(run_job(job, kernel, on_report=lambda: bar.update(1)))
                    for job in year_jobs():  # after the authority-years: it reads their states
                        outcomes.append(run_job(job, kernel, on_report=lambda: bar.update(1)))
                finally:
                    kernel.shutdown()
            evidence()
    finally:
        bar.close()
    failures = [*plan.failures, *(f for o in outcomes for f in o.failures), *evidence_failures]
    index: Path | None = None
    try:
        index = build_index(out_dir, failures)
    except OSError as exc:
        failures.append(Failure(ACROSS_AUTHORITIES, None, INDEX_FILE,
                                f"cannot be written: {exc.strerror or exc}"))
    return BatchResult(
        made=sum(len(o.made) for o in outcomes),
        skipped=plan.skipped,
        failures=failures,
        seconds=time.monotonic() - started,
        index=index,
        jobs=len(plan.jobs),
    )


_SHARED_PREFIX = "wres-batch-"


@contextmanager
def _shared_folder() -> Iterator[str]:
    """A private folder (mode 0700) for the kernels of one batch to share computed returns
    through (:mod:`wres_tools.computed`), removed when the batch ends.

    It holds internal results, so it must not outlive the batch: a SIGTERM is turned into
    SystemExit while it exists (the ``finally`` then runs), and the folder's name carries the
    process id, so a batch removes the folders left by batches that were killed outright.
    """
    _remove_orphaned_folders()
    folder = tempfile.mkdtemp(prefix=f"{_SHARED_PREFIX}{os.getpid()}-")
    restore = None
    if threading.current_thread() is threading.main_thread():
        restore = signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if restore is not None:
            signal.signal(signal.SIGTERM, restore)


def _remove_orphaned_folders() -> None:
    """Remove this user's shared folders whose batch process is no longer running."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_SHARED_PREFIX}*-*"):
        pid = folder.name[len(_SHARED_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)  # raises when no such process
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, AttributeError):  # another user's process, or no os.getuid (Windows)
            continue


def _year_synthetic(out_dir: Path, year: int) -> bool:
    """Whether every authority-year of the year that the outputs hold is synthetic."""
    states = [read_state(p.parent) for p in (Path(out_dir) / str(year)).glob(f"*/{STATE_FILE}")]
    return bool(states) and all(state.get("synthetic") for state in states)


def _run_parallel(
    first: Sequence[Job],
    then: Callable[[], Sequence[Job]],
    workers: int,
    kernel_name: str,
    cwd: Path,
    env: Mapping[str, str],
    bar: tqdm,
    meanwhile: Callable[[], None] = lambda: None,
) -> list[JobOutcome]:
    """Run the ``first`` jobs on a pool of warm workers, then the jobs ``then()`` gives, calling
    ``meanwhile()`` in this process while the workers run those."""
    outcomes: list[JobOutcome] = []
    context = multiprocessing.get_context("spawn")  # no forked copies of the parent's threads
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(first) or workers)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(kernel_name, str(cwd), dict(env)),
    ) as pool:
        try:
            _collect(_submit(pool, first), outcomes, bar)
            pending = _submit(pool, then())
            meanwhile()
            _collect(pending, outcomes, bar)
        except BaseException:  # Ctrl-C, SIGTERM (SystemExit): stop now, not after the running jobs
            pool.shutdown(wait=False, cancel_futures=True)
            _stop_workers(multiprocessing.active_children())
            raise
    return outcomes


def _stop_workers(workers: Sequence[multiprocessing.process.BaseProcess],
                  grace: float = 5.0) -> None:
    """SIGTERM each worker (it stops its kernel on the way out, see :func:`_start_worker`), then
    SIGKILL any still running after ``grace`` seconds (its kernel, orphaned, stops itself)."""
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + grace
    for worker in workers:
        worker.join(max(deadline - time.monotonic(), 0.0))
        if worker.is_alive():
            worker.kill()
            worker.join()


def _submit(pool: ProcessPoolExecutor, job_list: Sequence[Job]) -> dict[Future[JobOutcome], Job]:
    return {pool.submit(_run_job_in_worker, job): job for job in job_list}


def _collect(pending: dict[Future[JobOutcome], Job], outcomes: list[JobOutcome],
             bar: tqdm) -> None:
    """Collect the jobs' outcomes as they finish."""
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            job = pending.pop(future)
            try:
                outcomes.append(future.result())
            except Exception as exc:  # the worker itself broke (its kernel never started)
                outcomes.append(JobOutcome(job.who, job.year, failures=[
                    Failure(job.who, job.year, "batch worker", short_message(exc))
                ]))
            bar.update(len(job.notebooks))


def run_batch(
    data_dir: Path,
    out_dir: Path,
    *,
    authorities: Sequence[str] = (),
    years: Sequence[int] = (),
    jobs: int = 1,
    force: bool = False,
    disclosure: str | None = None,
    timeout: int | None = None,
    notebooks: Sequence[Path] | None = None,
    parameters_dir: Path | None = None,
    kernel_name: str = KERNEL_NAME,
    progress: bool = True,
) -> BatchResult:
    """Plan and run a batch; see :func:`plan_batch` and :func:`run_plan`.

    ``evidence.reproduce`` calls this with the options the manifest recorded: ``authorities``,
    ``years``, ``disclosure``, ``timeout`` (and ``notebooks`` when not the project's own).
    """
    plan = plan_batch(
        data_dir, out_dir, authorities=authorities, years=years, notebooks=notebooks,
        parameters_dir=parameters_dir, disclosure=disclosure, timeout=timeout, force=force,
    )
    kernel_cwd = Path(notebooks[0]).parent if notebooks else None
    return run_plan(plan, out_dir, jobs=jobs, kernel_name=kernel_name, kernel_cwd=kernel_cwd,
                    progress=progress)
