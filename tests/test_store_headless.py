"""`HeadlessStore` (what `watch` uses): ids and states in memory, the same rows on disk.

The same exactly-once and forward-only rules as `Store` (SSE-CLIENT-RULES.md case 31, rule G5),
checked against a `Store` doing the same things; the TUI and `watch` taking turns on one state
directory; and that no payload stays in memory.
"""

from __future__ import annotations

import gc
import sqlite3
import weakref
from pathlib import Path

import pytest

from atp_tui.protocol.models import Notification
from atp_tui.store import DB_NAME, Store
from atp_tui.store.headless import HeadlessStore
from tests.conftest import FakeClock
from tests.store_helpers import _n
from tests.store_helpers import notification_rows as _rows


def _a_session(store: Store | HeadlessStore) -> list[bool]:
    """New ids, repeats with older and newer states, status updates; two commits."""
    results = [
        store.add_notification(_n("n1"), "1"),
        store.add_notification(_n("n2", status="created"), "2"),
        store.add_notification(_n("n3", status=None), None),
        store.apply_status("n1", "responded", "answered here"),
        store.add_notification(_n("n1", status="delivered", title="Edited"), "4"),
        store.apply_status("missing", "expired"),
        store.apply_status("n2", "created"),
    ]
    store.commit()
    results += [
        store.add_notification(_n("n2", status="expired", title="Late"), "5"),
        store.apply_status("n3", "completed", "done elsewhere"),
        store.apply_status("n3", "delivered"),
        store.add_notification(_n("n4"), "6"),
    ]
    store.commit()
    return results


def test_it_writes_the_rows_a_store_writes(tmp_path: Path, fake_clock: FakeClock) -> None:
    """Same answers, same rows: payload text, forward-only state, reason, arrival, event id."""
    full = Store.open(tmp_path / "full", fake_clock)
    headless = HeadlessStore.open(tmp_path / "headless", fake_clock)
    assert _a_session(headless) == _a_session(full)
    full.close()
    headless.close()
    assert _rows(tmp_path / "headless") == _rows(tmp_path / "full")
    states = [(row[0], row[2], row[3]) for row in _rows(tmp_path / "headless")]
    assert states == [
        ("n1", "responded", "answered here"),
        ("n2", "expired", None),
        ("n3", "completed", "done elsewhere"),
        ("n4", "delivered", None),
    ]


def test_it_knows_the_stored_ids_after_a_reopen(tmp_path: Path, fake_clock: FakeClock) -> None:
    """Exactly once across restarts: known ids, their states, cursor and seen event ids."""
    first = HeadlessStore.open(tmp_path, fake_clock)
    first.add_notification(_n("n1"), "1")
    first.apply_status("n1", "responded")
    first.remember_event("1")
    first.set_cursor("1")
    first.close()
    again = HeadlessStore.open(tmp_path, fake_clock)
    assert again.has_notification("n1") and not again.has_notification("n2")
    assert again.add_notification(_n("n1"), "1") is False
    assert again.apply_status("n1", "delivered") is False  # still responded: not backwards
    assert again.apply_status("n1", "completed") is True
    assert again.event_seen("1") and again.cursor == "1"
    again.close()


def test_taking_turns_with_the_tui_keeps_its_columns(tmp_path: Path, fake_clock: FakeClock) -> None:
    """A repeat seen by `watch` refreshes the payload; read, reason and arrival stay."""
    tui = Store.open(tmp_path, fake_clock)
    tui.add_notification(_n("n1"), "1")
    tui.apply_status("n1", "acknowledged", "seen on the phone")
    tui.mark_read("n1")
    tui.close()
    before = _rows(tmp_path)[0]

    fake_clock.offset += 3600
    watch = HeadlessStore.open(tmp_path, fake_clock)
    assert watch.add_notification(_n("n1", status="responded", title="Edited"), "9") is False
    watch.close()

    after = _rows(tmp_path)[0]
    assert after[2] == "responded"  # the state moved forward
    assert after[1] != before[1]  # the payload was refreshed
    assert (after[3], after[4], after[5], after[6]) == (before[3], before[4], before[5], 1)
    tui = Store.open(tmp_path, fake_clock)
    item = tui.get("n1")
    assert item is not None and item.notification.title == "Edited" and item.read
    tui.close()


def test_opening_does_not_validate_the_cached_payloads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only ids and states are read: a long inbox opens at once, an odd payload is no warning."""
    store = Store.open(tmp_path)
    store.add_notification(_n("n1"), "1")
    store.close()
    connection = sqlite3.connect(tmp_path / DB_NAME)
    connection.execute("UPDATE notifications SET raw = 'not json' WHERE id = 'n1'")
    connection.commit()
    connection.close()

    def refuse(*args: object, **kwargs: object) -> Notification:
        raise AssertionError("a cached payload was validated")

    monkeypatch.setattr(Notification, "model_validate_json", refuse)
    again = HeadlessStore.open(tmp_path)
    assert again.warnings == [] and again.has_notification("n1")
    again.close()


def test_no_payload_stays_in_memory(tmp_path: Path) -> None:
    """After the commit the store holds no model: memory stays flat however long it runs."""
    store = HeadlessStore.open(tmp_path)
    received = _n("n1")
    gone = weakref.ref(received)
    store.add_notification(received, "1", raw_json=received.model_dump_json())
    store.commit()
    del received
    gc.collect()
    assert gone() is None
    store.close()


def test_a_notification_without_its_json_text_is_encoded(tmp_path: Path) -> None:
    """Polling hands over models, not text: the model's JSON is stored."""
    store = HeadlessStore.open(tmp_path)
    store.add_notification(_n("n1", title="From a poll"), None)
    store.close()
    reopened = Store.open(tmp_path)
    item = reopened.get("n1")
    assert item is not None and item.notification == _n("n1", title="From a poll")
    reopened.close()


def test_the_headless_store_is_no_store_but_gives_the_engine_all_it_needs() -> None:
    """`HeadlessStore` does not pretend to be a `Store` (no payload reads that raise): both
    are `StreamState`s and provide every member of `EngineStore`, all the engine uses."""
    from atp_tui.store import EngineStore, StreamState

    assert not issubclass(HeadlessStore, Store)
    for name in ("get", "load_notifications", "mark_read", "responses"):
        assert not hasattr(HeadlessStore, name), name
    members = [name for name in vars(EngineStore) if not name.startswith("_")]
    assert "add_notification" in members and "commit" in members
    for store_class in (Store, HeadlessStore):
        assert issubclass(store_class, StreamState)
        for name in members:
            assert hasattr(store_class, name), (store_class.__name__, name)
