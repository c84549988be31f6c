"""A notification as the TUI's store holds it (`StoredNotification`: its summary, merged
state and a way to its full payload), and the description heads a cached inbox leaves in the
database (`read_description_heads`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from atp_tui.protocol.summary import NotificationSummary

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification


@dataclass(frozen=True, slots=True)
class StoredNotification:
    """A notification as the client knows it: its summary and merged lifecycle state.

    The full payload is `notification`, which a store parses on demand (a few recent ones are
    cached): the inbox, its sort, filter and counts read only `summary` (see
    `atp_tui.protocol.summary`)."""

    summary: NotificationSummary
    status: str | None
    status_reason: str | None
    received_at: datetime
    event_id: str | None
    read: bool
    #: Returns the full notification for an id (`Store` reads it from its database).
    source: Callable[[str], Notification] = field(repr=False, compare=False)

    @property
    def notification(self) -> Notification:
        """The full notification (detail pane, answers); may be parsed from the store."""
        return self.source(self.summary.id)

    @classmethod
    def holding(
        cls,
        notification: Notification,
        status: str | None,
        status_reason: str | None,
        received_at: datetime,
        event_id: str | None,
        read: bool,
    ) -> StoredNotification:
        """An item that keeps its parsed notification itself (one not from a store)."""

        def source(notification_id: str) -> Notification:
            return notification

        summary = NotificationSummary.of(notification)
        return cls(summary, status, status_reason, received_at, event_id, read, source)


def read_description_heads(db: sqlite3.Connection) -> dict[str, str]:
    """The description head of every stored summary, by id (`Store.description_heads`)."""
    rows = db.execute(
        "SELECT id, json_extract(summary, '$[7]') FROM notifications WHERE summary IS NOT NULL"
    )
    return {notification_id: head for notification_id, head in rows if isinstance(head, str)}
