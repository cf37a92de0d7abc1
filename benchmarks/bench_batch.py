"""Benchmark: the warm-kernel batch against papermill's default (a new kernel per notebook).

    python -m benchmarks.bench_batch [--data-dir data/demo] [--jobs 2] [--sample 10]

The warm side runs the whole batch (every notebook for every return, ``--force``) as ``wres run``
does. The cold side runs a sample of the same reports the way papermill does by default, one
after another in this process, each on a kernel of its own; the full batch's cold time is that
sample's time per report times the number of reports, divided by the workers. Both sides write
the same HTML pages. Without the data folder, the synthetic demo returns are made in a temporary
folder first.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import papermill

from wres_tools.batch import plan_batch, report_notebooks, report_title, run_plan
from wres_tools.export import banners_for, notebook_html
from wres_tools.parameters import load_parameters
from wres_tools.paths import DEMO_DATA_DIR, KERNEL_NAME, NOTEBOOKS_DIR


def cold_sample(plan, sample: int, kernel_name: str, cwd: Path) -> tuple[int, float]:
    """Run up to ``sample`` reports of the plan with papermill's defaults; (count, seconds)."""
    done, started = 0, time.perf_counter()
    for job in plan.jobs:
        params = load_parameters(job.ref.authority, job.parameters_dir)
        parameters = {
            "authority": job.ref.authority, "year": int(job.ref.year),
            "data_dir": str(Path(job.data_dir).resolve()),
            "parameters_dir": str(Path(job.parameters_dir).resolve()),
            "disclosure": job.disclosure,
        }
        for notebook in job.notebooks:
            if done >= sample:
                return done, time.perf_counter() - started
            executed = papermill.execute_notebook(
                str(notebook), None, parameters=parameters, kernel_name=kernel_name,
                execution_timeout=job.timeout, progress_bar=False, cwd=str(cwd),
            )
            notebook_html(executed, title=report_title(params.display_name, job.ref.year, notebook),
                          banners=banners_for(job.disclosure, params.synthetic))
            done += 1
    return done, time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEMO_DATA_DIR)
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS_DIR)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--sample", type=int, default=10, help="reports run the slow way")
    parser.add_argument("--kernel", default=KERNEL_NAME)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="wres-bench-") as tmp:
        data_dir = args.data_dir
        if not data_dir.is_dir():
            from wres_tools.synth import generate

            data_dir = Path(tmp) / "demo"
            print(f"{args.data_dir} not found: making the synthetic demo returns in {data_dir}")
            generate(data_dir)
        notebooks = report_notebooks(args.notebooks)
        out = Path(tmp) / "outputs"
        plan = plan_batch(data_dir, out, notebooks=notebooks, force=True)
        print(f"{plan.reports} reports: {len(plan.jobs)} returns x {len(notebooks)} notebooks, "
              f"{args.jobs} worker(s), {os.cpu_count()} CPU(s)")

        warm = run_plan(plan, out, jobs=args.jobs, kernel_name=args.kernel,
                        kernel_cwd=args.notebooks)
        warm_rate = warm.made / warm.seconds
        print(f"warm pool: {warm.made} reports in {warm.seconds:.1f} s = {warm_rate:.2f} reports/s "
              f"({len(warm.failures)} failed)")

        count, seconds = cold_sample(plan, args.sample, args.kernel, args.notebooks)
        per_report = seconds / count
        projected = per_report * plan.reports / args.jobs
        print(f"papermill default: {count} reports in {seconds:.1f} s = {per_report:.2f} s per "
              f"report = {1 / per_report:.2f} reports/s per worker; the batch would take about "
              f"{projected:.0f} s ({projected / 60:.1f} min) with {args.jobs} worker(s)")
        print(f"ratio: the warm pool is {projected / warm.seconds:.1f} times as fast")


if __name__ == "__main__":
    main()
