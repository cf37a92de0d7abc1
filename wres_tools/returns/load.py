"""Read -> validate -> tidy: one return in, a :class:`~wres_tools.contract.Return` out, or a
:class:`~wres_tools.contract.ReturnError` carrying every problem found.
"""

from __future__ import annotations

from wres_tools.contract import (
    ACTION_PLAN_TABLE,
    Return,
    ReturnError,
)
from wres_tools.parameters import Parameters
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.parse import is_synthetic
from wres_tools.returns.read import read_raw
from wres_tools.returns.tidy import (
    build_tables,
    granularity,
    tidy_action_plan,
    tidy_action_updates,
    tidy_population,
)

# --- loading -------------------------------------------------------------------------------------


def load_return(ref: ReturnRef, params: Parameters | None) -> Return:
    """Read, validate and tidy one return.

    Raises :class:`~wres_tools.contract.ReturnError` carrying the whole report when there are
    errors; notices travel in ``Return.notices``.
    """
    from wres_tools.returns.validate import validate_raw

    raw = read_raw(ref, params)
    report = validate_raw(raw, params)
    if not report.ok:
        raise ReturnError(report)
    return Return(
        authority=ref.authority,
        year=ref.year,
        source=ref.path,
        tables=build_tables(raw),
        population=tidy_population(raw, params),
        synthetic=is_synthetic(raw) or bool(params is not None and params.synthetic),
        granularity=granularity(raw),
        notices=tuple(report.notices),
        action_plan=(tidy_action_plan(raw.tables[ACTION_PLAN_TABLE])
                     if ACTION_PLAN_TABLE in raw.tables else None),
        action_updates=(tidy_action_updates(raw.tables[ACTION_PLAN_TABLE])
                        if ACTION_PLAN_TABLE in raw.tables else None),
    )
