"""The store keeps summaries in memory and parses full notifications on demand.

A summary must show exactly what the model would; opening a cached inbox parses no payload;
the parsed cache is bounded; a payload not yet committed, a row written by `watch` and a
database from before summaries all still give the right notification.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from atp_tui.protocol.models import Notification
from atp_tui.protocol.summary import DESCRIPTION_HEAD, NotificationSummary
from atp_tui.store import DB_NAME, Store
from atp_tui.store.headless import HeadlessStore
from atp_tui.store.payloads import PARSED_CACHE_SIZE
from tests.conftest import FakeClock
from tests.hostile import notification


def _n(nid: str, **extra: Any) -> Notification:
    return Notification.model_validate(notification(nid, **extra))


def test_a_summary_is_what_the_model_shows_and_survives_json() -> None:
    """Fallbacks, numbers as text and lenient times come from the model, then round-trip."""
    body = notification("n1", context={"title": 42, "description": "d" * 1000, "project": "p"})
    body.update(deadline="2026-11-28T12:00:00", timestamp="not a time", status="delivered")
    model = Notification.model_validate(body)
    summary = NotificationSummary.of(model)
    assert summary.title == "42" and summary.project == "p" and summary.status == "delivered"
    assert summary.deadline == model.deadline and summary.deadline.tzinfo is not None
    assert summary.timestamp is None
    assert summary.description_head == "d" * DESCRIPTION_HEAD
    assert NotificationSummary.from_json(summary.to_json()) == summary


@pytest.mark.parametrize("text", ["", "{}", "[1, 2]", '["n1", 5, "s", null, null, null, null, ""]'])
def test_an_unreadable_summary_is_a_value_error(text: str) -> None:
    """The store then parses the payload instead (see the legacy test below)."""
    with pytest.raises(ValueError, match="unreadable notification summary"):
        NotificationSummary.from_json(text)


def test_reopening_parses_no_payload_until_one_is_asked_for(
    tmp_path: Path, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached inbox opens from summaries; the detail pane's payload is parsed on demand."""
    store = Store.open(tmp_path, fake_clock)
    for nid in ("n1", "n2"):
        store.add_notification(_n(nid, title=f"Title {nid}"), nid)
    store.close()

    parsed: list[object] = []
    original = Notification.model_validate_json

    def counting(data: object, **kwargs: Any) -> Notification:
        parsed.append(data)
        return original(data, **kwargs)

    monkeypatch.setattr(Notification, "model_validate_json", counting)
    again = Store.open(tmp_path, fake_clock)
    assert [item.summary.title for item in again.load_notifications()] == ["Title n1", "Title n2"]
    assert parsed == []
    item = again.get("n2")
    assert item is not None and item.notification == _n("n2", title="Title n2")
    assert item.notification is item.notification  # cached after the first parse
    assert len(parsed) == 1
    again.close()


