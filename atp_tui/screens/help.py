"""The help screen: every binding of the main screen with its live key and its stable id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from atp_tui.screens.listing import ListingDialog

#: One help row: keys as displayed, description, binding id.
HelpRow = tuple[str, str, str]


class HelpScreen(ListingDialog):
    """Lists keys; the rows are computed by the main screen from the live bindings.

    | Key | id | Action |
    |---|---|---|
    | `escape` / `?` / `q` | `help.close` | close |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    DIALOG_CLASS = "help-dialog"
    SCROLL_ID = "help-scroll"
    HINT = "Escape closes · ctrl+p opens the command palette"

    def __init__(self, rows: list[HelpRow]) -> None:
        super().__init__()
        self.rows = rows

    def heading(self) -> Text:
        """ "Keys"."""
        return Text("Keys", style="bold")

    def body(self) -> Iterable[Widget]:
        """A table of key, what it does, and the id to rebind it with."""
        table = Table(box=None, padding=(0, 2, 0, 0), expand=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does", ratio=1)  # the words get what the key and id leave
        table.add_column("Binding id", style="dim", no_wrap=True)
        for keys, description, binding_id in self.rows:
            table.add_row(Text(keys), Text(description), Text(binding_id))
        yield Static(table, id="help-table", markup=False)
