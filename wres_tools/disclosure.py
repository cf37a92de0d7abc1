"""Disclosure control on result records: the suppression primitives of the one publishing step.

Only :mod:`wres_tools.publish` calls this module; every output takes its figures from there.
``apply_disclosure`` takes the result records of :mod:`wres_tools.metrics` (columns
:data:`~wres_tools.contract.RESULT_COLUMNS`) and returns them either unchanged (``internal``) or
fit to leave the team (``published``):

* primary suppression: every count from 1 to ``threshold - 1`` is withheld (zero is always
  shown, so a reader knows a withheld count is at least 1), and so is every count of events
  whose complement - the people without the event, ``n - events`` - is from 1 to
  ``threshold - 1`` ("5 of 7 said yes" says 2 said no);
* secondary suppression: the counts add up along *lines* - adults + children = all services;
  asian + black + mixed + other [+ label-only minority staff] = minority; pay bands [+ staff in no
  band] = whole workforce (M1); minority + white = the known total; events + non-events =
  people; M9 = the M1 headcount of the senior bands. Rule 1: a line never keeps exactly one
  withheld cell. Rule 2: subtracting along lines, one after another, must not give a withheld
  count or a small remainder. Rule 3, the range audit: an integer program per connected group
  of withheld counts (HiGHS) finds the lowest and highest value each can take given everything
  shown and every line; a withheld count whose range is one value, or one under the threshold
  whose highest value is under it (a reader must not tell a small count from a protective one),
  gets a further cell of a binding line withheld. The rules run until nothing changes. The same
  headcount under several metrics (M3, M5 and M8 share the workforce) is withheld under all;
* every figure resting on a withheld count - rate, interval, RL, p value, share (a group's share
  rests on its band's minority and white counts too), gap, index, four-fifths reading,
  significance, ``unknown_pct`` and the ``small_numbers`` flag - is withheld, with reason "not
  published: small numbers";
* the record's ``withheld`` column names every column withheld, and every output prints a
  withheld count as the one symbol "[c]".

Which cells were hidden travels with the published frame in ``df.attrs``
(:class:`SuppressedCells`), read back by :func:`suppression_mask`; :func:`display_count` turns a
cell into the text a table prints. :func:`apply_to_trends` and :func:`apply_to_pooled` make the
change table and figures pooled over years follow the published results;
:func:`check_published` is the independent check the tests run on published frames, with the
same range audit. :func:`hidden_known_totals` says which known totals were hidden, also for a
frame read back from JSON.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from wres_tools.contract import METRIC_TABLES, RESULT_COLUMNS
from wres_tools.contract import is_missing as _missing
from wres_tools.ethnicity import MINORITY_GROUPS

Mode = Literal["published", "internal"]
MODES: tuple[str, ...] = ("published", "internal")

#: Banner every internal-mode page carries.
BANNER_INTERNAL = (
    "Internal use only: contains small numbers. Every count and rate is shown exactly; "
    "do not publish or share this report outside the team."
)
#: The reason put on a record whose figures were withheld, and the words the narrative prints.
WITHHELD = "not published: small numbers"
#: How every output shows a withheld count, small or protective alike (GSS: "confidential").
SYMBOL = "[c]"

#: Count columns of a result record.
COUNT_COLUMNS: tuple[str, ...] = (
    "n_group", "events_group", "n_reference", "events_reference", "unknown_count",
)
_RATE_GROUP = ("rate_group", "rate_group_ci_low", "rate_group_ci_high")
_RATE_REFERENCE = ("rate_reference", "rate_reference_ci_low", "rate_reference_ci_high")
_COMPARISON = (
    "rl", "rl_ci_low", "rl_ci_high", "rl_nhs_direction", "p_value", "significant", "four_fifths",
    "gap_pp", "gap_pp_ci_low", "gap_pp_ci_high",
)
_SHARE = ("share", "share_ci_low", "share_ci_high", "gap_population_pp")
_AGAINST_WORKFORCE = ("representation_index", "gap_workforce_pp")
#: Every derived figure a record may carry: withheld when a count behind it is hidden.
DERIVED_COLUMNS: tuple[str, ...] = (
    *_RATE_GROUP, *_RATE_REFERENCE, *_COMPARISON, *_SHARE, "share_workforce",
    *_AGAINST_WORKFORCE, "unknown_pct",
)

_ATTRS_KEY = "wres_suppressed_cells"
_NO_EVENTS = ("M1", "M9")  # metrics whose records carry no event counts
_SENIOR = "M9"  # its RL: senior managers (its counts) over staff (M1's whole workforce)
_NON = "non"  # role of a complement: people without the event (n - events), never shown
_REM = "_rem"  # coordinate of a remainder: label-only minority staff, or staff in no pay band
_WHITE = "white"
_MINORITY = "minority"
_SERVICE_PARTS = ("adults", "children")
_ALL = "all"
_UNKNOWN = "unknown"
_KNOWN = "_known"

class SuppressedCells(Mapping[tuple[Any, str], str]):
    """(row label, count column) -> "primary" | "secondary" for every hidden count of a
    published frame. Kept in ``df.attrs``; immutable, so pandas' copy of attrs on every column
    access shares it instead of deep-copying it."""

    def __init__(self, cells: Mapping[tuple[Any, str], str],
                 known_totals: Iterable[tuple[str, str]] = ()) -> None:
        self._cells = dict(cells)
        #: (metric, service) whose known-ethnicity total the data-quality table must not print
        self.known_totals = frozenset(known_totals)

    def __getitem__(self, key: tuple[Any, str]) -> str:
        return self._cells[key]

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)

    def __deepcopy__(self, memo: dict[int, Any]) -> SuppressedCells:
        return self


# A cell of the count lattice: (metric, role, service, pay_band, group).
# role: "n" | "events" | "unknown"; pay_band None = whole workforce, _REM = in no band;
# group: minority | asian | black | mixed | other | _REM (label-only minority) | white | unknown.
Cell = tuple[str, str, str, Any, str]


@dataclass(frozen=True)
class Line:
    """Cells that add up: ``total`` = sum of ``parts``. ``complement``: events + non-events =
    people (the non-events are a remainder no record shows), a line rule 1 leaves alone - its
    remainder is never known, so one hidden event count on it is protected by the remainder -
    while the attack and the range audit use it like any other."""

    total: Cell
    parts: tuple[Cell, ...]
    complement: bool = False

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts; much faster than ``DataFrame.to_dict("records")`` on wide mixed frames."""
    columns = {c: df[c].tolist() for c in df.columns}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(),
                                                                       strict=True)]


def _band(value: Any) -> Any:
    return None if _missing(value) else value


# --------------------------------------------------------------------------------------------
# The lattice: cells read from the records, remainders worked out, and the lines between them.


@dataclass
class _Lattice:
    values: dict[Cell, int | None]  # every cell, real and remainder; None: not known here
    places: dict[Cell, list[tuple[Any, str]]]  # real cell -> (row label, column) holding it
    lines: list[Line]
    remainders: set[Cell]
    printed: set[Cell] = field(default_factory=set)  # totals shown elsewhere (data quality)

    def is_real(self, cell: Cell) -> bool:
        return cell in self.places

    def can_hide(self, cell: Cell) -> bool:
        """A count on a record, or a known total the data-quality table prints."""
        return cell in self.places or cell in self.printed


