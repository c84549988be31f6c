"""Answer a `choice` action: an option list (Enter, a click, or the option's number)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from atp_tui.protocol import ChoiceAction
from atp_tui.protocol.text import sanitize
from atp_tui.screens.answer_base import AnswerModal


class _Options(OptionList):
    """The options; `j`/`k` move like in the inbox (as well as the arrow keys)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next option", show=False, id="choice.down"),
        Binding("k", "cursor_up", "Previous option", show=False, id="choice.up"),
    ]


class ChoiceModal(AnswerModal):
    """Pick one option.

    | Key | id | Action |
    |---|---|---|
    | `up` / `down`, `j` / `k` | `choice.down`, `choice.up` | move |
    | `enter` | (option list) | choose the highlighted option |
    | `1`–`9` | `choice.pick-N` | choose option N |
    | `escape` | `modal.cancel` | cancel |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(n), f"pick({n})", f"Option {n}", show=False, id=f"choice.pick-{n}")
        for n in range(1, 10)
    ]
    HINT = "j/k move · Enter or 1–9 chooses · Escape cancels"

    def compose_body(self) -> Iterable[Widget]:
        """The options, numbered; the value is kept as the option id."""
        assert isinstance(self.action, ChoiceAction)
        options = []
        for number, option in enumerate(self.action.options, start=1):
            prompt = Text(f"{number}  " if number <= 9 else "   ")
            prompt.append(sanitize(option.display_label, limit=200))
            options.append(Option(prompt))
        yield _Options(*options, id="choice-options")

    def on_mount(self) -> None:
        """Focus the list; highlight the previous answer when retrying."""
        super().on_mount()
        option_list = self.query_one(_Options)
        option_list.focus()
        assert isinstance(self.action, ChoiceAction)
        values = [option.value for option in self.action.options]
        if self.initial in values:
            option_list.highlighted = values.index(self.initial)

    def action_pick(self, number: int) -> None:
        """Choose option `number` (1-based)."""
        assert isinstance(self.action, ChoiceAction)
        if 1 <= number <= len(self.action.options):
            self.submit(self.action.options[number - 1].value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on an option."""
        event.stop()
        self.action_pick(event.option_index + 1)
