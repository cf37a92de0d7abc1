"""How fast benchmarking across authorities is: one year of the demo returns end to end, and the
funnel statistics and plot for all 153 English councils with social services responsibilities.

The year run (``--data-dir``, default data/demo; generated with ``wres synth`` into a temporary
folder when absent) reads, validates, computes, applies disclosure and benchmarks every ratio
metric. The 153-authority run draws disciplinary counts in memory (seeded) and times
``benchmark`` and ``funnel_plot`` alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from tests.builders import make_params, make_return
from wres_tools.benchmarking import benchmark_year
from wres_tools.demo import synth
from wres_tools.funnel import benchmark
from wres_tools.metrics import compute_all
from wres_tools.reporting.benchmarking import funnel_plot


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def councils(n: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """n authorities' result records from seeded disciplinary counts (300-6,000 staff)."""
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        staff = int(rng.integers(300, 6000))
        minority = int(staff * rng.uniform(0.03, 0.6))
        white = staff - minority
        rate = rng.uniform(0.005, 0.02)
        rl = float(np.exp(rng.normal(np.log(1.2), 0.2)))
        ret = make_return({"disciplinary": [
            {"ethnicity": "Indian", "entered": int(rng.binomial(minority, min(1, rate * rl))),
             "headcount": minority},
            {"ethnicity": "White British", "entered": int(rng.binomial(white, rate)),
             "headcount": white},
        ]}, authority=f"council-{i:03d}", year=2023)
        out[ret.authority] = compute_all(ret, make_params(authority=ret.authority))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks benchmarking")
    parser.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--authorities", type=int, default=153)
    args, _ = parser.parse_known_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if not data_dir.is_dir():
            data_dir = Path(tmp) / "demo"
            synth.generate(data_dir)
        for mode in ("internal", "published"):
            spent = _best(lambda m=mode: benchmark_year(data_dir, args.year,
                                                                     disclosure=m), args.repeat)
            print(f"benchmarking: benchmark_year {args.year} ({mode}) on {data_dir}: "
                  f"{spent:.2f} s")

    records = councils(args.authorities)
    spent = _best(lambda: benchmark(records, "M3"), args.repeat)
    result = benchmark(records, "M3")
    funnel = (f"no funnel: {result.reason}" if result.phi is None else
              f"phi {result.phi:.2f}, tau2 {result.tau2:.4f}, adjusted {result.adjusted}")
    print(f"benchmarking: benchmark M3 for {args.authorities} authorities {spent * 1000:.1f} ms "
          f"({funnel})")
    spent = _best(lambda: funnel_plot(result), args.repeat)
    print(f"benchmarking: funnel_plot for {args.authorities} authorities {spent * 1000:.0f} ms")
    return 0
