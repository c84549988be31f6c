"""An answer key on an item that appeared too recently to have been seen is not applied
(`atp_tui.view.arrivals`); once it has been on screen for `UNSEEN_SECONDS`, it is.

The app runs on a clock whose monotonic time the test moves on; the tmux tests
(`test_pty_arrivals.py`) type the keys into the real program.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from atp_tui.screens.key_order import BURST_GAP
from atp_tui.server import RunningServer
from atp_tui.view.arrivals import UNSEEN_SECONDS, RecentArrivals
from tests.app.conftest import make_live_app, settled, wait_for
from tests.app.test_answering import PLAIN, add, started
from tests.conftest import FakeClock

pytestmark = pytest.mark.unseen_guard


def toasts(app: Any) -> str:
    return "\n".join(str(toast.message) for toast in app._notifications)


async def test_refused_at_once_then_taken_once_seen_and_being_read_does_not_restart_it(
    server: RunningServer,
) -> None:
    nid = add(server, "Fresh arrival", [PLAIN])
    clock = FakeClock(start=datetime.now(UTC))
    app = make_live_app(server.url, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("1")
        await settled(pilot)
        assert server.state.respond_attempts == []
        assert "“Fresh arrival” just appeared: 1 was not applied" in toasts(app)
        clock.offset += UNSEEN_SECONDS
        # Marked read by now (the unread timer): the item is redrawn, not new again.
        app.main.mark_read(nid)
        await pilot.pause(2 * BURST_GAP)  # a key sooner would be the refused burst's rest
        await pilot.press("1")
        await wait_for(pilot, lambda: server.state.responses)
        await settled(pilot)
    assert [r["notification_id"] for r in server.state.responses] == [nid]


def test_recent_arrivals_forget_what_is_no_longer_recent() -> None:
    now = [100.0]
    arrivals = RecentArrivals(lambda: now[0])
    arrivals.appeared(["a", "b"])
    assert arrivals.unseen("a") and arrivals.unseen("b") and not arrivals.unseen("c")
    now[0] += UNSEEN_SECONDS / 2
    arrivals.appeared(["b"])  # back again (a snooze ended): counted from now
    now[0] += UNSEEN_SECONDS / 2
    assert not arrivals.unseen("a") and arrivals.unseen("b")
    arrivals.appeared([])
    assert list(arrivals._since) == ["b"]  # "a" forgotten
    now[0] += UNSEEN_SECONDS
    assert not arrivals.unseen("b")
