"""The heartbeat watchdog's wait for the next chunk (SSE-CLIENT-RULES G6, cases 53 and 55)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from atp_tui.client.watchdog import Heartbeat, Lull
from tests.conftest import FakeClock

T = TypeVar("T")


class CountingClock(FakeClock):
    """Records the bounded waits; they time out without real waiting."""

    def __init__(self) -> None:
        super().__init__(virtual_timeouts=True)
        self.waits: list[float] = []

    async def wait_for(self, awaitable: Awaitable[T], seconds: float) -> T:
        self.waits.append(seconds)
        return await super().wait_for(awaitable, seconds)


async def test_queued_chunks_come_in_order_each_through_the_bounded_wait() -> None:
    """Each chunk goes through the clock's wait, queued or not: the loop turns once a chunk
    (the reader task keeps the socket drained)."""
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    queue: asyncio.Queue[object] = asyncio.Queue()
    for chunk in (b"a", b"b", b"c"):
        queue.put_nowait(chunk)
    taken = [await heartbeat.next_item(queue, quiet_after=1.0) for _ in range(3)]
    assert taken == [b"a", b"b", b"c"]
    assert clock.waits == [1.0, 1.0, 1.0]


async def test_an_empty_queue_waits_for_the_quiet_period_then_the_heartbeat() -> None:
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    queue: asyncio.Queue[object] = asyncio.Queue()
    assert await heartbeat.next_item(queue, quiet_after=1.0) is Lull.QUIET
    assert await heartbeat.next_item(queue) is Lull.SILENT
    assert clock.waits[0] == 1.0
    assert 28.0 < clock.waits[1] <= 30.0


async def test_only_a_completed_line_moves_the_heartbeat_on() -> None:
    """Case 53: chunks that complete no line do not call `fed`; the wait shrinks to nothing.
    A line resets it to the whole timeout."""
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    queue: asyncio.Queue[object] = asyncio.Queue()
    clock.offset += 31.0
    assert await heartbeat.next_item(queue) is Lull.SILENT
    assert clock.waits == [0.0]
    heartbeat.fed()
    queue.put_nowait(b"line\n")
    assert await heartbeat.next_item(queue) == b"line\n"
    assert 29.0 < clock.waits[1] <= 30.0
