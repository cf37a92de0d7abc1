"""Run the speed benchmarks: ``python -m benchmarks [name ...] [--option ...]`` (default: all but
the long ones, see :func:`by_default`).

Each ``benchmarks/bench_<name>.py`` module exposes ``main(argv: list[str]) -> int`` and is found
by its file name, so adding a benchmark is adding a file. ``--list`` names them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    """Names of the benchmark modules (bench_<name>.py -> <name>), sorted."""
    here = Path(__file__).parent
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules([str(here)])
                  if m.name.startswith("bench_"))


def by_default(names: list[str]) -> list[str]:
    """The benchmarks run when none is named: all but those whose module sets ``BY_DEFAULT =
    False`` (``scale`` takes half an hour at national size; it is run by name)."""
    return [n for n in names
            if getattr(importlib.import_module(f"benchmarks.bench_{n}"), "BY_DEFAULT", True)]


def main(argv: list[str]) -> int:
    names = available()
    if "--list" in argv:
        print("\n".join(names))
        return 0
    # names first, then options for the benchmarks: metrics io --repeat 5
    first_option = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    chosen, options = argv[:first_option] or by_default(names), argv[first_option:]
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"unknown benchmark(s) {unknown}: expected one of {names}", file=sys.stderr)
        return 2
    status = 0
    for name in chosen:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        status = max(status, module.main(options))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