def _cells_of(row: Mapping[str, Any]) -> list[tuple[Cell, str]]:
    metric, service, group = row["metric"], row["service"], row["group"]
    band = _band(row["pay_band"])
    return [
        ((metric, "n", service, band, group), "n_group"),
        ((metric, "events", service, band, group), "events_group"),
        ((metric, "n", service, band, _WHITE), "n_reference"),
        ((metric, "events", service, band, _WHITE), "events_reference"),
        ((metric, "unknown", service, band, _UNKNOWN), "unknown_count"),
    ]


def _build_lattice(
    results: pd.DataFrame, known_total_shown: bool, hidden: Mapping[Any, set[str]] | None = None,
    senior_bands: Sequence[str] = (),
) -> _Lattice:
    """Cells, remainders and lines of a results table. ``hidden`` (row label -> count columns)
    names counts left None by suppression: they are cells of unknown value (for the check of a
    published table, which no longer holds them). ``senior_bands``: M9 counts that are the sum
    of these M1 bands form one more line each."""
    hidden = hidden or {}
    values: dict[Cell, int | None] = {}
    places: dict[Cell, list[tuple[Any, str]]] = {}
    for label, row in zip(results.index, _records(results), strict=True):
        if row["status"] == "not_collected":
            continue
        for cell, column in _cells_of(row):
            raw = row[column]
            if _missing(raw):
                if column in hidden.get(label, ()):
                    values.setdefault(cell, None)
                    places.setdefault(cell, []).append((label, column))
                continue
            if raw < 0 or raw != int(raw):
                raise ValueError(
                    f"result record {row['metric']} / {row['service']} / {row['group']}"
                    f"{'' if cell[3] is None else ' / ' + str(cell[3])}: column {column} is "
                    f"{raw!r}; expected a whole number of people >= 0"
                )
            value = int(raw)
            if values.get(cell) is not None and values[cell] != value:
                raise ValueError(
                    f"result records {row['metric']} / {row['service']}: column {column} is "
                    f"{value} on one record and {values[cell]} on another for the same people; "
                    "expected one count"
                )
            values[cell] = value
            places.setdefault(cell, []).append((label, column))

    lattice = _Lattice(values, places, [], set())
    metrics = sorted({c[0] for c in values})
    for metric in metrics:
        own = [c for c in values if c[0] == metric]
        bands = sorted({c[3] for c in own if c[3] is not None}, key=str)
        for role in ("n", "events", "unknown"):
            cells = [c for c in own if c[1] == role]
            groups = sorted({c[4] for c in cells}, key=str)
            for service in sorted({c[2] for c in cells}):
                _band_lines(lattice, (metric, role, service), bands, groups)
                if role == "unknown":
                    continue
                for band in [None, *bands, _REM]:
                    _group_line(lattice, (metric, role, service), band)
                _band_lines(lattice, (metric, role, service), bands, [_REM])
    # minority + white = the known total, which the data-quality table prints: a cell that can
    # be hidden like any other (the data-quality table then leaves it out)
    if known_total_shown:
        for cell in sorted(values, key=str):
            metric, role, service, band, group = cell
            white = (metric, "n", service, None, _WHITE)
            if role == "n" and band is None and group == _MINORITY and white in values:
                known = (metric, "n", service, None, _KNOWN)
                m, w = values[cell], values[white]
                values[known] = None if m is None or w is None else m + w
                lattice.printed.add(known)
                lattice.lines.append(Line(known, (cell, white)))
    # adults + children = all, for every cell including the remainders and known totals
    for metric in metrics:
        if not any(c[0] == metric and c[2] in _SERVICE_PARTS for c in values):
            continue
        for role, band, group in sorted({(c[1], c[3], c[4]) for c in values if c[0] == metric},
                                        key=str):
            total = (metric, role, _ALL, band, group)
            if total in values:
                parts = [(metric, role, s, band, group) for s in _SERVICE_PARTS]
                _add_line(lattice, total, parts, None)
    # events + non-events = people: those not appointed, who answered no, who stayed are counts
    for cell in sorted(values, key=str):
        metric, role, service, band, group = cell
        n_cell = (metric, "n", service, band, group)
        if role == "events" and n_cell in values:
            non = (metric, _NON, service, band, group)
            e, n = values[cell], values[n_cell]
            values[non] = None if e is None or n is None else n - e
            lattice.remainders.add(non)
            lattice.lines.append(Line(n_cell, (cell, non), complement=True))
    # M9 from senior bands: senior managers = the M1 headcount of those bands, group by group
    if senior_bands:
        for cell in sorted(values, key=str):
            metric, role, service, band, group = cell
            if metric == "M9" and role == "n" and band is None:
                parts = [("M1", "n", service, b, group) for b in senior_bands]
                if any(p in values for p in parts):
                    _add_line(lattice, cell, parts, None)
    lattice.lines.sort(key=lambda line: str(line.cells))
    return lattice


def _add_line(lattice: _Lattice, total: Cell, parts: list[Cell], remainder: Cell | None) -> None:
    """Add total = sum(parts) [+ remainder]; a line the data does not add up along is left out."""
    values = lattice.values
    amounts = [values.get(c, 0) for c in (total, *parts)]  # no record: nobody there
    known = [a for a in amounts if a is not None]
    rest = None if len(known) < len(amounts) else known[0] - sum(known[1:])
    if rest is not None and rest < 0:
        return
    if remainder is not None and rest != 0:
        values[remainder] = rest
        lattice.remainders.add(remainder)
        parts = [*parts, remainder]
    elif rest is not None and rest > 0:
        return
    lattice.lines.append(Line(total, tuple(parts)))


def _band_lines(lattice: _Lattice, at: tuple[str, str, str], bands: list[Any],
                groups: list[str]) -> None:
    """M1: the pay bands add up to the whole workforce; staff in no band are a remainder."""
    metric, role, service = at
    for group in groups:
        total = (metric, role, service, None, group)
        if bands and total in lattice.values:
            parts = [(metric, role, service, b, group) for b in bands]
            _add_line(lattice, total, parts, (metric, role, service, _REM, group))


def _group_line(lattice: _Lattice, at: tuple[str, str, str], band: Any) -> None:
    """The high-level groups add up to minority; label-only minority staff are a remainder."""
    metric, role, service = at
    total = (metric, role, service, band, _MINORITY)
    if total in lattice.values:
        parts = [(metric, role, service, band, g) for g in MINORITY_GROUPS]
        _add_line(lattice, total, parts, (metric, role, service, band, _REM))


# --------------------------------------------------------------------------------------------
# Suppression: primary, then the two rules on lines, to a fixed point.


