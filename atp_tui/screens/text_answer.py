"""Answer a `text` action: one line (Enter sends) or several (ctrl+s sends)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from atp_tui.protocol import TextAction
from atp_tui.protocol.text import sanitize
from atp_tui.screens.answer_base import AnswerModal


class TextModal(AnswerModal):
    """Free text, with the agent's placeholder and length limits.

    | Key | id | Action |
    |---|---|---|
    | `enter` | (input) | send a one-line answer |
    | `ctrl+s` | `text.send` | send (the only way for a multi-line answer) |
    | `escape` | `modal.cancel` | cancel |
    """

    ANSWER_INPUT = "#text-answer"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", id="text.send"),
    ]

    @property
    def multiline(self) -> bool:
        """Whether the action asks for a multi-line answer."""
        assert isinstance(self.action, TextAction)
        return self.action.constraints.multiline

    @property
    def HINT(self) -> str:  # type: ignore[override]
        """The key hint depends on the input kind."""
        if self.multiline:
            return "ctrl+s sends · Enter starts a new line · Escape cancels"
        return "Enter sends · Escape cancels"

    def _limits(self) -> str:
        assert isinstance(self.action, TextAction)
        low, high = self.action.constraints.min_length, self.action.constraints.max_length
        if low and high is not None:
            return f"{low}–{high} characters"
        if high is not None:
            return f"at most {high} characters"
        if low:
            return f"at least {low} characters"
        return ""

    def compose_body(self) -> Iterable[Widget]:
        """An `Input`, or a `TextArea` for multi-line answers, and the length limits."""
        assert isinstance(self.action, TextAction)
        initial = self.initial if isinstance(self.initial, str) else ""
        placeholder = sanitize(self.action.constraints.placeholder or "", limit=200)
        if self.multiline:
            area = TextArea(initial, id="text-answer", soft_wrap=True, show_line_numbers=False)
            area.placeholder = placeholder
            yield area
        else:
            yield Input(initial, placeholder=placeholder, id="text-answer")
        limits = self._limits()
        yield Static(Text(limits, style="dim"), id="text-limits", markup=False)

    def _value(self) -> str:
        if self.multiline:
            return self.query_one("#text-answer", TextArea).text
        return self.query_one("#text-answer", Input).value

    def current_input(self) -> object:
        """What has been typed (re-validated as it changes once an error is shown)."""
        return self._value()

    def action_send(self) -> None:
        """Validate and send what was typed."""
        self.submit(self._value())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a one-line input sends."""
        event.stop()
        self.action_send()
