"""The SQLite file under the store: schema, connection settings, moving a bad file aside.

WAL mode with `synchronous=NORMAL`: a commit does not fsync; a checkpoint (copying the WAL into
the database) does. SQLite's default checkpoints every 4 MB of WAL, which put that fsync in the
middle of every burst (~40% of the store's time); the stream engine checkpoints when the
stream is quiet instead (`Store.checkpoint`), and `WAL_AUTOCHECKPOINT_PAGES` bounds the WAL
should it never be.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from atp_tui.protocol.clock import Clock

#: The database's file name in the state dir.
DB_NAME = "state.sqlite3"
#: The most WAL pages (4 KB: 64 MB) before SQLite checkpoints by itself, quiet stream or not.
WAL_AUTOCHECKPOINT_PAGES = 16_384
#: The size the WAL file is cut back to when it starts again (SQLite's `journal_size_limit`).
WAL_FILE_LIMIT_BYTES = 16 * 1024 * 1024
#: How long a connection waits for the other one's transaction before "database is locked".
BUSY_TIMEOUT_MS = 10_000

#: A notification's state for the counts: the merged one, else its payload's (the summary's
#: copy; rows `watch` wrote have no summary). SQL over a row named `{row}`.
#: `json_valid` first: `json_extract` raises on malformed text, which would fail the commit.
INDEX_STATE_SQL = (
    "COALESCE({row}.status, CASE WHEN {row}.summary IS NULL"
    " THEN CASE WHEN json_valid({row}.raw) THEN json_extract({row}.raw, '$.status') END"
    " WHEN json_valid({row}.summary) THEN json_extract({row}.summary, '$[4]') END)"
)
#: Its deadline as stored: the summary's (ISO 8601), else the payload's text.
INDEX_DEADLINE_SQL = (
    "CASE WHEN {row}.summary IS NULL"
    " THEN CASE WHEN json_valid({row}.raw) THEN json_extract({row}.raw, '$.deadline') END"
    " WHEN json_valid({row}.summary) THEN json_extract({row}.summary, '$[5]') END"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
    id TEXT PRIMARY KEY,
    raw TEXT NOT NULL,
    status TEXT,
    status_reason TEXT,
    received_at TEXT NOT NULL,
    event_id TEXT,
    read INTEGER NOT NULL DEFAULT 0,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS seen_events (seq INTEGER PRIMARY KEY, event_id TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS responses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id TEXT NOT NULL,
    action_id TEXT NOT NULL,
    response_data TEXT,
    attempted_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
-- Snoozed notifications (`atp_tui.store.snoozes`): client state, one row per snoozed id.
CREATE TABLE IF NOT EXISTS snoozes (
    id TEXT PRIMARY KEY,
    until TEXT NOT NULL,
    snoozed_at TEXT NOT NULL
) WITHOUT ROWID;
"""

_INDEX_SCHEMA = """
-- What `atp-tui status` counts, kept small by triggers: it reads this (≈ 80 bytes a row)
-- instead of scanning past every payload (a row's later columns sit behind its `raw` text).
-- `day` is the deadline as SQLite's julianday (NULL when it cannot read it), so counting
-- compares numbers.
CREATE TABLE IF NOT EXISTS inbox_index (
    id TEXT PRIMARY KEY,
    state TEXT,
    deadline TEXT,
    day REAL,
    read INTEGER NOT NULL
) WITHOUT ROWID;
-- DELETE then INSERT, not INSERT OR REPLACE: inside a trigger, the conflict clause of the
-- statement that fired it (the stores' upserts) overrides the trigger's own.
CREATE TRIGGER IF NOT EXISTS inbox_index_insert AFTER INSERT ON notifications BEGIN
    DELETE FROM inbox_index WHERE id = NEW.id;
    INSERT INTO inbox_index
    SELECT NEW.id, state, deadline, julianday(deadline), NEW.read
    FROM (SELECT {state} AS state, {deadline} AS deadline);
END;
CREATE TRIGGER IF NOT EXISTS inbox_index_update AFTER UPDATE ON notifications BEGIN
    DELETE FROM inbox_index WHERE id = OLD.id OR id = NEW.id;
    INSERT INTO inbox_index
    SELECT NEW.id, state, deadline, julianday(deadline), NEW.read
    FROM (SELECT {state} AS state, {deadline} AS deadline);
END;
CREATE TRIGGER IF NOT EXISTS inbox_index_delete AFTER DELETE ON notifications BEGIN
    DELETE FROM inbox_index WHERE id = OLD.id;
END;
"""


