"""`stream_alive_at`: the engine's per-chunk path records that a live stream fed the state."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from atp_tui.client.committer import ChunkCommitter
from atp_tui.store import DB_NAME, Store
from atp_tui.store.base import ALIVE_EVERY, STREAM_ALIVE_KEY
from atp_tui.store.headless import HeadlessStore
from tests.conftest import FakeClock


def stored_alive(state_dir: Path) -> str | None:
    with sqlite3.connect(state_dir / DB_NAME) as db:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (STREAM_ALIVE_KEY,)).fetchone()
    return row[0] if row else None


def test_at_most_once_a_minute(tmp_path: Path) -> None:
    clock = FakeClock()
    store = HeadlessStore.open(tmp_path, clock)
    start = clock.now()
    store.note_stream_alive(start)
    assert store.has_pending_writes
    store.commit()
    for seconds in (1, 30, ALIVE_EVERY - 1):
        store.note_stream_alive(start + timedelta(seconds=seconds))
        assert not store.has_pending_writes  # nothing to write: no commit a ping
    assert stored_alive(tmp_path) == start.isoformat()
    later = start + timedelta(seconds=ALIVE_EVERY)
    store.note_stream_alive(later)
    store.commit()
    assert stored_alive(tmp_path) == later.isoformat()
    store.note_stream_alive(start)  # the clock went back: written at once
    assert store.has_pending_writes
    store.close()


async def test_a_chunk_with_nothing_else_to_commit_commits_it(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path, clock)
    store.commit()
    committer = ChunkCommitter(
        store, clock, on_batch=None, heap=None, wait=clock.sleep, stopped=lambda: False
    )
    notices = [notice async for notice in committer.persist()]  # a ping's chunk
    assert notices == []
    assert not store.has_pending_writes
    assert stored_alive(tmp_path) == clock.now().isoformat()
    store.close()
