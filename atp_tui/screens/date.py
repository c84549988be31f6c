"""Answer a `date` action: an ISO 8601 date (or date and time) with its bounds."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Static

from atp_tui.protocol import DateAction
from atp_tui.protocol.text import sanitize
from atp_tui.screens.answer_base import AnswerModal


class DateModal(AnswerModal):
    """A date; Enter sends, an invalid one is explained inline.

    | Key | id | Action |
    |---|---|---|
    | `enter` | (input) | send |
    | `escape` | `modal.cancel` | cancel |
    """

    ANSWER_INPUT = "#date-answer"

    def compose_body(self) -> Iterable[Widget]:
        """The input, with the expected format and the bounds."""
        assert isinstance(self.action, DateAction)
        limits = self.action.constraints
        example = "YYYY-MM-DDTHH:MM+00:00" if limits.include_time else "YYYY-MM-DD"
        rules = [f"format {example}"]
        if limits.min:
            rules.append(f"from {sanitize(limits.min, limit=40)}")
        if limits.max:
            rules.append(f"until {sanitize(limits.max, limit=40)}")
        initial = self.initial if isinstance(self.initial, str) else ""
        yield Input(initial, placeholder=example, id="date-answer")
        yield Static(Text(" · ".join(rules), style="dim"), id="date-rules", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Validate and send."""
        event.stop()
        self.submit(event.value)
