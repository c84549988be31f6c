"""Snooze without an app: the time rule and the menu's choices (`view/snooze.py`), the board
that holds snoozed items out of the inbox (`view/snooze_board.py`), the counter letting an item
go, and the store keeping snoozes across a reopen (`store/snoozes.py`)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atp_tui.store import DB_NAME, StateWriteError, Store, StoredNotification
from atp_tui.view.counting import InboxCounter
from atp_tui.view.snooze import (
    MIN_LEAD,
    back_at,
    choice_for,
    latest_wake,
    lead_seconds,
    snooze_choices,
    still_snoozed,
    too_close,
    wake_at,
)
from atp_tui.view.snooze_board import SnoozeBoard
from tests.snapshots.harness import NOW, FrozenClock, notification

MINUTE = timedelta(minutes=1)
WARNING = 900.0


def item(nid: str, deadline: float | None = 120, status: str = "delivered") -> StoredNotification:
    """A stored item with a deadline `deadline` minutes after NOW."""
    note = notification(nid, f"title {nid}", deadline=deadline, status=status)
    return StoredNotification.holding(note, status, None, NOW, None, False)


class TestRule:
    def test_the_lead_is_the_warning_but_never_under_ten_minutes(self) -> None:
        assert lead_seconds(900) == 900
        assert lead_seconds(300) == MIN_LEAD == 600
        assert lead_seconds(0) == 600  # no warning: still back 10 minutes before

    def test_a_snooze_ends_by_the_deadline_warning(self) -> None:
        deadline = NOW + 60 * MINUTE
        assert latest_wake(deadline, WARNING) == NOW + 45 * MINUTE
        assert latest_wake(None, WARNING) is None
        assert wake_at(NOW + 15 * MINUTE, deadline, WARNING) == NOW + 15 * MINUTE
        assert wake_at(NOW + 55 * MINUTE, deadline, WARNING) == NOW + 45 * MINUTE  # clamped
        assert wake_at(NOW + 10 * 60 * MINUTE, None, WARNING) == NOW + 10 * 60 * MINUTE

    def test_a_wider_warning_set_later_ends_a_stored_snooze_sooner(self) -> None:
        deadline, until = NOW + 60 * MINUTE, NOW + 40 * MINUTE
        assert still_snoozed(until, deadline, NOW + 35 * MINUTE, WARNING)
        assert not still_snoozed(until, deadline, NOW + 35 * MINUTE, 30 * 60.0)
        assert not still_snoozed(until, deadline, NOW + 40 * MINUTE, WARNING)  # its time

    @pytest.mark.parametrize(
        ("deadline", "keys"),
        [
            (None, ["15m", "1h"]),  # no deadline: nothing to come back before
            (600, ["15m", "1h", "deadline"]),
            (90, ["15m", "1h", "deadline"]),
            (70, ["15m", "deadline"]),  # 1 h would end after 15 min before the deadline
            (75, ["15m", "deadline"]),  # 1 h ends exactly at the latest: the deadline choice
            (25, ["deadline"]),  # back in 10 min at the latest
            (15, []),  # already within the warning: too close
            (3, []),
        ],
    )
    def test_the_menu_offers_only_times_before_the_latest(
        self, deadline: float | None, keys: list[str]
    ) -> None:
        at = None if deadline is None else NOW + deadline * MINUTE
        choices = snooze_choices(at, NOW, WARNING)
        assert [choice.key for choice in choices] == keys
        latest = latest_wake(at, WARNING)
        for choice in choices:
            assert latest is None or choice.until <= latest
            assert choice.until > NOW
        if "deadline" in keys:
            assert choices[-1].until == latest
            assert choices[-1].words == "until 15 min before its deadline"

    def test_the_deadline_choice_says_ten_minutes_under_a_short_warning(self) -> None:
        [*_, last] = snooze_choices(NOW + 600 * MINUTE, NOW, 5 * 60.0)
        assert last.words == "until 10 min before its deadline"
        assert last.until == NOW + 590 * MINUTE

    def test_a_choice_is_taken_again_when_made(self) -> None:
        deadline = NOW + 40 * MINUTE
        assert choice_for("15m", deadline, NOW, WARNING) is not None
        later = NOW + 12 * MINUTE  # the menu stayed open: 15 min would now end too late
        assert choice_for("15m", deadline, later, WARNING) is None
        assert choice_for("deadline", deadline, later, WARNING) is not None
        assert choice_for("nosuch", deadline, NOW, WARNING) is None

    def test_too_close_says_why(self) -> None:
        assert too_close(NOW + 600 * MINUTE, NOW, WARNING) == ""
        assert too_close(None, NOW, WARNING) == ""
        assert too_close(NOW + 12 * MINUTE, NOW, WARNING) == (
            "Not snoozed: its deadline is 12 min away; a snoozed item is back 15 min before "
            "its deadline at the latest."
        )

    def test_back_at_rounds_the_minute_up_and_names_another_day(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import time

        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        try:
            assert back_at(NOW + 15 * MINUTE, NOW) == "back at 09:42"  # 09:41:53
            assert back_at(datetime(2026, 3, 14, 10, 0, tzinfo=UTC), NOW) == "back at 10:00"
            assert back_at(NOW + 24 * 60 * MINUTE, NOW) == "back at 2026-03-15 09:27"
        finally:
            monkeypatch.undo()
            time.tzset()


class TestBoard:
    def test_admit_holds_back_snoozed_open_items_only(self) -> None:
        board = SnoozeBoard({"a": NOW + 15 * MINUTE, "gone": NOW + MINUTE}, WARNING)
        shown, ended = board.admit([item("a"), item("b")], NOW)
        assert [i.summary.id for i in shown] == ["b"] and ended == []
        assert board.count == 1 and board.is_held("a") and not board.is_held("b")
        assert board.unclaimed() == ["gone"]  # its item is not in this inbox

    def test_an_item_that_closes_while_snoozed_is_shown_as_closed(self) -> None:
        board = SnoozeBoard({"a": NOW + 15 * MINUTE}, WARNING)
        board.admit([item("a")], NOW)
        withdrawn = item("a", status="invalidated")
        shown, ended = board.admit([withdrawn], NOW + MINUTE)
        assert shown == [withdrawn] and ended == ["a"]
        assert board.count == 0 and board.unclaimed() == []

    def test_due_releases_items_by_their_time_soonest_first(self) -> None:
        board = SnoozeBoard({}, WARNING)
        board.snooze(item("late"), NOW + 60 * MINUTE)
        board.snooze(item("soon"), NOW + 15 * MINUTE)
        board.snooze(item("clamped", deadline=40), NOW + 60 * MINUTE)  # back at +25 min
        assert [i.summary.id for i, _ in board.held()] == ["soon", "clamped", "late"]
        assert board.next_wake() == NOW + 15 * MINUTE
        assert board.due(NOW + 15 * MINUTE - timedelta(microseconds=1)) == []
        assert [i.summary.id for i in board.due(NOW + 30 * MINUTE)] == ["soon", "clamped"]
        assert board.count == 1 and board.wake_time("late") == NOW + 60 * MINUTE
        assert board.wake_time("soon") is None

    def test_a_due_item_is_held_until_due_takes_it(self) -> None:
        # Its time came while atp-tui was closed: held at start, released by the first tick
        # (which says so), not let through silently.
        board = SnoozeBoard({"a": NOW - MINUTE}, WARNING)
        shown, _ = board.admit([item("a")], NOW)
        assert shown == [] and [i.summary.id for i in board.due(NOW)] == ["a"]

    def test_wake_ends_a_snooze_early(self) -> None:
        board = SnoozeBoard({}, WARNING)
        board.snooze(item("a"), NOW + 60 * MINUTE)
        assert board.wake("a") is not None and board.count == 0
        assert board.wake("a") is None and board.next_wake() is None


def test_the_counter_lets_an_item_go_and_take_it_back() -> None:
    items = [item("a", deadline=10), item("b", deadline=120), item("c", deadline=None)]
    counter = InboxCounter(WARNING)
    assert counter.recount(items, NOW).open == 3
    counter.remove(items[0])
    lookup = {i.summary.id: i for i in items[1:]}
    counts = counter.advance(NOW + MINUTE, lambda: lookup.values(), lookup.get)
    assert (counts.open, counts.expiring, counts.unread, counts.total) == (2, 0, 2, 2)
    # Back later: counted again, and its old moment in the heap changes nothing.
    counter.change(None, items[0])
    lookup["a"] = items[0]
    later = NOW + 11 * MINUTE  # past a's deadline
    counts = counter.advance(later, lambda: lookup.values(), lookup.get)
    assert counts == InboxCounter(WARNING).recount(lookup.values(), later)


class TestStore:
    def test_snoozes_survive_a_reopen(self, tmp_path: Path) -> None:
        store = Store.open(tmp_path, FrozenClock())
        store.snooze("a", NOW + 15 * MINUTE)
        store.snooze("b", NOW + 60 * MINUTE)
        store.snooze("a", NOW + 30 * MINUTE)  # snoozed again: replaced
        store.close()
        store = Store.open(tmp_path, FrozenClock())
        assert store.snoozes() == {"a": NOW + 30 * MINUTE, "b": NOW + 60 * MINUTE}
        store.unsnooze(["a", "never"])
        store.close()
        store = Store.open(tmp_path, FrozenClock())
        assert store.snoozes() == {"b": NOW + 60 * MINUTE}
        store.close()
        with sqlite3.connect(tmp_path / DB_NAME) as db:
            [(until, at)] = db.execute("SELECT until, snoozed_at FROM snoozes").fetchall()
        assert until == (NOW + 60 * MINUTE).isoformat() and at == NOW.isoformat()

    def test_an_unreadable_row_is_skipped_with_a_warning(self, tmp_path: Path) -> None:
        Store.open(tmp_path).close()
        with sqlite3.connect(tmp_path / DB_NAME) as db:
            db.execute("INSERT INTO snoozes VALUES ('bad', 'soon', 'now')")
            db.execute("INSERT INTO snoozes VALUES ('naive', '2026-03-14T10:00:00', 'now')")
        store = Store.open(tmp_path)
        assert store.snoozes() == {"naive": datetime(2026, 3, 14, 10, tzinfo=UTC)}
        assert any("skipped snooze of 'bad'" in warning for warning in store.warnings)
        store.close()

    def test_in_memory_too(self) -> None:
        store = Store.in_memory(FrozenClock())
        store.snooze("a", NOW + MINUTE)
        assert store.snoozes() == {"a": NOW + MINUTE}

    def test_a_refused_write_raises_and_keeps_it_for_the_session(self, tmp_path: Path) -> None:
        store = Store.open(tmp_path)
        store._db.execute("PRAGMA query_only = ON")  # as a read-only file refuses writes
        with pytest.raises(StateWriteError, match="cannot save state"):
            store.snooze("a", NOW + MINUTE)
        assert store.snoozes() == {"a": NOW + MINUTE}
        store._db.execute("PRAGMA query_only = OFF")
        store.close()
