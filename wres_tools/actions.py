"""Action plans tied to metrics: the actions aimed at a metric, the count of actions at each RAG
status, and, per metric, those counts beside whether the metric improved since the baseline.

The plan is the tidy ``Return.action_plan`` (one row per action and metric it aims at, see
:data:`~wres_tools.contract.ACTION_PLAN_TIDY_COLUMNS`), read by :mod:`wres_tools.returns`; its
dated updates through the year are ``Return.action_updates``. An action's status movement is read
against the plans of earlier years' returns: the last report's and the baseline year's. Whether a
metric improved is read from :func:`wres_tools.trends.change_over_time`: the change against the
baseline of the minority ethnic figure for the whole department (service ``all``); for M1, of the
minority share in the highest pay band, where under-representation shows first.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping

import pandas as pd

from wres_tools.contract import (
    ACTION_PLAN_TIDY_COLUMNS,
    ACTION_STATUSES,
    ALL_SERVICES,
    METRIC_TABLES,
    Return,
)
from wres_tools.contract import is_missing as _missing
from wres_tools.metrics import METRICS
from wres_tools.returns.parse import metric_ids
from wres_tools.trends import (  # noqa: F401 - the words of a change are part of this API too
    CHANGES,
    IMPROVED,
    NO_BASELINE,
    NO_CHANGE,
    NOT_COMPUTABLE,
    NOT_PUBLISHED,
    WORSENED,
    direction_of_change,
)

#: Columns of :func:`progress_table`, in order.
PROGRESS_COLUMNS: tuple[str, ...] = (
    "metric", "title", *ACTION_STATUSES, "actions", "since_baseline", "measure", "pay_band",
    "year_then", "value_then", "year", "value_now", "change", "change_ci_low", "change_ci_high",
    "p_value",
)

_SEVERITY = {status: rank for rank, status in enumerate(ACTION_STATUSES)}


def plan_frame(ret_or_plan: Return | pd.DataFrame | None) -> pd.DataFrame:
    """The tidy plan of a Return, or the plan given; an empty plan when there is none."""
    plan = ret_or_plan.action_plan if isinstance(ret_or_plan, Return) else ret_or_plan
    if plan is None:
        return pd.DataFrame(columns=list(ACTION_PLAN_TIDY_COLUMNS), dtype="str")
    missing = [c for c in ("action_id", "metric", "status") if c not in plan.columns]
    if missing:
        raise ValueError(f"an action plan needs the columns {missing} (columns found: "
                         f"{list(plan.columns)}); read it with wres_tools.returns.load.load_return")
    unknown = sorted(set(plan["status"].dropna()) - set(ACTION_STATUSES))
    if unknown:
        raise ValueError(f"action plan statuses {unknown} are not {', '.join(ACTION_STATUSES)}")
    return plan


def _metric_ids(metric: str) -> list[str]:
    ids, bad = metric_ids(metric)
    if bad or not ids:
        raise ValueError(f"{metric!r} is not a metric id: expected one of "
                         f"{', '.join(METRIC_TABLES)} (or M7 for M7a and M7b)")
    return ids


def natural_key(text: object) -> tuple:
    """Sort key that puts "A2" before "A10": digits compare as numbers, the rest as text."""
    pieces = re.split(r"(\d+)", str(text).lower())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(pieces))


def actions_for(ret_or_plan: Return | pd.DataFrame | None, metric: str,
                service: str | None = None) -> pd.DataFrame:
    """The actions aimed at ``metric`` (case-insensitive; "M7" is M7a and M7b), each once, most
    severe status first (Red, Amber, Green, Complete), then by action_id as a person counts.

    ``service`` (adults / children) keeps the actions for that service and those for both.
    """
    plan = plan_frame(ret_or_plan)
    ids = _metric_ids(metric)
    rows = plan[plan["metric"].isin(ids)]
    if service is not None and service != ALL_SERVICES and "service" in rows.columns:
        rows = rows[rows["service"].isin([service, ALL_SERVICES]) | rows["service"].isna()]
    rows = rows.drop_duplicates("action_id", keep="first")
    order = sorted(range(len(rows)), key=lambda i: (
        _SEVERITY[rows["status"].iloc[i]], natural_key(rows["action_id"].iloc[i])))
    return rows.iloc[order].reset_index(drop=True)


def status_counts(ret_or_plan: Return | pd.DataFrame | None) -> pd.DataFrame:
    """Actions per metric and status: every metric a row (report order), every status a column,
    zeros where there are none; an action aimed at several metrics counts for each."""
    plan = plan_frame(ret_or_plan)
    counts = (plan.drop_duplicates(["action_id", "metric"])
              .groupby(["metric", "status"]).size()
              .unstack("status", fill_value=0)
              .reindex(index=list(METRIC_TABLES), columns=list(ACTION_STATUSES), fill_value=0))
    counts = counts.fillna(0).astype("int64")
    counts.index.name, counts.columns.name = "metric", None
    return counts


def headline_rows(trends: pd.DataFrame, year: int | None = None) -> dict[str, dict]:
    """The row of change_over_time that stands for each metric: against the baseline, minority
    ethnic staff, the whole department, in ``year`` (default: the latest); for M1 the highest pay
    band (the last band in the rows, which follow the report's band order); for M9 its relative
    likelihood (senior managers over staff, as Skills for Care's national report gives it), not
    its share."""
    rows = trends[(trends["compared_with"] == "baseline") & (trends["group"] == "minority")
                  & (trends["service"] == ALL_SERVICES)]
    if rows.empty:
        return {}
    year = int(rows["year"].max()) if year is None else year
    rows = rows[rows["year"] == year]
    found: dict[str, dict] = {}
    for record in rows.to_dict(orient="records"):
        metric, band = record["metric"], record["pay_band"]
        if metric == "M9" and record.get("measure") != "rl":
            continue
        if metric == "M1":
            if not _missing(band):
                found[metric] = record  # later bands replace earlier: the highest wins
        elif _missing(band):
            found[metric] = record
    return found


def progress_table(ret_or_plan: Return | pd.DataFrame | None,
                   trends_or_change: pd.DataFrame | Mapping[str, str],
                   year: int | None = None) -> pd.DataFrame:
    """Per metric (every metric, report order): the actions by status beside the metric's change
    since the baseline (:data:`CHANGES`) and the figures it rests on.

    ``trends_or_change`` is change_over_time's output (the headline row per metric is chosen by
    :func:`headline_rows`, for ``year`` or the latest) or a mapping metric -> change word already
    decided. Metrics without a figure say "no baseline". For a published report pass the trends
    after :func:`wres_tools.publish.publish_trends`.
    """
    counts = status_counts(ret_or_plan)
    if isinstance(trends_or_change, pd.DataFrame):
        headline = headline_rows(trends_or_change, year)
        words = {m: direction_of_change(headline.get(m), METRICS[m].adverse_when)
                 for m in METRIC_TABLES}
    else:
        headline = {}
        bad = {m: w for m, w in trends_or_change.items() if m not in METRIC_TABLES
               or w not in CHANGES}
        if bad:
            raise ValueError(f"change words {bad}: expected metric ids {list(METRIC_TABLES)} "
                             f"and words {list(CHANGES)}")
        words = {m: trends_or_change.get(m, NO_BASELINE) for m in METRIC_TABLES}
    out = []
    for metric in METRIC_TABLES:
        row = headline.get(metric, {})
        figures = {c: None if _missing(row.get(c)) else row.get(c)
                   for c in ("measure", "pay_band", "year_then", "value_then", "year",
                             "value_now", "change", "change_ci_low", "change_ci_high",
                             "p_value")}
        status = counts.loc[metric]
        out.append({
            "metric": metric, "title": METRICS[metric].short_title,
            **{s: int(status[s]) for s in ACTION_STATUSES}, "actions": int(status.sum()),
            "since_baseline": words[metric], **figures,
        })
    return pd.DataFrame(out, columns=list(PROGRESS_COLUMNS))


_SINCE_BASELINE = {
    IMPROVED: "The figure has improved significantly since the baseline year{when}.",
    WORSENED: "The figure has worsened significantly since the baseline year{when}.",
    NO_CHANGE: "The figure has not changed significantly since the baseline year{when}.",
    NO_BASELINE: "There is no baseline figure to compare it with yet.",
    NOT_COMPUTABLE: "Its change since the baseline year{when} cannot be computed.",
    NOT_PUBLISHED: "Its change since the baseline year{when} is not published: small numbers.",
}


def describe_actions(progress_row: Mapping) -> str:
    """The sentences a report prints for one metric's row of :func:`progress_table`: how many
    actions aim at it, by status, and whether the figure improved since the baseline."""
    short = METRICS[progress_row["metric"]].short_title
    title = short[0].lower() + short[1:]  # "Training and CPD" -> "training and CPD"
    total = int(progress_row["actions"])
    if total == 0:
        text = f"No action in the plan aims at {title}."
    else:
        parts = [f"{int(progress_row[s])} {s}" for s in ACTION_STATUSES if progress_row[s]]
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        verb = "aims" if total == 1 else "aim"
        noun = "action" if total == 1 else "actions"
        text = f"{total} {noun} in the plan {verb} at {title}: {listed}."
    year_then = progress_row.get("year_then")
    when = "" if year_then is None or _missing(year_then) else f" ({int(year_then)})"
    return f"{text} {_SINCE_BASELINE[progress_row['since_baseline']].format(when=when)}"


# --- the plan through the year and across reports ---------------------------------------------

#: How an action's status moved between an earlier report and now: towards Complete (Red ->
#: Amber -> Green -> Complete), away from it, not at all; or the action was not in that plan.
MOVED_UP = "moved up"
SLIPPED = "slipped back"
UNCHANGED = "unchanged"
NEW_SINCE = "new"
#: The earlier year's return had no action plan, or there is no earlier report.
NO_EARLIER_PLAN = "no plan then"
MOVEMENTS: tuple[str, ...] = (MOVED_UP, SLIPPED, UNCHANGED, NEW_SINCE, NO_EARLIER_PLAN)

#: Columns of :func:`status_movement`, in order.
MOVEMENT_COLUMNS: tuple[str, ...] = (
    "action_id", "status", "last_year", "status_last", "since_last", "baseline_year",
    "status_baseline", "since_baseline",
)

_PROGRESS = {status: rank for rank, status in enumerate(ACTION_STATUSES)}  # Red 0 ... Complete 3


def movement(then: str | None, now: str, plan_held: bool) -> str:
    """The word for a status going from ``then`` to ``now`` (:data:`MOVEMENTS`)."""
    if not plan_held:
        return NO_EARLIER_PLAN
    if then is None:
        return NEW_SINCE
    if _PROGRESS[now] > _PROGRESS[then]:
        return MOVED_UP
    return SLIPPED if _PROGRESS[now] < _PROGRESS[then] else UNCHANGED


def _statuses(plan: pd.DataFrame | None) -> dict[str, str] | None:
    """action_id (lower case) -> status; None for no plan."""
    if plan is None:
        return None
    rows = plan_frame(plan).drop_duplicates("action_id")
    return {str(a).lower(): str(s) for a, s in zip(rows["action_id"], rows["status"],
                                                    strict=True)}


def status_movement(plans: Mapping[int, pd.DataFrame | None], year: int,
                    baseline_year: int | None = None) -> pd.DataFrame:
    """Each action of ``year``'s plan (in the plan's order): its status now, at the last report
    and at the baseline, and how it moved since each (:data:`MOVEMENTS`).

    ``plans`` maps each year held to its return's tidy plan (None: that return had none). The
    last report is the latest year before ``year`` held; the baseline is ``baseline_year``, or
    the first year held. An action is the same action in two years when its action_id is (case
    aside). Where ``year`` is itself the baseline, or nothing came before, the columns for that
    comparison are blank and the word is "no plan then".
    """
    if plans.get(year) is None:
        return pd.DataFrame(columns=list(MOVEMENT_COLUMNS))
    now = _statuses(plans[year]) or {}
    earlier = sorted(y for y in plans if y < year)
    last = earlier[-1] if earlier else None
    base = baseline_year if baseline_year is not None else (min(plans) if plans else None)
    base = base if base is not None and base < year and base in plans else None
    then_last = _statuses(plans[last]) if last is not None else None
    then_base = _statuses(plans[base]) if base is not None else None
    rows = []
    for action_id in plan_frame(plans[year]).drop_duplicates("action_id")["action_id"]:
        key, status = str(action_id).lower(), now[str(action_id).lower()]
        status_last = None if then_last is None else then_last.get(key)
        status_base = None if then_base is None else then_base.get(key)
        rows.append({
            "action_id": action_id, "status": status, "last_year": last,
            "status_last": status_last,
            "since_last": movement(status_last, status, then_last is not None),
            "baseline_year": base, "status_baseline": status_base,
            "since_baseline": movement(status_base, status, then_base is not None),
        })
    return pd.DataFrame(rows, columns=list(MOVEMENT_COLUMNS))


def date_text(iso: str) -> str:
    """31 May 2023: an ISO date as a report writes it."""
    day = datetime.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def updates_of(updates: pd.DataFrame | None, action_id: str) -> list[dict]:
    """The dated updates of one action (case aside), oldest first: each with update_date,
    status and latest_update (its position then)."""
    if updates is None or updates.empty:
        return []
    rows = updates[updates["action_id"].str.lower() == str(action_id).lower()]
    return rows.sort_values("update_date", kind="stable").to_dict(orient="records")


def describe_movement(moves: pd.DataFrame, metric_actions: pd.DataFrame | None = None) -> str:
    """One sentence of how the actions (all of ``moves``, or those among ``metric_actions``) moved
    since the last report, e.g. "Since the last report (2022): 1 action moved up, 1 slipped back
    and 2 are new." Empty when there is no earlier plan to compare with."""
    if metric_actions is not None:
        wanted = {str(a).lower() for a in metric_actions["action_id"]}
        moves = moves[moves["action_id"].str.lower().isin(wanted)]
    if moves.empty or (moves["since_last"] == NO_EARLIER_PLAN).all():
        return ""
    counts = moves["since_last"].value_counts()
    parts: list[str] = []
    for word in (MOVED_UP, SLIPPED, UNCHANGED, NEW_SINCE):
        n = int(counts.get(word, 0))
        if n:
            verb = ("is" if n == 1 else "are") if word in (UNCHANGED, NEW_SINCE) else ""
            noun = "action" if n == 1 else "actions"
            parts.append(" ".join(p for p in (str(n), noun if not parts else "", verb, word) if p))
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"Since the last report ({int(moves['last_year'].iloc[0])}): {listed}."
