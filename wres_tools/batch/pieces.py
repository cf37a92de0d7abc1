"""results.csv and results.parquet made piece by piece, each piece kept for the next run.

A batch's evidence files hold every published figure of every return (one authority-year holds
thousands of rows; 153 authorities over five years about 3.5 million). Made in one go, they held
every row in memory at once and were made again on every run, changed or not. Here the rows are
cut into pieces, in the order results.csv holds them (kind, then year, then authority,
:func:`wres_tools.evidence.results.results_long`):

- for each authority-year, its result rows (its metrics.json), its pooled M3 rows and its change
  over time (``report.load``, as its pages call it);
- for each year, its benchmarks (``report.year_benchmark``, as the benchmarking page and the
  summaries call it) and its national picture (:func:`wres_tools.national.national_year`).

Each piece is kept in ``<out>/.evidence`` under the fingerprint of what it rests on (keyed
digests of its inputs, as the batch's own state, :mod:`wres_tools.batch.state`, so that no file
there lets a reader test guesses of an input), as CSV text and as an Arrow table. A run makes
only the pieces whose fingerprint is new, then writes both files from the pieces, one at a time,
through a temporary file and a rename; when no piece changed and the files are as the last run
left them, both are kept as they are. The files are the same bytes (results.csv) and rows
(results.parquet) as made in one go.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from wres_tools.batch.plan import (
    parameter_files,
    parameter_folder_digest,
    year_digests,
    year_inputs,
)
from wres_tools.batch.state import code_digest, fingerprint
from wres_tools.evidence.manifest import metrics_path
from wres_tools.evidence.results import (
    PARQUET_COMPRESSION,
    Authority,
    arrow_table,
    csv_rows,
    load_records,
    results_long,
)
from wres_tools.evidence.rows import ROW_KINDS
from wres_tools.files import atomic_path, write_atomic
from wres_tools.inputkey import digest_paths, input_key
from wres_tools.parameters import check_parameters
from wres_tools.returns.find import ReturnRef, find_returns

#: The folder of the output folder that keeps the pieces between runs (a dot folder: no page).
CACHE_FOLDER = ".evidence"
#: What the last run wrote: its pieces' fingerprints in order and the files' size and time.
STATE_FILE = "pieces.json"
#: The kinds of row made for each authority-year; the others are made for each year.
AUTHORITY_KINDS = ("result", "pooled", "change")
#: Rows gathered into one Parquet row group (pieces are smaller: a few thousand rows).
ROW_GROUP_ROWS = 250_000


class NotPublished(ValueError):
    """A metrics.json holds a record not published through disclosure control."""


@dataclass(frozen=True)
class Piece:
    """One piece of the evidence files: the rows of one kind for one authority-year (or, for
    benchmarks and the national picture, one year), and the fingerprint of what they rest on."""

    kind: str
    year: int
    authority: str | None
    fingerprint: str

    @property
    def order(self) -> tuple[int, int, str]:
        """Its place in results.csv: kind, year, authority."""
        return list(ROW_KINDS).index(self.kind), self.year, self.authority or ""


def plan_pieces(data_dir: Path, refs: Sequence[ReturnRef], parameters_dir: Path,
                out_dir: Path) -> list[Piece]:
    """The pieces of the evidence files of ``refs`` (returns with a metrics.json), in file order.

    A result piece rests on its metrics.json and the authority's parameter files (its display
    name and ONS code); a pooled or change piece on every return of the authority and its
    parameter files; a year's benchmark on every return of the year and the whole parameter
    folder; a year's national picture on every return of that year and the years before (its
    trend) and the whole parameter folder. Each also rests on the package's code."""
    key = input_key(data_dir)
    code = code_digest()
    every_ref = find_returns(data_dir)
    every_setting = parameter_folder_digest(parameters_dir, key)
    by_year, upto_year = (year_digests(every_ref, data_dir, key),
                          year_inputs(every_ref, data_dir, key))
    own: dict[str, tuple[str, str]] = {}  # authority -> (its returns, its parameter files)
    pieces = []
    for ref in refs:
        if ref.authority not in own:
            own[ref.authority] = (
                digest_paths([r.path for r in every_ref if r.authority == ref.authority],
                             data_dir, key),
                digest_paths(parameter_files(ref.authority, parameters_dir), key=key))
        inputs, settings = own[ref.authority]
        metrics = digest_paths([metrics_path(out_dir, ref.authority, ref.year)], key=key)
        rests_on = {"result": (metrics,), "pooled": (inputs,), "change": (inputs,)}
        pieces += [Piece(kind, ref.year, ref.authority,
                         fingerprint(kind, code, str(ref.year), *rests_on[kind], settings))
                   for kind in AUTHORITY_KINDS]
    for year in sorted({r.year for r in refs}):
        pieces += [Piece("benchmark", year, None,
                         fingerprint("benchmark", code, by_year[year], every_setting)),
                   Piece("national", year, None,
                         fingerprint("national", code, upto_year[year], every_setting))]
    return sorted(pieces, key=lambda p: p.order)


