"""The inbox's column headers (above the rows) and its one-line legend of glyphs (below).

The rows carry a state glyph, an unread mark, a countdown and an age with no words: the
headers name the columns and the legend says what each glyph means, in the glyph set the app
chose at start (`atp_tui.view.glyphs`).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from atp_tui.view.glyphs import LEGEND_WORDS, GlyphSet
from atp_tui.widgets.inbox import InboxList
from atp_tui.widgets.inbox_rows import header_cells


def legend_parts(glyphs: GlyphSet) -> list[tuple[str, str]]:
    """(glyph, words) pairs of the legend, most useful first: the state glyphs, the unread
    mark and the urgent countdown's mark."""
    parts = [(glyphs.states[state], words) for state, words in LEGEND_WORDS]
    parts.insert(5, (glyphs.unread, "unread"))
    parts.insert(6, (f"{glyphs.urgent}4m", "urgent"))
    return parts


def legend_text(glyphs: GlyphSet, width: int | None = None) -> Text:
    """`○ open  ✓ answered  ✗ expired  …`: as many entries as fit in `width` cells (all
    when `None`), never one cut in half; glyphs in bold."""
    legend = Text(no_wrap=True, overflow="crop")
    for glyph, words in legend_parts(glyphs):
        entry = f"{'  ' if legend.plain else ''}{glyph} {words}"
        if width is not None and cell_len(legend.plain + entry) > width:
            break
        if legend.plain:
            legend.append("  ")
        legend.append(glyph, style="bold")
        legend.append(f" {words}")
    return legend


class InboxHeader(Widget):
    """One line of column names, as wide as the inbox's rows (they lose columns when narrow)."""

    def __init__(self, inbox: InboxList, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._inbox = inbox

    def on_mount(self) -> None:
        """Paint again whenever the rows are painted at another width."""
        self.watch(self._inbox, "row_width", self._rows_resized, init=False)

    def _rows_resized(self) -> None:
        self.refresh()

    def render(self) -> Text:
        """The headers for the width the inbox's rows have now (without its scroll bar)."""
        width = self._inbox.scrollable_content_region.width or self.content_region.width
        return Text(header_cells(width, self._inbox.glyphs), no_wrap=True, overflow="crop")


class InboxLegend(Widget):
    """What the glyphs mean, in one line: as many entries as the pane's width holds."""

    def __init__(self, glyphs: GlyphSet, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._glyphs = glyphs

    def render(self) -> Text:
        """The legend for the width the line has now."""
        return legend_text(self._glyphs, self.content_region.width or None)
