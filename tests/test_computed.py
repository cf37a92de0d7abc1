"""Each return is read and computed once per process, shared by the reports and the benchmark."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import pytest
from report_data import AUTHORITY, write_fixture

from wres_tools import benchmarking, computed, metrics
from wres_tools.parameters import load_parameters
from wres_tools.paths import CACHE_DIR_ENV
from wres_tools.reporting import report
from wres_tools.returns.find import ReturnRef, find_returns
from wres_tools.returns.load import load_return


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    computed.clear()
    return write_fixture(tmp_path / "data")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every return load_return reads, as (authority, year)."""
    seen: list[tuple[str, int]] = []
    real = computed.load_return

    def counting(ref: ReturnRef, params):  # type: ignore[no-untyped-def]
        seen.append((ref.authority, ref.year))
        return real(ref, params)

    monkeypatch.setattr(computed, "load_return", counting)
    return seen


def test_a_return_is_read_once_for_the_reports_and_the_years_benchmark(
    data_dir: Path, reads: list[tuple[str, int]]
) -> None:
    report.load(AUTHORITY, 2024, data_dir)
    report.load(AUTHORITY, 2025, data_dir)  # 2024 again for the change over time: not re-read
    bench = benchmarking.benchmark_year(data_dir, 2025)
    assert reads == [(AUTHORITY, 2024), (AUTHORITY, 2025)]
    assert bench.names == {AUTHORITY: "Testshire County Council"}
    # the benchmark is the same as one made from nothing
    computed.clear()
    cold = benchmarking.benchmark_year(data_dir, 2025)
    assert reads[-1] == (AUTHORITY, 2025)
    for metric, result in bench.results.items():
        pd.testing.assert_frame_equal(result.table, cold.results[metric].table)


