"""`InboxCounter`: the status bar's counts kept incrementally must equal a full recount.

A seeded random walk adds, answers, reads and replaces notifications with deadlines around
"now", moves the clock in small steps, exact deadline instants, backwards and far ahead, and
changes the warning threshold; after every step the incremental counts are compared with
counting the whole inbox from scratch.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from atp_tui.protocol.models import Notification
from atp_tui.store import StoredNotification
from atp_tui.view.counting import Counts, InboxCounter, tally, urgent_from
from atp_tui.view.items import is_urgent
from tests.hostile import notification

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _item(
    nid: str, deadline: datetime | None, status: str | None = "delivered", read: bool = False
) -> StoredNotification:
    body = notification(nid)
    body["deadline"] = deadline.isoformat() if deadline else None
    notification_ = Notification.model_validate(body)
    return StoredNotification.holding(notification_, status, None, START, nid, read)


def _full_count(items: dict[str, StoredNotification], now: datetime, warning: float) -> Counts:
    counts = [0, 0, 0, len(items)]
    for item in items.values():
        for index, value in enumerate(tally(item, now, warning)):
            counts[index] += value
    return Counts(*counts)


def test_counts_follow_deadlines_without_a_recount() -> None:
    """An item turns "expiring" at deadline − warning and closes at its deadline, and stops
    counting as unread then (only open items are unread: issue #11)."""
    deadline = START + timedelta(minutes=10)
    items = {"n1": _item("n1", deadline), "n2": _item("n2", None, read=True)}
    counter = InboxCounter(warning_seconds=300)
    assert counter.recount(items.values(), START) == Counts(2, 0, 1, 2)
    at = START + timedelta(minutes=5)  # exactly deadline - warning: expiring from here
    assert counter.advance(at, _never, items.get) == Counts(2, 1, 1, 2)
    assert counter.advance(deadline, _never, items.get) == Counts(1, 0, 0, 2)


@pytest.mark.parametrize("warning", [1.0, 300.0, 0.1 * 60, 0.7 * 60, 1000 / 3, 2.5e-6])
def test_the_expiring_moment_is_exact_to_the_microsecond(warning: float) -> None:
    """Float seconds in `is_urgent`: the moment is its first urgent microsecond, not a guess."""
    deadline = START + timedelta(hours=1, microseconds=123_457)
    moment = urgent_from(deadline, warning)
    assert is_urgent(deadline, moment, warning)
    assert not is_urgent(deadline, moment - timedelta(microseconds=1), warning)


def _never() -> list[StoredNotification]:
    raise AssertionError("a full recount was not expected here")


@pytest.mark.parametrize("seed", range(8))
def test_incremental_counts_equal_a_full_recount(seed: int) -> None:
    """Random adds, answers, reads and clock moves: always the same as counting everything."""
    rng = random.Random(seed)
    warning = 300.0
    counter = InboxCounter(warning)
    items: dict[str, StoredNotification] = {}
    now = START
    deadlines: list[datetime] = []

    def add_or_replace() -> None:
        nid = f"n{rng.randrange(60)}"
        deadline = None
        if rng.random() < 0.8:
            deadline = now + timedelta(seconds=rng.uniform(-60, 1200))
            deadlines.append(deadline)
        status = rng.choice(["delivered", "delivered", "acknowledged", "responded", "expired"])
        new = _item(nid, deadline, status, read=rng.random() < 0.3)
        counter.change(items.get(nid), new)
        items[nid] = new

    for _ in range(400):
        roll = rng.random()
        if roll < 0.45:
            add_or_replace()
        elif roll < 0.55 and items:
            nid = rng.choice(sorted(items))
            read = replace(items[nid], read=True)
            counter.change(items[nid], read)
            items[nid] = read
        elif roll < 0.65 and deadlines:
            now = rng.choice(deadlines) + rng.choice(
                [timedelta(0), -timedelta(seconds=warning), timedelta(microseconds=1)]
            )  # land exactly on a moment
        elif roll < 0.68:
            now -= timedelta(seconds=rng.uniform(1, 3600))  # the wall clock goes back
        elif roll < 0.70:
            now += timedelta(seconds=rng.uniform(600, 7200))  # a laptop wakes up
        elif roll < 0.72:
            warning = rng.choice([0.0, 60.0, 300.0, 0.1 * 60, 0.7 * 60, 1000 / 3])
            counter.set_warning(warning)
        else:
            now += timedelta(seconds=rng.uniform(0, 30))
        counts = counter.advance(now, items.values, items.get)
        assert counts == _full_count(items, now, warning), (seed, now)


def test_unread_counts_only_open_items() -> None:
    """Unread answered, expired and withdrawn items are not unread: nothing is asked of them."""
    items = {
        "open": _item("open", START + timedelta(hours=1)),
        "answered": _item("answered", None, status="responded"),
        "withdrawn": _item("withdrawn", None, status="invalidated"),
        "late": _item("late", START - timedelta(minutes=1)),  # expired by the clock
        "read": _item("read", None, read=True),
    }
    counter = InboxCounter(warning_seconds=300)
    assert counter.recount(items.values(), START) == Counts(2, 0, 1, 5)
    counter.change(items["open"], replace(items["open"], status="responded"))
    assert counter.counts == Counts(1, 0, 0, 5)
