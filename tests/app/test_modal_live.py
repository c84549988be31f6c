"""Answer modals while they are open: the live status line, j/k, errors following the input,
and date answers typed in local time (issue #11 items 5 and 10).

The app runs under the snapshot harness (frozen clock, scripted engine and respond client), so
the tests move time themselves and assert on what the modal shows and what was sent. Local
time is Europe/Berlin, pinned with `TZ` and restored after each test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Button, Input, SelectionList, Static

from atp_tui.app import AtpApp
from atp_tui.client.events import StatusChanged
from atp_tui.screens.answer_base import AnswerModal
from atp_tui.screens.confirm import ConfirmModal
from atp_tui.settings import Settings
from tests.app.conftest import settled, wait_for
from tests.snapshots.harness import (
    ALL_TYPES,
    CONNECTED,
    FrozenClock,
    make_app,
    notification,
    received,
)

#: A date-and-time action with bounds (NOW is Sat 2026-03-14 10:26:53 in Berlin, UTC+01:00).
WHEN = {
    "id": "at",
    "label": "Maintenance window",
    "response_type": "date",
    "constraints": {
        "include_time": True,
        "min": "2026-03-14T09:00:00Z",
        "max": "2026-03-21T17:00:00Z",
    },
}
#: The actions of the test notification, numbered as the keys that open them.
ACTIONS = [*ALL_TYPES[:7], WHEN]  # 2 text, 3 binary, 4 choice, 5 multi, 6 number, 7 date, 8


@pytest.fixture(autouse=True)
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Europe/Berlin for the test, and whatever it was afterwards."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def build(clock: FrozenClock, *, deadline: float = 2, ticking: bool = False) -> AtpApp:
    """One notification with every action, its deadline `deadline` minutes from now."""
    item = notification(
        "n1",
        "Promote payments-api?",
        deadline=deadline,
        description="A long description.\n" * 30,
        actions=ACTIONS,
    )
    return make_app([CONNECTED, *received([item])], clock=clock, ticking=ticking)


async def open_modal(pilot: Any, *keys: str, rows: int = 1) -> AnswerModal:
    """Wait for the inbox's `rows`, press `keys`, return the answer modal they opened."""
    app = pilot.app
    await wait_for(pilot, lambda: app.main.inbox.row_count == rows)
    await press(pilot, *keys)
    assert isinstance(app.screen, AnswerModal)
    return app.screen


async def press(pilot: Any, *keys: str) -> None:
    """Press `keys` and wait until every one has been applied (`atp_tui.screens.key_order`)."""
    applied = pilot.app.key_order.applied
    await pilot.press(*keys)
    await wait_for(pilot, lambda: pilot.app.key_order.applied >= applied + len(keys))


def status_line(modal: AnswerModal) -> str:
    """The live line as shown ("" when hidden)."""
    line = modal.query_one("#dialog-status", Static)
    return str(line.render()) if line.display else ""


def error_line(modal: AnswerModal) -> str:
    """The error line as shown."""
    return str(modal.query_one("#dialog-error", Static).render())


def sent(app: AtpApp) -> list[tuple[str, str, Any]]:
    """What the scripted respond client was asked to send."""
    return list(app.respond.calls)  # type: ignore[attr-defined]


# -- item 5: the live line -------------------------------------------------------------------


async def test_time_left_counts_down_then_says_expired_and_sends_nothing() -> None:
    clock = FrozenClock()
    app = build(clock, deadline=1)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "2")  # text
        assert status_line(modal) == "time left 1m00s (until 10:27)"
        clock.advance(30)
        app.main.tick()
        assert status_line(modal) == "time left 30s (until 10:27)"
        assert not modal.closed
        clock.advance(31)
        app.main.tick()
        assert status_line(modal) == "expired: the deadline passed — cannot be sent"
        assert modal.closed
        assert str(modal.query_one("#dialog-hint", Static).render()) == "Escape closes"
        await press(pilot, *"ok", "enter", "ctrl+s")
        assert app.screen is modal  # still open, nothing sent
        await press(pilot, "escape")
        assert app.screen is app.main
        await settled(pilot)
    assert sent(app) == []


async def test_the_main_screens_tick_drives_the_line() -> None:
    """With the real one-second tick running, the modal follows the clock by itself."""
    clock = FrozenClock()
    app = build(clock, deadline=1, ticking=True)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "6")  # number
        clock.advance(120)
        await wait_for(pilot, lambda: modal.closed)
        assert status_line(modal).startswith("expired")
        await press(pilot, "5", "enter")
        assert app.screen is modal
    assert sent(app) == []


