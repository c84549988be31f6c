"""When the low-bandwidth screen wakes (`view/wakes.py`): minute steps gathered on a 5 s grid
of the clock, expiry and snooze moments exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atp_tui.view.wakes import AFTER_CHANGE, STEP_GRID, next_wake

NOW = datetime(2026, 12, 5, 12, 0, 1, 300_000, tzinfo=UTC)  # 1.3 s past a grid line


def test_a_step_waits_for_the_next_grid_line() -> None:
    assert next_wake(NOW, [2.0], []) == pytest.approx(3.7 + AFTER_CHANGE)
    assert next_wake(NOW, [2.0, None, 40.0], [None]) == pytest.approx(3.7 + AFTER_CHANGE)


def test_a_step_on_a_grid_line_is_not_moved() -> None:
    assert next_wake(NOW, [3.7], []) == pytest.approx(3.7 + AFTER_CHANGE)


def test_an_expiry_or_a_snooze_is_exact() -> None:
    assert next_wake(NOW, [2.0], [0.5]) == pytest.approx(0.5 + AFTER_CHANGE)
    assert next_wake(NOW, [2.0], [None, 1.25]) == pytest.approx(1.25 + AFTER_CHANGE)
    assert next_wake(NOW, [], [30.0]) == pytest.approx(30.0 + AFTER_CHANGE)


def test_past_moments_wake_at_once() -> None:
    assert next_wake(NOW, [-3.0], []) == pytest.approx(3.7 + AFTER_CHANGE)
    assert next_wake(NOW, [2.0], [-1.0]) == pytest.approx(AFTER_CHANGE)


def test_steps_at_every_second_of_a_minute_wake_the_screen_twelve_times() -> None:
    """30 rows whose ages and countdowns step at their own seconds: one wake per second
    (≈ 50 bytes of a frame's own escape sequences each) became one per 5 s."""
    start = NOW.replace(second=0, microsecond=0)
    wakes = set()
    for second in range(60):
        moment = start + timedelta(seconds=second + 0.4)
        wake = moment + timedelta(seconds=next_wake(moment, [0.2], []))
        wakes.add(round(wake.timestamp() - AFTER_CHANGE, 3))
    assert len(wakes) == 60 / STEP_GRID


def test_nothing_to_wake_for_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="nothing to wake for"):
        next_wake(NOW, [None], [None])
