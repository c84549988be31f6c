"""The SQLite state store: persistence, forward-only state, batching, corruption, crash windows.

SSE-CLIENT-RULES.md §(e) cases 31 (forward-only), 33 (crash/restart windows), 34 (corrupt state
file) and rule G5 (cursor and seen ids persisted together); ATP-PROTOCOL.md §3.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import atp_tui.store.base as store_module
import atp_tui.store.opening as opening_module
from atp_tui.protocol.models import Notification
from atp_tui.store import DB_NAME, Store
from atp_tui.store.db import WAL_AUTOCHECKPOINT_PAGES
from tests.conftest import FakeClock
from tests.hostile import notification
from tests.ids import short_id

REPO = Path(__file__).resolve().parent.parent


def _n(nid: str, **extra: Any) -> Notification:
    return Notification.model_validate(notification(nid, **extra))


def _peek(state_dir: Path, query: str) -> list[tuple[Any, ...]]:
    """Read the database through a second, independent connection."""
    connection = sqlite3.connect(state_dir / DB_NAME)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


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


# -- corruption (case 34) --------------------------------------------------------------------


def _assert_fresh_and_working(state_dir: Path, store: Store) -> None:
    assert store.load_notifications() == []
    assert store.cursor == ""
    store.add_notification(_n("fresh"), "1")
    store.set_cursor("1")
    store.commit()
    store.close()
    again = Store.open(state_dir)
    assert again.warnings == []
    assert [item.notification.id for item in again.load_notifications()] == ["fresh"]
    assert again.cursor == "1"
    again.close()


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not a database at all\n" * 100,
        os.urandom(8192),
        b"SQLite format 3\x00" + b"\xff" * 4000,
        b"",
    ],
    ids=["text", "random", "fake-header", "empty"],
)
def test_garbage_database_is_moved_aside(state_dir: Path, garbage: bytes) -> None:
    """Case 34: an unreadable file is moved aside with a warning; a fresh store works."""
    state_dir.mkdir()
    (state_dir / DB_NAME).write_bytes(garbage)
    store = Store.open(state_dir)
    if garbage == b"":
        # An empty file is a valid empty SQLite database: nothing to move.
        assert store.warnings == []
    else:
        moved = list(state_dir.glob(f"{DB_NAME}.corrupt-*"))
        assert moved, os.listdir(state_dir)
        assert any(path.read_bytes() == garbage for path in moved)
        assert len(store.warnings) == 1
        assert "moved it to" in store.warnings[0]
    _assert_fresh_and_working(state_dir, store)


def test_truncated_database_is_moved_aside(state_dir: Path) -> None:
    """Case 34: a real database cut in half fails its check and is replaced."""
    store = Store.open(state_dir)
    for i in range(200):
        store.add_notification(_n(f"n{i}", title="x" * 400), str(i))
    store.set_cursor("199")
    store.commit()
    store.close()
    path = state_dir / DB_NAME
    data = path.read_bytes()
    assert len(data) > 50_000
    path.write_bytes(data[: len(data) // 2])

    reopened = Store.open(state_dir)
    assert list(state_dir.glob(f"{DB_NAME}.corrupt-*"))
    assert len(reopened.warnings) == 1
    assert "unreadable" in reopened.warnings[0]
    _assert_fresh_and_working(state_dir, reopened)


def test_database_that_cannot_be_moved_aside_falls_back_to_memory(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case 34: a corrupt file in a directory we cannot rename in → memory, not a crash."""
    state_dir.mkdir()
    (state_dir / DB_NAME).write_bytes(b"garbage" * 1000)

    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    store = Store.open(state_dir)
    assert len(store.warnings) == 1
    assert "memory" in store.warnings[0]
    store.add_notification(_n("n1"), "1")
    store.commit()
    assert store.has_notification("n1")
    assert (state_dir / DB_NAME).read_bytes() == b"garbage" * 1000
    store.close()


