"""How fast the metric engine is: every metric for 54 returns, and one return of 100,000 staff.

The 54 returns are the demo (``--data-dir``, read with wres_tools.returns when that module is there)
or, failing that, 18 seeded in-memory authorities x 3 years shaped like the demo: 300-6,000
staff, 3-6 pay bands, most split by service, every table. The big return aggregates 100,000
staff rows in memory (reading files is io's part, benchmarked there) and times the compute.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from tests.builders import make_params, tidy
from wres_tools import metrics, trends
from wres_tools.contract import Return
from wres_tools.parameters import Parameters

LABELS = {  # ethnicity label -> relative weight within its class
    "minority": {"Indian": 3, "Pakistani": 2, "African": 3, "Caribbean": 2, "White and Asian": 1,
                 "Any other Mixed or multiple ethnic background": 1, "Arab": 1, "H": 1},
    "white": {"White British": 8, "Irish": 1, "Any other White background": 2},
    "unknown": {"Not stated": 2, "": 1},
}
BANDS = ["less than £20,000", "£20,000 to £29,999", "£30,000 to £39,999", "£40,000 to £49,999",
         "£50,000 to £69,999", "£70,000 and over"]


def _labels(rng: np.random.Generator, n: int, minority: float, unknown: float) -> pd.Series:
    weights = {}
    for cls, share in (("minority", minority * (1 - unknown)),
                       ("white", (1 - minority) * (1 - unknown)), ("unknown", unknown)):
        total = sum(LABELS[cls].values())
        weights |= {label: share * w / total for label, w in LABELS[cls].items()}
    names = list(weights)
    return pd.Series(rng.choice(names, size=n, p=np.array(list(weights.values()))),
                     dtype=object)


def staff_return(rng: np.random.Generator, n_staff: int, authority: str, year: int,
                 split: bool = True, n_bands: int = 6) -> Return:
    """One return aggregated from n_staff simulated people (every table of the contract)."""
    minority, unknown = rng.uniform(0.03, 0.6), rng.uniform(0.02, 0.15)
    ethnicity = _labels(rng, n_staff, minority, unknown)
    is_minority = ethnicity.isin(list(LABELS["minority"])).to_numpy()
    bands = BANDS[:n_bands]
    band_p = np.linspace(2, 1, n_bands) / np.linspace(2, 1, n_bands).sum()
    staff = pd.DataFrame({
        "service": rng.choice(["adults", "children"], n_staff) if split else "all",
        "ethnicity": ethnicity,
        "pay_band": rng.choice(bands, n_staff, p=band_p),
        "senior_manager": rng.random(n_staff) < np.where(is_minority, 0.015, 0.03),
        "registered": rng.random(n_staff) < 0.3,
        "disciplinary": rng.random(n_staff) < np.where(is_minority, 0.014, 0.01),
        "cpd": rng.random(n_staff) < 0.4,
        "left": rng.random(n_staff) < np.where(is_minority, 0.14, 0.13),
    })
    staff["ftp"] = staff["registered"] & (rng.random(n_staff) < np.where(is_minority, 0.02, 0.01))
    keys = ["service", "ethnicity"]
    by = staff.groupby(keys, sort=True)
    people = by.size().rename("headcount").reset_index()
    flags = by[["senior_manager", "registered", "disciplinary", "cpd", "left", "ftp"]].sum()
    flags = flags.reset_index()
    shortlisted = people["headcount"] // 2 + 1
    rate = np.where(people["ethnicity"].isin(list(LABELS["minority"])), 0.15, 0.3)
    appointed = rng.binomial(shortlisted, rate)
    survey = []
    for question, p in (("public", 0.25), ("colleagues", 0.12), ("managers", 0.08)):
        respondents = rng.binomial(people["headcount"], 0.5)
        survey.append(people[keys].assign(question=question, respondents=respondents,
                                          yes=rng.binomial(respondents, p)))
    tables = {
        "workforce": staff.groupby([*keys, "pay_band"]).size().rename("headcount").reset_index(),
        "recruitment": people[keys].assign(shortlisted=shortlisted, appointed=appointed),
        "disciplinary": flags[keys].assign(entered=flags["disciplinary"]),
        "fitness_to_practise": flags[keys].assign(registered=flags["registered"],
                                                  entered=flags["ftp"]),
        "cpd": flags[keys].assign(accessed=flags["cpd"], headcount=people["headcount"]),
        "survey": pd.concat(survey, ignore_index=True),
        "leavers": flags[keys].assign(left=flags["left"], headcount=people["headcount"]),
        "senior_management": flags[keys].assign(headcount=flags["senior_manager"]),
    }
    population = pd.DataFrame({"ethnicity": ["White", "Asian or Asian British"],
                               "group": ["white", "asian"], "ethnic_class": ["white", "minority"],
                               "share": [1 - minority, minority]})
    return Return(authority, year, Path(f"{authority}/{year}"),
                  {name: tidy(name, df) for name, df in tables.items()}, population)


def in_memory_demo(seed: int = 2021) -> list[tuple[Return, Parameters]]:
    """18 authorities x 3 years, seeded, shaped like the synthetic demo."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(18):
        n_staff, split, n_bands = int(rng.integers(300, 6000)), i % 4 != 0, 3 + i % 4
        params = make_params(authority=f"authority-{i:02d}")
        for year in (2021, 2022, 2023):
            out.append((staff_return(rng, n_staff, params.authority, year, split, n_bands),
                        params))
    return out


