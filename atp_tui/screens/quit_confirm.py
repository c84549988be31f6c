"""Ask before quitting while an answer is still being sent."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from atp_tui.screens.quiet_focus import QuietFocus


class QuitConfirm(QuietFocus, ModalScreen[bool]):
    """`y`/Enter quits, `n`/Escape stays.

    | Key | id | Action |
    |---|---|---|
    | `y` / `enter` | `quit.yes` | quit anyway |
    | `n` / `escape` | `quit.no` | stay |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Quit", id="quit.yes", priority=True),
        Binding("n,escape", "answer(False)", "Stay", id="quit.no", priority=True),
    ]

    def __init__(self, pending: int) -> None:
        super().__init__(classes="answer-modal")
        self.pending = pending

    def compose(self) -> ComposeResult:
        """The question and two buttons."""
        answers = "an answer is" if self.pending == 1 else f"{self.pending} answers are"
        with Vertical(id="dialog"):
            yield Static(Text("Quit atp-tui?", style="bold"), id="dialog-title", markup=False)
            yield Static(
                Text(
                    f"{answers.capitalize()} still being sent. If you quit now you will not "
                    "see whether the server accepted it (the response log in the state "
                    "directory will)."
                ),
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Quit (y)", id="quit-yes", variant="error")
                yield Button("Stay (n)", id="quit-no")

    def action_answer(self, quit_now: bool) -> None:
        """Close with the choice."""
        self.dismiss(quit_now)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on one of the buttons."""
        event.stop()
        self.dismiss(event.button.id == "quit-yes")
