"""SSE-CLIENT-RULES.md §(e) cases 4, 24–25, 30–31, 36–46, 48, 51–54, 56, 67: statuses, backoff,
liveness. Cases 47, 50 and 55 are in test_stream_network_faults.py, 49 in test_stream_tls.py."""

from __future__ import annotations

import asyncio
import os
import time
from email.utils import format_datetime

import pytest

from atp_tui.client.events import ConnectionChanged, ServerErrorReceived
from tests.conftest import FakeClock
from tests.engine_helpers import (
    TOKEN,
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    states,
    status_changes,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames


def _waits(events) -> list[float]:
    return [
        e.state.retry_in
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "reconnecting"
    ]


async def test_server_error_event_is_reported_and_the_stream_stays(fake_clock) -> None:
    """Case 24."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(
            frame({"code": "RATE_LIMIT_EXCEEDED", "message": "slow down"}, event="error")
        )
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    errors = [e for e in events if isinstance(e, ServerErrorReceived)]
    assert errors[0].error.code == "RATE_LIMIT_EXCEEDED"
    assert len(server.requests) == 1


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


async def test_status_update_for_an_unknown_notification_is_held(fake_clock) -> None:
    """Case 30: no phantom row; applied when the notification arrives late."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        update = {"notification_id": "late", "status": "invalidated", "reason": "withdrawn"}
        await conn.write(frame(update, event="status_update", event_id="1"))
        await conn.write(frame(notification("late"), event_id="2"))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda ev: bool(status_changes(ev)))
    assert notification_ids(events) == ["late"]
    assert status_changes(events) == [("late", "invalidated")]
    assert engine._store.get("late").status == "invalidated"


async def test_status_updates_only_move_forward(fake_clock) -> None:
    """Case 31: `delivered` after `responded`, anything after `expired` → ignored."""
    updates = [
        ("a", "responded"),
        ("a", "delivered"),
        ("b", "expired"),
        ("b", "responded"),
        ("b", "invalidated"),
        ("a", "completed"),
    ]

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(
            frame(notification("a"), event_id="1") + frame(notification("b"), event_id="2")
        )
        for i, (nid, status) in enumerate(updates):
            body = {"notification_id": nid, "status": status}
            await conn.write(frame(body, event="status_update", event_id=str(10 + i)))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda ev: ("a", "completed") in status_changes(ev))
    assert status_changes(events) == [("a", "responded"), ("b", "expired"), ("a", "completed")]


