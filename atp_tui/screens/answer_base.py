"""The shared frame of every answer modal: heading, validation, inline errors, Escape.

A modal names the action and the notification, collects the user's input, and turns it into
`response_data` with `atp_tui.protocol.response_data_for` (the same rules the server applies).
A validation error is shown inline and the input is kept; Escape always cancels without
sending. The modal never sends anything itself: it dismisses with a `ChosenAnswer` and the main
screen sends it, bound to the notification id captured when the key was pressed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from atp_tui.protocol import Action, Notification, ResponseValidationError, response_data_for
from atp_tui.protocol.text import sanitize


@dataclass(frozen=True, slots=True)
class ChosenAnswer:
    """What a modal returns: validated `response_data` and the raw input (to prefill a retry)."""

    response_data: Any
    user_input: object = None


def literal(text: object, *, limit: int = 200) -> Content:
    """Server text as literal `Content` (for Button labels and similar markup-parsing slots)."""
    return Content(sanitize(text, limit=limit))


class AnswerModal(ModalScreen[ChosenAnswer | None]):
    """Base class: subclasses fill `compose_body`, call `submit(user_input)` to finish.

    | Key | id | Action |
    |---|---|---|
    | `escape` | `modal.cancel` | close without sending |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
    ]

    #: The line under the body telling which keys send and cancel.
    HINT = "Enter sends · Escape cancels"
    #: The selector of the input the answer is typed into (text, number, date), focused on
    #: mount. Keys typed right after the one that opened the modal wait until it has focus
    #: (`atp_tui.screens.key_order`), so they all land in it.
    ANSWER_INPUT: ClassVar[str | None] = None

    def __init__(self, notification: Notification, action: Action, initial: object = None) -> None:
        super().__init__(classes="answer-modal")
        self.notification = notification
        self.action = action
        self.initial = initial
        #: Validation errors shown so far (tests read it).
        self.errors: list[str] = []

    def compose(self) -> ComposeResult:
        """Heading naming the action and the notification, the body, the error line, hints."""
        heading = Text()
        heading.append(sanitize(self.action.display_label, limit=120), style="bold")
        heading.append(f"  ({self.action.response_type})", style="dim")
        if self.action.irreversible:
            heading.append("  irreversible", style="bold red")
        subject = Text("on: ", style="dim")
        subject.append(sanitize(self.notification.context.title, limit=300))
        subject.append(f"\nfrom {sanitize(self.notification.service.name, limit=80)}", style="dim")
        with Vertical(id="dialog"):
            yield Static(heading, id="dialog-title", markup=False)
            yield Static(subject, id="dialog-subject", markup=False)
            yield from self.compose_body()
            yield Static("", id="dialog-error", markup=False)
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def compose_body(self) -> Iterable[Widget]:
        """The input widgets (override)."""
        return ()

    def on_mount(self) -> None:
        """Honour the app's cursor-blink setting (off in snapshot tests); focus the input."""
        blink = bool(getattr(self.app, "cursor_blink", True))
        for widget in self.query(Input):
            widget.cursor_blink = blink
        for area in self.query(TextArea):
            area.cursor_blink = blink
        if self.ANSWER_INPUT is not None:
            self.set_focus(self.query_one(self.ANSWER_INPUT, Input | TextArea))

    def show_error(self, message: str) -> None:
        """Show a validation error under the input (the input is left as it is)."""
        self.errors.append(message)
        self.query_one("#dialog-error", Static).update(
            Text(sanitize(message, limit=300), style="bold red")
        )

    def submit(self, user_input: object) -> None:
        """Validate `user_input`; dismiss with the answer, or show why not and stay open."""
        try:
            data = response_data_for(self.action, user_input)
        except ResponseValidationError as error:
            self.show_error(error.message)
            return
        self.dismiss(ChosenAnswer(data, user_input))

    def action_cancel(self) -> None:
        """Close without sending."""
        self.dismiss(None)
