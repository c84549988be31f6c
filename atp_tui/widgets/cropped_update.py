"""Partial screen updates that write only the dirty cells of a line, not the line up to them.

Textual (8.x) writes a partial update line by line: for every dirty span `(y, x1, x2)` it
writes each widget's piece of the line ("chop") that the span touches, from the chop's own
left edge up to `x2` (its compositor says "TODO: crop to x extents"). The inbox refreshes
only a row's time cells when a countdown ticks, but those sit at the right end of the row:
every urgent countdown rewrote its whole row, ≈ 430 bytes, every second. Thirty urgent
notifications wrote 13 KB/s to an idle terminal, over SSH.

`CroppedChopsUpdate` renders the same update, starting each piece at `x1`: exactly there
when the text at that cell is plain ASCII, otherwise at the start of the segment that holds
it, so a wide or combining character is never cut in two (nor at `x2`, where Textual's own
crop turns a wide character across the edge into a blank). The cells it skips were already
on the screen: Textual only marks them dirty because they share a chop with cells that are.
The app swaps it in for Textual's own (`AtpApp._display`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rich.color import ColorSystem
from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate
from textual.strip import Strip


def safe_start(strip: Strip, cells: int) -> int:
    """Where to start writing `strip` to skip about `cells` cells: `cells` itself when it
    falls inside plain ASCII text, else the start of the segment holding that cell."""
    position = 0
    for segment in strip:
        length = segment.cell_length
        if position + length > cells:
            if segment.control is None and segment.text.isascii():
                return cells
            return position
        position += length
    return min(cells, position)


def safe_stop(strip: Strip, cells: int) -> int:
    """Where to stop writing `strip` to cover its first `cells` cells: `cells` itself when
    that is a segment's end or inside plain ASCII text, else the end of the segment holding
    the last cell (a wide character across the edge is written whole, not as a blank)."""
    position = 0
    for segment in strip:
        position += segment.cell_length
        if position >= cells:
            plain = segment.control is None and segment.text.isascii()
            return cells if position == cells or plain else position
    return cells


class CroppedChopsUpdate(ChopsUpdate):
    """Textual's partial update, written from each dirty span's first cell (module doc)."""

    @classmethod
    def of(cls, update: ChopsUpdate) -> CroppedChopsUpdate:
        """The same update (same chops and spans), rendered cropped."""
        return cls(update.chops, update.spans, update.chop_ends)

    def render_segments(self, console: Console) -> str:
        """The update as terminal data: Textual's, with every piece cropped at `x1` too, and
        the colours set once for a run of cells of one style (`_Pen`)."""
        pen = _Pen(console._color_system or ColorSystem.TRUECOLOR)
        move_to = Control.move_to
        # Unlike Textual's, no newline between lines: every piece starts with a cursor move
        # anyway (the newline cost two bytes a line through the terminal's CR LF).
        for y, x1, x2 in self.spans:
            for end, (x, strip) in zip(self.chop_ends[y], self.chops[y].items(), strict=False):
                if strip is None or x > x2 or end <= x1:
                    continue
                start = safe_start(strip, x1 - x) if x < x1 else 0
                stop = safe_stop(strip, min(end, x2) - x)
                if start or stop < strip.cell_length:
                    strip = strip.crop(start, stop)
                if strip.cell_length:  # a piece of no cells (an edge) needs no cursor move
                    if pen.at != (x + start, y):  # not where the piece before it ended
                        pen.write(move_to(x + start, y).segment.text)
                    pen.draw(strip)
                    cells = x + start + strip.cell_length
                    # At the last column the cursor waits to wrap: its place is not known.
                    pen.at = (cells, y) if cells < console.width else None
        return pen.finish()


class _Pen:
    """Terminal data for styled text that sets the colours only when they change.

    Textual renders every segment as `SGR text reset`. Cursor moves leave the colours as they
    are, so the many small pieces of one partial update (thirty countdowns ticking, each
    one cell in the same style) need the style set once, not thirty times: ≈ 10 bytes a
    cell instead of ≈ 50. A change of style sets only what changed (`sgr_change`: a new
    foreground over the same background is ≈ 16 bytes, not ≈ 40 and a reset), and a piece
    that starts where the one before it ended needs no cursor move (`at`): a cursor key
    that repaints the detail pane wrote 8.9 KB, 4.9 KB of it colours (an independent
    check). Every cell gets exactly the style Textual gives it (a blank's foreground too:
    invisible, but a terminal keeps it, and `tests/app/test_pty_truth.py` compares it). The
    colours are always reset at the end, as Textual leaves them.
    """

    def __init__(self, color_system: ColorSystem) -> None:
        self._color_system = color_system
        self._parts: list[str] = []
        self._codes = ""  # the SGR parameters in effect ("": the terminal's defaults)
        #: Where the cursor is after the last piece (`None`: not known).
        self.at: tuple[int, int] | None = None

    def write(self, data: str) -> None:
        """Data that does not change the colours (a cursor move)."""
        self._parts.append(data)

    def draw(self, strip: Strip) -> None:
        """The text of `strip`, each cell in its segment's style."""
        append = self._parts.append
        for text, style, _control in strip:
            if not text:
                continue
            if style is not None and style.link:
                self._set("")  # a link is written as Textual writes it, with its own reset
                append(Strip.render_style(style, text, self._color_system))
                continue
            self._set("" if style is None else Strip.render_ansi(style, self._color_system))
            append(text)

    def _set(self, codes: str) -> None:
        if codes != self._codes:
            change = sgr_change(self._codes, codes)
            if change:  # (`ESC [ m` alone would be a reset)
                self._parts.append(f"\x1b[{change}m")
            self._codes = codes

    def finish(self) -> str:
        """Everything written, with the colours back at the terminal's defaults."""
        self._set("")
        return "".join(self._parts)


