"""Opening the state dir for a command that only reads it (`list`, `history`, `handover`).

One way for all of them: the state must be there (`StateUnavailable`: one line, exit 4, never
a database moved aside), every warning the store has (found at open, or while reading, such as
a corrupt response-log row) goes to stderr once, and closing writes back the summaries made
from payloads at open, with a warning if that cannot be saved.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from atp_tui.store import StateUnavailable, StateWriteError, Store

#: The state dir cannot be opened (disk full, read-only, I/O error): the same status as
#: `watch`'s and `respond`'s.
EXIT_STATE_UNAVAILABLE = 4


@contextmanager
def reading_store(state_dir: Path) -> Iterator[Store | None]:
    """The store of `state_dir` for reading, or `None` (after saying why) when it cannot be
    opened: the caller then exits with `EXIT_STATE_UNAVAILABLE`."""
    try:
        store = Store.open(state_dir, required=True)
    except StateUnavailable as error:
        print(f"atp-tui: error: {error}", file=sys.stderr)
        yield None
        return
    shown = 0
    try:
        for warning in store.warnings:
            print(f"atp-tui: warning: {warning}", file=sys.stderr)
        shown = len(store.warnings)
        yield store
    finally:
        for warning in store.warnings[shown:]:  # found while reading (corrupt log rows)
            print(f"atp-tui: warning: {warning}", file=sys.stderr)
        try:
            store.close()  # summaries made from payloads at open are written back
        except StateWriteError as error:
            print(f"atp-tui: warning: {error}", file=sys.stderr)
