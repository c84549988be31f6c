"""Widget mix-ins that keep one layout pass from asking for another (issue #12).

Textual lays a screen out in passes: after each, every widget placed is told its new size
(`_size_updated`). Two of its reactions cost a cursor key in the detail pane most of its time
without changing what is drawn:

* A widget whose size changed sets its `virtual_size`, a reactive that asks for *another*
  layout pass, and the frame after that pass repaints the widget again. For a widget that
  lays out no children of its own (a `Static`), or whose children were placed in the pass
  that is telling it (a container), that second pass finds the same geometry: the first
  one already placed everything. `QuietLayout` stores the size without asking.
* A `ScrollView` is told a "virtual size" that is the visible area (not the one it keeps
  itself), so every pass anywhere on the screen updates and repaints its scroll bar (the
  inbox's, 35 cells, on every detail-pane change). `QuietScrollView` skips the update when
  the widget's size, container size and own virtual size are those it last updated for.

* A scrollable widget whose size or virtual size changed has its scroll bar refreshed by
  Textual during the pass; the frame that follows the pass repaints the widget's whole region
  (its geometry changed), the bar with it, and then the bar's refresh asks for a frame of its
  own to paint the same cells again (≈ 1.5 ms of a cursor key: the bar and every container
  behind it, 38 lines each). `QuietLayout` drops that second request.

All of these only drop work whose result is already on screen; scroll bars still follow every real
change (a new size, a new virtual size). `tests/app/test_repaint.py` checks what a cursor key
lays out and repaints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.widget import Widget

if TYPE_CHECKING:
    _Mixin = Widget
else:
    # A plain mix-in at run time: a `Widget` base ahead of the real widget class would hide
    # that class's `COMPONENT_CLASSES` and CSS type name from Textual.
    _Mixin = object


class QuietLayout(_Mixin):
    """Take a size from a layout pass without asking for another pass (see the module)."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # `layout=False` is what Textual itself passes when it only scrolled.
        changed = super()._size_updated(size, virtual_size, container_size, layout=False)
        if changed and self.show_vertical_scrollbar:
            # Textual refreshes the scroll bar for its new size, and it is painted in a frame
            # of its own after this pass: a second time, as this pass's frame repaints all of
            # a widget whose geometry changed, its bars included (see the module).
            self.vertical_scrollbar._repaint_required = False
        return changed


class QuietScrollView(_Mixin):
    """A `ScrollView` that updates its scroll bars only when its geometry changed (see the
    module); mix in before `ScrollView`."""

    _sized_for: tuple[Size, Size, Size] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        key = (size, container_size, self.virtual_size)
        if key == self._sized_for:
            return False
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        self._sized_for = (size, container_size, self.virtual_size)
        return changed

    def set_virtual_height(self, height: int) -> None:
        """Scroll through `height` lines: without a layout pass while the vertical scroll bar
        stays as it is (shown before and after), since the widget's place on the screen and
        its content region are the same then; only the bar's proportions change.

        Assigning `virtual_size` lays the whole screen out again and repaints every line of
        the widget: in a burst onto a long inbox, that was every batch (≈ 9 ms of layout and
        paint each, a fifth of the burst, and the whole list written to the terminal)."""
        size = Size(self.virtual_size.width, height)
        if size == self.virtual_size:
            return
        pane = self.scrollable_content_region.height
        if self.show_vertical_scrollbar and self.virtual_size.height > pane and height > pane:
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)  # the bar's proportions; the scroll offset kept valid
        else:
            self.virtual_size = size
