"""Answer a `binary` action: two buttons with the agent's labels (`1` = true, `2` = false)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button

from atp_tui.protocol import BinaryAction
from atp_tui.screens.answer_base import AnswerModal, literal


class BinaryModal(AnswerModal):
    """Yes/no with custom labels.

    | Key | id | Action |
    |---|---|---|
    | `1` | `binary.true` | answer the first label (true) |
    | `2` | `binary.false` | answer the second label (false) |
    | `escape` | `modal.cancel` | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "answer(True)", "First", id="binary.true"),
        Binding("2", "answer(False)", "Second", id="binary.false"),
    ]
    HINT = "1 or 2 (or Tab and Enter) answers · Escape cancels"

    def compose_body(self) -> Iterable[Widget]:
        """Two buttons, true first, each with the agent's whole label (up to 200 characters:
        stacked, a long one wraps in its button)."""
        assert isinstance(self.action, BinaryAction)
        options = self.action.options
        with Horizontal(classes="dialog-buttons", id="binary-buttons"):
            yield Button(
                literal(f"1  {options.true_label}", limit=200),
                id="binary-true",
                classes="send-button",
            )
            yield Button(
                literal(f"2  {options.false_label}", limit=200),
                id="binary-false",
                classes="send-button",
            )

    def on_mount(self) -> None:
        """Focus the first button; stack the buttons if they do not fit side by side."""
        super().on_mount()
        self.query_one("#binary-true", Button).focus()
        self.call_after_refresh(self._fit_buttons)

    def on_resize(self) -> None:
        """Side by side again if they fit now (measured once laid out)."""
        self.query_one("#binary-buttons").remove_class("-stacked")
        self.call_after_refresh(self._fit_buttons)

    def _fit_buttons(self) -> None:
        """One button under the other when the second would not fit beside the first: a long
        first label pushed the second off the dialog, unseen, yet `2`, Tab and Enter still
        answered with it."""
        row = self.query_one("#binary-buttons")
        second = self.query_one("#binary-false", Button)
        if second.region.right > row.content_region.right:
            row.add_class("-stacked")

    def action_answer(self, value: bool) -> None:
        """Answer true or false."""
        self.submit(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Enter on a focused button, or a click."""
        event.stop()
        self.submit(event.button.id == "binary-true")
