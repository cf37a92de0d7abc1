"""Benchmark: the batch at national scale, end to end, and how its year-wide pages grow.

    python -m benchmarks.bench_scale [--authorities 153] [--years 5] [--jobs 2]
                                     [--sweep 20,40,80,153] [--skip full,change,sweep]

``full``: ``wres synth --authorities N --years K`` into a temporary folder, then ``wres run`` on
it in a subprocess, as a user runs it: wall time, reports per second, the peak resident memory of
the whole process tree (the batch, its workers and their kernels, sampled every 0.2 s with
psutil; shared pages are counted once per process, so this is an upper bound), and the size of
the output folder and of results.csv.

``change``: on that output, one return altered (the first authority's last year regenerated with
another seed, as a corrected return would arrive) and the batch run again; then once more with
nothing changed. Both print the wall time and the reports made; for the change, the seconds
beyond its own reports (the authority's pages, at the full run's rate): the plan, the year-wide
pages it re-makes, the evidence files and the index.

``sweep``: for each authority count, one synthetic year, every year-wide notebook (benchmarking,
national) and a summary run twice on one warm kernel: the first run reads, computes and publishes
every return; the second, returns cached as a batch worker has them, is the page's own work. The
per-authority column shows whether a page grows linearly (flat) or faster (rising).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from wres_tools.batch.plan import report_notebooks, takes_authority
from wres_tools.paths import NOTEBOOKS_DIR

#: Not run by a bare ``python -m benchmarks`` (``make bench``): half an hour at full size.
BY_DEFAULT = False
PHASES = ("full", "change", "sweep")
_MADE = re.compile(r"made (\d+) reports in ([\d.]+) s")


@dataclass
class Run:
    """One ``wres run`` subprocess: its wall time, peak tree RSS, reports made, exit code."""

    seconds: float
    peak_rss: int
    made: int
    batch_seconds: float
    code: int
    output: str


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of ``process`` and all its descendants (0 for any that just ended)."""
    total = 0
    for each in [process, *process.children(recursive=True)]:
        try:
            total += each.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_batch_cli(data_dir: Path, out: Path, jobs: int, *extra: str) -> Run:
    """``wres run`` in a subprocess, its process tree's memory sampled until it ends."""
    command = [sys.executable, "-m", "wres_tools.cli", "run", "--data-dir", str(data_dir),
               "--out", str(out), "--jobs", str(jobs), "--no-progress", *extra]
    started = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, tree_rss(process))
            except psutil.NoSuchProcess:
                return
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    match = _MADE.search(output or "")
    return Run(seconds, peak, int(match.group(1)) if match else 0,
               float(match.group(2)) if match else float("nan"), process.returncode,
               output or "")


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def full(data: Path, out: Path, authorities: int, years: int, jobs: int) -> Run:
    """Synthesise, then run the whole batch; print what it took."""
    from wres_tools.demo.synth import generate

    started = time.perf_counter()
    generate(data, authorities=authorities, years=years)
    print(f"synth: {authorities} authorities x {years} years in "
          f"{time.perf_counter() - started:.1f} s ({_mb(folder_bytes(data))})")
    run = run_batch_cli(data, out, jobs)
    if run.code:
        print(run.output[-3000:])
    results = out / "results.csv"
    print(f"full batch: {run.made} reports in {run.seconds:.1f} s wall "
          f"({run.seconds / 60:.1f} min; the batch's own clock {run.batch_seconds:.1f} s) = "
          f"{run.made / run.seconds:.2f} reports/s; peak RSS of the process tree "
          f"{_mb(run.peak_rss)}; output {_mb(folder_bytes(out))}, results.csv "
          f"{_mb(results.stat().st_size) if results.exists() else 'absent'}; exit {run.code}")
    return run