@pytest.mark.parametrize(
    "cursor",
    [
        "12\r\nX-Injected: 1",
        "12\n",
        "12\r",
        "1\x002",
        "x" * 1_000_000,
        b"\xff\xfe not text",
    ],
    ids=["crlf-injection", "lf", "cr", "nul", "1MB", "blob"],
)
def test_bad_stored_cursor_is_discarded_with_a_warning(state_dir: Path, cursor: object) -> None:
    """Case 34 [A2]: a cursor that could inject headers is dropped; the rest is kept."""
    store = Store.open(state_dir)
    client_id = store.client_id
    store.add_notification(_n("n1"), "1")
    store.commit()
    store.close()
    connection = sqlite3.connect(state_dir / DB_NAME)
    connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', ?)", (cursor,))
    connection.commit()
    connection.close()

    reopened = Store.open(state_dir)
    assert reopened.cursor == ""
    assert len(reopened.warnings) == 1
    assert "cursor" in reopened.warnings[0]
    assert reopened.has_notification("n1")
    assert reopened.client_id == client_id
    reopened.close()
    # The discard was persisted: the next start is clean.
    clean = Store.open(state_dir)
    assert (clean.warnings, clean.cursor) == ([], "")
    clean.close()


def test_non_utf8_text_in_the_database_is_survived(state_dir: Path) -> None:
    """Case 34: TEXT that is not UTF-8 cannot even be read back; the file is moved aside."""
    store = Store.open(state_dir)
    store.add_notification(_n("n1"), "1")
    store.commit()
    store.close()
    connection = sqlite3.connect(state_dir / DB_NAME)
    connection.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('cursor', CAST(? AS TEXT))",
        (b"\xff\xfe12",),
    )
    connection.commit()
    connection.close()

    reopened = Store.open(state_dir)
    assert reopened.cursor == ""
    assert len(reopened.warnings) == 1
    assert list(state_dir.glob(f"{DB_NAME}.corrupt-*"))
    _assert_fresh_and_working(state_dir, reopened)


def test_non_text_client_id_is_regenerated(state_dir: Path) -> None:
    """Case 34: a corrupt `client_id` (bytes) is replaced by a fresh UUID string."""
    Store.open(state_dir).close()
    connection = sqlite3.connect(state_dir / DB_NAME)
    connection.execute("UPDATE meta SET value = ? WHERE key = 'client_id'", (b"\x00\xff",))
    connection.commit()
    connection.close()
    store = Store.open(state_dir)
    assert isinstance(store.client_id, str) and len(store.client_id) == 36
    store.close()


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\r\n", "\x00", "x" * 5000], ids=short_id)
def test_set_cursor_rejects_control_characters(bad: str) -> None:
    """A2: an event id with NUL/CR/LF (or absurd length) can never become a header value."""
    store = Store.in_memory()
    store.set_cursor("good")
    with pytest.raises(ValueError):
        store.set_cursor(bad)
    assert store.cursor == "good"


def test_set_cursor_accepts_ids_and_empty_clears(state_dir: Path) -> None:
    """F4: an empty id clears the cursor, also on disk."""
    store = Store.open(state_dir)
    store.set_cursor("1622145123-abc123 ü")
    store.commit()
    assert _peek(state_dir, "SELECT value FROM meta WHERE key='cursor'") == [
        ("1622145123-abc123 ü",)
    ]
    store.set_cursor("")
    store.commit()
    assert store.cursor == ""
    assert _peek(state_dir, "SELECT value FROM meta WHERE key='cursor'") == []
    store.close()


