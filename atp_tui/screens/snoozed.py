"""The snoozed items (`Z`): which items are out of the inbox, when each comes back, and a way
to wake one now.

Returns the id to wake (Enter, `z` or a click), or `None` (closed). While it is open the flow
(`atp_tui.screens.snoozing`) hands it the current list (`show`) as items come back.

| Key | id | Action |
|---|---|---|
| `z` | `snoozed.wake` | wake the highlighted item now (Enter too: the list's own) |
| `up` / `down`, `j` / `k` | `snoozed.down`, `snoozed.up` | move |
| `escape` / `Z` / `q` | `snoozed.close` | close |
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from atp_tui.protocol.text import sanitize
from atp_tui.screens.quiet_focus import QuietFocus
from atp_tui.store import StoredNotification
from atp_tui.view.snooze import back_at

#: The service column's width in the list (a longer name is cut).
SERVICE_WIDTH = 16


class _SnoozedOptions(OptionList):
    """The snoozed items; `j`/`k` move like in the inbox."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next", show=False, id="snoozed.down"),
        Binding("k", "cursor_up", "Previous", show=False, id="snoozed.up"),
    ]


def snoozed_line(item: StoredNotification, when: datetime, now: datetime) -> Text:
    """`back at 09:42  deploy-bot  Promote payments-api…` (server text sanitised)."""
    line = Text(f"{back_at(when, now):<22}", style="dim")
    line.append(f"{sanitize(item.summary.service, limit=SERVICE_WIDTH):<{SERVICE_WIDTH}}", "bold")
    line.append(f"  {sanitize(item.summary.title, limit=200)}")
    return line


class SnoozedScreen(QuietFocus, ModalScreen[str | None]):
    """The snoozed items, soonest back first (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "wake", "Wake now", id="snoozed.wake"),
        Binding("escape,Z,q", "close", "Close", id="snoozed.close"),
    ]
    HINT = "Enter or z wakes the item now · Escape closes"

    def __init__(self, rows: list[tuple[StoredNotification, datetime]], now: datetime) -> None:
        super().__init__(classes="answer-modal")
        self.rows = rows
        self.now = now

    def compose(self) -> ComposeResult:
        """Title with the count, the list (or a sentence when empty), the hint."""
        with Vertical(id="dialog", classes="snoozed-dialog"):
            yield Static(self._heading(), id="dialog-title", markup=False)
            yield _SnoozedOptions(*self._options(), id="snoozed-options")
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def _heading(self) -> Text:
        title = Text("Snoozed", style="bold")
        if self.rows:
            title.append(f"  {len(self.rows)}, soonest back first", style="dim")
        else:
            title.append("  nothing: z on an open item snoozes it", style="dim")
        return title

    def _options(self) -> list[Option]:
        return [
            Option(snoozed_line(item, when, self.now), id=item.summary.id)
            for item, when in self.rows
        ]

    def on_mount(self) -> None:
        """The list has the focus, on the soonest back."""
        options = self.query_one(_SnoozedOptions)
        options.focus()
        if self.rows:
            options.highlighted = 0

    def show(self, rows: list[tuple[StoredNotification, datetime]], now: datetime) -> None:
        """The list as it is now (items came back meanwhile), keeping the highlighted one."""
        options = self.query_one(_SnoozedOptions)
        highlighted = options.highlighted_option
        self.rows, self.now = rows, now
        options.clear_options()
        options.add_options(self._options())
        ids = [item.summary.id for item, _ in rows]
        if highlighted is not None and highlighted.id in ids:
            options.highlighted = ids.index(highlighted.id)
        elif ids:
            options.highlighted = 0
        self.query_one("#dialog-title", Static).update(self._heading())

    def action_wake(self) -> None:
        """Wake the highlighted item."""
        option = self.query_one(_SnoozedOptions).highlighted_option
        if option is not None and option.id is not None:
            self.dismiss(option.id)

    def action_close(self) -> None:
        """Close; nothing changes."""
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on an item."""
        event.stop()
        if event.option.id is not None:
            self.dismiss(event.option.id)
