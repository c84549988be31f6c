"""When the main screen's clock wakes: with `--low-bandwidth` (no tick every second), when
something shown changes; otherwise also at an expiry that falls between two ticks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from atp_tui.view.items import age_changes_in
from atp_tui.view.wakes import next_wake

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen

#: A backstop for what the estimates do not cover: the screen wakes at least once a minute.
LONGEST_SLEEP = 60.0


def sleep_until_change(screen: MainScreen, next_count_change: datetime | None) -> float:
    """Seconds until a shown time or a count changes: a visible countdown or age, the detail
    pane's, the last event's age (text-only steps gathered on the clock grid, `view/wakes.py`);
    exactly at an expiry, a snooze's end (`next_count_change`: an item expires or becomes due
    soon) or an open dialog's next second."""
    now = screen.now()
    steps = [
        screen.inbox.changes_in(),
        screen.detail.changes_in(now),
        age_changes_in(screen.last_event, now) if screen.last_event else None,
        LONGEST_SLEEP,
    ]
    due = None if next_count_change is None else (next_count_change - now).total_seconds()
    live = screen.answering.live_seconds()  # a dialog's time left, to the second
    return next_wake(now, steps, [screen.snoozing.seconds_to_wake(now), due, live])


def before_next_tick(now: datetime, next_count_change: datetime | None) -> float | None:
    """Seconds until a count changes (an item expires or becomes due soon), when that falls
    before the next once-a-second tick; else `None`. Between two ticks an expired item looked
    open (`!0s`, "answer with 1–9", counted open) for up to a second (found by an independent
    QA pass)."""
    if next_count_change is None:
        return None
    delay = (next_count_change - now).total_seconds()
    return delay if 0 < delay < 1.0 else None


def next_wake_in(screen: MainScreen, next_count_change: datetime | None) -> float | None:
    """Seconds until the screen's clock must wake besides its regular tick (`None`: it need
    not): `sleep_until_change` with `--low-bandwidth`, else `before_next_tick`."""
    if screen.atp.settings.low_bandwidth:
        return sleep_until_change(screen, next_count_change)
    return before_next_tick(screen.now(), next_count_change)
