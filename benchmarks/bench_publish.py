"""How fast the publishing step is: every demo return (18 authorities x 3 years) published.

Reads and computes each return first (not timed), then times
:func:`wres_tools.publish.publish_results` - primary and secondary suppression with the range
audit's integer programs - per return, and reports the total, the median and slowest return, and
how many counts were withheld. ``--data-dir`` names another folder of returns (default: the demo
data, made with ``wres synth`` when absent).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from wres_tools import computed, publish
from wres_tools.demo import synth
from wres_tools.disclosure import COUNT_COLUMNS
from wres_tools.parameters import load_parameters
from wres_tools.paths import DEMO_DATA_DIR
from wres_tools.returns.find import find_returns


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks publish")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    data = args.data_dir or DEMO_DATA_DIR
    temporary = None
    if not data.is_dir() or not find_returns(data):
        temporary = tempfile.TemporaryDirectory()
        data = Path(temporary.name)
        synth.generate(data)
    refs = find_returns(data)
    prepared = []
    for ref in refs:
        params = load_parameters(ref.authority, data / "parameters")
        prepared.append((ref, params, computed.computed_return(ref, params)[1]))
    seconds, withheld = [], 0
    for _, params, records in prepared:
        started = time.perf_counter()
        out = publish.publish_results(records, params, "published")
        seconds.append(time.perf_counter() - started)
        withheld += sum(sum(column in (w or ()) for w in out["withheld"])
                        for column in COUNT_COLUMNS)
    slowest = max(range(len(seconds)), key=seconds.__getitem__)
    print(f"publish: {len(refs)} returns in {sum(seconds):.2f} s; median "
          f"{statistics.median(seconds) * 1000:.0f} ms, slowest {seconds[slowest] * 1000:.0f} ms "
          f"({refs[slowest].authority} {refs[slowest].year}); {withheld} counts withheld")
    if temporary is not None:
        temporary.cleanup()
    return 0
