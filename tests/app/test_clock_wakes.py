"""The main screen's clock wakes when what it shows changes (found by an independent QA pass).

- An item expiring between two once-a-second ticks looked open (`!0s`, "answer with 1–9",
  counted open) for up to a second: the clock now also wakes at the expiry itself.
- With `--low-bandwidth`, rows that came into view when the terminal grew kept a stale
  countdown for up to 40 s: a resize plans the next wake for the rows now in view.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from atp_tui.protocol.clock import SYSTEM_CLOCK
from atp_tui.screens.clock import before_next_tick
from atp_tui.screens.main import MainScreen
from atp_tui.settings import Settings
from tests.app.conftest import wait_for
from tests.snapshots.harness import CONNECTED, make_app, notification, received
from tests.snapshots.harness import NOW as HARNESS_NOW

NOW = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)


def shown(main: MainScreen) -> str:
    """What the status bar shows now (its counts are what the screen drew)."""
    return str(main.query_one("#status-bar").render())


def test_before_next_tick_only_for_a_change_inside_the_coming_second() -> None:
    assert before_next_tick(NOW, NOW + timedelta(seconds=0.4)) == 0.4
    assert before_next_tick(NOW, NOW + timedelta(seconds=1.5)) is None  # a tick comes first
    assert before_next_tick(NOW, NOW) is None  # passed: the counts have it already
    assert before_next_tick(NOW, None) is None


async def test_an_item_expires_on_the_screen_at_its_deadline_not_at_the_next_tick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Half a second after a tick the deadline passes: the row closes then, not half a
    second later at the next tick."""
    ticks: list[float] = []
    tick = MainScreen.tick

    def counted(screen: MainScreen) -> None:
        ticks.append(time.monotonic())
        tick(screen)

    monkeypatch.setattr(MainScreen, "tick", counted)
    app = make_app([CONNECTED], clock=SYSTEM_CLOCK, ticking=True)  # type: ignore[arg-type]
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.main
        await wait_for(pilot, lambda: len(ticks) >= 2, timeout=3)  # the one-second clock
        since_tick = time.monotonic() - ticks[-1]
        deadline = datetime.now(UTC) + timedelta(seconds=1.5 - since_tick)
        # The harness counts minutes from its own fixed moment.
        minutes = (deadline - HARNESS_NOW).total_seconds() / 60
        created = (datetime.now(UTC) - HARNESS_NOW).total_seconds() / 60 - 1
        item = notification("soon", "expires between two ticks", created=created, deadline=minutes)
        app.engine.push(*received([item]))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: main.inbox.row_count == 1)
        await wait_for(pilot, lambda: " 1 open" in shown(main))
        await wait_for(pilot, lambda: " 0 open" in shown(main), timeout=5)
        late = (datetime.now(UTC) - deadline).total_seconds()
    assert late < 0.3, f"closed {late:.2f} s after its deadline"


async def test_low_bandwidth_plans_its_wake_again_after_a_resize() -> None:
    app = make_app(
        [CONNECTED, *received([notification("n", "one", deadline=30)])],
        settings=Settings(low_bandwidth=True),
        ticking=True,
    )
    async with app.run_test(size=(60, 18)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        calls: list[int] = []
        tick = app.main.tick
        app.main.tick = lambda: (calls.append(1), tick())  # type: ignore[method-assign,func-returns-value]
        await pilot.resize_terminal(150, 40)
        await wait_for(pilot, lambda: bool(calls), timeout=3)
    await asyncio.sleep(0)
