"""The key footer rebuilds once per refresh, however many binding changes arrive in it."""

from __future__ import annotations

import pytest

from atp_tui.widgets import key_footer
from atp_tui.widgets.key_footer import KeyFooter
from tests.app.conftest import settled, wait_for
from tests.snapshots.harness import CONNECTED, make_app, notification, received


def shown_keys(footer: KeyFooter) -> list[str]:
    """The keys the footer shows now, left to right."""
    return [item.key for item in footer.items]


@pytest.mark.asyncio
async def test_a_burst_of_binding_changes_is_one_rebuild_showing_the_current_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([CONNECTED, *received([notification("a", "Deploy", deadline=30)])])
    rebuilds: list[int] = []
    original = key_footer.footer_line

    def counted(screen: object) -> key_footer.FooterLine:
        rebuilds.append(1)
        return original(screen)  # type: ignore[arg-type]

    monkeypatch.setattr(key_footer, "footer_line", counted)
    async with app.run_test(size=(150, 40)) as pilot:
        footer = app.main.query_one(KeyFooter)
        await wait_for(pilot, lambda: "enter" in shown_keys(footer))
        await settled(pilot)
        before = shown_keys(footer)
        rebuilds.clear()
        for _ in range(5):  # what a focus change plus a stack update send, and more
            app.main.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert rebuilds == [1]
        assert shown_keys(footer) == before
        # A real change still shows: the filter's bindings replace the inbox's.
        await pilot.press("slash")
        await settled(pilot)
        await wait_for(pilot, lambda: shown_keys(footer) != before)
