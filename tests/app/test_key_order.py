"""Keys apply strictly in the order typed, however they arrive (issue #11, item 1).

A pty over SSH delivers a burst (`gjj1`, `2hello⏎`) in one read. These tests post every key of
a burst before the app handles any (as the driver does), or cut the burst at every point with a
pause or a busy app in between, and check that the result is always the one of typing slowly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import pytest
from textual import events

from atp_tui.app import AtpApp
from atp_tui.screens.answer_base import AnswerModal
from tests.app.conftest import wait_for
from tests.snapshots.harness import CONNECTED, inbox_items, make_app, received

#: A key as (key name, character), the way Textual's driver reports it.
Key = tuple[str, str | None]


def keys(text: str) -> list[Key]:
    """The keys a terminal sends for `text` (`⏎` is Enter, `/` is `slash`)."""
    named = {"⏎": ("enter", None), "/": ("slash", "/"), " ": ("space", " ")}
    return [named.get(character, (character, character)) for character in text]


def burst(app: AtpApp, typed: Iterable[Key | events.Event]) -> None:
    """Post every key at once, without letting the app handle any in between (one read)."""
    for key in typed:
        app.post_message(key if isinstance(key, events.Event) else events.Key(*key))


def slow_frame(app: AtpApp, seconds: float) -> None:
    """Keep the app's loop busy for `seconds`, as a slow frame does (keys queue meanwhile)."""

    def busy() -> None:
        time.sleep(seconds)

    app.call_later(busy)


async def applied(pilot: Any, count: int) -> None:
    """Wait until `count` typed events have been applied since the app started, and the app
    has settled after the last (`idle` alone is also true before the first key is read)."""
    app = pilot.app
    await wait_for(pilot, lambda: app.key_order.applied >= count and app.key_order.idle)
    assert app.key_order.applied == count
    await pilot.pause()


async def started(pilot: Any) -> list[str]:
    """Wait for the five rows of `inbox_items`; returns their ids top to bottom."""
    await wait_for(pilot, lambda: pilot.app.main.inbox.row_count == 5)
    return pilot.app.main.inbox.row_ids()


def inbox_app() -> AtpApp:
    """The scripted app on the mixed inbox (action 1 = irreversible Approve, 2 = text Reply)."""
    return make_app([CONNECTED, *received(inbox_items())])


async def test_navigation_then_answer_in_one_burst_answers_the_row_navigated_to() -> None:
    """`g j j 1` in one read: the answer is for the third row, not the top one."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        order = await started(pilot)
        burst(app, keys("j"))  # start away from the top: `g` must be applied first too
        await applied(pilot, 1)
        burst(app, keys("gjj1"))
        await applied(pilot, 5)
        assert isinstance(app.screen, AnswerModal)
        assert app.screen.notification.id == order[2]
        assert app.main.inbox.cursor_id == order[2]


async def test_navigation_answer_text_and_enter_in_one_burst() -> None:
    """`g j j 2 hi ⏎` in one read: the third row gets the text reply "hi"."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        order = await started(pilot)
        burst(app, keys("gjj2hi⏎"))
        await applied(pilot, 7)
        await wait_for(pilot, lambda: app.respond.calls != [])
        assert app.respond.calls == [(order[2], "reply", "hi")]
        assert app.screen is app.main


async def test_filter_text_enter_then_answer_in_one_burst() -> None:
    """`/ migration ⏎ 1` in one read: Enter applies the filter and the 1 answers its row."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot)
        burst(app, keys("/migration⏎1"))
        await applied(pilot, 12)
        assert app.query_one("#filter").value == "migration"
        assert app.main.inbox.row_ids() == ["n-migrate"]
        assert isinstance(app.screen, AnswerModal)
        assert app.screen.notification.id == "n-migrate"


async def test_paste_after_the_answer_key_goes_into_the_answer() -> None:
    """A paste read together with the `2` before it is the text reply, then Enter sends."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        order = await started(pilot)
        burst(app, [("2", "2"), events.Paste("pasted reply"), ("enter", None)])
        await applied(pilot, 3)
        await wait_for(pilot, lambda: app.respond.calls != [])
        assert app.respond.calls == [(order[0], "reply", "pasted reply")]


BURST = "jgjj2ok⏎"


@pytest.mark.parametrize("cut", range(1, len(BURST)))
@pytest.mark.parametrize("gap", ["pause", "busy"])
async def test_the_result_does_not_depend_on_where_the_burst_is_cut(cut: int, gap: str) -> None:
    """The same keys split in two reads, with the app idle or busy in between: same answer."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        order = await started(pilot)
        typed = keys(BURST)
        burst(app, typed[:cut])
        if gap == "pause":
            await pilot.pause()
        else:  # a slow frame: the rest is read while the app is still busy with the first part
            slow_frame(app, 0.05)
        burst(app, typed[cut:])
        await applied(pilot, len(typed))
        await wait_for(pilot, lambda: app.respond.calls != [])
        assert app.respond.calls == [(order[2], "reply", "ok")]


#: From the top row: every key counts (a lost `j` answers another row).
FROM_TOP = "jj2ok⏎"


@pytest.mark.parametrize("at", range(len(FROM_TOP) + 1))
@pytest.mark.parametrize("report", [events.AppBlur, events.AppFocus])
async def test_a_focus_report_read_among_the_keys_takes_its_turn(at: int, report: type) -> None:
    """A terminal's focus report (the user switched windows as the keys went out) in the same
    read as the keys, anywhere in it: the same answer. Applied ahead of the keys before it,
    `AppBlur` took the focus away from the inbox before a `j` was looked up, and `jj2`
    answered the second row instead of the third (found by an independent check in tmux)."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        order = await started(pilot)
        typed: list[Key | events.Event] = list(keys(FROM_TOP))
        typed.insert(at, report())
        burst(app, typed)
        await wait_for(pilot, lambda: app.respond.calls != [] and app.key_order.idle)
        assert app.respond.calls == [(order[2], "reply", "ok")]
        assert app.app_focus is (report is events.AppFocus or at < len(FROM_TOP))


async def test_keys_read_while_the_app_is_busy_wait_their_turn() -> None:
    """Keys read during a slow frame are held, not lost, and applied once it is over."""
    app = inbox_app()
    async with app.run_test(size=(120, 30)) as pilot:
        order = await started(pilot)
        slow_frame(app, 0.1)
        burst(app, keys("jjj"))
        await applied(pilot, 3)
        assert app.main.inbox.cursor_id == order[3]
        assert app.key_order.held == 0


def test_keys_held_at_shutdown_are_dropped_not_posted() -> None:
    """A key still held when the app stops is dropped: posted back with no screen left, it
    failed with ScreenStackError (seen once at shutdown in the suite)."""
    from textual import events

    from atp_tui.screens.key_order import KeySequencer

    class StoppedApp:
        def __init__(self) -> None:
            self.is_running = False
            self.screen_stack: list[object] = []
            self.posted: list[object] = []

        def post_message(self, message: object) -> bool:
            self.posted.append(message)
            return True

    app = StoppedApp()
    sequencer = KeySequencer(app)  # type: ignore[arg-type]
    assert sequencer.admit(events.Key("j", "j"))
    assert not sequencer.admit(events.Key("k", "k"))  # held behind the first
    sequencer._release_next()
    assert app.posted == []
    assert sequencer.idle and sequencer.held == 0
