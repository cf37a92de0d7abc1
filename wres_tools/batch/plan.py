"""Plan a batch: which notebooks to run for which authority-years, with their parameters and
fingerprints, and which work is already done.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill

from wres_tools import __version__
from wres_tools.batch.kernels import CodeError
from wres_tools.batch.state import code_digest, digest_paths, fingerprint, read_state
from wres_tools.contract import Problem
from wres_tools.evidence.manifest import METRICS_FILE
from wres_tools.inputkey import input_key
from wres_tools.paths import KERNEL_NAME, NOTEBOOKS_DIR, PARAMETERS_DIR

# -- what to run -------------------------------------------------------------------------------


def report_order(stem: str) -> tuple[int, int, str]:
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
    return sorted(reports, key=lambda p: report_order(p.stem))


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


def parameter_files(authority: str, parameters_dir: Path) -> list[Path]:
    """The files an authority's parameters are read from (as ``check_parameters`` finds them)."""
    defaults = Path(parameters_dir) / "defaults.yml"
    if not defaults.exists():
        defaults = PARAMETERS_DIR / "defaults.yml"
    return [defaults, Path(parameters_dir) / f"{authority}.yml"]


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
    #: the year's reports across authorities (file names), which each of its pages links to
    year_pages: tuple[str, ...] = ()

    @property
    def who(self) -> str:
        return self.authority if self.authority is not None else ACROSS_AUTHORITIES


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
    from wres_tools.parameters import ParameterError, load_parameters, resolve_parameters_dir
    from wres_tools.returns.find import find_returns

    data_dir = Path(data_dir)
    out_dir = Path(out_dir)
    parameters_dir = resolve_parameters_dir(data_dir, parameters_dir)
    notebooks = [Path(nb) for nb in (report_notebooks() if notebooks is None else notebooks)]
    per_authority = [nb for nb in notebooks if takes_authority(nb)]
    per_year = [nb for nb in notebooks if nb not in per_authority]
    year_pages = tuple(f"{nb.stem}.html" for nb in per_year)  # linked from every page: see Job
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
            chosen: list[Path], base: tuple[str, ...], metrics: bool,
            year_wide: str = "") -> None:
        nonlocal skipped, reports
        wanted = {METRICS_FILE: fingerprint(*base, METRICS_FILE)} if metrics else {}
        wanted |= {f"{nb.stem}.html": fingerprint(*base, nb.name, notebook_digests[nb],
                                                  *((year_wide,) if reads_the_year(nb) else ()))
                   for nb in chosen}
        stale = _stale(target, wanted, force)
        todo = tuple(nb for nb in chosen if f"{nb.stem}.html" in stale)
        skipped += len(chosen) - len(todo)
        if stale:
            reports += len(todo)
            jobs.append(Job(authority, year, data_dir, parameters_dir, target, mode, limit, todo,
                            METRICS_FILE in stale, wanted, year_pages=year_pages))

    year_wide: dict[int, str] = {}  # what an authority's page that reads its year rests on
    if any(reads_the_year(nb) for nb in per_authority):
        try:
            every_setting = parameter_folder_digest(parameters_dir, key)
            year_wide = {year: fingerprint(digest, every_setting) for year, digest in
                         year_digests(all_refs, data_dir, key).items()}
        except OSError as exc:
            failures += [Failure(ACROSS_AUTHORITIES, year, "return", short_message(exc))
                         for year in sorted({r.year for r in refs})]
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
        base = (inputs, settings, code, mode, __version__, *year_pages)
        for ref in authority_refs:
            add(authority, ref.year, out_dir / str(ref.year) / authority, mode, limit,
                per_authority, base, metrics=True, year_wide=year_wide.get(ref.year, ""))

    if per_year and not authorities:
        try:
            defaults = load_parameters(_NO_AUTHORITY, parameters_dir)  # defaults.yml alone
            inputs_to = year_inputs(all_refs, data_dir, key)
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
            for year in sorted({r.year for r in refs}):
                base = (inputs_to[year], settings, code, mode, __version__, *year_pages)
                add(None, year, out_dir / str(year), mode, limit, per_year, base, metrics=False)
    options: dict[str, Any] = {
        "authorities": sorted(authorities), "years": sorted(years), "disclosure": disclosure,
        "timeout": timeout,
    }
    if notebooks != report_notebooks():
        options["notebooks"] = [str(Path(nb).resolve()) for nb in notebooks]
    return Plan(jobs, skipped, failures, reports, data_dir, parameters_dir, refs, options)


#: The notebooks that take an authority but whose pages also state figures made from every
#: authority's return of their year: the summary's benchmark section (``report.year_benchmark``:
#: the funnel's pooled figure and limits, the authority's place on it, the other authorities'
#: names from their parameter files). Their fingerprint holds their year's returns and the whole
#: parameter folder too, so another authority's changed return re-makes them, never leaves them
#: stating a benchmark the year's benchmarking page no longer shows.
READS_THE_YEAR: frozenset[str] = frozenset({"summary"})


def reads_the_year(notebook: Path) -> bool:
    """Whether ``notebook``'s page rests on every return of its year (:data:`READS_THE_YEAR`)."""
    return notebook.stem in READS_THE_YEAR


def parameter_folder_digest(parameters_dir: Path, key: bytes) -> str:
    """The keyed digest of every file of the parameter folder: what a page or piece that names
    every authority (their display names, bands, regions) rests on."""
    return digest_paths(sorted(p for p in Path(parameters_dir).glob("*") if p.is_file()),
                        key=key)


def year_digests(refs: Sequence[Any], data_dir: Path, key: bytes) -> dict[int, str]:
    """For each year of ``refs``: the digest of every return of that year (in ``refs`` order),
    each return hashed once (``digest_paths`` of one path)."""
    by_year: dict[int, list[str]] = {}
    for ref in refs:
        by_year.setdefault(ref.year, []).append(digest_paths([ref.path], data_dir, key))
    return {year: fingerprint(str(year), *digests) for year, digests in sorted(by_year.items())}


def year_inputs(refs: Sequence[Any], data_dir: Path, key: bytes) -> dict[int, str]:
    """For each year of ``refs``: the digest of every return of that year and the years before.

    What a year's pages across authorities rest on: the benchmarking page reads the returns of
    its own year, the national page those of its year and every earlier one (its trend). So a
    changed return of year Y re-makes the year pages of Y and later, never those of an earlier
    year. The years' own digests (:func:`year_digests`) are chained.
    """
    out: dict[int, str] = {}
    upto = ""
    for year, digest in year_digests(refs, data_dir, key).items():
        upto = fingerprint(upto, digest)
        out[year] = upto
    return out


def _unfound_failure(problem: Problem, data_dir: Path) -> Failure:
    """A folder or entry finding the returns could not use, as the failure of its authority."""
    path = Path(problem.file)
    if path == data_dir:
        return Failure(ACROSS_AUTHORITIES, None, "return", f"{problem.message} ({path})")
    authority = path.name if path.parent == data_dir else path.parent.name
    year = path.name.split(".")[0] if path.parent != data_dir else ""
    return Failure(authority, int(year) if year.isdigit() else None, "return",
                   f"{problem.message} ({path})")

_MESSAGE_LINES = 3
_MESSAGE_CHARS = 400


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
#: How failures and titles name the reports of a year that take no authority.
ACROSS_AUTHORITIES = "all authorities"
#: An authority name no data folder holds (io skips names starting "_"): defaults.yml alone.
_NO_AUTHORITY = "_defaults"
