"""Where returns are: ``<authority>/<year>.xlsx`` or ``<authority>/<year>/`` of CSV files under a
data folder, and what kind of thing a path is (file, folder, broken link, unreadable).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from wres_tools.contract import (
    Problem,
)

Form = Literal["xlsx", "csv"]

_YEAR = re.compile(r"^\d{4}$")


# --- where returns are ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRef:
    """Where one return lives: ``<authority>/<year>.xlsx`` or ``<authority>/<year>/``."""

    authority: str
    year: int
    path: Path
    form: Form

    @classmethod
    def from_path(cls, path: Path | str) -> ReturnRef:
        """Parse ``<authority>/<year>.xlsx`` or ``<authority>/<year>/`` (a folder of CSV files)."""
        path = Path(path)
        kind = file_kind(path)
        if kind == "missing":
            raise FileNotFoundError(f"{path}: no such file or folder")
        if kind in ("broken link", "unreadable"):
            raise ValueError(f"{path}: {KIND_WORDS[kind]}")
        if kind == "folder":
            year, form = path.name, "csv"
        elif path.suffix.lower() == ".xlsx":
            year, form = path.stem, "xlsx"
        else:
            hint = (f"; save it as .xlsx (Excel 2007 or later) rather than {path.suffix}"
                    if path.suffix.lower() in (".xls", ".xlsm", ".xlsb", ".ods") else "")
            raise ValueError(
                f"{path}: expected a return as <authority>/<year>.xlsx or a folder "
                f"<authority>/<year>/ of CSV files{hint}"
            )
        if not _YEAR.match(year):
            raise ValueError(
                f"{path}: the name {year!r} is not a year; expected <authority>/<year>.xlsx or "
                "<authority>/<year>/, e.g. ashbury/2023.xlsx"
            )
        authority = path.resolve().parent.name
        return cls(authority=authority, year=int(year), path=path, form=form)  # type: ignore[arg-type]


def is_hidden(path: Path) -> bool:
    return path.name.startswith((".", "~$", "_"))


def find_returns(data_dir: Path | str, problems: list[Problem] | None = None) -> list[ReturnRef]:
    """Every return under ``data_dir``, sorted by (authority, year).

    Skips the ``parameters`` folder, hidden files and anything not named like a return. An
    authority folder that cannot be read, and an entry named like a return that is neither a
    workbook nor a folder (a broken link, a pipe), are left out with an error appended to
    ``problems`` (when given), so that one bad authority never stops the others.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"{data_dir}: data folder not found")
    found = problems if problems is not None else []
    refs = []
    for authority in folder_entries(data_dir, found):
        if not is_folder(authority) or is_hidden(authority) or authority.name == "parameters":
            continue
        refs += _returns_in(authority, found)
    return sorted(refs, key=lambda r: (r.authority, r.year, r.form))


def authority_returns(data_dir: Path | str, authority: str) -> list[ReturnRef]:
    """The returns of one authority, sorted by year: exactly ``[r for r in
    find_returns(data_dir) if r.authority == authority]``, but reading only
    ``<data_dir>/<authority>/`` when no entry of ``data_dir`` is a link (a linked folder could
    hold returns of this authority under another name); the whole folder otherwise.

    A report reads its own authority's returns: at national scale (150 authorities x 5 years)
    the whole data folder is 750 returns to look at for every page, this one folder 5.
    """
    data_dir = Path(data_dir)
    folder = data_dir / authority
    try:
        with os.scandir(data_dir) as entries:
            linked = any(entry.is_symlink() for entry in entries)
        plain = not linked and folder.is_dir() and not is_hidden(folder) and (
            authority != "parameters")
    except OSError:
        plain = False
    if not plain:
        return [r for r in find_returns(data_dir) if r.authority == authority]
    refs = [r for r in _returns_in(folder, []) if r.authority == authority]
    return sorted(refs, key=lambda r: (r.authority, r.year, r.form))


def _returns_in(folder: Path, problems: list[Problem]) -> list[ReturnRef]:
    """The returns of one authority folder, in the order listed. The folder's real name (what
    :meth:`ReturnRef.from_path` names the authority by) is resolved once, not once a return."""
    try:
        owner: str | None = folder.resolve().name
    except (OSError, RuntimeError):
        owner = None
    refs = []
    for entry in folder_entries(folder, problems):
        if is_hidden(entry):
            continue
        ref = _return_at(entry, problems, owner)
        if ref is not None:
            refs.append(ref)
    return refs


def folder_entries(folder: Path, problems: list[Problem]) -> list[Path]:
    """The entries of a folder, sorted; none, with an error, when it cannot be listed."""
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        problems.append(Problem(
            "error", str(folder), f"the folder cannot be read: {exc.strerror or exc}",
            expected="a folder this user may list and read"))
        return []


def is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _return_at(entry: Path, problems: list[Problem],
               owner: str | None = None) -> ReturnRef | None:
    """The return an entry of an authority folder holds, or None (with an error for one named
    like a return that cannot be one). ``owner``: the folder's resolved name, which names the
    authority of an entry that is not itself a link (as :meth:`ReturnRef.from_path` would, by
    resolving the entry: a few system calls a return fewer)."""
    name = entry.stem if entry.suffix.lower() == ".xlsx" else entry.name
    if not _YEAR.match(name):
        return None
    form: Form = "xlsx" if entry.suffix.lower() == ".xlsx" else "csv"
    kind = file_kind(entry)
    if (form, kind) in (("xlsx", "file"), ("csv", "folder")):
        if owner is not None and not entry.is_symlink():
            return ReturnRef(authority=owner, year=int(name), path=entry, form=form)
        return ReturnRef.from_path(entry)
    problems.append(Problem(
        "error", str(entry), f"named like a return but {KIND_WORDS[kind]}; not read",
        expected=f"a workbook {name}.xlsx or a folder {name}/ of CSV files"))
    return None


#: What :func:`file_kind` finds, in words.
KIND_WORDS: dict[str, str] = {
    "file": "a file", "folder": "a folder", "missing": "does not exist",
    "broken link": "a link to nothing that exists",
    "special": "not a regular file (a pipe, socket or device)",
    "unreadable": "cannot be looked at (no permission, or the name is too long)",
}


def file_kind(path: Path) -> str:
    """file, folder, missing, broken link, special (a FIFO, a device such as /dev/zero) or
    unreadable; links are followed. Never opens the file, so a pipe cannot hang the caller."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "broken link" if path.is_symlink() else "missing"
    except OSError:
        return "unreadable"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


#: Largest file of a return read (bytes): a 100,000-row extract is about 10 MB.
MAX_FILE_BYTES = 256 * 1024 * 1024


def unreadable_file(path: Path) -> Problem | None:
    """An error when ``path`` is not a regular file of a readable size, before it is opened."""
    kind = file_kind(path)
    if kind != "file":
        return Problem("error", str(path), f"is {KIND_WORDS[kind]}; not read",
                       expected="a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return Problem("error", str(path), f"is {size:,} bytes: too big to be a return's file",
                       expected=f"at most {MAX_FILE_BYTES:,} bytes")
    return None
