"""Writing a file so that a reader never sees half of it: every output of the package (pages,
metrics.json, evidence, demo returns, templates) is written through :func:`write_atomic`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """A temporary path in ``path``'s folder to write in pieces (a stream of rows, a Parquet
    writer); when the block ends without error it becomes ``path`` by a rename, with the mode
    ``open()`` would give it. On any error (or a kill before the rename) ``path`` is untouched
    and the temporary file removed (a killed process leaves a ``.<name>.*.tmp`` no reader takes
    for the file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path | str, content: str | bytes) -> Path:
    """Write text (UTF-8, ``\\n`` line ends) or bytes to ``path`` through a temporary file in the
    same folder and a rename; returns ``path``.

    A reader sees the old file or the new one, never half of one; on any error the temporary
    file is removed and ``path`` is untouched. The file gets the mode ``open()`` would give it
    (``mkstemp`` makes 0600).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