def change(data: Path, out: Path, authorities: int, years: int, jobs: int,
           rate: float | None) -> None:
    """Alter one return (first authority, last year, another seed) and run again; then again
    with nothing changed."""
    from wres_tools.demo.synth import DEFAULT_SEED, generate
    from wres_tools.returns.find import find_returns

    refs = find_returns(data)
    last = max(r.year for r in refs)
    target = next(r for r in refs if r.year == last)
    with tempfile.TemporaryDirectory(prefix="wres-scale-seed-") as other:
        generate(Path(other), seed=DEFAULT_SEED + 1, authorities=1, years=years)
        source = Path(other) / target.authority / target.path.name
        if target.path.is_dir():
            shutil.rmtree(target.path)
            shutil.copytree(source, target.path)
        else:
            shutil.copyfile(source, target.path)
    per_authority = [nb for nb in report_notebooks() if takes_authority(nb)]
    own = len(per_authority) * len({r.year for r in refs if r.authority == target.authority})
    run = run_batch_cli(data, out, jobs)
    own_seconds = own / rate if rate else float("nan")
    print(f"one changed return ({target.authority} {last}): {run.made} reports made in "
          f"{run.seconds:.1f} s wall, {own} of them its authority's own (about "
          f"{own_seconds:.1f} s at the full run's rate): {run.seconds - own_seconds:.1f} s "
          f"beyond its own reports; peak RSS {_mb(run.peak_rss)}; exit {run.code}")
    again = run_batch_cli(data, out, jobs)
    print(f"nothing changed: {again.made} reports made in {again.seconds:.1f} s wall "
          f"(plan, evidence files, index); exit {again.code}")


def sweep(counts: list[int], workdir: Path) -> None:
    """Each year-wide notebook and a summary, cold and warm, for each authority count."""
    from wres_tools.batch.kernels import WarmKernel
    from wres_tools.demo.synth import generate

    notebooks = report_notebooks()
    per_year = [nb for nb in notebooks if not takes_authority(nb)]
    summary = [nb for nb in notebooks if nb.stem == "summary"]
    print(f"{'authorities':>11}  {'notebook':<14} {'cold s':>7} {'warm s':>7} "
          f"{'warm ms/authority':>18}")
    kernel = WarmKernel(cwd=NOTEBOOKS_DIR)
    kernel.start()
    try:
        for count in counts:
            data = workdir / f"sweep-{count}"
            generate(data, authorities=count, years=1)
            year = 2021
            base = {"year": year, "data_dir": str(data.resolve()),
                    "parameters_dir": str((data / "parameters").resolve()),
                    "disclosure": "published"}
            for notebook in [*per_year, *summary]:
                parameters = dict(base)
                if takes_authority(notebook):
                    parameters["authority"] = "ashbury"
                times = []
                for _ in range(2):
                    started = time.perf_counter()
                    kernel.execute(notebook, parameters, timeout=None)
                    times.append(time.perf_counter() - started)
                print(f"{count:>11}  {notebook.stem:<14} {times[0]:>7.2f} {times[1]:>7.2f} "
                      f"{times[1] / count * 1000:>18.1f}")
            kernel.evaluate("from wres_tools import computed; computed.clear()")
            shutil.rmtree(data)
    finally:
        kernel.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=153)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--sweep", default="20,40,80,153",
                        help="authority counts for the year-wide pages, comma-separated")
    parser.add_argument("--skip", default="", help=f"phases to leave out, of {', '.join(PHASES)}")
    args, _ = parser.parse_known_args(argv)  # python -m benchmarks passes all options to all
    skip = {s for s in args.skip.split(",") if s}
    if skip - set(PHASES):
        print(f"--skip {args.skip}: expected some of {', '.join(PHASES)}", file=sys.stderr)
        return 2
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPU(s), load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
          f"{args.jobs} worker(s)")
    status = 0
    with tempfile.TemporaryDirectory(prefix="wres-scale-") as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "outputs"
        rate = None
        if "full" not in skip:
            run = full(data, out, args.authorities, args.years, args.jobs)
            status = max(status, 1 if run.code else 0)
            rate = run.made / run.seconds if run.seconds else None
            if "change" not in skip:
                change(data, out, args.authorities, args.years, args.jobs, rate)
        if "sweep" not in skip:
            sweep([int(c) for c in args.sweep.split(",") if c], Path(tmp))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
