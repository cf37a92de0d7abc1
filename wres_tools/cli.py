"""The ``wres`` command: parse, call the package, print, exit with a meaningful code.

Exit codes: 0 clean, 1 problems found in the data, 2 usage error (bad option, missing folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wres_tools import __version__
from wres_tools.paths import DEMO_DATA_DIR, KERNEL_NAME, NOTEBOOKS_DIR, OUTPUTS_DIR

if TYPE_CHECKING:  # imported where used: `wres --help` stays quick
    from wres_tools.contract import ValidationReport
    from wres_tools.parameters import Parameters


class _App(typer.Typer):
    """The command, with a last guard: an error no command foresaw is one line naming it, exit 1,
    never a traceback (``WRES_DEBUG=1`` shows the traceback)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the guard of last resort
            if os.environ.get("WRES_DEBUG"):
                raise
            Console(stderr=True, highlight=False).print(
                f"[bold red]error:[/] {escape(f'{type(exc).__name__}: {exc}')}", soft_wrap=True)
            sys.exit(EXIT_PROBLEMS)


app = _App(
    help="SC-WRES toolkit: validate returns, make synthetic data, compute metrics, run reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

DataDirOption = Annotated[
    Path,
    typer.Option(
        "--data-dir", "-d",
        help="Folder holding <authority>/<year>.xlsx or <authority>/<year>/*.csv",
    ),
]
ParametersDirOption = Annotated[
    Path | None,
    typer.Option(
        "--parameters-dir",
        help="Folder of <authority>.yml files "
        "[default: <data-dir>/parameters if present, else ./parameters]",
    ),
]


def _usage_error(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        console.print(f"wres_tools {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """SC-WRES toolkit."""


@app.command()
def validate(
    path: Annotated[
        Path | None, typer.Argument(help="One return (a .xlsx file or a folder of CSV files)")
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", "-d", help="Validate every return under this folder"),
    ] = None,
    parameters_dir: ParametersDirOption = None,
) -> None:
    """Check one return, or every return under a data folder, against the data contract."""
    from wres_tools.contract import Problem
    from wres_tools.parameters import check_parameters, resolve_parameters_dir
    from wres_tools.returns.find import ReturnRef, find_returns
    from wres_tools.returns.validate import validate_return

    if (path is None) == (data_dir is None):
        raise _usage_error("give either one return PATH or --data-dir, not both")
    unfound: list[Problem] = []  # folders that cannot be read, entries that cannot be returns
    try:
        if path is not None:
            refs = [ReturnRef.from_path(path)]
            root = path.resolve().parent.parent
        else:
            assert data_dir is not None  # exactly one of the two, checked above
            refs = find_returns(data_dir, unfound)
            root = data_dir
    except (FileNotFoundError, ValueError) as exc:
        raise _usage_error(str(exc)) from None
    for problem in unfound:
        err_console.print(f"[red]error[/] {escape(str(problem))}", soft_wrap=True)
    if not refs and not unfound:
        raise _usage_error(f"no returns found under {data_dir}")
    params_dir = resolve_parameters_dir(root, parameters_dir)

    summary = Table(title="Validation", show_lines=False)
    for col in ("authority", "year", "form", "errors", "notices", "status"):
        summary.add_column(col)
    failed = 0
    checked_params: dict[str, tuple[Parameters | None, ValidationReport]] = {}
    for ref in refs:
        first_of_authority = ref.authority not in checked_params
        if first_of_authority:
            checked_params[ref.authority] = check_parameters(ref.authority, params_dir)
        params, param_report = checked_params[ref.authority]
        report = validate_return(ref, params)
        problems = list(param_report.problems) + list(report.problems)
        errors = [p for p in problems if p.severity == "error"]
        notices = [p for p in problems if p.severity == "notice"]
        failed += bool(errors)
        summary.add_row(
            ref.authority, str(ref.year), ref.form, str(len(errors)), str(len(notices)),
            "[red]problems[/]" if errors else "[green]ok[/]",
        )
        # the parameter file's problems are printed once per authority, counted for each return
        shown = problems if first_of_authority else list(report.problems)
        for problem in shown:
            if problem.severity == "notice":
                console.print(f"[dim]notice[/] {escape(str(problem))}", soft_wrap=True)
            else:
                err_console.print(f"[red]error[/] {escape(str(problem))}", soft_wrap=True)
    console.print(summary)
    console.print(f"{len(refs)} return(s) checked, {failed} with problems"
                  + (f"; {len(unfound)} folder(s) or file(s) could not be read." if unfound
                     else "."))
    raise typer.Exit(EXIT_PROBLEMS if failed or unfound else EXIT_OK)


@app.command()
def synth(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the demo returns to")
    ] = DEMO_DATA_DIR,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same bytes")
    ] = 2021,
    authorities: Annotated[
        int | None, typer.Option(
            "--authorities", help="How many fictional authorities: the 18 demo ones first, "
            "then invented ones (national scale: 153) [default: 18]")
    ] = None,
    years: Annotated[
        int | None, typer.Option("--years", help="How many years from 2021 [default: 3]")
    ] = None,
) -> None:
    """Write the synthetic demo returns: 18 fictional authorities x 2021-2023, or as many
    authorities and years as asked for."""
    from wres_tools.demo.synth import authority_specs, generate, synthetic_years

    try:
        chosen_years = synthetic_years(years)
        count = len(authority_specs(authorities))
    except ValueError as exc:
        flag = "--years" if years is not None and "years" in str(exc) else "--authorities"
        raise _usage_error(f"{flag}: {exc}") from None
    written = generate(out, seed=seed, authorities=authorities, years=years)
    span = f"{chosen_years[0]}-{chosen_years[-1]}" if len(chosen_years) > 1 else chosen_years[0]
    console.print(f"Wrote {len(written)} synthetic returns and their parameter files to {out} "
                  f"({count} authorities x {span})")


@app.command()
def template(
    authority: Annotated[
        str, typer.Option("--authority", "-a", help="The authority's folder name")
    ],
    year: Annotated[int, typer.Option("--year", "-y", help="The reporting year")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The workbook to write (.xlsx)")],
    record_level: Annotated[
        bool, typer.Option("--record-level", help="Sheets for one row per person instead")
    ] = False,
    no_service_split: Annotated[
        bool, typer.Option("--no-service-split", help="No service column (one department)")
    ] = False,
    parameters_dir: ParametersDirOption = None,
) -> None:
    """Write a fill-in workbook for one authority and year: instructions, one sheet per table
    with its headers, dropdowns, and the authority's pay bands when its parameter file has them."""
    from wres_tools.parameters import check_parameters, resolve_parameters_dir
    from wres_tools.returns.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise _usage_error(f"--out {out}: expected a file name ending .xlsx")
    params_dir = resolve_parameters_dir(None, parameters_dir)
    params, report = check_parameters(authority, params_dir)
    for problem in report.problems:
        if problem.severity == "error":
            err_console.print(f"[red]error[/] {escape(str(problem))}", soft_wrap=True)
    if params is None:
        raise typer.Exit(EXIT_PROBLEMS)
    written = write_template(out, authority, year, params, record_level=record_level,
                             service_split=not no_service_split)
    bands = f" with {len(params.pay_bands)} pay bands" if params.pay_bands else ""
    console.print(f"Wrote the {year} template for {params.display_name}{bands} to {written}; "
                  f"fill it in and save it as <data folder>/{authority}/{year}.xlsx")


@app.command()
def metrics(
    authority: Annotated[
        str, typer.Option("--authority", "-a", help="The authority's folder name")
    ],
    year: Annotated[int, typer.Option("--year", "-y", help="The reporting year")],
    data_dir: DataDirOption = DEMO_DATA_DIR,
    parameters_dir: ParametersDirOption = None,
    disclosure: Annotated[
        str, typer.Option(help="internal (every count, for your own screen) or published")
    ] = "internal",
    as_json: Annotated[
        bool, typer.Option("--json", help="The result records as JSON (the data contract's keys)")
    ] = False,
    all_groups: Annotated[
        bool, typer.Option("--all-groups", help="Also each high-level group, not only minority")
    ] = False,
) -> None:
    """Print one authority-year's results: a table, or with --json the result records."""
    from wres_tools.contract import ReturnError
    from wres_tools.parameters import ParameterError

    if disclosure not in ("published", "internal"):
        raise _usage_error(f"--disclosure {disclosure!r}: expected published or internal")
    unreadable = _unreadable(data_dir, authority)
    if unreadable:
        for problem in unreadable:
            err_console.print(f"[red]error[/] {escape(str(problem))}", soft_wrap=True)
        raise typer.Exit(EXIT_PROBLEMS)
    try:
        if as_json:  # the records only: no report, chart or notebook machinery to import
            typer.echo(year_records_json(authority, year, data_dir, disclosure, parameters_dir))
            raise typer.Exit(EXIT_OK)
        from wres_tools.reporting.report import load

        data = load(authority, year, data_dir, disclosure_mode=disclosure,
                    parameters_dir=parameters_dir)
    except FileNotFoundError as exc:
        raise _usage_error(str(exc)) from None
    except (ReturnError, ParameterError) as exc:
        err_console.print(escape(str(exc)), soft_wrap=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    except OSError as exc:
        err_console.print(f"[red]error[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    from wres_tools.reporting.terminal import results_table

    if data.disclosure == "internal":
        console.print("[bold yellow]Internal use only: contains small numbers.[/]")
    if data.synthetic:
        console.print("[bold]Synthetic demo data: not a real authority.[/]")
    shown = data.results if all_groups else data.results[data.results["group"] == "minority"]
    title = f"{data.display_name}, {data.year} ({data.disclosure})"
    table = results_table(data, shown, title=title)
    Console(highlight=False, width=max(console.width, 160)).print(table)


def _unwritable(out: Path) -> str | None:
    """Why the reports cannot be written into ``out`` (read-only, not a folder), or None."""
    import tempfile

    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        return f"{out}: cannot write the reports there ({exc.strerror or exc})"
    return None


def _unreadable(data_dir: Path, authority: str) -> list[Any]:
    """The errors finding the returns meets in one authority's folder (it cannot be read, a year
    named like a return is a broken link or a pipe)."""
    from wres_tools.returns.find import find_returns

    found: list[Any] = []
    if data_dir.is_dir():
        find_returns(data_dir, found)
    folder = data_dir / authority
    return [p for p in found if Path(p.file) == folder or Path(p.file).parent == folder]


def year_records_json(authority: str, year: int, data_dir: Path, disclosure: str,
                      parameters_dir: Path | None = None) -> str:
    """One authority-year's result records through disclosure control, as JSON (keys sorted,
    null for a missing value): the records ``report.load(...).results`` holds and the batch
    writes to metrics.json (a test proves all three agree), computed from this year's return
    alone, so that one return answers in about a second."""
    import json

    from wres_tools import computed
    from wres_tools.contract import plain
    from wres_tools.parameters import load_parameters, resolve_parameters_dir
    from wres_tools.returns.find import find_returns

    params = load_parameters(authority, resolve_parameters_dir(data_dir, parameters_dir))
    ref = next((r for r in find_returns(data_dir)
                if r.authority == authority and r.year == year), None)
    if ref is None:
        raise FileNotFoundError(f"{data_dir}: no return for authority {authority!r} and year "
                                f"{year}")
    _, _, published = computed.published_return(ref, params, disclosure)

    def json_value(value: object) -> object:
        return list(value) if isinstance(value, tuple) else plain(value)  # withheld: a list

    records = [{str(k): json_value(v) for k, v in record.items()}
               for record in published.to_dict(orient="records")]
    return json.dumps(records, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


@app.command()
def run(
    data_dir: DataDirOption = DEMO_DATA_DIR,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the reports")] = OUTPUTS_DIR,
    authority: Annotated[
        list[str] | None,
        typer.Option("--authority", "-a", help="Only this authority (repeat; default: all)"),
    ] = None,
    year: Annotated[
        list[int] | None, typer.Option("--year", "-y", help="Only this year (repeat; default: all)")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Worker processes, one kernel each")
    ] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Redo reports whose inputs did not change")
    ] = False,
    disclosure: Annotated[
        str | None,
        typer.Option(help="published or internal (default: the parameters' setting, published)"),
    ] = None,
    timeout: Annotated[
        int | None,
        typer.Option(min=1, help="Seconds per notebook (default: execution_timeout, 600)"),
    ] = None,
    parameters_dir: ParametersDirOption = None,
    notebooks: Annotated[
        Path, typer.Option("--notebooks", help="Folder of the report notebooks")
    ] = NOTEBOOKS_DIR,
    kernel: Annotated[
        str, typer.Option(help="Jupyter kernel to run the notebooks on")
    ] = KERNEL_NAME,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar")
    ] = True,
) -> None:
    """Run the report notebooks for every return (or the chosen ones) into HTML, with an index.

    Exit codes: 0 every report made (or unchanged), 1 some report failed, 2 usage error.
    """
    from wres_tools.batch.plan import plan_batch, report_notebooks
    from wres_tools.batch.run import run_plan

    if disclosure not in (None, "published", "internal"):
        raise _usage_error(f"--disclosure {disclosure!r}: expected published or internal")
    if not data_dir.is_dir():
        raise _usage_error(f"{data_dir}: data folder not found (make demo writes data/demo)")
    unwritable = _unwritable(out)
    if unwritable:
        raise _usage_error(unwritable)
    report_list = report_notebooks(notebooks)
    if not report_list:
        raise _usage_error(f"{notebooks}: no report notebooks (*.ipynb) found")
    from wres_tools.inputkey import InputKeyError

    try:
        plan = plan_batch(
            data_dir, out, authorities=authority or (), years=year or (),
            notebooks=report_list, parameters_dir=parameters_dir, disclosure=disclosure,
            timeout=timeout, force=force,
        )
    except InputKeyError as exc:
        raise _usage_error(str(exc)) from None
    if plan.total == 0 and not plan.failures:
        wanted = ", ".join([*(authority or []), *(str(y) for y in year or [])]) or "any"
        raise _usage_error(f"no returns under {data_dir} match {wanted}")
    result = run_plan(plan, out, jobs=jobs, kernel_name=kernel, kernel_cwd=notebooks,
                      progress=progress)
    rate = result.made / result.seconds if result.seconds and result.made else 0.0
    console.print(f"made {result.made} reports in {result.seconds:.1f} s "
                  f"({rate:.1f} reports/s, {jobs} worker(s))")
    if result.skipped:
        console.print(f"skipped {result.skipped} unchanged reports; --force to redo")
    for failure in result.failures:
        err_console.print(f"[red]failed[/] {failure}", soft_wrap=True, markup=True)
    console.print(f"index: {result.index}")
    if result.failures:
        err_console.print(f"{len(result.failures)} report(s) failed.")
    raise typer.Exit(EXIT_PROBLEMS if result.failures else EXIT_OK)


@app.command()
def reproduce(
    manifest: Annotated[Path, typer.Argument(help="A batch's outputs/manifest.json")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="A fresh (empty) folder to re-run into [default: a new "
                     "folder beside the manifest's, <folder>-reproduced-<n>]"),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", "-d", help="Where the inputs are now [default: as recorded]"),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes")] = 1,
) -> None:
    """Re-run a batch from its manifest into a fresh folder and report every result that differs.

    Without --out the folder is a new one beside the manifest's (outputs/manifest.json ->
    outputs-reproduced-1, or the next number free), named in the first line printed.
    Exit codes: 0 every result reproduced, 1 a difference (or a changed input), 2 usage error.
    """
    from functools import partial

    from wres_tools.batch.run import run_batch
    from wres_tools.evidence.manifest import ManifestError
    from wres_tools.evidence.reproduce import reproduce as reproduce_batch

    try:
        report = reproduce_batch(manifest, out, partial(run_batch, jobs=jobs, progress=False),
                                 data_dir=data_dir, own_notebooks=NOTEBOOKS_DIR)
    except (ManifestError, FileExistsError, FileNotFoundError) as exc:
        raise _usage_error(str(exc)) from None
    for line in report.lines:
        console.print(escape(line), soft_wrap=True)
    raise typer.Exit(EXIT_OK if report.ok else EXIT_PROBLEMS)


if __name__ == "__main__":  # pragma: no cover
    app()