def _attack(lattice: _Lattice, known: set[Cell]) -> dict[Cell, tuple[Line, int | None]]:
    """A reader's attack: wherever a line has exactly one cell not known, subtraction gives it;
    repeat until nothing more comes. Returns cell -> (the line that gave it away, its value, None
    where a value behind it is not known here). Cells with no record hold nobody: known zeros."""
    values: dict[Cell, int | None] = {c: lattice.values[c] for c in known}
    for line in lattice.lines:
        for cell in line.cells:
            if cell not in lattice.values:
                values[cell] = 0
    found: dict[Cell, tuple[Line, int | None]] = {}
    changed = True
    while changed:
        changed = False
        for line in lattice.lines:
            unknown = [c for c in line.cells if c not in values]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            others = [values[c] for c in line.parts if c != cell]
            known_others = [v for v in others if v is not None]
            value: int | None
            if len(known_others) < len(others):
                value = None
            elif cell == line.total:
                value = sum(known_others)
            else:
                total = values[line.total]
                value = None if total is None else total - sum(known_others)
            values[cell] = value
            found[cell] = (line, value)
            changed = True
    return found


# --------------------------------------------------------------------------------------------
# The range audit: what a reader with an integer-programming solver can derive.

#: Highest value the audit lets any count take: far above any workforce, so never binding.
_CEILING = 10**9


@dataclass(frozen=True)
class Range:
    """The lowest and highest value of one unknown count that agree with everything shown."""

    cell: Cell
    low: int
    high: int
    true: int | None  # the value behind it, where known
    binding: tuple[Line, ...] = ()  # the lines that hold it at the bound that gave it away


def _variable(lattice: _Lattice, cell: Cell,
              is_hidden: Callable[[Cell], bool]) -> tuple[Any, ...] | None:
    """The unknown a reader solves for at ``cell``, or None when the cell is shown (or, with no
    record, known to be zero). Hidden counts of the same people (:func:`_canon`) are one unknown."""
    if cell not in lattice.values:
        return None
    value = lattice.values[cell]
    if cell in lattice.remainders:
        return ("rem", *cell)
    if not lattice.can_hide(cell) or not is_hidden(cell):
        # shown; but a total the frame does not hold (checked without the internal records)
        # is an unknown of its own, at least 0
        return ("rem", *cell) if value is None else None
    return ("cell", *(cell if value is None else _canon(cell, value)))


def feasible_ranges(
    lattice: _Lattice, is_hidden: Callable[[Cell], bool], threshold: int,
    everything: bool = False, only: set[Cell] | None = None,
) -> list[Range]:
    """Solve, group of unknowns by group, for the range of each unknown a reader cares about.

    The reader knows every shown count, that a withheld count is at least 1 (zero is always
    shown) and every line (:class:`Line`); remainders (label-only minority staff, staff in no
    band, people without the event) are at least 0. Ranges are found for each withheld count and
    each remainder under the threshold (``everything``: every unknown; ``only``: just these
    cells), by an integer program per connected group of unknowns (:class:`_Component`). The
    highest value is solved first; the lowest only where the highest alone does not show the
    range is wide.
    """
    keys: dict[tuple[Any, ...], list[Cell]] = {}
    for cell in lattice.values:
        key = _variable(lattice, cell, is_hidden)
        if key is not None:
            keys.setdefault(key, []).append(cell)
    if not keys:
        return []
    parent = {k: k for k in keys}

    def root(k: tuple[Any, ...]) -> tuple[Any, ...]:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    rows: list[_Row] = []
    for line in lattice.lines:
        coefficients: dict[tuple[Any, ...], int] = {}
        constant = 0
        for sign, cell in [(-1, line.total), *((1, p) for p in line.parts)]:
            key = _variable(lattice, cell, is_hidden)
            if key is None:
                constant += sign * (lattice.values.get(cell) or 0)
            else:
                coefficients[key] = coefficients.get(key, 0) + sign
        coefficients = {k: c for k, c in coefficients.items() if c}
        if not coefficients:
            continue
        rows.append(_Row(coefficients, -constant, line))
        first, *rest = coefficients
        for k in rest:
            parent[root(k)] = root(first)
    components: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for k in keys:
        components.setdefault(root(k), []).append(k)
    row_of: dict[tuple[Any, ...], list[_Row]] = {}
    for row in rows:
        row_of.setdefault(root(next(iter(row.coefficients))), []).append(row)

    def values_of(k: tuple[Any, ...]) -> int | None:
        return lattice.values[keys[k][0]]

    found: list[Range] = []
    for top, members in sorted(components.items(), key=lambda item: str(item[0])):
        members = sorted(members, key=str)
        targets = []
        for k in members:
            cell, value = keys[k][0], lattice.values[keys[k][0]]
            wanted = everything or k[0] == "cell" or (value is not None and 0 < value < threshold)
            if wanted and (only is None or any(c in only for c in keys[k])):
                targets.append((k, cell, value))
        if not targets:
            continue
        solver = _Component(members, row_of.get(top, []))
        # every whole-number solution met is a witness for every unknown of the group, the true
        # counts first: a count whose witnesses already show a wide enough range needs no solve
        # of its own (``everything`` solves each for its exact range). Two solves first push
        # all the counts still to be shown wide up together, then down.
        seen = _Witnesses([values_of(k) for k in members], threshold)

        def wide(k: tuple[Any, ...], value: int | None, seen: _Witnesses = seen,
                 index: Mapping[tuple[Any, ...], int] = solver.index) -> bool:
            return not everything and seen.wide(index[k], value)

        if not everything:  # push the counts still to be shown wide up, then down, together
            highest, stalled = True, 0
            pending = [k for k, _, value in targets if not wide(k, value)]
            while len(pending) > 1 and stalled < 2:
                seen.add(solver.optimise(dict.fromkeys(pending, -1.0 if highest else 1.0)))
                left = [k for k, _, value in targets if not wide(k, value)]
                stalled = 0 if len(left) < len(pending) else stalled + 1
                pending, highest = left, not highest
        for k, cell, value in targets:
            i = solver.index[k]
            if wide(k, value):
                found.append(Range(cell, int(seen.low[i]), int(seen.high[i]), value))
                continue
            high, binding, x = solver.extreme(k, highest=True)
            seen.add(x)
            if value is None or everything or not wide(k, value):
                low, below, x = solver.extreme(k, highest=False)
                seen.add(x)
                binding = binding if high != value else below
            else:
                low = int(seen.low[i])
            found.append(Range(cell, low, high, value, binding))
    return found


class _Witnesses:
    """The lowest and highest value each unknown of a group took in any whole-number solution
    met (the true counts first)."""

    def __init__(self, true: Sequence[int | None], threshold: int) -> None:
        import numpy as np

        self._np = np
        self.threshold = threshold
        self.low = np.array([np.nan if v is None else float(v) for v in true])
        self.high = self.low.copy()

    def add(self, x: Any) -> None:
        self._np.fmin(self.low, x, out=self.low)
        self._np.fmax(self.high, x, out=self.high)

    def wide(self, i: int, value: int | None) -> bool:
        """Whether the witnesses already show the range wide enough: reaching the threshold for
        a count under it, more than one value for any other."""
        if value is None:
            return False
        if value < self.threshold:
            return bool(self.high[i] >= self.threshold)
        return bool(self.low[i] < self.high[i])


@dataclass(frozen=True)
class _Row:
    """One line as a reader's equation over the unknowns: sum(coefficient * unknown) = constant."""

    coefficients: dict[tuple[Any, ...], int]
    constant: int
    line: Line


