"""The help screen: every binding of the main screen with its live key and its stable id."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

#: One help row: keys as displayed, description, binding id.
HelpRow = tuple[str, str, str]


class HelpScreen(ModalScreen[None]):
    """Lists keys; the rows are computed by the main screen from the live bindings.

    | Key | id | Action |
    |---|---|---|
    | `escape` / `?` / `q` | `help.close` | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__(classes="answer-modal")
        self.rows = rows

    def compose(self) -> ComposeResult:
        """A table of key, what it does, and the id to rebind it with."""
        table = Table(box=None, padding=(0, 2, 0, 0), expand=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does", ratio=1)  # the words get what the key and id leave
        table.add_column("Binding id", style="dim", no_wrap=True)
        for keys, description, binding_id in self.rows:
            table.add_row(Text(keys), Text(description), Text(binding_id))
        with Vertical(id="dialog", classes="help-dialog"):
            yield Static(Text("Keys", style="bold"), id="dialog-title", markup=False)
            with VerticalScroll(id="help-scroll"):
                yield Static(table, id="help-table", markup=False)
            yield Static(
                Text("Escape closes · ctrl+p opens the command palette", style="dim"),
                id="dialog-hint",
                markup=False,
            )

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
