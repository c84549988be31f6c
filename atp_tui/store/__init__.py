"""The client's state in SQLite (no Textual): what was received, the stream cursor, the answers.

- `base`: `StreamState`, what both stores share (the cursor, seen event ids, all-or-nothing
  commits), and `EngineStore`, the Protocol the stream engine needs.
- `state`: `Store`, the TUI's store: summaries of the cached inbox, payloads on demand, the
  response log; `StoredNotification`.
- `headless`: `HeadlessStore`, `watch`'s: ids and states only, same file and schema.
- `responses`: the response log (`ResponseAttempt`), the one record of what was answered.
- `payloads`: full notifications parsed on demand from their stored JSON, a few cached.
- `opening`: opening the file: what moves a damaged one aside, what leaves it alone.
- `db`: the SQLite file: schema, connection settings, what counts as corrupt, moving it aside.
"""

from atp_tui.store.base import EngineStore, StreamState
from atp_tui.store.db import DB_NAME, StateWriteError
from atp_tui.store.opening import StateUnavailable
from atp_tui.store.responses import ResponseAttempt
from atp_tui.store.state import MAX_CURSOR_LENGTH, Store, StoredNotification, valid_cursor

__all__ = [
    "DB_NAME",
    "MAX_CURSOR_LENGTH",
    "EngineStore",
    "ResponseAttempt",
    "StateUnavailable",
    "StateWriteError",
    "Store",
    "StoredNotification",
    "StreamState",
    "valid_cursor",
]
