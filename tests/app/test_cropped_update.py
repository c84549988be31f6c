"""Partial updates written from their first dirty cell (`atp_tui.widgets.cropped_update`).

Each case paints an update onto a small terminal model: a grid of (character, style) cells
where a wide character takes two cells and writing over either half of it blanks the other,
as terminals do. The screen before the update shows the new frame everywhere except in the
dirty spans (what Textual's compositor guarantees: only they changed); after the cropped
update it must show the new frame everywhere, like after Textual's own, in fewer bytes.
"""

from __future__ import annotations

import inspect
import random
import re

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from atp_tui.widgets.cropped_update import (
    CroppedChopsUpdate,
    changed_cells,
    safe_start,
    safe_stop,
    sgr_change,
)

WIDTH, HEIGHT = 24, 6
STYLES = [
    Style(),
    Style(color="red"),
    Style(bold=True, bgcolor="blue"),
    Style(italic=True),
    Style(color="#e0e0e0", bgcolor="#121212"),
    Style(bgcolor="#121212"),
    Style(bold=True, color="#e0e0e0", bgcolor="#121212"),
    Style(reverse=True, color="#003054", bgcolor="#121212"),
    Style(dim=True, color="color(200)"),
    Style(bold=True, dim=True, underline=True),
    Style(strike=True, color="bright_red", bgcolor="color(17)"),
    Style(overline=True, color="green"),
]
Cell = tuple[str, str]
#: How `paint` names the terminal's default style (no attribute, default colours).
DEFAULT = "[]||"
_ESCAPE = re.compile(r"\x1b\[([0-9;]*)([Hm])")


def apply_sgr(state: dict[str, object], params: str) -> None:
    """What a terminal does with `ESC [ params m`: attributes on and off, colours set or back
    to the defaults, `0` (or nothing) resets all. `state`: attributes, fg and bg."""
    off = {22: {1, 2}, 23: {3}, 24: {4, 21}, 25: {5, 6}, 27: {7}, 28: {8}, 29: {9}}
    tokens = params.split(";") if params else ["0"]
    i = 0
    while i < len(tokens):
        code = int(tokens[i])
        if code in (38, 48):
            length = 5 if tokens[i + 1] == "2" else 3
            state["fg" if code == 38 else "bg"] = ";".join(tokens[i : i + length])
            i += length
            continue
        attributes = state["attributes"]
        assert isinstance(attributes, frozenset)
        if code == 0:
            state.update(attributes=frozenset(), fg="", bg="")
        elif code in off:
            state["attributes"] = attributes - off[code]
        elif code == 39:
            state["fg"] = ""
        elif code == 49:
            state["bg"] = ""
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state["fg"] = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state["bg"] = str(code)
        else:
            state["attributes"] = attributes | {code}
        i += 1


def paint(screen: list[list[Cell]], data: str) -> None:
    """Apply terminal output (cursor moves, SGR, text) to `screen` in place. A cell's style
    is what the terminal would draw it with (attributes and colours), however the escape
    sequences got there."""
    x = y = 0
    state: dict[str, object] = {"attributes": frozenset(), "fg": "", "bg": ""}
    style = DEFAULT
    position = 0
    while position < len(data):
        escape = _ESCAPE.match(data, position)
        if escape is not None:
            if escape.group(2) == "H":
                row, column = escape.group(1).split(";")
                y, x = int(row) - 1, int(column) - 1
            else:
                apply_sgr(state, escape.group(1))
                attributes = sorted(state["attributes"])  # type: ignore[call-overload]
                style = f"{attributes}|{state['fg']}|{state['bg']}"
            position = escape.end()
            continue
        char = data[position]
        position += 1
        if char in "\r\n":
            continue
        line = screen[y]
        if line[x][0] == "":  # the right half of a wide character: it goes
            line[x - 1] = (" ", line[x - 1][1])
        if cell_len(char) == 2:
            line[x], line[x + 1] = (char, style), ("", style)
            x += 2
        else:
            if x + 1 < WIDTH and line[x + 1][0] == "" and cell_len(line[x][0]) == 2:
                line[x + 1] = (" ", line[x + 1][1])
            line[x] = (char, style)
            x += 1


