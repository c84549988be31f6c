"""What a cursor key paints, frame by frame (issue #12: a cursor key at 50k items).

Each frame Textual paints costs a fixed share of a key (composing the dirty regions, the
terminal bytes), on top of the lines it paints. A key used to paint the inbox's two rows in
one frame and the detail pane in the next; a key that scrolled the inbox also repainted the
inbox's scroll bar, whose thumb at 1,000 rows moves once every few rows. And a long
description was rendered in full, though the pane shows its first twenty-odd lines.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.scrollbar import ScrollBar
from textual.visual import Visual

from atp_tui.widgets.detail_parts import DetailText
from atp_tui.widgets.scroll_thumb import thumb_drawn
from tests.app.conftest import wait_for
from tests.app.test_repaint import SIZE, counting_refreshes, detail_varied, drawn
from tests.snapshots.harness import CONNECTED, FrozenClock, make_app, notification, received


def frames_painting(app: Any, widgets: dict[str, Any]) -> list[set[str]]:
    """Per frame from now on, the names of `widgets` that painted lines in it (the list grows
    as frames go out)."""
    frames: list[set[str]] = [set()]
    original_display = app._display

    def display(screen: Any, renderable: Any) -> None:
        original_display(screen, renderable)
        if renderable is not None:
            frames.append(set())

    app._display = display
    for name, widget in widgets.items():
        original = widget.render_lines

        def render_lines(crop: Any, _name: str = name, _original: Any = original) -> Any:
            frames[-1].add(_name)
            return _original(crop)

        widget.render_lines = render_lines
    return frames


@pytest.mark.asyncio
async def test_a_cursor_key_paints_the_rows_and_the_detail_pane_in_one_frame() -> None:
    app = make_app([CONNECTED, *received(detail_varied())], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        screen, inbox = app.main, app.main.inbox
        detail = screen.detail
        await wait_for(pilot, lambda: inbox.total == 3 and detail.notification_id == "short")
        await drawn(pilot, inbox)
        title = detail.query_one("#detail-title")
        for key, expected in (("j", "long"), ("j", "three"), ("k", "long")):
            frames = frames_painting(app, {"rows": inbox, "title": title})
            await pilot.press(key)
            await wait_for(pilot, lambda e=expected: detail.notification_id == e)
            for _ in range(4):  # every frame the key caused, however late
                await pilot.pause()
            painted = [frame for frame in frames if frame]
            assert painted[0] == {"rows", "title"}, f"{expected}: {painted}"
            assert all("rows" not in frame for frame in painted[1:])


def many(count: int) -> list[Any]:
    """`count` open items, one line of description each."""
    return [
        notification(f"n{n:04d}", f"Item {n}", created=-n, deadline=60 + n, description="Short.")
        for n in range(count)
    ]


@pytest.mark.asyncio
async def test_scrolling_the_inbox_repaints_its_scroll_bar_only_when_the_thumb_moves() -> None:
    app = make_app([CONNECTED, *received(many(1000))], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 1000 and app.main.detail.notification_id)
        await drawn(pilot, inbox)
        bar: ScrollBar = inbox.vertical_scrollbar
        height = inbox.scrollable_content_region.height
        for _ in range(height - 1):  # to the last row in view: no scrolling yet
            await pilot.press("j")
        await pilot.pause()
        assert inbox.scroll_y == 0
        moved = still = 0
        for _ in range(40):  # each key scrolls the list by one row
            before = thumb_drawn(bar, bar.position)
            with counting_refreshes([bar]) as refreshes:
                await pilot.press("j")
                await pilot.pause()
            if thumb_drawn(bar, bar.position) == before:
                still += 1
                assert refreshes == [], "the thumb did not move, yet the bar was repainted"
            else:
                moved += 1
                assert refreshes, "the thumb moved but the bar was not repainted"
            assert bar.position == bar.validate_position(inbox.scroll_y)  # drags start here
        assert inbox.scroll_y == 40
        assert moved and still > moved  # 1,000 rows in ≈ 35 lines: a move every ≈ 4 rows


@pytest.mark.asyncio
async def test_a_long_description_renders_only_to_the_pane_then_as_scrolled() -> None:
    """The lines below the pane are not rendered until scrolled to, and every line rendered
    is the one a full render gives."""
    app = make_app([CONNECTED, *received(detail_varied())], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        detail, inbox = app.main.detail, app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 3 and detail.notification_id == "short")
        await pilot.press("j")
        await wait_for(pilot, lambda: detail.notification_id == "long")
        await pilot.pause()
        description = detail.query_one("#detail-description", DetailText)
        width, height = description.size
        full = Visual.to_strips(
            description, description.visual, width, None, description.visual_style
        )
        assert len(full) == height > detail.size.height  # 79 lines, most below the pane
        assert 0 < len(description._lines) < height
        detail.scroll_end(animate=False)
        await pilot.pause()
        await pilot.pause()
        assert len(description._lines) == height
        assert [description.render_line(y).text for y in range(height)] == [
            strip.text for strip in full
        ]
        assert "Paragraph 39" in description.render_line(height - 1).text


@pytest.mark.asyncio
async def test_the_detail_panes_scroll_bar_is_painted_once_for_a_new_height() -> None:
    """Two items that both scroll the pane, of different heights: the bar takes its new
    thumb in the frame that paints the pane, and no frame paints it again."""

    def paragraphs(count: int) -> str:
        return "\n\n".join(f"Paragraph {n} of {count}." for n in range(count))

    items = [
        notification("long", "Long", created=-10, deadline=50, description=paragraphs(30)),
        notification("longer", "Longer", created=-20, deadline=60, description=paragraphs(45)),
    ]
    app = make_app([CONNECTED, *received(items)], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        detail, inbox = app.main.detail, app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 2 and detail.notification_id == "long")
        await drawn(pilot, inbox)
        bar = detail.vertical_scrollbar
        assert detail.show_vertical_scrollbar
        for key, expected in (("j", "longer"), ("k", "long")):
            before = bar.window_virtual_size
            frames = frames_painting(app, {"bar": bar, "title": detail.query_one("#detail-title")})
            await pilot.press(key)
            await wait_for(pilot, lambda e=expected: detail.notification_id == e)
            for _ in range(4):
                await pilot.pause()
            assert bar.window_virtual_size == detail.virtual_size.height != before
            painted = [frame for frame in frames if frame]
            assert painted == [{"bar", "title"}], f"{expected}: {painted}"


@pytest.mark.asyncio
async def test_actions_are_painted_once_at_the_new_width_when_the_scroll_bar_comes_or_goes() -> (
    None
):
    """Two items with the same actions, one long enough to scroll the pane: the key that
    shows or hides the pane's scroll bar makes the action list one cell narrower or wider.
    Its options are painted at the new width in the one frame that paints the pane (an
    `OptionList` drops its rendered options only in its `Resize` handler, after that frame,
    and its repaint took a second frame of the whole pane)."""
    from atp_tui.widgets.detail_parts import ActionList

    long = "\n\n".join(f"Paragraph {n}." for n in range(40))
    items = [
        notification("short", "Short", created=-10, deadline=50, description="One line."),
        notification("long", "Long", created=-20, deadline=60, description=long),
    ]
    app = make_app([CONNECTED, *received(items)], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        detail, inbox = app.main.detail, app.main.inbox
        actions = detail.query_one(ActionList)
        await wait_for(pilot, lambda: inbox.total == 2 and detail.notification_id == "short")
        await drawn(pilot, inbox)
        for key, expected, scrolls in (("j", "long", True), ("k", "short", False)):
            widths: list[int] = []
            original = actions.render_lines

            def render_lines(crop: Any, _original: Any = original, _widths: Any = widths) -> Any:
                strips = _original(crop)
                _widths.extend(strip.cell_length for strip in strips)
                return strips

            actions.render_lines = render_lines  # type: ignore[method-assign]
            frames = frames_painting(app, {"title": detail.query_one("#detail-title")})
            await pilot.press(key)
            await wait_for(pilot, lambda e=expected: detail.notification_id == e)
            for _ in range(4):  # every frame the key caused, however late
                await pilot.pause()
            del actions.render_lines
            assert detail.show_vertical_scrollbar is scrolls
            painted = [frame for frame in frames if frame]
            assert len(painted) == 1, f"{expected}: {len(painted)} frames painted the pane"
            assert widths and set(widths) == {actions.size.width}, f"{expected}: {widths}"


@pytest.mark.asyncio
async def test_the_parts_measure_and_draw_as_textual_does() -> None:
    """The description's height is counted without formatting it, and the metadata table's
    lines are rendered once (measured and drawn): both give what Textual's own would."""
    from textual.widget import Widget

    from atp_tui.widgets.detail_parts import _wraps_plainly

    metadata = {"priority": "high", "run": 4711, "owner": "team-payments " * 8}
    description = "\n\n".join(f"Paragraph {n}: " + "word " * (n * 7) for n in range(12))
    items = [notification("meta", "Meta", description=description, metadata=metadata)]
    app = make_app([CONNECTED, *received(items)], clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        detail = app.main.detail
        await wait_for(pilot, lambda: detail.notification_id == "meta")
        await pilot.pause()
        for part_id in ("#detail-description", "#detail-extra"):
            part = detail.query_one(part_id, DetailText)
            width, height = part.size
            assert _wraps_plainly(part)
            # Textual's own measure and render of the same visual.
            assert Widget.get_content_height(part, part.size, part.size, width) == height
            full = Visual.to_strips(part, part.visual, width, height, part.visual_style)
            assert [part.render_line(y).text for y in range(height)] == [s.text for s in full]
        extra = detail.query_one("#detail-extra", DetailText)
        assert extra._rich_lines is not None and extra._rich_lines[0] is extra.visual
        assert "team-payments" in "".join(
            extra.render_line(y).text for y in range(extra.size.height)
        )
