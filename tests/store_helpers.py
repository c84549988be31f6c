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
