"""The history screen: this user's answers from the store's response log, newest first.

| Key | id | Action |
|---|---|---|
| `escape` / `q` / `H` | `history.close` | close |
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from atp_tui.protocol.text import sanitize
from atp_tui.screens.listing import ListingDialog
from atp_tui.view.history import HistoryEntry

#: Outcome -> style in the table.
_OUTCOME_STYLES = {"sent": "green", "already_responded": "yellow"}


def _answer(data: Any) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)


def history_table(entries: list[HistoryEntry]) -> Table:
    """When, notification, action, answer and outcome (every agent string sanitised); the
    answer in the agent's words (an option's label) as `atp-tui history` prints it."""
    table = Table(box=None, padding=(0, 2, 0, 0), expand=True)
    table.add_column("When", no_wrap=True, style="dim")
    table.add_column("Notification", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column("Action", ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column("Answer", ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column("Outcome", ratio=3, no_wrap=True, overflow="ellipsis")
    for entry in entries:
        attempt = entry.attempt
        # The words of `atp-tui history` and the inbox (`protocol/outcomes.py`), not our own.
        outcome = Text(entry.words, style=_OUTCOME_STYLES.get(attempt.outcome, "red"))
        if attempt.detail and attempt.outcome != "sent":
            outcome.append(f": {sanitize(attempt.detail, limit=120)}", style="dim")
        table.add_row(
            Text(attempt.attempted_at.astimezone().strftime("%m-%d %H:%M")),
            Text(sanitize(entry.title, limit=200)),
            Text(sanitize(entry.action_label, limit=80), style="bold"),
            Text(sanitize(entry.value_label or _answer(attempt.response_data), limit=200)),
            outcome,
        )
    return table


class HistoryScreen(ListingDialog):
    """The response log as a table, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,H", "close", "Close", id="history.close"),
    ]

    DIALOG_CLASS = "history-dialog"
    SCROLL_ID = "history-scroll"
    HINT = "Escape closes · atp-tui history / handover print this"

    def __init__(self, entries: list[HistoryEntry]) -> None:
        super().__init__()
        #: Newest first.
        self.entries = sorted(entries, key=lambda entry: entry.attempt.attempted_at, reverse=True)

    def heading(self) -> Text:
        """ "Your answers" with the count."""
        title = Text("Your answers", style="bold")
        title.append(f"  {len(self.entries)}, newest first", style="dim")
        return title

    def body(self) -> Iterable[Widget]:
        """The table, or a sentence when there is nothing yet."""
        if self.entries:
            yield Static(history_table(self.entries), id="history-table", markup=False)
        else:
            yield Static(
                Text("No answers yet: the answers you send appear here."),
                id="history-empty",
                markup=False,
            )


#: The start of time for "every answer" (the log is short-lived client state).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