def random_line(rng: random.Random) -> list[Segment]:
    """Segments filling exactly `WIDTH` cells: ASCII and wide characters, mixed styles."""
    segments: list[Segment] = []
    cells = 0
    while cells < WIDTH:
        text = ""
        for _ in range(rng.randint(1, 5)):
            char = rng.choice("ab 1-日本")
            if cells + cell_len(text + char) > WIDTH:
                break
            text += char
        text = text or " "
        segments.append(Segment(text, rng.choice(STYLES)))
        cells += cell_len(text)
    return segments


def case(rng: random.Random) -> tuple[ChopsUpdate, list[list[Cell]], list[list[Cell]]]:
    """A random update, the screen before it and the frame it must leave."""
    console = Console(width=WIDTH, color_system="truecolor", force_terminal=True)
    chops: list[dict[int, Strip | None]] = []
    ends: list[list[int]] = []
    frame: list[list[Cell]] = []
    for _ in range(HEIGHT):
        segments = random_line(rng)
        blank = [(" ", DEFAULT)] * WIDTH
        line = [list(blank)]
        paint(line, Strip(segments).render(console))  # the frame's cells, as painted
        frame.append(line[0])
        # Two widgets side by side: two chops, cut at a cell that splits no character.
        strip = Strip(segments)
        cut = safe_start(strip, rng.randint(1, WIDTH - 1))
        if cut:
            chops.append({0: strip.crop(0, cut), cut: strip.crop(cut, WIDTH)})
            ends.append([cut, WIDTH])
        else:
            chops.append({0: strip})
            ends.append([WIDTH])
    spans = []
    before = [list(line) for line in frame]
    for y in sorted(rng.sample(range(HEIGHT), rng.randint(1, HEIGHT))):
        x1 = rng.randint(0, WIDTH - 1)
        x2 = rng.randint(x1 + 1, WIDTH)
        while x2 < WIDTH and frame[y][x2][0] == "":  # dirty regions end between characters
            x2 += 1
        spans.append((y, x1, x2))
        for x in range(x1, x2):  # what was there before: anything
            before[y][x] = (rng.choice("xyz"), "9")
    # A wide character half inside a span was overwritten whole before.
    for y, line in enumerate(before):
        for x in range(WIDTH - 1):
            if cell_len(line[x][0]) == 2 and line[x + 1][0] != "":
                before[y][x] = (" ", "")
        for x in range(1, WIDTH):
            if line[x][0] == "" and cell_len(line[x - 1][0]) != 2:
                before[y][x] = (" ", "")
    return ChopsUpdate(chops, spans, ends), before, frame


def test_a_cropped_update_leaves_the_same_screen_in_fewer_bytes() -> None:
    console = Console(width=WIDTH, color_system="truecolor", force_terminal=True)
    rng = random.Random(12)
    written = textual = 0
    for _ in range(400):
        update, before, frame = case(rng)
        ours = CroppedChopsUpdate.of(update).render_segments(console)
        theirs = update.render_segments(console)
        textual_screen = [list(line) for line in before]
        paint(textual_screen, theirs)
        cropped_screen = [list(line) for line in before]
        paint(cropped_screen, ours)
        assert textual_screen == frame  # the model agrees with Textual's own update
        assert cropped_screen == frame
        written += len(ours)
        textual += len(theirs)
    assert written < 0.8 * textual


def test_the_crop_starts_at_the_dirty_cell_in_ascii_text() -> None:
    strip = Strip([Segment("Promote checkout 2.1.1 ", Style()), Segment("  !1m53s", Style())])
    assert safe_start(strip, 29) == 29
    assert safe_start(strip, 100) == strip.cell_length


def test_the_crop_never_cuts_a_wide_character() -> None:
    strip = Strip([Segment("ab", Style()), Segment("日本語", Style(bold=True)), Segment("cd")])
    assert safe_start(strip, 3) == 2  # inside the wide text: from its segment's start
    assert safe_start(strip, 1) == 1
    assert safe_stop(strip, 5) == 8  # to its segment's end
    assert safe_stop(strip, 9) == 9
    assert safe_stop(strip, 4) == 8  # only segment ends are known to be safe


