"""The store for `watch`: each notification's id and lifecycle state in memory, not its payload.

`watch` prints a notification and writes its JSON text to the database; it never shows it
again. Keeping every validated model in memory made a long-running `watch` grow by ≈7 KB per
notification and cost a third of its ingest time in fresh memory for each event; the TUI's
`Store` keeps a summary of each for its inbox, which `watch` does not need either.
`HeadlessStore` keeps only what exactly-once delivery needs: which notification ids are known
and their state, so that a repeat is hidden and states only move forward. Opening it reads ids
and states, not payloads: no validation of the cached inbox.

Same file and schema as `Store`: the TUI and `watch` can take turns on one state directory.
The rows it writes have no summary (`atp_tui.protocol.summary`), and a payload it rewrites
loses its old one: the TUI makes the summary from the payload when it next opens the file.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from atp_tui.protocol.clock import Clock
from atp_tui.protocol.lifecycle import KNOWN_STATES, can_transition
from atp_tui.store.base import PendingWrites, StreamState

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification


class HeadlessStore(StreamState):
    """`watch`'s store: the stream state plus each notification's id and lifecycle state."""

    def __init__(self, connection: sqlite3.Connection, clock: Clock, warnings: list[str]) -> None:
        super().__init__(connection, clock, warnings)
        #: Every known notification id and its lifecycle state (`None`: not yet in one).
        self._states: dict[str, str | None] = {}
        #: New ids since the last commit and their SSE event id. Their arrival time is the
        #: commit's (one clock read a commit, not one an event: the commit follows the chunk).
        self._arrivals: dict[str, str | None] = {}
        #: State changes since the last commit: the reason given with each.
        self._reasons: dict[str, str | None] = {}
        self._load()

    def _load_items(self) -> None:
        for notification_id, status in self._db.execute(
            "SELECT id, status FROM notifications ORDER BY rowid"
        ):
            self._states[notification_id] = status

    def has_notification(self, notification_id: str) -> bool:
        """Whether this notification id was ever received (the exactly-once check)."""
        return notification_id in self._states

    def add_notification(
        self, notification: Notification, event_id: str | None, *, raw_json: str = ""
    ) -> bool:
        """Queue a received notification's JSON for the database; `True` when its id is new."""
        notification_id = notification.id
        self._raw_json[notification_id] = raw_json or notification.model_dump_json()
        self._dirty_items[notification_id] = None
        status = notification.status if notification.status in KNOWN_STATES else None
        if notification_id not in self._states:
            self._states[notification_id] = status
            self._arrivals[notification_id] = event_id
            return True
        if status is not None and can_transition(self._states[notification_id], status):
            self._states[notification_id] = status
        return False

    def apply_status(self, notification_id: str, status: str, reason: str | None = None) -> bool:
        """Move a notification's state forward; `False` when unknown or not a forward move."""
        if notification_id not in self._states:
            return False
        if not can_transition(self._states[notification_id], status):
            return False
        self._states[notification_id] = status
        self._reasons[notification_id] = reason
        self._dirty_items[notification_id] = None
        return True

    def _write_notifications(self, db: sqlite3.Connection, taken: PendingWrites) -> None:
        states = self._states
        if taken.raw:
            # A known id conflicts, so its arrival columns are not written: "" stands in.
            arrivals = self._arrivals
            now = self._clock.now().isoformat()
            rows = [
                (key, raw, states[key], now if key in arrivals else "", arrivals.get(key))
                for key, raw in taken.raw.items()
            ]
            db.executemany(
                "INSERT INTO notifications (id, raw, status, received_at, event_id)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                " raw = excluded.raw, status = excluded.status, summary = NULL",
                rows,
            )
        if self._reasons:
            db.executemany(
                "UPDATE notifications SET status = ?, status_reason = ? WHERE id = ?",
                [(states[key], reason, key) for key, reason in self._reasons.items()],
            )

    def _written(self, taken: PendingWrites) -> None:
        # `watch` commits on its own thread, one commit at a time: nothing arrived meanwhile.
        self._arrivals.clear()
        self._reasons.clear()
        super()._written(taken)
