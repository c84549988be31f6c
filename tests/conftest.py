"""Shared fixtures: isolated user dirs, a fake clock, engine helpers, a state folder and a
reference server."""

from __future__ import annotations

import asyncio
import compileall
import gc
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from atp_tui.protocol.clock import Clock
from atp_tui.server import RunningServer
from atp_tui.view import arrivals
from tests.server_helpers import AUTH, fast_config
from tests.shared_css import share_parsed_css

T = TypeVar("T")


def _keep_bytecode() -> None:
    """Let this run cache compiled modules, even where the shell sets PYTHONDONTWRITEBYTECODE.

    Without the cache every xdist worker compiles atp-tui's modules and rewrites every test
    module's asserts from source, and so does each `atp-tui` process a test starts (about 150):
    measured on this 2-core machine, the suite took 90 s with the variable set and 79 s
    without. This runs when pytest loads this file, before it starts the workers, so they
    and the processes they start inherit the environment without the variable. The caches are
    the usual `__pycache__` folders, which git ignores.
    """
    sys.dont_write_bytecode = False
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        # Once here, before the workers start, rather than in each of them at once on a fresh
        # checkout; on a warm one this only compares timestamps.
        compileall.compile_dir(Path(__file__).parent.parent / "atp_tui", quiet=1)


_keep_bytecode()


#: How many event-loop turns a virtual timeout gives the awaited thing before it fires. Work in
#: the test's own loop (an in-process server writing to a loopback socket, httpx reading it)
#: gets done in a few dozen; what is still not ready after this many waits for something
#: outside the loop, or for nothing.
SETTLE_TURNS = 200


class FakeClock(Clock):
    """Sleeps return at once and advance monotonic time; waits are recorded.

    With `virtual_timeouts`, a bounded wait (`wait_for`: the heartbeat watchdog, the open-phase
    deadline) fires without real waiting when what it awaits is still not ready after the
    event loop has had `SETTLE_TURNS` turns, and the fake time moves on by its timeout. Only
    for servers that never pause in real time (they write, then hang or close): a server that
    sleeps between writes would see its stream declared dead in between. Without it (the
    default), bounded waits run in real time, as the engine's did before they went through the
    clock.
    """

    def __init__(
        self,
        start: datetime | None = None,
        jitter: float = 1.0,
        *,
        virtual_timeouts: bool = False,
    ) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []
        self.start = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        self.jitter = jitter
        self.virtual_timeouts = virtual_timeouts
        #: The timeouts of the bounded waits that fired (virtual timeouts only).
        self.timeouts: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += max(0.0, seconds)
        await asyncio.sleep(0)

    async def wait_for(self, awaitable: Awaitable[T], seconds: float) -> T:
        """Real `asyncio.wait_for`, or with `virtual_timeouts` a settle-then-fire fake."""
        if not self.virtual_timeouts:
            return await super().wait_for(awaitable, seconds)
        task = asyncio.ensure_future(awaitable)
        try:
            for _ in range(SETTLE_TURNS):
                if task.done():
                    return task.result()
                await asyncio.sleep(0)
        finally:
            # Cancelled ourselves (stop(), a test's bound) or timing out: never leave it behind.
            task.cancel()
        try:
            # It may have finished in the last turn: a result is never thrown away.
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we were cancelled, not timed out
        self.timeouts.append(seconds)
        self.offset += max(0.0, seconds)
        raise TimeoutError

    def random(self) -> float:
        return self.jitter


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Never touch the real user's config or state."""
    home = tmp_path_factory.mktemp("home")
    for variable in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(home / variable.lower()))
    monkeypatch.setenv("HOME", str(home))
    for variable in ("ATP_SERVER", "ATP_TOKEN", "ATP_TUI_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    yield home


@pytest.fixture(autouse=True)
def restored_gc() -> Iterator[None]:
    """Give the next test the garbage collector this one found.

    The TUI and `watch` engines (`freeze_gc=True`) raise the young-generation threshold and
    freeze the heap of the process they run in: in-process tests would otherwise hand a frozen
    heap and a changed threshold to every later test in the same xdist worker.
    """
    threshold = gc.get_threshold()
    was_frozen = gc.get_freeze_count() > 0
    yield
    if not was_frozen:
        gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.fixture
def fake_clock() -> FakeClock:
    """A clock whose sleeps are instant (jitter off: random() = 0 subtracts nothing)."""
    return FakeClock(jitter=0.0)


@pytest.fixture
def virtual_clock() -> FakeClock:
    """`fake_clock` whose watchdog and deadlines fire without real waiting (see `FakeClock`)."""
    return FakeClock(jitter=0.0, virtual_timeouts=True)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """A state folder in the test's own tmp_path, not yet created (opening a store makes it)."""
    return tmp_path / "state"


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    """A reference server on 127.0.0.1 with short intervals (`fast_config()`).

    tests/app/conftest.py has its own `server` (a plain config) for the app tests.
    """
    async with RunningServer(fast_config()) as running:
        yield running


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for `server` that sends the user token in the header."""
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
        yield http


@pytest.fixture(autouse=True)
def _quick_idle_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot waits after every key for the process to look idle, sampling in 20 ms sleeps
    (`textual._wait`): a test typing a date paid ≈ 40 ms a key in sleeps alone. Sampling every
    5 ms detects the same idleness (CPU time well below wall time) four times sooner; the
    tests still wait for what they check (`wait_for`), never for a fixed time."""
    import textual._wait

    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", 1 / 200)
    monkeypatch.setattr(textual._wait, "SLEEP_IDLE", 1 / 200 / 20)


#: The young generation's threshold in the test processes (CPython's is 700).
SUITE_YOUNG_GC_THRESHOLD = 10_000


def pytest_configure(config: pytest.Config) -> None:
    """Collect the youngest GC generation every 10,000 net container allocations, not 700.

    A test worker is a long-running process with a large heap (Textual, pydantic, a reference
    server, every module of ours), and the frequent young collections escalate to full ones
    that walk all of it: measured on the app and snapshot tests, a third of their CPU (60 s →
    43 s for 131 tests; 50,000 gained nothing more). It is what `client/heap.py` does for the
    TUI and `watch` (20,000) for the same reason; below that, so `tests/test_heap.py` still
    sees the product's policy as a change. Garbage without cycles is freed at once as ever.
    """
    del config
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, SUITE_YOUNG_GC_THRESHOLD), middle, old)


@pytest.fixture(autouse=True, scope="session")
def _css_parsed_once() -> Iterator[None]:
    """Each stylesheet parsed once per worker, not once per app (`tests/shared_css.py`)."""
    with pytest.MonkeyPatch.context() as patch:
        share_parsed_css(patch)
        yield


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. Half of the suite's time is waiting, not computing
    (real servers and `watch` processes, Pilot's idle checks, the open-phase deadline test),
    so two workers a core keep the cores busy: on 2 cores, -n 2 took 150 s, -n 4 110–120 s
    (3 runs, all green), -n 6 135 s (the CPU work itself grows with contention)."""
    import os

    return 2 * len(os.sched_getaffinity(0))


@pytest.fixture(autouse=True)
def seen_at_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Pilot or snapshot test presses its keys once it has waited for what they act on, as
    a user who has looked at the screen: the guard against answer keys typed before an item
    could be seen (`atp_tui.view.arrivals`, one second) would only slow these tests down. The
    tests of that guard are marked `unseen_guard` and keep it; the tmux tests run the real
    program and wait instead."""
    if request.node.get_closest_marker("unseen_guard") is None:
        monkeypatch.setattr(arrivals, "UNSEEN_SECONDS", 0.0)
