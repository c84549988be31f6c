"""An answer key on an item that appeared too recently to have been seen is not applied
(`atp_tui.view.arrivals`); once it has been on screen for `UNSEEN_SECONDS`, it is.

The app runs on a clock whose monotonic time the test moves on; the tmux tests
(`test_pty_arrivals.py`) type the keys into the real program.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from atp_tui.screens.key_order import BURST_GAP
from atp_tui.server import RunningServer
from atp_tui.view.arrivals import UNSEEN_SECONDS, RecentArrivals
from atp_tui.widgets.detail import DetailPane
from tests.app.conftest import in_minutes, make_live_app, settled, wait_for
from tests.app.test_answering import PLAIN, add, started
from tests.conftest import FakeClock
from tests.server_helpers import notification_body

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


def test_a_new_row_the_cursor_moved_over_is_crossed() -> None:
    """Rows a(0) b(1) c(2), cursor on a. x is merged in at row 1 and `jj` (counted for the
    rows before it) lands on b instead of c: x lies on the way, so the answer key waits."""
    now = [100.0]
    arrivals = RecentArrivals(lambda: now[0])
    rows = ["a", "b", "c"]
    arrivals.cursor_at("a")
    now[0] += 5.0
    rows.insert(1, "x")
    arrivals.appeared(["x"])
    assert arrivals.crossed("a", rows.index) is None  # no move since: nothing counted wrong
    now[0] += 0.1
    arrivals.cursor_at("x")
    arrivals.cursor_at("b")
    assert arrivals.crossed("b", rows.index) == "x"
    now[0] += UNSEEN_SECONDS
    assert arrivals.crossed("b", rows.index) is None  # seen by now


def test_a_new_row_outside_the_moves_is_not_crossed() -> None:
    """x merged in above the cursor (the rows keep the cursor's item) or below where the
    keys went: the keys still land where they were meant; `g` to the top crosses one above."""
    now = [100.0]
    arrivals = RecentArrivals(lambda: now[0])
    rows = ["a", "b", "c", "d"]
    arrivals.cursor_at("b")
    rows[0:0] = ["above"]
    rows.append("below")
    arrivals.appeared(["above", "below"])
    now[0] += 0.1
    arrivals.cursor_at("c")
    arrivals.cursor_at("d")
    assert arrivals.crossed("d", rows.index) is None
    arrivals.cursor_at("above")  # `g`
    arrivals.cursor_at("a")
    assert arrivals.crossed("a", rows.index) == "above"


def test_a_changed_row_is_not_a_new_one() -> None:
    """An item changed in place (sent again) moves no row: moving over it is no crossing."""
    now = [100.0]
    arrivals = RecentArrivals(lambda: now[0])
    rows = ["a", "b", "c"]
    arrivals.cursor_at("a")
    arrivals.changed(["b"])
    now[0] += 0.1
    arrivals.cursor_at("b")
    arrivals.cursor_at("c")
    assert arrivals.crossed("c", rows.index) is None


async def test_an_answer_after_moving_over_a_newcomer_is_not_applied(
    server: RunningServer,
) -> None:
    """The independent check's case in the app: rows due in 10, 20, 30 min, cursor on the
    first; one due in 15 min arrives and `jj1` (typed for the rows before it) would answer
    the 20-min row, which no key aimed at. Refused; after a look, the same keys answer."""
    for title, minutes in (("ten", 10), ("twenty", 20), ("thirty", 30)):
        body = notification_body(title=title, actions=[PLAIN], deadline=in_minutes(minutes))
        server.state.add_notification(body)
    clock = FakeClock(start=datetime.now(UTC))
    app = make_live_app(server.url, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 3)
        clock.offset += UNSEEN_SECONDS
        body = notification_body(title="fifteen", actions=[PLAIN], deadline=in_minutes(15))
        server.state.add_notification(body)
        await started(pilot, 4)
        await pilot.press("j", "j", "1")
        await settled(pilot)
        assert server.state.respond_attempts == []
        assert "“fifteen” just appeared among the rows you moved over" in toasts(app)
        clock.offset += UNSEEN_SECONDS
        await pilot.pause(2 * BURST_GAP)
        await pilot.press("g", "j", "j", "1")
        await wait_for(pilot, lambda: server.state.responses)
        await settled(pilot)
    titles = {n["id"]: n["context"]["title"] for n in server.state.notifications.values()}
    assert [titles[r["notification_id"]] for r in server.state.responses] == ["twenty"]


@asynccontextmanager
async def _three_rows_seen(
    server: RunningServer,
) -> AsyncIterator[tuple[Any, Any, FakeClock, dict[str, str]]]:
    """The app on rows due in 10, 20 and 30 min, looked at for `UNSEEN_SECONDS`: (app,
    pilot, its clock, title → id)."""
    ids = {}
    for title, minutes in (("ten", 10), ("twenty", 20), ("thirty", 30)):
        body = notification_body(title=title, actions=[PLAIN], deadline=in_minutes(minutes))
        ids[title] = server.state.add_notification(body)["id"]
    clock = FakeClock(start=datetime.now(UTC))
    app = make_live_app(server.url, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 3)
        # Everything the rows' arrival set off handled (the cursor placed) before the look.
        await wait_for(pilot, lambda: app.main.inbox.cursor_id == ids["ten"])
        await settled(pilot)
        clock.offset += UNSEEN_SECONDS
        yield app, pilot, clock, ids


@pytest.mark.parametrize(
    "keys", [("j", "1", "y"), ("j", "space", "1", "y")], ids=["mark-elsewhere", "space-marks"]
)
async def test_marks_take_no_key_on_a_newcomer_either(
    server: RunningServer, keys: tuple[str, ...]
) -> None:
    """An independent check: with a mark elsewhere (`j1y`) or marking in the burst
    (`j 1y`), a row that appeared an instant before under the cursor was answered, the
    bulk answer skipping the guard a single answer has. Refused now, nothing marked."""
    async with _three_rows_seen(server) as (app, pilot, _clock, ids):
        if keys[1] != "space":
            app.main.bulk.marks.toggle(ids["thirty"])  # marked a while ago
        body = notification_body(title="fifteen", actions=[PLAIN], deadline=in_minutes(15))
        fifteen = server.state.add_notification(body)["id"]
        await started(pilot, 4)
        await pilot.press(*keys)
        await settled(pilot)
        assert server.state.respond_attempts == []
        assert "“fifteen” just appeared" in toasts(app)
        assert fifteen not in app.main.bulk.marks


async def test_a_bulk_answer_is_refused_when_a_marked_item_just_changed(
    server: RunningServer,
) -> None:
    """A marked item the server sent again with other content a moment ago was marked as it
    was before: the bulk answer waits, naming it."""
    async with _three_rows_seen(server) as (app, pilot, clock, ids):
        app.main.bulk.marks.toggle(ids["thirty"])
        app.main.arrivals.changed([ids["thirty"]])
        await pilot.press("1", "y")
        await settled(pilot)
        assert server.state.respond_attempts == []
        assert "“thirty” just changed: 1 was not applied to the marked items" in toasts(app)
        clock.offset += UNSEEN_SECONDS
        await pilot.pause(2 * BURST_GAP)
        await pilot.press("1", "y")
        await wait_for(pilot, lambda: len(server.state.responses) == 2)
        await settled(pilot)
    assert {r["notification_id"] for r in server.state.responses} == {ids["ten"], ids["thirty"]}


async def test_an_action_chosen_in_the_list_on_a_newcomer_is_refused_in_its_own_words(
    server: RunningServer,
) -> None:
    """`j⏎⏎` (Enter opens the action list, Enter picks the first action) on a row
    that appeared an instant before: refused, and the toast names what was pressed, not a
    digit nobody typed (an independent check)."""
    nid = add(server, "Fresh arrival", [PLAIN])
    clock = FakeClock(start=datetime.now(UTC))
    app = make_live_app(server.url, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        app.main.on_detail_pane_action_chosen(
            DetailPane.ActionChosen(nid, 1)  # what Enter on action 1 posts
        )
        await settled(pilot)
        assert server.state.respond_attempts == []
        assert "“Fresh arrival” just appeared: the action chosen was not applied" in toasts(app)
