"""The snooze menu (`z`): how long to keep the selected item out of the inbox.

It offers what `atp_tui.view.snooze.snooze_choices` allows for the item's deadline, each with
the time the item comes back, and returns the chosen key (`15m`, `1h`, `deadline`): the flow
(`atp_tui.screens.snoozing`) takes the time again when the choice is made.

| Key | id | Action |
|---|---|---|
| `1` | `snooze.15m` | 15 minutes |
| `2` | `snooze.1h` | 1 hour |
| `3` | `snooze.deadline` | until shortly before its deadline |
| `up` / `down`, `j` / `k`, `enter` | `snooze.down`, `snooze.up` | move, choose |
| `escape` / `n` | `snooze.cancel` | do not snooze |
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
from atp_tui.view.snooze import BEFORE_DEADLINE, SnoozeChoice, back_at

#: Choice key -> the digit that picks it (fixed, whatever else is offered).
DIGITS = {"15m": "1", "1h": "2", BEFORE_DEADLINE: "3"}


class _SnoozeOptions(OptionList):
    """The choices; `j`/`k` move like in the inbox."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next", show=False, id="snooze.down"),
        Binding("k", "cursor_up", "Previous", show=False, id="snooze.up"),
    ]


class SnoozeMenu(QuietFocus, ModalScreen[str | None]):
    """Snooze one item: returns the chosen key, or `None` (see the module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pick('15m')", "15 minutes", show=False, id="snooze.15m"),
        Binding("2", "pick('1h')", "1 hour", show=False, id="snooze.1h"),
        Binding("3", "pick('deadline')", "Before its deadline", show=False, id="snooze.deadline"),
        Binding("escape,n", "cancel", "Cancel", id="snooze.cancel"),
    ]
    HINT = "1–3 or Enter snoozes · Escape cancels · Z lists snoozed items"

    def __init__(self, title: str, choices: list[SnoozeChoice], now: datetime) -> None:
        """`title` is the item's (server text: sanitised here); `choices` are not empty."""
        super().__init__(classes="answer-modal")
        self.item_title = title
        self.choices = choices
        self.now = now

    def compose(self) -> ComposeResult:
        """Title, the item, the choices with the time each brings it back, the hint."""
        with Vertical(id="dialog", classes="snooze-dialog"):
            yield Static(Text("Snooze", style="bold"), id="dialog-title", markup=False)
            subject = Text(sanitize(self.item_title, limit=200))
            yield Static(subject, id="dialog-subject", markup=False)
            options = []
            for choice in self.choices:
                prompt = Text(f"{DIGITS.get(choice.key, ' ')}  ")
                prompt.append(choice.words, style="bold")
                prompt.append(f"  {back_at(choice.until, self.now)}", style="dim")
                options.append(Option(prompt, id=choice.key))
            yield _SnoozeOptions(*options, id="snooze-options")
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """The list has the focus, on the first choice."""
        options = self.query_one(_SnoozeOptions)
        options.focus()
        options.highlighted = 0

    def action_pick(self, key: str) -> None:
        """Choose `key` when it is offered (a bell otherwise: the deadline is too close)."""
        if any(choice.key == key for choice in self.choices):
            self.dismiss(key)
        else:
            self.app.bell()

    def action_cancel(self) -> None:
        """Close without snoozing."""
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on a choice."""
        event.stop()
        if event.option.id is not None:
            self.action_pick(event.option.id)
