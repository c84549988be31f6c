"""Confirm an irreversible `simple` action: `y`/Enter sends, `n`/Escape cancels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from atp_tui.screens.answer_base import AnswerModal
from atp_tui.text import sanitize


class ConfirmModal(AnswerModal):
    """Asks before sending an action flagged `irreversible`.

    | Key | id | Action |
    |---|---|---|
    | `y` / `enter` | `confirm.yes` | send |
    | `n` / `escape` | `confirm.no` | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "confirm", "Send", id="confirm.yes", priority=True),
        Binding("n,escape", "cancel", "Cancel", id="confirm.no", priority=True),
    ]
    HINT = "y or Enter sends · n or Escape cancels"

    def compose_body(self) -> Iterable[Widget]:
        """The question and two buttons."""
        question = Text("Send ")
        question.append(f"“{sanitize(self.action.display_label, limit=120)}”", style="bold")
        question.append("? This cannot be undone.")
        yield Static(question, id="confirm-question", markup=False)
        with Horizontal(classes="dialog-buttons"):
            yield Button("Send (y)", id="confirm-yes", variant="error")
            yield Button("Cancel (n)", id="confirm-no")

    def action_confirm(self) -> None:
        """Send (a simple action's response_data is null)."""
        self.submit(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on one of the buttons."""
        event.stop()
        if event.button.id == "confirm-yes":
            self.action_confirm()
        else:
            self.action_cancel()
