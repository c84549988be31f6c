"""An injectable clock: monotonic time for waits, wall time for deadlines, sleep, bounded waits
and jitter.

Tests hand in a fake so that backoff schedules, the heartbeat watchdog and deadlines are checked
without real waiting.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


class Clock:
    """The real clock. Subclass and override to fake time in tests."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (for backoff, watchdog, rate limits)."""
        return time.monotonic()

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware UTC (for deadlines and log entries)."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`; cancellable."""
        await asyncio.sleep(max(0.0, seconds))

    async def wait_for(self, awaitable: Awaitable[T], seconds: float) -> T:
        """Await `awaitable` for at most `seconds`: its result, or `TimeoutError` (it is then
        cancelled, as by `asyncio.wait_for`). A wait bounded here, not by `asyncio` directly,
        is a wait a fake clock can end without real time passing."""
        return await asyncio.wait_for(awaitable, max(0.0, seconds))

    def random(self) -> float:
        """A uniform number in [0, 1) for jitter."""
        return random.random()


SYSTEM_CLOCK = Clock()
