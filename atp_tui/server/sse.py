"""`GET /api/v1/client/events`: the SSE stream (ATP-PROTOCOL.md §1.1 and its Decisions).

Each stream starts with a `retry:` hint, replays the event log after the resume id (the
`Last-Event-ID` header is preferred over the `last_event_id` query parameter; an unknown or
absent id replays the whole retained log, and the client dedupes), then sends live events and
a `ping` every `ping_interval`. Pings carry no id and are sent whatever `types` asks for: they
are the heartbeat that tells a quiet stream from a dead one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from atp_tui.server.auth import check_user
from atp_tui.server.errors import ServerValidationError, error_response, response_for
from atp_tui.server.events import format_frame, isoformat
from atp_tui.server.faults import drop_connection, fault_response
from atp_tui.server.state import ServerState

#: Replayed events are sent in chunks of about this many characters.
CHUNK_CHARS = 64 * 1024

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class EventStreamResponse(StreamingResponse):
    """A streaming response that gives its stream slot back however it ends."""

    def __init__(self, state: ServerState, frames: AsyncGenerator[str, None]) -> None:
        super().__init__(frames, media_type="text/event-stream", headers=STREAM_HEADERS)
        self._state = state
        self._frames = frames

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._state.release_stream()
            await self._frames.aclose()


def _event_types(value: str | None) -> frozenset[str] | None:
    """The `types` filter: a set of event names, or `None` for all."""
    names = frozenset(part.strip() for part in (value or "").split(",") if part.strip())
    return names or None


async def stream_frames(
    state: ServerState, after_seq: int, types: frozenset[str] | None
) -> AsyncGenerator[str, None]:
    """The text of one stream: retry hint, replay after `after_seq`, live events and pings."""
    config = state.config
    loop = asyncio.get_running_loop()
    waiter = state.subscribe()
    generation = state.stream_generation
    try:
        yield f"retry: {config.retry_ms}\n\n"
        position = after_seq
        next_ping = loop.time() + config.ping_interval
        while not state.closing and state.stream_generation == generation:
            waiter.clear()
            events = state.log.after(position)
            if events:
                position = events[-1].seq
                chunk: list[str] = []
                size = 0
                for event in events:
                    if types is None or event.name in types:
                        chunk.append(event.frame)
                        size += len(event.frame)
                    if size >= CHUNK_CHARS:
                        yield "".join(chunk)
                        chunk, size = [], 0
                if chunk:
                    yield "".join(chunk)
                continue
            delay = next_ping - loop.time()
            if delay <= 0:
                yield format_frame("ping", {"timestamp": isoformat(state.now())})
                next_ping = loop.time() + config.ping_interval
                continue
            try:
                async with asyncio.timeout(delay):
                    await waiter.wait()
            except TimeoutError:
                pass
    finally:
        state.unsubscribe(waiter)


def _request_record(request: Request) -> dict[str, Any]:
    """What a resume test wants to know about a stream request (never the token itself)."""
    headers, query = request.headers, request.query_params
    return {
        "last_event_id_header": headers.get("last-event-id"),
        "last_event_id_query": query.get("last_event_id"),
        "authorization": "authorization" in headers,
        "query_token": "token" in query,
        "types": query.get("types"),
        "client_id": query.get("client_id"),
        "accept": headers.get("accept"),
        "cache_control": headers.get("cache-control"),
        "resumed_from": None,
        "status": None,
    }


async def events_endpoint(request: Request) -> Response:
    """Open an event stream for the user, or refuse (401, 429, injected faults)."""
    state: ServerState = request.app.state.atp
    record = _request_record(request)
    state.stream_requests.append(record)
    try:
        check_user(request, state)
    except ServerValidationError as error:
        record["status"] = error.status
        return response_for(error)
    if state.stream_faults:
        fault = state.stream_faults.pop(0)
        record["status"] = fault
        return await drop_connection(request, state) if fault == 0 else fault_response(fault)
    if not state.try_open_stream():
        record["status"] = 429
        wait = state.config.stream_retry_after
        return error_response(
            429,
            "RATE_LIMIT_EXCEEDED",
            f"at most {state.config.max_connections} streams per user are allowed",
            {"Retry-After": str(wait)},
        )
    resume = record["last_event_id_header"] or record["last_event_id_query"]
    known = state.log.seq_of(resume)
    record["resumed_from"] = resume if known is not None else None
    record["status"] = 200
    frames = stream_frames(state, known or 0, _event_types(record["types"]))
    return EventStreamResponse(state, frames)
