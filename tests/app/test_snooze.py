"""Snooze in the app (Pilot, a frozen clock moved by the test, the screen's own tick): `z` and
its menu, the item leaving the list and the counts, coming back by its time with a toast and a
desktop notification, `Z` and waking one early, closing while snoozed, and a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.drivers.headless_driver import HeadlessDriver

from atp_tui.app import AtpApp
from atp_tui.client.events import StatusChanged
from atp_tui.screens.keys import binding_scopes
from atp_tui.screens.palette import screen_commands
from atp_tui.screens.snooze_menu import SnoozeMenu
from atp_tui.screens.snoozed import SnoozedScreen
from atp_tui.store import Store
from tests.app.conftest import settled, wait_for
from tests.snapshots.harness import (
    CONNECTED,
    NOW,
    TERMINAL_ENV,
    FrozenClock,
    inbox_items,
    make_app,
    received,
)

WEZTERM = {**TERMINAL_ENV, "TERM_PROGRAM": "WezTerm"}
MINUTE = 60.0


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app writes to the terminal (the headless driver's `write` discards it)."""
    captured: list[str] = []

    def capture(self: HeadlessDriver, data: str) -> None:
        captured.append(data)

    monkeypatch.setattr(HeadlessDriver, "write", capture)
    return captured


def backs(written: list[str]) -> list[str]:
    """The desktop notifications of items back from snooze."""
    return [data for data in written if data.startswith("\x1b]9;") and "back: " in data]


def status_text(app: AtpApp) -> str:
    return str(app.main.query_one("#status-bar").render())


def toasts(app: AtpApp) -> str:
    return "\n".join(str(toast.message) for toast in app._notifications)


def inbox_app(clock: FrozenClock, store: Store | None = None, **options: Any) -> AtpApp:
    options.setdefault("env", WEZTERM)
    return make_app([CONNECTED, *received(inbox_items())], clock=clock, store=store, **options)


async def snooze(pilot: Any, notification_id: str, key: str) -> None:
    """Select the item, open the menu with `z`, choose with `key`."""
    app = pilot.app
    app.main.inbox.select(notification_id)
    await pilot.press("z")
    await settled(pilot)
    assert isinstance(app.screen, SnoozeMenu)
    await pilot.press(key)
    await settled(pilot)


async def loaded(pilot: Any) -> None:
    await wait_for(pilot, lambda: pilot.app.main.inbox.row_count == 5)
    await pilot.pause()


