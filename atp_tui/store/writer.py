"""A thread that writes the state, so the UI loop never waits on a commit or a checkpoint.

SQLite's C code runs without the GIL, so a commit (and the WAL checkpoint, where WAL mode
fsyncs) on another thread costs the UI loop almost nothing; on the loop, one commit measured
233-272 ms when SQLite's own checkpoint fell into it (issue #12). The writer has its own
connection to the file, opened in its thread on first use; the two connections take turns
through SQLite's locks (`BUSY_TIMEOUT_MS`). One thread, so writes keep their order.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from atp_tui.store.db import connect_writer

_T = TypeVar("_T")


class BackgroundWriter:
    """Runs `work(connection)` in one writer thread with its own connection to `path`."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atp-state-writer")
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:  # made in the writer thread: sqlite3 ties it to its thread
            self._db = connect_writer(self._path)
        return self._db

    def submit(self, work: Callable[[sqlite3.Connection], _T]) -> Future[_T]:
        """Queue `work` for the writer thread; the future holds its result or exception."""
        return self._executor.submit(lambda: work(self._connection()))

    async def run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` in the writer thread; its exceptions come back here."""
        return await asyncio.wrap_future(self.submit(work))

    def close(self) -> None:
        """Wait for the write under way, then close the thread's connection and the thread."""

        def close_connection() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        self._executor.submit(close_connection).result()
        self._executor.shutdown(wait=True)
