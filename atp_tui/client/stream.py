"""The stream engine: one resilient SSE subscription, yielded as typed events.

`StreamEngine.events()` is an async generator that runs until `stop()`. It connects, resumes from
the persisted cursor, reconnects with backoff, falls back to polling when the server has no SSE,
and never gives up while running (SSE-CLIENT-RULES.md). The HTTP response is read by a small
reader task that hands chunks over a queue, so the heartbeat watchdog can time out a silent
connection without ever cancelling the consumer, and so a reconnect can close the old response
before a new one opens (at most one stream at a time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from atp_tui.client.attempt import (
    Next,
    Outcome,
    classify_response,
    classify_transport_error,
)
from atp_tui.client.backoff import STABLE_AFTER, Backoff
from atp_tui.client.committer import ChunkCommitter
from atp_tui.client.delivery import Delivery, DeliveryStats
from atp_tui.client.events import (
    ConnectionChanged,
    ConnectionState,
    EngineEvent,
)
from atp_tui.client.heap import LongLivedHeap
from atp_tui.client.http import (
    CONNECT_TIMEOUT,
    EVENTS_PATH,
    auth_headers,
    describe_transport_error,
    make_http_client,
)
from atp_tui.client.polling import Poller, PollRefused
from atp_tui.client.sse_parser import LineTooLong, SSEDecoder, SSEEvent
from atp_tui.client.stream_reader import END_OF_STREAM, StreamChannel
from atp_tui.client.watchdog import Heartbeat, Lull
from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.store import MAX_CURSOR_LENGTH, EngineStore
from atp_tui.store.db import StateWriteError

log = logging.getLogger(__name__)

#: How often SSE is tried again while polling.
SSE_RETRY_WHILE_POLLING = 60.0
#: Seconds without data after which the store's WAL is checkpointed (`Store.checkpoint`).
CHECKPOINT_WHEN_QUIET = 1.0
#: The whole open phase (connect, TLS, headers, an error body) gets `heartbeat_timeout` plus
#: this many seconds (case 79): httpx's timeouts are per read, so headers trickled a byte at a
#: time would otherwise hold the attempt open forever. The connect phase alone may take this
#: long; after it a server has one heartbeat period to answer, as it has to send a line.
OPEN_DEADLINE_SLACK = CONNECT_TIMEOUT


@dataclass
class EngineConfig:
    """What the engine needs to connect."""

    server: str
    token: str
    types: tuple[str, ...] = ()
    heartbeat_timeout: float = 90.0
    token_in_query: bool = False
    poll_interval: float = 5.0


class StreamEngine:
    """A resilient ATP event subscription. See the module docstring."""

    def __init__(
        self,
        config: EngineConfig,
        store: EngineStore,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        jitter: bool = True,
        on_batch: Callable[[], None] | None = None,
        heap: LongLivedHeap | None = None,
    ) -> None:
        self.config = config
        self._store = store
        self._clock = clock or SYSTEM_CLOCK
        self._transport = transport
        self._backoff = Backoff(self._clock, jitter=jitter)
        self._delivery = Delivery(store, self._clock)
        self._poller = Poller(config, store, self._delivery, self._clock)
        self._committer = ChunkCommitter(
            store,
            self._clock,
            on_batch=on_batch,
            # Long-running processes keep the GC off the growing inbox cache (see `heap`).
            # A process-wide GC policy: its owner (the app, `watch`) decides and hands it in.
            heap=heap,
            wait=self._wait,
            stopped=lambda: self._stopped,
        )
        self._wake = asyncio.Event()
        self._stopped = False
        #: The task doing network I/O now (stream reader or poll round), cancelled by stop().
        self._reader: asyncio.Future[Any] | None = None
        self.state = ConnectionState("connecting")
        self.connection_attempts = 0
        #: Set when the last commit, at the end of `events()`, failed: what was not saved.
        self.unsaved: str | None = None

    @property
    def stats(self) -> DeliveryStats:
        """Counters of dropped events (duplicates, malformed, oversized, unknown)."""
        return self._delivery.stats

    # -- control ------------------------------------------------------------------------

    def stop(self) -> None:
        """End `events()` soon: the events of the chunk being handled (already stored) are
        still yielded and committed, then no new chunk is read and no reconnect is made."""
        self._stopped = True
        self._interrupt()

    def reconnect_now(self) -> None:
        """Cut the current wait or connection and try again now (also after a refusal)."""
        self._backoff.reset()
        self._interrupt()

    def set_token(self, token: str) -> None:
        """Use new credentials from the next attempt on (the cursor is kept)."""
        self.config.token = token
        self._poller.config.token = token
        self.reconnect_now()

    def _interrupt(self) -> None:
        self._wake.set()
        if self._reader is not None:
            self._reader.cancel()

    # -- the loop -----------------------------------------------------------------------

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Yield events and connection changes until `stop()`.

        Only an `events()` that ends by `stop()` commits what is left; one ended by an error
        (the consumer could not write its output, say) or by closing the generator commits
        nothing more, so the store never records as handled what the consumer never had.
        When that last commit fails, `unsaved` says why.
        """
        client = make_http_client(
            read_timeout=self.config.heartbeat_timeout + 15.0, transport=self._transport
        )
        try:
            async for event in self._run(client):
                yield event
        finally:
            await self._close_reader()
            await client.aclose()
        try:
            self._store.commit()
        except StateWriteError as error:
            self.unsaved = str(error)

    async def _run(self, client: httpx.AsyncClient) -> AsyncIterator[EngineEvent]:
        polling = False
        next_sse_try = 0.0
        while not self._stopped:
            if polling and self._clock.monotonic() < next_sse_try:
                async for event in self._poll_once(client):
                    yield event
                if self.state.kind == "auth_refused":
                    await self._wait(None)
                    polling = False
                    continue
                if self.state.kind == "failed":
                    # Neither SSE nor polling works: try SSE again at the slow pace.
                    next_sse_try = 0.0
                    delay = SSE_RETRY_WHILE_POLLING
                else:
                    delay = max(self.config.poll_interval, 1.0)
            else:
                self._wake.clear()
                yield self._set_state("connecting", attempt=self._backoff.attempt + 1)
                outcome = Outcome(Next.RETRY, "connection ended")
                async for item in self._stream_once(client):
                    if isinstance(item, Outcome):
                        outcome = item
                    else:
                        yield item
                if self._stopped:
                    break
                if outcome.kind is Next.POLL:
                    if not polling:
                        log.info("no SSE on this server (%s): polling", outcome.detail)
                    polling = True
                    next_sse_try = self._clock.monotonic() + SSE_RETRY_WHILE_POLLING
                    yield self._set_state("polling", outcome.detail)
                    continue
                polling = False
                if outcome.kind is Next.AUTH:
                    yield self._set_state("auth_refused", outcome.detail)
                    await self._wait(None)
                    continue
                if outcome.kind is Next.FAIL:
                    yield self._set_state("failed", outcome.detail)
                    await self._wait(None)
                    continue
                delay = (
                    self._backoff.cap_delay()
                    if outcome.kind is Next.CAP
                    else self._backoff.next_delay(outcome.floor)
                )
                yield self._set_state(
                    "reconnecting",
                    outcome.detail,
                    retry_in=delay,
                    attempt=self._backoff.attempt,
                    offline=outcome.offline,
                )
            await self._wait(delay)

    async def _wait(self, seconds: float | None) -> None:
        """Sleep `seconds` (forever when `None`) unless `reconnect_now`/`stop` wakes us."""
        if self._wake.is_set():
            self._wake.clear()
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(
            self._clock.sleep(seconds) if seconds is not None else asyncio.Event().wait()
        )
        try:
            await asyncio.wait({waiter, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, sleeper):
                task.cancel()
            self._wake.clear()

    def _set_state(
        self,
        kind: str,
        detail: str = "",
        *,
        retry_in: float | None = None,
        attempt: int = 0,
        offline: bool = False,
    ) -> ConnectionChanged:
        self.state = ConnectionState(kind, detail, retry_in, attempt, offline)  # type: ignore[arg-type]
        return ConnectionChanged(self.state)

    # -- one connection -----------------------------------------------------------------

    def _request_parts(self) -> tuple[dict[str, str | bytes], dict[str, str]]:
        headers: dict[str, str | bytes] = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            # A compressed stream gains little and lets a few MB inflate to GBs (case 78);
            # a server that compresses anyway is inflated in bounded pieces (`aiter_body_pieces`).
            "Accept-Encoding": "identity",
        }
        params: dict[str, str] = {"client_id": self._store.client_id}
        if self.config.token_in_query:
            params["token"] = self.config.token
        else:
            headers.update(auth_headers(self.config.token))
        cursor = self._store.cursor
        if cursor:
            # UTF-8 bytes: a str header would be encoded as latin-1 (and fail on non-latin ids).
            headers["Last-Event-ID"] = cursor.encode("utf-8")
            params["last_event_id"] = cursor
        if self.config.types:
            params["types"] = ",".join(self.config.types)
        return headers, params

    async def _stream_once(self, client: httpx.AsyncClient) -> AsyncIterator[EngineEvent | Outcome]:
        """One connection attempt: open (B1), validate (B2, B3), announce and read (B4) until it
        ends. Its events come first; its last item is the `Outcome`: why it ended, what next.
        (An async generator cannot return a value, so the verdict comes as the last item.)"""
        channel = StreamChannel()
        opened = channel.opened
        self.connection_attempts += 1
        headers, params = self._request_parts()
        reader = self._reader = asyncio.create_task(
            channel.read(client, self.config.server + EVENTS_PATH, headers, params)
        )
        deadline = self.config.heartbeat_timeout + OPEN_DEADLINE_SLACK
        try:
            # The reader too: should it ever end without settling `opened`, this must not wait
            # forever (case 77). The deadline bounds the whole open phase (case 79); on the
            # clock, so that a fake one can pass it without real waiting.
            with contextlib.suppress(TimeoutError):
                await self._clock.wait_for(
                    asyncio.wait({opened, reader}, return_when=asyncio.FIRST_COMPLETED), deadline
                )
        except BaseException:
            await self._close_reader()
            raise
        if not opened.done():
            ended = reader.done()
            await self._close_reader()
            if ended:
                detail = "connection attempt ended without a response"
            elif channel.headed.is_set():
                detail = f"no complete error response within {deadline:g} s"
            else:
                detail = f"no response headers within {deadline:g} s"
            yield Outcome(Next.RETRY, detail)
            return
        if opened.cancelled():
            await self._close_reader()
            yield Outcome(Next.RETRY, "reconnect requested")
            return
        error = opened.exception()
        if error is not None:
            await self._close_reader()
            yield classify_transport_error(error)
            return
        response, body = opened.result()
        verdict = classify_response(response, body, self._clock.now())
        if verdict is not None:
            await self._close_reader()
            yield verdict
            return
        async for item in self._consume(channel):
            yield item
        await self._close_reader()

    async def _close_reader(self) -> None:
        """Cancel the reader and wait until its response is closed (G8: one stream at a time)."""
        reader, self._reader = self._reader, None
        if reader is None:
            return
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader

    async def _consume(self, channel: StreamChannel) -> AsyncIterator[EngineEvent | Outcome]:
        """Read an open stream: decode, deliver, commit per chunk, watch the heartbeat; the
        last item is the `Outcome` (a retry, saying why the stream ended)."""
        decoder = SSEDecoder(self._store.cursor)
        opened_at = self._clock.monotonic()
        heartbeat = Heartbeat(self._clock, self.config.heartbeat_timeout)
        queue = channel.queue
        self._delivery.progress = False
        yield self._set_state("connected", self.config.server)
        reason = "server closed the stream"
        while not self._stopped:
            # Quiet for a moment after commits: checkpoint now, not in the next burst.
            quiet = CHECKPOINT_WHEN_QUIET if self._store.needs_checkpoint else None
            item = await heartbeat.next_item(queue, quiet_after=quiet)
            if item is Lull.QUIET:
                await self._store.checkpoint_async()
                continue
            if item is Lull.SILENT:
                reason = f"no heartbeat for {heartbeat.timeout:g} s"
                break
            channel.taken()
            if item is END_OF_STREAM:
                break
            if isinstance(item, Exception):
                reason = describe_transport_error(item)
                break
            lines_before = decoder.lines_completed
            try:
                parsed = decoder.feed(item)  # type: ignore[arg-type]
            except LineTooLong as error:
                reason = str(error)
                break
            if decoder.lines_completed != lines_before:
                heartbeat.fed()
            delivery = self._delivery
            resume: str | None = None
            for sse_event in parsed:
                for event in delivery.handle_sse(sse_event):
                    yield event
                # After the consumer handled it: a crash before this replays, not loses. Not
                # past a status update held for its notification: it lives in memory only,
                # and the next start must get it again (`Delivery.holding`). The cursor is
                # set once a chunk (only the last one is committed); an id the decoder gives
                # holds no NUL, CR or LF, so only its length can make it unusable (case 74).
                if isinstance(sse_event, SSEEvent):
                    if len(sse_event.last_event_id) > MAX_CURSOR_LENGTH:
                        # Said once, held update or not; the cursor stays where it is.
                        unusable = self._committer.advance_cursor(sse_event.last_event_id)
                        if unusable is not None:
                            yield unusable
                    elif not delivery.holding():
                        resume = sse_event.last_event_id
            if not delivery.holding():
                self._committer.advance_cursor(decoder.last_event_id)
            elif resume is not None:  # up to the event before the held update
                self._committer.advance_cursor(resume)
            if decoder.retry_ms is not None:
                self._backoff.set_retry_ms(decoder.retry_ms)
            # Caught up with the socket: commit now. In a burst: at most every COMMIT_EVERY s.
            async for saved in self._committer.persist(caught_up=queue.empty()):
                yield saved
        # Not in a `finally`: a chunk whose output failed (an exception here) is not committed.
        async for saved in self._committer.persist():
            yield saved
        stable = self._clock.monotonic() - opened_at >= STABLE_AFTER
        if self._delivery.progress or stable:
            self._backoff.reset()
        yield Outcome(Next.RETRY, reason)

    async def _poll_once(self, client: httpx.AsyncClient) -> AsyncIterator[EngineEvent]:
        """One polling round; failures become a state change, not an exception.

        The round runs as a task under the same deadline as a stream's open phase, and `stop()`
        cancels it like a stream reader: httpx's per-read timeout never ends a trickled answer.
        """
        deadline = self.config.heartbeat_timeout + OPEN_DEADLINE_SLACK
        poll = asyncio.ensure_future(self._clock.wait_for(self._poller.poll(client), deadline))
        self._reader = poll
        try:
            await asyncio.wait({poll})
        finally:
            self._reader = None
            if not poll.done():
                poll.cancel()
        if poll.cancelled():
            return  # stop() or reconnect_now(): the loop decides what comes next
        try:
            events = poll.result()
        except TimeoutError:
            yield self._set_state("polling", f"poll failed: no answer within {deadline:g} s")
            return
        except (httpx.HTTPError, OSError) as error:
            yield self._set_state("polling", f"poll failed: {describe_transport_error(error)}")
            return
        except PollRefused as error:
            if error.auth:
                yield self._set_state("auth_refused", str(error))
            else:
                yield self._set_state("failed", f"polling failed too: {error}; press r to retry")
            return
        for event in events:
            yield event
        async for notice in self._committer.persist():
            yield notice
