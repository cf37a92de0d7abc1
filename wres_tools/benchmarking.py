"""A year's benchmark: every authority's published results for the year, each ratio metric placed
on a funnel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from wres_tools.computed import published_return
from wres_tools.contract import ALL_SERVICES, Problem, ReturnError
from wres_tools.funnel import RATIO_METRICS, BenchmarkResult, benchmark
from wres_tools.parameters import check_parameters, resolve_parameters_dir
from wres_tools.paths import DEMO_DATA_DIR
from wres_tools.returns.find import find_returns

# --------------------------------------------------------------------------- a year's returns


@dataclass(frozen=True)
class YearBenchmark:
    """Every ratio metric benchmarked for a year; ``unusable`` names returns that failed."""

    year: int
    disclosure: str
    results: dict[str, BenchmarkResult]
    unusable: dict[str, str]
    names: dict[str, str]


def benchmark_year(
    data_dir: Path | str | None,
    year: int,
    parameters_dir: Path | str | None = None,
    disclosure: Literal["published", "internal"] = "published",
    *,
    service: str = ALL_SERVICES,
    group: str = "minority",
    metrics: Sequence[str] = RATIO_METRICS,
) -> YearBenchmark:
    """Load every return of ``year`` under ``data_dir``, compute, apply disclosure per authority
    (each with its own threshold) and benchmark each ratio metric.

    In published mode an authority whose figure rests on a suppressed count is left out of the
    funnel, the ranks and the pool, and listed as "not published: small numbers". ``data_dir``
    None: the synthetic demo data; ``parameters_dir`` None: as :func:`io.load_all` finds it.
    """

    if disclosure not in ("published", "internal"):
        raise ValueError(f"disclosure is {disclosure!r}: expected 'published' or 'internal'")
    data_dir = Path(data_dir) if data_dir is not None else DEMO_DATA_DIR
    params_dir = resolve_parameters_dir(
        data_dir, Path(parameters_dir) if parameters_dir is not None else None)
    unreadable: list[Problem] = []
    refs = [ref for ref in find_returns(data_dir, unreadable) if ref.year == year]
    if not refs:
        raise FileNotFoundError(f"{data_dir}: no return for the year {year}")
    results: dict[str, pd.DataFrame] = {}
    unusable: dict[str, str] = {}
    names: dict[str, str] = {}
    for problem in unreadable:  # an authority folder, or this year's entry, that cannot be read
        path = Path(problem.file)
        authority = path.parent.name if path.stem.isdigit() else path.name
        if not path.stem.isdigit() or int(path.stem) == year:
            unusable[authority] = f"its data could not be read ({problem.message[:200]})"
    for ref in refs:  # one return per authority and year (find_returns sorts them)
        params, report = check_parameters(ref.authority, params_dir)
        if params is None:
            unusable[ref.authority] = (f"its parameter file could not be used "
                                       f"({len(report.errors)} problem(s); run wres validate)")
            continue
        names[ref.authority] = params.display_name
        try:
            _, _, results[ref.authority] = published_return(ref, params, disclosure)
        except ReturnError as exc:
            unusable[ref.authority] = (f"the return could not be used ({len(exc.report.errors)} "
                                       "problem(s); run wres validate)")
            continue
        except (OSError, ValueError, ArithmeticError) as exc:  # one return never stops the year
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            unusable[ref.authority] = f"the return could not be used ({first[:200]})"
            continue
    per_metric = {
        m: benchmark(results, m, service, group, names=names, excluded=unusable)
        for m in metrics
    }
    return YearBenchmark(year, disclosure, per_metric, unusable, names)
