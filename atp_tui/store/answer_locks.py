"""One answer to a notification at a time, across the processes sharing a state dir.

The respond client looks in the answer log for an earlier answer, writes its `sending` row,
POSTs, and logs the outcome. Two `atp-tui respond` runs at once (or `respond` beside the TUI)
both looked before either wrote, and both POSTed: the server then refused one as answered
elsewhere, though both answers came from here. `AnswerLocks` makes that stretch exclusive for
each notification: a POSIX record lock on one byte of `state.sqlite3.answers.lock`, at an offset
taken from the notification id (two ids that share one only wait for each other). The lock is
advisory and belongs to the process: the kernel releases it when the process ends, so a
`kill -9` never leaves one behind. Within one process the respond client's own in-flight set
keeps answers apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import os


def _offset(notification_id: str) -> int:
    """The byte of the lock file that stands for `notification_id` (the file stays empty:
    a record lock may cover bytes past its end)."""
    return int.from_bytes(hashlib.sha256(notification_id.encode()).digest()[:4], "big")


class AnswerLocks:
    """The answer locks of one state dir (its database file is `database`)."""

    def __init__(self, database: str) -> None:
        self.path = f"{database}.answers.lock"
        self._fd: int | None = None

    def try_lock(self, notification_id: str) -> bool:
        """Take the lock for `notification_id` if no other process holds it; `OSError` when
        the lock file cannot be opened."""
        fcntl = __import__("fcntl")
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _offset(notification_id))
        except (BlockingIOError, PermissionError):  # EAGAIN or EACCES: another process has it
            return False
        return True

    def unlock(self, notification_id: str) -> None:
        """Release the lock for `notification_id` (held by this process)."""
        if self._fd is None:
            return
        fcntl = __import__("fcntl")
        with contextlib.suppress(OSError):
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, _offset(notification_id))

    def close(self) -> None:
        """Close the lock file (every lock of this process on it is released)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