_BANNER_SHOWN = False


def _highs() -> Any:
    """A silent HiGHS instance. HiGHS writes its copyright banner to the process's standard
    output the first time one is made, where a notebook or ``wres metrics --json`` would print
    it; that once, file descriptor 1 points at the null device."""
    global _BANNER_SHOWN
    import highspy

    if _BANNER_SHOWN:
        highs = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    highs.setOptionValue("output_flag", False)
    # the models are small and re-solved with a new objective only: presolve would start each
    # solve from scratch, where the simplex can start from the last optimal basis
    highs.setOptionValue("presolve", "off")
    return highs


class _Component:
    """One connected group of unknowns as a HiGHS model, built once and re-solved for each
    target's highest and lowest value (only the objective changes, so the simplex starts warm).
    The linear relaxation is solved first; where its optimum is not whole, the integer program
    is solved for that target. Also says which lines bind at the optimum (non-zero duals)."""

    def __init__(self, members: Sequence[tuple[Any, ...]], rows: Sequence[_Row]) -> None:
        import numpy as np

        self.index = {k: i for i, k in enumerate(members)}
        self.n = len(members)
        self.rows = list(rows)
        self.highs = _highs()
        lower = np.array([0.0 if k[0] == "rem" else 1.0 for k in members])
        self.highs.addVars(self.n, lower, np.full(self.n, float(_CEILING)))
        for row in self.rows:
            columns = np.array([self.index[k] for k in row.coefficients], dtype=np.int32)
            values = np.array([float(c) for c in row.coefficients.values()])
            self.highs.addRow(float(row.constant), float(row.constant), len(columns), columns,
                              values)
        self.columns = np.arange(self.n, dtype=np.int32)
        self.duals = np.zeros(len(self.rows))

    def optimise(self, weights: Mapping[tuple[Any, ...], float]) -> Any:
        """Minimise sum(weight * unknown); the whole-number solution found (an array)."""
        import highspy
        import numpy as np

        costs = np.zeros(self.n)
        for k, w in weights.items():
            costs[self.index[k]] = w
        self.highs.changeColsCost(self.n, self.columns, costs)
        self.highs.run()
        self._check(next(iter(weights)))
        solution = self.highs.getSolution()
        x = np.asarray(solution.col_value)
        self.duals = np.asarray(solution.row_dual)
        if np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:
            kinds = highspy.HighsVarType
            self.highs.changeColsIntegrality(self.n, self.columns,
                                             np.full(self.n, kinds.kInteger))
            self.highs.run()
            self._check(next(iter(weights)))
            x = np.asarray(self.highs.getSolution().col_value)
            self.highs.changeColsIntegrality(self.n, self.columns,
                                             np.full(self.n, kinds.kContinuous))
        return np.round(x)

    def extreme(self, key: tuple[Any, ...], highest: bool) -> tuple[int, tuple[Line, ...], Any]:
        """The target's highest (lowest) value, the lines binding there, and the whole-number
        solution found (a witness of what the other unknowns can be)."""
        x = self.optimise({key: -1.0 if highest else 1.0})
        binding = tuple(row.line for row, d in zip(self.rows, self.duals, strict=True)
                        if abs(d) > 1e-9)
        return int(x[self.index[key]]), binding, x

    def _check(self, key: tuple[Any, ...]) -> None:
        import highspy

        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise ValueError(f"the published pattern around {key[1:]} cannot be solved "
                             f"({self.highs.modelStatusToString(status)}): the counts do not add "
                             "up along their lines")


def range_failures(lattice: _Lattice, is_hidden: Callable[[Cell], bool], threshold: int,
                   only: set[Cell] | None = None) -> list[Range]:
    """The ranges that give a count away: a withheld count worked out exactly, or a withheld
    count or remainder that can be proved to be under the threshold (its highest feasible value
    is below it) - a reader must not tell a small count from a protective one."""
    failures = []
    for found in feasible_ranges(lattice, is_hidden, threshold, only=only):
        given_away = found.high < threshold or (found.low == found.high and found.true != 0)
        if found.cell in lattice.remainders and found.true is not None:
            given_away = 0 < found.true < threshold and found.high < threshold
        if given_away:
            failures.append(found)
    return failures


def _canon(cell: Cell, value: int | None) -> tuple[Any, ...]:
    """Headcounts and unknown counts with the same place and value are the same people across
    metrics (M3, M5 and M8 share the workforce denominator): hide them together everywhere."""
    metric, role, service, band, group = cell
    if role in ("n", "unknown") and value:
        return ("*", role, service, band, group, value)
    return cell


