"""Answer a `multi_choice` action: a selection list enforcing min/max selections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import SelectionList, Static

from atp_tui.protocol import MultiChoiceAction
from atp_tui.screens.answer_base import AnswerModal, literal


class _Choices(SelectionList[str]):
    """A selection list where Space toggles and Enter sends."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.send", "Send", id="multi-choice.send"),
    ]


class MultiChoiceModal(AnswerModal):
    """Pick several options.

    | Key | id | Action |
    |---|---|---|
    | `space` | (selection list) | toggle the highlighted option |
    | `enter` | `multi-choice.send` | send the selection |
    | `escape` | `modal.cancel` | cancel |
    """

    HINT = "Space toggles · Enter sends · Escape cancels"

    def _bounds(self) -> str:
        assert isinstance(self.action, MultiChoiceAction)
        low = self.action.constraints.min_selections
        high = self.action.constraints.max_selections
        if high is None:
            return f"pick at least {low}" if low else "pick any"
        if low == high:
            return f"pick exactly {low}"
        return f"pick {low}–{high}"

    def compose_body(self) -> Iterable[Widget]:
        """The options with check boxes, and a live count."""
        assert isinstance(self.action, MultiChoiceAction)
        chosen = self.initial if isinstance(self.initial, list) else []
        selections = [
            (literal(option.display_label), option.value, option.value in chosen)
            for option in self.action.options
        ]
        yield _Choices(*selections, id="multi-options")
        yield Static(id="multi-count", markup=False)

    def on_mount(self) -> None:
        """Focus the list and show the count."""
        super().on_mount()
        self.query_one(_Choices).focus()
        self._show_count()

    def _show_count(self) -> None:
        count = len(self.query_one(_Choices).selected)
        self.query_one("#multi-count", Static).update(
            Text(f"{count} selected ({self._bounds()})", style="dim")
        )

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        """Keep the count current."""
        event.stop()
        self._show_count()

    def action_send(self) -> None:
        """Validate the selection (in option order) and send it."""
        choices = self.query_one(_Choices)
        assert isinstance(self.action, MultiChoiceAction)
        selected = set(choices.selected)
        self.submit([option.value for option in self.action.options if option.value in selected])
