"""The response log: every attempt to answer a notification, and how it ended.

The log is the one record of what this machine answered: the "already answered here" guard,
the `sending` row written before a POST (so an answer cut off mid-flight is checked with the
server before it could be sent twice), `history` and `handover` all read it. A row damaged by
hand or by another tool is skipped with a reason (SSE-CLIENT-RULES.md case 84), never fatal.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atp_tui.store.db import transaction, write_error


@dataclass(frozen=True, slots=True)
class ResponseAttempt:
    """One attempt to answer a notification, and how it ended."""

    notification_id: str
    action_id: str
    response_data: Any
    attempted_at: datetime
    outcome: str
    detail: str


def insert_response(
    db: sqlite3.Connection,
    attempt: tuple[str, str, Any, datetime, str, str],
    *,
    replaces: int | None = None,
) -> int:
    """Insert one attempt (notification id, action id, data, when, outcome, detail), in place
    of row `replaces` if given; returns its row number. `StateWriteError` when refused."""
    notification_id, action_id, data, when, outcome, detail = attempt
    row = (notification_id, action_id, json.dumps(data), when.isoformat(), outcome, detail)
    try:
        with transaction(db):
            if replaces is not None:
                db.execute("DELETE FROM responses WHERE seq = ?", (replaces,))
            inserted = db.execute(
                "INSERT INTO responses (notification_id, action_id, response_data,"
                " attempted_at, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
    except sqlite3.Error as error:
        raise write_error(error) from error
    return inserted.lastrowid or 0


def read_responses(
    db: sqlite3.Connection, notification_id: str | None = None
) -> tuple[list[ResponseAttempt], list[str]]:
    """The log oldest first (all of it or one notification's), and a warning per bad row."""
    query = (
        "SELECT seq, notification_id, action_id, response_data, attempted_at, outcome, detail"
        " FROM responses"
    )
    parameters: tuple[str, ...] = ()
    if notification_id is not None:
        query += " WHERE notification_id = ?"
        parameters = (notification_id,)
    attempts: list[ResponseAttempt] = []
    problems: list[str] = []
    for row in db.execute(query + " ORDER BY seq", parameters).fetchall():
        attempt = attempt_of_row(row)
        if isinstance(attempt, ResponseAttempt):
            attempts.append(attempt)
        else:
            problems.append(f"skipped response log row {row[0]}: {attempt}")
    return attempts, problems


def attempt_of_row(row: tuple[Any, ...]) -> ResponseAttempt | str:
    """One `responses` row as an attempt, or what is wrong with it (for a warning)."""
    _, notification_id, action_id, raw_data, raw_at, outcome, detail = row
    for name, value in (
        ("notification_id", notification_id),
        ("action_id", action_id),
        ("outcome", outcome),
    ):
        if not isinstance(value, str) or not value:
            return f"{name} is missing or not text"
    if not isinstance(raw_data, str | bytes):
        return "response_data is missing"
    try:
        data = json.loads(raw_data)
    except (ValueError, RecursionError):
        return "response_data is not JSON"
    if not isinstance(raw_at, str):
        return "attempted_at is missing or not text"
    try:
        attempted_at = datetime.fromisoformat(raw_at)
    except ValueError:
        return "attempted_at is not a date"
    if attempted_at.tzinfo is None:
        # Every row this client writes is UTC; a naive one would break comparisons with aware
        # times (`history --since`), so it is read as UTC too.
        attempted_at = attempted_at.replace(tzinfo=UTC)
    # `detail` is a free-text note: a missing one costs nothing, so the row is kept.
    text = detail if isinstance(detail, str) else ""
    return ResponseAttempt(notification_id, action_id, data, attempted_at, outcome, text)
