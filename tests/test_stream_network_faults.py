"""SSE-CLIENT-RULES.md §(e) cases 47, 50 and 55: DNS failures, connect black holes, clock jumps.

* 47: a name under the reserved `.invalid` TLD (RFC 6761) never resolves, so the real resolver
  answers NXDOMAIN. A failing resolver (EAI_AGAIN) and one that never answers are injected at
  `socket.getaddrinfo`, the operating-system boundary, since a test cannot make the host's
  resolver misbehave.
* 50: a loopback listener whose accept queue is full drops every new SYN (Linux), so a connect
  to it never completes. The engine's real client goes through `ShortConnectTimeout`, httpx's own
  transport with the connect timeout shortened: it also records the timeout the engine asked for,
  which must be the production 10 s.
* 55: `JumpingClock` is a `FakeClock` whose wall time can jump while monotonic time does not, and
  which can "suspend" like a laptop (both clocks move on together). It drives the engine, the
  headless deadline functions (`atp_tui.view.items`, `atp_tui.protocol.lifecycle`) and the
  catch-up summary shown after a gap.
"""

from __future__ import annotations

import asyncio
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from atp_tui.client.events import ConnectionChanged, ConnectionState, EngineEvent
from atp_tui.client.http import make_http_client
from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.protocol.models import Notification
from atp_tui.store import Store, StoredNotification
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
    TOKEN,
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    states,
)
from tests.hostile import Conn, HostileServer, notification, notification_frames

#: A host name that can never resolve (RFC 6761 reserves `.invalid`).
UNRESOLVABLE_HOST = "atp-test.invalid"
#: The connect timeout the tests use instead of the production 10 s.
SHORT_CONNECT_TIMEOUT = 0.25
#: The backoff schedule without jitter (SSE-CLIENT-RULES.md, "Backoff policy").
SCHEDULE = [3.0, 6.0, 12.0, 24.0, 30.0, 30.0]
HOUR = 3600.0
LAPTOP_SLEEP = 600.0
#: A heartbeat frame: liveness only, nothing is shown.
PING = 'event: ping\ndata: {"timestamp": "2026-11-28T10:10:00Z"}\n\n'


# -- helpers ---------------------------------------------------------------------------------


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


