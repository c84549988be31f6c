"""A process that commits `watch`'s state while `watch` parses the next chunk.

`watch` writes a chunk's lines, hands that chunk's commit to this process (`start`), parses
the next chunk while SQLite works on the other core, and waits for the commit (`wait`)
before it writes the next chunk's lines. So no more than one chunk's lines are ever printed
and not yet committed, as when it committed in line; the store's cost (≈ 17 µs an event of
B-tree, WAL and checkpoint work) leaves `watch`'s path.

A process, not a thread: SQLite releases the GIL, but every hand-over between two threads
of one interpreter waits for the other thread to wake and take the GIL (≈ 0.3-0.4 ms a chunk
on the 2-core VM, as much as the commit it moved). Here `watch` writes a frame to a pipe
(made large enough to take it without waiting) and reads a one-line answer that is usually
there already; neither waits for the other to wake.

The child runs this file as a script (`python -I -S commit_process.py DB`): it
imports only the standard library (not the `atp_tui.store` package, which imports
pydantic), ignores SIGINT and SIGTERM (a terminal's Ctrl-C goes to `watch`, which commits
and closes it), commits each frame in one transaction (`write_changes`, which `watch` also
uses when it commits in line) and ends at the end of its input: when `watch` closes it, or
dies (then the frame it had whole is still committed; a frame cut off is not).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Sequence

#: A frame: its length (an unsigned 32-bit number), then the commit's values, `marshal`led
#: (`CommitValues`): C on both sides, no per-row work in Python, and the payload texts travel
#: as they are. Parent and child are the same interpreter (`sys.executable`), so they agree
#: on marshal's format; `marshal` builds only plain values, never runs code.
_LENGTH = struct.Struct("!I")
#: An answer: the length of the error text that follows (0: committed).
_ANSWER = _LENGTH
#: The pipe to the child holds this much (Linux): a frame goes in without waiting for it.
PIPE_BYTES = 1 << 20

#: One commit's changes: notification rows `(id, raw, status, received_at, event_id)` (a
#: known id keeps its arrival columns: `received_at` is "" for it), state changes
#: `(status, reason, id)`, new seen event ids, meta values (`None`: delete), and how many
#: seen ids to keep.
CommitValues = tuple[
    list[tuple[str, str, str | None, str, str | None]],
    list[tuple[str | None, str | None, str]],
    list[str],
    dict[str, str | None],
    int,
]

#: A notification row as `watch` writes it: a known id keeps its arrival columns and loses
#: its summary (the TUI makes it again from the new payload).
UPSERT_ROW_SQL = (
    "INSERT INTO notifications (id, raw, status, received_at, event_id)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
    " raw = excluded.raw, status = excluded.status, summary = NULL"
)


def write_seen_and_meta(
    db: sqlite3.Connection, seen: list[str], meta: dict[str, str | None], limit: int
) -> None:
    """The stream state's part of a commit (inside its transaction): new seen event ids, the
    oldest beyond `limit` forgotten, and meta values (`None` deletes one)."""
    if seen:
        db.executemany(
            "INSERT OR IGNORE INTO seen_events (event_id) VALUES (?)",
            [(event_id,) for event_id in seen],
        )
        # `seq` is the rowid: MAX and the range delete use the table's own b-tree.
        db.execute(
            "DELETE FROM seen_events WHERE seq <= (SELECT MAX(seq) FROM seen_events) - ?",
            (limit,),
        )
    for key, value in meta.items():
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def write_changes(db: sqlite3.Connection, values: CommitValues) -> None:
    """Write one commit's values in one transaction: all of them or, raising, none (the
    connection runs in autocommit mode; a failed COMMIT may have rolled back by itself)."""
    rows, changes, seen, meta, limit = values
    db.execute("BEGIN")
    try:
        if rows:
            db.executemany(UPSERT_ROW_SQL, rows)
        if changes:
            db.executemany(
                "UPDATE notifications SET status = ?, status_reason = ? WHERE id = ?", changes
            )
        write_seen_and_meta(db, seen, meta, limit)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


class CommitProcessError(sqlite3.OperationalError):
    """The commit process could not commit, in SQLite's words; `gone` when it ended."""

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`, or `None` at the end of the input (a partial read too)."""
    parts: list[bytes] = []
    while size:
        part = os.read(fd, size)
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _enlarge_pipe(fd: int) -> None:
    """Let the pipe at `fd` hold `PIPE_BYTES` (Linux), so a frame goes in whole without
    waiting for the child to wake; never shrinks one. Not for `watch`'s stdout: what sits
    unread in that pipe when its reader dies is lost, so it stays as small as it is."""
    fcntl = __import__("fcntl")
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    get_size = getattr(fcntl, "F_GETPIPE_SZ", None)
    if set_size is None or get_size is None:
        return
    # Not a pipe, or above the system's limit for unprivileged users: the size stays.
    with contextlib.suppress(OSError):
        if fcntl.fcntl(fd, get_size) < PIPE_BYTES:
            fcntl.fcntl(fd, set_size, PIPE_BYTES)


class CommitProcess:
    """The parent's side: start the child, hand it frames, read its answers."""

    def __init__(self, path: str, setup: Sequence[str]) -> None:
        self._command = [sys.executable, "-I", "-S", os.path.abspath(__file__), path]
        #: The statements the child runs first (its connection settings): sent
        #: as its first input, not as arguments (`ps` shows those).
        self._setup = ";\n".join(setup).encode()
        self._process: subprocess.Popen[bytes] | None = None
        self._busy = False
        #: Why the last frame could not be handed over (the child is gone), for `wait`.
        self._lost: str | None = None

    def open(self) -> None:
        """Start the child (at once, so its start overlaps the stream's); `OSError` when it
        cannot be started."""
        if self._process is not None:
            return
        self._process = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own session: a terminal's signals go to `watch` only, which closes it.
            start_new_session=True,
        )
        assert self._process.stdin is not None
        fd = self._process.stdin.fileno()
        _enlarge_pipe(fd)
        self._send(_ANSWER.pack(len(self._setup)) + self._setup)

    def _send(self, data: bytes) -> None:
        """Write all of `data` to the child; a child that is gone is noted for `wait`."""
        assert self._process is not None and self._process.stdin is not None
        fd = self._process.stdin.fileno()
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError as error:
            self._lost = f"the commit process ended ({error.strerror or error})"

    @property
    def busy(self) -> bool:
        """Whether a started commit has not been waited for."""
        return self._busy

    def start(self, values: CommitValues) -> None:
        """Hand one commit's values to the child; returns without waiting for it."""
        if self._busy:
            raise RuntimeError("the previous commit was not waited for")
        self.open()
        body = marshal.dumps(values)
        self._busy = True
        self._send(_LENGTH.pack(len(body)) + body)

    def wait(self) -> None:
        """Wait for the commit started last; `CommitProcessError` when it failed (nothing
        of it was written) or the child is gone (then nothing is known of it: the caller
        commits it again itself; the writes are upserts, harmless twice)."""
        if not self._busy:
            return
        self._busy = False
        assert self._process is not None and self._process.stdout is not None
        if self._lost is not None:
            lost, self._lost = self._lost, None
            raise CommitProcessError(lost, gone=True)
        fd = self._process.stdout.fileno()
        head = _read_exactly(fd, _ANSWER.size)
        if head is None:
            raise CommitProcessError("the commit process ended", gone=True)
        (size,) = _ANSWER.unpack(head)
        if size:
            text = _read_exactly(fd, size)
            if text is None:
                raise CommitProcessError("the commit process ended", gone=True)
            raise CommitProcessError(text.decode("utf-8", "replace"))

    def close(self) -> None:
        """Close the child's input (it ends once the commit under way is done) and wait for
        it to end. Any answer not waited for is dropped."""
        process, self._process = self._process, None
        self._busy = False
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        with contextlib.suppress(OSError):
            process.stdin.close()
        process.wait()
        process.stdout.close()


#: The WAL may grow to this many pages (4 KB: 256 MB) before the child checkpoints it in line
#: (SQLite's own checkpoint, inside the commit that crossed it): a long burst's bound. Until
#: then `watch` checkpoints once the stream is quiet (`StreamEngine`, `CHECKPOINT_WHEN_QUIET`),
#: after the burst, not during it. A checkpoint beside the commits, in a thread every 400
#: commits, was the bound before, and bounded nothing: commits went on appending while it
#: copied, so the WAL never started again (30,000 events left 118 MB of WAL with it and
#: without), and its copying cost the burst 6 % of `watch`'s time.
BURST_WAL_PAGES = 65_536


def _serve(path: str) -> None:
    """The child: run the setup script it is sent first, then commit each frame from stdin
    and answer each on stdout, until the input ends.

    SQLite's own checkpoint runs here only past `BURST_WAL_PAGES` of WAL (the bound of a
    long burst); `watch` checkpoints when the stream is quiet. A setup that fails ends the
    child without a word: `watch` then finds it gone and commits in line.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    head = _read_exactly(0, _ANSWER.size)
    setup = _read_exactly(0, _ANSWER.unpack(head)[0]) if head is not None else None
    if setup is None:
        return
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript(setup.decode())
        db.execute(f"PRAGMA wal_autocheckpoint={BURST_WAL_PAGES}")
    except sqlite3.Error:
        db.close()
        return
    try:
        while True:
            head = _read_exactly(0, _LENGTH.size)
            if head is None:
                break
            body = _read_exactly(0, _LENGTH.unpack(head)[0])
            if body is None:
                break  # cut off: `watch` died mid-frame; nothing of it is committed
            answer = _commit(db, body)
            try:
                os.write(1, _ANSWER.pack(len(answer)) + answer)
            except BrokenPipeError:
                break  # `watch` is gone: what came whole was committed
    finally:
        db.close()


def _commit(db: sqlite3.Connection, body: bytes) -> bytes:
    """Commit one frame's values; the answer: empty, or SQLite's words for the failure."""
    try:
        write_changes(db, marshal.loads(body))
    except sqlite3.Error as error:
        return (str(error) or type(error).__name__).encode()
    return b""


if __name__ == "__main__":
    _serve(sys.argv[1])
