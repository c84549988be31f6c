"""Shared helpers for the `test_store_*` modules (their `state_dir` fixture is in conftest.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from atp_tui.protocol.models import Notification
from atp_tui.store import DB_NAME
from tests.hostile import notification


def _n(nid: str, **extra: Any) -> Notification:
    """A parsed notification `nid` (`tests.hostile.notification` with `extra`)."""
    return Notification.model_validate(notification(nid, **extra))


def _peek(state_dir: Path, query: str) -> list[tuple[Any, ...]]:
    """Read the database through a second, independent connection."""
    connection = sqlite3.connect(state_dir / DB_NAME)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def notification_rows(state_dir: Path) -> list[tuple[Any, ...]]:
    """Every notification row as written (id, raw, status, status_reason, received_at,
    event_id, read), oldest first, read through a second connection."""
    return _peek(
        state_dir,
        "SELECT id, raw, status, status_reason, received_at, event_id, read"
        " FROM notifications ORDER BY rowid",
    )


def refuse_inserts(state_dir: Path, message: str, when: str = "1") -> sqlite3.Connection:
    """Make SQLite refuse every notification insert matching `when` with `message` (as a full
    disk would); drop the trigger `refuse` on the returned connection to let them through."""
    connection = sqlite3.connect(state_dir / DB_NAME)
    connection.execute(
        f"CREATE TRIGGER refuse BEFORE INSERT ON notifications WHEN {when}"
        f" BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )
    connection.commit()
    return connection
