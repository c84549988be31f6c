"""The heartbeat watchdog's wait for the next chunk (SSE-CLIENT-RULES G6, cases 53 and 55).

A chunk already queued is taken without a bounded wait (a burst: the reader is ahead), but
only while the heartbeat timeout has not passed: past it, the wait decides, as for an empty
queue, so queued bytes that complete no line cannot keep a dead stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from atp_tui.client.watchdog import Heartbeat, Lull
from tests.conftest import FakeClock

T = TypeVar("T")


class CountingClock(FakeClock):
    """Counts the bounded waits; they time out at once (fake time moves by their timeout)."""

    def __init__(self) -> None:
        super().__init__(virtual_timeouts=True)
        self.waits: list[float] = []

    async def wait_for(self, awaitable: Awaitable[T], seconds: float) -> T:
        self.waits.append(seconds)
        return await super().wait_for(awaitable, seconds)


async def test_queued_chunks_are_taken_in_order_without_a_bounded_wait() -> None:
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    queue: asyncio.Queue[object] = asyncio.Queue()
    for chunk in (b"a", b"b", b"c"):
        queue.put_nowait(chunk)
    taken = [await heartbeat.next_item(queue, quiet_after=1.0) for _ in range(3)]
    assert taken == [b"a", b"b", b"c"]
    assert clock.waits == []


async def test_an_empty_queue_waits_for_the_quiet_period_then_the_heartbeat() -> None:
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    queue: asyncio.Queue[object] = asyncio.Queue()
    assert await heartbeat.next_item(queue, quiet_after=1.0) is Lull.QUIET
    assert await heartbeat.next_item(queue) is Lull.SILENT
    assert clock.waits[0] == 1.0
    assert 28.0 < clock.waits[1] <= 30.0


async def test_past_the_heartbeat_timeout_a_queued_chunk_does_not_skip_the_wait() -> None:
    """Case 53: chunks kept coming but completed no line (`fed` was not called): once the
    timeout has passed, a queued chunk goes through the bounded wait like an empty queue."""
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    clock.offset += 31.0
    queue: asyncio.Queue[object] = asyncio.Queue()
    queue.put_nowait(b"no line end")
    await heartbeat.next_item(queue)
    assert clock.waits == [0.0]
    heartbeat.fed()
    queue.put_nowait(b"more\n")
    assert await heartbeat.next_item(queue) == b"more\n"
    assert clock.waits == [0.0]
