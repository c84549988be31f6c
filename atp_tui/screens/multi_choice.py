"""Answer a `multi_choice` action: a selection list enforcing min/max selections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import OptionList, SelectionList, Static
from textual.widgets.option_list import OptionDoesNotExist

from atp_tui.protocol import MultiChoiceAction
from atp_tui.screens.answer_base import AnswerModal, literal

#: The check boxes: different glyphs, not only different colours (colour-blind users, themes
#: with low contrast, and terminals without colour must still tell them apart).
CHECKED = "[x] "
UNCHECKED = "[ ] "


class _Choices(SelectionList[str]):
    """A selection list where Space toggles, Enter sends and `j`/`k` move."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.send", "Send", id="multi-choice.send"),
        Binding("j", "cursor_down", "Next option", show=False, id="multi-choice.down"),
        Binding("k", "cursor_up", "Previous option", show=False, id="multi-choice.up"),
    ]

    def render_line(self, y: int) -> Strip:
        """An option with `[x]` or `[ ]` in front instead of the coloured toggle button."""
        # OptionList's own line (the prompt), skipping SelectionList's colour-only button.
        line = OptionList.render_line(self, y)
        index = self.scroll_offset.y + y
        try:
            option = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        checked = option.value in self.selected
        base = next(iter(line)).style if line.cell_length else None
        style = (base or Style()) + Style(bold=checked, meta={"option": index})
        box = Segment(CHECKED if checked else UNCHECKED, style)
        return Strip([box, *line], line.cell_length + box.cell_length)


class MultiChoiceModal(AnswerModal):
    """Pick several options.

    | Key | id | Action |
    |---|---|---|
    | `up` / `down`, `j` / `k` | `multi-choice.down`, `multi-choice.up` | move |
    | `space` | (selection list) | toggle the highlighted option |
    | `enter` | `multi-choice.send` | send the selection |
    | `escape` | `modal.cancel` | cancel |
    """

    HINT = "Space toggles · j/k move · Enter sends · Escape cancels"

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

    def current_input(self) -> object:
        """The selection in option order (re-validated as it changes once an error is shown)."""
        assert isinstance(self.action, MultiChoiceAction)
        selected = set(self.query_one(_Choices).selected)
        return [option.value for option in self.action.options if option.value in selected]

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        """Keep the count, and an error on show, current."""
        event.stop()
        self._show_count()
        self.input_changed()

    def action_send(self) -> None:
        """Validate the selection (in option order) and send it."""
        self.submit(self.current_input())
