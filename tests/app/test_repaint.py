"""What the clock tick and a cursor key repaint (issue #12: bytes written over SSH).

The app runs under the snapshot harness's frozen clock, without its own tick: each test moves
the clock and calls the screen's `tick` itself, then counts the `refresh` calls the inbox, the
status bar and the detail pane's parts received. The bytes themselves are measured by
`bench/bandwidth.py` on a real pty, not here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from atp_tui.client.events import ConnectionChanged, ConnectionState
from atp_tui.widgets.inbox import InboxList
from atp_tui.widgets.inbox_rows import TIME_CELLS, changed_time_cells
from atp_tui.widgets.status_bar import StatusBar
from tests.app.conftest import wait_for
from tests.snapshots.harness import CONNECTED, FrozenClock, make_app, notification, received

SIZE = (150, 40)


def idle_inbox() -> list[Any]:
    """Open items, none urgent: deadlines 58m12s, 2h05m30s and none away."""
    return [
        notification("far", "Far deadline", created=-10, deadline=58.2),
        notification("later", "Later deadline", created=-30, deadline=125.5),
        notification("none", "No deadline", created=-90, deadline=None),
    ]


@contextmanager
def counting_refreshes(widgets: list[Widget]) -> Iterator[list[tuple[str, tuple[Region, ...]]]]:
    """Record `(widget id, regions)` for every `refresh` of `widgets` meanwhile."""
    calls: list[tuple[str, tuple[Region, ...]]] = []
    originals = {}
    for widget in widgets:
        original = widget.refresh
        originals[widget] = original

        def counted(*regions: Region, _w: Widget = widget, _o: Any = original, **kw: Any) -> Any:
            calls.append((_w.id or type(_w).__name__, regions))
            return _o(*regions, **kw)

        widget.refresh = counted  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        for widget, original in originals.items():
            widget.refresh = original  # type: ignore[method-assign]


@contextmanager
def counting_layouts(screen: Any) -> Iterator[list[object]]:
    """Record every layout pass `screen` makes meanwhile."""
    layouts: list[object] = []
    original = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        layouts.append(args)
        original(*args, **kwargs)

    screen._refresh_layout = counted
    try:
        yield layouts
    finally:
        screen._refresh_layout = original


async def drawn(pilot: Any, inbox: InboxList) -> None:
    """Wait until the screen shows what the inbox would draw now (the last frame is out)."""
    await wait_for(pilot, lambda: inbox.refresh_changed() == 0)
    await pilot.pause()


@asynccontextmanager
async def idle_screen(clock: FrozenClock) -> AsyncIterator[tuple[Any, Any]]:
    """The app on `idle_inbox()` at `SIZE`, its rows and detail pane drawn: (app, pilot)."""
    app = make_app([CONNECTED, *received(idle_inbox())], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 3 and app.main.detail.notification_id)
        await drawn(pilot, inbox)
        yield app, pilot


def watched(app: Any) -> list[Widget]:
    """The widgets the tick may repaint: inbox, status bar and every part of the detail pane."""
    screen = app.main
    return [screen.query_one(InboxList), screen.query_one(StatusBar), *screen.detail.query(Static)]


@pytest.mark.asyncio
async def test_idle_tick_without_visible_change_refreshes_nothing() -> None:
    clock = FrozenClock()
    async with idle_screen(clock) as (app, pilot):
        inbox = app.main.inbox
        lines = [inbox.render_line(y).text for y in range(4)]
        assert "58m" in lines[0] and "58m12s" not in lines[0]
        for _ in range(5):  # five idle seconds: 58m12s → 58m07s, still "58m"
            with counting_refreshes(watched(app)) as calls:
                clock.advance(1)
                app.main.tick()
                await pilot.pause()
            assert calls == []
        assert [inbox.render_line(y).text for y in range(4)] == lines


@pytest.mark.asyncio
async def test_a_minute_step_refreshes_only_that_rows_time_cells() -> None:
    clock = FrozenClock()
    app = make_app([CONNECTED, *received(idle_inbox())], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 3 and app.main.detail.notification_id)
        inbox.select("later")  # the detail pane shows another item than the one that steps
        await drawn(pilot, inbox)
        before = inbox.render_line(0).text
        with counting_refreshes(watched(app)) as calls:
            clock.advance(13)  # 58m12s → 57m59s: "58m" becomes "57m"
            app.main.tick()
            await pilot.pause()
        after = inbox.render_line(0).text
        assert "57m" in after
        # Only the cell that changed ("8" → "7"), inside the time columns: over SSH every
        # other cell rewritten would be bytes sent for nothing.
        changed = [x for x, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        width = inbox.scrollable_content_region.width
        assert len(changed) == 1 and changed[0] >= width - TIME_CELLS
        assert calls == [("inbox", (Region(changed[0], 0, 1, 1),))]


@pytest.mark.asyncio
async def test_an_urgent_countdown_still_moves_every_second() -> None:
    clock = FrozenClock()
    items = [*idle_inbox(), notification("soon", "Due soon", created=-3, deadline=4.5)]
    app = make_app([CONNECTED, *received(items)], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 4 and app.main.detail.notification_id)
        await drawn(pilot, inbox)
        assert inbox.row_ids()[0] == "soon"
        before = inbox.render_line(0).text
        assert "4m30s" in before
        with counting_refreshes([inbox]) as calls:
            clock.advance(1)
            app.main.tick()
            await pilot.pause()
        after = inbox.render_line(0).text
        assert "4m29s" in after
        changed = [x for x, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert len(changed) == 2  # "30" → "29": those two cells only
        assert calls == [("inbox", (Region(changed[0], 0, 2, 1),))]


@pytest.mark.asyncio
async def test_a_cursor_key_repaints_two_rows_not_the_list() -> None:
    clock = FrozenClock()
    app = make_app([CONNECTED, *received(idle_inbox())], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 3 and app.main.detail.notification_id)
        await drawn(pilot, inbox)
        with counting_refreshes([inbox, app.main.query_one(StatusBar)]) as calls:
            await pilot.press("j")
            await pilot.pause()
        width = inbox.scrollable_content_region.width
        assert sorted(regions for _, regions in calls) == [
            (Region(0, 0, width, 1),),
            (Region(0, 1, width, 1),),
        ]


@pytest.mark.asyncio
async def test_a_reconnect_repaints_no_row() -> None:
    """The empty inbox's placeholder names the connection's state; with rows it is not drawn,
    and its change used to repaint every row, blank ones included (≈ 14 KB at 150×40, twice
    a reconnect: found against a server that closes its stream every minute)."""
    async with idle_screen(FrozenClock()) as (app, pilot):
        inbox = app.main.inbox
        placeholder = inbox.placeholder
        with counting_refreshes([inbox]) as calls:
            app.engine.push(  # type: ignore[attr-defined]
                ConnectionChanged(ConnectionState("reconnecting", "server closed", 1.0, 1)),
                ConnectionChanged(ConnectionState("connecting", "http://atp.example:8787")),
            )
            await wait_for(pilot, lambda: inbox.placeholder != placeholder)
            app.engine.push(CONNECTED)  # type: ignore[attr-defined]
            await wait_for(pilot, lambda: inbox.placeholder == placeholder)
            await pilot.pause()
        assert calls == []


@pytest.mark.asyncio
async def test_the_status_bar_repaints_the_cells_that_changed() -> None:
    """ "last event 1m ago" → "2m ago" is one cell, not the whole line (≈ 0.5 KB)."""
    clock = FrozenClock()
    app = make_app([CONNECTED, *received(idle_inbox())], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox, bar = app.main.inbox, app.main.query_one(StatusBar)
        await wait_for(pilot, lambda: inbox.total == 3 and app.main.detail.notification_id)
        clock.advance(61)
        app.main.tick()
        await drawn(pilot, inbox)
        before = bar.render().plain
        assert "last event 1m ago" in before
        with counting_refreshes([bar]) as calls:
            clock.advance(60)
            app.main.tick()
            await pilot.pause()
        after = bar.render().plain
        assert "last event 2m ago" in after
        changed = [x for x, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert calls == [(bar.id, (Region(changed[0], 0, 1, 1),))]


@pytest.mark.asyncio
async def test_the_empty_inbox_still_says_what_the_connection_does() -> None:
    clock = FrozenClock()
    app = make_app([CONNECTED], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: "appear here" in inbox.render_line(1).text)
        app.engine.push(  # type: ignore[attr-defined]
            ConnectionChanged(ConnectionState("connecting", "http://atp.example:8787"))
        )
        await wait_for(pilot, lambda: "Connecting to atp.example" in inbox.render_line(1).text)
        await drawn(pilot, inbox)
        assert "Connecting to atp.example" in app.main.inbox.render_line(1).text


def detail_varied() -> list[Any]:
    """Three items the pane shows differently: short with two actions, long enough to scroll
    with one, short again with three (so each key changes the pane's heights, action count
    and scroll bar)."""
    long = "\n\n".join(f"Paragraph {n}: the migration touches table {n}." for n in range(40))
    reply = {"id": "reply", "label": "Reply", "response_type": "text"}
    ok = {"id": "ok", "label": "OK", "response_type": "simple"}
    return [
        notification("short", "Short", created=-10, deadline=50, description="One line."),
        notification("long", "Long", created=-20, deadline=60, description=long, actions=[ok]),
        notification(
            "three",
            "Three actions",
            created=-30,
            deadline=70,
            description="Two\nlines.",
            actions=[ok, reply, {**ok, "id": "ok2", "label": "OK too"}],
        ),
    ]


@pytest.mark.asyncio
async def test_a_cursor_key_lays_the_detail_pane_out_once() -> None:
    """A new item in the pane (new heights, another number of actions, its scroll bar shown
    or hidden) is one layout pass, and the inbox's scroll bar is not repainted for it."""
    clock = FrozenClock()
    app = make_app([CONNECTED, *received(detail_varied())], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen, inbox = app.main, app.main.inbox
        detail = screen.detail
        await wait_for(pilot, lambda: inbox.total == 3 and detail.notification_id == "short")
        await drawn(pilot, inbox)
        for key in "jk":  # once there and back: the pane's scroll bar widget is made once
            await pilot.press(key)
            await pilot.pause()
        await wait_for(pilot, lambda: detail.notification_id == "short")
        for key, expected, scrolls in (
            ("j", "long", True),
            ("j", "three", False),
            ("k", "long", True),
        ):
            with (
                counting_layouts(screen) as layouts,
                counting_refreshes([inbox.vertical_scrollbar]) as bar_refreshes,
            ):
                await pilot.press(key)
                await wait_for(pilot, lambda e=expected: detail.notification_id == e)
                for _ in range(4):  # every pass and frame the key caused, however late
                    await pilot.pause()
            assert detail.show_vertical_scrollbar is scrolls
            assert len(layouts) == 1, f"{expected}: {len(layouts)} layout passes"
            assert bar_refreshes == []
        assert "Paragraph 39" in str(detail.query_one("#detail-description").render())


@pytest.mark.asyncio
async def test_new_rows_in_a_list_longer_than_the_pane_lay_nothing_out() -> None:
    """A burst onto a long inbox: each batch changes only how far the list scrolls. No layout
    pass (it repainted every row and cost a fifth of a 10,000-event burst); the scroll bar
    follows the new length, and the rows are there."""
    long = [notification(f"n{i}", f"Item {i}", created=-i, deadline=None) for i in range(60)]
    app = make_app([CONNECTED, *received(long)], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        screen, inbox = app.main, app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 60)
        await drawn(pilot, inbox)
        assert inbox.show_vertical_scrollbar
        more = [
            notification(f"m{i}", f"New {i}", created=-i - 100, deadline=None) for i in range(5)
        ]
        with counting_layouts(screen) as layouts:
            app.engine.push(*received(more))  # type: ignore[attr-defined]
            await wait_for(pilot, lambda: inbox.total == 65)
            for _ in range(4):
                await pilot.pause()
        assert layouts == []
        assert inbox.virtual_size.height == 65
        assert inbox.vertical_scrollbar.window_virtual_size == 65
        inbox.scroll_end(animate=False, immediate=True)
        await drawn(pilot, inbox)
        assert "New 4" in inbox.render_line(inbox.scrollable_content_region.height - 1).text


@pytest.mark.asyncio
async def test_the_row_that_no_longer_fits_brings_the_scroll_bar() -> None:
    """From rows that fit to rows that do not, the bar appears: that one takes a layout pass
    (the rows lose a column to it)."""
    app = make_app([CONNECTED, *received(idle_inbox())], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 3)
        assert not inbox.show_vertical_scrollbar
        more = [
            notification(f"m{i}", f"New {i}", created=-i - 100, deadline=None) for i in range(60)
        ]
        app.engine.push(*received(more))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: inbox.total == 63)
        await drawn(pilot, inbox)
        assert inbox.show_vertical_scrollbar
        assert inbox.vertical_scrollbar.window_virtual_size == 63


