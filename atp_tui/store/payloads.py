"""The full notifications behind the store's summaries, parsed on demand.

The TUI's store keeps a `NotificationSummary` of every notification and parses the full
payload (pydantic) only when something asks for it: the detail pane for the selected row, an
answer. `PayloadReader` does that: the most recently used models are cached, a payload not yet
committed is read from the store's pending writes, anything else from the database.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from atp_tui.protocol.text import first_problem

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

log = logging.getLogger(__name__)

#: Parsed notifications kept in memory (the rest are parsed from the database on demand).
PARSED_CACHE_SIZE = 256


class PayloadReader:
    """Parses stored payloads and keeps the most recently used (see the module docstring)."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        pending: dict[str, str],
        title_of: Callable[[str], str | None],
    ) -> None:
        self._db = connection
        #: The store's uncommitted payload texts by id (shared, not copied).
        self._pending = pending
        self._title_of = title_of
        self._models: OrderedDict[str, Notification] = OrderedDict()

    def parse(self, raw: object) -> Notification:
        """Validate a stored payload (`ValueError` with pydantic's first reason, one line,
        when it fails)."""
        from pydantic import ValidationError

        from atp_tui.protocol.models import Notification, share_field_sets

        if not isinstance(raw, str | bytes):
            raise ValueError(f"its payload is not text ({type(raw).__name__})")
        try:
            notification = share_field_sets(Notification.model_validate_json(raw))
        except ValidationError as error:
            raise ValueError(first_problem(error)) from error
        return notification

    def remember(self, notification: Notification) -> None:
        """Keep a parsed notification as the most recently used."""
        models = self._models
        models[notification.id] = notification
        models.move_to_end(notification.id)
        if len(models) > PARSED_CACHE_SIZE:
            models.popitem(last=False)

    def cached(self, notification_id: str) -> Notification | None:
        """The parsed notification kept in memory, if it is (not counted as a use)."""
        return self._models.get(notification_id)

    def load(self, notification_id: str) -> Notification:
        """The full notification behind a summary: cached, pending or parsed from the database.

        Should the stored payload be unreadable (the file was edited or damaged), a stand-in
        with the summary's title and no actions is shown rather than failing the screen."""
        cached = self._models.get(notification_id)
        if cached is not None:
            self._models.move_to_end(notification_id)
            return cached
        raw = self._pending.get(notification_id)
        if raw is None:
            row = self._db.execute(
                "SELECT raw FROM notifications WHERE id = ?", (notification_id,)
            ).fetchone()
            raw = row[0] if row is not None else None
        try:
            notification = self.parse(raw)
            if notification.id != notification_id:
                raise ValueError(f"its payload has another id, {notification.id!r}")
        except ValueError as error:
            log.warning("stored notification %r is unreadable: %s", notification_id, error)
            notification = self._stand_in(notification_id, str(error))
        self.remember(notification)
        return notification

    def _stand_in(self, notification_id: str, reason: str) -> Notification:
        from atp_tui.protocol.models import Notification

        title = self._title_of(notification_id) or "(unknown notification)"
        return Notification.model_validate(
            {
                "id": notification_id,
                "context": {
                    "title": title,
                    "description": f"The stored copy of this notification is unreadable: {reason}",
                },
                "actions": [],
            }
        )
