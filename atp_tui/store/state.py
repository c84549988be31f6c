"""Persistent client state in SQLite: notifications, cursor, seen ids, client id, response log.

Reads come from an in-memory cache loaded at open, so the stream's hot path never queries the
database; writes are queued and flushed in one transaction by `commit()`, which the stream engine
calls once per received chunk rather than once per event. The database runs in WAL mode with
`synchronous=NORMAL`: a commit does not fsync, and a crash loses at most the last commits, which
the server replays on resume (the cursor is committed in the same transaction as the events).

A database that is corrupt (not a database, or failing its integrity check) is moved aside with a
warning and recreated: state is a cache of what the server holds, and the pager must start. One
that cannot be opened for any other reason (disk full, I/O error, read-only) is never moved aside:
`open(..., required=True)` raises `StateUnavailable` (for `watch` and `respond`, whose promises
need the state), otherwise the store runs in memory with a warning.

A commit is all or nothing, in the database and in memory alike: when it fails (`StateWriteError`)
every queued change stays queued for the next try, so the cursor never gets ahead of the rows.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.protocol.lifecycle import KNOWN_STATES, can_transition
from atp_tui.protocol.summary import NotificationSummary
from atp_tui.store.db import (
    StateWriteError,
    connect,
    describe_sqlite_error,
    transaction,
    write_error,
)
from atp_tui.store.opening import StateUnavailable as StateUnavailable  # re-exported
from atp_tui.store.opening import open_state
from atp_tui.store.payloads import PayloadReader
from atp_tui.store.responses import ResponseAttempt, insert_response, read_responses

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

log = logging.getLogger(__name__)

#: Seen SSE event ids kept for dedupe; old ones matter less because notification ids dedupe too.
SEEN_EVENT_LIMIT = 20_000
#: A stored cursor longer than this is garbage, not an id.
MAX_CURSOR_LENGTH = 4096


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


def valid_cursor(value: object) -> bool:
    """Whether a stored last-event-id can be sent back: text, no NUL/CR/LF, sane length."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_CURSOR_LENGTH
        and "\x00" not in value
        and "\r" not in value
        and "\n" not in value
    )