class _Names:
    """Each authority's display name and ONS code, read once from its parameter files."""

    def __init__(self, parameters_dir: Path) -> None:
        self.parameters_dir = Path(parameters_dir)
        self.known: dict[str, Authority | None] = {}

    def of(self, authorities: Iterable[str]) -> dict[str, Authority]:
        for authority in authorities:
            if authority not in self.known:
                params, _ = check_parameters(authority, self.parameters_dir)
                self.known[authority] = (None if params is None else
                                         Authority(params.display_name, params.ons_code))
        return {a: n for a in authorities if (n := self.known[a]) is not None}


def make_pieces(pieces: Sequence[Piece], data_dir: Path, parameters_dir: Path,
                out_dir: Path) -> Iterable[tuple[Piece, pd.DataFrame]]:
    """Each of ``pieces`` with its rows (:func:`results_long`), made from the published frames
    its pages print: an authority-year's pieces together (one ``report.load`` for its pooled
    and change rows), then each year's. Raises :class:`NotPublished` for a metrics.json with a
    record not published."""
    from wres_tools.national import NationalError, national_year
    from wres_tools.reporting import report  # the pages' own loader (reporting imports us)

    names = _Names(parameters_dir)
    by_return: dict[tuple[int, str], list[Piece]] = {}
    for piece in pieces:
        if piece.authority is not None:
            by_return.setdefault((piece.year, piece.authority), []).append(piece)
    for (year, authority), own in sorted(by_return.items()):
        known = names.of([authority])
        data = None
        for piece in own:
            if piece.kind == "result":
                path = metrics_path(out_dir, authority, year)
                records = load_records([path])
                if len(records) and not (records["disclosure"] == "published").all():
                    raise NotPublished(f"{path}: holds records not published")
                yield piece, results_long(records, None, known)
                continue
            if data is None:
                data = report.load(authority, year, data_dir, disclosure_mode="published",
                                   parameters_dir=parameters_dir)
            item = (data.trends.assign(authority=authority) if piece.kind == "change" else
                    data.pooled.assign(year_from=min(data.years[-2:])))
            yield piece, results_long(None, {piece.kind: [item]}, known)
    for piece in pieces:
        if piece.kind == "benchmark":
            bench = report.year_benchmark(piece.year, data_dir, parameters_dir, "published")
            yield piece, results_long(None, {"benchmark": list(bench.results.values())},
                                      names.of(sorted(bench.names)))
        elif piece.kind == "national":
            try:
                nat = [national_year(data_dir, piece.year, parameters_dir, "published")]
            except NationalError:
                nat = []  # no council's return of the year can be used: no national picture
            yield piece, results_long(None, {"national": nat})