class ShortConnectTimeout(httpx.AsyncBaseTransport):
    """httpx's own transport with each request's connect timeout shortened.

    The engine's client puts its timeouts in the request's `timeout` extension; this records
    the connect timeout asked for (the production value) and replaces it with a short one, so a
    black hole is detected in a fraction of a second. Everything else is real httpx and sockets.
    """

    def __init__(self, connect_timeout: float) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._connect_timeout = connect_timeout
        self.requested_connect_timeouts: list[float | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = dict(request.extensions.get("timeout", {}))
        self.requested_connect_timeouts.append(timeout.get("connect"))
        timeout["connect"] = self._connect_timeout
        request.extensions = {**request.extensions, "timeout": timeout}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def engine_for(
    url: str,
    clock: FakeClock,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    jitter: bool = False,
) -> StreamEngine:
    """An engine with an in-memory store; unlike `make_engine` it takes a transport and jitter."""
    return StreamEngine(
        EngineConfig(server=url, token=TOKEN),
        Store.in_memory(),
        clock=clock,
        transport=transport,
        jitter=jitter,
    )


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


def fake_minutes_passed(clock: FakeClock, minutes: float) -> Callable[[list[EngineEvent]], bool]:
    """Stop condition: `minutes` of fake time have been slept."""
    return lambda events: clock.offset >= minutes * 60


FailResolver = Callable[..., None]


@pytest.fixture
def resolver_failing_with(monkeypatch: pytest.MonkeyPatch) -> FailResolver:
    """Make `socket.getaddrinfo` raise `error` for one host name (others resolve as usual).

    With `stall`, the lookup first blocks until that event is set (at most 5 s), like a
    resolver that never answers; the test must set it when done.
    """
    real_getaddrinfo = socket.getaddrinfo

    def install(host: str, error: Exception, stall: threading.Event | None = None) -> None:
        def getaddrinfo(name: str | bytes | None, *args: Any, **kwargs: Any) -> Any:
            text = name.decode("ascii") if isinstance(name, bytes) else name
            if text == host:
                if stall is not None:
                    stall.wait(5.0)  # runs in the loop's resolver thread, not on the loop
                raise error
            return real_getaddrinfo(name, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    return install


@pytest.fixture
def black_hole_url() -> Iterator[str]:
    """A loopback URL whose connects never complete: a listener with a full accept queue.

    Linux drops a SYN when the listener's accept queue is full, so the client retransmits it
    until its own connect timeout. The queue is filled by connecting without ever accepting,
    until one connect stops completing (which proves the black hole works on this kernel).
    """
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        for _ in range(64):
            filler = socket.socket()
            fillers.append(filler)
            filler.setblocking(False)
            filler.connect_ex(address)
            _, connected, _ = select.select([], [filler], [], 0.1)
            if not connected:
                break
        else:
            pytest.skip("the accept queue never filled: this kernel does not drop SYNs")
        yield f"http://127.0.0.1:{address[1]}"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def stored_with_deadline(nid: str, deadline: datetime, received_at: datetime) -> StoredNotification:
    """An open (delivered) notification with `deadline`, as the store holds it."""
    body = notification(nid)
    body["deadline"] = deadline.isoformat()
    return StoredNotification.holding(
        Notification.model_validate(body), "delivered", None, received_at, nid, False
    )


#: How a resolver that does not answer (EAI_AGAIN) is described.
RESOLVER_DOWN = "DNS lookup failed (the resolver did not answer)"

# -- case 47: DNS failures ---------------------------------------------------------------------


async def test_dns_nxdomain_is_offline_with_a_growing_backoff(fake_clock: FakeClock) -> None:
    """Case 47 [B1]: NXDOMAIN is transient: "offline", named as DNS, waits 3, 6, 12, 24 s."""
    engine = make_engine(f"http://{UNRESOLVABLE_HOST}:9", clock=fake_clock)
    events = await collect(engine, has_state("reconnecting", 4))
    waiting = reconnect_states(events)
    if waiting[0].detail == f"offline: {RESOLVER_DOWN}":
        pytest.skip("no DNS resolver answers on this machine: NXDOMAIN cannot be observed")
    assert waits(events) == SCHEDULE[:4]
    assert all(state.offline for state in waiting)
    assert {state.detail for state in waiting} == {"offline: server name not found (DNS)"}
    shown = waiting[0].describe()
    assert shown == "reconnecting in 3 s (attempt 1): offline: server name not found (DNS)"
    assert TOKEN not in shown
    assert "failed" not in states(events)
    # One attempt per wait: the engine slept the schedule between attempts, never skipped it.
    assert engine.connection_attempts == 4
    assert fake_clock.sleeps == SCHEDULE[:3]


@pytest.mark.parametrize(
    ("jitter", "attempts_in_ten_minutes"),
    [(0.0, 24), (0.999, 44)],
    ids=["no-jitter", "worst-case-jitter"],
)
async def test_dns_failure_does_not_spin_over_ten_minutes(
    jitter: float,
    attempts_in_ten_minutes: int,
    resolver_failing_with: FailResolver,
) -> None:
    """Case 47: over 10 fake minutes the attempts follow the capped backoff, no tight loop.

    Without jitter: 3 + 6 + 12 + 24 s, then 30 s each, so 24 attempts reach 600 s. With the
    largest jitter every wait is halved (cap 15 s): 44 attempts, about 1 per 15 s. The NXDOMAIN
    is injected: dozens of real lookups in a burst trip resolver rate limits (5 s stalls).
    """
    host = "nxdomain.invalid"
    resolver_failing_with(host, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    clock = FakeClock(jitter=jitter)
    engine = engine_for(f"http://{host}:9", clock, jitter=True)
    events = await collect(engine, fake_minutes_passed(clock, 10))
    assert engine.connection_attempts == attempts_in_ten_minutes
    assert engine.connection_attempts <= 600 / 15 + 5  # the policy's steady-state bound
    assert len(clock.sleeps) == engine.connection_attempts - 1
    assert min(clock.sleeps) >= 1.5
    assert clock.sleeps == sorted(clock.sleeps)  # growing to the cap, never shrinking
    waiting = reconnect_states(events)
    assert {state.detail for state in waiting} == {"offline: server name not found (DNS)"}
    assert all(state.offline for state in waiting)


async def test_resolver_temporary_failure_is_offline_with_backoff(
    resolver_failing_with: FailResolver, fake_clock: FakeClock
) -> None:
    """Case 47 [B1]: a failing resolver (EAI_AGAIN) is transient: offline, growing waits, and
    the message names DNS (not only for NXDOMAIN)."""
    host = "resolver-down.invalid"
    error = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    resolver_failing_with(host, error)
    engine = make_engine(f"http://{host}:9", clock=fake_clock)
    events = await collect(engine, has_state("reconnecting", 3))
    waiting = reconnect_states(events)
    assert waits(events) == SCHEDULE[:3]
    assert all(state.offline for state in waiting)
    assert {state.detail for state in waiting} == {f"offline: {RESOLVER_DOWN}"}
    assert "failed" not in states(events)
    assert engine.connection_attempts == 3


async def test_resolver_that_never_answers_is_cut_by_the_connect_timeout(
    resolver_failing_with: FailResolver, fake_clock: FakeClock
) -> None:
    """Case 47: a resolver timeout counts against the connect timeout, then offline + backoff."""
    host = "resolver-silent.invalid"
    release = threading.Event()
    error = socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    resolver_failing_with(host, error, stall=release)
    transport = ShortConnectTimeout(SHORT_CONNECT_TIMEOUT)
    engine = engine_for(f"http://{host}:9", fake_clock, transport=transport)
    try:
        events = await collect(engine, has_state("reconnecting", 2))
    finally:
        release.set()
    waiting = reconnect_states(events)
    assert waits(events) == SCHEDULE[:2]
    assert {state.detail for state in waiting} == {"offline: connection timed out"}
    assert all(state.offline for state in waiting)
    assert transport.requested_connect_timeouts == [10.0, 10.0]


# -- case 50: connect black hole ---------------------------------------------------------------


async def test_production_connect_timeout_is_ten_seconds() -> None:
    """Case 50: the HTTP client every engine uses gives up connecting after 10 s."""
    client = make_http_client()
    try:
        assert client.timeout.connect == 10.0
    finally:
        await client.aclose()


async def test_connect_black_hole_times_out_then_backs_off(
    black_hole_url: str, fake_clock: FakeClock
) -> None:
    """Case 50: SYNs dropped → connect timeout (10 s in production) → offline, backoff, retry."""
    transport = ShortConnectTimeout(SHORT_CONNECT_TIMEOUT)
    engine = engine_for(black_hole_url, fake_clock, transport=transport)
    started = time.monotonic()
    events = await collect(engine, has_state("reconnecting", 2))
    elapsed = time.monotonic() - started
    waiting = reconnect_states(events)
    assert transport.requested_connect_timeouts == [10.0, 10.0]
    assert waits(events) == SCHEDULE[:2]
    assert {state.detail for state in waiting} == {"offline: connection timed out"}
    assert all(state.offline for state in waiting)
    assert states(events) == ["connecting", "reconnecting", "connecting", "reconnecting"]
    # Each attempt really waited for its connect timeout: the SYN was dropped, not refused.
    assert 2 * SHORT_CONNECT_TIMEOUT <= elapsed < 2.0


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