@pytest.mark.asyncio
async def test_the_terminal_losing_focus_repaints_the_inbox_not_the_screen() -> None:
    """An alt-tab or a tmux pane switch (focus reporting): Textual repainted the whole screen
    for it, twice (≈ 37 KB at 150×40 out and again in, an independent check found). Now the
    inbox (its cursor row's colour) is what is repainted; the cursor row still shows the
    unfocused colour while the terminal is away and the focused one when it is back."""
    async with idle_screen(FrozenClock()) as (app, pilot):
        screen, inbox = app.main, app.main.inbox
        focused_cursor = inbox.get_component_rich_style("inbox--cursor")
        with counting_refreshes([screen]) as calls:
            app.app_focus = False
            await wait_for(pilot, lambda: screen.focused is None)
            await pilot.pause()
            away_cursor = inbox.get_component_rich_style("inbox--cursor")
            app.app_focus = True
            await wait_for(pilot, lambda: screen.focused is inbox)
            await pilot.pause()
        assert calls == []
        assert away_cursor != focused_cursor
        assert inbox.get_component_rich_style("inbox--cursor") == focused_cursor


@pytest.mark.asyncio
async def test_escape_with_nothing_to_clear_repaints_nothing() -> None:
    """Escape in the inbox (no filter, the list focused): Textual's `focus()` repainted the
    whole list although it had focus already (14 KB at 150×40; a bandwidth survey)."""
    async with idle_screen(FrozenClock()) as (app, pilot):
        with counting_refreshes(watched(app)) as calls:
            await pilot.press("escape")
            await pilot.pause()
        assert calls == []


