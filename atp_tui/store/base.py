"""What every store of stream state shares: the file, the cursor, seen event ids, commits.

`StreamState` is the common part of the TUI's `Store` (`atp_tui.store.state`) and `watch`'s
`HeadlessStore` (`atp_tui.store.headless`): the database connection, the client id and the
stream cursor, the seen SSE event ids, and all-or-nothing commits. Each subclass keeps its own
view of the notifications (summaries and payloads for an inbox, or only ids and states): the
TUI's writes its rows in `_write_notifications` inside `commit`'s transaction; `watch`'s
commits its own way (one batch of values, in a commit process: `HeadlessStore.commit`,
`begin_commit`). Neither stands in for the other; the stream engine needs only `EngineStore`,
which both provide.

Reads come from memory, loaded at open, so the stream's hot path never queries the database;
writes are queued and flushed in one transaction by `commit()`, which the stream engine calls
once per received chunk rather than once per event. WAL mode with `synchronous=NORMAL`: a
commit does not fsync, and a crash loses at most the last commits, which the server replays on
resume (the cursor is committed in the same transaction as the events).

A commit is all or nothing, in the database and in memory alike: when it fails (`StateWriteError`)
every queued change stays queued for the next try, so the cursor never gets ahead of the rows.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self

from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.store.commit_process import write_seen_and_meta
from atp_tui.store.db import (
    connect,
    describe_sqlite_error,
    transaction,
    write_error,
)
from atp_tui.store.opening import open_state

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

log = logging.getLogger(__name__)

#: Seen SSE event ids kept for dedupe; old ones matter less because notification ids dedupe too.
SEEN_EVENT_LIMIT = 20_000
#: A stored cursor longer than this is garbage, not an id.
MAX_CURSOR_LENGTH = 4096
#: The meta key holding when a live stream last delivered a chunk (ISO 8601, UTC).
STREAM_ALIVE_KEY = "stream_alive_at"
#: Seconds between two writes of `STREAM_ALIVE_KEY` (one small commit a minute at most).
ALIVE_EVERY = 60.0


def valid_cursor(value: object) -> bool:
    """Whether a stored last-event-id can be sent back: text, no NUL/CR/LF, sane length."""
    return (
        isinstance(value, str)
        and len(value) <= MAX_CURSOR_LENGTH
        and "\x00" not in value
        and "\r" not in value
        and "\n" not in value
    )


@dataclass(slots=True)
class PendingWrites:
    """The changes one commit takes: notification ids, their payload texts, seen event ids and
    meta values (a failed commit puts them back, `StreamState._put_back`)."""

    dirty: dict[str, None]
    raw: dict[str, str]
    seen: list[str]
    meta: dict[str, str | None]


def checkpoint_wal(db: sqlite3.Connection) -> None:
    """Copy the WAL into the database, never waiting for another connection (PASSIVE)."""
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")


class EngineStore(Protocol):
    """What the stream engine needs of a store (`Store` and `HeadlessStore` both provide it)."""

    @property
    def client_id(self) -> str:
        """This installation's id, sent with every stream request."""
        ...

    @property
    def cursor(self) -> str:
        """The last processed event id (`""`: none)."""
        ...

    def set_cursor(self, value: str) -> None:
        """Resume from `value` next time (written at the next commit)."""
        ...

    def event_seen(self, event_id: str) -> bool:
        """Whether an SSE event with this id was processed already."""
        ...

    def remember_event(self, event_id: str) -> None:
        """Record a processed SSE event id."""
        ...

    def has_notification(self, notification_id: str) -> bool:
        """Whether this notification id was ever received."""
        ...

    def add_notification(
        self, notification: Notification, event_id: str | None, *, raw_json: str = ""
    ) -> bool:
        """Store a received notification; `True` when its id is new."""
        ...

    def shows_otherwise(self, notification: Notification) -> bool:
        """Whether this copy of a known notification shows otherwise than the stored one
        (asked before `add_notification` stores it); `False` for an unknown id."""
        ...

    def apply_status(self, notification_id: str, status: str, reason: str | None = None) -> bool:
        """Move a notification's state forward; `False` when unknown or not forward."""
        ...

    def note_stream_alive(self, now: datetime) -> None:
        """A chunk came from a live stream at `now` (written at the next commit, at most
        once every `ALIVE_EVERY` seconds: `atp-tui status` says "stale" from it)."""
        ...

    @property
    def has_pending_writes(self) -> bool:
        """Whether `commit()` has anything to write."""
        ...

    def commit(self) -> None:
        """Write every queued change in one transaction, or none (`StateWriteError`)."""
        ...

    async def commit_async(self, *, wait: bool = True) -> None:
        """`commit()`, without the event loop waiting on the database; without `wait`, left
        running (the next one waits for it, and raises its failure)."""
        ...

    def begin_commit(self) -> None:
        """Start committing what is queued; `finish_commit` waits for it."""
        ...

    def finish_commit(self) -> None:
        """Wait for the commit `begin_commit` started (`StateWriteError` if it failed)."""
        ...

    def abandon_commit(self) -> None:
        """Settle a begun commit; if it failed, queue its changes again."""
        ...

    @property
    def needs_checkpoint(self) -> bool:
        """Whether commits since the last checkpoint are only in the WAL."""
        ...

    def checkpoint(self) -> None:
        """Copy the WAL into the database (call it when the stream is quiet)."""
        ...

    async def checkpoint_async(self) -> None:
        """`checkpoint()`, without the event loop waiting on the database."""
        ...