def demo_from_files(data_dir: Path) -> list[tuple[Return, Parameters]] | None:
    """The demo returns read with wres_tools.returns, or None when io or the data are not there."""
    try:
        from wres_tools.parameters import load_parameters, resolve_parameters_dir
        from wres_tools.returns.find import find_returns
        from wres_tools.returns.load import load_return
    except ImportError:
        return None
    if not data_dir.is_dir():
        return None
    out = []
    for ref in find_returns(data_dir):
        params = load_parameters(ref.authority, resolve_parameters_dir(data_dir))
        out.append((load_return(ref, params), params))
    return out


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks metrics")
    parser.add_argument("--data-dir", type=Path, default=Path("data/demo"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--staff", type=int, default=100_000)
    args, _ = parser.parse_known_args(argv)

    returns = demo_from_files(args.data_dir)
    source = f"demo files in {args.data_dir}"
    if returns is None:
        returns, source = in_memory_demo(), "18 seeded in-memory authorities x 3 years"
    print(f"metrics: compute_all for {len(returns)} returns ({source})")
    per_return = []
    records = 0
    for ret, params in returns:
        per_return.append(min(_time(lambda r=ret, p=params: metrics.compute_all(r, p),
                                    args.repeat)))
        records += len(metrics.compute_all(ret, params))
    print(f"  total {sum(per_return):.2f} s; per return mean {statistics.mean(per_return):.3f} s,"
          f" max {max(per_return):.3f} s; {records} records")

    by_authority: dict[str, dict[int, pd.DataFrame]] = {}
    for ret, params in returns:
        by_authority.setdefault(ret.authority, {})[ret.year] = metrics.compute_all(ret, params)
    spent = min(_time(lambda: [trends.change_over_time(years) for years in
                               by_authority.values()], args.repeat))
    print(f"  change_over_time for {len(by_authority)} authorities: {spent:.2f} s")

    rng = np.random.default_rng(7)
    start = time.perf_counter()
    big = staff_return(rng, args.staff, "big-authority", 2023)
    built = time.perf_counter() - start
    params = make_params(authority="big-authority")
    spent = min(_time(lambda: metrics.compute_all(big, params), args.repeat))
    print(f"metrics: {args.staff:,} staff rows -> tidy tables in memory {built:.2f} s; "
          f"compute_all {spent:.3f} s")
    return 0
