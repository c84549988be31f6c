"""The respond client's hold on one notification's answer lock (`atp_tui.store.answer_locks`):
while another process sharing the state dir answers the same notification, wait for it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from atp_tui.client.respond_outcome import RespondOutcome
from atp_tui.store import Store
from atp_tui.store.answer_locks import AnswerLocks

#: How long an answer waits for another process answering the same notification: that one
#: ends within its retry budget (120 s) and two request deadlines (30 s each), plus a margin.
LOCK_WAIT = 210.0
#: How often the lock is tried meanwhile.
LOCK_POLL = 0.05


@contextlib.asynccontextmanager
async def answer_lock(store: object, notification_id: str) -> AsyncIterator[RespondOutcome | None]:
    """Hold `notification_id`'s answer lock in `store`'s state dir for the block (nothing to
    hold for a store in memory, or none); yields `None`, or the outcome to report (nothing
    sent) when the lock could not be had."""
    locks = store.answer_locks if isinstance(store, Store) else None
    if locks is None:
        yield None
        return
    refused = await _take(locks, notification_id)
    if refused is not None:
        yield refused
        return
    try:
        yield None
    finally:
        locks.unlock(notification_id)


async def _take(locks: AnswerLocks, notification_id: str) -> RespondOutcome | None:
    """Wait for the lock; `None` once held, else why it could not be had."""
    waited = time.monotonic()  # another process's pace: real time, not an injected clock's
    try:
        while not locks.try_lock(notification_id):
            if time.monotonic() - waited > LOCK_WAIT:
                return RespondOutcome(
                    "failed",
                    "not sent: another atp-tui on this state dir is still answering this "
                    f"notification after {LOCK_WAIT:g} s; try again when it is done",
                )
            await asyncio.sleep(LOCK_POLL)
    except OSError as error:
        return RespondOutcome("failed", f"not sent: cannot take the answer lock ({error})")
    return None
