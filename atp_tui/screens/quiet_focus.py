"""A focus change repaints what it changes, not the whole screen (issue #12: bytes over SSH).

Textual repaints the whole screen when the focused widget changes (`Screen.focused` is a
reactive with `repaint=True`) and when the terminal gains or loses focus (`App.app_focus`,
sent by terminals with focus reporting: an alt-tab, a tmux pane switch). Every widget whose
look depends on focus is repainted anyway, by its own style change (`:focus` rules); the
screen-wide repaint only rewrites the same cells: ≈ 37 KB at 150×40 for each focus-out and
again for each focus-in, an independent check found, where the cursor row's colour is what
changed; over a dialog (which Textual draws with the screen under it), ≈ 70 KB each.
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.widget import Widget


class QuietFocus:
    """Mix in before `Screen`/`ModalScreen`: focus changes repaint only the widgets whose
    styles change. A plain class: Textual takes a reactive from any class of the MRO, and a
    `Screen` base ahead of the real one would hide that one's CSS type name."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
