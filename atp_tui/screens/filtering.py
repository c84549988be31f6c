"""The main screen's filter: `/` opens it, typing filters the inbox, Enter keeps it, Escape
clears it (kept apart to keep the screen small).

A cached inbox leaves each description head in the database (`Store.description_heads`):
opening the filter starts reading them in the store's writer thread, so the first keystroke
does not wait; a filter closed with nothing typed drops that read (≈ 16–26 MB at 50,000 rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen

#: The main screen's actions that are text while the filter has focus: `/`, digits, Space,
#: `*` and `u` go into the filter, not to the inbox.
TYPED_ACTIONS = frozenset({"filter", "answer", "mark", "mark_all", "unmark_all"})


class Filtering:
    """The filter input of the main screen and what opening and closing it does."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def input(self) -> Input:
        """The filter input (hidden while no filter is open)."""
        return self.screen.query_one("#filter", Input)

    def typing(self) -> bool:
        """Whether the filter has focus (keys are its text)."""
        return self.screen.focused is self.input

    def open(self) -> None:
        """Show and focus the filter input."""
        filter_input = self.input
        filter_input.display = True
        filter_input.focus()
        self.screen.atp.store.prefetch_description_heads()  # read while the first key is typed

    def typed(self, text: str) -> None:
        """Filter the inbox as the user types."""
        self.screen.inbox.set_filter(text)
        self.screen.tick()

    def submitted(self, text: str) -> None:
        """Enter keeps the filter and goes back to the list; with nothing typed it closes the
        filter as Escape does (an empty box stayed, and kept the heads read ahead)."""
        if text:
            self.screen.inbox.focus()
        else:
            self.back()

    def back(self) -> None:
        """Escape: clear and close the filter when it is open (focused or not, empty or not),
        and return to the inbox."""
        screen, filter_input = self.screen, self.input
        inbox = screen.inbox
        if filter_input.display:
            filter_input.value = ""
            filter_input.display = False
            inbox.set_filter("")
            screen.atp.store.drop_description_heads()  # a read the filter did not use
        if not inbox.has_focus:  # `focus()` repaints the whole list, focused or not
            inbox.focus()
        screen.tick()
