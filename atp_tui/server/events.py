"""The server's event log: every `notification` and `status_update` ever emitted, for replay.

Events carry ids `"<unix seconds>-<seq>"` with `seq` increasing by one per event, so an id names
a position in the log. The log keeps the newest `limit` events; an id that is not (or no longer)
in it is unknown, and a stream resuming from it gets the whole retained log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def isoformat(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`, as every server timestamp is written."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def dump_json(data: Any) -> str:
    """One-line JSON (newlines inside strings are escaped, so it fits one `data:` line).

    Text stays UTF-8, except when a string holds a lone surrogate (which UTF-8 cannot carry):
    then everything non-ASCII is escaped, so the frame can always be sent.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One logged event and its ready-to-send SSE frame."""

    seq: int
    id: str
    name: str
    data: dict[str, Any]
    frame: str


def format_frame(name: str, data: dict[str, Any] | str, event_id: str | None = None) -> str:
    """An SSE frame: `id:` (when given), `event:`, one `data:` line, blank line.

    `data` is the payload object, or its one-line JSON when already serialised.
    """
    text = data if isinstance(data, str) else dump_json(data)
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {name}\ndata: {text}\n\n"


class EventLog:
    """Append-only, bounded list of events with O(1) lookup by id and by position."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._events: list[StoredEvent] = []
        self._seq_by_id: dict[str, int] = {}
        self.last_seq = 0

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[StoredEvent]:
        return iter(self.after(0))

    @property
    def first_seq(self) -> int:
        """The seq of the oldest retained event (`last_seq + 1` when empty)."""
        return self._events[0].seq if self._events else self.last_seq + 1

    def append(self, name: str, data: dict[str, Any], moment: datetime) -> StoredEvent:
        """Log an event; the data is snapshotted (serialised) now."""
        self.last_seq += 1
        event_id = f"{int(moment.timestamp())}-{self.last_seq}"
        text = dump_json(data)
        snapshot = json.loads(text)  # later changes to `data` must not alter the log
        event = StoredEvent(
            self.last_seq, event_id, name, snapshot, format_frame(name, text, event_id)
        )
        self._events.append(event)
        self._seq_by_id[event_id] = event.seq
        self._trim()
        return event

    def _trim(self) -> None:
        # Trim in batches so that a full log does not shift the whole list on every append.
        excess = len(self._events) - self.limit
        if excess > 0 and (excess >= 1024 or excess * 10 >= self.limit):
            for event in self._events[:excess]:
                del self._seq_by_id[event.id]
            del self._events[:excess]

    def seq_of(self, event_id: str | None) -> int | None:
        """The position an id names, or `None` when the id is not in the retained log."""
        if not event_id:
            return None
        seq = self._seq_by_id.get(event_id)
        if seq is None or seq < self.first_seq or seq < self.last_seq - self.limit + 1:
            return None
        return seq

    def after(self, seq: int) -> list[StoredEvent]:
        """Retained events with a seq greater than `seq`, oldest first."""
        start = max(seq + 1, self.first_seq, self.last_seq - self.limit + 1)
        index = start - self.first_seq
        return self._events[index:] if index < len(self._events) else []
