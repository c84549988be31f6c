"""SSE-CLIENT-RULES.md §(e) cases 47 and 50: DNS failures and connect black holes.

* 47: a name under the reserved `.invalid` TLD (RFC 6761) never resolves, so the real resolver
  answers NXDOMAIN. A failing resolver (EAI_AGAIN) and one that never answers are injected at
  `socket.getaddrinfo`, the operating-system boundary, since a test cannot make the host's
  resolver misbehave.
* 50: a loopback listener whose accept queue is full drops every new SYN (Linux), so a connect
  to it never completes. The engine's real client goes through `ShortConnectTimeout`, httpx's own
  transport with the connect timeout shortened: it also records the timeout the engine asked for,
  which must be the production 10 s.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from atp_tui.client.events import EngineEvent
from atp_tui.client.http import make_http_client
from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.engine_helpers import (
    SCHEDULE,
    TOKEN,
    collect,
    has_state,
    make_engine,
    reconnect_states,
    states,
    waits,
)

#: A host name that can never resolve (RFC 6761 reserves `.invalid`).
UNRESOLVABLE_HOST = "atp-test.invalid"
#: The connect timeout the tests use instead of the production 10 s.
SHORT_CONNECT_TIMEOUT = 0.25


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
