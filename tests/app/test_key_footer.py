"""The key footer rebuilds once per refresh, however many binding changes arrive in it."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from atp_tui.widgets.key_footer import KeyFooter
from tests.app.conftest import settled, wait_for
from tests.snapshots.harness import CONNECTED, make_app, notification, received


def shown_keys(footer: KeyFooter) -> list[str]:
    """The keys the footer shows now, left to right."""
    return [key.key for key in footer.query(FooterKey)]


@pytest.mark.asyncio
async def test_a_burst_of_binding_changes_is_one_rebuild_showing_the_current_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app([CONNECTED, *received([notification("a", "Deploy", deadline=30)])])
    rebuilds: list[int] = []
    original = KeyFooter.recompose

    async def counted(self: KeyFooter) -> Any:
        rebuilds.append(1)
        return await original(self)

    monkeypatch.setattr(KeyFooter, "recompose", counted)
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