def test_a_reopened_inbox_keeps_one_copy_of_what_its_rows_share(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """Per item, 50,000 times over: the row's id is the summary's id (not a second string
    read from the summary's JSON), equal states are one string, and every item reads its
    payload through one bound method (≈ 12 MB at 60,000 items together)."""
    store = Store.open(tmp_path, fake_clock)
    for nid in ("n1", "n2", "n3"):
        store.add_notification(_n(nid, status="delivered"), f"e-{nid}")
    store.apply_status("n3", "responded")
    store.close()
    again = Store.open(tmp_path, fake_clock)
    items = {item.summary.id: item for item in again.load_notifications()}
    for key in list(again._items):  # the store's own keys are what the row held
        assert items[key].summary.id is key
    one, two, three = items["n1"], items["n2"], items["n3"]
    assert one.status == "delivered" and one.status is two.status
    assert three.status == "responded"
    assert one.source is two.source is three.source
    assert three.notification.id == "n3"
    again.close()


def test_a_reopened_inbox_leaves_description_heads_in_the_database(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """The heads are the largest part of a summary with long descriptions and only the filter
    reads them: a reopened store holds none, reads them all on request, and a state change or
    a read mark on such an item keeps the stored head (its summary is not rewritten)."""
    store = Store.open(tmp_path, fake_clock)
    store.add_notification(
        _n("n1", context={"title": "One", "description": "Disk full on db-3"}), "e1"
    )
    store.add_notification(_n("n2", context={"title": "Two", "description": "x" * 1000}), "e2")
    store.close()
    again = Store.open(tmp_path, fake_clock)
    one = again.get("n1")
    assert one is not None and one.summary.description_head is None
    assert again.description_heads() == {"n1": "Disk full on db-3", "n2": "x" * DESCRIPTION_HEAD}
    again.apply_status("n1", "responded")
    again.mark_read("n2")
    again.commit()
    assert again.description_heads()["n1"] == "Disk full on db-3"
    assert again.description_heads()["n2"] == "x" * DESCRIPTION_HEAD
    again.add_notification(
        _n("n3", context={"title": "Three", "description": "New"}), "e3"
    )  # a new one holds its head
    new = again.get("n3")
    assert new is not None and new.summary.description_head == "New"
    again.close()
    third = Store.open(tmp_path, fake_clock)
    state = third.get("n1")
    assert state is not None and state.status == "responded"
    assert third.description_heads()["n3"] == "New"
    third.close()


def test_the_heads_are_read_ahead_in_the_writer_thread_when_the_filter_opens(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """`/` starts the read in the writer thread; the filter's first need takes its result
    (once), and a filter closed unused drops it."""
    store = Store.open(tmp_path, fake_clock)
    store.add_notification(_n("n1", context={"title": "One", "description": "Disk full"}), "e1")
    store.close()
    again = Store.open(tmp_path, fake_clock)
    again.prefetch_description_heads()
    prefetched = again._heads_read
    assert prefetched is not None
    again.prefetch_description_heads()  # opened again before it was used: the same read
    assert again._heads_read is prefetched
    assert again.description_heads() == {"n1": "Disk full"}
    assert again._heads_read is None
    again.prefetch_description_heads()
    again.drop_description_heads()
    assert again._heads_read is None
    again.close()
    in_memory = Store.in_memory(fake_clock)
    in_memory.prefetch_description_heads()  # no writer thread: nothing to read ahead
    assert in_memory._heads_read is None and in_memory.description_heads() == {}


def test_a_summary_without_its_head_is_never_written() -> None:
    body = notification("n1", context={"title": "t", "description": "d"})
    summary = NotificationSummary.of(Notification.model_validate(body))
    text = summary.to_json()
    left = NotificationSummary.from_json(text, keep_head=False)
    assert left.description_head is None and left.title == "t"
    with pytest.raises(ValueError, match="description head"):
        left.to_json()


def test_the_parsed_cache_is_bounded_and_evicted_items_reparse(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """Memory stays flat with the inbox's size; an evicted one (pending or stored) comes back."""
    store = Store.open(tmp_path, fake_clock)
    count = PARSED_CACHE_SIZE + 20
    for number in range(count):
        store.add_notification(_n(f"n{number}", title=f"T{number}"), str(number))
    assert len(store._payloads._models) == PARSED_CACHE_SIZE
    pending = store.get("n0")  # evicted before its commit: read from the pending text
    assert pending is not None and pending.notification.title == "T0"
    store.commit()
    for number in range(2, count):  # n1 is not among them: read from the database
        item = store.get(f"n{number}")
        assert item is not None and item.notification.id == f"n{number}"
    assert "n1" not in store._payloads._models
    stored = store.get("n1")
    assert stored is not None and stored.notification == _n("n1", title="T1")
    store.close()


def test_a_payload_rewritten_by_watch_gets_a_fresh_summary(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """`watch` stores no summary; the TUI makes one from the newer payload and writes it back."""
    tui = Store.open(tmp_path, fake_clock)
    tui.add_notification(_n("n1", title="Old"), "1")
    tui.close()
    watch = HeadlessStore.open(tmp_path, fake_clock)
    watch.add_notification(_n("n1", title="New"), "2")
    watch.add_notification(_n("n2", title="Only in watch"), "3")
    watch.close()

    again = Store.open(tmp_path, fake_clock)
    assert [item.summary.title for item in again.load_notifications()] == ["New", "Only in watch"]
    again.close()
    connection = sqlite3.connect(tmp_path / DB_NAME)
    summaries = connection.execute("SELECT summary FROM notifications ORDER BY rowid").fetchall()
    connection.close()
    assert [NotificationSummary.from_json(text).title for (text,) in summaries] == [
        "New",
        "Only in watch",
    ]


def test_a_database_from_before_summaries_is_upgraded(tmp_path: Path) -> None:
    """The column is added on open; the rows' summaries are made from their payloads once."""
    tmp_path.mkdir(exist_ok=True)
    connection = sqlite3.connect(tmp_path / DB_NAME)
    connection.executescript(
        """
        CREATE TABLE notifications (
            id TEXT PRIMARY KEY, raw TEXT NOT NULL, status TEXT, status_reason TEXT,
            received_at TEXT NOT NULL, event_id TEXT, read INTEGER NOT NULL DEFAULT 0
        );
        """
    )
    raw = _n("n1", title="From an older version").model_dump_json()
    connection.execute(
        "INSERT INTO notifications VALUES ('n1', ?, 'acknowledged', 'seen', ?, '7', 1)",
        (raw, "2026-11-28T12:00:00+00:00"),
    )
    connection.commit()
    connection.close()

    store = Store.open(tmp_path)
    item = store.get("n1")
    assert store.warnings == []
    assert item is not None and item.summary.title == "From an older version"
    assert (item.status, item.status_reason, item.read, item.event_id) == (
        "acknowledged",
        "seen",
        True,
        "7",
    )
    store.close()
    connection = sqlite3.connect(tmp_path / DB_NAME)
    (summary,) = connection.execute("SELECT summary FROM notifications").fetchone()
    connection.close()
    assert NotificationSummary.from_json(summary).title == "From an older version"
