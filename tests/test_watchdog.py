"""The heartbeat watchdog's wait for the next chunk (SSE-CLIENT-RULES G6, cases 53 and 55)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from atp_tui.client.watchdog import Heartbeat, Lull
from atp_tui.protocol.clock import SYSTEM_CLOCK
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


async def test_queued_chunks_come_in_order_and_the_loop_turns_once_for_each() -> None:
    """A queued chunk is taken without a bounded wait (a task and a timer: 26 µs a chunk),
    but the loop turns once before each one all the same, so the reader task keeps the
    socket drained while a burst is parsed."""
    clock = CountingClock()
    heartbeat = Heartbeat(clock, timeout=30.0)
    queue: asyncio.Queue[object] = asyncio.Queue()
    for chunk in (b"a", b"b", b"c"):
        queue.put_nowait(chunk)
    turns: list[str] = []

    async def other_task() -> None:
        while True:
            turns.append("turn")
            await asyncio.sleep(0)

    runner = asyncio.create_task(other_task())
    await asyncio.sleep(0)  # it runs once, then takes a turn at each of ours
    taken: list[object] = []
    for _ in range(3):
        taken.append(await heartbeat.next_item(queue, quiet_after=1.0))
        taken.append(len(turns))
    runner.cancel()
    assert taken == [b"a", 2, b"b", 3, b"c", 4]
    assert clock.waits == []
    # Once the queue is empty, the wait is bounded on the clock again.
    assert await heartbeat.next_item(queue, quiet_after=1.0) is Lull.QUIET
    assert clock.waits == [1.0]


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
    assert await heartbeat.next_item(queue) is Lull.SILENT
    assert 29.0 < clock.waits[1] <= 30.0


async def test_a_queued_chunk_after_the_timeout_is_not_taken() -> None:
    """With the heartbeat timeout passed, a chunk already queued does not rescue the stream:
    the wait of nothing decides, on the system clock as before the short way for queued
    chunks (`asyncio.wait_for` with no time left gives up before the queue is read)."""
    heartbeat = Heartbeat(SYSTEM_CLOCK, timeout=0.01)
    queue: asyncio.Queue[object] = asyncio.Queue()
    queue.put_nowait(b"late\n")
    await asyncio.sleep(0.02)
    assert await heartbeat.next_item(queue) is Lull.SILENT
