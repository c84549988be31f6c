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

Each commit is one batch of values (`atp_tui.store.batch`). `watch` starts a chunk's commit
in a process of its own (`begin_commit`, `atp_tui.store.commit_process`) right after
writing the chunk's lines, and waits for it (`finish_commit`) before writing the next
chunk's: the commit overlaps the next chunk's parsing, and printed-but-not-committed is
still one chunk.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING

from atp_tui.protocol.clock import Clock
from atp_tui.protocol.lifecycle import KNOWN_STATES, can_transition
from atp_tui.store.base import StreamState
from atp_tui.store.batch import Batch, build_batch
from atp_tui.store.commit_process import CommitProcess, CommitProcessError, write_changes
from atp_tui.store.db import WRITER_PRAGMAS, database_file, write_error

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

log = logging.getLogger(__name__)


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
        path = database_file(connection)
        #: Commits begun by `begin_commit` run there (none for a database in memory: a
        #: second connection to ":memory:" would be another database).
        self._writer = CommitProcess(path, WRITER_PRAGMAS) if path else None
        #: The batch `begin_commit` started and `finish_commit` has not settled.
        self._begun: Batch | None = None
        #: A begun batch that failed: kept apart and tried again by `finish_commit` (merged
        #: with newer changes, it would commit a chunk whose lines were not written yet).
        self._failed: Batch | None = None
        #: Why a `begin_commit` on this connection failed, raised by `finish_commit`.
        self._begun_error: sqlite3.Error | None = None
        self._load()

    def _load_items(self) -> None:
        for notification_id, status in self._db.execute(
            "SELECT id, status FROM notifications ORDER BY rowid"
        ):
            self._states[notification_id] = status

    def has_notification(self, notification_id: str) -> bool:
        """Whether this notification id was ever received (the exactly-once check)."""
        return notification_id in self._states

    def shows_otherwise(self, notification: Notification) -> bool:
        """Never: nothing is shown of a notification `watch` printed (an id is printed once),
        and its payload is not kept to compare with."""
        return False

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

    # -- commits -------------------------------------------------------------------------

    def _take_batch(self) -> Batch | None:
        """Everything queued, as one batch; `None` when nothing is."""
        if not self.has_pending_writes:
            return None
        taken = self._take_pending()
        arrivals, self._arrivals = self._arrivals, {}
        reasons, self._reasons = self._reasons, {}
        # The arrival time is the commit's: one clock read a commit, not one an event.
        now = self._clock.now().isoformat()
        return build_batch(taken, arrivals, reasons, self._states, now)

    def _requeue(self, batch: Batch) -> None:
        """A batch that was not written goes back to the queue, before what queued since."""
        self._put_back(batch.taken)
        batch.arrivals.update(self._arrivals)
        self._arrivals = batch.arrivals
        batch.reasons.update(self._reasons)
        self._reasons = batch.reasons

    def commit(self) -> None:
        """Write every queued change in one transaction, or none of them (`StateWriteError`,
        the changes stay queued). A commit begun before is settled first (if it failed, its
        changes are written now with the rest)."""
        self.abandon_commit()
        batch = self._take_batch()
        if batch is None:
            return
        try:
            write_changes(self._db, batch.values)
        except sqlite3.Error as error:
            self._requeue(batch)
            raise write_error(error) from error
        self._written(batch.taken)

    def start_writer(self) -> None:
        """Start the commit process now, so that its start overlaps the connection's; when it
        cannot be started, commits are made in this process (said in the log)."""
        if self._writer is None:
            return
        try:
            self._writer.open()
        except OSError as error:
            log.warning("commit process not started (%s): committing in line", error)
            self._writer = None

    def begin_commit(self) -> None:
        """Start committing every queued change in the commit process and return while it
        runs; `finish_commit` waits for it. Never raises: a failure comes from
        `finish_commit`."""
        if self._begun is not None or self._failed is not None:
            raise RuntimeError("finish_commit() the commit begun before")
        batch = self._take_batch()
        if batch is None:
            return
        self._begun = batch
        self.start_writer()
        if self._writer is not None:
            self._writer.start(batch.values)
        else:
            self._write_here(batch)

    def finish_commit(self) -> None:
        """Wait for the commit `begin_commit` started. When it failed (or failed before),
        `StateWriteError`: its changes are held apart, and the next `finish_commit` tries
        them again (until it works, or `abandon_commit` queues them with the newer ones)."""
        batch, self._begun = self._begun, None
        if batch is None:
            batch = self._failed
            if batch is None:
                return
            self._failed = None
            self._write_here(batch)  # tried again on this connection
        try:
            self._wait_for_writer(batch)
        except sqlite3.Error as error:
            self._failed = batch
            raise write_error(error) from error
        self._written(batch.taken)

    def abandon_commit(self) -> None:
        """Settle a begun commit without raising: if it failed, its changes are queued again
        with the newer ones (for a `commit` of everything, e.g. when stopping)."""
        batch, self._begun = self._begun, None
        if batch is not None:
            try:
                self._wait_for_writer(batch)
            except sqlite3.Error:
                self._requeue(batch)  # the caller's commit of everything tries it again
            else:
                self._written(batch.taken)
        if self._failed is not None:
            batch, self._failed = self._failed, None
            self._requeue(batch)

    def _write_here(self, batch: Batch) -> None:
        """Write `batch` on this process's connection; a failure is kept for `finish_commit`."""
        try:
            write_changes(self._db, batch.values)
        except sqlite3.Error as error:
            self._begun_error = error

    def _wait_for_writer(self, batch: Batch) -> None:
        """The outcome of `batch`'s commit (raises what failed). Should the commit process be
        gone, this process commits from now on, starting with `batch` (it may be written
        twice: upserts, no harm)."""
        error, self._begun_error = self._begun_error, None
        if error is None and self._writer is not None and self._writer.busy:
            try:
                self._writer.wait()
            except CommitProcessError as failure:
                if not failure.gone:
                    raise
                log.warning("%s: committing in line from now on", failure)
                self._writer.close()
                self._writer = None
                self._write_here(batch)
                error, self._begun_error = self._begun_error, None
        if error is not None:
            raise error

    def close(self, *, save: bool = True) -> None:
        """Commit (unless `save` is false) and close; a begun commit is always settled first
        (its lines were written) and the commit process ended. `StateWriteError` when the
        last changes could not be saved."""
        try:
            if save:
                self.commit()
            else:
                self.abandon_commit()
        finally:
            if self._writer is not None:
                self._writer.close()
            super().close(save=False)
