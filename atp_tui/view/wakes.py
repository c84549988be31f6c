"""When a screen without the once-a-second tick (the `low_bandwidth` setting) wakes next.

It sleeps until something shown changes. Text that only steps (a countdown's or an age's next
minute) waits for the next multiple of `STEP_GRID` seconds of the clock, so the steps of many
rows go out in one frame: waking for each row's own second cost more bytes than the
once-a-second tick it replaces (a frame's own escape sequences, ≈ 50 bytes, for one cell).
What must not be late, an item expiring or a snooze ending, wakes at its moment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

#: Seconds of the clock the text-only steps are gathered on (they show minutes: late by less
#: than this).
STEP_GRID = 5.0
#: Waking a hair after a change: a hair early would find the text unchanged.
AFTER_CHANGE = 0.05


def next_wake(
    now: datetime, steps: Iterable[float | None], moments: Iterable[float | None]
) -> float:
    """Seconds until the next wake: the soonest of `moments` (seconds until each, exact) and
    of `steps` (seconds until each, put on the clock's `STEP_GRID`); `None`s are skipped."""
    waits = [wait for wait in moments if wait is not None]
    soonest_step = min((wait for wait in steps if wait is not None), default=None)
    if soonest_step is not None:
        at = now.timestamp() + max(0.0, soonest_step)
        waits.append(math.ceil(at / STEP_GRID) * STEP_GRID - now.timestamp())
    if not waits:
        raise ValueError("next_wake: nothing to wake for")
    return max(0.0, min(waits)) + AFTER_CHANGE
