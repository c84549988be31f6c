"""After each chunk of the stream: the consumer's output, then the store's commit.

What the consumer printed and what the store recorded may differ by one chunk at most, and
only in the safe direction: a chunk whose output failed is not committed (the next start
replays it), and a commit that fails (disk full) stops the engine from taking more until it
works (SSE-CLIENT-RULES 69-71). The cursor only ever moves to ids that can be stored and sent
back (case 74).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from atp_tui.client.events import EngineEvent, EngineNotice
from atp_tui.client.heap import LongLivedHeap
from atp_tui.protocol.clock import Clock
from atp_tui.store import EngineStore, valid_cursor
from atp_tui.store.db import StateWriteError

log = logging.getLogger(__name__)

#: While chunks are still queued (a burst), a store without an `on_batch` consumer commits at
#: most this often; once the engine has caught up with the socket it commits at once. A crash
#: in between replays the uncommitted events, which dedupe hides.
COMMIT_EVERY = 0.1
#: While the state cannot be saved (disk full), the commit is tried again this often.
STATE_RETRY_SECONDS = 2.0


class ChunkCommitter:
    """Commits the store after each chunk, in step with the consumer's output (`on_batch`)."""

    def __init__(
        self,
        store: EngineStore,
        clock: Clock,
        *,
        on_batch: Callable[[], None] | None,
        heap: LongLivedHeap | None,
        wait: Callable[[float], Awaitable[None]],
        stopped: Callable[[], bool],
    ) -> None:
        self._store = store
        self._clock = clock
        #: Called after each handled chunk, just before the store commits (e.g. write stdout).
        #: When it raises, nothing of that chunk is committed. With it, every chunk is committed
        #: right after it (what was written and what is stored differ by one write at most).
        self._on_batch = on_batch
        self._heap = heap
        #: The engine's interruptible sleep (`stop()` and `reconnect_now()` cut it short).
        self._wait = wait
        self._stopped = stopped
        self._last_commit = clock.monotonic()
        #: An event id too long to resume from, reported once (`advance_cursor`).
        self._unusable_id: str | None = None
        #: Stopped while a begun commit could not be saved: nothing more is handed out.
        self._given_up = False

    def advance_cursor(self, event_id: str) -> EngineNotice | None:
        """Resume from `event_id` next time, if it can be sent back (SSE-CLIENT-RULES 74).

        An id longer than `MAX_CURSOR_LENGTH` is not stored nor sent: the cursor stays at the
        last usable id, so a reconnect replays a little and dedupe hides the repeats. The
        event itself was delivered like any other; the notice comes once per such id.
        """
        if valid_cursor(event_id):
            self._store.set_cursor(event_id)
            return None
        if event_id == self._unusable_id:
            return None
        self._unusable_id = event_id
        return EngineNotice(
            f"an event id of {len(event_id)} characters is too long to resume from; "
            "the stream will resume from the previous id (repeats are hidden)"
        )

    async def persist(self, *, caught_up: bool = True) -> AsyncIterator[EngineEvent]:
        """Hand the chunk's output to the consumer (`on_batch`), then commit the store.

        With `on_batch`, the commit is begun after the output and runs while the next chunk
        is parsed (`begin_commit`); that chunk's output waits for it first, so what was
        printed and not committed is one chunk at most. Once caught up with the socket, it
        is waited for at once. Without `on_batch`, a burst commits at most every
        `COMMIT_EVERY` s. When the state cannot be saved (disk full), no further chunk is
        read: the commit is tried again every `STATE_RETRY_SECONDS` until it works or the
        engine stops, with a notice each way.
        """
        if self._on_batch is not None:
            async for notice in self._finish_begun():
                yield notice
            if self._given_up:
                # Stopping while the state cannot be saved: this chunk's lines are not
                # printed (they would be printed again at the next start, as the ones before
                # them are); the next start prints them once. On a full disk SIGTERM printed
                # one more chunk that could not be recorded (independent QA).
                return
            self._on_batch()  # may raise: then nothing of this chunk is committed
        # A chunk came (events, or only a ping): the stream is alive. Queued as a meta value
        # at most once a minute, so even a quiet stream commits it (`atp-tui status`).
        self._store.note_stream_alive(self._clock.now())
        if not self._store.has_pending_writes:
            return
        now = self._clock.monotonic()
        if self._on_batch is None and not caught_up and now - self._last_commit < COMMIT_EVERY:
            return
        try:
            # In a burst the commit runs on while the next chunks are parsed (see
            # `commit_async`); caught up, it is waited for, so a quiet stream is all saved.
            await self._commit(wait=caught_up)
        except StateWriteError as error:
            yield self._not_saved(error)
            if not await self._retry_commit():
                return  # stopped: the engine makes a last try and reports
            yield EngineNotice("state saved again; taking new events", "info")
        self._last_commit = self._clock.monotonic()
        if self._heap is not None:
            self._heap.settled()
        if self._on_batch is not None and caught_up:
            async for notice in self._finish_begun():
                yield notice

    async def _finish_begun(self) -> AsyncIterator[EngineEvent]:
        """Wait for the commit begun after the last output. When it failed, take nothing
        new: try it again every `STATE_RETRY_SECONDS` until it works, or until the engine
        stops (then its changes are queued with the newer ones for the last commit)."""
        try:
            self._store.finish_commit()
            return
        except StateWriteError as error:
            yield self._not_saved(error)
        while True:
            await self._wait(STATE_RETRY_SECONDS)
            if self._stopped():
                self._store.abandon_commit()
                self._given_up = True
                return
            try:
                self._store.finish_commit()
            except StateWriteError as error:
                log.debug("state still not saved: %s", error)
                continue
            yield EngineNotice("state saved again; taking new events", "info")
            return

    @staticmethod
    def _not_saved(error: StateWriteError) -> EngineNotice:
        return EngineNotice(
            f"{error}; no new events are taken until it is saved "
            f"(trying again every {STATE_RETRY_SECONDS:g} s)",
            "error",
        )

    async def _commit(self, *, wait: bool = True) -> None:
        """Commit: begun right after the consumer's output (`on_batch`: what was written and
        what is stored move together; `HeadlessStore` runs it in its commit process while
        the caller goes on), otherwise in the store's writer thread, so a TUI's event loop
        keeps drawing while SQLite writes."""
        if self._on_batch is not None:
            self._store.begin_commit()
        else:
            await self._store.commit_async(wait=wait)

    async def _retry_commit(self) -> bool:
        """Commit again every `STATE_RETRY_SECONDS` until it works (`True`) or the engine
        stops (`False`)."""
        while True:
            await self._wait(STATE_RETRY_SECONDS)
            if self._stopped():
                return False
            try:
                await self._commit()
            except StateWriteError as error:
                log.debug("state still not saved: %s", error)
                continue
            return True
