"""Opening the state database: a damaged file is moved aside, any other failure leaves it be.

State is a cache of what the server holds, so a corrupt database (`is_corruption`) is moved
aside and recreated: the pager must start. A full disk, an I/O error or a read-only directory
say nothing about the file, and moving a healthy database aside would throw away the cursor,
the seen ids and the answer log (SSE-CLIENT-RULES case 72): then `required` callers (`watch`,
`respond`, `history`) get `StateUnavailable`, the others a store in memory with a warning.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from atp_tui.protocol.clock import Clock
from atp_tui.store.db import (
    DB_NAME,
    StateWriteError,
    connect,
    describe_sqlite_error,
    is_corruption,
    move_aside,
)

_S = TypeVar("_S")
#: Builds a store on an open connection; may raise while loading (damaged rows, a failed write).
Loader = Callable[[sqlite3.Connection, list[str]], _S]

_FREE_SPACE = "free disk space or fix the permissions, then start again"


class StateUnavailable(Exception):
    """The state database cannot be opened (and is not corrupt): the message says why and what
    to do. Raised by `Store.open(..., required=True)`."""


def open_state(state_dir: Path, clock: Clock, load: Loader[_S], *, required: bool) -> _S:
    """Open (or create) the database in `state_dir` and `load` a store on it (see the module
    docstring for what happens when that fails)."""
    warnings: list[str] = []
    path = state_dir / DB_NAME

    def unavailable(problem: str, fix: str) -> _S:
        if required:
            raise StateUnavailable(f"{problem}: {fix}")
        warnings.append(f"{problem}; state is kept in memory only: {fix}")
        return load(connect(":memory:"), warnings)

    try:
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        return unavailable(
            f"cannot create state directory {state_dir} ({error.strerror})",
            "check the path or pass --state-dir",
        )
    try:
        return _open_file(path, load, warnings)
    except StateWriteError as error:  # opened, but its first write failed
        return unavailable(
            f"state database {path}: {error}; it was left as it is", "then start again"
        )
    except (sqlite3.DatabaseError, ValueError) as error:
        if isinstance(error, sqlite3.Error) and not is_corruption(error):
            return unavailable(
                f"cannot open state database {path} ({describe_sqlite_error(error)}); "
                "it was left as it is",
                _FREE_SPACE,
            )
        try:
            moved = move_aside(path, clock)
        except OSError as move_error:
            return unavailable(
                f"state database {path} is unreadable ({error}) and cannot be moved aside "
                f"({move_error.strerror})",
                "move it away by hand",
            )
        warnings.append(
            f"state database {path} was unreadable ({error}); moved it to {moved} and "
            "started fresh: notifications will be replayed by the server"
        )
    try:
        return _open_file(path, load, warnings)
    except (sqlite3.DatabaseError, StateWriteError) as error:
        cause = describe_sqlite_error(error) if isinstance(error, sqlite3.Error) else str(error)
        return unavailable(f"cannot recreate {path} ({cause})", _FREE_SPACE)


def _open_file(path: Path, load: Loader[_S], warnings: list[str]) -> _S:
    """Connect and load; the connection is closed when loading fails (before a move)."""
    connection = connect(str(path))
    try:
        return load(connection, warnings)
    except BaseException:
        connection.close()
        raise
