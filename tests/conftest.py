"""Shared fixtures: isolated user dirs, a fake clock, and engine helpers."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atp_tui.protocol.clock import Clock


class FakeClock(Clock):
    """Sleeps return at once and advance monotonic time; waits are recorded."""

    def __init__(self, start: datetime | None = None, jitter: float = 1.0) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []
        self.start = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        self.jitter = jitter

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += max(0.0, seconds)
        await asyncio.sleep(0)

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