@pytest.mark.asyncio
async def test_the_clock_stands_still_under_a_dialog_and_catches_up_when_it_closes() -> None:
    """Textual draws a dialog with the screen under it, so a row's minute step there rewrote
    the whole screen (≈ 30 KB at 150×40, every second or two with deadlines an hour away:
    an independent check). Under the dialog nothing ticks; closed, the rows show the time."""
    clock = FrozenClock()
    async with idle_screen(clock) as (app, pilot):
        screen, inbox = app.main, app.main.inbox
        assert "58m" in inbox.render_line(0).text
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not screen)
        with counting_refreshes(watched(app)) as calls:
            clock.advance(60)  # 58m12s → 57m12s
            screen.tick()
            await pilot.pause()
        assert calls == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await drawn(pilot, inbox)
        assert "57m" in inbox.render_line(0).text


@pytest.mark.asyncio
async def test_an_expiry_under_a_dialog_is_shown_at_once() -> None:
    """Standing still stops at an expiry: a row whose deadline passed while the help was
    open showed `○ … !1m06s` behind it until it closed (an independent check)."""
    clock = FrozenClock()
    async with idle_screen(clock) as (app, pilot):
        screen, inbox = app.main, app.main.inbox
        first = inbox.render_line(0).text
        assert "58m" in first
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not screen)
        with counting_refreshes([inbox]) as calls:
            clock.advance(30 * 60)  # a countdown step, no expiry: stands still
            screen.tick()
            await pilot.pause()
        assert calls == []
        with counting_refreshes([inbox]) as calls:
            clock.advance(29 * 60)  # past the first row's deadline (58m12s)
            screen.tick()
            await pilot.pause()
        assert calls != []  # the rows behind the dialog are drawn again
        assert inbox.render_line(0).text != first
        assert app.screen is not screen  # the dialog stays open