async def test_with_low_bandwidth_the_line_still_counts_down() -> None:
    """Without the once-a-second tick the screen wakes when a shown time changes; an open
    dialog's time left (to the second) is one of those: it froze at "time left 20s" down to
    the deadline (found by hand against a 25 s deadline)."""
    clock = FrozenClock()
    # 2m30s: no shown minute steps for 30 s, so nothing else wakes the screen meanwhile.
    item = notification("n1", "Promote payments-api?", deadline=2.5, actions=ACTIONS)
    settings = Settings(low_bandwidth=True)
    app = make_app([CONNECTED, *received([item])], clock=clock, ticking=True, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "2")  # text
        assert status_line(modal) == "time left 2m30s (until 10:29)"
        clock.advance(2)  # the item is marked read (a redraw), then nothing else is due
        await wait_for(pilot, lambda: status_line(modal) == "time left 2m28s (until 10:29)")
        clock.advance(7)
        await wait_for(pilot, lambda: status_line(modal) == "time left 2m21s (until 10:29)")
        assert app.main.answering.live_seconds() == 1.0
        await press(pilot, "escape")
        assert app.main.answering.live_seconds() is None


async def test_a_status_update_withdrawing_the_item_closes_the_open_modal() -> None:
    clock = FrozenClock()
    app = build(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "3")  # binary: two buttons
        assert not modal.closed
        batches = app.batches
        app.engine.push(StatusChanged("n1", "invalidated", "replaced by build 2.14.4", "e9"))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: app.batches > batches)
        # At once: no tick has run (the harness's clock tick is off).
        assert status_line(modal) == "invalidated: replaced by build 2.14.4 — cannot be sent"
        assert all(button.disabled for button in modal.query(Button))
        await press(pilot, "1", "2")
        assert app.screen is modal
    assert sent(app) == []


async def test_answered_elsewhere_while_confirming_turns_y_off() -> None:
    """The confirmation of an irreversible answer follows the item too."""
    clock = FrozenClock()
    app = build(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "1")  # simple, irreversible: the confirmation
        assert isinstance(modal, ConfirmModal)
        batches = app.batches
        app.engine.push(StatusChanged("n1", "responded", "answered by j.doe in the web UI", "e9"))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: app.batches > batches)
        assert status_line(modal) == "answered by j.doe in the web UI — cannot be sent"
        assert modal.query_one("#confirm-yes", Button).disabled
        await press(pilot, "y")
        assert app.screen is modal
    assert sent(app) == []


async def test_a_status_update_for_another_item_changes_nothing() -> None:
    clock = FrozenClock()
    other = notification("n2", "Other", deadline=50)
    app = make_app(
        [CONNECTED, *received([notification("n1", "Mine", deadline=2, actions=ACTIONS), other])],
        clock=clock,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "6", rows=2)
        batches = app.batches
        app.engine.push(StatusChanged("n2", "expired", None, "e9"))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: app.batches > batches)
        assert not modal.closed
        await press(pilot, "7", "enter")
    assert sent(app) == [("n1", "replicas", 7)]


# -- item 10: keys, glyphs, errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "keys", "expected"),
    [
        ("4", ["j", "j", "k", "enter"], "us"),  # choice
        ("4", ["j", "j", "enter"], "ap"),
        ("4", ["j", "j", "j", "enter"], "eu"),  # wraps around, like down
        ("5", ["space", "j", "j", "space", "k", "enter"], ["lint", "perf"]),  # multi-choice
    ],
)
async def test_j_and_k_move_in_choice_lists(number: str, keys: list[str], expected: object) -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_modal(pilot, number)
        await press(pilot, *keys)
        await wait_for(pilot, lambda: sent(app))
    assert sent(app)[0][2] == expected


async def test_checked_options_have_a_glyph_not_only_a_colour() -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "5")
        await press(pilot, "j", "space")
        options = modal.query_one(SelectionList)
        lines = [options.render_line(y).text for y in range(3)]
    assert [line.split()[:2] for line in lines] == [["[", "]"], ["[x]", "End-to-end"], ["[", "]"]]
    assert lines[0].startswith("[ ] Lint")


@pytest.mark.parametrize(
    ("number", "wrong", "error", "fix"),
    [
        ("6", ["9", "9", "enter"], "the answer must be at most 12", ["backspace"]),
        ("5", ["enter"], "select at least 1 (selected 0)", ["space"]),
        ("7", [*"2026-05-01", "enter"], "too late", [*["backspace"] * 5, *"04-30"]),
    ],
)
async def test_a_stale_error_clears_as_the_input_is_fixed(
    number: str, wrong: list[str], error: str, fix: list[str]
) -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, number)
        await press(pilot, *wrong)
        assert error in error_line(modal)
        assert error in modal.errors[-1]
        await press(pilot, *fix[:-1])
        await press(pilot, fix[-1])
        assert error_line(modal) == ""
        assert modal.error_text == ""
        assert app.screen is modal  # fixed, not sent: Enter still decides


