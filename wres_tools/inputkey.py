"""The authority's secret key for digests of input files, so that no output is an input oracle.

A plain sha256 of a return in a published manifest lets a reader test guesses: hash every
candidate file that agrees with the published figures, and the one that matches gives the hidden
counts away. Every digest of an input that the batch writes beside its outputs - the manifest's
input hashes and the skip-if-unchanged fingerprints in each output folder's state file - is
therefore an HMAC-SHA256 under a key that stays with the data: the file :data:`KEY_FILE` in the
data folder (made on first use, 32 random bytes, readable by its owner only), or the file named
by the environment variable :data:`KEY_ENV`. The data folder is never published; without the key
a digest says nothing about the file, with it ``wres reproduce`` can still tell a changed input.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: The key's file name inside the data folder (hidden: io.find_returns skips it).
KEY_FILE = ".wres-input-key"
#: An environment variable naming another key file (a key kept apart from the data).
KEY_ENV = "WRES_INPUT_KEY_FILE"
#: What the manifest says of how its input digests were made.
METHOD = "HMAC-SHA256"


class InputKeyError(OSError):
    """The key cannot be read or made; names the file."""


def key_path(data_dir: Path | str) -> Path:
    """Where the key for ``data_dir`` is: :data:`KEY_ENV` when set, else the data folder's."""
    named = os.environ.get(KEY_ENV)
    return Path(named) if named else Path(data_dir) / KEY_FILE


def input_key(data_dir: Path | str, *, create: bool = True) -> bytes:
    """The key for digests of ``data_dir``'s inputs, made (mode 0600) when there is none and
    ``create``. Raises :class:`InputKeyError` naming the file when it cannot be read or made."""
    path = key_path(data_dir)
    if create and not path.exists():
        _make(path)
    return _read(path)


def _read(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise InputKeyError(f"{path}: no input key (the batch that wrote the manifest made it; "
                            "without it no input can be checked)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputKeyError(f"{path}: the input key cannot be read ({exc})") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise InputKeyError(f"{path}: found {len(text)} characters; expected the input key, "
                            "at least 32 hexadecimal digits")
    return key


def _make(path: Path) -> None:
    """Write a new key, readable by its owner only; another process may have just made one."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise InputKeyError(f"{path}: the input key cannot be made ({exc}); name a writable "
                            f"file in {KEY_ENV}") from None
    with os.fdopen(handle, "w", encoding="ascii") as file:
        file.write(secrets.token_bytes(32).hex() + "\n")


def keyed_digest(key: bytes) -> hmac.HMAC:
    """A fresh HMAC-SHA256 under ``key``, to feed file bytes into."""
    return hmac.new(key, digestmod=hashlib.sha256)


def keyed_file_digest(path: Path, key: bytes) -> str:
    """Hex HMAC-SHA256 of a file's bytes under ``key``, read in blocks."""
    digest = keyed_digest(key)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hash_file(digest: Any, path: Path, name: str) -> None:
    digest.update(name.encode("utf-8") + b"\0")
    digest.update(path.read_bytes())
    digest.update(b"\0")


def digest_paths(paths: Iterable[Path], root: Path | None = None,
                 key: bytes | None = None) -> str:
    """sha256 over files (a folder counts as every file in it), names included, in sorted order;
    with ``key``, HMAC-SHA256 under it (:func:`input_key`): every digest of an input
    that is written beside the outputs is keyed, so that it cannot be used to test guesses. The
    batch's skip check and every in-process cache (:mod:`wres_tools.computed`, the reports') key
    on it."""
    digest: Any = hashlib.sha256() if key is None else keyed_digest(key)
    for path in sorted(Path(p) for p in paths):
        if not path.exists():  # an absent file (no parameter file, say) is part of the state
            digest.update(f"missing:{path.name}\0".encode())
            continue
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            name = f.relative_to(root).as_posix() if root is not None else f.name
            _hash_file(digest, f, name)
    return digest.hexdigest()
