"""Speed of reading and validating returns: ``python -m benchmarks io``.

Prints seconds for (a) validating 54 aggregate returns (18 authorities x 3 years, both forms) and
(b) loading record-level returns of 100,000 staff rows as CSV and as a workbook.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import aggregate_from_records, make_params, record_tables  # noqa: E402

from wres_tools.returns.find import ReturnRef, find_returns  # noqa: E402
from wres_tools.returns.load import load_return
from wres_tools.returns.validate import validate_return  # noqa: E402
from wres_tools.returns.writer import write_return  # noqa: E402


def _timed(label: str, func) -> object:
    start, cpu = time.perf_counter(), time.process_time()
    out = func()
    print(f"{label}: {time.perf_counter() - start:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s CPU")
    return out


def main(argv: list[str] | None = None) -> int:
    params = make_params()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "many"
        tables = aggregate_from_records(record_tables(staff=2000, applications=800, responses=600))
        for i in range(18):
            for year in (2021, 2022, 2023):
                write_return(tables, root, f"authority{i:02d}", year, "xlsx" if i % 2 else "csv")
        refs = find_returns(root)
        reports = _timed(f"validate {len(refs)} aggregate returns",
                         lambda: [validate_return(r, params) for r in refs])
        assert all(r.ok for r in reports)
        big = record_tables(staff=100_000, applications=20_000, responses=10_000)
        for form in ("csv", "xlsx"):
            path = write_return(big, Path(tmp) / "big", f"big-{form}", 2023, form)
            ref = ReturnRef.from_path(path)
            ret = _timed(f"load record-level return, 100,000 staff rows, {form}",
                         lambda ref=ref: load_return(ref, params))
            assert ret.tables["workforce"]["headcount"].sum() == 100_000
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
