"""Returns read and computed once per process.

The ten reports of an authority-year, the change over time of its later years and the year's
benchmark across authorities all start from the same (return, internal result records). A batch
worker's kernel makes them one after another, and an analyst re-runs cells in JupyterLab, so this
module keeps what it computed, keyed by the return (authority, year, path), the digest of its
files' content (:func:`digest`: the function the batch's skip check uses) and the parameters: a
changed file or parameter is read again, an unchanged one - even one touched or copied anew - is
not.

What the caches hand out is a copy (:func:`copied`, :meth:`pandas.DataFrame.copy` of every
frame: about a millisecond a return), so a caller that edits what it was given changes nothing
the next caller gets.

A batch with several workers also shares them between its kernels: ``wres run`` points the
environment variable ``WRES_CACHE_DIR`` (internal to the batch) at a private temporary folder
(mode 0700) that lives as long as the batch, and each return computed in one kernel is pickled
there for the others, so the demo's 54 returns are computed once rather than once per worker. A
folder that is not the user's own with mode 0700 is ignored. Without the variable (JupyterLab, the
explorer, a one-worker batch) nothing is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import stat
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from wres_tools import metrics, publish
from wres_tools.contract import Return
from wres_tools.inputkey import digest_paths
from wres_tools.parameters import Parameters
from wres_tools.paths import CACHE_DIR_ENV
from wres_tools.returns.find import ReturnRef
from wres_tools.returns.load import load_return

#: Entries kept per cache. A demo year is 18 returns and a real one under 160, so a worker's
#: kernel keeps its current year's returns while it moves from one authority to the next.
CACHE_SIZE = 256

_RETURNS: OrderedDict[Hashable, tuple[Return, pd.DataFrame]] = OrderedDict()

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def remember(cache: OrderedDict[K, V], key: K, value: V,
             size: int = CACHE_SIZE) -> V:
    """Keep ``value`` under ``key``, dropping the least recently used entries beyond ``size``."""
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)
    return value


def digest(path: Path) -> str:
    """sha256 of the content of a file, or of every file under a folder (names included):
    :func:`wres_tools.inputkey.digest_paths`, the digest the batch's skip check uses."""
    return digest_paths([Path(path)])


def copied(ret: Return) -> Return:
    """``ret`` with copies of its tables, population and action plan, so that editing them
    leaves the cached return as it was."""
    return dataclasses.replace(
        ret, tables={name: table.copy() for name, table in ret.tables.items()},
        population=None if ret.population is None else ret.population.copy(),
        action_plan=None if ret.action_plan is None else ret.action_plan.copy(),
        action_updates=None if ret.action_updates is None else ret.action_updates.copy(),
    )


def _ref_key(ref: ReturnRef, params: Parameters, content: str | None) -> tuple[Hashable, ...]:
    return (ref.authority, ref.year, str(ref.path),
            digest(ref.path) if content is None else content, params.model_dump_json())


def computed_return(ref: ReturnRef, params: Parameters, *,
                    content: str | None = None) -> tuple[Return, pd.DataFrame]:
    """One return read (:func:`load_return`) and computed (:func:`metrics.compute_all`):
    (Return, internal result records), copies of what is kept. ``content``: the return's
    :func:`digest` when the caller already has it (it is worked out otherwise). Raises what
    ``load_return`` raises; nothing is kept then.
    """
    ret, records = _computed(_ref_key(ref, params, content), ref, params)
    return copied(ret), records.copy()


def _computed(key: tuple[Hashable, ...], ref: ReturnRef,
              params: Parameters) -> tuple[Return, pd.DataFrame]:
    """What :func:`computed_return` keeps under ``key`` (not copied)."""
    if key in _RETURNS:
        _RETURNS.move_to_end(key)
        return _RETURNS[key]
    shared = _shared_file(key)
    value = _read_shared(shared) if shared is not None else None
    if value is None:
        ret = load_return(ref, params)
        value = (ret, metrics.compute_all(ret, params))
        if shared is not None:
            _write_shared(shared, value)
    return remember(_RETURNS, key, value)


_PUBLISHED: OrderedDict[Hashable, pd.DataFrame] = OrderedDict()


def published_return(ref: ReturnRef, params: Parameters, mode: str, *,
                     content: str | None = None) -> tuple[Return, pd.DataFrame, pd.DataFrame]:
    """:func:`computed_return` and its records through the publishing step
    (:func:`wres_tools.publish.publish_results`): (Return, internal records, published records),
    copies of what is kept. ``content`` as for :func:`computed_return`; the files are hashed
    once either way. Shared between the batch's kernels like the computed return, as publishing
    a return solves its suppression pattern's integer programs."""
    base = _ref_key(ref, params, content)
    ret, records = _computed(base, ref, params)
    key = (*base, "published", mode)
    if key in _PUBLISHED:
        _PUBLISHED.move_to_end(key)
        return copied(ret), records.copy(), _PUBLISHED[key].copy()
    shared = _shared_file(key)
    value = _read_shared(shared) if shared is not None else None
    if not isinstance(value, pd.DataFrame):
        value = publish.publish_results(records, params, mode)
        if shared is not None:
            _write_shared(shared, value)
    return copied(ret), records.copy(), remember(_PUBLISHED, key, value).copy()


def shared(key: Hashable, make: Callable[[], V], kind: type[V]) -> V:
    """What ``make()`` gives, made once per batch: read from the batch's shared folder under
    ``key`` when another process of the batch (a worker's kernel) already made it (and it is a
    ``kind``), else made here and left there for the others. Outside a batch, ``make()``.

    ``key`` must hold the content digests of everything ``make`` reads, as the callers' own
    in-process caches do, so that nothing stale is ever handed out. The batch's main process
    gathers the evidence files from what its kernels made for the pages this way, rather than
    computing every authority-year a second time."""
    path = _shared_file(key)
    value = _read_shared(path) if path is not None else None
    if isinstance(value, kind):
        return value
    value = make()
    if path is not None:
        _write_shared(path, value)
    return value


def _shared_file(key: Hashable) -> Path | None:
    """Where the batch's kernels share this key, or None: no folder named, or one that is not
    this user's own private folder (owner only, mode 0700), whose files nobody should unpickle."""
    folder = os.environ.get(CACHE_DIR_ENV)
    if not folder:
        return None
    try:
        info = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) != 0o700 or (
        hasattr(os, "getuid") and info.st_uid != os.getuid()
    ):
        return None
    return Path(folder) / f"{hashlib.sha256(repr(key).encode('utf-8')).hexdigest()}.pickle"


def _read_shared(path: Path) -> Any:
    """What another kernel of the batch computed, or None (not there yet, or unreadable)."""
    try:
        with path.open("rb") as file:
            return pickle.load(file)  # noqa: S301 - written by this batch, in its 0700 folder
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None


def _write_shared(path: Path, value: object) -> None:
    """Write whole or not at all (temporary file, then rename); a failure only costs time."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - an object that will not pickle, a full disk: compute again
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def clear() -> None:
    """Forget every computed return (tests; a long-lived kernel that should read afresh)."""
    _RETURNS.clear()
    _PUBLISHED.clear()
