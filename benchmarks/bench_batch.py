"""Benchmark: the warm-kernel batch against papermill's default (a new kernel per notebook).

    python -m benchmarks.bench_batch [--data-dir data/demo] [--jobs 2] [--sample 10]

The warm side runs the whole batch (every notebook for every return, ``--force``) as ``wres run``
does. The cold side runs the first ``--sample`` of the same reports the way papermill does by
default, each on a kernel of its own, on as many worker processes; the whole batch's cold time is
projected from that rate. Both sides make the same HTML pages (the cold side keeps them in
memory). Without the data folder, the synthetic demo returns are made in a temporary folder.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import papermill

from wres_tools.batch.export import notebook_html
from wres_tools.batch.plan import plan_batch, report_notebooks, report_title
from wres_tools.batch.run import run_plan
from wres_tools.parameters import load_parameters
from wres_tools.paths import DEMO_DATA_DIR, KERNEL_NAME, NOTEBOOKS_DIR


def _cold_report(task: tuple[str, dict, str, str, int | None, str]) -> None:
    """One report the papermill way: a new kernel, imports and all, then the same HTML export."""
    notebook, parameters, title, kernel_name, timeout, cwd = task
    executed = papermill.execute_notebook(
        notebook, None, parameters=parameters, kernel_name=kernel_name,
        execution_timeout=timeout, progress_bar=False, cwd=cwd,
    )
    notebook_html(executed, title=title)


def cold_sample(plan, sample: int, jobs: int, kernel_name: str, cwd: Path) -> tuple[int, float]:
    """Run the plan's first ``sample`` reports with papermill's defaults on ``jobs`` processes."""
    tasks = []
    for job in plan.jobs:
        if job.authority is None:  # the yearly reports across authorities: not sampled
            continue
        display_name = load_parameters(job.authority, job.parameters_dir).display_name
        parameters = {
            "authority": job.authority, "year": int(job.year),
            "data_dir": str(Path(job.data_dir).resolve()),
            "parameters_dir": str(Path(job.parameters_dir).resolve()),
            "disclosure": job.disclosure,
        }
        for notebook in job.notebooks:
            title = report_title(display_name, job.year, notebook)
            tasks.append((str(notebook), parameters, title, kernel_name, job.timeout, str(cwd)))
    tasks = tasks[:sample]
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_cold_report, tasks))
    return len(tasks), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEMO_DATA_DIR)
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS_DIR)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--sample", type=int, default=12, help="reports run the slow way")
    parser.add_argument("--kernel", default=KERNEL_NAME)
    args, _ = parser.parse_known_args(argv)  # python -m benchmarks passes all options to all

    with tempfile.TemporaryDirectory(prefix="wres-bench-") as tmp:
        data_dir = args.data_dir
        if not data_dir.is_dir():
            from wres_tools.demo.synth import generate

            data_dir = Path(tmp) / "demo"
            print(f"{args.data_dir} not found: making the synthetic demo returns in {data_dir}")
            generate(data_dir)
        notebooks = report_notebooks(args.notebooks)
        out = Path(tmp) / "outputs"
        plan = plan_batch(data_dir, out, notebooks=notebooks, force=True)
        per_year = sum(1 for job in plan.jobs if job.authority is None)
        print(f"{plan.reports} reports: {len(plan.jobs) - per_year} authority-years and "
              f"{per_year} year-wide jobs, {len(notebooks)} notebooks, {args.jobs} worker(s), "
              f"{os.cpu_count()} CPU(s)")

        warm = run_plan(plan, out, jobs=args.jobs, kernel_name=args.kernel,
                        kernel_cwd=args.notebooks)
        warm_rate = warm.made / warm.seconds
        print(f"warm pool: {warm.made} reports in {warm.seconds:.1f} s = {warm_rate:.2f} reports/s "
              f"({len(warm.failures)} failed)")

        count, seconds = cold_sample(plan, args.sample, args.jobs, args.kernel, args.notebooks)
        cold_rate = count / seconds
        projected = plan.reports / cold_rate
        print(f"papermill default: {count} reports in {seconds:.1f} s = {cold_rate:.2f} "
              f"reports/s; all {plan.reports} would take about {projected:.0f} s "
              f"({projected / 60:.1f} min)")
        print(f"ratio: the warm pool makes reports {warm_rate / cold_rate:.1f} times as fast")
    return 1 if warm.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
