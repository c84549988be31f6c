"""A scroll bar repainted only when its thumb moves on screen (issue #12).

A `ScrollView` hands every new `scroll_y` to its scroll bar, and the bar repaints all its
lines for it. The thumb is drawn in eighths of a cell: in a long list it moves once every
many rows (at 1,000 rows in a 35-line inbox, once every ≈ 3 rows; at 50,000, once every
≈ 180), so a cursor key that scrolls the inbox by one row repainted 35 identical bar cells:
≈ 1 ms of painting and 35 rows of escape sequences over SSH, for nothing.

`QuietThumb` asks Textual's own renderer (`ScrollBarRender.render_bar`, the function that
draws the bar) what the bar looks like before and after the move; when the two are the same,
the bar takes the new position without a repaint. Anything else (a new size, a new virtual
size, hover, a drag) repaints as before.
"""

from __future__ import annotations

from math import ceil
from typing import TYPE_CHECKING

from textual.scrollbar import ScrollBar

if TYPE_CHECKING:
    from textual.widget import Widget

    _Mixin = Widget
else:
    _Mixin = object  # see `quiet_layout`: a plain mix-in at run time


def thumb_drawn(bar: ScrollBar, position: float) -> object | None:
    """What a vertical `bar` draws at `position` (a comparable value), None if unknown."""
    height = bar.size.height
    if not bar.vertical or height <= 0:
        return None
    virtual = bar.window_virtual_size
    window = bar.window_size if bar.window_size < virtual else 0
    drawn = bar.renderer.render_bar(
        size=height,
        virtual_size=ceil(virtual),
        window_size=ceil(window),
        position=bar.validate_position(position),
        thickness=bar.thickness,
        vertical=True,
    )
    return drawn.segments


class QuietThumb(_Mixin):
    """A `ScrollView` whose vertical bar is repainted only when its thumb moves (see the
    module); mix in before `ScrollView`."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scroll (Textual's watcher), telling the bar quietly when it looks the same, and
        when it is hidden."""
        bar = self.vertical_scrollbar
        # Textual tells a hidden bar nothing: shown again (the rows no longer fit), it drew
        # its thumb where the list had been scrolled before it was hidden.
        hidden = not self.show_vertical_scrollbar
        if hidden or (
            (was := thumb_drawn(bar, bar.position)) is not None
            and was == thumb_drawn(bar, new_value)
        ):
            # Shown, the watcher below sets the same value again: no repaint.
            bar.set_reactive(ScrollBar.position, bar.validate_position(new_value))
        super().watch_scroll_y(old_value, new_value)
