"""The one publishing step: an authority-year's computed results -> the figures outputs show.

Every output that may leave the team - metric and summary pages, the explorer in published mode,
``metrics.json`` and ``results.csv``, the benchmarking pages, the index, ``wres metrics
--disclosure published`` - takes its figures from here and from nothing else, and no other module
calls the suppression primitives of :mod:`wres_tools.disclosure`:

* :func:`publish_results`: one year's result records with the authority's threshold and
  ``senior_bands`` (so M9 counted from the top pay bands is a line like any other);
* :func:`publish_trends`: the change over time, withheld exactly where either year's own
  published records withheld the figure (so a later report never shows what an earlier one hid);
* :func:`publish_pooled`: M3 pooled over two years, a count shown only where both years show it
  (a pooled count is then the sum of two shown ones, and tells nothing new).

A published record says what was withheld in its ``withheld`` column (the names of the columns
disclosure control blanked), so a formatter never guesses from a reason string:
:func:`is_withheld`. A record that lacks a count its figures need is a :class:`PublishError`
naming the metric, service and group, never a silently published figure.

The year-wide pages (benchmarking, the index) are made from these per-authority records: a
benchmark pools only the counts an authority shows, so pooling across authorities adds nothing a
reader could subtract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from wres_tools import disclosure, trends
from wres_tools.contract import is_missing, typed_results
from wres_tools.parameters import Parameters

#: The symbol every output prints for a withheld count.
SYMBOL = disclosure.SYMBOL
#: The words the narrative prints for a withheld figure.
WITHHELD = disclosure.WITHHELD

#: Metrics whose records carry no event counts.
_NO_EVENTS = ("M1", "M9")


class PublishError(ValueError):
    """Result records the publishing step cannot publish safely."""


def check_records(records: pd.DataFrame) -> None:
    """Every computed record holds the counts its figures rest on; raises :class:`PublishError`
    naming the first record that does not (a missing count would make its figures unprotected:
    nothing would know what they rest on)."""
    if "withheld" not in records.columns:
        raise PublishError("result records have no 'withheld' column; expected the columns of "
                           "contract.RESULT_COLUMNS (records made by metrics.compute_all)")
    for row in records[records["status"] != "not_collected"].itertuples(index=False):
        needed = ["n_group", "n_reference"]
        if row.metric not in _NO_EVENTS:
            needed += ["events_group", "events_reference"]
        has_figures = not all(is_missing(getattr(row, c)) for c in (
            "rate_group", "rl", "share", "share_workforce", "p_value"))
        if row.status != "ok" and not has_figures:
            continue
        missing = [c for c in needed if is_missing(getattr(row, c))]
        if missing:
            band = "" if is_missing(row.pay_band) else f", pay band {row.pay_band}"
            raise PublishError(
                f"result record {row.metric}, service {row.service}, group {row.group}{band}: "
                f"no {', '.join(missing)}; expected the count(s) its figures rest on, so that "
                "disclosure control can protect them")


def publish_results(records: pd.DataFrame, params: Parameters, mode: str) -> pd.DataFrame:
    """One authority-year's result records as they may be shown in ``mode``.

    ``published``: every count from 1 to ``params.threshold - 1`` withheld, and enough others
    that none can be worked out - by subtraction along any line or by an integer program over
    the ranges the shown figures allow (:func:`wres_tools.disclosure.apply_disclosure`) -, every
    figure resting on a withheld count withheld too. ``internal``: unchanged but for the mode.
    Typed (:func:`wres_tools.contract.typed_results`: nullable dtypes, a withheld figure <NA>)
    and checked against the records' schema. Pure: :func:`wres_tools.computed.published_return`
    keeps what it returns, per process and across the batch's kernels. Never changes its input.
    """
    if mode == "published":
        check_records(records)
    return typed_results(disclosure.apply_disclosure(
        records, mode, params.threshold, senior_bands=params.senior_bands))  # type: ignore[arg-type]


def publish_tables(records: pd.DataFrame, tables: Sequence[pd.Index], params: Parameters,
                   mode: str) -> pd.DataFrame:
    """:func:`publish_results` of records that hold several tables, each published whole and on
    its own: ``tables`` split the rows of ``records`` (index labels), each part goes through
    disclosure control as its own table (a pooled line's counts add up only with the lines
    pooling the same councils), and the parts are typed and checked once, in ``records``' row
    order. The same records as publishing each part with :func:`publish_results` and putting
    them together, for one schema check rather than one per part."""
    if mode == "published":
        check_records(records)
    parts = [disclosure.apply_disclosure(records.loc[rows], mode, params.threshold,  # type: ignore[arg-type]
                                         senior_bands=params.senior_bands) for rows in tables]
    if not parts:
        return publish_results(records, params, mode)
    return typed_results(pd.concat(parts).sort_index())


def publish_trends(change: pd.DataFrame, published_by_year: Mapping[int, pd.DataFrame],
                   mode: str) -> pd.DataFrame:
    """The change over time as it may be shown beside ``published_by_year`` (each year's own
    :func:`publish_results`): a change is withheld where either year's figure was. Typed
    (:func:`wres_tools.trends.typed_changes`) in either mode."""
    if mode != "published":
        return trends.typed_changes(change)
    return trends.typed_changes(disclosure.apply_to_trends(change, published_by_year))


def publish_pooled(pooled: pd.DataFrame, published_by_year: Mapping[int, pd.DataFrame],
                   years: Sequence[int], params: Parameters, mode: str) -> pd.DataFrame:
    """Records pooled over ``years`` (counts summed) as they may be shown beside each year's
    published records: a pooled count only where every year shows it, and figures over a
    withheld one withheld. Typed like :func:`publish_results`."""
    if mode != "published":
        return typed_results(disclosure.apply_disclosure(pooled, "internal", params.threshold))
    return typed_results(disclosure.apply_to_pooled(pooled, published_by_year, years,
                                                    params.threshold))


def is_withheld(record: Mapping[str, Any], column: str) -> bool:
    """Whether disclosure control withheld ``column`` of a published record (a figure that is
    missing for another reason - not computable, not collected - is not withheld)."""
    withheld = record.get("withheld")
    return isinstance(withheld, (tuple, list)) and column in withheld


def check(published: pd.DataFrame, params: Parameters,
          original: pd.DataFrame | None = None) -> list[str]:
    """Every way a published frame breaks the rules (:func:`disclosure.check_published`, with
    the authority's threshold and senior bands); empty when none."""
    return disclosure.check_published(published, params.threshold, original=original,
                                      senior_bands=params.senior_bands)

