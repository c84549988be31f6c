"""`atp-tui list`: the cached inbox from the state dir, newest first, without the network.

It is where the ids for `atp-tui respond` come from without digging through `watch` output:
`watch` and the TUI keep the inbox in the state dir, and `list` reads it. Every string is
server text: the human table is `sanitize`d to one row per notification (the guarded stdout
would neutralise it anyway, but a line break in a title must not fake a row), and `--json`
lines go through `escape_json_text`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from atp_tui.commands.reading import EXIT_STATE_UNAVAILABLE, reading_store
from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.protocol.text import escape_json_text, sanitize
from atp_tui.store import Store, StoredNotification
from atp_tui.view.status import effective_status

ListedState = Literal["open", "answered", "completed", "expired", "invalidated"]
#: Column caps: ids and service names are server text of any length.
_ID_WIDTH, _SERVICE_WIDTH = 40, 24


@dataclass(frozen=True, slots=True)
class Listed:
    """One notification as `list` shows it."""

    id: str
    state: ListedState
    deadline: datetime | None
    created: datetime
    service: str
    project: str | None
    title: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times in ISO 8601)."""
        return {
            "id": self.id,
            "state": self.state,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "created": self.created.isoformat(),
            "service": self.service,
            "project": self.project,
            "title": self.title,
        }


def listed_state(item: StoredNotification, now: datetime) -> ListedState:
    """`open` while it takes answers (state and deadline), else what closed it."""
    status = effective_status(item)
    if is_actionable(status, item.summary.deadline, now):
        return "open"
    if status == "responded":
        return "answered"
    if status in ("completed", "expired", "invalidated"):
        return status  # type: ignore[return-value]
    return "expired"  # an open state whose deadline passed


def cached_inbox(store: Store, now: datetime, *, only_open: bool) -> list[Listed]:
    """The stored notifications, newest first (by their timestamp, else when received)."""
    rows = []
    # Reversed first: notifications of the same instant then list the last received first.
    for item in reversed(store.load_notifications()):
        state = listed_state(item, now)
        if only_open and state != "open":
            continue
        summary = item.summary
        created = summary.timestamp or item.received_at
        rows.append(
            Listed(
                summary.id,
                state,
                summary.deadline,
                created,
                summary.service,
                summary.project,
                summary.title,
            )
        )
    rows.sort(key=lambda row: row.created, reverse=True)
    return rows


def _cell(text: str, width: int) -> str:
    """`text` on one row, cut to `width` with `…` (server text: sanitised first)."""
    text = sanitize(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(rows: list[Listed]) -> str:
    """Aligned columns: id, state, deadline (local time), service, title."""
    ids = [_cell(row.id, _ID_WIDTH) for row in rows]
    services = [_cell(row.service, _SERVICE_WIDTH) for row in rows]
    id_width = max(len("ID"), *(len(text) for text in ids))
    service_width = max(len("SERVICE"), *(len(text) for text in services))
    lines = [
        f"{'ID':<{id_width}}  {'STATE':<11} {'DEADLINE':<16}  {'SERVICE':<{service_width}}  TITLE"
    ]
    for row, shown_id, service in zip(rows, ids, services, strict=True):
        deadline = row.deadline.astimezone().strftime("%Y-%m-%d %H:%M") if row.deadline else "—"
        title = sanitize(row.title, limit=200)
        lines.append(
            f"{shown_id:<{id_width}}  {row.state:<11} {deadline:<16}  "
            f"{service:<{service_width}}  {title}"
        )
    return "\n".join(lines)


def run_list(state_dir: Path, *, as_json: bool, only_open: bool, now: datetime) -> int:
    """Print the cached inbox of `state_dir`; 0, or 4 when the state dir cannot be opened."""
    with reading_store(state_dir) as store:
        if store is None:
            return EXIT_STATE_UNAVAILABLE
        cached = len(store.load_notifications())
        rows = cached_inbox(store, now, only_open=only_open)
        if as_json:
            for row in rows:
                print(escape_json_text(json.dumps(row.as_json(), ensure_ascii=False)))
        elif rows:
            print(format_table(rows))
        if cached == 0:
            # Not "nothing open": without a cached inbox, what is open is not known here.
            note = (
                f"no cached inbox in {state_dir}: `atp-tui watch` or the TUI with this "
                "state dir keeps one"
            )
            if as_json:  # stdout stays JSON lines only
                print(f"atp-tui: {note}", file=sys.stderr)
            else:
                print(note)
        elif not rows and not as_json:
            print(f"nothing open ({cached} cached: --state all lists them)")
    return 0
