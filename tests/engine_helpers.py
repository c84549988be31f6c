"""Helpers to run the stream engine against a test server and collect what it yields."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from atp_tui.client.events import (
    ConnectionChanged,
    ConnectionState,
    EngineEvent,
    EventSkipped,
    NotificationReceived,
    StatusChanged,
)
from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.protocol.clock import Clock
from atp_tui.store import Store

TOKEN = "s3cret-token-value"
#: The backoff schedule without jitter (SSE-CLIENT-RULES.md, "Backoff policy").
SCHEDULE = [3.0, 6.0, 12.0, 24.0, 30.0, 30.0]


def make_engine(
    url: str,
    store: Store | None = None,
    *,
    clock: Clock | None = None,
    heartbeat: float = 5.0,
    token: str = TOKEN,
    state_dir: Path | None = None,
    **config: object,
) -> StreamEngine:
    """An engine for `url`, with an in-memory store unless one is given."""
    if store is None:
        store = Store.open(state_dir) if state_dir is not None else Store.in_memory()
    return StreamEngine(
        EngineConfig(server=url, token=token, heartbeat_timeout=heartbeat, **config),  # type: ignore[arg-type]
        store,
        clock=clock,
        jitter=False,
    )


async def collect(
    engine: StreamEngine,
    until: Callable[[list[EngineEvent]], bool],
    timeout: float = 10.0,
) -> list[EngineEvent]:
    """Run the engine until `until(events)` holds, then stop it; fail after `timeout`."""
    events: list[EngineEvent] = []

    async def run() -> None:
        async for event in engine.events():
            events.append(event)
            if until(events):
                engine.stop()

    try:
        await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out; events so far: {events[-12:]!r}") from None
    return events


def notification_ids(events: list[EngineEvent]) -> list[str]:
    """Ids of the notifications yielded, in order."""
    return [e.notification.id for e in events if isinstance(e, NotificationReceived)]


def states(events: list[EngineEvent]) -> list[str]:
    """Connection-state kinds, in order."""
    return [e.state.kind for e in events if isinstance(e, ConnectionChanged)]


def has_notifications(count: int) -> Callable[[list[EngineEvent]], bool]:
    """Stop condition: `count` notifications yielded."""
    return lambda events: len(notification_ids(events)) >= count


def has_state(kind: str, times: int = 1) -> Callable[[list[EngineEvent]], bool]:
    """Stop condition: the engine entered state `kind` `times` times."""
    return lambda events: states(events).count(kind) >= times


def skipped(events: list[EngineEvent]) -> list[EventSkipped]:
    """The skipped-event reports."""
    return [e for e in events if isinstance(e, EventSkipped)]


def status_changes(events: list[EngineEvent]) -> list[tuple[str, str]]:
    """(notification id, status) of each StatusChanged."""
    return [(e.notification_id, e.status) for e in events if isinstance(e, StatusChanged)]


def reconnect_states(events: list[EngineEvent]) -> list[ConnectionState]:
    """The `reconnecting` states yielded, in order."""
    return [
        event.state
        for event in events
        if isinstance(event, ConnectionChanged) and event.state.kind == "reconnecting"
    ]


def waits(events: list[EngineEvent]) -> list[float | None]:
    """The announced wait before each reconnect."""
    return [state.retry_in for state in reconnect_states(events)]


#: `waits` under the name the `test_stream_connection_*` modules use (they had a copy of it).
_waits = waits