@pytest.mark.asyncio
async def test_focus_changes_over_a_dialog_repaint_no_screen() -> None:
    """The dialogs take the same care as the inbox screen: the terminal losing and regaining
    focus over the help repainted both screens (≈ 70 KB each way at 150×40)."""
    async with idle_screen(FrozenClock()) as (app, pilot):
        screen = app.main
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not screen)
        dialog = app.screen
        await pilot.pause()
        with counting_refreshes([dialog, screen]) as calls:
            app.app_focus = False
            await wait_for(pilot, lambda: dialog.focused is None)
            await pilot.pause()
            app.app_focus = True
            await pilot.pause()
            await pilot.pause()
        assert calls == []


async def test_an_action_list_of_as_many_longer_prompts_scrolls() -> None:
    """Twelve actions refilled in place with prompts that now wrap past the list's 12 lines:
    the list scrolls (its last actions stay reachable), as a list filled anew would."""
    from atp_tui.widgets.detail import ActionList

    def twelve(prefix: str, words: int) -> list[dict[str, Any]]:
        label = " ".join(["long"] * words)
        return [
            {"id": f"a{n}", "label": f"{prefix} {n} {label}", "response_type": "simple"}
            for n in range(12)
        ]

    items = [
        notification("short", "Short prompts", actions=twelve("Short", 1), deadline=30),
        notification("wraps", "Wrapping prompts", actions=twelve("Wraps", 40), deadline=31),
    ]
    app = make_app([CONNECTED, *received(items)], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        detail, actions = app.main.detail, app.main.query_one(ActionList)
        await wait_for(pilot, lambda: detail.notification_id == "short")
        await pilot.pause()
        assert not actions.has_class("-scrolls")
        await pilot.press("j")
        await wait_for(pilot, lambda: detail.notification_id == "wraps")
        # Turned on after the refresh that measures the new prompts.
        await wait_for(pilot, lambda: actions.has_class("-scrolls"))
        assert actions.option_lines > 12


def test_the_changed_time_cells_are_the_characters_that_differ() -> None:
    left = 1 + 9 - len("1m53s")  # the countdown is right-aligned after a space
    assert changed_time_cells(("1m53s", "6m"), ("1m52s", "6m")) == (left + 3, left + 4)
    assert changed_time_cells(("2m00s", "6m"), ("1m59s", "6m")) == (left, left + 4)
    assert changed_time_cells(("58m", "9m"), ("58m", "10m")) == (TIME_CELLS - 3, TIME_CELLS - 1)
    # A wide glyph in the text: the time cells whole, not a guess at where cells fall.
    assert changed_time_cells(("⏰1m53s", "6m"), ("⏰1m52s", "6m")) == (0, TIME_CELLS)