def test_the_cached_results_are_compute_alls_and_a_changed_file_is_read_again(
    data_dir: Path, reads: list[tuple[str, int]]
) -> None:
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    params = load_parameters(AUTHORITY, data_dir / "parameters")
    ret, results = computed.computed_return(ref, params)
    again = computed.computed_return(ref, params)[1]
    assert again is not results  # a copy each time
    pd.testing.assert_frame_equal(again, results)
    pd.testing.assert_frame_equal(results, metrics.compute_all(load_return(ref, params), params))
    assert ret.authority == AUTHORITY and ret.year == 2025
    reads.clear()
    table = ref.path / "disciplinary.csv"
    table.write_text(table.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    computed.computed_return(ref, params)
    assert reads == [(AUTHORITY, 2025)]
    # other parameters are another entry
    computed.computed_return(ref, params.model_copy(update={"threshold": 10}))
    assert reads == [(AUTHORITY, 2025)] * 2


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: OrderedDict[str, int] = OrderedDict()
    for key, value in (("a", 1), ("b", 2), ("c", 3)):
        computed.remember(cache, key, value, size=2)
    assert list(cache) == ["b", "c"]


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A batch's private folder, named to the kernels as the batch names it."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


def test_a_batch_folder_shares_what_one_kernel_computed_with_the_next(
    data_dir: Path, reads: list[tuple[str, int]], shared: Path
) -> None:
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    params = load_parameters(AUTHORITY, data_dir / "parameters")
    _, first = computed.computed_return(ref, params)
    assert reads == [(AUTHORITY, 2025)] and len(list(shared.glob("*.pickle"))) == 1
    computed.clear()  # another kernel: nothing in memory, the folder has it
    ret, second = computed.computed_return(ref, params)
    assert reads == [(AUTHORITY, 2025)]
    pd.testing.assert_frame_equal(second, first)
    assert ret.year == 2025 and list(shared.glob("*.tmp")) == []
    # a damaged file is computed again, not trusted
    next(shared.glob("*.pickle")).write_bytes(b"not a pickle")
    computed.clear()
    pd.testing.assert_frame_equal(computed.computed_return(ref, params)[1], first)
    assert reads == [(AUTHORITY, 2025)] * 2


def test_without_the_variable_nothing_is_written(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    before = set(tmp_path.rglob("*"))
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    computed.computed_return(ref, load_parameters(AUTHORITY, data_dir / "parameters"))
    assert set(tmp_path.rglob("*")) == before


def test_a_folder_open_to_others_is_not_used(
    data_dir: Path, reads: list[tuple[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unpickling runs code: only the user's own 0700 folder is trusted."""
    shared = tmp_path / "open"
    shared.mkdir()
    shared.chmod(0o755)
    monkeypatch.setenv(CACHE_DIR_ENV, str(shared))
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    params = load_parameters(AUTHORITY, data_dir / "parameters")
    computed.computed_return(ref, params)
    assert list(shared.iterdir()) == []


def test_a_value_that_will_not_pickle_costs_time_not_the_report(
    data_dir: Path, reads: list[tuple[str, int]], shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compute_all = metrics.compute_all

    def unpicklable(ret, params):  # type: ignore[no-untyped-def]
        results = compute_all(ret, params)
        results.attrs["callback"] = lambda: None  # a lambda does not pickle
        return results

    monkeypatch.setattr(metrics, "compute_all", unpicklable)
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    _, results = computed.computed_return(ref, load_parameters(AUTHORITY, data_dir / "parameters"))
    assert len(results) and list(shared.iterdir()) == []


def test_the_caches_key_on_content_not_on_size_and_time(
    data_dir: Path, reads: list[tuple[str, int]]
) -> None:
    """A file touched (same bytes, new mtime) is not read again; one changed in place with its
    size and mtime put back (a restore from an archive) is."""
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    params = load_parameters(AUTHORITY, data_dir / "parameters")
    computed.published_return(ref, params, "published")
    table = ref.path / "disciplinary.csv"
    text = table.read_text(encoding="utf-8")
    info = table.stat()
    table.write_text(text, encoding="utf-8")  # touched
    computed.published_return(ref, params, "published")
    assert reads == [(AUTHORITY, 2025)]
    assert "adults" in text
    table.write_text(text.replace("adults", "Adults", 1), encoding="utf-8")  # same size
    os.utime(table, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert table.stat().st_size == info.st_size and table.stat().st_mtime_ns == info.st_mtime_ns
    computed.published_return(ref, params, "published")
    assert reads == [(AUTHORITY, 2025)] * 2


def test_what_the_caches_hand_out_can_be_edited_without_changing_the_next(
    data_dir: Path, reads: list[tuple[str, int]]
) -> None:
    ref = next(r for r in find_returns(data_dir) if r.year == 2025)
    params = load_parameters(AUTHORITY, data_dir / "parameters")
    ret, records, published = computed.published_return(ref, params, "published")
    rl = published["rl"].copy()
    published.loc[:, "rl"] = 99.0
    records.loc[:, "rl"] = 99.0
    ret.tables["workforce"].loc[:, "headcount"] = 0
    ret2, records2, published2 = computed.published_return(ref, params, "published")
    assert reads == [(AUTHORITY, 2025)]
    pd.testing.assert_series_equal(published2["rl"], rl)
    assert (records2["rl"] != 99.0).all() and (ret2.tables["workforce"]["headcount"] > 0).any()


def test_a_batch_folder_shares_a_report_load_and_a_changed_return_is_not_served_stale(
    data_dir: Path, reads: list[tuple[str, int]], shared: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's main process gathers the evidence files from the ReportData its kernels made
    (report.load through the shared folder); a return changed since is loaded afresh."""
    published: list[int] = []
    real = report._publish

    def counting(authority, year, *args):  # type: ignore[no-untyped-def]
        published.append(year)
        return real(authority, year, *args)

    monkeypatch.setattr(report, "_publish", counting)
    report._CACHE.clear()
    first = report.load(AUTHORITY, 2025, data_dir)
    computed.clear()  # the main process: nothing in memory, the folder has the kernel's work
    report._CACHE.clear()
    made = len(reads)
    again = report.load(AUTHORITY, 2025, data_dir)
    assert len(reads) == made and published == [2025]  # neither read nor published again
    pd.testing.assert_frame_equal(again.results, first.results)
    pd.testing.assert_frame_equal(again.trends, first.trends)
    assert again.years == first.years
    # the 2025 disciplinary table changed: a new load, with the new counts
    table = data_dir / AUTHORITY / "2025" / "disciplinary.csv"
    counts = pd.read_csv(table)
    counts.loc[1, "entered"] += 7  # Indian staff, adults: 5 -> 12 entered the process
    counts.to_csv(table, index=False)
    computed.clear()
    report._CACHE.clear()
    changed = report.load(AUTHORITY, 2025, data_dir)
    assert (AUTHORITY, 2025) in reads[made:] and published == [2025, 2025]
    m3 = first.results[first.results["metric"] == "M3"]
    now = changed.results[changed.results["metric"] == "M3"]
    assert now["events_group"].sum() == m3["events_group"].sum() + 7
