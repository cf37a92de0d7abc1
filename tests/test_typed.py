"""Typed result records: their dtypes, their schema, the withheld flags, the one is-missing test,
and caches whose frames cannot be edited from outside (issue 10, points 2 and 3).

The records are the hand-made M2 table of test_disclosure (threshold 5), whose withheld cells
are worked out by hand there: of the nine records' group counts, n is shown for adults minority
20, children minority 10, all minority 30, all asian 15 and all black 15 (the other four are
withheld), and of the appointed counts only all minority's 9 is shown.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.errors
import pytest
from report_data import AUTHORITY, write_fixture
from test_disclosure import m2_table, record

from wres_tools import computed, publish
from wres_tools.contract import (
    RESULT_COLUMNS,
    RESULT_DTYPES,
    WITHHOLDABLE,
    is_missing,
    plain,
    typed_results,
    withheld_flags,
)
from wres_tools.parameters import Parameters
from wres_tools.reporting import report
from wres_tools.trends import TREND_DTYPES

PARAMS = Parameters(authority="testshire", display_name="Testshire", threshold=5)


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return publish.publish_results(m2_table(), PARAMS, "published").set_index(
        ["service", "group"], drop=False)


def test_published_records_have_the_contracts_dtypes(published: pd.DataFrame) -> None:
    assert list(published.columns) == list(RESULT_COLUMNS)
    assert {c: str(published[c].dtype) for c in RESULT_COLUMNS} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in RESULT_DTYPES.items()}
    assert str(published["n_group"].dtype) == "Int64"
    assert str(published["rl"].dtype) == "Float64"
    assert str(published["suppressed"].dtype) == "boolean"
    assert str(published["metric"].dtype) == "category"
    assert str(published["reason"].dtype) == "string"


def test_a_withheld_count_is_na_with_its_flag_true(published: pd.DataFrame) -> None:
    flags = withheld_flags(published)
    adults = published.loc[("adults", "minority")]
    assert adults["events_group"] is pd.NA and bool(flags.loc[("adults", "minority"),
                                                               "events_group"])
    assert adults["rl"] is pd.NA and bool(flags.loc[("adults", "minority"), "rl"])
    assert adults["n_group"] == 20 and not flags.loc[("adults", "minority"), "n_group"]
    assert list(flags.columns) == list(WITHHOLDABLE)
    assert all(str(t) == "boolean" for t in flags.dtypes)
    # 8 of the 9 appointed counts withheld, 4 of the 9 group totals (worked out by hand)
    assert int(flags["events_group"].sum()) == 8 and int(flags["n_group"].sum()) == 4
    # every flagged figure is missing
    assert all(published[c][flags[c]].isna().all() for c in WITHHOLDABLE)


def test_describe_gives_numeric_statistics(published: pd.DataFrame) -> None:
    stats = published.describe()
    # shown group totals: 20, 10, 30, 15, 15
    assert stats.loc["count", "n_group"] == 5
    assert stats.loc["mean", "n_group"] == pytest.approx(18.0)
    assert stats.loc["min", "n_group"] == 10 and stats.loc["max", "n_group"] == 30
    # white totals shown everywhere: 100, 50, 150 for each of three groups
    assert stats.loc["count", "n_reference"] == 9
    assert stats.loc["mean", "n_reference"] == pytest.approx(100.0)
    # the RL is shown only for all services, minority: (9 / 30) / (60 / 150) = 0.75
    assert stats.loc["count", "rl"] == 1 and stats.loc["mean", "rl"] == pytest.approx(0.75)
    assert "metric" not in stats.columns and "withheld" not in stats.columns


def test_a_figure_missing_for_another_reason_is_not_flagged() -> None:
    records = pd.DataFrame([
        record(metric="M2", service="all", group="minority", status="not_computable",
               reason="no white applicants", n_group=0, events_group=0, n_reference=0,
               events_reference=0),
        record(metric="M2", service="adults", group="minority", n_group=20, n_reference=40,
               suppressed=True, withheld=("events_group", "rl")),
    ], columns=list(RESULT_COLUMNS))
    typed = typed_results(records)
    flags = withheld_flags(typed)
    assert typed.at[0, "rl"] is pd.NA and not flags.at[0, "rl"]
    assert typed.at[1, "rl"] is pd.NA and bool(flags.at[1, "rl"])
    assert flags.loc[1].sum() == 2  # events_group and rl
    assert typed.at[0, "n_group"] == 0 and typed.at[0, "reason"] == "no white applicants"


@pytest.mark.parametrize(("change", "words"), [
    ({"withheld": ("n_group",)}, "withheld figure is not missing"),  # n_group 20 is shown
    ({"n_group": -1}, "greater_than_or_equal_to"),
    ({"withheld": ("authority",)}, "figure names"),
])
def test_the_schema_refuses_records_that_break_the_contract(
    change: dict[str, object], words: str
) -> None:
    row = record(metric="M2", service="all", group="minority", n_group=20, n_reference=40)
    row.update(change)
    with pytest.raises(pandera.errors.SchemaError, match=words):
        typed_results(pd.DataFrame([row], columns=list(RESULT_COLUMNS)))


def test_an_id_outside_its_vocabulary_is_named() -> None:
    row = record(metric="M10", service="all", group="minority", n_group=20, n_reference=40)
    with pytest.raises(ValueError, match="metric M10; expected one of M1, M2"):
        typed_results(pd.DataFrame([row], columns=list(RESULT_COLUMNS)))


def test_typing_leaves_its_input_alone_and_keeps_attrs() -> None:
    records = m2_table()
    records.attrs["note"] = "kept"
    before = records.copy()
    typed = typed_results(records)
    pd.testing.assert_frame_equal(records, before)
    assert typed.attrs == {"note": "kept"}
    assert (typed["pay_band"].isna()).all() and typed.at[0, "pay_band"] is pd.NA


@pytest.mark.parametrize("value", [None, pd.NA, pd.NaT, float("nan"), np.nan,
                                   np.float64("nan"), np.float32("nan"), np.datetime64("NaT")])
def test_is_missing_knows_every_kind_of_missing(value: object) -> None:
    assert is_missing(value)


@pytest.mark.parametrize("value", [0, 0.0, "", "NA", False, (), ("rl",), np.int64(0),
                                   np.bool_(False), [], "None"])
def test_is_missing_is_false_for_any_value(value: object) -> None:
    assert not is_missing(value)


def test_plain_gives_python_values() -> None:
    assert plain(pd.NA) is None and plain(np.float64("nan")) is None
    assert plain(np.int64(3)) == 3 and type(plain(np.int64(3))) is int
    assert type(plain(np.bool_(True))) is bool and plain(("rl",)) == ("rl",)
    assert plain("text") == "text"


# ---------------------------------------------------------------- caches


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    computed.clear()
    return write_fixture(tmp_path / "data")


def test_editing_what_load_gave_does_not_change_the_next_load(data_dir: Path) -> None:
    first = report.load(AUTHORITY, 2025, data_dir)
    rl = first.results["rl"].copy()
    history = first.history.copy()
    first.results.loc[:, "rl"] = 99.0
    first.history.loc[:, "n_group"] = 0
    first.pooled.loc[:, "rl"] = 99.0
    first.trends.loc[:, "reason"] = "edited"
    second = report.load(AUTHORITY, 2025, data_dir)
    pd.testing.assert_series_equal(second.results["rl"], rl)
    pd.testing.assert_frame_equal(second.history, history)
    assert not (second.pooled["rl"] == 99.0).any()
    assert not (second.trends["reason"] == "edited").any()


def test_load_gives_typed_numeric_frames(data_dir: Path) -> None:
    data = report.load(AUTHORITY, 2025, data_dir)
    for frame in (data.results, data.history, data.pooled):
        assert {c: str(frame[c].dtype) for c in RESULT_COLUMNS} == {
            c: str(pd.Series(dtype=d).dtype) for c, d in RESULT_DTYPES.items()}
        assert frame.attrs == {}
    # M2 all services minority: 10 of 40 against 60 of 150, RL 0.625 (report_data)
    m2 = data.results[(data.results["metric"] == "M2") & (data.results["service"] == "all")
                      & (data.results["group"] == "minority")]
    assert m2["rl"].iloc[0] == pytest.approx(0.625)
    stats = data.results.describe()
    assert "rl" in stats.columns and stats.loc["count", "n_group"] > 0
    assert {c: str(data.trends[c].dtype) for c in TREND_DTYPES} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in TREND_DTYPES.items()}
    # M3 all services minority: 9 of 45 against 12 of 180 in 2025 (RL 3.0), 7 of 45 against
    # 12 of 180 in 2024 (RL 7 / 3): a change of 3 / (7 / 3) = 9 / 7
    m3 = data.trends[(data.trends["metric"] == "M3") & (data.trends["service"] == "all")
                     & (data.trends["group"] == "minority") & (data.trends["year_then"] == 2024)]
    assert m3["change"].iloc[0] == pytest.approx(9 / 7)
    assert "change" in data.trends.describe().columns
    flags = data.withheld()
    # M9: 2 minority senior managers, a count under 5: withheld, shown as <NA>, flagged
    m9 = (data.results["metric"] == "M9") & (data.results["service"] == "all") & (
        data.results["group"] == "minority")
    assert data.results.loc[m9, "n_group"].isna().all() and flags.loc[m9, "n_group"].all()


def test_the_years_benchmark_is_handed_out_as_a_copy(data_dir: Path) -> None:
    first = report.year_benchmark(2025, data_dir, None, "published")
    kept = copy.deepcopy(first)
    for result in first.results.values():
        result.table.loc[:, "rl"] = 99.0
    first.names[AUTHORITY] = "edited"
    second = report.year_benchmark(2025, data_dir, None, "published")
    assert second.names == kept.names
    for metric, result in second.results.items():
        pd.testing.assert_frame_equal(result.table, kept.results[metric].table)
