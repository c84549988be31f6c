"""SSE-CLIENT-RULES.md §(e) case 55: clock jumps and sleep.

`JumpingClock` is a `FakeClock` whose wall time can jump while monotonic time does not, and
which can "suspend" like a laptop (both clocks move on together). It drives the engine, the
headless deadline functions (`atp_tui.view.items`, `atp_tui.protocol.lifecycle`) and the
catch-up summary shown after a gap.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from atp_tui.client.events import ConnectionChanged, ConnectionState
from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.protocol.models import Notification
from atp_tui.store import StoredNotification
from atp_tui.view.catchup import CatchUp
from atp_tui.view.items import (
    closed_reason,
    display_state,
    format_countdown,
    is_urgent,
    item_actionable,
)
from tests.conftest import FakeClock
from tests.engine_helpers import (
    SCHEDULE,
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    reconnect_states,
    states,
    waits,
)
from tests.hostile import Conn, HostileServer, notification, notification_frames

HOUR = 3600.0
LAPTOP_SLEEP = 600.0
#: A heartbeat frame: liveness only, nothing is shown.
PING = 'event: ping\ndata: {"timestamp": "2026-11-28T10:10:00Z"}\n\n'


class JumpingClock(FakeClock):
    """A fake clock whose wall time can jump on its own, and which can suspend like a laptop.

    `jump_wall` moves only `now()` (an NTP step, a user changing the time, a time zone bug);
    `suspend` moves monotonic and wall time together. `during_sleep(index)` runs at the start of
    each `sleep`, so a test can make something happen inside a given backoff wait.
    """

    def __init__(self, *, virtual_timeouts: bool = False) -> None:
        super().__init__(jitter=0.0, virtual_timeouts=virtual_timeouts)
        self.wall_shift = 0.0
        self.wall_jumps: list[float] = []
        self.during_sleep: Callable[[int], None] | None = None

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.wall_shift)

    def jump_wall(self, seconds: float) -> None:
        """Move the wall clock by `seconds`; the monotonic clock does not move."""
        self.wall_shift += seconds
        self.wall_jumps.append(seconds)

    def suspend(self, seconds: float) -> None:
        """The machine sleeps for `seconds`: both clocks move on together, in one step."""
        self.offset += seconds

    async def sleep(self, seconds: float) -> None:
        if self.during_sleep is not None:
            self.during_sleep(len(self.sleeps))
        await super().sleep(seconds)


def stored_with_deadline(nid: str, deadline: datetime, received_at: datetime) -> StoredNotification:
    """An open (delivered) notification with `deadline`, as the store holds it."""
    body = notification(nid)
    body["deadline"] = deadline.isoformat()
    return StoredNotification.holding(
        Notification.model_validate(body), "delivered", None, received_at, nid, False
    )


# -- case 55: clock jumps and sleep ------------------------------------------------------------


async def test_wall_clock_jumps_leave_the_backoff_schedule_alone() -> None:
    """Case 55: the wall clock jumps ±1 h in every wait; the waits stay 3, 6, 12, 24, 30, 30 s."""
    clock = JumpingClock()
    # +1 h, then alternately 1 h behind and 1 h ahead of the true time.
    clock.during_sleep = lambda index: clock.jump_wall(
        HOUR if index == 0 else (-2 * HOUR if index % 2 else 2 * HOUR)
    )

    async def script(conn: Conn) -> None:
        await conn.send_response(500, b"oops", content_type="text/plain")

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=clock)
        events = await collect(engine, has_state("reconnecting", 6))
    assert clock.wall_jumps == [HOUR, -2 * HOUR, 2 * HOUR, -2 * HOUR, 2 * HOUR]
    assert waits(events) == SCHEDULE
    assert clock.sleeps == SCHEDULE[:5]
    assert len(server.requests) == engine.connection_attempts == 6


async def test_wall_clock_jumps_do_not_expire_a_live_stream() -> None:
    """Case 55 [G6]: pings keep coming while the wall clock jumps ±1 h: no false expiry."""
    clock = JumpingClock()

    async def script(conn: Conn) -> None:
        await conn.send_head()
        for index in range(10):
            clock.jump_wall(HOUR if index % 2 == 0 else -2 * HOUR)
            await conn.write(PING)
            await asyncio.sleep(0.1)
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=clock, heartbeat=0.5)
        events = await collect(engine, has_notifications(1))
    assert len(clock.wall_jumps) == 10
    assert notification_ids(events) == ["n1"]
    assert "reconnecting" not in states(events)
    assert len(server.requests) == 1


@pytest.mark.parametrize("jump", [HOUR, -HOUR], ids=["ahead", "back"])
async def test_wall_clock_jump_neither_hastens_nor_delays_the_watchdog(jump: float) -> None:
    """Case 55 [G6]: on a silent stream the watchdog fires after T whichever way the wall jumps.

    Timed on the engine's monotonic clock, whose watchdog passes without real waiting."""
    clock = JumpingClock(virtual_timeouts=True)
    heartbeat = 90.0
    went_silent: list[float] = []
    reconnected: list[float] = []

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(": hello\n\n")
            went_silent.append(clock.monotonic())
            clock.jump_wall(jump)
            await conn.hang()
        else:
            reconnected.append(clock.monotonic())
            await conn.write(notification_frames(1, 2))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=clock, heartbeat=heartbeat)
        events = await collect(engine, has_notifications(1))
    assert len(server.requests) == 2
    # The heartbeat, then the backoff wait (the base, 3 s) before the new connection.
    assert clock.sleeps == [3.0]
    assert reconnected[0] - went_silent[0] == pytest.approx(heartbeat + 3.0, abs=0.3)
    assert [state.detail for state in reconnect_states(events)] == ["no heartbeat for 90 s"]