async def test_restart_resumes_from_the_persisted_cursor(fake_clock, tmp_path) -> None:
    """Case 33: a new process with the same state dir resumes; the replay is hidden."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(notification_frames(1, 4))
        else:
            await conn.write(notification_frames(1, 6))
        await conn.hang()

    async with HostileServer(script) as server:
        first = await collect(
            make_engine(server.url, clock=fake_clock, state_dir=tmp_path), has_notifications(3)
        )
        second = await collect(
            make_engine(server.url, clock=fake_clock, state_dir=tmp_path), has_notifications(2)
        )
    assert notification_ids(first) == ["n1", "n2", "n3"]
    assert notification_ids(second) == ["n4", "n5"]
    assert server.requests[1].last_event_id == "3"
    assert server.requests[1].query["last_event_id"] == "3"


@pytest.mark.parametrize("status", [204, 205, 299])
async def test_other_2xx_statuses_stop_without_reconnecting(status: int, fake_clock) -> None:
    """Cases 36–37 [B2, F6]: one request, state `failed`, no further attempt."""

    async def script(conn: Conn) -> None:
        await conn.send_response(status, b"")

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_state("failed"))
    failed = [e.state for e in events if isinstance(e, ConnectionChanged)][-1]
    assert failed.kind == "failed"
    # Parked until the user asks (`r`): no retry scheduled, no backoff wait begun.
    assert failed.retry_in is None
    assert fake_clock.sleeps == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_credentials_refused_stops_and_resumes_with_new_token(
    status: int, fake_clock
) -> None:
    """Cases 38–40 [G2]: one request; a new token resumes with the preserved cursor."""

    async def script(conn: Conn) -> None:
        auth = conn.request.headers.get("authorization")
        if conn.request.index == 0:
            await conn.send_head()
            await conn.write(notification_frames(1, 3))
        elif auth != "Bearer fresh":
            await conn.send_response(
                status, {"error": {"code": "AUTH_INVALID_TOKEN", "message": "bad"}}
            )
        else:
            await conn.send_head()
            await conn.write(notification_frames(1, 4))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)

        def until(events):
            if states(events).count("auth_refused") == 1 and states(events)[-1] == "auth_refused":
                engine.set_token("fresh")
            return len(notification_ids(events)) >= 3

        events = await collect(engine, until)
    assert notification_ids(events) == ["n1", "n2", "n3"]
    refused = [
        e.state
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "auth_refused"
    ]
    assert len(refused) == 1 and TOKEN not in refused[0].describe()
    assert str(status) in refused[0].detail
    assert len(server.requests) == 3
    assert server.requests[2].last_event_id == "2"


@pytest.mark.parametrize("status", [404, 405, 406, 410])
async def test_no_sse_endpoint_falls_back_to_polling(status: int, fake_clock) -> None:
    """Cases 4 and 41 [G3]: polling delivers the notifications."""

    async def script(conn: Conn) -> None:
        if conn.request.path.endswith("/events"):
            await conn.send_response(status, {"error": {"code": "NOT_FOUND", "message": "no"}})
        else:
            body = {
                "notifications": [notification("p1"), notification("p2")],
                "pagination": {"next_cursor": "c1", "has_more": False, "total_count": 2},
            }
            await conn.send_response(200, body)

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["p1", "p2"]
    assert "polling" in states(events)
    polls = [r for r in server.requests if r.path.endswith("/notifications")]
    assert polls[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "content_type", ["text/html", None, "application/json", "text/event-streamish"]
)
async def test_wrong_content_type_polls_and_fails_when_polling_fails(
    content_type, fake_clock
) -> None:
    """Case 4 [B3, G3]: not parsed as SSE; a captive portal fails polling too → `failed`."""

    async def script(conn: Conn) -> None:
        await conn.send_response(200, notification_frames(1, 2), content_type=content_type or "")

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_state("failed"))
    assert notification_ids(events) == []
    assert "polling" in states(events)
    failed = [
        e.state for e in events if isinstance(e, ConnectionChanged) and e.state.kind == "failed"
    ]
    assert "retry" in failed[0].detail


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


async def test_redirects_are_followed_with_authorization_and_restart_at_the_origin(
    fake_clock,
) -> None:
    """Case 46 [A3]: 307 same origin keeps Authorization; reconnects start at the original URL."""

    async def script(conn: Conn) -> None:
        if conn.request.path.endswith("/events"):
            await conn.send_response(307, b"", headers={"Location": "/moved/stream"})
        else:
            await conn.send_head()
            if len(server.requests) <= 2:
                await conn.write(notification_frames(1, 2))
            else:
                await conn.hang()

    async with HostileServer(script) as server:
        await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 2))
    assert [r.path for r in server.requests[:4]] == [
        "/api/v1/client/events",
        "/moved/stream",
        "/api/v1/client/events",
        "/moved/stream",
    ]
    assert server.requests[1].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("location", "expected"),
    [(None, "without a usable Location"), ("/api/v1/client/events", "too many redirects")],
)
async def test_redirect_loop_and_missing_location_are_errors(
    location: str | None, expected: str, fake_clock
) -> None:
    """Case 46: a 3xx without Location, and a redirect loop, are errors with backoff."""

    async def script(conn: Conn) -> None:
        headers = {"Location": location} if location else {}
        await conn.send_response(301, b"", headers=headers)

    async with HostileServer(script) as server:
        events = await collect(
            make_engine(server.url, clock=fake_clock), has_state("reconnecting", 2)
        )
    details = [e.state.detail for e in events if isinstance(e, ConnectionChanged)]
    assert expected in details[-1]
    assert _waits(events) == [3, 6]
    assert len(server.requests) <= 2 * 11


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
