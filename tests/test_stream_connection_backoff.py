"""SSE-CLIENT-RULES.md §(e) cases 42, 44, 45, 47–48: the stream engine's reconnect waits:
Retry-After, transient statuses, jitter, flapping servers, resets after progress, a refused
connection. DNS failures (case 47), a connect black hole (50) and clock jumps (55) are in
test_stream_network_faults_*.py, certificates (49) in test_stream_tls.py."""

from __future__ import annotations

import asyncio
from email.utils import format_datetime

import pytest

from atp_tui.client.events import ConnectionChanged
from tests.conftest import FakeClock
from tests.engine_helpers import _waits, collect, has_notifications, has_state, make_engine
from tests.hostile import Conn, HostileServer, notification_frames


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("86400", 600.0), ("-5", 3.0), ("soon", 3.0), (None, 3.0)],
)
async def test_retry_after_sets_a_floor(header: str | None, expected: float, fake_clock) -> None:
    """Case 42 [G4]: the wait is max(Retry-After capped at 10 min, backoff)."""

    async def script(conn: Conn) -> None:
        if conn.request.index == 0:
            headers = {"Retry-After": header} if header is not None else {}
            await conn.send_response(
                429, {"error": {"code": "RATE_LIMIT_EXCEEDED"}}, headers=headers
            )
        else:
            await conn.send_head()
            await conn.write(notification_frames(1, 2))
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    assert _waits(events)[0] == pytest.approx(expected)


async def test_retry_after_http_date(fake_clock) -> None:
    """Case 42: an HTTP-date Retry-After is honoured against the wall clock."""
    when = format_datetime(
        fake_clock.now().replace(microsecond=0) + __import__("datetime").timedelta(seconds=20),
        usegmt=True,
    )

    async def script(conn: Conn) -> None:
        if conn.request.index == 0:
            await conn.send_response(503, b"", headers={"Retry-After": when})
        else:
            await conn.send_head()
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_state("connected"))
    assert _waits(events)[0] == pytest.approx(20.0, abs=1.0)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_transient_statuses_back_off(status: int, fake_clock) -> None:
    """Case 44 [G1]: without jitter the waits are 3, 6, 12, 24, 30, 30 s."""

    async def script(conn: Conn) -> None:
        await conn.send_response(status, b"oops", content_type="text/plain")

    async with HostileServer(script) as server:
        events = await collect(
            make_engine(server.url, clock=fake_clock), has_state("reconnecting", 6)
        )
    assert _waits(events) == [3, 6, 12, 24, 30, 30]


async def test_jittered_waits_lie_between_half_and_full() -> None:
    """Case 44: with jitter each wait lies in [d/2, d]."""
    from atp_tui.client.backoff import Backoff

    for jitter in (0.0, 0.5, 0.999):
        clock = FakeClock(jitter=jitter)
        backoff = Backoff(clock)
        for nominal in (3, 6, 12, 24, 30, 30):
            delay = backoff.next_delay()
            assert nominal / 2 <= delay <= nominal


async def test_flapping_server_keeps_backing_off_until_progress(fake_clock) -> None:
    """Case 45: drops without anything new keep growing the delay; a new event resets it."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write("retry: 0\n\n" + notification_frames(1, 2))
        elif conn.request.index < 6:
            await conn.write(notification_frames(1, 2))  # only an already-seen event
        elif conn.request.index == 6:
            await conn.write(notification_frames(2, 3))  # progress
        else:
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 8))
    waits = _waits(events)
    assert waits[:6] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert waits[6] == 0.5


async def test_stable_connection_resets_backoff(fake_clock) -> None:
    """Case 45: a connection that stayed up 60 s counts as progress."""

    async def script(conn: Conn) -> None:
        if conn.request.index < 3:
            await conn.send_response(500, b"")
        elif conn.request.index == 3:
            await conn.send_head()
            await asyncio.sleep(0.3)
            fake_clock.offset += 61  # stayed up "61 s"
            await conn.write(": hi\n\n")
        else:
            await conn.send_head()
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 2))
    assert _waits(events) == [3, 6, 12, 3]


async def test_connection_refused_is_offline_with_backoff(fake_clock) -> None:
    """Cases 47–48 [B1]: transient, backs off, no tight loop."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = make_engine(f"http://127.0.0.1:{port}", clock=fake_clock)
    events = await collect(engine, has_state("reconnecting", 4))
    reconnecting = [
        e.state
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "reconnecting"
    ]
    assert "offline" in reconnecting[0].detail and reconnecting[0].offline
    assert _waits(events) == [3, 6, 12, 24]