class PieceCache:
    """The pieces kept in ``<out>/.evidence``: ``<fingerprint>.csv`` (its rows of results.csv,
    no header) and ``<fingerprint>.parquet`` (the same rows as an Arrow table)."""

    def __init__(self, out_dir: Path) -> None:
        self.folder = Path(out_dir) / CACHE_FOLDER

    def _paths(self, piece: Piece) -> tuple[Path, Path]:
        return (self.folder / f"{piece.fingerprint}.csv",
                self.folder / f"{piece.fingerprint}.parquet")

    def has(self, piece: Piece) -> bool:
        return all(p.is_file() for p in self._paths(piece))

    def put(self, piece: Piece, frame: pd.DataFrame) -> None:
        text, table = self._paths(piece)
        buffer = pa.BufferOutputStream()
        pq.write_table(arrow_table(frame), buffer, compression=PARQUET_COMPRESSION)
        write_atomic(table, buffer.getvalue().to_pybytes())
        write_atomic(text, csv_rows(frame, header=False).encode("utf-8"))

    def text(self, piece: Piece) -> Path:
        return self._paths(piece)[0]

    def table(self, piece: Piece) -> pa.Table:
        return pq.read_table(self._paths(piece)[1])

    def keep_only(self, pieces: Iterable[Piece]) -> None:
        """Remove every kept piece but ``pieces`` (the cache holds one run's pieces)."""
        wanted = {p.fingerprint for p in pieces}
        for path in self.folder.glob("*"):
            if path.suffix in (".csv", ".parquet") and path.stem not in wanted:
                path.unlink(missing_ok=True)

    def state(self) -> dict[str, Any]:
        try:
            state = json.loads((self.folder / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def save_state(self, state: dict[str, Any]) -> None:
        write_atomic(self.folder / STATE_FILE, json.dumps(state, indent=1) + "\n")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _stamp(path: Path) -> list[int] | None:
    """Size and modification time of a file (None: there is none): whether it is as written."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def _schema() -> pa.Schema:
    """The Arrow schema of results.parquet, as the one-go file has it (pandas metadata too)."""
    return arrow_table(results_long()).schema


def write_from_pieces(pieces: Sequence[Piece], cache: PieceCache, csv_path: Path,
                      parquet_path: Path) -> None:
    """results.csv (header, then each piece's text) and results.parquet (each piece's rows,
    gathered into row groups of :data:`ROW_GROUP_ROWS`), each through a temporary file and a
    rename: a reader, or a run killed midway, never sees half of one."""
    schema = _schema()
    with atomic_path(csv_path) as csv_tmp, atomic_path(parquet_path) as parquet_tmp:
        # both renamed only when both are written (parquet's first): an error leaves both old
        with open(csv_tmp, "wb") as handle:
            handle.write(csv_rows(results_long()).encode("utf-8"))
            for piece in pieces:
                with open(cache.text(piece), "rb") as part:
                    shutil.copyfileobj(part, handle)
        with pq.ParquetWriter(parquet_tmp, schema, compression=PARQUET_COMPRESSION) as writer:
            waiting: list[pa.Table] = []
            rows = 0
            empty = True
            for piece in pieces:
                table = cache.table(piece)
                if table.num_rows:
                    waiting.append(table.replace_schema_metadata(schema.metadata))
                    rows += table.num_rows
                if rows >= ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(waiting))
                    waiting, rows, empty = [], 0, False
            if waiting or empty:  # a file with no row at all still has its (empty) row group
                writer.write_table(pa.concat_tables(waiting) if waiting else
                                   schema.empty_table())


def write_results_files(data_dir: Path, refs: Sequence[ReturnRef], parameters_dir: Path,
                        out_dir: Path, csv_path: Path, parquet_path: Path, *,
                        made: Callable[[Piece], None] | None = None) -> bool:
    """Bring results.csv and results.parquet up to date with ``refs`` (returns that have a
    metrics.json), making only the pieces not kept from an earlier run. Returns False, having
    removed both files and the kept pieces, when a metrics.json holds a record not published (a
    run in internal mode); True otherwise. ``made`` is told of each piece made anew.

    On an error (a frame that cannot be made, a disk that is full) the files an earlier run
    left are untouched; the pieces made so far are kept for the next run."""
    cache = PieceCache(out_dir)
    pieces = plan_pieces(data_dir, refs, parameters_dir, out_dir)
    todo = [p for p in pieces if not cache.has(p)]
    try:
        for piece, frame in make_pieces(todo, data_dir, parameters_dir, out_dir):
            cache.put(piece, frame)
            if made is not None:
                made(piece)
    except NotPublished:
        for path in (csv_path, parquet_path):
            path.unlink(missing_ok=True)
        cache.remove()
        return False
    state = {"pieces": [p.fingerprint for p in pieces]}
    before = cache.state()
    stamps = {"csv": _stamp(csv_path), "parquet": _stamp(parquet_path)}
    if not todo and before.get("pieces") == state["pieces"] and None not in stamps.values() \
            and all(before.get(name) == stamp for name, stamp in stamps.items()):
        return True  # nothing changed and the files are as the last run left them
    write_from_pieces(pieces, cache, csv_path, parquet_path)
    cache.keep_only(pieces)
    cache.save_state({**state, "csv": _stamp(csv_path), "parquet": _stamp(parquet_path)})
    return True