class Store:
    """The client's state. One instance per state directory; use from one thread."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        clock: Clock,
        warnings: list[str],
    ) -> None:
        self._db = connection
        self._clock = clock
        self.warnings = warnings
        self._items: dict[str, StoredNotification] = {}
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        # Insertion-ordered (not a set): new rows get rowids in receive order, which is the
        # order `load_notifications` returns after a restart.
        self._dirty_items: dict[str, None] = {}
        self._new_seen: list[str] = []
        #: JSON text of dirty notifications as the server sent it, written at the next commit.
        self._raw_json: dict[str, str] = {}
        #: Parses payloads on demand and keeps the most recently used (`StoredNotification`).
        self._payloads = PayloadReader(connection, self._raw_json, self._title_of)
        self._meta_updates: dict[str, str | None] = {}
        self._uncheckpointed = False
        self._load()

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, state_dir: Path, clock: Clock | None = None, *, required: bool = False) -> Self:
        """Open (or create) the store in `state_dir`; a corrupt database is moved aside.

        When the state cannot be kept on disk for another reason (read-only, full, I/O error),
        `required` raises `StateUnavailable`; otherwise the store runs in memory with a warning.
        """
        chosen = clock or SYSTEM_CLOCK

        def load(connection: sqlite3.Connection, warnings: list[str]) -> Store:
            return cls(connection, chosen, warnings)

        return open_state(state_dir, chosen, load, required=required)  # type: ignore[return-value]

    @classmethod
    def in_memory(cls, clock: Clock | None = None) -> Self:
        """A throwaway store (tests, demo)."""
        return cls(connect(":memory:"), clock or SYSTEM_CLOCK, [])

    def _load(self) -> None:
        # Row by row (not `fetchall`: every payload's text at once doubled the peak memory),
        # with the cyclic GC paused: it would rescan the growing cache again and again, which
        # made opening 50,000 cached notifications several times slower. Nothing here makes
        # cycles; the GC resumes as it was.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._load_items()
        finally:
            if collecting:
                gc.enable()
        for (event_id,) in self._db.execute(
            "SELECT event_id FROM seen_events ORDER BY seq DESC LIMIT ?", (SEEN_EVENT_LIMIT,)
        ).fetchall()[::-1]:
            self._seen_events[event_id] = None
        meta: dict[str, str] = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        self._meta = meta
        cursor = meta.get("cursor", "")
        if not valid_cursor(cursor):
            self.warnings.append(
                "the stored stream cursor was invalid (not text, control characters or too "
                "long); discarded it: the server will replay and duplicates are hidden"
            )
            self._meta_updates["cursor"] = None
            self._meta.pop("cursor", None)
        if not isinstance(meta.get("client_id"), str) or not meta["client_id"]:
            self._meta["client_id"] = str(uuid.uuid4())
            self._meta_updates["client_id"] = self._meta["client_id"]
            self.commit()

    def _load_items(self) -> None:
        """Read the cached notifications' summaries and states, oldest first.

        No payload is parsed (so no pydantic) unless a row has no readable summary: one
        written by `watch`, or by a version before summaries; that one is parsed once and its
        summary written back at the next commit."""
        rows = self._db.execute(
            "SELECT id, summary, CASE WHEN summary IS NULL THEN raw END, status, status_reason,"
            " received_at, event_id, read FROM notifications ORDER BY rowid"
        )
        for notification_id, summary_json, raw, status, reason, received_at, event_id, read in rows:
            try:
                received = datetime.fromisoformat(received_at)
                summary = self._summary_of_row(notification_id, summary_json, raw)
            except ValueError as error:
                self.warnings.append(
                    f"dropped unreadable stored notification {notification_id!r}: {error}"
                )
                continue
            self._items[notification_id] = StoredNotification(
                summary, status, reason, received, event_id, bool(read), self._payloads.load
            )

    def _summary_of_row(
        self, notification_id: str, summary_json: str | None, raw: str | None
    ) -> NotificationSummary:
        """A row's stored summary, or one made from its payload (`ValueError`: unreadable)."""
        if summary_json is not None:
            try:
                summary = NotificationSummary.from_json(summary_json)
            except ValueError:
                summary = None
            if summary is not None and summary.id == notification_id:
                return summary
            raw = self._db.execute(
                "SELECT raw FROM notifications WHERE id = ?", (notification_id,)
            ).fetchone()[0]
        notification = self._payloads.parse(raw)
        if notification.id != notification_id:
            raise ValueError(f"its payload has another id, {notification.id!r}")
        self._payloads.remember(notification)
        self._dirty_items[notification_id] = None  # writes the summary back
        return NotificationSummary.of(notification)

    # -- meta ----------------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        """A UUID identifying this client installation (sent as `client_id`)."""
        return self._meta["client_id"]

    @property
    def cursor(self) -> str:
        """The last processed event id; `""` when there is none."""
        return self._meta.get("cursor", "")

    def set_cursor(self, value: str) -> None:
        """Remember the last processed event id (written at the next commit)."""
        if not valid_cursor(value):
            raise ValueError(
                f"not a usable event id: it contains NUL, CR or LF, or is longer than "
                f"{MAX_CURSOR_LENGTH} characters"
            )
        if self._meta.get("cursor", "") != value:
            self._meta["cursor"] = value
            self._meta_updates["cursor"] = value or None

    # -- notifications -------------------------------------------------------------------

    def has_notification(self, notification_id: str) -> bool:
        """Whether this notification id was ever received (the exactly-once check)."""
        return notification_id in self._items

    def _title_of(self, notification_id: str) -> str | None:
        item = self._items.get(notification_id)
        return item.summary.title if item is not None else None

    def get(self, notification_id: str) -> StoredNotification | None:
        """The stored state of one notification."""
        return self._items.get(notification_id)

    def load_notifications(self) -> list[StoredNotification]:
        """Every stored notification, oldest received first."""
        return list(self._items.values())

    def add_notification(
        self, notification: Notification, event_id: str | None, *, raw_json: str = ""
    ) -> bool:
        """Store a received notification; `True` when its id is new.

        A repeat of a known id updates the payload but only moves the state forward.
        `raw_json` is the server's JSON text of it, stored as is to save re-encoding.
        """
        notification_id = notification.id
        self._raw_json[notification_id] = raw_json or notification.model_dump_json()
        from atp_tui.protocol.models import share_field_sets

        self._payloads.remember(share_field_sets(notification))
        summary = NotificationSummary.of(notification)
        known = self._items.get(notification_id)
        # A state we do not know is not entered (the lifecycle rule), so the item stays open.
        status = notification.status if notification.status in KNOWN_STATES else None
        self._dirty_items[notification_id] = None
        if known is None:
            self._items[notification_id] = StoredNotification(
                summary, status, None, self._clock.now(), event_id, False, self._payloads.load
            )
            return True
        if status is not None and can_transition(known.status, status):
            known = replace(known, status=status)
        self._items[notification_id] = replace(known, summary=summary)
        return False

    def apply_status(self, notification_id: str, status: str, reason: str | None = None) -> bool:
        """Move a notification's state forward; `False` when unknown or not a forward move."""
        known = self._items.get(notification_id)
        if known is None or not can_transition(known.status, status):
            return False
        self._items[notification_id] = replace(known, status=status, status_reason=reason)
        self._dirty_items[notification_id] = None
        return True

    def mark_read(self, notification_id: str) -> None:
        """Remember that the user has seen this notification (client-side only)."""
        known = self._items.get(notification_id)
        if known is not None and not known.read:
            self._items[notification_id] = replace(known, read=True)
            self._dirty_items[notification_id] = None
            try:
                self.commit()
            except StateWriteError as error:
                # Kept queued: the stream's next commit retries it and tells the user.
                log.warning("read mark not saved yet: %s", error)

    # -- seen event ids ------------------------------------------------------------------

    def event_seen(self, event_id: str) -> bool:
        """Whether an SSE event with this id was processed already."""
        return event_id in self._seen_events

    def remember_event(self, event_id: str) -> None:
        """Record a processed SSE event id (bounded; oldest forgotten first)."""
        if event_id in self._seen_events:
            return
        self._seen_events[event_id] = None
        self._new_seen.append(event_id)
        if len(self._seen_events) > SEEN_EVENT_LIMIT:
            self._seen_events.popitem(last=False)

    # -- responses -----------------------------------------------------------------------

    def record_response(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        outcome: str,
        detail: str = "",
        *,
        replaces: int | None = None,
    ) -> int:
        """Log one answer attempt and commit at once: answers are rare and must not be lost.

        Returns the row's number; `replaces` names a row this one takes the place of, in the
        same transaction (a `sending` row written before the POST, once its outcome is known).
        `StateWriteError` when it cannot be written (the caller must say so: an answer whose
        attempt is not logged loses its "already answered" guard)."""
        row = insert_response(
            self._db,
            (notification_id, action_id, response_data, self._clock.now(), outcome, detail),
            replaces=replaces,
        )
        self.commit()
        return row

    def responses(self, notification_id: str | None = None) -> list[ResponseAttempt]:
        """The response log, oldest first; all of it or one notification's.

        A corrupt row is skipped and reported once in `warnings` (SSE-CLIENT-RULES.md case 84).
        """
        attempts, problems = read_responses(self._db, notification_id)
        for warning in problems:
            if warning not in self.warnings:
                log.info("%s", warning)
                self.warnings.append(warning)
        return attempts

    # -- persistence ---------------------------------------------------------------------

    @property
    def has_pending_writes(self) -> bool:
        """Whether `commit()` has anything to write."""
        return bool(self._dirty_items or self._new_seen or self._meta_updates)

    def commit(self) -> None:
        """Write every queued change in one transaction, or none of them.

        `StateWriteError` when the database refuses (disk full, I/O error): the changes stay
        queued, in memory as they were, and the next `commit()` tries them all again.
        """
        if not self.has_pending_writes:
            return
        try:
            self._write_transaction()
        except sqlite3.Error as error:
            raise write_error(error) from error
        self._committed()

    def _write_transaction(self) -> None:
        with transaction(self._db):
            if self._dirty_items:
                self._write_notifications()
            if self._new_seen:
                self._db.executemany(
                    "INSERT OR IGNORE INTO seen_events (event_id) VALUES (?)",
                    [(event_id,) for event_id in self._new_seen],
                )
                # `seq` is the rowid: MAX and the range delete use the table's own b-tree.
                self._db.execute(
                    "DELETE FROM seen_events WHERE seq <= (SELECT MAX(seq) FROM seen_events) - ?",
                    (SEEN_EVENT_LIMIT,),
                )
            for key, value in self._meta_updates.items():
                if value is None:
                    self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    self._db.execute(
                        "INSERT INTO meta (key, value) VALUES (?, ?)"
                        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value),
                    )

    def _committed(self) -> None:
        """Forget what the last commit wrote (only after it succeeded)."""
        self._raw_json.clear()
        self._dirty_items.clear()
        self._new_seen.clear()
        self._meta_updates.clear()
        self._uncheckpointed = True

    def _write_notifications(self) -> None:
        """Write the changed notifications (inside `commit`'s transaction): a new payload as
        a whole row, a state change (or a summary written back) as an update."""
        payload_rows: list[tuple[object, ...]] = []
        state_rows: list[tuple[object, ...]] = []
        for key in self._dirty_items:
            item = self._items[key]
            raw = self._raw_json.get(key)
            summary = item.summary.to_json()
            if raw is None:
                state_rows.append((item.status, item.status_reason, int(item.read), summary, key))
                continue
            received, read = item.received_at.isoformat(), int(item.read)
            payload_rows.append(
                (key, raw, item.status, item.status_reason, received, item.event_id, read, summary)
            )
        self._db.executemany(
            "INSERT INTO notifications (id, raw, status, status_reason, received_at, event_id,"
            " read, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " raw = excluded.raw, status = excluded.status,"
            " status_reason = excluded.status_reason, read = excluded.read,"
            " summary = excluded.summary",
            payload_rows,
        )
        self._db.executemany(
            "UPDATE notifications SET status = ?, status_reason = ?, read = ?, summary = ?"
            " WHERE id = ?",
            state_rows,
        )

    @property
    def needs_checkpoint(self) -> bool:
        """Whether commits since the last `checkpoint()` are still only in the WAL."""
        return self._uncheckpointed

    def checkpoint(self) -> None:
        """Copy the WAL into the database (and fsync): call it when the stream is quiet.

        Passive: never waits for other connections; what it cannot copy now, a later one does.
        A checkpoint that fails (disk full) is tried again at the next quiet moment: the WAL
        still holds every commit.
        """
        try:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:
            log.warning("checkpoint failed, will try again: %s", describe_sqlite_error(error))
            return
        self._uncheckpointed = False

    def close(self, *, save: bool = True) -> None:
        """Commit (unless `save` is false: queued changes are dropped) and close.

        `StateWriteError` (after closing) when the last changes could not be saved."""
        try:
            if save:
                self.commit()
        finally:
            self._db.close()