async def test_an_error_follows_the_input_while_it_is_still_wrong() -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "6")
        await press(pilot, "9", "9", "enter")
        await press(pilot, "9")
        assert error_line(modal) == "the answer must be at most 12"  # 999: still wrong
        await press(pilot, "home", "-")
        assert error_line(modal) == "the answer must be at least 1"  # -999: wrong otherwise
        await press(pilot, "delete", "delete")
        assert error_line(modal) == "the answer must be at least 1"  # -9
        await press(pilot, "backspace")
        assert error_line(modal) == ""  # 9: fixed
        await press(pilot, "9")
        assert error_line(modal) == ""  # 99: the next error is Enter's to show
        assert modal.errors == ["the answer must be at most 12"]  # only what Enter refused


# -- item 10: dates in local time ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tomorrow 03:00", "2026-03-15T03:00:00+01:00"),
        ("2026-03-20 09:30", "2026-03-20T09:30:00+01:00"),
        ("+2h", "2026-03-14T12:26:00+01:00"),
        ("2026-03-20T10:00Z", "2026-03-20T10:00:00+00:00"),
    ],
)
async def test_date_and_time_accepted_in_local_time(typed: str, expected: str) -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "8")
        rules = str(modal.query_one("#date-rules", Static).render())
        assert rules == "from Sat 2026-03-14 10:00 to Sat 2026-03-21 18:00"
        zone = str(modal.query_one("#date-zone", Static).render())
        assert zone == "times in Europe/Berlin (UTC+01:00)"
        await press(pilot, *typed)
        preview = str(modal.query_one("#date-preview", Static).render())
        assert preview.startswith("= ")
        await press(pilot, "enter")
        await wait_for(pilot, lambda: sent(app))
    assert sent(app) == [("n1", "at", expected)]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("2026-03-22 09:00", "too late: Sun 2026-03-22 09:00 is after Sat 2026-03-21 18:00"),
        ("today 09:59", "too early: Sat 2026-03-14 09:59 is before Sat 2026-03-14 10:00"),
        ("yesterday", "'yesterday' is not a date: try 2026-12-05 03:00, tomorrow 03:00"),
        ("2026-03-16", "add a time of day: 2026-03-16 09:00, for example"),
        ("tomorrow 24:00", "'24:00' is not a time of day"),
    ],
)
async def test_date_and_time_refused_with_a_reason(typed: str, reason: str) -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "8")
        await press(pilot, *typed, "enter")
        assert reason in error_line(modal)
        assert not modal.query_one("#date-preview", Static).display
        assert modal.query_one(Input).value == typed  # kept, to correct
        assert app.screen is modal
    assert sent(app) == []


async def test_date_only_action_names_today_and_takes_tomorrow() -> None:
    app = build(FrozenClock())
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_modal(pilot, "7")
        rules = str(modal.query_one("#date-rules", Static).render())
        assert rules == "from Sat 2026-03-14 to Thu 2026-04-30"
        zone = str(modal.query_one("#date-zone", Static).render())
        assert zone == "today is Sat 2026-03-14 in Europe/Berlin (UTC+01:00)"
        await press(pilot, *"tomorrow", "enter")
        await wait_for(pilot, lambda: sent(app))
    assert sent(app) == [("n1", "when", "2026-03-15")]


# -- item 10: small screens ------------------------------------------------------------------


def _visible(modal: AnswerModal, selector: str) -> bool:
    """Whether the widget is laid out entirely on the screen."""
    region = modal.query_one(selector).region
    return bool(region.height) and modal.app.size.region.contains_region(region)


@pytest.mark.parametrize("size", [(60, 18), (80, 24)])
@pytest.mark.parametrize(
    ("number", "refused"),
    [
        ("2", ()),  # text: anything up to 200 characters is fine
        ("3", ()),  # binary
        ("4", ()),  # choice
        ("5", ("enter",)),  # multi-choice: at least one
        ("6", ("9", "9", "enter")),  # number: at most 12
        ("7", ("enter",)),  # date: empty
        ("8", (*"2027-01-01 09:00", "enter")),  # date and time: too late
    ],
)
async def test_hint_and_error_stay_in_sight_at_small_sizes(
    size: tuple[int, int], number: str, refused: tuple[str, ...]
) -> None:
    """A 30-line description scrolls; the heading, status, error and hint stay on the screen."""
    app = build(FrozenClock())
    async with app.run_test(size=size) as pilot:
        modal = await open_modal(pilot, number)
        if refused:
            await press(pilot, *refused)
            assert app.screen is modal
            assert modal.error_text
        await pilot.pause()
        for selector in ("#dialog-title", "#dialog-status", "#dialog-error", "#dialog-hint"):
            assert _visible(modal, selector), selector
        if modal.focused is not None:
            assert _visible(modal, "#" + (modal.focused.id or "")), modal.focused
        assert modal.query_one("#dialog").max_scroll_y > 0  # the description scrolls instead