def test_unwritable_state_dir_falls_back_to_memory(tmp_path: Path) -> None:
    """A state dir that cannot be created → in-memory store with a clear warning."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    store = Store.open(blocker / "state")
    assert len(store.warnings) == 1
    assert "in memory" in store.warnings[0]
    assert str(blocker / "state") in store.warnings[0]
    store.add_notification(_n("n1"), "1")
    store.set_cursor("1")
    store.commit()
    store.record_response("n1", "ok", None, "sent")
    assert store.cursor == "1"
    assert [r.outcome for r in store.responses()] == ["sent"]
    store.close()
    assert blocker.read_text() == "not a directory"


# -- crash windows (case 33) -----------------------------------------------------------------


def test_uncommitted_changes_are_invisible_to_a_restarted_store(
    state_dir: Path, fake_clock: FakeClock
) -> None:
    """Case 33: a restart sees exactly the last committed state, nothing half-written."""
    first = Store.open(state_dir, fake_clock)
    first.add_notification(_n("n1"), "1")
    first.remember_event("1")
    first.set_cursor("1")
    first.commit()
    # Shown but not yet persisted when the "crash" happens:
    first.add_notification(_n("n2"), "2")
    first.remember_event("2")
    first.set_cursor("2")
    first.apply_status("n1", "responded")

    second = Store.open(state_dir, fake_clock)
    try:
        assert [item.notification.id for item in second.load_notifications()] == ["n1"]
        assert second.get("n1").status == "delivered"
        assert second.cursor == "1"
        assert second.event_seen("1") and not second.event_seen("2")
        assert second.client_id == first.client_id
    finally:
        second.close()
        first._db.close()


def test_a_process_killed_inside_a_commit_leaves_the_previous_state(state_dir: Path) -> None:
    """Case 33: SIGKILL-like `os._exit` in the middle of the transaction, then restart.

    The notifications of the second batch are already inserted when the process dies (before
    the cursor row is written): on restart neither they nor the cursor nor the seen ids of
    that batch exist, so the server's replay delivers them again and nothing is lost.
    """
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        from pathlib import Path
        from atp_tui.protocol.models import Notification
        from atp_tui.store import Store
        from tests.hostile import notification

        store = Store.open(Path({str(state_dir)!r}))
        store.add_notification(Notification.model_validate(notification("n1")), "1")
        store.remember_event("1")
        store.set_cursor("1")
        store.commit()
        for i in range(2, 6):
            store.add_notification(Notification.model_validate(notification(f"n{{i}}")), str(i))
            store.remember_event(str(i))
        store.set_cursor("5")
        seen = []

        def die_before_meta(statement):
            seen.append(statement)
            if "INSERT INTO meta" in statement:
                os._exit(9)

        store._db.set_trace_callback(die_before_meta)
        store.commit()
        sys.exit(0)  # not reached
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 9, result.stderr

    store = Store.open(state_dir)
    try:
        assert store.warnings == []
        assert [item.notification.id for item in store.load_notifications()] == ["n1"]
        assert store.cursor == "1"
        assert store.event_seen("1")
        assert not any(store.event_seen(str(i)) for i in range(2, 6))
    finally:
        store.close()


def test_commits_wait_for_a_checkpoint_and_the_wal_is_bounded(state_dir: Path) -> None:
    store = Store.open(state_dir)
    store.checkpoint()  # opening a new store commits its client id
    assert not store.needs_checkpoint
    store.set_cursor("7")
    store.commit()
    assert store.needs_checkpoint
    store.checkpoint()
    assert not store.needs_checkpoint
    pages = store._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    assert pages == WAL_AUTOCHECKPOINT_PAGES
    store.close()
    reopened = Store.open(state_dir)
    assert reopened.cursor == "7"
    reopened.close()


# -- SSE-CLIENT-RULES 71/72: a full disk is not a corrupt file ------------------------------


@pytest.mark.parametrize("kind", ["Store", "HeadlessStore"])
def test_case_71_a_failed_commit_keeps_every_change_queued(state_dir: Path, kind: str) -> None:
    """A COMMIT refused for space (SQLITE_FULL via `max_page_count`) writes nothing, raises
    `StateWriteError`, and the next commit writes the rows and the cursor together."""
    from atp_tui.store.db import StateWriteError
    from atp_tui.store.headless import HeadlessStore

    opened = (Store if kind == "Store" else HeadlessStore).open(state_dir)
    pages = opened._db.execute("PRAGMA page_count").fetchone()[0]
    opened._db.execute(f"PRAGMA max_page_count = {pages}")
    for i in range(20):
        opened.add_notification(
            _n(f"n{i}", context={"title": "t", "description": "x" * 2000}), str(i)
        )
        opened.remember_event(str(i))
    opened.set_cursor("19")
    with pytest.raises(StateWriteError, match="database or disk is full"):
        opened.commit()
    assert opened.has_pending_writes
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(0,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == []

    opened._db.execute("PRAGMA max_page_count = 1073741823")
    opened.commit()
    opened.close()
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(20,)]
    assert _peek(state_dir, "SELECT COUNT(*) FROM seen_events") == [(20,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("19",)]
    reopened = Store.open(state_dir)
    assert len(reopened.load_notifications()) == 20
    assert reopened.load_notifications()[5].notification.context.description == "x" * 2000
    reopened.close()


def test_case_72_an_unopenable_database_is_never_moved_aside(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """I/O errors, a full disk or a read-only file at open: `required` raises, otherwise the
    store runs in memory; the healthy file stays where it is either way."""
    from atp_tui.store import StateUnavailable

    Store.open(state_dir).close()
    real_connect = opening_module.connect

    def failing(target: str) -> sqlite3.Connection:
        if target == ":memory:":
            return real_connect(target)
        error = sqlite3.OperationalError("disk I/O error")
        error.sqlite_errorcode = sqlite3.SQLITE_IOERR  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(opening_module, "connect", failing)
    with pytest.raises(StateUnavailable, match=r"disk I/O error.*left as it is"):
        Store.open(state_dir, required=True)
    fallback = Store.open(state_dir)
    assert "kept in memory only" in fallback.warnings[0]
    assert "moved" not in fallback.warnings[0]
    fallback.close()
    assert sorted(path.name for path in state_dir.iterdir()) == [DB_NAME]


def test_case_72_only_damage_counts_as_corruption() -> None:
    from atp_tui.store.db import IntegrityCheckFailed, is_corruption

    def error(code: int | None, text: str = "x") -> sqlite3.Error:
        made = sqlite3.OperationalError(text)
        if code is not None:
            made.sqlite_errorcode = code  # type: ignore[attr-defined]
        return made

    assert is_corruption(error(sqlite3.SQLITE_CORRUPT))
    assert is_corruption(error(sqlite3.SQLITE_NOTADB))
    assert is_corruption(IntegrityCheckFailed("integrity check failed"))
    assert is_corruption(error(None, "Could not decode to UTF-8 column"))
    for code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, 522, sqlite3.SQLITE_READONLY):
        assert not is_corruption(error(code)), code


# -- the writer thread (issue #12): the event loop never waits on a commit -------------------


async def test_commit_async_writes_in_the_writer_thread_while_the_loop_runs(
    state_dir: Path,
) -> None:
    """Another connection holds the write lock: `commit_async` waits for it in the writer
    thread while the event loop goes on; once the lock is released everything is written."""
    import asyncio
    import threading

    store = Store.open(state_dir)
    store.add_notification(_n("n1"), "1")
    store.remember_event("1")
    store.set_cursor("1")
    blocker = sqlite3.connect(state_dir / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    threads: list[str] = []
    original = store._write

    def recording_write(db: sqlite3.Connection, taken: Any) -> None:
        threads.append(threading.current_thread().name)
        original(db, taken)

    store._write = recording_write  # type: ignore[method-assign]
    commit = asyncio.create_task(store.commit_async())
    loop_ran = asyncio.Event()
    asyncio.get_running_loop().call_soon(loop_ran.set)
    await asyncio.wait_for(loop_ran.wait(), 5)  # the loop was not held by the commit
    for _ in range(500):  # the writer has started and waits on the lock
        if threads:
            break
        await asyncio.sleep(0.01)
    assert not commit.done()
    blocker.execute("ROLLBACK")
    blocker.close()
    await asyncio.wait_for(commit, 30)
    assert threads == ["atp-state-writer_0"]
    assert not store.has_pending_writes
    store.close()
    assert _peek(state_dir, "SELECT id FROM notifications") == [("n1",)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("1",)]


async def test_commit_async_that_fails_queues_everything_again(state_dir: Path) -> None:
    """The writer thread's COMMIT is refused for space: `StateWriteError`, nothing written,
    and the next commit (space back) writes the rows and the cursor together."""
    from atp_tui.store.db import StateWriteError

    store = Store.open(state_dir)
    writer = store._background_writer()
    assert writer is not None
    pages = await writer.run(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
    await writer.run(lambda db: db.execute(f"PRAGMA max_page_count = {pages}"))
    for i in range(20):
        store.add_notification(_n(f"n{i}", context={"title": "t", "description": "x" * 2000}), None)
    store.set_cursor("19")
    with pytest.raises(StateWriteError, match="database or disk is full"):
        await store.commit_async()
    assert store.has_pending_writes
    store.add_notification(_n("late"), None)  # queued while the failed commit was out
    await writer.run(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    await store.commit_async()
    store.close()
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(21,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("19",)]
