"""Answer a `number` action: a validated input showing the bounds, step and integer rule."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Static

from atp_tui.protocol import NumberAction
from atp_tui.screens.answer_base import AnswerModal


def describe_number_rules(action: NumberAction) -> str:
    """The constraints in words, e.g. `between 1 and 10 · whole number · steps of 0.5`."""
    limits = action.constraints
    parts: list[str] = []
    if limits.min is not None and limits.max is not None:
        parts.append(f"between {limits.min:g} and {limits.max:g}")
    elif limits.min is not None:
        parts.append(f"at least {limits.min:g}")
    elif limits.max is not None:
        parts.append(f"at most {limits.max:g}")
    if limits.integer:
        parts.append("whole number")
    if limits.step is not None:
        parts.append(f"steps of {limits.step:g}")
    return " · ".join(parts) or "any number"


class NumberModal(AnswerModal):
    """A number; Enter sends, an invalid one is explained inline.

    | Key | id | Action |
    |---|---|---|
    | `enter` | (input) | send |
    | `escape` | `modal.cancel` | cancel |
    """

    ANSWER_INPUT = "#number-answer"

    def compose_body(self) -> Iterable[Widget]:
        """The input and the rules."""
        assert isinstance(self.action, NumberAction)
        initial = "" if self.initial is None else str(self.initial)
        yield Input(initial, placeholder="a number", id="number-answer")
        yield Static(
            Text(describe_number_rules(self.action), style="dim"), id="number-rules", markup=False
        )

    def current_input(self) -> object:
        """What has been typed (re-validated as it changes once an error is shown)."""
        return self.query_one("#number-answer", Input).value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Validate and send."""
        event.stop()
        self.submit(event.value)
