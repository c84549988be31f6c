"""SSE-CLIENT-RULES.md §(e) cases 25, 43, 51–54, 56 and 67: a live stream (pings, the watchdog,
slowloris trickles, abrupt endings), many reconnects without leaks, and `stop()` in any phase."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from atp_tui.client.events import ConnectionChanged
from tests.conftest import FakeClock
from tests.engine_helpers import (
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    states,
)
from tests.hostile import Conn, HostileServer, notification_frames


async def test_pings_alone_keep_a_quiet_stream_alive() -> None:
    """Case 25 [G6]: pings every 0.1 s for 2 s with a 0.5 s watchdog: never reconnects."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        for _ in range(20):
            await conn.write('event: ping\ndata: {"timestamp": "2026-11-28T10:00:00Z"}\n\n')
            await asyncio.sleep(0.1)
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, heartbeat=0.5), has_notifications(1))
    assert len(server.requests) == 1
    assert "reconnecting" not in states(events)


@pytest.mark.parametrize("mid_event", [False, True])
async def test_stall_fires_the_watchdog_and_resumes(mid_event: bool, virtual_clock) -> None:
    """Cases 51–52 [G6, E7]: a silent socket is replaced; the partial event replays once.

    The production 90 s heartbeat passes on the fake clock: no real waiting."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(notification_frames(1, 2))
            if mid_event:
                await conn.write('id: 2\nevent: notification\ndata: {"id": "n2"')
            await conn.hang()
        else:
            await conn.write(notification_frames(2, 3))
            await conn.hang()

    async with HostileServer(script) as server:
        started = time.monotonic()
        events = await collect(
            make_engine(server.url, clock=virtual_clock, heartbeat=90.0), has_notifications(2)
        )
    assert notification_ids(events) == ["n1", "n2"]
    assert server.requests[1].last_event_id == "1"
    assert time.monotonic() - started < 5
    # The silence lasted the heartbeat on the engine's clock (the first wait may be the
    # quiet moment before a checkpoint, the rest of the heartbeat then follows).
    assert sum(virtual_clock.timeouts) == pytest.approx(90.0, abs=0.5)
    reconnecting = [
        e.state
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "reconnecting"
    ]
    assert reconnecting[0].detail == "no heartbeat for 90 s"


async def test_slowloris_trickle_does_not_feed_the_watchdog(fake_clock) -> None:
    """Case 53 [G6]: bytes that never complete a line do not count as liveness."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            for _ in range(100):
                await conn.write(b"x")
                await asyncio.sleep(0.05)
        else:
            await conn.write(notification_frames(1, 2))
            await conn.hang()

    async with HostileServer(script) as server:
        await collect(
            make_engine(server.url, clock=fake_clock, heartbeat=0.5), has_notifications(1)
        )
    assert len(server.requests) == 2


@pytest.mark.parametrize("ending", ["reset", "truncated", "eof"])
async def test_abrupt_endings_all_reconnect_with_the_cursor(ending: str, fake_clock) -> None:
    """Case 54 [F1]: RST, truncated body, clean EOF."""

    async def script(conn: Conn) -> None:
        if conn.request.index == 0:
            if ending == "truncated":
                await conn.send_head(headers={"Content-Length": "100000"})
            else:
                await conn.send_head()
            await conn.write(notification_frames(1, 2))
            if ending == "reset":
                conn.reset()
        else:
            await conn.send_head()
            await conn.write(notification_frames(2, 3))
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]
    assert server.requests[1].last_event_id == "1"


async def test_many_reconnects_never_hold_two_streams_and_leak_nothing(fake_clock) -> None:
    """Cases 43 and 56 [G8]: 50 drops; one stream at a time; tasks and fds do not grow."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(": hello\n\n")
        if conn.request.index >= 60:
            await conn.hang()

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        await collect(engine, has_state("connected", 3))
        fds_before, tasks_before = open_fds(), len(asyncio.all_tasks())
        engine = make_engine(server.url, clock=fake_clock)
        await collect(engine, has_state("connected", 51), timeout=30)
        await asyncio.sleep(0.1)
        fds_after, tasks_after = open_fds(), len(asyncio.all_tasks())
    assert server.max_open_connections == 1
    assert fds_after <= fds_before + 3
    assert tasks_after <= tasks_before + 3


class StuckClock(FakeClock):
    """A clock whose sleeps never end: a backoff wait that only `stop()` can cut short."""

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.Event().wait()


@pytest.mark.parametrize("phase", ["backoff", "connect", "stream"])
async def test_stop_is_prompt_and_final(phase: str) -> None:
    """Case 67 [B5]: stop in any phase ends `events()`; nothing is requested afterwards.

    Each phase here would last forever on its own (a backoff wait that never ends, a server
    that never answers, a stream that never closes), so `events()` ending at all is stop's
    doing: the bound on the wait is only there to fail instead of hanging."""
    gate = asyncio.Event()
    clock = StuckClock()

    async def script(conn: Conn) -> None:
        if phase == "backoff":
            await conn.send_response(500, b"")
        elif phase == "connect":
            await gate.wait()
        else:
            await conn.send_head()
            await conn.write(notification_frames(1, 2))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=clock)
        events: list = []

        async def run() -> None:
            async for event in engine.events():
                events.append(event)

        in_phase = {
            "backoff": lambda: clock.sleeps != [],  # waiting out the backoff after the 500
            "connect": lambda: len(server.requests) == 1,  # waiting for response headers
            "stream": lambda: notification_ids(events) == ["n1"],  # reading an open stream
        }[phase]
        task = asyncio.ensure_future(run())
        async with asyncio.timeout(10):
            while not in_phase():
                await asyncio.sleep(0.01)
        engine.stop()
        await asyncio.wait_for(task, 5)
        assert len(server.requests) == 1
        assert clock.sleeps == ([3.0] if phase == "backoff" else [])
        gate.set()
