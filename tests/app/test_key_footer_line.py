"""The one-widget key footer shows what Textual's `Footer` shows, cell for cell (issue #13).

Its line is compared with `Footer`'s own rendering in a small app that uses what the main
screen does not (binding groups, a disabled key, a key without description); on the main
screen it follows the active bindings, repaints only when they change, and a click presses
the key under it.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from atp_tui.widgets.key_footer import KeyFooter
from tests.app.conftest import settled, wait_for
from tests.app.test_repaint import counting_refreshes
from tests.snapshots.harness import CONNECTED, make_app, notification, received

GROUP = Binding.Group("Move")
COMPACT = Binding.Group("Scroll", compact=True)


class FooterApp(App[None]):
    """Keys of every kind `Footer` draws: grouped, compact-grouped, disabled, bare, markup."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "press('a')", "Alpha", tooltip="The first key"),
        Binding("left", "press('left')", "Left", group=GROUP),
        Binding("right", "press('right')", "Right", group=GROUP),
        Binding("up", "press('up')", "Up", group=COMPACT),
        Binding("down", "press('down')", "Down", group=COMPACT),
        Binding("d", "press('d')", "Disabled"),
        Binding("e", "press('e')", ""),  # no description: Textual does not show it
        Binding("m", "press('m')", "[bold red]not markup[/]", key_display="[i]"),
        Binding("h", "press('h')", "Hidden", show=False),
    ]

    def __init__(self, footer: type[Widget]) -> None:
        super().__init__()
        self.footer = footer
        self.pressed: list[str] = []
        self.bells = 0

    def compose(self) -> ComposeResult:
        """Some text and the footer under test (nothing focused takes the keys)."""
        yield Static("body")
        yield self.footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`d` is shown but disabled (dimmed)."""
        if action == "press" and parameters == ("d",):
            return None
        return True

    def action_press(self, key: str) -> None:
        """Record the key."""
        self.pressed.append(key)

    def bell(self) -> None:
        """Count bells instead of ringing."""
        self.bells += 1


def plain(segments: list[Segment]) -> list[tuple[str, str]]:
    """Text and look of each segment (not the offsets Textual keeps for mouse selection)."""
    return [(segment.text, str(segment.style)) for segment in segments]


async def footer_line(footer: type[Widget], size: tuple[int, int]) -> list[tuple[str, str]]:
    """The bottom line of `FooterApp` with `footer`, as the compositor draws it."""
    app = FooterApp(footer)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: bool(app.screen._compositor.render_strips()[-1].text.strip()))
        await pilot.pause()
        strips = app.screen._compositor.render_strips()
        return plain(list(strips[-1]))


async def drawn_keys(pilot: Any) -> str:
    """The text of the bottom line once `KeyFooter` has its keys and they are drawn."""
    footer = pilot.app.query_one(KeyFooter)
    await wait_for(pilot, lambda: bool(footer.items))
    await pilot.pause()
    return pilot.app.screen._compositor.render_strips()[-1].text


@pytest.mark.asyncio
@pytest.mark.parametrize("width", [120, 60])
async def test_the_line_is_textual_footers_line(width: int) -> None:
    """Same cells, same styles, same segments; at 60 columns the keys are cut off where the
    command palette key starts, as in `Footer`."""
    expected = await footer_line(Footer, (width, 5))
    actual = await footer_line(KeyFooter, (width, 5))
    assert actual == expected
    text = "".join(text for text, _ in actual)
    assert text.startswith(" a Alpha  ← → Move  ↑↓ Scroll  d Disabled ")
    assert text.endswith("▏^p palette ") and "Hidden" not in text
    looks = dict(actual)
    assert "dim" in looks["Disabled "].split() and "dim" not in looks["Alpha "].split()


@pytest.mark.asyncio
async def test_descriptions_and_key_displays_are_shown_as_text_not_markup() -> None:
    app = FooterApp(KeyFooter)
    async with app.run_test(size=(160, 5)) as pilot:
        assert " [i] [bold red]not markup[/] " in await drawn_keys(pilot)


@pytest.mark.asyncio
async def test_a_click_presses_the_key_and_a_disabled_key_rings_the_bell() -> None:
    app = FooterApp(KeyFooter)
    async with app.run_test(size=(160, 5)) as pilot:
        text = await drawn_keys(pilot)
        await pilot.click(KeyFooter, offset=(text.index("Alpha"), 0))
        await wait_for(pilot, lambda: app.pressed == ["a"])
        await pilot.click(KeyFooter, offset=(text.index("Disabled"), 0))
        await pilot.pause()
        assert app.bells == 1 and app.pressed == ["a"]
        # The tooltip of the key under the mouse, as a FooterKey has its own.
        await pilot.hover(KeyFooter, offset=(text.index("Alpha"), 0))
        assert app.query_one(KeyFooter).tooltip == "The first key"


def expected_keys(app: Any) -> list[str]:
    """What `Footer` would show on the main screen: the shown active bindings, one per
    action, and the command palette key last."""
    keys: dict[str, str] = {}
    for _, binding, _enabled, _tooltip in app.main.active_bindings.values():
        if binding.show and binding.key != app.COMMAND_PALETTE_BINDING:
            keys.setdefault(binding.action, binding.key)
    return [*keys.values(), app.COMMAND_PALETTE_BINDING]


async def main_footer(pilot: Any, key: str) -> KeyFooter:
    """The main screen's footer, once it shows `key` and the app has settled."""
    footer = pilot.app.main.query_one(KeyFooter)
    await wait_for(pilot, lambda: key in [item.key for item in footer.items])
    await settled(pilot)
    return footer