class TestSnooze:
    async def test_it_leaves_the_list_and_comes_back_by_its_time(self, written: list[str]) -> None:
        clock = FrozenClock()
        app = inbox_app(clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            main = app.main
            assert main.counts().open == 5
            await snooze(pilot, "n-budget", "1")
            assert app.screen is main
            assert "n-budget" not in main.inbox.row_ids()
            assert main.inbox.cursor_id == "n-refund"  # the next row took its place
            assert main.detail.notification_id == "n-refund"
            assert app.store.snoozes() == {"n-budget": NOW + timedelta(minutes=15)}
            assert "4 open" in status_text(app) and "1 snoozed" in status_text(app)
            assert main.counts().open == 4
            assert "Snoozed “Raise the March budget for analytics by 15%?”, back at" in toasts(app)

            clock.advance(15 * MINUTE - 1)
            main.tick()
            await pilot.pause()
            assert "n-budget" not in main.inbox.row_ids() and backs(written) == []

            clock.advance(1)
            main.tick()  # what the one-second clock tick does
            await pilot.pause()
            assert "n-budget" in main.inbox.row_ids()
            assert main.inbox.cursor_id == "n-refund"  # coming back never moves the cursor
            assert "snoozed" not in status_text(app)
            assert main.counts().open == 4  # n-promote expired meanwhile
            assert app.store.snoozes() == {}
            assert "Back from snooze: “Raise the March budget" in toasts(app)
            assert backs(written) == [
                "\x1b]9;ATP: cost-watch: back: Raise the March budget for analytics by 15%?\x07"
            ]

    async def test_before_its_deadline_and_never_later(self) -> None:
        clock = FrozenClock()
        app = inbox_app(clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            app.main.inbox.select("n-migrate")  # deadline in 45 min: back 15 min before it
            await pilot.press("z")
            await settled(pilot)
            menu = app.screen
            assert isinstance(menu, SnoozeMenu)
            assert [choice.key for choice in menu.choices] == ["15m", "deadline"]
            await pilot.press("2")  # 1 hour is not offered: a bell, the menu stays
            await settled(pilot)
            assert app.screen is menu
            await pilot.press("3")
            await settled(pilot)
            assert app.store.snoozes() == {"n-migrate": NOW + timedelta(minutes=30)}
            clock.advance(30 * MINUTE)
            app.main.tick()
            await pilot.pause()
            assert "n-migrate" in app.main.inbox.row_ids()
            counts = app.main.counts()  # back as it enters the warning (n-promote expired)
            assert (counts.open, counts.expiring) == (4, 1)

    async def test_a_choice_is_timed_when_made(self) -> None:
        clock = FrozenClock()
        app = inbox_app(clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            app.main.inbox.select("n-migrate")
            await pilot.press("z")
            await settled(pilot)
            clock.advance(20 * MINUTE)  # the menu stayed open: 15 min now ends too late
            await pilot.press("1")
            await settled(pilot)
            assert app.store.snoozes() == {}
            assert "n-migrate" in app.main.inbox.row_ids()
            assert "Not snoozed: 15 minutes would end too close to its deadline" in toasts(app)

    async def test_too_close_to_its_deadline_says_why(self) -> None:
        app = inbox_app(FrozenClock())
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            app.main.inbox.select("n-promote")  # due in 3.5 min
            await pilot.press("z")
            await settled(pilot)
            assert app.screen is app.main
            assert "Not snoozed: its deadline is 3 min away; a snoozed item is back 15 min" in (
                toasts(app)
            )

    async def test_escape_snoozes_nothing(self) -> None:
        app = inbox_app(FrozenClock())
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            await snooze(pilot, "n-refund", "escape")
            assert app.screen is app.main and app.store.snoozes() == {}
            assert app.main.inbox.row_count == 5

    async def test_an_item_closed_while_snoozed_is_shown_closed(self) -> None:
        app = inbox_app(FrozenClock())
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            await snooze(pilot, "n-notes", "2")
            assert app.main.snoozing.count == 1
            batches = app.batches
            app.engine.push(StatusChanged("n-notes", "invalidated", "superseded", "e9"))  # type: ignore[attr-defined]
            await wait_for(pilot, lambda: app.batches > batches)
            await pilot.pause()
            assert "n-notes" in app.main.inbox.row_ids()
            assert app.main.snoozing.count == 0 and "snoozed" not in status_text(app)
            assert app.store.snoozes() == {}
            assert app.main.counts().open == 4


class TestSnoozedList:
    async def test_Z_lists_them_and_one_wakes_now(self, written: list[str]) -> None:
        clock = FrozenClock()
        app = inbox_app(clock)
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            await snooze(pilot, "n-refund", "2")  # back in 1 h
            await snooze(pilot, "n-budget", "1")  # back in 15 min
            assert "2 snoozed" in status_text(app)
            await pilot.press("Z")
            await settled(pilot)
            listing = app.screen
            assert isinstance(listing, SnoozedScreen)
            assert [item.summary.id for item, _ in listing.rows] == ["n-budget", "n-refund"]
            clock.advance(15 * MINUTE)  # n-budget comes back while the list is open
            app.main.tick()
            await pilot.pause()
            assert [item.summary.id for item, _ in listing.rows] == ["n-refund"]
            await pilot.press("z")
            await settled(pilot)
            assert app.screen is app.main
            assert app.main.inbox.cursor_id == "n-refund"  # woken and selected
            assert app.store.snoozes() == {} and app.main.snoozing.count == 0
            assert len(backs(written)) == 1  # the one whose time came; not the one woken

    async def test_an_item_withdrawn_while_listed_leaves_the_list(self) -> None:
        """The open list went on promising a withdrawn item "back at 16:36" (found by an
        independent QA pass): it drops it, as it drops one whose time came."""
        app = inbox_app(FrozenClock())
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            await snooze(pilot, "n-refund", "2")
            await snooze(pilot, "n-notes", "2")
            await pilot.press("Z")
            await settled(pilot)
            listing = app.screen
            assert isinstance(listing, SnoozedScreen) and len(listing.rows) == 2
            batches = app.batches
            app.engine.push(StatusChanged("n-notes", "invalidated", "superseded", "e9"))  # type: ignore[attr-defined]
            await wait_for(pilot, lambda: app.batches > batches)
            await pilot.pause()
            assert [item.summary.id for item, _ in listing.rows] == ["n-refund"]

    async def test_an_empty_list_says_how_to_snooze(self) -> None:
        app = inbox_app(FrozenClock())
        async with app.run_test(size=(140, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("Z")
            await settled(pilot)
            assert isinstance(app.screen, SnoozedScreen) and app.screen.rows == []
            await pilot.press("escape")
            await settled(pilot)
            assert app.screen is app.main


async def test_a_restart_keeps_snoozed_items_out_until_their_time(tmp_path: Path) -> None:
    clock = FrozenClock()
    store = Store.open(tmp_path, clock)
    app = inbox_app(clock, store)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await snooze(pilot, "n-notes", "2")
        await pilot.press("q")
    store.close()

    clock.advance(30 * MINUTE)
    store = Store.open(tmp_path, clock)
    app = make_app([CONNECTED], clock=clock, store=store, env=WEZTERM)  # the cached inbox
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 4)  # n-promote expired
        await pilot.pause()
        assert "n-notes" not in app.main.inbox.row_ids()
        assert "1 snoozed" in status_text(app)
        clock.advance(30 * MINUTE)
        app.main.tick()
        await pilot.pause()
        assert "n-notes" in app.main.inbox.row_ids()
        await pilot.press("q")
    store.close()
    assert Store.open(tmp_path, clock).snoozes() == {}


async def test_a_snooze_whose_time_came_while_closed_comes_back_at_start(
    tmp_path: Path, written: list[str]
) -> None:
    clock = FrozenClock()
    store = Store.open(tmp_path, clock)
    for event in received(inbox_items()):
        store.add_notification(event.notification, event.event_id)  # type: ignore[attr-defined]
    store.snooze("n-refund", NOW - timedelta(minutes=1))
    store.snooze("gone", NOW + timedelta(minutes=10))  # no such item: tidied away
    store.commit()
    app = make_app([CONNECTED], clock=clock, store=store, env=WEZTERM)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: "n-refund" in app.main.inbox.row_ids())
        await pilot.pause()
        assert "Back from snooze: “Refund order #88231" in toasts(app)
        assert store.snoozes() == {}
    store.close()


async def test_palette_help_and_keymap_scopes_know_snooze() -> None:
    app = inbox_app(FrozenClock())
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        commands = {command.title: command.help for command in screen_commands(app.main)}
        title = "Snooze the selected item (15 min, 1 h, near its deadline)"
        assert commands[title] == "z  ·  main.snooze"
        assert commands["List the snoozed items (wake one now from there)"] == "Z  ·  main.snoozed"
        ids = {row[2] for row in app.main.help_rows()}
        assert {"main.snooze", "main.snoozed", "snooze.15m", "snoozed.wake"} <= ids
    scopes = binding_scopes()
    assert scopes["snooze menu"]["snooze.deadline"] == "3"
    assert scopes["snoozed items"]["snoozed.close"] == "escape,Z,q"
