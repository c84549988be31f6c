"""`watch`'s commit as one SQLite statement: one call that runs without the GIL.

`HeadlessStore` writes a commit's rows, seen event ids and meta values through a temporary
view whose `INSTEAD OF INSERT` trigger does every write: the whole commit is one `INSERT`
with six bound values, run in autocommit mode (one statement, one transaction). Python's
`sqlite3` holds the GIL only to bind them; SQLite's work (the rows, their indexes, the
`inbox_index` trigger, the WAL writes and a checkpoint that falls due) runs with it released,
so it can also run outside `watch`'s process (`atp_tui.store.commit_process`) with one
hand-over a commit: `executemany` binds every row from Python.

The payload texts travel as one BLOB of their UTF-8 bytes, cut by offsets (`substr` on a
BLOB counts bytes, no copy into JSON strings); the rest as compact JSON arrays. The rows are
the ones `executemany` wrote: same columns, same upsert, same order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from atp_tui.store.base import SEEN_EVENT_LIMIT, PendingWrites
from atp_tui.store.commit_process import INSERT_SQL

#: The view and its trigger: temporary, so each connection that commits creates its own and
#: the database file's schema does not change (the TUI's `Store` and older versions open it).
#: `temp_store=MEMORY`: no temporary file for the view, wherever the state dir is. Written
#: for SQLite 3.24 with JSON1 (upserts, `json_each`), as the rest of the schema: no `->>`
#: (3.38) and no `UPDATE … FROM` (3.33).
COMMIT_VIEW_SQL = """
PRAGMA temp_store=MEMORY;
CREATE TEMP VIEW IF NOT EXISTS atp_commit AS
SELECT NULL AS rows, NULL AS payloads, NULL AS states, NULL AS seen, NULL AS meta,
       NULL AS seen_limit;
CREATE TEMP TRIGGER IF NOT EXISTS atp_commit_write INSTEAD OF INSERT ON atp_commit BEGIN
    INSERT INTO notifications (id, raw, status, received_at, event_id)
    SELECT json_extract(r.value, '$[0]'),
           CAST(substr(NEW.payloads, json_extract(r.value, '$[1]'),
                       json_extract(r.value, '$[2]')) AS TEXT),
           json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]'),
           json_extract(r.value, '$[5]')
    FROM json_each(NEW.rows) AS r WHERE true
    ON CONFLICT(id) DO UPDATE SET raw = excluded.raw, status = excluded.status, summary = NULL;
    UPDATE notifications SET
        status = (SELECT json_extract(s.value, '$[1]') FROM json_each(NEW.states) AS s
                  WHERE json_extract(s.value, '$[0]') = notifications.id),
        status_reason = (SELECT json_extract(s.value, '$[2]') FROM json_each(NEW.states) AS s
                         WHERE json_extract(s.value, '$[0]') = notifications.id)
    WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(NEW.states));
    INSERT OR IGNORE INTO seen_events (event_id) SELECT value FROM json_each(NEW.seen);
    DELETE FROM seen_events WHERE seq <= (SELECT MAX(seq) FROM seen_events) - NEW.seen_limit;
    INSERT INTO meta (key, value) SELECT key, value FROM json_each(NEW.meta)
    WHERE type != 'null'
    ON CONFLICT(key) DO UPDATE SET value = excluded.value;
    DELETE FROM meta WHERE key IN (SELECT key FROM json_each(NEW.meta) WHERE type = 'null');
END;
"""


def install_commit_view(connection: sqlite3.Connection) -> None:
    """Create the commit view on `connection` (temporary objects are per connection)."""
    connection.executescript(COMMIT_VIEW_SQL)


def _json(value: object) -> str:
    # Not ASCII-escaped: SQLite reads UTF-8 text; compact, as the rows are parsed once.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(slots=True)
class Batch:
    """One commit's changes, taken from the store's queue, and the values that write them."""

    taken: PendingWrites
    #: The new ids among them and their SSE event id (their rows get the arrival time).
    arrivals: dict[str, str | None]
    #: The state changes among them: the reason given with each.
    reasons: dict[str, str | None]
    #: The bound values of the one `INSERT` (see the module docstring).
    values: tuple[str, bytes, str, str, str, int]


def build_batch(
    taken: PendingWrites,
    arrivals: dict[str, str | None],
    reasons: dict[str, str | None],
    states: Mapping[str, str | None],
    now: str,
) -> Batch:
    """The batch that writes `taken`: payload rows (arrival columns only for new ids, a
    known id keeps its own), state changes with their reasons, seen ids, meta values."""
    rows: list[tuple[str, int, int, str | None, str, str | None]] = []
    offset = 1  # SQL's substr counts from 1
    for key, raw in taken.raw.items():
        # Bytes, not characters: an ASCII text (most) is as long in UTF-8, known at once.
        size = len(raw) if raw.isascii() else len(raw.encode())
        new = key in arrivals
        rows.append((key, offset, size, states[key], now if new else "", arrivals.get(key)))
        offset += size
    changes = [(key, states[key], reason) for key, reason in reasons.items()]
    values = (
        _json(rows),
        "".join(taken.raw.values()).encode(),
        _json(changes),
        _json(taken.seen),
        _json(taken.meta),
        SEEN_EVENT_LIMIT,
    )
    return Batch(taken, arrivals, reasons, values)


def write_batch(connection: sqlite3.Connection, batch: Batch) -> None:
    """Write `batch` in one statement, one transaction: all of it or, raising, none."""
    connection.execute(INSERT_SQL, batch.values)