@pytest.mark.asyncio
async def test_the_main_screen_shows_its_active_keys_and_follows_focus() -> None:
    app = make_app([CONNECTED, *received([notification("a", "Deploy", deadline=30)])])
    async with app.run_test(size=(150, 40)) as pilot:
        footer = await main_footer(pilot, "enter")
        inbox_keys = [item.key for item in footer.items]
        assert inbox_keys == expected_keys(app)
        assert inbox_keys[:3] == ["enter", "1", "slash"]
        assert [item.key_display for item in footer.items][:2] == ["⏎", "1-9"]
        # One widget: no child widgets for the keys.
        assert list(footer.children) == []
        await pilot.press("slash")
        await settled(pilot)
        assert isinstance(app.main.focused, Input)
        await wait_for(pilot, lambda: [item.key for item in footer.items] != inbox_keys)
        filter_keys = [item.key for item in footer.items]
        assert filter_keys == expected_keys(app)
        assert "slash" not in filter_keys and "1" not in filter_keys


@pytest.mark.asyncio
async def test_a_cursor_key_or_unchanged_bindings_repaint_nothing() -> None:
    app = make_app(
        [CONNECTED, *received([notification(n, f"Item {n}", deadline=30) for n in "abc"])]
    )
    async with app.run_test(size=(150, 40)) as pilot:
        footer = await main_footer(pilot, "enter")
        with counting_refreshes([footer]) as calls:
            await pilot.press("j", "j", "k")
            await settled(pilot)
            for _ in range(5):
                app.main.refresh_bindings()
            await pilot.pause()
            await pilot.pause()
        assert calls == []


@pytest.mark.asyncio
async def test_a_click_on_a_main_screen_key_runs_it() -> None:
    app = make_app([CONNECTED, *received([notification("a", "Deploy", deadline=30)])])
    async with app.run_test(size=(150, 40)) as pilot:
        await main_footer(pilot, "slash")
        text = app.screen._compositor.render_strips()[-1].text
        await pilot.click(KeyFooter, offset=(text.index("Filter"), 0))
        await settled(pilot)
        await wait_for(pilot, lambda: isinstance(app.main.focused, Input))
