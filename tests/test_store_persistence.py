"""The SQLite state store: opening, creating and reloading the database, forward-only state
(case 31), batched writes, the response log, and hostile content surviving storage (case 21).

SSE-CLIENT-RULES.md §(e) and rule G5 (cursor and seen ids persisted together); ATP-PROTOCOL.md §3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import atp_tui.store.base as store_module
from atp_tui.store import DB_NAME, Store
from tests.conftest import FakeClock
from tests.hostile import notification
from tests.store_helpers import _n, _peek

# -- open, create, reload --------------------------------------------------------------------


def test_open_creates_the_database_in_wal_mode(state_dir: Path, fake_clock: FakeClock) -> None:
    """The state dir is created private, the database runs in WAL mode."""
    store = Store.open(state_dir, fake_clock)
    try:
        assert (state_dir / DB_NAME).is_file()
        assert state_dir.stat().st_mode & 0o777 == 0o700
        assert store.warnings == []
        assert _peek(state_dir, "PRAGMA journal_mode") == [("wal",)]
        mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        store.close()


def test_everything_survives_a_reopen(state_dir: Path, fake_clock: FakeClock) -> None:
    """Notifications, state, reason, read flag, cursor, seen ids and client id persist."""
    store = Store.open(state_dir, fake_clock)
    client_id = store.client_id
    assert store.add_notification(_n("n1"), "1")
    assert store.add_notification(_n("n2", status="created"), "2")
    assert store.add_notification(_n("n3", status=None), None)
    assert store.apply_status("n1", "responded", "answered here")
    store.mark_read("n2")
    store.set_cursor("1622145123-abc123")
    store.remember_event("1")
    store.remember_event("2")
    store.commit()
    store.close()

    again = Store.open(state_dir, fake_clock)
    try:
        assert again.warnings == []
        assert again.client_id == client_id
        items = again.load_notifications()
        assert [item.notification.id for item in items] == ["n1", "n2", "n3"]
        n1, n2, n3 = items
        assert (n1.status, n1.status_reason, n1.read, n1.event_id) == (
            "responded",
            "answered here",
            False,
            "1",
        )
        assert (n2.status, n2.read) == ("created", True)
        assert (n3.status, n3.event_id) == (None, None)
        assert n1.received_at == fake_clock.now()
        assert n1.notification == _n("n1")
        assert again.cursor == "1622145123-abc123"
        assert again.event_seen("1") and again.event_seen("2")
        assert not again.event_seen("3")
        assert again.has_notification("n2") and not again.has_notification("n9")
        assert again.get("n9") is None
    finally:
        again.close()


def test_receive_order_survives_a_reopen(state_dir: Path, fake_clock: FakeClock) -> None:
    """`load_notifications` is oldest-received first, also after a restart (one batch)."""
    store = Store.open(state_dir, fake_clock)
    ids = [f"n{i:02d}-{'x' * (i % 7)}" for i in range(40)]
    for nid in ids:
        store.add_notification(_n(nid), nid)
    store.apply_status(ids[5], "responded")  # re-dirtying an item keeps its place
    assert [item.notification.id for item in store.load_notifications()] == ids
    store.close()
    again = Store.open(state_dir, fake_clock)
    assert [item.notification.id for item in again.load_notifications()] == ids
    again.close()


def test_client_id_is_a_stable_uuid(state_dir: Path) -> None:
    """`client_id` is generated once and then kept across reopen."""
    first = Store.open(state_dir)
    client_id = first.client_id
    first.close()
    ids = set()
    for _ in range(3):
        store = Store.open(state_dir)
        ids.add(store.client_id)
        store.close()
    assert ids == {client_id}
    assert len(client_id) == 36 and client_id.count("-") == 4
    assert Store.in_memory().client_id != client_id


def test_add_notification_returns_true_only_for_new_ids(fake_clock: FakeClock) -> None:
    """The exactly-once check: a replayed id is not new, its payload is refreshed."""
    store = Store.in_memory(fake_clock)
    assert store.add_notification(_n("n1"), "1") is True
    assert store.add_notification(_n("n1"), "1") is False
    assert store.add_notification(_n("n1", title="Edited"), "7") is False
    assert store.get("n1").notification.title == "Edited"
    assert store.get("n1").event_id == "1"  # the first delivery's id is kept
    assert store.add_notification(_n("n2"), "2") is True
    assert len(store.load_notifications()) == 2


def test_a_repeated_notification_only_moves_its_state_forward(fake_clock: FakeClock) -> None:
    """Case 31: a replay carrying an older status does not move the state back."""
    store = Store.in_memory(fake_clock)
    store.add_notification(_n("n1", status="delivered"), "1")
    store.add_notification(_n("n1", status="acknowledged"), "2")
    assert store.get("n1").status == "acknowledged"
    store.add_notification(_n("n1", status="created"), "3")
    assert store.get("n1").status == "acknowledged"
    store.add_notification(_n("n1", status="responded"), "4")
    store.add_notification(_n("n1", status="expired"), "5")
    assert store.get("n1").status == "responded"


def test_apply_status_is_forward_only(fake_clock: FakeClock) -> None:
    """Case 31 / §3: `apply_status` follows the lifecycle graph, not arrival order."""
    store = Store.in_memory(fake_clock)
    store.add_notification(_n("n1", status="delivered"), "1")
    store.add_notification(_n("n2", status="delivered"), "2")
    assert store.apply_status("missing", "expired") is False
    assert store.apply_status("n1", "mystery") is False
    assert store.apply_status("n1", "delivered") is False
    assert store.apply_status("n1", "responded", "answered here") is True
    assert store.apply_status("n1", "delivered") is False
    assert store.apply_status("n1", "expired") is False
    assert store.apply_status("n1", "completed") is True
    assert store.apply_status("n1", "invalidated") is False
    assert store.get("n1").status == "completed"
    assert store.apply_status("n2", "expired", "deadline passed") is True
    assert store.apply_status("n2", "responded") is False
    assert (store.get("n2").status, store.get("n2").status_reason) == (
        "expired",
        "deadline passed",
    )


def test_mark_read_persists_at_once(state_dir: Path, fake_clock: FakeClock) -> None:
    """Read/unread is client-side state (§3) and is written immediately."""
    store = Store.open(state_dir, fake_clock)
    store.add_notification(_n("n1"), "1")
    store.mark_read("n1")
    assert store.get("n1").read
    assert _peek(state_dir, "SELECT id, read FROM notifications") == [("n1", 1)]
    store.mark_read("unknown")  # no error
    store.close()


# -- batching --------------------------------------------------------------------------------


def test_many_changes_are_written_in_one_transaction(
    state_dir: Path, fake_clock: FakeClock
) -> None:
    """Writes are queued and flushed by `commit()` in a single transaction."""
    store = Store.open(state_dir, fake_clock)
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    for i in range(200):
        store.add_notification(_n(f"n{i}"), str(i))
        store.remember_event(str(i))
        store.set_cursor(str(i))
    store.apply_status("n0", "responded")
    assert statements == []  # nothing touched the database yet
    assert store.has_pending_writes
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(0,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == []

    store.commit()

    begins = [s for s in statements if s.strip().upper().startswith("BEGIN")]
    commits = [s for s in statements if s.strip().upper() == "COMMIT"]
    assert (len(begins), len(commits)) == (1, 1)
    assert not store.has_pending_writes
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(200,)]
    assert _peek(state_dir, "SELECT COUNT(*) FROM seen_events") == [(200,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("199",)]

    statements.clear()
    store.commit()  # nothing pending: no transaction at all
    assert statements == []
    store.close()


def test_seen_event_ids_are_bounded(
    state_dir: Path, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """G5: a bounded seen-set; the oldest ids are forgotten first, in memory and on disk."""
    monkeypatch.setattr(store_module, "SEEN_EVENT_LIMIT", 5)
    store = Store.open(state_dir, fake_clock)
    for i in range(8):
        store.remember_event(f"e{i}")
    store.remember_event("e7")  # already known: no change
    store.commit()
    assert [store.event_seen(f"e{i}") for i in range(8)] == [False] * 3 + [True] * 5
    store.close()
    again = Store.open(state_dir, fake_clock)
    assert [again.event_seen(f"e{i}") for i in range(8)] == [False] * 3 + [True] * 5
    assert _peek(state_dir, "SELECT COUNT(*) FROM seen_events") == [(5,)]
    again.close()


# -- response log ----------------------------------------------------------------------------


def test_response_log_records_every_attempt(state_dir: Path, fake_clock: FakeClock) -> None:
    """Every answer attempt is logged and committed at once (answers must not be lost)."""
    store = Store.open(state_dir, fake_clock)
    store.record_response("n1", "approve", None, "retrying", "server answered 503")
    fake_clock.offset += 2
    store.record_response("n1", "approve", None, "sent", "answer sent")
    store.record_response("n2", "pick", ["a", "b"], "refused", "bad (INVALID_RESPONSE_DATA)")
    store.record_response("n3", "flag", True, "sent")
    # Committed at once: visible to another connection before any commit() call.
    assert _peek(state_dir, "SELECT COUNT(*) FROM responses") == [(4,)]

    log = store.responses()
    assert [(r.notification_id, r.outcome) for r in log] == [
        ("n1", "retrying"),
        ("n1", "sent"),
        ("n2", "refused"),
        ("n3", "sent"),
    ]
    assert [r.response_data for r in log] == [None, None, ["a", "b"], True]
    assert log[0].attempted_at == fake_clock.start
    assert (log[1].attempted_at - log[0].attempted_at).total_seconds() == 2
    assert log[0].detail == "server answered 503" and log[3].detail == ""
    assert [r.outcome for r in store.responses("n1")] == ["retrying", "sent"]
    assert store.responses("nobody") == []
    store.close()
    again = Store.open(state_dir, fake_clock)
    assert len(again.responses()) == 4
    again.close()


# -- hostile content survives storage (case 21) ----------------------------------------------


def test_hostile_but_accepted_payloads_can_be_stored_and_reloaded(
    state_dir: Path, fake_clock: FakeClock
) -> None:
    """Case 21: lone surrogates and deep metadata must not break `commit()` or the reload."""
    from atp_tui.protocol import decode_event

    surrogate = decode_event(
        "notification",
        json.dumps(notification("n1", context={"title": "x\ud800", "metadata": {"k": "\udc00"}})),
    )
    deep = decode_event(
        "notification",
        '{"id":"n2","actions":[],"context":{"metadata":{"a":' + "[" * 300 + "]" * 300 + "}}}",
    )
    assert surrogate is not None and deep is not None
    store = Store.open(state_dir, fake_clock)
    store.add_notification(surrogate.payload, "1")  # type: ignore[arg-type]
    store.add_notification(deep.payload, "2")  # type: ignore[arg-type]
    store.commit()
    store.close()
    again = Store.open(state_dir, fake_clock)
    assert again.warnings == []
    assert [item.notification.id for item in again.load_notifications()] == ["n1", "n2"]
    assert again.get("n1").notification.title == "x\ufffd"
    again.close()


def test_an_unreadable_stored_notification_is_dropped_with_a_warning(
    state_dir: Path, fake_clock: FakeClock
) -> None:
    """Case 34: one bad row (no summary, payload not JSON) does not take the others down."""
    store = Store.open(state_dir, fake_clock)
    store.add_notification(_n("good"), "1")
    store.add_notification(_n("bad"), "2")
    store.commit()
    store._db.execute("UPDATE notifications SET raw = '{not json', summary = NULL WHERE id = 'bad'")
    store.close()
    again = Store.open(state_dir, fake_clock)
    assert [item.summary.id for item in again.load_notifications()] == ["good"]
    assert len(again.warnings) == 1 and "bad" in again.warnings[0]
    again.close()


def test_an_unreadable_payload_behind_a_summary_shows_a_stand_in(
    state_dir: Path, fake_clock: FakeClock
) -> None:
    """Case 34: the row is listed from its summary; opening it shows why it cannot be answered."""
    store = Store.open(state_dir, fake_clock)
    store.add_notification(_n("bad", title="Deploy?"), "1")
    store.commit()
    store._db.execute("UPDATE notifications SET raw = '{not json' WHERE id = 'bad'")
    store.close()
    again = Store.open(state_dir, fake_clock)
    assert again.warnings == []
    item = again.get("bad")
    assert item is not None and item.summary.title == "Deploy?"
    stand_in = item.notification
    assert (stand_in.id, stand_in.title, stand_in.actions) == ("bad", "Deploy?", [])
    assert "unreadable" in stand_in.context.description
    again.close()
