"""Run a plan: each authority-year's notebooks on one warm kernel per worker process, failures
recorded and the batch going on, then the index and the evidence.
"""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from wres_tools.batch.export import (
    banners_for,
    notebook_html,
    report_navigation,
)
from wres_tools.batch.index import INDEX_FILE, build_index, year_synthetic
from wres_tools.batch.kernels import WarmKernel
from wres_tools.batch.plan import (
    ACROSS_AUTHORITIES,
    Failure,
    Job,
    Plan,
    plan_batch,
    report_title,
    short_message,
)
from wres_tools.batch.state import STATE_FILE, read_state, results_json
from wres_tools.evidence.manifest import METRICS_FILE
from wres_tools.files import write_atomic
from wres_tools.paths import CACHE_DIR_ENV, KERNEL_NAME, NOTEBOOKS_DIR


@dataclass
class JobOutcome:
    authority: str  # or ACROSS_AUTHORITIES
    year: int
    made: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


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


# Runs on the job's kernel before its notebooks: the published results through the same cached
# ``report.load`` the notebooks call, so metrics.json holds exactly what the reports show and the
# return is read and computed once per authority-year.
_PREPARE = """
def _wres_prepare(authority, year, data_dir, parameters_dir, mode):
    import json
    import pandas as pd
    from wres_tools.reporting import report

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
        problem = write_state(job, fingerprints, display_name, synthetic)
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
                nav=report_navigation(job.year, job.year_pages, current=name,
                                      across_authorities=job.authority is None),
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


def _run_job_in_worker(job: Job) -> JobOutcome:
    return run_job(job)


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
        return [replace(j, synthetic=year_synthetic(out_dir, j.year)) for j in phases[1]]

    evidence_failures: list[Failure] = []

    def evidence(cache_dir: str | None = None) -> None:
        if not (plan.refs and plan.data_dir is not None and plan.parameters_dir is not None):
            return
        try:
            from wres_tools.batch.finish import write_evidence

            write_evidence(plan.data_dir, plan.refs, plan.parameters_dir, plan.options, out_dir,
                           cache_dir=cache_dir)
        except Exception as exc:  # the reports stand; say what is missing
            evidence_failures.append(
                Failure(ACROSS_AUTHORITIES, None, "manifest.json", short_message(exc)))

    outcomes: list[JobOutcome] = []
    bar = tqdm(total=plan.reports, unit="report", disable=not progress or not plan.reports,
               desc="reports")
    try:
        if plan.jobs and jobs > 1:
            with shared_folder() as shared:
                outcomes = _run_parallel(phases[0], year_jobs, jobs, kernel_name, cwd,
                                         {CACHE_DIR_ENV: shared}, bar,
                                         meanwhile=lambda: evidence(shared))
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
def shared_folder() -> Iterator[str]:
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


def write_state(
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
