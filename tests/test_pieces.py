"""results.csv and results.parquet made piece by piece (batch.pieces): the same bytes and rows as
made in one go, nothing made again that did not change, old files kept when a run fails."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from test_evidence import ENTERED, _m3_batch, _published_json

import wres_tools.computed as computed
from wres_tools.batch import pieces
from wres_tools.batch.finish import write_evidence
from wres_tools.batch.pieces import CACHE_FOLDER, PieceCache, plan_pieces, write_results_files
from wres_tools.evidence.results import Authority, results_csv, results_frame
from wres_tools.files import atomic_path
from wres_tools.inputkey import KEY_FILE
from wres_tools.national import NationalError, national_year
from wres_tools.parameters import load_parameters
from wres_tools.reporting import report
from wres_tools.returns.writer import write_return


def one_go(data: Path, params: Path, refs, out: Path) -> tuple[str, pd.DataFrame]:
    """results.csv's text and rows made in one go, from the frames the pages print: each
    return's metrics.json, change over time and pooled M3, each year's benchmarks and national
    picture (the oracle the pieces must match)."""
    items: dict[str, list] = {"change": [], "pooled": [], "benchmark": [], "national": []}
    for ref in refs:
        loaded = report.load(ref.authority, ref.year, data, disclosure_mode="published",
                             parameters_dir=params)
        items["change"].append(loaded.trends.assign(authority=ref.authority))
        items["pooled"].append(loaded.pooled.assign(year_from=min(loaded.years[-2:])))
    for year in sorted({r.year for r in refs}):
        items["benchmark"] += list(report.year_benchmark(year, data, params,
                                                         "published").results.values())
        try:
            items["national"].append(national_year(data, year, params, "published"))
        except NationalError:
            pass
    names = {r.authority: Authority(p.display_name, p.ons_code) for r in refs
             if (p := load_parameters(r.authority, params))}
    files = [out / str(r.year) / r.authority / "metrics.json" for r in refs]
    files.sort()
    return (results_csv(files, items, names), results_frame(files, items, names))


@pytest.fixture
def batch(tmp_path):
    data, params, refs = _m3_batch(tmp_path)
    out = tmp_path / "out"
    _published_json(data, params, refs, out)
    return data, params, refs, out


def write(batch, made=None):
    data, params, refs, out = batch
    return write_results_files(data, refs, params, out, out / "results.csv",
                               out / "results.parquet", made=made)


def test_the_pieces_make_the_one_go_files(batch):
    data, params, refs, out = batch
    made = []
    assert write(batch, made.append)
    text, frame = one_go(data, params, refs, out)
    assert (out / "results.csv").read_text(encoding="utf-8") == text
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), frame)
    # every kind is there: five authorities x two years x (result, pooled, change), and two
    # years x (benchmark, national)
    assert len(made) == 5 * 2 * 3 + 2 * 2
    assert set(frame["kind"]) == {"result", "pooled", "change", "benchmark", "national"}
    # in the file's order: kind, then year, then authority (rows of no authority, such as a
    # benchmark's pooled figure, after a year's authorities: "~" sorts after every name)
    order = frame.assign(k=frame["kind"].map(
        {"result": 0, "pooled": 1, "change": 2, "benchmark": 3, "national": 4}))
    keys = list(zip(order["k"], order["year"], order["authority"].fillna("~"), strict=True))
    assert keys == sorted(keys)


def test_nothing_changed_makes_no_piece_and_keeps_both_files(batch):
    out = batch[3]
    write(batch)
    before = {n: os.stat(out / n) for n in ("results.csv", "results.parquet")}
    made = []
    assert write(batch, made.append)
    assert made == []
    for name, stat in before.items():
        now = os.stat(out / name)
        assert (now.st_ino, now.st_mtime_ns, now.st_size) == (stat.st_ino, stat.st_mtime_ns,
                                                            stat.st_size)


def test_a_file_edited_by_hand_is_written_again(batch):
    out = batch[3]
    write(batch)
    good = (out / "results.csv").read_bytes()
    (out / "results.csv").write_text("kind\nedited\n", encoding="utf-8")
    made = []
    write(batch, made.append)
    assert made == [] and (out / "results.csv").read_bytes() == good


def test_a_changed_return_makes_again_only_the_pieces_that_rest_on_it(batch):
    data, params, refs, out = batch
    write(batch)
    # a1's 2023 return changes: 12 of its staff entered the disciplinary process, not 15
    tables = {
        "workforce": pd.DataFrame({"ethnicity": ["Indian", "White British"],
                                   "pay_band": ["A", "A"], "headcount": [100, 400]}),
        "disciplinary": pd.DataFrame({"ethnicity": ["Indian", "White British"],
                                      "entered": [12, 20]}),
    }
    assert ENTERED["a1"][1] == 15
    write_return(tables, data, "a1", 2023, "csv")
    computed.clear()
    _published_json(data, params, [r for r in refs if r.authority == "a1"], out)
    made = []
    write(batch, made.append)
    assert sorted((p.kind, p.year, p.authority or "") for p in made) == sorted([
        # its own metrics.json of 2023 (2022's is the same bytes)
        ("result", 2023, "a1"),
        # its pooled M3 and change over time, every year (each rests on all its returns)
        ("pooled", 2022, "a1"), ("pooled", 2023, "a1"),
        ("change", 2022, "a1"), ("change", 2023, "a1"),
        # the year's benchmark and national picture; 2022's rest only on 2022's returns
        ("benchmark", 2023, ""), ("national", 2023, ""),
    ])
    text, frame = one_go(data, params, refs, out)
    assert (out / "results.csv").read_text(encoding="utf-8") == text
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), frame)
    # the pooled M3 of a1 now counts 10 + 12 = 22 minority entrants over the two years
    pooled = frame[(frame["kind"] == "pooled") & (frame["authority"] == "a1")
                   & (frame["year"] == 2023) & (frame["group"] == "minority")
                   & (frame["service"] == "all") & (frame["statistic"] == "events_group")]
    assert pooled["value"].tolist() == [22.0]
    # one run's pieces are kept, no more
    kept = {p.stem for p in (out / CACHE_FOLDER).glob("*.csv")}
    assert kept == {p.fingerprint for p in plan_pieces(data, refs, params, out)}


def test_a_failed_run_leaves_the_old_files_and_no_temporary_file(batch, monkeypatch):
    data, params, refs, out = batch
    write(batch)
    before = {n: (out / n).read_bytes() for n in ("results.csv", "results.parquet")}
    write_return({"workforce": pd.DataFrame({"ethnicity": ["Indian", "White British"],
                                             "pay_band": ["A", "A"],
                                             "headcount": [90, 400]}),
                  "disciplinary": pd.DataFrame({"ethnicity": ["Indian", "White British"],
                                                "entered": [9, 20]})},
                 data, "a2", 2023, "csv")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pieces.pq, "ParquetWriter", broken)
    with pytest.raises(OSError, match="No space left"):
        write(batch)
    assert {n: (out / n).read_bytes() for n in before} == before
    assert not [p for p in out.rglob("*.tmp")]
    monkeypatch.undo()
    # the next run finishes the work, from the pieces the failed run kept
    made = []
    write(batch, made.append)
    assert made == []
    assert (out / "results.csv").read_text(encoding="utf-8") == one_go(data, params, refs,
                                                                        out)[0]


def test_an_internal_run_removes_the_files_and_the_kept_pieces(batch):
    data, params, refs, out = batch
    write_evidence(data, refs, params, {"disclosure": "published"}, out,
                   lock_path=out / "none.lock", root=out)
    assert list((out / CACHE_FOLDER).glob("*.csv"))
    _published_json(data, params, refs[:1], out)
    path = out / str(refs[0].year) / refs[0].authority / "metrics.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"published"', '"internal"'),
                    encoding="utf-8")
    write_evidence(data, refs, params, {"disclosure": "internal"}, out,
                   lock_path=out / "none.lock", root=out)
    for name in ("results.csv", "results.parquet", "results_dictionary.csv", CACHE_FOLDER):
        assert not (out / name).exists(), name


def test_what_the_pieces_are_kept_under_is_keyed(batch):
    """A piece's file name rests on keyed digests of its inputs: with another key, every
    name differs, so no name lets a reader test a guess of a return against it."""
    data, params, refs, out = batch
    first = [p.fingerprint for p in plan_pieces(data, refs, params, out)]
    assert first == [p.fingerprint for p in plan_pieces(data, refs, params, out)]  # stable
    (data / KEY_FILE).unlink()
    again = [p.fingerprint for p in plan_pieces(data, refs, params, out)]
    assert len(set(first)) == len(first) and not set(first) & set(again)


def test_atomic_path_leaves_the_old_file_when_the_writing_fails(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half of the ne", encoding="utf-8")
        raise RuntimeError("killed")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]
    with atomic_path(path) as tmp:
        tmp.write_text("new\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # the mode open() gives, not mkstemp's
    assert PieceCache(tmp_path).state() == {}
