"""The skeleton the read-only dialogs share: a title, a scrolling body, a hint, Escape closes.

The away summary, the help and the answer history are the same dialog with other contents;
each says only what it shows (`heading`, `body`, and `headline` above the scroll if any).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from atp_tui.screens.quiet_focus import QuietFocus


class ListingDialog(QuietFocus, ModalScreen[None]):
    """A read-only dialog (see the module docstring); subclasses bind their close keys to
    `close` with their own binding id."""

    #: The dialog's class, which `app.tcss` sizes it by.
    DIALOG_CLASS: ClassVar[str] = ""
    #: The scrolling body's id.
    SCROLL_ID: ClassVar[str] = ""
    #: The dim line under the body: how to close, where else to find this.
    HINT: ClassVar[str] = "Escape closes"

    def __init__(self) -> None:
        super().__init__(classes="answer-modal")

    def heading(self) -> Text:
        """The bold first line."""
        raise NotImplementedError

    def headline(self) -> Iterable[Widget]:
        """Widgets between the title and the scrolling body (none by default)."""
        return ()

    def body(self) -> Iterable[Widget]:
        """What scrolls."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        """Title, headline, the scrolling body, the hint."""
        with Vertical(id="dialog", classes=self.DIALOG_CLASS):
            yield Static(self.heading(), id="dialog-title", markup=False)
            yield from self.headline()
            with VerticalScroll(id=self.SCROLL_ID):
                yield from self.body()
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)
