"""The TUI's store: the cached inbox (summaries and states, payloads on demand), the stream
state it shares with `watch`'s store (`atp_tui.store.base.StreamState`), and the response log.

Opening: a corrupt database is moved aside; one that cannot be opened for another reason (disk
full, I/O error, read-only) never is (`atp_tui.store.opening`).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from atp_tui.protocol.clock import Clock
from atp_tui.protocol.lifecycle import KNOWN_STATES, can_transition
from atp_tui.protocol.summary import NotificationSummary, shared_text
from atp_tui.protocol.text import first_problem
from atp_tui.store.answer_locks import AnswerLocks
from atp_tui.store.base import MAX_CURSOR_LENGTH as MAX_CURSOR_LENGTH  # re-exported
from atp_tui.store.base import SEEN_EVENT_LIMIT as SEEN_EVENT_LIMIT  # re-exported
from atp_tui.store.base import PendingWrites, StreamState, checkpoint_wal
from atp_tui.store.base import valid_cursor as valid_cursor  # re-exported
from atp_tui.store.db import (
    StateWriteError,
    database_file,
    describe_sqlite_error,
    write_error,
)
from atp_tui.store.opening import StateUnavailable as StateUnavailable  # re-exported
from atp_tui.store.payloads import PayloadReader
from atp_tui.store.responses import ResponseAttempt, insert_response, read_responses
from atp_tui.store.snoozes import delete_snoozes, read_snoozes, save_snooze
from atp_tui.store.stored import StoredNotification as StoredNotification  # re-exported
from atp_tui.store.stored import read_description_heads
from atp_tui.store.writer import BackgroundWriter

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

log = logging.getLogger(__name__)


class Store(StreamState):
    """The TUI's state: each notification's summary and state for the inbox (payloads parsed on
    demand), the stream state (`StreamState`), and the response log."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        clock: Clock,
        warnings: list[str],
    ) -> None:
        super().__init__(connection, clock, warnings)
        self._items: dict[str, StoredNotification] = {}
        #: Parses payloads on demand and keeps the most recently used (`StoredNotification`).
        self._payloads = PayloadReader(connection, self._raw_json, self._title_of)
        #: Every item's `source`: one bound method for all (a new one per item was 64 bytes
        #: each, ≈ 4 MB at 60,000 items).
        self._load_payload = self._payloads.load
        #: `description_heads` being read in the writer thread (`prefetch_description_heads`).
        self._heads_read: Future[dict[str, str]] | None = None
        #: Where the writer thread writes (`commit_async`); "" in memory: no thread then.
        self._file = database_file(connection)
        self._writer: BackgroundWriter | None = None
        #: A commit left running in the writer thread (`commit_async(wait=False)`) and
        #: the changes it writes.
        self._begun: tuple[Future[None], PendingWrites] | None = None
        #: One `commit_async` at a time; read marks saved in the background (`_save_soon`).
        self._committing = asyncio.Lock()
        self._saving: set[asyncio.Task[None]] = set()
        self._closed = False
        #: One answer per notification at a time across processes; None in memory.
        self.answer_locks = AnswerLocks(self._file) if self._file else None
        self._load()
        #: Snoozed notification id -> until when (`atp_tui.store.snoozes`).
        self._snoozes, problems = read_snoozes(connection)
        self.warnings.extend(problems)

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
                    f"dropped unreadable stored notification {notification_id!r} "
                    f"({first_problem(error)})"
                )
                continue
            self._items[notification_id] = StoredNotification(
                summary,
                shared_text(status),
                shared_text(reason),
                received,
                event_id,
                bool(read),
                self._load_payload,
            )

    def _summary_of_row(
        self, notification_id: str, summary_json: str | None, raw: str | None
    ) -> NotificationSummary:
        """A row's stored summary, or one made from its payload (`ValueError`: unreadable)."""
        if summary_json is not None:
            try:
                summary = NotificationSummary.from_json(
                    summary_json, known_id=notification_id, keep_head=False
                )
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

    # -- notifications -------------------------------------------------------------------

    def has_notification(self, notification_id: str) -> bool:
        """Whether this notification id was ever received (the exactly-once check)."""
        return notification_id in self._items

    def prefetch_description_heads(self) -> None:
        """Start reading `description_heads` in the writer thread (the filter was opened: its
        first keystroke should not wait ≈ 0.2 s at 50,000 rows); a store in memory holds
        every head already."""
        writer = self._background_writer()
        if writer is not None and self._heads_read is None:
            self._heads_read = writer.submit(read_description_heads)

    def drop_description_heads(self) -> None:
        """Forget a prefetch no filter used (≈ 16–26 MB at 50,000 rows)."""
        self._heads_read = None

    def description_heads(self) -> dict[str, str]:
        """Every stored summary's description head by id: what the summaries read at open
        leave out (`from_json(keep_head=False)`), for the filter: the prefetched read when
        there is one, else one read of the whole table."""
        prefetched, self._heads_read = self._heads_read, None
        if prefetched is not None:
            try:
                return prefetched.result()
            except sqlite3.Error as error:  # read again here, where a failure is seen
                log.warning("reading the description heads failed: %s", error)
        return read_description_heads(self._db)

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
                summary, status, None, self._clock.now(), event_id, False, self._load_payload
            )
            return True
        if status is not None and can_transition(known.status, status):
            known = replace(known, status=status)
        self._items[notification_id] = replace(known, summary=summary)
        return False

    def shows_otherwise(self, notification: Notification) -> bool:
        """Whether this copy of a known notification shows otherwise than the stored one: its
        full content where the last copy is parsed in memory (the one on screen is), else
        its summary (what the inbox shows and the filter searches). The payload's `status`
        is left out: a state moves by the lifecycle's rules, announced on its own."""
        known = self._items.get(notification.id)
        if known is None:
            return False
        shown = self._payloads.cached(notification.id)
        if shown is not None:
            return any(
                getattr(shown, name) != getattr(notification, name)
                for name in type(notification).model_fields
                if name != "status"
            )
        return not known.summary.shows_as(NotificationSummary.of(notification))

    def apply_status(self, notification_id: str, status: str, reason: str | None = None) -> bool:
        """Move a notification's state forward; `False` when unknown or not a forward move."""
        known = self._items.get(notification_id)
        if known is None or not can_transition(known.status, status):
            return False
        self._items[notification_id] = replace(known, status=status, status_reason=reason)
        self._dirty_items[notification_id] = None
        return True

    def mark_read(self, *notification_ids: str) -> None:
        """Remember that the user has seen these notifications (client-side only; one
        commit for all of them)."""
        changed = False
        for notification_id in notification_ids:
            known = self._items.get(notification_id)
            if known is not None and not known.read:
                self._items[notification_id] = replace(known, read=True)
                self._dirty_items[notification_id] = None
                changed = True
        if changed:
            self._save_soon()

    def _save_soon(self) -> None:
        """Commit what is queued (read marks) without the caller waiting: in the writer thread
        when a loop runs (the TUI: a commit here would wait for the writer's transaction, on
        the UI loop), at once otherwise. A failure keeps the changes queued: the stream's next
        commit retries them and tells the user."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or not self._file:
            try:
                self.commit()
            except StateWriteError as error:
                log.warning("read marks not saved yet: %s", error)
            return
        task = loop.create_task(self._save_later())
        self._saving.add(task)  # a reference, until it is done
        task.add_done_callback(self._saving.discard)

    async def _save_later(self) -> None:
        if self._closed:
            return  # `close` wrote them
        try:
            await self.commit_async()
        except StateWriteError as error:
            log.warning("read marks not saved yet: %s", error)

    # -- snoozes -------------------------------------------------------------------------

    def snoozes(self) -> dict[str, datetime]:
        """Every stored snooze: notification id -> until when (whether each still holds is
        `atp_tui.view.snooze`'s rule)."""
        return dict(self._snoozes)

    def snooze(self, notification_id: str, until: datetime) -> None:
        """Snooze a notification until `until`, committed at once. Kept in memory even when
        the database refuses (`StateWriteError`, raised after): the caller says it is not
        saved."""
        self._snoozes[notification_id] = until
        save_snooze(self._db, notification_id, until, self._clock.now())

    def unsnooze(self, notification_ids: Iterable[str]) -> None:
        """Forget these snoozes (their items are back), committed at once (`StateWriteError`:
        not saved; a stale row is harmless, its time has passed or its item closed)."""
        gone = list(notification_ids)
        for key in gone:
            self._snoozes.pop(key, None)
        delete_snoozes(self._db, gone)

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

    def _write_notifications(self, db: sqlite3.Connection, taken: PendingWrites) -> None:
        """Write the changed notifications (inside `commit`'s transaction): a new payload as
        a whole row, a state change (or a summary written back) as an update. May run in the
        writer thread: it reads the items as they are then, a later change is queued anew."""
        payload_rows: list[tuple[object, ...]] = []
        state_rows: list[tuple[object, ...]] = []
        bare_state_rows: list[tuple[object, ...]] = []  # the stored summary stays as it is
        items = self._items
        for key in taken.dirty:
            item = items[key]
            raw = taken.raw.get(key)
            if raw is None and item.summary.description_head is None:
                bare_state_rows.append((item.status, item.status_reason, int(item.read), key))
                continue
            summary = item.summary.to_json()
            if raw is None:
                state_rows.append((item.status, item.status_reason, int(item.read), summary, key))
                continue
            received, read = item.received_at.isoformat(), int(item.read)
            payload_rows.append(
                (key, raw, item.status, item.status_reason, received, item.event_id, read, summary)
            )
        db.executemany(
            "INSERT INTO notifications (id, raw, status, status_reason, received_at, event_id,"
            " read, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " raw = excluded.raw, status = excluded.status,"
            " status_reason = excluded.status_reason, read = excluded.read,"
            " summary = excluded.summary",
            payload_rows,
        )
        db.executemany(
            "UPDATE notifications SET status = ?, status_reason = ?, read = ?, summary = ?"
            " WHERE id = ?",
            state_rows,
        )
        db.executemany(
            "UPDATE notifications SET status = ?, status_reason = ?, read = ? WHERE id = ?",
            bare_state_rows,
        )

    # -- writing off the event loop --------------------------------------------------------

    async def commit_async(self, *, wait: bool = True) -> None:
        """`commit()` in the writer thread (`atp_tui.store.writer`), so the event loop draws
        and takes keys meanwhile; a store in memory commits here. The same all-or-nothing:
        a failure (or a cancelled wait) queues the changes again (writing twice is harmless:
        every statement is an upsert).

        Without `wait` (a burst), the commit is left running and the stream goes on parsing:
        the next `commit_async` waits for it first, and raises its failure then. On a 2-core
        machine the stream waited for the writer a third of a replay onto a full inbox."""
        if self._background_writer() is None:
            self.commit()
            return
        async with self._committing:  # the stream's commits and `_save_soon`'s, in turn
            writer = self._background_writer()
            if writer is None:
                return  # closed meanwhile: `close` committed everything
            await self._settle_commit()
            if not self._queued():
                return
            taken = self._take_pending()
            self._begun = (writer.submit(lambda db: self._write(db, taken)), taken)
            if wait:
                await self._settle_commit()

    async def _settle_commit(self) -> None:
        """Wait for the commit left running, if any; `StateWriteError` when it failed (its
        changes then queued again, before any queued since)."""
        begun, self._begun = self._begun, None
        if begun is None:
            return
        job, taken = begun
        try:
            await asyncio.wrap_future(job)
        except sqlite3.Error as error:
            self._put_back(taken)
            raise write_error(error) from error
        except BaseException:
            self._put_back(taken)
            raise
        self._written(taken)

    @property
    def has_pending_writes(self) -> bool:
        """Whether `commit()` has anything to write, or a commit left running to settle."""
        return self._begun is not None or super().has_pending_writes

    async def checkpoint_async(self) -> None:
        """`checkpoint()` in the writer thread (where WAL mode's fsync then happens)."""
        writer = self._background_writer()
        if writer is None:
            self.checkpoint()
            return
        try:
            async with self._committing:  # not a commit another caller is waiting for
                await self._settle_commit()
        except StateWriteError as error:  # queued again: the stream's next commit says so
            log.warning("state not saved yet: %s", error)
        try:
            await writer.run(checkpoint_wal)
        except sqlite3.Error as error:
            log.warning("checkpoint failed, will try again: %s", describe_sqlite_error(error))
            return
        self._uncheckpointed = False

    def _background_writer(self) -> BackgroundWriter | None:
        """The writer thread, started on first use; `None` for a database in memory (or a
        store closed meanwhile)."""
        if self._writer is None and self._file and not self._closed:
            self._writer = BackgroundWriter(self._file)
        return self._writer

    def close(self, *, save: bool = True) -> None:
        """Let the writer thread finish, then commit what is left (see `StreamState.close`)."""
        self._closed = True
        if self._writer is not None:
            self._writer.close()  # the commit left running, if any, ends first
            self._writer = None
        begun, self._begun = self._begun, None
        if begun is not None:
            job, taken = begun
            if job.exception() is None:
                self._written(taken)
            else:  # written again below, with the rest
                self._put_back(taken)
        if self.answer_locks is not None:
            self.answer_locks.close()
        super().close(save=save)