class StreamState:
    """The shared part of the stores (see the module docstring). One instance per state
    directory; use from one thread. Subclasses set up their own fields, then call `_load()`."""

    def __init__(self, connection: sqlite3.Connection, clock: Clock, warnings: list[str]) -> None:
        self._db = connection
        self._clock = clock
        self.warnings = warnings
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        # Insertion-ordered (not a set): new rows get rowids in receive order, which is the
        # order a store's notifications come back in after a restart.
        self._dirty_items: dict[str, None] = {}
        self._new_seen: list[str] = []
        #: JSON text of dirty notifications as the server sent it, written at the next commit.
        self._raw_json: dict[str, str] = {}
        self._meta_updates: dict[str, str | None] = {}
        self._meta: dict[str, str] = {}
        self._uncheckpointed = False
        #: When `note_stream_alive` last queued a write (`None`: not since opening).
        self._alive_noted: datetime | None = None

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, state_dir: Path, clock: Clock | None = None, *, required: bool = False) -> Self:
        """Open (or create) the store in `state_dir`; a corrupt database is moved aside.

        When the state cannot be kept on disk for another reason (read-only, full, I/O error),
        `required` raises `StateUnavailable`; otherwise the store runs in memory with a warning.
        """
        chosen = clock or SYSTEM_CLOCK

        def load(connection: sqlite3.Connection, warnings: list[str]) -> StreamState:
            return cls(connection, chosen, warnings)

        return open_state(state_dir, chosen, load, required=required)  # type: ignore[return-value]

    @classmethod
    def in_memory(cls, clock: Clock | None = None) -> Self:
        """A throwaway store (tests, demo)."""
        return cls(connect(":memory:"), clock or SYSTEM_CLOCK, [])

    def _load(self) -> None:
        """Read the state: the subclass's notifications, the seen ids, the meta values."""
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
        """Read the cached notifications (the subclass's view of them), oldest first."""
        raise NotImplementedError

    def _write_notifications(self, db: sqlite3.Connection, taken: PendingWrites) -> None:
        """Write `taken`'s changed notifications (inside `commit`'s transaction, on `db`)."""
        raise NotImplementedError

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

    def note_stream_alive(self, now: datetime) -> None:
        """Record that a live stream delivered a chunk at `now` (meta `STREAM_ALIVE_KEY`).

        At most once every `ALIVE_EVERY` seconds (a clock that went back writes at once): the
        value is queued and goes out with the next commit, which the engine makes right after
        the chunk. A quiet stream still sends pings, so a connected one keeps it fresh.
        """
        last = self._alive_noted
        if last is not None and 0 <= (now - last).total_seconds() < ALIVE_EVERY:
            return
        self._alive_noted = now
        self._meta_updates[STREAM_ALIVE_KEY] = now.isoformat()

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

    # -- persistence ---------------------------------------------------------------------

    @property
    def has_pending_writes(self) -> bool:
        """Whether `commit()` has anything to write."""
        return self._queued()

    def _queued(self) -> bool:
        """Whether changes are queued for a commit."""
        return bool(self._dirty_items or self._new_seen or self._meta_updates)

    def commit(self) -> None:
        """Write every queued change in one transaction, or none of them.

        `StateWriteError` when the database refuses (disk full, I/O error): the changes stay
        queued, in memory as they were, and the next `commit()` tries them all again.
        """
        if not self._queued():
            return
        taken = self._take_pending()
        try:
            self._write(self._db, taken)
        except sqlite3.Error as error:
            self._put_back(taken)
            raise write_error(error) from error
        self._written(taken)

    async def commit_async(self, *, wait: bool = True) -> None:
        """`commit()` without making the event loop wait (the TUI's `Store` writes in a
        thread); here, for stores without one, the same as `commit()`."""
        del wait  # committed here, at once
        self.commit()

    def begin_commit(self) -> None:
        """Start committing what is queued, to go on while it runs; `finish_commit` waits
        for it (`HeadlessStore` commits in a process of its own). Here: `commit()`, at once."""
        self.commit()

    def finish_commit(self) -> None:
        """Wait for the commit `begin_commit` started; `StateWriteError` if it failed, its
        changes then kept for the next `finish_commit`. Here: nothing to wait for."""

    def abandon_commit(self) -> None:
        """Settle a begun commit without raising; a failed one's changes are queued again
        with the newer ones. Here: nothing to settle."""

    async def checkpoint_async(self) -> None:
        """`checkpoint()` without making the event loop wait (see `commit_async`)."""
        self.checkpoint()

    def _take_pending(self) -> PendingWrites:
        """The queued changes, handed over to one commit; new ones queue afresh meanwhile."""
        raw = self._raw_json
        taken = PendingWrites(
            self._dirty_items,
            {key: raw[key] for key in self._dirty_items if key in raw},
            self._new_seen,
            self._meta_updates,
        )
        self._dirty_items, self._new_seen, self._meta_updates = {}, [], {}
        return taken

    def _put_back(self, taken: PendingWrites) -> None:
        """A commit failed: its changes are queued again, before any queued since."""
        taken.dirty.update(self._dirty_items)
        self._dirty_items = taken.dirty
        self._new_seen = taken.seen + self._new_seen
        taken.meta.update(self._meta_updates)
        self._meta_updates = taken.meta

    def _written(self, taken: PendingWrites) -> None:
        """A commit succeeded: forget the payload texts it wrote (unless replaced since)."""
        raw = self._raw_json
        for key, text in taken.raw.items():
            if raw.get(key) is text:
                del raw[key]
        self._uncheckpointed = True

    def _write(self, db: sqlite3.Connection, taken: PendingWrites) -> None:
        """One transaction with `taken`'s changes, on `db` (this thread's or the writer's)."""
        with transaction(db):
            if taken.dirty:
                self._write_notifications(db, taken)
            write_seen_and_meta(db, taken.seen, taken.meta, SEEN_EVENT_LIMIT)

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
            checkpoint_wal(self._db)
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