async def test_sleep_during_a_backoff_wait_gives_one_attempt_not_a_storm() -> None:
    """Case 55: the laptop sleeps 10 min inside the second wait → one attempt on resume.

    The attempts go on one per wait and the schedule keeps growing: the sleep neither resets
    the backoff nor lets the engine "catch up" on attempts it missed.
    """
    clock = JumpingClock()
    clock.during_sleep = lambda index: clock.suspend(LAPTOP_SLEEP) if index == 1 else None

    async def script(conn: Conn) -> None:
        await conn.send_response(503, b"busy", content_type="text/plain")

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=clock)
        events = await collect(engine, has_state("reconnecting", 6))
    assert clock.offset == pytest.approx(sum(SCHEDULE[:5]) + LAPTOP_SLEEP)
    assert waits(events) == SCHEDULE
    assert clock.sleeps == SCHEDULE[:5]
    assert len(server.requests) == engine.connection_attempts == 6


@pytest.mark.parametrize(
    ("after_resume", "heartbeat", "reconnects"),
    [("nothing", 0.5, 1), ("a stray byte", 30.0, 1), ("a ping", 30.0, 0)],
    ids=["silent", "stray-byte", "ping"],
)
async def test_sleep_while_connected_reconnects_at_most_once(
    after_resume: str, heartbeat: float, reconnects: int
) -> None:
    """Case 55 [G6]: a 10-min sleep on an open stream → one reconnect with the cursor, no storm.

    The watchdog is measured on the monotonic clock, which jumped over the sleep. A dead socket
    (silent, or a stray byte that completes no line) is replaced exactly once, and at once: with
    a 30 s heartbeat the stray byte only reveals the sleep if the jump is seen. A complete ping
    right after resume proves the stream alive: no false expiry, no reconnect.
    """
    clock = JumpingClock()

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(notification_frames(1, 2))
            await asyncio.sleep(0.05)
            clock.suspend(LAPTOP_SLEEP)
            if after_resume == "a stray byte":
                await conn.write(b"x")
            elif after_resume == "a ping":
                await conn.write(PING)
                await asyncio.sleep(0.05)
                await conn.write(notification_frames(2, 3))
            await conn.hang()
        else:
            for _ in range(5):
                await conn.write(PING)
                await asyncio.sleep(0.1)
            await conn.write(notification_frames(2, 3))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=clock, heartbeat=heartbeat)
        started = time.monotonic()
        events = await collect(engine, has_notifications(2))
    assert time.monotonic() - started < 2.0
    assert notification_ids(events) == ["n1", "n2"]
    assert len(server.requests) == 1 + reconnects
    assert waits(events) == [3.0] * reconnects
    assert clock.sleeps == [3.0] * reconnects
    if reconnects:
        assert server.requests[1].last_event_id == "1"
        assert reconnect_states(events)[0].detail == f"no heartbeat for {heartbeat:g} s"


def test_deadlines_are_judged_against_the_wall_clock_after_jumps_and_sleep() -> None:
    """Case 55: countdown, urgency, state and actionability follow `now()` when it jumps."""
    clock = JumpingClock()
    deadline = clock.now() + timedelta(minutes=20)
    item = stored_with_deadline("d1", deadline, clock.now())

    def judged() -> tuple[str, bool, str, bool, bool]:
        now = clock.now()
        return (
            format_countdown(deadline, now),
            is_urgent(deadline, now),
            display_state(item, None, now),
            item_actionable(item, now),
            is_actionable("delivered", deadline, now),
        )

    assert judged() == ("20m00s", False, "open", True, True)
    clock.jump_wall(HOUR)
    assert judged() == ("expired", False, "expired", False, False)
    assert closed_reason(item, clock.now()) == "expired: the deadline passed"
    clock.jump_wall(-2 * HOUR)  # an hour behind the true time: open again, not stuck expired
    assert judged() == ("1h20m", False, "open", True, True)
    assert closed_reason(item, clock.now()) == ""
    clock.jump_wall(HOUR)  # the true time again
    clock.suspend(LAPTOP_SLEEP)
    assert judged() == ("10m00s", True, "open", True, True)


def test_deadline_passed_during_a_sleep_is_reported_after_resume() -> None:
    """Case 55: on resume, a deadline that passed during the sleep shows as expired in the gap.

    A deadline still ahead after the resume is not reported.
    """
    clock = JumpingClock()
    passed = stored_with_deadline("passed", clock.now() + timedelta(minutes=5), clock.now())
    ahead = stored_with_deadline("ahead", clock.now() + timedelta(minutes=15), clock.now())
    items = {item.notification.id: item for item in (passed, ahead)}
    catchup = CatchUp()

    def feed(kind: str) -> bool:
        return catchup.feed(ConnectionChanged(ConnectionState(kind)), clock.now())  # type: ignore[arg-type]

    feed("connected")
    feed("reconnecting")  # the stream dropped as the laptop went to sleep
    clock.suspend(LAPTOP_SLEEP)
    assert feed("connecting") is False
    assert feed("connected") is True
    summary = catchup.finish(items.get, items.values(), {}, clock.now())
    assert [entry.notification_id for entry in summary.expired] == ["passed"]
    assert summary.expired[0].detail == "the deadline passed"
    assert summary.until == clock.now()
