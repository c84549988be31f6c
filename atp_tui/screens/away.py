"""The "while you were away" summary: what changed while the stream was not connected.

| Key | id | Action |
|---|---|---|
| `escape` / `enter` / `w` | `away.close` | close |
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from atp_tui.protocol.text import sanitize
from atp_tui.screens.listing import ListingDialog
from atp_tui.view.catchup import AwayEntry, AwaySummary

#: Entries listed per section; the rest are counted.
SECTION_LIMIT = 8


def _when(summary: AwaySummary) -> str:
    until = summary.until.astimezone().strftime("%H:%M")
    if summary.since is None:
        return f"until {until}"
    since = summary.since.astimezone()
    day = "" if since.date() == summary.until.astimezone().date() else "%Y-%m-%d "
    return f"{since.strftime(day + '%H:%M')} – {until}"


def summary_table(summary: AwaySummary) -> Table:
    """One section per kind of change, each a few titles (sanitised) with their detail."""
    table = Table(box=None, padding=(0, 1, 0, 0), expand=True, show_header=False)
    table.add_column("what", no_wrap=True, width=2)
    table.add_column("title", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column("detail", ratio=2, style="dim", no_wrap=True, overflow="ellipsis")
    sections: list[tuple[str, str, str, tuple[AwayEntry, ...]]] = [
        ("Arrived", "○", "bold", summary.arrived),
        ("Expired", "✗", "red", summary.expired),
        ("Invalidated", "⊘", "yellow", summary.invalidated),
        ("Answered elsewhere", "✓", "green", summary.answered_elsewhere),
    ]
    first = True
    for heading, glyph, style, entries in sections:
        if not entries:
            continue
        if not first:
            table.add_row("", "", "")
        first = False
        table.add_row(Text(glyph, style=style), Text(f"{heading} ({len(entries)})", style=style))
        for entry in entries[:SECTION_LIMIT]:
            table.add_row(
                "",
                Text(sanitize(entry.title, limit=200)),
                Text(sanitize(entry.detail, limit=120)),
            )
        if len(entries) > SECTION_LIMIT:
            table.add_row("", Text(f"… and {len(entries) - SECTION_LIMIT} more", style="dim"))
    return table


class AwayScreen(ListingDialog):
    """Lists what arrived, expired, was invalidated or answered elsewhere during a gap."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,w", "close", "Close", id="away.close"),
    ]
    DIALOG_CLASS = "away-dialog"
    SCROLL_ID = "away-scroll"
    HINT = "Escape closes · w shows this again"

    def __init__(self, summary: AwaySummary) -> None:
        super().__init__()
        self.summary = summary

    def heading(self) -> Text:
        """ "While you were away" and the period."""
        title = Text("While you were away", style="bold")
        title.append(f"  {_when(self.summary)}", style="dim")
        return title

    def headline(self) -> Iterable[Widget]:
        """The counts, above the sections."""
        yield Static(Text(self.summary.headline()), id="away-headline", markup=False)

    def body(self) -> Iterable[Widget]:
        """The sections."""
        yield Static(summary_table(self.summary), id="away-table", markup=False)
