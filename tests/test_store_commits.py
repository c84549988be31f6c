"""The SQLite state store's commits: crash and restart windows (case 33), the WAL kept bounded by
checkpoints, and the writer thread that keeps commits off the event loop (issue #12).
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from atp_tui.store import DB_NAME, Store
from atp_tui.store.db import WAL_AUTOCHECKPOINT_PAGES
from atp_tui.store.writer import BackgroundWriter
from tests.conftest import FakeClock
from tests.store_helpers import _n, _peek

REPO = Path(__file__).resolve().parent.parent


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


async def _store_with_a_full_writer(
    state_dir: Path, *, full: bool = True
) -> tuple[Store, BackgroundWriter]:
    """A store whose writer thread's connection may not grow the file (`full`), with 20
    notifications of 2 KB and the cursor at "19" queued: its commit is refused for space."""
    store = Store.open(state_dir)
    writer = store._background_writer()
    assert writer is not None
    if full:
        pages = await writer.run(lambda db: db.execute("PRAGMA page_count").fetchone()[0])
        await writer.run(lambda db: db.execute(f"PRAGMA max_page_count = {pages}"))
    for i in range(20):
        store.add_notification(_n(f"n{i}", context={"title": "t", "description": "x" * 2000}), None)
    store.set_cursor("19")
    return store, writer


async def test_commit_async_that_fails_queues_everything_again(state_dir: Path) -> None:
    """The writer thread's COMMIT is refused for space: `StateWriteError`, nothing written,
    and the next commit (space back) writes the rows and the cursor together."""
    from atp_tui.store.db import StateWriteError

    store, writer = await _store_with_a_full_writer(state_dir)
    with pytest.raises(StateWriteError, match="database or disk is full"):
        await store.commit_async()
    assert store.has_pending_writes
    store.add_notification(_n("late"), None)  # queued while the failed commit was out
    await writer.run(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    await store.commit_async()
    store.close()
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(21,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("19",)]


async def test_a_commit_left_running_lets_the_stream_go_on_and_the_next_one_waits_for_it(
    state_dir: Path,
) -> None:
    """In a burst (`wait=False`) the stream does not wait for the writer thread: the commit
    runs while the next chunk is parsed; the next commit waits for it first, then writes what
    was queued meanwhile. Caught up (`wait=True`), everything is written on return."""
    import asyncio

    store = Store.open(state_dir)
    blocker = sqlite3.connect(state_dir / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the writer thread's commit waits for this lock
    store.add_notification(_n("n1"), "1")
    store.set_cursor("1")
    await asyncio.wait_for(store.commit_async(wait=False), 5)  # returned: not waited for
    assert store.has_pending_writes  # the commit left running is still to be settled
    store.add_notification(_n("n2"), "2")  # the next chunk, parsed meanwhile
    store.set_cursor("2")
    later = asyncio.create_task(store.commit_async())
    await asyncio.sleep(0.1)
    assert not later.done()  # waits for the first one, which waits for the lock
    blocker.execute("ROLLBACK")
    blocker.close()
    await asyncio.wait_for(later, 30)
    assert not store.has_pending_writes
    assert _peek(state_dir, "SELECT id FROM notifications ORDER BY id") == [("n1",), ("n2",)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("2",)]
    store.close()


async def test_a_commit_left_running_that_fails_is_raised_by_the_next_and_nothing_is_lost(
    state_dir: Path,
) -> None:
    from atp_tui.store.db import StateWriteError

    store, writer = await _store_with_a_full_writer(state_dir)
    await store.commit_async(wait=False)  # fails in the writer thread, unseen yet
    store.add_notification(_n("late"), None)
    with pytest.raises(StateWriteError, match="database or disk is full"):
        await store.commit_async(wait=False)
    assert store.has_pending_writes  # all queued again, the failed ones first
    await writer.run(lambda db: db.execute("PRAGMA max_page_count = 1073741823"))
    await store.commit_async()
    store.close()
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(21,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("19",)]


@pytest.mark.parametrize("fails", [False, True], ids=["written", "refused"])
async def test_closing_settles_a_commit_left_running(state_dir: Path, fails: bool) -> None:
    """Quitting during a burst: the commit under way ends first; if it was refused, its
    changes are written by the last commit with the rest (nothing of the burst is lost)."""
    store, _ = await _store_with_a_full_writer(state_dir, full=fails)
    await store.commit_async(wait=False)
    store.add_notification(_n("late"), None)
    store.close()  # the main connection has no page limit: the last commit succeeds
    assert _peek(state_dir, "SELECT COUNT(*) FROM notifications") == [(21,)]
    assert _peek(state_dir, "SELECT value FROM meta WHERE key = 'cursor'") == [("19",)]


async def test_read_marks_are_saved_in_the_writer_thread_not_on_the_loop(
    state_dir: Path,
) -> None:
    """Selecting an item for a second marks it read. With a loop running (the TUI), the
    commit goes to the writer thread: on the loop it waited for the writer's transaction
    (49-60 ms of a burst's longest stall, `bench/burst.py`)."""
    import asyncio
    import time

    store = Store.open(state_dir)
    store.add_notification(_n("n1"), "1")
    await store.commit_async()
    blocker = sqlite3.connect(state_dir / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # as the writer thread's transaction in a burst
    started = time.monotonic()
    store.mark_read("n1")
    assert time.monotonic() - started < 0.5  # returned without waiting for the lock
    assert _peek(state_dir, "SELECT read FROM notifications") == [(0,)]
    blocker.execute("ROLLBACK")
    blocker.close()
    for _ in range(500):
        if _peek(state_dir, "SELECT read FROM notifications") == [(1,)]:
            break
        await asyncio.sleep(0.01)
    assert _peek(state_dir, "SELECT read FROM notifications") == [(1,)]
    store.close()


async def test_read_marks_queued_when_the_store_closes_are_written_by_close(
    state_dir: Path,
) -> None:
    store = Store.open(state_dir)
    store.add_notification(_n("n1"), "1")
    await store.commit_async()
    store.mark_read("n1")  # its background commit has not run yet
    store.close()
    await asyncio.sleep(0.05)  # the task then finds the store closed, and does nothing
    assert _peek(state_dir, "SELECT read FROM notifications") == [(1,)]
