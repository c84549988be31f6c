"""Writing the settings file safely: atomically, mode 0600, as plain TOML (no Textual).

A file that may hold a token follows the credential rules: created through
`os.open(..., 0o600)` so a loose umask cannot widen it, in a 0700 directory, replacing the old
file atomically (temp file in the same directory, write, `fsync`, `os.replace`), so a crash
leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w


def _toml_ready(value: Any) -> Any:
    """Turn settings values into what TOML can hold: no None, paths and secrets as text."""
    if isinstance(value, Mapping):
        return {str(k): _toml_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_ready(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    secret = getattr(value, "get_secret_value", None)
    if callable(secret):
        return secret()
    return value


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a directory)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_file(path: Path, data: bytes) -> None:
    """Atomically replace `path` with `data`: mode 0600, parent dir 0700 if we create it.

    A parent directory that already exists keeps its mode: it may be shared on purpose, and
    the file's own 0600 is what protects the token. A symlinked config file (dotfiles) is
    written through: the link's target is replaced, the link stays.
    """
    path = Path(os.path.realpath(path))
    directory = path.parent
    try:
        directory.mkdir(parents=True, mode=0o700)
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        pass
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), 0o600)  # exactly 0600 whatever the umask
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(directory)


def save_settings(path: Path, values: Mapping[str, Any]) -> None:
    """Write `values` as the whole TOML file at `path`, atomically, mode 0600.

    Saving rewrites the file: comments and formatting are not kept (tomli-w writes plain
    TOML). None values are left out (TOML has no null); paths and secrets become strings; a
    string with line breaks (a quick reply) is written as a multi-line string, as a person
    would write it.
    """
    text = tomli_w.dumps(_toml_ready(values), multiline_strings=True)
    write_private_file(path, text.encode("utf-8"))
