"""Action plans tied to metrics: the actions aimed at a metric in order of severity, counts by
metric and status, and per metric those counts beside the change since the baseline."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest
from builders import make_params, make_return

from wres_tools.actions import (
    CHANGES,
    PROGRESS_COLUMNS,
    actions_for,
    describe_actions,
    direction_of_change,
    headline_rows,
    natural_key,
    progress_table,
    status_counts,
)
from wres_tools.contract import ACTION_PLAN_TIDY_COLUMNS, ACTION_STATUSES, METRIC_TABLES
from wres_tools.metrics import compute_all
from wres_tools.trends import TREND_COLUMNS, change_over_time


def plan(*rows: tuple[str, str, str, str | None]) -> pd.DataFrame:
    """A tidy plan from (action_id, metric, status, service) rows; text columns filled in."""
    records = [{
        "action_id": action_id, "metric": metric, "objective": "Fair recruitment",
        "aim": f"aim of {action_id}", "action": f"action {action_id}", "owner": "Head of HR",
        "status": status, "success": "RL within 0.80-1.25", "latest_update": None,
        "service": service or "all", "due": None,
    } for action_id, metric, status, service in rows]
    return pd.DataFrame(records, columns=list(ACTION_PLAN_TIDY_COLUMNS), dtype="str")


#: Five actions: A10 aims at M2 and M9, A7 at M7a and M7b (written "M7"), A2 and A3 at M2.
PLAN = plan(
    ("A10", "M2", "Green", None), ("A10", "M9", "Green", None),
    ("A2", "M2", "Complete", None),
    ("A3", "M2", "Red", "children"),
    ("A7", "M7a", "Amber", None), ("A7", "M7b", "Amber", None),
    ("A1", "M2", "Green", "adults"),
)


# --- actions_for ---------------------------------------------------------------------------------


def test_actions_for_orders_by_severity_then_id_as_a_person_counts() -> None:
    found = actions_for(PLAN, "M2")
    # Red A3; Green A1 then A10 (numbers compared as numbers); Complete A2
    assert found["action_id"].tolist() == ["A3", "A1", "A10", "A2"]
    assert found["status"].tolist() == ["Red", "Green", "Green", "Complete"]
    assert list(found.columns) == list(ACTION_PLAN_TIDY_COLUMNS)


def test_actions_for_m7_is_both_parts_each_action_once() -> None:
    assert actions_for(PLAN, "m7")["action_id"].tolist() == ["A7"]
    assert actions_for(PLAN, "M7B")["action_id"].tolist() == ["A7"]
    assert actions_for(PLAN, "M9")["action_id"].tolist() == ["A10"]
    assert actions_for(PLAN, "M4").empty


def test_actions_for_a_service_keeps_that_service_and_both() -> None:
    assert actions_for(PLAN, "M2", service="adults")["action_id"].tolist() == ["A1", "A10", "A2"]
    assert actions_for(PLAN, "M2", service="children")["action_id"].tolist() == [
        "A3", "A10", "A2"]


def test_actions_for_a_return_and_for_none() -> None:
    ret = replace(make_return({}), action_plan=PLAN)
    assert actions_for(ret, "M2")["action_id"].tolist() == ["A3", "A1", "A10", "A2"]
    assert actions_for(make_return({}), "M2").empty  # no plan in the return
    assert actions_for(None, "M2").empty


def test_actions_for_refuses_an_unknown_metric_or_a_bad_plan() -> None:
    with pytest.raises(ValueError, match="'M10' is not a metric id"):
        actions_for(PLAN, "M10")
    with pytest.raises(ValueError, match=r"columns \['status'\]"):
        actions_for(PLAN.drop(columns="status"), "M2")
    with pytest.raises(ValueError, match="statuses \\['red'\\]"):
        actions_for(PLAN.assign(status="red"), "M2")


def test_natural_key() -> None:
    ids = ["WRES-10", "WRES-2", "wres-1", "AP3"]
    assert sorted(ids, key=natural_key) == ["AP3", "wres-1", "WRES-2", "WRES-10"]


# --- status_counts -------------------------------------------------------------------------------


def test_status_counts_by_hand() -> None:
    counts = status_counts(PLAN)
    assert counts.index.tolist() == list(METRIC_TABLES)  # every metric, report order
    assert counts.columns.tolist() == list(ACTION_STATUSES)
    # M2: A3 Red, A1 and A10 Green, A2 Complete; M7a and M7b: A7 Amber; M9: A10 Green
    assert counts.loc["M2"].tolist() == [1, 0, 2, 1]
    assert counts.loc["M7a"].tolist() == counts.loc["M7b"].tolist() == [0, 1, 0, 0]
    assert counts.loc["M9"].tolist() == [0, 0, 1, 0]
    assert counts.drop(index=["M2", "M7a", "M7b", "M9"]).to_numpy().sum() == 0
    # 7 (action, metric) rows in all
    assert int(counts.to_numpy().sum()) == 7
    assert all(dtype == "int64" for dtype in counts.dtypes)


def test_status_counts_without_a_plan_are_zeros() -> None:
    counts = status_counts(None)
    assert counts.shape == (len(METRIC_TABLES), 4)
    assert int(counts.to_numpy().sum()) == 0


# --- direction_of_change -------------------------------------------------------------------------


def trend(change: float | None, significant: bool | None, measure: str = "rl",
          value_then: float | None = 0.5, value_now: float | None = 0.7) -> dict:
    return {"change": change, "significant": significant, "measure": measure,
            "value_then": value_then, "value_now": value_now}


@pytest.mark.parametrize(
    ("row", "adverse_when", "expected"),
    [
        # ratios: change = RL now / RL then, 1 is no change
        (trend(1.4, True), "low", "improved"),  # M2 0.5 -> 0.7: more often appointed
        (trend(0.7, True), "low", "worsened"),
        (trend(0.7, True), "high", "improved"),  # M3 1.4 -> 0.98: less often disciplined
        (trend(1.4, True), "high", "worsened"),
        (trend(1.4, False), "low", "no significant change"),
        (trend(1.0, True), "high", "no significant change"),
        # shares: change in percentage points, 0 is no change
        (trend(3.0, True, "share_pp"), "low", "improved"),  # M9 senior share up 3 points
        (trend(-3.0, True, "share_pp"), "low", "worsened"),
        (trend(-3.0, False, "share_pp"), "low", "no significant change"),
        # missing figures
        (None, "low", "no baseline"),
        (trend(None, None, value_then=None), "low", "no baseline"),
        (trend(None, None, value_now=None), "high", "not computable"),
        (trend(float("nan"), None), "high", "not computable"),
    ],
)
def test_direction_of_change(row: dict | None, adverse_when: str, expected: str) -> None:
    assert direction_of_change(row, adverse_when) == expected


def test_direction_of_change_takes_a_series_and_refuses_a_bad_direction() -> None:
    assert direction_of_change(pd.Series(trend(0.5, True)), "high") == "improved"
    with pytest.raises(ValueError, match="adverse_when"):
        direction_of_change(trend(0.5, True), "up")


# --- progress_table ------------------------------------------------------------------------------


def trend_rows(*rows: dict) -> pd.DataFrame:
    """A change_over_time frame from partial rows (defaults: minority, all, 2023 vs 2021)."""
    base = {"service": "all", "group": "minority", "pay_band": None, "year": 2023,
            "compared_with": "baseline", "year_then": 2021, "measure": "rl", "status": "ok",
            "reason": None, "change_ci_low": None, "change_ci_high": None, "p_value": None}
    return pd.DataFrame([{**base, **r} for r in rows], columns=list(TREND_COLUMNS), dtype=object)


TRENDS = trend_rows(
    # M2 improved: 0.5 -> 0.8, significant
    {"metric": "M2", "value_then": 0.5, "value_now": 0.8, "change": 1.6, "significant": True},
    # the same metric against the previous year, for a service and a group: not the headline
    {"metric": "M2", "compared_with": "previous", "year_then": 2022, "value_then": 0.9,
     "value_now": 0.8, "change": 0.89, "significant": True},
    {"metric": "M2", "service": "adults", "value_then": 0.9, "value_now": 0.5, "change": 0.56,
     "significant": True},
    {"metric": "M2", "group": "black", "value_then": 0.9, "value_now": 0.5, "change": 0.56,
     "significant": True},
    # an earlier year's comparison with the baseline: not the latest
    {"metric": "M3", "year": 2022, "value_then": 1.2, "value_now": 2.0, "change": 1.67,
     "significant": True},
    {"metric": "M3", "value_then": 1.2, "value_now": 1.1, "change": 0.92, "significant": False},
    # M1: per band in band order, then the whole workforce; the highest band is the headline
    {"metric": "M1", "pay_band": "Band A", "measure": "share_pp", "value_then": 0.3,
     "value_now": 0.2, "change": -10.0, "significant": True},
    {"metric": "M1", "pay_band": "Band C", "measure": "share_pp", "value_then": 0.05,
     "value_now": 0.12, "change": 7.0, "significant": True},
    {"metric": "M1", "measure": "share_pp", "value_then": 0.2, "value_now": 0.2,
     "change": 0.0, "significant": False},
    # M9 worsened by its RL (senior managers over staff, x0.625), the headline, though its
    # senior share rose 3 points
    {"metric": "M9", "measure": "share_pp", "value_then": 0.06, "value_now": 0.09,
     "change": 3.0, "significant": True},
    {"metric": "M9", "measure": "rl", "value_then": 0.8, "value_now": 0.5,
     "change": 0.625, "significant": True},
    # M8 has no figure in the baseline year
    {"metric": "M8", "value_then": None, "value_now": 1.2, "change": None, "significant": None,
     "status": "not_computable", "reason": "no M8 figure for this group in 2021"},
)


def test_headline_rows_pick_baseline_minority_whole_department_latest_year() -> None:
    rows = headline_rows(TRENDS)
    assert sorted(rows) == ["M1", "M2", "M3", "M8", "M9"]
    assert rows["M2"]["change"] == 1.6
    assert rows["M3"]["year"] == 2023 and rows["M3"]["change"] == 0.92
    assert rows["M1"]["pay_band"] == "Band C"
    assert (rows["M9"]["measure"], rows["M9"]["change"]) == ("rl", 0.625)
    assert headline_rows(TRENDS, year=2022)["M3"]["change"] == 1.67
    assert headline_rows(TRENDS.iloc[0:0]) == {}


def test_progress_table_by_hand() -> None:
    table = progress_table(PLAN, TRENDS).set_index("metric")
    assert list(table.reset_index().columns) == list(PROGRESS_COLUMNS)
    assert table.index.tolist() == list(METRIC_TABLES)
    assert table["since_baseline"].to_dict() == {
        "M1": "improved",  # top band share +7 points, M1 adverse when low
        "M2": "improved",  # RL x1.6, adverse when low
        "M3": "no significant change",
        "M4": "no baseline", "M5": "no baseline", "M6": "no baseline",
        "M7a": "no baseline", "M7b": "no baseline",
        "M8": "no baseline",  # no figure in 2021
        "M9": "worsened",  # RL x0.625 (not the share, +3 points)
    }
    assert table.loc["M2", ["Red", "Amber", "Green", "Complete", "actions"]].tolist() == [
        1, 0, 2, 1, 4]
    assert table.loc["M9", ["Green", "actions"]].tolist() == [1, 1]
    assert table.loc["M3", "actions"] == 0
    assert table.loc["M2", ["value_then", "value_now", "year_then", "year"]].tolist() == [
        0.5, 0.8, 2021, 2023]
    assert table.loc["M1", "pay_band"] == "Band C"
    assert table.loc["M2", "title"] == "Appointment from shortlisting"
    assert pd.isna(table.loc["M4", "value_now"])


def test_progress_table_from_decided_changes() -> None:
    table = progress_table(PLAN, {"M2": "worsened"}).set_index("metric")
    assert table.loc["M2", "since_baseline"] == "worsened"
    assert set(table.drop(index="M2")["since_baseline"]) == {"no baseline"}
    with pytest.raises(ValueError, match="change words"):
        progress_table(PLAN, {"M2": "better"})
    with pytest.raises(ValueError, match="change words"):
        progress_table(PLAN, {"M10": "improved"})
    assert set(CHANGES) >= set(table["since_baseline"])


def recruitment(minority_appointed: int) -> list[dict]:
    return [
        {"ethnicity": "White British", "shortlisted": 100, "appointed": 50},
        {"ethnicity": "Indian", "shortlisted": 100, "appointed": minority_appointed},
    ]


def test_progress_table_from_computed_metrics_and_trends() -> None:
    # 2022: minority 20/100 appointed, white 50/100: RL 0.4. 2023: 45/100 against 50/100: RL 0.9.
    # change = 0.9 / 0.4 = 2.25. Katz se of log RL: 2022 sqrt(1/20 - 1/100 + 1/50 - 1/100) =
    # sqrt(0.05); 2023 sqrt(1/45 - 1/100 + 1/50 - 1/100) = sqrt(0.02222); z = log(2.25) /
    # sqrt(0.07222) = 0.8109 / 0.2687 = 3.02, p = 0.0025: significant, and M2 is adverse when low.
    params = make_params()
    results = {
        year: compute_all(make_return({"recruitment": recruitment(appointed)}, year=year),
                          params)
        for year, appointed in ((2022, 20), (2023, 45))
    }
    trends = change_over_time(results)
    table = progress_table(PLAN, trends).set_index("metric")
    assert table.loc["M2", "change"] == pytest.approx(2.25)
    z = math.log(2.25) / math.sqrt(0.05 + (1 / 45 - 1 / 100 + 1 / 50 - 1 / 100))
    assert table.loc["M2", "p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-6)
    assert table.loc["M2", "since_baseline"] == "improved"
    # the other metrics were not collected in either year
    assert table.loc["M3", "since_baseline"] == "not computable"


def test_a_withheld_change_is_not_published() -> None:
    row = trend(None, None, value_then=None, value_now=None)
    row["reason"] = "not published: small numbers"
    assert direction_of_change(row, "low") == "not published: small numbers"
    assert direction_of_change(trend(1.4, True) | {"reason": "small numbers"}, "low") == "improved"


def test_describe_actions_by_hand() -> None:
    table = progress_table(PLAN, TRENDS).set_index("metric", drop=False)
    assert describe_actions(table.loc["M2"]) == (
        "4 actions in the plan aim at appointment from shortlisting: 1 Red, 2 Green and "
        "1 Complete. The figure has improved significantly since the baseline year (2021).")
    assert describe_actions(table.loc["M9"]) == (
        "1 action in the plan aims at senior management: 1 Green. The figure has worsened "
        "significantly since the baseline year (2021).")
    assert describe_actions(table.loc["M3"]) == (
        "No action in the plan aims at formal disciplinary process. The figure has not changed "
        "significantly since the baseline year (2021).")
    assert describe_actions(table.loc["M4"]).endswith(
        "There is no baseline figure to compare it with yet.")
    assert describe_actions(table.loc["M5"]).startswith(
        "No action in the plan aims at training and CPD.")