#: SQLite's result codes that say nothing about the file's content: it is busy, full, out of
#: reach or not writable. Any other error met while opening it (SQLITE_CORRUPT, SQLITE_NOTADB,
#: text that cannot be decoded, a failed integrity check) means the content is damaged.
_ENVIRONMENT_CODES = frozenset(
    {
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_INTERRUPT,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_AUTH,
    }
)


class IntegrityCheckFailed(sqlite3.DatabaseError):
    """`PRAGMA quick_check` found the database damaged."""


class StateWriteError(Exception):
    """State could not be written (disk full, I/O error, read-only file): nothing was changed.

    The message names the cause and what to do; the queued changes are kept for a later try.
    """


def is_corruption(error: sqlite3.Error) -> bool:
    """Whether an error means the database file is damaged, so moving it aside can help.

    A full disk, an I/O error, a lock or a read-only file say nothing about the file: moving a
    healthy database aside for them would throw away the cursor, the seen ids and the answers.
    """
    code = getattr(error, "sqlite_errorcode", None)
    # No code: raised by Python's module over what it read (undecodable text): damaged content.
    return code is None or (code & 0xFF) not in _ENVIRONMENT_CODES


def describe_sqlite_error(error: sqlite3.Error) -> str:
    """A short cause for a message: SQLite's own words, e.g. `database or disk is full`."""
    return str(error) or type(error).__name__


def write_error(error: sqlite3.Error) -> StateWriteError:
    """The `StateWriteError` for a failed write, naming SQLite's cause and what to do."""
    return StateWriteError(
        f"cannot save state ({describe_sqlite_error(error)}): free disk space or fix the "
        "state directory's permissions"
    )


def connect(target: str) -> sqlite3.Connection:
    """Open (or create) the database at `target` in autocommit mode; `DatabaseError` when the
    file is not a database or fails its integrity check."""
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        if target != ":memory:":
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            # The background writer (`atp_tui.store.writer`) has a connection of its own: the
            # other one waits for its commit rather than failing with "database is locked".
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            status = connection.execute("PRAGMA quick_check").fetchone()
            if status is None or status[0] != "ok":
                raise IntegrityCheckFailed(f"integrity check failed: {status}")
        connection.executescript(_SCHEMA)
        columns = {row[1] for row in connection.execute("PRAGMA table_info(notifications)")}
        if "summary" not in columns:  # a database from before summaries: filled in on load
            connection.execute("ALTER TABLE notifications ADD COLUMN summary TEXT")
        _create_inbox_index(connection)
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection


def _create_inbox_index(connection: sqlite3.Connection) -> None:
    """The `inbox_index` table and its triggers; filled once for a database from before it."""
    indexed = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'inbox_index'"
    ).fetchone()
    connection.executescript(
        _INDEX_SCHEMA.replace("{state}", INDEX_STATE_SQL.format(row="NEW")).replace(
            "{deadline}", INDEX_DEADLINE_SQL.format(row="NEW")
        )
    )
    if indexed is None:
        connection.execute(
            "INSERT OR REPLACE INTO inbox_index"
            " SELECT id, state, deadline, julianday(deadline), read FROM (SELECT n.id,"
            f" {INDEX_STATE_SQL.format(row='n')} AS state,"
            f" {INDEX_DEADLINE_SQL.format(row='n')} AS deadline, n.read"
            " FROM notifications AS n)"
        )


#: The settings of a second connection to an open database (the TUI's writer thread,
#: `watch`'s commit process), in autocommit mode.
WRITER_PRAGMAS = (
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    # When the WAL starts again after a checkpoint, the file is cut back to this: a burst's
    # WAL (118 MB for 30,000 notifications) no longer stays on disk at its peak size.
    f"PRAGMA journal_size_limit={WAL_FILE_LIMIT_BYTES}",
)


def connect_writer(target: str) -> sqlite3.Connection:
    """A second connection to a database `connect` already opened and checked (no check again:
    `quick_check` reads the whole file)."""
    connection = sqlite3.connect(target, isolation_level=None)
    for pragma in WRITER_PRAGMAS:
        connection.execute(pragma)
    return connection


def database_file(connection: sqlite3.Connection) -> str:
    """The file behind `connection`'s main database; `""` for one in memory."""
    row = connection.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row is not None and row[2] else ""


def move_aside(path: Path, clock: Clock) -> Path:
    """Rename a bad database (and its WAL and shared-memory files) to `NAME.corrupt-STAMP`."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.replace(Path(f"{target}{suffix}"))
    return target


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN … COMMIT, rolled back on error (the connection runs in autocommit mode).

    A failed COMMIT (disk full, I/O error) may have rolled back by itself already; either way
    nothing of the transaction is in the database afterwards.
    """
    connection.execute("BEGIN")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
