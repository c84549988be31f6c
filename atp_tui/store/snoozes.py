"""Snoozed notifications: which ones the inbox holds back, and until when.

The `snoozes` table is created with the rest of the schema (`atp_tui.store.db`).

A snooze is client state, like the read mark: the server never hears of it. One row per
snoozed notification id (`until` and `snoozed_at` in ISO 8601, UTC). The TUI writes a row
when the user snoozes and deletes it when the item comes back (its time came, woken early,
or it closed while snoozed); `atp-tui status` and `handover` read the table to count them.
What "snoozed" means at a moment (the time not reached, the item still open, never past its
deadline's warning) is `atp_tui.view.snooze`'s rule, not the row's: a row whose time has
passed is simply not snoozed any more, whoever reads it first.

Writes are rare and the user made them on purpose, so each is committed at once (as an answer
is), not queued with the stream's writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from atp_tui.protocol.lifecycle import parse_moment
from atp_tui.store.db import transaction, write_error


def read_snoozes(db: sqlite3.Connection) -> tuple[dict[str, datetime], list[str]]:
    """Every snooze (id -> until), and a warning per row that cannot be read (skipped)."""
    snoozes: dict[str, datetime] = {}
    problems: list[str] = []
    for notification_id, until in db.execute("SELECT id, until FROM snoozes ORDER BY until"):
        moment = parse_moment(until)
        if not isinstance(notification_id, str) or moment is None:
            problems.append(
                f"skipped snooze of {notification_id!r}: its time {until!r} is not a date "
                "(the item shows in the inbox)"
            )
            continue
        snoozes[notification_id] = moment
    return snoozes, problems


def save_snooze(
    db: sqlite3.Connection, notification_id: str, until: datetime, snoozed_at: datetime
) -> None:
    """Snooze one notification until `until` (replacing an earlier snooze of it), committed.

    `StateWriteError` when the database refuses (disk full, read-only)."""
    try:
        with transaction(db):
            db.execute(
                "INSERT INTO snoozes (id, until, snoozed_at) VALUES (?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET until = excluded.until,"
                " snoozed_at = excluded.snoozed_at",
                (notification_id, until.astimezone(UTC).isoformat(), snoozed_at.isoformat()),
            )
    except sqlite3.Error as error:
        raise write_error(error) from error


def delete_snoozes(db: sqlite3.Connection, notification_ids: Iterable[str]) -> None:
    """Forget these snoozes (their items are back), committed; `StateWriteError` if refused."""
    rows = [(notification_id,) for notification_id in notification_ids]
    if not rows:
        return
    try:
        with transaction(db):
            db.executemany("DELETE FROM snoozes WHERE id = ?", rows)
    except sqlite3.Error as error:
        raise write_error(error) from error