def test_a_countdown_tick_writes_its_changed_cells_only() -> None:
    """The inbox refreshes "53" → "52" (one cell): the update writes that cell, not the row."""
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    row = Strip(
        [
            Segment("deploy-bot  Promote checkout 2.1.1 to production?" + " " * 15),
            Segment("    !1m52s", Style(bold=True, color="red")),
            Segment("   6m", Style(dim=True)),
        ]
    )
    update = ChopsUpdate([{0: row}], [(0, 72, 73)], [[80]])
    ours = CroppedChopsUpdate.of(update).render_segments(console)
    assert ours.startswith("\x1b[1;73H")
    assert "2" in ours and "Promote" not in ours and "6m" not in ours
    assert len(ours) < 40 < len(update.render_segments(console))


def test_thirty_countdown_ticks_set_the_colours_once() -> None:
    """One update of thirty rows' countdowns, each a cell in the same style: one SGR, then a
    cursor move and a digit a row, and the colours reset at the end."""
    console = Console(width=80, color_system="truecolor", force_terminal=True)
    urgent = Style(bold=True, color="red")
    rows = [
        Strip([Segment("Promote checkout" + " " * 56), Segment(f"  !1m5{n % 10}s", urgent)])
        for n in range(30)
    ]
    update = ChopsUpdate([{0: row} for row in rows], [(y, 78, 79) for y in range(30)], [[80]] * 30)
    ours = CroppedChopsUpdate.of(update).render_segments(console)
    assert ours.count("\x1b[1;31m") == 1 and ours.endswith("\x1b[0m")
    assert ours.count("\x1b[0m") == 1
    assert len(ours) < 30 * 12
    screen = [[(" ", "")] * 80 for _ in range(30)]
    paint(screen, ours)
    assert [line[78][0] for line in screen] == [str(n % 10) for n in range(30)]


def test_textuals_private_parts_this_relies_on_are_still_there() -> None:
    """`AtpApp._display` swaps the update in: both private names must still mean this."""
    from textual.app import App

    from atp_tui.app import AtpApp

    assert list(inspect.signature(App._display).parameters) == ["self", "screen", "renderable"]
    assert AtpApp._display is not App._display
    init = inspect.signature(ChopsUpdate.__init__).parameters
    assert list(init) == ["self", "chops", "spans", "chop_ends"]
    update = ChopsUpdate([{0: Strip([Segment("x")])}], [(0, 0, 1)], [[1]])
    assert CroppedChopsUpdate.of(update).spans == update.spans
    # The colour system Textual renders with, read as Textual's `Strip.render` reads it.
    assert "_color_system" in vars(Console(color_system="truecolor", force_terminal=True))


def test_changed_cells_of_two_lines() -> None:
    red = Style(color="red")
    old = Strip([Segment("Deadline: "), Segment("! in 1m53s", red)])
    assert changed_cells(old, old) is None
    assert changed_cells(old, Strip([Segment("Deadline: "), Segment("! in 1m52s", red)])) == (
        18,
        19,
    )
    assert changed_cells(old, Strip([Segment("Deadline: ! in 1m53s")])) == (10, 20)  # style
    wide = Strip([Segment("期限: "), Segment("1m52s", red)])
    assert changed_cells(old, wide) == (0, 20)  # not one cell a character: the whole line


def test_a_change_of_style_leaves_the_terminal_in_the_new_style() -> None:
    """Every pair of styles: the terminal in the first, given only the change, draws the
    second exactly as after a reset and the second whole (and never with more bytes)."""
    codes = [Strip.render_ansi(style, ColorSystem.TRUECOLOR) for style in STYLES]
    codes += ["1;2;38;2;1;2;3", "2;4", "1;7;48;5;17", "53;32"]  # an overline: no way back
    # Attributes that share their off code (found by an independent check: `4;21` to `21`
    # gave `24`, which also turns off the double underline that stays).
    codes += ["4;21", "21", "5;6", "6", "4", "5"]
    for old in codes:
        for new in codes:
            reached: dict[str, object] = {"attributes": frozenset(), "fg": "", "bg": ""}
            apply_sgr(reached, old)
            change = sgr_change(old, new)
            if change:  # nothing to change: nothing written
                apply_sgr(reached, change)
            whole: dict[str, object] = {"attributes": frozenset(), "fg": "", "bg": ""}
            apply_sgr(whole, new)
            assert reached == whole, (old, new, sgr_change(old, new))
            assert len(sgr_change(old, new)) <= len(f"0;{new}"), (old, new)
