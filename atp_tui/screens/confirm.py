"""Confirm an answer to an action flagged `irreversible`, whatever its type: `y` sends.

The question names the action, the value in the user's words (`Fail over now?: Wait`, an
option's label, the typed text shortened) and the notification. Cancel has the focus, so a stray
Enter (one more than needed, or one typed ahead over a slow link) cancels instead of sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from atp_tui.protocol import Action, Notification
from atp_tui.protocol.text import shorten
from atp_tui.screens.answer_base import AnswerModal, ChosenAnswer
from atp_tui.view.items import answer_in_words

#: The longest notification title quoted in the question (the heading shows more of it).
TITLE_LIMIT = 80


class ConfirmModal(AnswerModal):
    """Asks before sending an answer to an action flagged `irreversible`.

    | Key | id | Action |
    |---|---|---|
    | `y` | `confirm.yes` | send |
    | `n` / `escape` | `confirm.no` | cancel |
    | `enter` | (button) | press the focused button: Cancel, unless Tab moved to Send |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Send", id="confirm.yes"),
        Binding("n,escape", "cancel", "Cancel", id="confirm.no"),
    ]
    HINT = "y sends · n or Escape cancels · Enter presses the focused button"

    def __init__(self, notification: Notification, action: Action, chosen: ChosenAnswer) -> None:
        """`chosen` is the validated answer to send once confirmed."""
        super().__init__(notification, action, chosen.user_input)
        self.chosen = chosen

    def question(self) -> Text:
        """“Send ‘<action>: <value>’ to ‘<notification>’? This cannot be undone.”"""
        what = shorten(self.action.display_label, 60)
        value = answer_in_words(self.action, self.chosen.response_data)
        if value is not None:
            what = f"{what}: {shorten(value, 80)}"
        question = Text("Send ")
        question.append(f"“{what}”", style="bold")
        question.append(" to ")
        question.append(f"“{shorten(self.notification.context.title, TITLE_LIMIT)}”")
        question.append("? This cannot be undone.")
        return question

    def compose_body(self) -> Iterable[Widget]:
        """The question and two buttons."""
        yield Static(self.question(), id="confirm-question", markup=False)
        with Horizontal(classes="dialog-buttons"):
            yield Button("Send (y)", id="confirm-yes", variant="error", classes="send-button")
            yield Button("Cancel (n)", id="confirm-no")

    def on_mount(self) -> None:
        """Cancel has the focus: Enter alone never sends something that cannot be undone."""
        super().on_mount()
        self.query_one("#confirm-no", Button).focus()

    def action_confirm(self) -> None:
        """Send the answer chosen before (not once the item has closed while asking)."""
        if self.closed:
            self.app.bell()
            return
        self.dismiss(self.chosen)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Enter on the focused button, or a click."""
        event.stop()
        if event.button.id == "confirm-yes":
            self.action_confirm()
        else:
            self.action_cancel()
