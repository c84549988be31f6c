"""Desktop notifications from the TUI: what the app writes to the terminal for new items."""

from __future__ import annotations

import pytest
from textual.drivers.headless_driver import HeadlessDriver

from atp_tui.settings import Settings
from tests.app.conftest import wait_for
from tests.snapshots.harness import (
    CONNECTED,
    TERMINAL_ENV,
    FrozenClock,
    make_app,
    notification,
    received,
)

WEZTERM = {**TERMINAL_ENV, "TERM_PROGRAM": "WezTerm"}


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Everything the app writes through its driver (Pilot runs the headless driver, whose
    `write` discards; the app's escape sequences go through it exactly as on a terminal)."""
    captured: list[str] = []

    def capture(self: HeadlessDriver, data: str) -> None:
        captured.append(data)

    monkeypatch.setattr(HeadlessDriver, "write", capture)
    return captured


#: The desktop notification sequences (Textual writes others itself, e.g. OSC 22 for the pointer).
NOTIFY_PREFIXES = ("\x1b]9;", "\x1b]777;", "\x1b]99;")


def osc(written: list[str]) -> list[str]:
    """The desktop notification sequences among what was written."""
    return [data for data in written if data.startswith(NOTIFY_PREFIXES)]


class TestDesktopNotifications:
    async def test_a_new_urgent_notification_writes_one_osc9(self, written: list[str]) -> None:
        calm = notification("n1", "Rotate logs?", deadline=600)
        urgent = notification("n2", "Fail over;\x1b]0;x\x07 now?", deadline=5, service="db-bot")
        app = make_app([CONNECTED, *received([calm, urgent])], env=WEZTERM)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count == 2)
            await pilot.pause()
        assert osc(written) == ["\x1b]9;ATP: db-bot: Fail over ␛]0 x␇ now?\x07"]

    async def test_nothing_for_calm_items_under_urgent_only(self, written: list[str]) -> None:
        app = make_app([CONNECTED, *received([notification("n1", "Later", deadline=600)])])
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
            await pilot.pause()
        assert osc(written) == []

    async def test_a_burst_is_one_notification_then_a_summary(self, written: list[str]) -> None:
        burst = [notification(f"n{i}", f"item {i}", deadline=600) for i in range(300)]
        settings = Settings(notify="osc777", notify_on="all")
        clock = FrozenClock()
        app = make_app([CONNECTED, *received(burst)], settings=settings, env=WEZTERM, clock=clock)
        app.desktop.limiter.interval = 0.2  # the summary's timer is real time: keep it short
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count == 300)
            assert len(osc(written)) == 1  # the app's clock has not moved: the rest wait
            clock.advance(0.2)
            await wait_for(pilot, lambda: len(osc(written)) == 2)
            # Nothing is left folded, so no third notification can come.
            await wait_for(pilot, lambda: app.desktop.limiter.folded == 0)
            await pilot.pause()
        first, summary = osc(written)
        assert first.startswith("\x1b]777;notify;ATP: deploy-bot;item ")
        folded = 299 - int(first.split("(+")[1].split(" ")[0]) if "(+" in first else 299
        assert summary == f"\x1b]777;notify;ATP;{folded:,} more notifications need attention\x07"

    async def test_off_writes_nothing(self, written: list[str]) -> None:
        urgent = notification("n1", "Now!", deadline=1)
        settings = Settings(notify="off")
        app = make_app([CONNECTED, *received([urgent])], settings=settings, env=WEZTERM)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
            await pilot.pause()
        assert osc(written) == [] and "\x07" not in written  # not even the bell fallback
