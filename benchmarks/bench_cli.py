"""Speed of ``wres metrics`` on one return, as an analyst runs it: ``python -m benchmarks cli``.

Writes one demo return (Ashbury 2023, with its parameter file) and times the command in a fresh
process, ``--json`` and the table, ``--repeat N`` times each (default 3), printing the fastest
and the median wall time; then the heaviest imports of the ``--json`` path
(``python -X importtime``). The aim is under 2 s wall on a quiet 2-core machine: the cost is
imports, so the command imports no report, chart or notebook machinery for ``--json``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wres_tools.demo import synth
from wres_tools.returns.writer import write_return

SPEC = synth.AUTHORITIES[0]  # ashbury: an aggregate workbook with the service split
YEAR = 2023


def _wres(*args: str) -> list[str]:
    return [sys.executable, "-c", "from wres_tools.cli import app; app()", *args]


def _timed(command: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + system: what wall would be on an idle core)."""
    wall, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, cpu


def _heaviest_imports(command: list[str], most: int = 8) -> list[tuple[int, str]]:
    result = subprocess.run([command[0], "-X", "importtime", *command[1:]], check=True,
                            capture_output=True, text=True)
    rows = []
    for line in result.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if len(name) - len(name.lstrip()) <= 3:  # imported by the command itself
                rows.append((int(parts[1]), name.strip()))
    return sorted(rows, reverse=True)[:most]


def write_demo_return(root: Path) -> list[str]:
    """Write the demo return and its parameter file under ``root``; the ``wres`` arguments that
    compute its metrics."""
    write_return(synth.authority_return(SPEC, YEAR), root, SPEC.slug, YEAR, SPEC.form)
    (root / "parameters").mkdir()
    (root / "parameters" / f"{SPEC.slug}.yml").write_text(synth.parameters_yaml(SPEC),
                                                          encoding="utf-8")
    return ["metrics", "-d", str(root), "-a", SPEC.slug, "-y", str(YEAR)]


def main(argv: list[str] | None = None) -> int:
    argv = argv or []
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    with tempfile.TemporaryDirectory() as tmp:
        base = write_demo_return(Path(tmp))
        for label, extra in (("--json", ["--json"]), ("table", [])):
            wall, cpu = _timed(_wres(*base, *extra), repeat)
            print(f"wres metrics {label}, one return: fastest {min(wall):.2f} s, median "
                  f"{statistics.median(wall):.2f} s wall; median {statistics.median(cpu):.2f} s "
                  f"CPU ({repeat} runs, load average {os.getloadavg()[0]:.1f})")
        print("heaviest imports of wres metrics --json (cumulative):")
        for micros, name in _heaviest_imports(_wres(*base, "--json")):
            print(f"  {micros / 1e6:6.2f} s  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
