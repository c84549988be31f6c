"""Answer a `date` action in local time: `2026-12-05 03:00`, `tomorrow 03:00`, `+2h`, ISO 8601.

What is typed is read by `atp_tui.protocol.date_input` (in the system's local zone, on the
app's clock), previewed as it is typed, and sent as ISO 8601 with the local offset. The bounds
are shown in local time and the zone is named, so nobody has to work out an offset at 3 a.m.;
a refused input says why.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Static

from atp_tui.protocol import DateAction, ResponseValidationError, response_data_for
from atp_tui.protocol.date_input import (
    EXAMPLES_DATE_ONLY,
    EXAMPLES_WITH_TIME,
    DateAnswer,
    DateInputError,
    describe_date_bounds,
    local_zone,
    read_date_answer,
)
from atp_tui.protocol.text import sanitize
from atp_tui.screens.answer_base import AnswerModal, ChosenAnswer


class DateModal(AnswerModal):
    """A date (or date and time) in local time; Enter sends, a refusal is explained inline.

    | Key | id | Action |
    |---|---|---|
    | `enter` | (input) | send |
    | `escape` | `modal.cancel` | cancel |
    """

    ANSWER_INPUT = "#date-answer"

    @property
    def date_action(self) -> DateAction:
        """The action, typed."""
        assert isinstance(self.action, DateAction)
        return self.action

    def rules(self) -> str:
        """The bounds in local time: `from Sat 2026-03-14 10:00 to …` ("" without bounds)."""
        limits = self.date_action.constraints
        bounds = describe_date_bounds(limits.min, limits.max, include_time=limits.include_time)
        return sanitize(bounds, limit=120)

    def zone(self) -> str:
        """The zone the input is read in: `times in Europe/Berlin (UTC+01:00)`.

        A date-only answer has no time, but `today` and `tomorrow` still depend on the zone.
        """
        now = self.clock.now()
        zone = sanitize(local_zone(now).label(), limit=80)
        if self.date_action.constraints.include_time:
            return f"times in {zone}"
        return f"today is {now.astimezone():%a %Y-%m-%d} in {zone}"

    def compose_body(self) -> Iterable[Widget]:
        """The input, what it means (live), and the bounds and zone."""
        limits = self.date_action.constraints
        examples = EXAMPLES_WITH_TIME if limits.include_time else EXAMPLES_DATE_ONLY
        initial = self.initial if isinstance(self.initial, str) else ""
        yield Input(initial, placeholder=examples, id="date-answer")
        preview = Static("", id="date-preview", markup=False)
        preview.display = False  # shown once the input means a date
        yield preview
        rules = Static(Text(self.rules(), style="dim"), id="date-rules", markup=False)
        rules.display = bool(self.rules())
        yield rules
        yield Static(Text(self.zone(), style="dim"), id="date-zone", markup=False)

    def read(self, text: str) -> DateAnswer:
        """What `text` means locally, or `ResponseValidationError` saying why it is refused."""
        limits = self.date_action.constraints
        try:
            return read_date_answer(
                text,
                include_time=limits.include_time,
                now=self.clock.now(),
                lower=limits.min,
                upper=limits.max,
            )
        except DateInputError as refused:
            raise ResponseValidationError(refused.message) from None

    def answer_for(self, user_input: object) -> ChosenAnswer:
        """Read the local input, then apply the protocol's own check to what will be sent.

        The prefill for a retry is the local reading without its weekday (`2026-12-05 03:00`),
        not the text typed: `+2h` would mean a later time by then.
        """
        answer = self.read("" if user_input is None else str(user_input))
        data = response_data_for(self.action, answer.value)
        return ChosenAnswer(data, answer.local.partition(" ")[2])

    def current_input(self) -> object:
        """What has been typed."""
        return self.query_one("#date-answer", Input).value

    def input_changed(self) -> None:
        """Preview what the text means in local time (or nothing yet), and follow an error."""
        super().input_changed()
        text = self.query_one("#date-answer", Input).value
        preview = Text()
        if text.strip():
            try:
                answer = self.read(text)
            except ResponseValidationError:
                pass  # said on Enter (and then live): half-typed input is not an error yet
            else:
                preview = Text(f"= {answer.local}", style="dim")
        line = self.query_one("#date-preview", Static)
        line.update(preview)
        line.display = bool(preview)  # no blank row for it: small screens need every row

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Validate and send."""
        event.stop()
        self.submit(event.value)
