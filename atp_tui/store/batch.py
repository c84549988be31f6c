"""`watch`'s commit as one value: what the commit process (or the in-line commit) writes.

A batch holds the changes taken from `HeadlessStore`'s queue (to put back should the commit
fail) and their `CommitValues`: plain tuples, lists and strings, which go to the commit
process in one `marshal` call and are written there by `write_changes` with `executemany`
(C loops over the rows on both sides). The payload texts are the strings the store queued:
nothing is encoded or copied for them here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from atp_tui.store.base import SEEN_EVENT_LIMIT, PendingWrites
from atp_tui.store.commit_process import CommitValues


@dataclass(slots=True)
class Batch:
    """One commit's changes, taken from the store's queue, and the values that write them."""

    taken: PendingWrites
    #: The new ids among them and their SSE event id (their rows get the arrival time).
    arrivals: dict[str, str | None]
    #: The state changes among them: the reason given with each.
    reasons: dict[str, str | None]
    #: What `write_changes` writes (see `CommitValues`).
    values: CommitValues


def build_batch(
    taken: PendingWrites,
    arrivals: dict[str, str | None],
    reasons: dict[str, str | None],
    states: Mapping[str, str | None],
    now: str,
) -> Batch:
    """The batch that writes `taken`: payload rows (arrival columns only for new ids, a
    known id keeps its own), state changes with their reasons, seen ids, meta values."""
    # A known id conflicts, so its arrival columns are not written: "" stands in.
    rows = [
        (key, raw, states[key], now if key in arrivals else "", arrivals.get(key))
        for key, raw in taken.raw.items()
    ]
    changes = [(states[key], reason, key) for key, reason in reasons.items()]
    values: CommitValues = (rows, changes, taken.seen, taken.meta, SEEN_EVENT_LIMIT)
    return Batch(taken, arrivals, reasons, values)