class _Suppressor:
    def __init__(self, lattice: _Lattice, threshold: int) -> None:
        self.lat = lattice
        self.threshold = threshold
        self.hidden: set[tuple[Any, ...]] = set()
        self.pending: set[Cell] | None = None  # what the next range audit solves (None: all)
        self.audited: set[tuple[Any, ...]] = set()  # what was hidden at the last range audit
        self.by_cell: dict[Cell, list[Line]] = {}
        for line in lattice.lines:
            for cell in line.cells:
                self.by_cell.setdefault(cell, []).append(line)
        for cell in [*lattice.places, *lattice.printed]:
            if self.small(lattice.values[cell]):
                self.hide(cell)
        # "5 of 7 said yes" publishes that 2 said no: a small complement makes its events small
        for line in lattice.lines:
            if not line.complement:
                continue
            events, non = line.parts
            if self.small(lattice.values[non]) and lattice.values[events]:
                self.hide(events)

    def small(self, value: int | None) -> bool:
        # the suppressor's lattice is built from the internal records: every value is known
        return value is not None and 0 < value < self.threshold

    def hide(self, cell: Cell) -> None:
        self.hidden.add(_canon(cell, self.lat.values[cell]))

    def is_hidden(self, cell: Cell) -> bool:
        return self.lat.can_hide(cell) and _canon(cell, self.lat.values[cell]) in self.hidden

    def partner(self, cells: Iterable[Cell], besides: Cell | None = None) -> Cell | None:
        """The next smallest non-zero published cell. A zero is never hidden: zero may be shown,
        so a reader knows every withheld count is at least 1, and the range audit assumes so."""
        options = [
            c for c in cells if c != besides and self.lat.can_hide(c) and not self.is_hidden(c)
            and self.lat.values[c]
        ]
        if not options:
            return None
        return min(options, key=lambda c: (self.lat.values[c], str(c)))

    def lone_hidden(self) -> bool:
        """Rule 1: no line has exactly one hidden cell (a reader who knows every remainder
        could work it out). Returns whether anything was hidden."""
        changed = False
        for line in self.lat.lines:
            if line.complement:
                continue
            hidden = [c for c in line.cells if self.is_hidden(c)]
            if len(hidden) == 1:
                other = self.partner(line.cells, besides=hidden[0])
                if other is not None:
                    self.hide(other)
                    changed = True
            elif hidden and not self.is_hidden(line.total):
                changed = self.room(line, hidden) or changed
        return changed

    def room(self, line: Line, hidden: list[Cell]) -> bool:
        """Rule 1b, the range along one line: with its total shown, the k withheld parts share
        what the shown parts leave, S, each at least 1, so each is at most S - (k - 1); where
        that is under the threshold and a part is small, a further part is withheld - the
        smallest shown one that lifts it to the threshold, else the largest. (Rule 3 checks
        every line at once; this one saves it most of its work.)"""
        values = self.lat.values
        if not any(self.small(values[c]) for c in hidden if c != line.total):
            return False
        shown = sum(values.get(c) or 0 for c in line.parts if c not in hidden
                    and c not in self.lat.remainders)
        left = (values.get(line.total) or 0) - shown
        if left - (len(hidden) - 1) >= self.threshold:
            return False
        need = self.threshold + len(hidden) - left
        other = self.lifter([line], line.total, need)
        if other is None:
            return False
        self.hide(other)
        return True

    def derivable(self) -> dict[Cell, tuple[Line, int | None]]:
        """What a reader can work out by subtracting along lines from what is shown."""
        shown = [*self.lat.places, *self.lat.printed]
        return _attack(self.lat, {c for c in shown if not self.is_hidden(c)})

    def small_remainders(self) -> bool:
        """Rule 2: neither a hidden count nor a small remainder may be derivable through a chain
        of lines (a remainder worked out on one line opens another). Returns whether anything
        was hidden."""
        changed = False
        for cell, (line, _) in sorted(self.derivable().items(), key=lambda item: str(item[0])):
            value = self.lat.values[cell]
            given_away = (self.is_hidden(cell) and value != 0) or (
                cell in self.lat.remainders and self.small(value))
            if not given_away:
                continue
            other = self.partner(line.cells, besides=cell)
            if other is None:  # the line holds only remainders: break another one open
                rems = [c for c in line.cells if c != cell and c in self.lat.remainders]
                for rem in sorted(rems, key=str):
                    for near in self.by_cell.get(rem, []):
                        other = self.partner(near.cells)
                        if other is not None:
                            break
                    if other is not None:
                        break
            if other is not None:
                self.hide(other)
                changed = True
        return changed

    def run(self) -> None:
        while True:
            while True:
                while self.lone_hidden():
                    pass
                if not self.small_remainders():
                    break
            if not self.widen():
                return

    def widen(self) -> bool:
        """Rule 3, the range audit: every withheld count, and every remainder under the
        threshold, is solved for its lowest and highest value consistent with everything shown
        (:func:`feasible_ranges`). A withheld count whose range is one value, or a small one whose
        highest value is under the threshold, gets a further cell hidden: on a line that holds it
        at that bound, the smallest shown count that lifts the bound to the threshold (else the
        largest). Hiding only widens every range, so after the first audit only the counts that
        failed and the ones newly hidden are solved again. Returns whether anything was hidden."""
        if self.pending is not None:  # and every count the other rules hid since the last one
            since = self.hidden - self.audited
            self.pending |= {c for c in [*self.lat.places, *self.lat.printed]
                             if _canon(c, self.lat.values[c]) in since}
        self.audited = set(self.hidden)
        failures = range_failures(self.lat, self.is_hidden, self.threshold, self.pending)
        before = set(self.hidden)
        touched: set[Line] = set()
        for found in failures:
            if touched & set(found.binding):  # one cell hidden may mend its neighbours
                continue
            touched |= set(found.binding)
            need = max(self.threshold - found.high, 1) if found.high < self.threshold else 1
            other = self.lifter(found.binding, found.cell, need)
            if other is None:
                other = self.neighbour(found.cell)
            if other is not None:
                self.hide(other)
        added = self.hidden - before
        self.pending = {f.cell for f in failures} | {
            c for c in [*self.lat.places, *self.lat.printed]
            if _canon(c, self.lat.values[c]) in added}
        return bool(added)

    def lifter(self, lines: Iterable[Line], besides: Cell, need: int) -> Cell | None:
        """On the binding lines, the smallest shown non-zero count of at least ``need``, else
        the largest one."""
        options = {c for line in lines for c in line.cells
                   if c != besides and self.lat.can_hide(c) and not self.is_hidden(c)
                   and self.lat.values[c]}
        if not options:
            return None
        enough = [c for c in options if (self.lat.values[c] or 0) >= need]  # options are > 0
        if enough:
            return min(enough, key=lambda c: (self.lat.values[c], str(c)))
        return max(options, key=lambda c: (self.lat.values[c], str(c)))

    def neighbour(self, cell: Cell) -> Cell | None:
        """A cell to hide when the binding lines have none left: the next smallest on the
        cell's own lines, then on the lines of the cells beside it."""
        lines = sorted(self.by_cell.get(cell, []), key=lambda line: (
            line.complement, len(line.cells), str(line.cells)))
        for line in lines:
            other = self.partner(line.cells, besides=cell)
            if other is not None:
                return other
        for line in lines:
            for near in line.cells:
                for far in self.by_cell.get(near, []):
                    other = self.partner(far.cells)
                    if other is not None:
                        return other
        return None


# --------------------------------------------------------------------------------------------
# The public functions.


def _check_mode(mode: str, threshold: int) -> None:
    if mode not in MODES:
        raise ValueError(f"disclosure mode {mode!r}: expected 'published' or 'internal'")
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"disclosure threshold {threshold!r}: expected a whole number >= 1")


def _check_columns(results: pd.DataFrame) -> None:
    missing = [c for c in RESULT_COLUMNS if c not in results.columns]
    if missing:
        raise ValueError(f"result records lack column(s) {', '.join(missing)}; "
                         "expected every column of contract.RESULT_COLUMNS")
    if not results.index.is_unique:
        raise ValueError("result records have a repeated index; expected one label per record")


