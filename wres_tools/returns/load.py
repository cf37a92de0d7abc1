"""Read -> validate -> tidy: one return in, a :class:`~wres_tools.contract.Return` out, or a
:class:`~wres_tools.contract.ReturnError` carrying every problem found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from wres_tools.contract import (
    ACTION_PLAN_TABLE,
    Return,
    ReturnError,
    ValidationReport,
)
from wres_tools.parameters import Parameters, check_parameters, resolve_parameters_dir
from wres_tools.returns.find import ReturnRef, find_returns
from wres_tools.returns.parse import is_synthetic
from wres_tools.returns.read import read_raw
from wres_tools.returns.tidy import build_tables, granularity, tidy_action_plan, tidy_population

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
    )


def load_all(
    data_dir: Path | str, parameters_dir: Path | None = None
) -> Iterator[tuple[ReturnRef, Parameters | None, Return | ReturnError]]:
    """Every return under ``data_dir`` with its parameters: the Return, or the ReturnError (whose
    report also holds the parameter file's problems) when it cannot be used."""
    params_dir = resolve_parameters_dir(Path(data_dir), parameters_dir)
    checked: dict[str, tuple[Parameters | None, ValidationReport]] = {}
    for ref in find_returns(data_dir):
        if ref.authority not in checked:
            checked[ref.authority] = check_parameters(ref.authority, params_dir)
        params, param_report = checked[ref.authority]
        try:
            ret = load_return(ref, params)
        except ReturnError as exc:
            exc.report.problems[:0] = param_report.problems
            yield ref, params, ReturnError(exc.report)
            continue
        if params is None:
            report = ValidationReport(str(ref.path), list(param_report.problems))
            yield ref, params, ReturnError(report)
            continue
        yield ref, params, ret
