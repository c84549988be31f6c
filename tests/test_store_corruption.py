"""The SQLite state store's damaged and unusable files: a corrupt database is moved aside and
bad stored values are dropped with a warning (case 34); a full disk or an unopenable database
is not corruption and is never moved aside (cases 71, 72).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

import atp_tui.store.opening as opening_module
from atp_tui.store import DB_NAME, Store
from tests.ids import short_id
from tests.store_helpers import _n, _peek

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


def test_an_unreadable_stored_payload_is_dropped_with_one_line(state_dir: Path) -> None:
    """Case 34: a row whose payload no longer validates is dropped; the warning is one line
    naming the field (it was pydantic's whole report, with a link to its docs)."""
    import json
    import sqlite3

    store = Store.open(state_dir)
    store.add_notification(_n("n1"), "1")
    store.add_notification(_n("n2"), "2")
    store.commit()
    store.close()
    with sqlite3.connect(state_dir / DB_NAME) as db:
        bad = json.dumps({"id": "n1", "actions": "nope"})
        db.execute("UPDATE notifications SET raw = ?, summary = NULL WHERE id = 'n1'", (bad,))
    reopened = Store.open(state_dir)
    try:
        assert reopened.warnings == [
            "dropped unreadable stored notification 'n1' "
            "(at actions: Input should be a valid array)"
        ]
        assert reopened.has_notification("n2") and reopened.get("n1") is None
    finally:
        reopened.close()
