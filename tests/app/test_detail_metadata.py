"""The metadata section drawn as plain text looks cell for cell like the table it stands for
(issue #12: the table cost ≈ 1 ms of every cursor key), and the table comes back wherever the
pane is too narrow for the plain lines."""

from __future__ import annotations

import random
from typing import Any

import pytest
from rich.console import Group
from rich.text import Text
from textual.strip import Strip
from textual.visual import Visual, visualize

from atp_tui.widgets.detail_metadata import metadata_cells, metadata_table, metadata_text
from atp_tui.widgets.detail_parts import DetailText
from tests.app.conftest import wait_for
from tests.app.test_repaint import SIZE
from tests.snapshots.harness import CONNECTED, FrozenClock, make_app, notification, received

KEYS = ["priority", "run", "", "ünïcödé", "日本", "a-key-of-twenty-three-x", "k" * 24, "[b]x[/b]"]
VALUES: list[Any] = ["high", 4711, None, True, ["a", 1], {"n": {"m": 2}}, "日本語の値", "v " * 30]


def cells_of(strip: Strip) -> list[tuple[str, object]]:
    """(character, style) per character: what the screen shows, however it is segmented (a
    style's meta, the text offsets Textual adds for selection, draws nothing)."""
    return [(char, str(style), style and style.link) for text, style, _ in strip for char in text]


def drawn(part: DetailText, content: Any, width: int) -> list[list[tuple[str, object]]]:
    visual = visualize(part, content, markup=False)
    strips = Visual.to_strips(part, visual, width, None, part.visual_style)
    return [cells_of(strip.extend_cell_length(width)) for strip in strips]


def random_metadata(rng: random.Random) -> dict[str, Any]:
    return {
        f"{rng.choice(KEYS)}{n if rng.random() < 0.5 else ''}": rng.choice(VALUES)
        for n in range(rng.randint(1, 6))
    }


@pytest.mark.asyncio
async def test_plain_metadata_lines_draw_as_the_table_does() -> None:
    app = make_app([CONNECTED, *received([notification("n", "N")])], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main.detail.notification_id == "n")
        part = app.main.detail.query_one("#detail-extra", DetailText)
        rng = random.Random(7)
        compared = 0
        for _ in range(120):
            cells = metadata_cells(random_metadata(rng))
            plain = metadata_text(cells)
            if plain is None:
                assert max(len(key) for key, _ in cells) >= 24  # only a key too long
                continue
            rows, needs = plain
            text = Text.assemble(Text("Metadata", style="bold underline"), "\n", rows, "\n")
            table = Group(Text("Metadata", style="bold underline"), metadata_table(cells), Text(""))
            for width in (needs, needs + 1, needs + 7, 120):
                assert drawn(part, text, width) == drawn(part, table, width), (cells, width)
                compared += 1
        assert compared > 200


@pytest.mark.asyncio
async def test_the_table_is_shown_where_the_pane_is_narrower_than_the_plain_lines() -> None:
    long = ("a value long enough to be folded in its column " * 2)[:54]
    item = notification("n", "N", metadata={"priority": "high", "note": long})
    app = make_app([CONNECTED, *received([item])], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        detail = app.main.detail
        await wait_for(pilot, lambda: detail.notification_id == "n")
        await pilot.pause()
        part = detail.query_one("#detail-extra", DetailText)
        assert part.forms is not None
        needs = part.forms[1]
        assert part.size.width >= needs and isinstance(part.visual, type(visualize(part, "x")))
        wide_lines = part.size.height
        assert needs == 64
        await pilot.resize_terminal(140, 40)  # the pane is now narrower than the lines
        await wait_for(pilot, lambda: part.size.width < needs)
        await pilot.pause()
        assert part.size.height > wide_lines  # the table folds the long value in its column
        width = part.size.width
        shown = [part.render_line(y).extend_cell_length(width) for y in range(part.size.height)]
        assert [cells_of(strip) for strip in shown] == drawn(part, part.forms[2], width)
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: part.size.width >= needs)
        await pilot.pause()
        assert part.size.height == wide_lines