#: The SGR parameter that turns each attribute off (22 turns off bold and dim both, 24 both
#: underlines, 25 both blinks).
_ATTRIBUTE_OFF = {1: 22, 2: 22, 3: 23, 4: 24, 5: 25, 6: 25, 7: 27, 8: 28, 9: 29, 21: 24}


@lru_cache(maxsize=4096)  # a screen has few styles: each change is worked out once
def sgr_change(old: str, new: str) -> str:
    """The SGR parameters that take the terminal from the style `old` to `new` (each as
    Rich writes a style's parameters; "": the defaults): only what differs ("" when nothing
    does), or a reset and `new` whole where that is shorter or a parameter is not
    understood."""
    whole = f"0;{new}" if new else "0"
    before, after = _parsed(old), _parsed(new)
    if before is None or after is None:
        return whole
    (old_attributes, old_fg, old_bg), (attributes, fg, bg) = before, after
    offs = {_ATTRIBUTE_OFF.get(a, 0) for a in old_attributes - attributes}
    if 0 in offs:
        return whole
    # An off code turns off every attribute that shares it (22: bold and dim, 24: both
    # underlines, 25: both blinks): those that stay are set again.
    ons = (attributes - old_attributes) | {a for a in attributes if _ATTRIBUTE_OFF[a] in offs}
    params = [str(code) for code in (*sorted(offs), *sorted(ons))]
    if fg != old_fg:
        params.append(fg or "39")
    if bg != old_bg:
        params.append(bg or "49")
    change = ";".join(params)
    return change if len(change) < len(whole) else whole


def _parsed(codes: str) -> tuple[frozenset[int], str | None, str | None] | None:
    """A style's SGR parameters as (attributes, foreground, background); `None` when a
    parameter is not one `sgr_change` knows how to undo."""
    attributes: set[int] = set()
    colours: dict[str, str | None] = {"fg": None, "bg": None}
    tokens = codes.split(";") if codes else []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if not token.isdigit():
            return None
        code = int(token)
        if code in (38, 48):
            kind = tokens[position + 1] if position + 1 < len(tokens) else ""
            length = {"2": 5, "5": 3}.get(kind)
            if length is None:
                return None
            colours["fg" if code == 38 else "bg"] = ";".join(tokens[position : position + length])
            position += length
            continue
        if 30 <= code <= 37 or 90 <= code <= 97:
            colours["fg"] = token
        elif 40 <= code <= 47 or 100 <= code <= 107:
            colours["bg"] = token
        elif code in _ATTRIBUTE_OFF:
            attributes.add(code)
        else:
            return None
        position += 1
    return frozenset(attributes), colours["fg"], colours["bg"]


def changed_cells(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The cells in which two lines differ, as `(start, stop)`; `None` when they are the same.

    Compared cell by cell where both are plain ASCII (one cell a character); otherwise, or
    when their lengths differ, the whole line.
    """
    if old == new:
        return None
    before, after = _ascii_cells(old), _ascii_cells(new)
    if before is None or after is None or len(before) != len(after):
        return 0, max(old.cell_length, new.cell_length)
    return differing_span(before, after)


def differing_span(before: Sequence[object], after: Sequence[object]) -> tuple[int, int] | None:
    """Where two sequences of one length differ, as `(first, last + 1)`; `None` if nowhere."""
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    return (changed[0], changed[-1] + 1) if changed else None


def _ascii_cells(strip: Strip) -> list[tuple[str, object]] | None:
    cells: list[tuple[str, object]] = []
    for segment in strip:
        if segment.control is not None or not segment.text.isascii():
            return None
        cells.extend((char, segment.style) for char in segment.text)
    return cells
