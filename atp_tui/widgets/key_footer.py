"""The key footer: Textual's `Footer`, recomposed once per refresh, not once per signal."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's footer, rebuilt at most once per refresh however often the bindings changed.

    `Footer` schedules a full recompose (a new widget per key, each styled three times as it
    mounts) for every `bindings_updated` signal, and one focus change or modal sends several
    in a row: each rebuilt the same keys again. The change is now taken once, after the next
    refresh, when the bindings it shows have settled; what it shows is unchanged.
    """

    def __init__(self) -> None:
        super().__init__()
        self._change_pending = False

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Take the first change of this refresh; later ones are covered by it."""
        if self._change_pending:
            return
        self._change_pending = True
        self.call_after_refresh(self._take_change, screen)

    def _take_change(self, screen: Screen[object]) -> None:
        self._change_pending = False
        super().bindings_changed(screen)
