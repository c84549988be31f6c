"""Quick replies in a text answer: the picker (`text.quick-replies`, ctrl+r) and the insertion.

The replies are the user's own `[quick_replies]` (name = text, `atp_tui.settings`); the picker
lists them as the name and the first line of the text, and the text answer modal inserts the
chosen one at the cursor (replacing a selection, as typing would). Names and texts come from the
settings file, but they are still drawn as literal text (`markup=False`, sanitised): a `[b]`
in a reply is a bracket, not bold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from atp_tui.protocol.text import shorten
from atp_tui.screens.quiet_focus import QuietFocus

#: The widest name column in the list (longer names are cut with `…`).
NAME_WIDTH = 16
#: The characters of the text's first line shown beside the name (the list cuts the row to
#: its width with `…`, too).
PREVIEW_LIMIT = 60


def preview(name: str, text: str, number: int) -> Text:
    """One row of the picker: the number (1–9), the name, the text's first line, dimmed."""
    row = Text(f"{number}  " if number <= 9 else "   ")
    row.append(shorten(name, NAME_WIDTH).ljust(NAME_WIDTH), style="bold")
    lines = text.split("\n")
    first = shorten(lines[0], PREVIEW_LIMIT)
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    row.append(f"  {first}{more}", style="dim")
    return row


def reply_options(replies: Mapping[str, str]) -> list[Option]:
    """The replies as numbered list rows (`preview`), in the settings file's order."""
    return [
        Option(preview(name, text, number))
        for number, (name, text) in enumerate(replies.items(), start=1)
    ]


class _Replies(OptionList):
    """The replies; `j`/`k` move like in the inbox (as well as the arrow keys)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next reply", show=False, id="quick.down"),
        Binding("k", "cursor_up", "Previous reply", show=False, id="quick.up"),
    ]


class QuickReplyPicker(QuietFocus, ModalScreen[str | None]):
    """Pick a quick reply; dismisses with its text, or None.

    | Key | id | Action |
    |---|---|---|
    | `up` / `down`, `j` / `k` | `quick.down`, `quick.up` | move |
    | `enter` | (option list) | insert the highlighted reply |
    | `1`–`9` | `quick.pick-N` | insert reply N |
    | `escape` | `quick.close` | close, nothing inserted |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="quick.close"),
        *(
            Binding(str(n), f"pick({n})", f"Reply {n}", show=False, id=f"quick.pick-{n}")
            for n in range(1, 10)
        ),
    ]
    HINT = "Enter or 1–9 inserts · j/k move · Escape closes"

    def __init__(self, replies: Mapping[str, str]) -> None:
        super().__init__(classes="answer-modal")
        self.replies = dict(replies)

    def compose(self) -> ComposeResult:
        """The title, the numbered replies and the key hint."""
        with Vertical(id="dialog", classes="quick-dialog"):
            yield Static(Text("Quick replies", style="bold"), id="dialog-title", markup=False)
            yield _Replies(*reply_options(self.replies), id="quick-replies")
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """Focus the list on the first reply."""
        replies = self.query_one(_Replies)
        replies.focus()
        if self.replies:
            replies.highlighted = 0

    def action_pick(self, number: int) -> None:
        """Insert reply `number` (1-based); a number without a reply does nothing."""
        texts = list(self.replies.values())
        if 1 <= number <= len(texts):
            self.dismiss(texts[number - 1])

    def action_close(self) -> None:
        """Close without inserting anything."""
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on a reply."""
        event.stop()
        self.action_pick(event.option_index + 1)


def insert_reply(field: Input | TextArea, text: str) -> None:
    """Insert `text` at the cursor of `field`, in place of any selection; the cursor ends up
    after it. A one-line input gets the lines joined by spaces (it cannot hold a line break)."""
    if isinstance(field, TextArea):
        start, end = sorted(field.selection)
        field.replace(text, start, end, maintain_selection_offset=False)
        return
    one_line = " ".join(line.strip() for line in text.split("\n") if line.strip())
    start_index, end_index = sorted(field.selection)
    field.replace(one_line.replace("\t", " "), start_index, end_index)