def apply_disclosure(
    results: pd.DataFrame, mode: Mode, threshold: int, *, known_total_shown: bool = True,
    senior_bands: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The result records as they may be shown in ``mode``; the input is never changed.

    ``internal``: unchanged but for ``disclosure``. ``published``: hidden counts are None (the
    count columns become object dtype), ``suppressed`` is True on every record with a hidden
    count, derived figures resting on a hidden count are None (such a column becomes object) and
    ``reason`` says "not published: small numbers". ``known_total_shown`` (default True, the
    safe choice) treats minority + white as a published total, as the data-quality table shows it.
    ``senior_bands`` (Parameters.senior_bands): when M9 is counted from those M1 bands, its counts
    are their sum, a line like any other; pass them so a hidden band cannot be worked out. Which
    cells are hidden, and whether as small (primary) or to protect one (secondary), is kept
    in ``attrs`` for :func:`suppression_mask`.
    """
    _check_mode(mode, threshold)
    _check_columns(results)
    out = results.copy()
    out["disclosure"] = mode
    if mode == "internal":
        out["withheld"] = pd.Series([()] * len(out), index=out.index, dtype=object)
        out.attrs.pop(_ATTRS_KEY, None)
        return out

    lattice = _build_lattice(results, known_total_shown, senior_bands=senior_bands or ())
    sup = _Suppressor(lattice, threshold)
    sup.run()

    cells: dict[tuple[Any, str], str] = {}
    for cell, places in lattice.places.items():
        if sup.is_hidden(cell):
            kind = "primary" if sup.small(lattice.values[cell]) else "secondary"
            for place in places:
                cells[place] = kind

    hidden_totals = {(c[0], c[2]) for c in lattice.printed if sup.is_hidden(c)}
    return _hide(out, cells, hidden_totals)


def _hide(out: pd.DataFrame, cells: Mapping[tuple[Any, str], str],
          hidden_totals: set[tuple[str, str]]) -> pd.DataFrame:
    """Blank the hidden count cells of ``out`` (a copy, changed in place and returned) and
    withhold every figure resting on one; mark ``suppressed``, ``withheld`` and ``reason``.

    What a figure rests on, in full: a record's rates on its own counts; a comparison on all
    four; a share of M1 or M9 on the group's count *and* the minority and white counts of the
    same band and service (its denominator is their sum, so a group's share over a hidden
    minority count would give that count away); the workforce share on the whole workforce's
    group, minority and white counts; ``unknown_pct`` on the unknowns and the known total; the
    ``small_numbers`` flag (a count under 10 behind it) on every count of the record.
    """
    hidden_of: dict[Any, set[str]] = {}
    for label, column in cells:
        hidden_of.setdefault(label, set()).add(column)
    rows = list(out.index)
    for column in COUNT_COLUMNS:  # whole numbers or None, never a float or NaN
        out[column] = pd.Series(
            [None if _missing(v) or column in hidden_of.get(label, ()) else int(v)
             for label, v in zip(rows, out[column], strict=True)],
            index=out.index, dtype=object,
        )
    whole = _whole_workforce_hidden(out, hidden_of)
    # (metric, service, band) whose known total (minority + white) is hidden or rests on a
    # hidden count: every share over it is withheld
    known_hidden = {(m, s, None) for m, s in hidden_totals} | {
        (m, s, _band(b)) for label, m, s, b, g in zip(
            rows, out["metric"], out["service"], out["pay_band"], out["group"], strict=True)
        if g == _MINORITY and hidden_of.get(label, set()) & {"n_group", "n_reference"}
    }
    withheld: dict[str, list[Any]] = {c: [] for c in (*DERIVED_COLUMNS, "small_numbers")}
    any_withheld: set[Any] = set()
    for label, row in zip(rows, _records(out), strict=True):
        hidden = hidden_of.get(label, set())
        place = (row["metric"], row["service"], _band(row["pay_band"]))
        group_hidden = bool(hidden & {"n_group", "events_group"})
        ref_hidden = bool(hidden & {"n_reference", "events_reference"})
        share_hidden = bool(hidden & {"n_group", "n_reference"}) or (
            row["metric"] in _NO_EVENTS and place in known_hidden)
        workforce_hidden = whole.get((row["service"], row["group"]), False) or whole.get(
            (row["service"], _MINORITY), False)
        if row["metric"] == "M1" and _band(row["pay_band"]) is None:
            workforce_hidden = workforce_hidden or share_hidden
        # M9's rates and RL are senior managers over staff: they rest on the workforce too
        on_staff = row["metric"] == _SENIOR and workforce_hidden
        rules = [
            (_RATE_GROUP, group_hidden or on_staff),
            (_RATE_REFERENCE, ref_hidden or on_staff),
            (_COMPARISON, group_hidden or ref_hidden or on_staff),
            (_SHARE, share_hidden),
            (("share_workforce",), workforce_hidden),
            (_AGAINST_WORKFORCE, share_hidden or workforce_hidden),
            (("small_numbers",), bool(hidden)),
        ]
        for columns, withhold in rules:
            if withhold:
                for column in columns:
                    if not _missing(row[column]):
                        withheld[column].append(label)
                        any_withheld.add(label)
        # unknown / (minority + white + unknown): withheld with any of the three; a data-quality
        # figure, so the record's reason is left alone
        if ("unknown_count" in hidden or "n_reference" in hidden or place in known_hidden) \
                and not _missing(row["unknown_pct"]):
            withheld["unknown_pct"].append(label)
    blanked: dict[Any, set[str]] = {label: set(cols) for label, cols in hidden_of.items()}
    for column, labels in withheld.items():
        if labels:  # None, as the metric engine leaves a figure it cannot compute
            drop = set(labels)
            for label in drop:
                blanked.setdefault(label, set()).add(column)
            out[column] = pd.Series(
                [None if label in drop else v for label, v in zip(rows, out[column], strict=True)],
                index=out.index, dtype=object,
            )
    out["suppressed"] = [bool(hidden_of.get(label)) or label in any_withheld for label in rows]
    out["withheld"] = pd.Series(
        [tuple(c for c in RESULT_COLUMNS if c in blanked.get(label, ())) for label in rows],
        index=out.index, dtype=object)
    # a record with a withheld figure says only that: its own reason is written from its
    # counts ("all Black survey respondents reported harassment" says events = respondents)
    # and would tell a reader about the counts withheld
    out["reason"] = [WITHHELD if label in any_withheld else reason
                     for label, reason in zip(rows, out["reason"], strict=True)]
    out.attrs[_ATTRS_KEY] = SuppressedCells(cells, hidden_totals)
    return out


def _whole_workforce_hidden(
    out: pd.DataFrame, hidden_of: Mapping[Any, set[str]]
) -> dict[tuple[str, str], bool]:
    """(service, group) -> whether the M1 whole-workforce counts behind ``share_workforce`` are
    hidden; M1 bands and M9 take their workforce share from that record."""
    result: dict[tuple[str, str], bool] = {}
    m1 = out[(out["metric"] == "M1") & out["pay_band"].map(_missing)]
    for label, service, group in zip(m1.index, m1["service"], m1["group"], strict=True):
        result[(service, group)] = bool(hidden_of.get(label, set()) & {"n_group", "n_reference"})
    return result


def suppression_mask(published: pd.DataFrame) -> pd.DataFrame:
    """For each record and count column: "" (shown or never computed), "primary" (a count from 1
    to threshold-1) or "secondary" (hidden so a small one cannot be worked out).

    The kinds come from the ``attrs`` :func:`apply_disclosure` set. A frame that lost them (read
    back from JSON, or built by ``pd.concat``) still gets "secondary" for every hidden cell of a
    record marked ``suppressed`` - the safe reading, as it never prints a bound.
    """
    kinds: Mapping[tuple[Any, str], str] | None = published.attrs.get(_ATTRS_KEY)
    mask = pd.DataFrame("", index=published.index, columns=list(COUNT_COLUMNS), dtype=object)
    if kinds is not None:
        for (label, column), kind in kinds.items():
            if label in mask.index:
                mask.at[label, column] = kind
        return mask
    flagged = published["suppressed"].fillna(False).astype(bool) & (
        published["status"] != "not_collected"
    )
    for column in COUNT_COLUMNS:
        mask.loc[flagged & published[column].map(_missing), column] = "secondary"
    return mask


def display_count(value: Any, suppressed: bool | str, threshold: int) -> str:
    """The text a table prints for a count: "1,234", or "[c]" for any withheld count (the GSS
    convention, "confidential"), whether it was small or hidden to protect a small one: a second
    symbol would tell a reader which withheld counts are under ``threshold``; "" when there is
    no count. ``suppressed`` is the cell's entry of :func:`suppression_mask`, or a bool."""
    if not _missing(value):
        return f"{int(value):,}"
    if suppressed in ("primary", "secondary") or suppressed is True:
        return SYMBOL
    return ""


def symbols_note(threshold: int) -> str:
    """Explains "[c]" under a table."""
    return (f"{SYMBOL}: not published, so that no count of fewer than {threshold} people can be "
            "read or worked out from the figures shown. A zero is shown.")


def apply_to_trends(
    trends: pd.DataFrame, published_results_by_year: Mapping[int, pd.DataFrame]
) -> pd.DataFrame:
    """Withhold every change whose figure in either year was withheld (or is not in that year's
    published results): value_then, value_now, change, its interval, p value and significance
    become None and ``reason`` says "not published: small numbers". Never mutates its input."""
    figure_of = {"rl": "rl", "share_pp": "share"}
    shown: dict[tuple[Any, ...], bool] = {}
    for year, df in published_results_by_year.items():
        for row in _records(df):
            key: tuple[Any, ...] = (int(year), row["metric"], row["service"], row["group"],
                                    _band(row["pay_band"]))
            for measure, column in figure_of.items():
                shown[(*key, measure)] = not _missing(row[column])
    out = trends.copy()
    columns = ["value_then", "value_now", "change", "change_ci_low", "change_ci_high",
               "p_value", "significant"]
    withhold = []
    for label, row in zip(out.index, _records(out), strict=True):
        if _missing(row["change"]) and _missing(row["value_now"]) and _missing(row["value_then"]):
            continue
        ends = [row["year"], row["year_then"]]
        for year in ends:
            key = (int(year), row["metric"], row["service"], row["group"], _band(row["pay_band"]),
                   row["measure"])
            if not shown.get(key, False):
                withhold.append(label)
                break
    for column in columns:
        if withhold:
            out[column] = out[column].astype(object)
            out.loc[withhold, column] = None
    if withhold:
        out["reason"] = out["reason"].astype(object)
        for label in withhold:
            out.at[label, "reason"] = WITHHELD  # its own reason could tell of the counts
    return out


def apply_to_pooled(
    pooled: pd.DataFrame, published_by_year: Mapping[int, pd.DataFrame], years: Sequence[int],
    threshold: int,
) -> pd.DataFrame:
    """Records pooled over ``years`` (M3 over the latest two, counts summed) as they may be
    published beside each year's published results.

    A pooled count is the sum of the years' counts, so it is shown only where every year's
    count is shown: a pooled count beside one hidden year would give that year away by
    subtraction. Hiding cell by cell where any year hid it keeps every line of the pooled
    table at 0 or 2+ hidden cells (a union of such patterns). Derived figures follow as in
    :func:`apply_disclosure`. Internal years leave the records unchanged but for the mode.
    """
    _check_mode("published", threshold)
    _check_columns(pooled)
    frames = [published_by_year[y] for y in years if y in published_by_year]
    mode = "published" if any(set(f["disclosure"]) != {"internal"} for f in frames) \
        else "internal"
    out = pooled.copy()
    out["disclosure"] = mode
    if mode == "internal":
        return out
    shown: dict[tuple[Any, ...], bool] = {}
    held: set[tuple[Any, ...]] = set()  # (year, metric, service): a group with no record is 0
    for year in years:
        df = published_by_year.get(year)
        for row in _records(df) if df is not None else []:
            key = (row["metric"], row["service"], row["group"], _band(row["pay_band"]))
            held.add((year, row["metric"], row["service"]))
            for column in COUNT_COLUMNS:
                shown[(year, *key, column)] = not _missing(row[column])

    def shown_in(year: int, key: tuple[Any, ...], column: str) -> bool:
        if (year, *key, column) in shown:
            return shown[(year, *key, column)]
        return (year, key[0], key[1]) in held
    cells: dict[tuple[Any, str], str] = {}
    for label, row in zip(out.index, _records(out), strict=True):
        key = (row["metric"], row["service"], row["group"], _band(row["pay_band"]))
        for column in COUNT_COLUMNS:
            value = row[column]
            if _missing(value):
                continue
            if 0 < value < threshold:
                cells[(label, column)] = "primary"
            elif value and not all(shown_in(y, key, column) for y in years):
                cells[(label, column)] = "secondary"
    return _hide(out, cells, set())


def hidden_known_totals(published: pd.DataFrame) -> set[tuple[str, str]]:
    """(metric, service) whose known total (minority + white headcount, which the data-quality
    table prints) :func:`apply_disclosure` hid.

    Read from ``attrs``. A frame that lost them (read back from JSON) still tells: a known total
    is only ever hidden beside a hidden part of it - were the minority and white headcounts of
    the whole-workforce minority record both shown, a reader would add them up, so rule 1 hides
    one of them too - and ``unknown_pct`` is then withheld. A withheld ``unknown_pct`` on its
    own is no sign: it goes with a hidden unknown count as well, and that hides no total.
    """
    kinds = published.attrs.get(_ATTRS_KEY)
    if isinstance(kinds, SuppressedCells):
        return set(kinds.known_totals)
    found = set()
    for row in _records(published):
        if (row["group"] != _MINORITY or _band(row["pay_band"]) is not None
                or row["status"] == "not_collected" or not _missing(row["unknown_pct"])):
            continue
        flagged = row["suppressed"] is True or row["suppressed"] == 1
        if flagged and (_missing(row["n_group"]) or _missing(row["n_reference"])):
            found.add((row["metric"], row["service"]))
    return found


_SURVEY_METRICS = {"public": "M6", "colleagues": "M7a", "managers": "M7b"}


def _metric_of(table: str, question: Any) -> str | None:
    if table == "survey":
        return _SURVEY_METRICS.get(str(question))
    for metric, name in METRIC_TABLES.items():
        if name == table:
            return metric
    return None


def _suppress_service_lines(out: pd.DataFrame, rows: list[dict[str, Any]], column: str,
                            threshold: int) -> pd.Series:
    """One count column of a small table: primary, then adults + children = all lines."""
    values = [None if _missing(r[column]) else int(r[column]) for r in rows]
    hidden = {i for i, v in enumerate(values) if v is not None and 0 < v < threshold}
    lines: dict[tuple[Any, Any], dict[str, int]] = {}
    for i, r in enumerate(rows):
        if values[i] is not None:
            lines.setdefault((r["table"], r.get("question")), {})[r["service"]] = i
    changed = True
    while changed:
        changed = False
        for members in lines.values():
            if _ALL not in members or not set(_SERVICE_PARTS) & set(members):
                continue
            cells = list(members.values())
            if len([i for i in cells if i in hidden]) == 1:
                others = [i for i in cells if i not in hidden]
                if others:
                    hidden.add(min(others, key=lambda i: (values[i] == 0, values[i], i)))
                    changed = True
    return pd.Series([None if i in hidden else v for i, v in enumerate(values)],
                     index=out.index, dtype=object)


# --------------------------------------------------------------------------------------------
# The check every output's tests run.


def check_published(
    df: pd.DataFrame, threshold: int, original: pd.DataFrame | None = None,
    senior_bands: Sequence[str] | None = None,
) -> list[str]:
    """Every way ``df`` breaks the published rules, in words; an empty list means none.

    Checked from the published table alone: no count from 1 to threshold-1; mode is published;
    no derived figure beside a hidden count behind it; no line with exactly one hidden cell; no
    small remainder (label-only minority staff, staff in no band) derivable from what is shown.
    With ``original`` (the internal records, same index) the remainders' true values are used, so
    a zero remainder counts as known, and each hidden cell is checked against the original.
    """
    problems: list[str] = []

    def where(label: Any, row: Mapping[str, Any]) -> str:
        band = _band(row["pay_band"])
        return (f"record {label!r} ({row['metric']} / {row['service']} / {row['group']}"
                f"{'' if band is None else ' / ' + str(band)})")

    if original is not None:
        missing = [label for label in df.index if label not in original.index]
        if missing:
            raise ValueError(f"records {missing[:5]} of the published table are not in the "
                             "original; expected the internal records it was made from")
        original = original.loc[df.index]
        before = dict(zip(df.index, _records(original), strict=True))
    hidden_of: dict[Any, set[str]] = {}
    rows = _records(df)
    for label, row in zip(df.index, rows, strict=True):
        if row["disclosure"] != "published":
            problems.append(f"{where(label, row)}: disclosure is {row['disclosure']!r}")
        for column in COUNT_COLUMNS:
            value = row[column]
            if not _missing(value) and 0 < value < threshold:
                problems.append(f"{where(label, row)}: {column} = {value} is under {threshold}")
        if row["status"] == "not_collected":
            continue
        if original is not None:
            hidden = {c for c in COUNT_COLUMNS
                      if _missing(row[c]) and not _missing(before[label][c])}
        elif row["suppressed"] is True or row["suppressed"] == 1:
            hidden = {c for c in COUNT_COLUMNS if _missing(row[c])
                      and not (c.startswith("events") and row["metric"] in _NO_EVENTS)}
        else:
            hidden = set()
        hidden_of[label] = hidden
        if hidden and row["suppressed"] is not True and row["suppressed"] != 1:
            problems.append(f"{where(label, row)}: counts hidden but suppressed is not True")
        for columns, behind in [
            (_RATE_GROUP, {"n_group", "events_group"}),
            (_RATE_REFERENCE, {"n_reference", "events_reference"}),
            (_COMPARISON, {"n_group", "events_group", "n_reference", "events_reference"}),
            (_SHARE, {"n_group", "n_reference"}),
            (_AGAINST_WORKFORCE, {"n_group", "n_reference"}),
            (("unknown_pct",), {"unknown_count", "n_reference"}
             | ({"n_group"} if row["group"] == _MINORITY else set())),
        ]:
            for column in columns:
                if hidden & behind and not _missing(row[column]):
                    problems.append(f"{where(label, row)}: {column} is shown although "
                                    f"{', '.join(sorted(hidden & behind))} is hidden")

    problems += _shown_over_hidden_staff(df, rows, hidden_of, where)
    source = df if original is None else original
    lattice = _build_lattice(source, known_total_shown=True, senior_bands=senior_bands or (),
                             hidden=None if original is not None else hidden_of)
    hidden_cells: set[Cell] = set()
    for cell, places in lattice.places.items():
        flags = [column in hidden_of.get(label, ()) for label, column in places]
        if any(flags):
            hidden_cells.add(cell)
            if not all(flags):
                problems.append(f"count {cell} is hidden on one record but shown on another")
    if original is not None:  # the same people under several metrics are hidden everywhere
        seen: dict[tuple[Any, ...], set[bool]] = {}
        for cell in lattice.places:
            seen.setdefault(_canon(cell, lattice.values[cell]), set()).add(cell in hidden_cells)
        for canon, seen_flags in seen.items():
            if len(seen_flags) > 1:
                problems.append(f"count {canon[1:]} is hidden under one metric and shown under "
                                "another")
    # known totals (minority + white) the data-quality table leaves out
    totals_hidden = hidden_known_totals(df)
    for total in lattice.printed:
        if (total[0], total[2]) in totals_hidden:
            hidden_cells.add(total)
        elif (value := lattice.values[total]) is not None and 0 < value < threshold:
            problems.append(f"known total {total[:3]} = {value} is under {threshold} but may be "
                            "printed")
    for line in lattice.lines:
        if line.complement:  # its remainder is never shown: the range audit below judges it
            continue
        # a remainder is never shown: a reader knows it only by working it out (below)
        on_line = [c for c in line.cells if c in hidden_cells or c in lattice.remainders]
        shown = [c for c in line.cells if lattice.can_hide(c) and c not in hidden_cells]
        if len(on_line) == 1 and shown and on_line[0] in hidden_cells:
            problems.append(f"line {_describe_line(line)}: exactly one hidden cell {on_line[0]}")
    for found in range_failures(lattice, lambda c: c in hidden_cells, threshold):
        what = "remainder" if found.cell in lattice.remainders else "hidden count"
        problems.append(f"{what} {found.cell} has only the range {found.low} to {found.high} "
                        f"given what is shown; expected several values, reaching {threshold}")
    known = {c for c in [*lattice.places, *lattice.printed] if c not in hidden_cells}
    for cell, (line, value) in _attack(lattice, known).items():
        if cell in hidden_cells and value != 0:
            problems.append(f"hidden count {cell} can be worked out from {_describe_line(line)}")
        elif cell in lattice.remainders and value is not None and 0 < value < threshold:
            problems.append(f"remainder {cell} = {value} can be worked out from "
                            f"{_describe_line(line)}")
    return problems


def _shown_over_hidden_staff(df: pd.DataFrame, rows: list[dict[str, Any]],
                             hidden_of: Mapping[Any, set[str]],
                             where: Callable[[Any, Mapping[str, Any]], str]) -> list[str]:
    """Figures of another record that rest on M1's whole-workforce counts (the workforce share
    of M1 bands and M9; M9's rates and RL, senior managers over staff) shown beside a hidden one
    of those counts."""
    staff_hidden: dict[tuple[Any, Any], bool] = {}
    for label, row in zip(df.index, rows, strict=True):
        if row["metric"] == "M1" and _band(row["pay_band"]) is None:
            staff_hidden[(row["service"], row["group"])] = bool(
                hidden_of.get(label, set()) & {"n_group", "n_reference"})
    problems = []
    for label, row in zip(df.index, rows, strict=True):
        if row["metric"] not in _NO_EVENTS:
            continue
        if not (staff_hidden.get((row["service"], row["group"]))
                or staff_hidden.get((row["service"], _MINORITY))):
            continue
        columns = ("share_workforce", *_AGAINST_WORKFORCE) + (
            (*_RATE_GROUP, *_RATE_REFERENCE, *_COMPARISON) if row["metric"] == _SENIOR else ())
        problems += [f"{where(label, row)}: {column} is shown although the whole workforce's "
                     "counts behind it are hidden" for column in columns
                     if not _missing(row[column])]
    return problems


def _describe_line(line: Line) -> str:
    return f"{line.total} = {' + '.join(str(p) for p in line.parts)}"
