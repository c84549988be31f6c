"""A binary dialog shows both of its answers, whatever the agent's labels (found by an
independent QA pass): a long first label pushed the second button off the dialog, unseen,
while `2`, Tab and Enter still answered with it."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from tests.app.conftest import wait_for
from tests.snapshots.harness import CONNECTED, make_app, notification, received

LONG = "Yes, roll back the database " + "and everything else " * 4


@pytest.mark.parametrize("size", [(150, 40), (80, 24), (60, 18)])
async def test_both_answers_are_on_the_dialog_with_their_whole_labels(
    size: tuple[int, int],
) -> None:
    action = {
        "id": "rollback",
        "label": "Roll back?",
        "response_type": "binary",
        "options": {"true_label": LONG, "false_label": "No"},
    }
    app = make_app([CONNECTED, *received([notification("b", "binary", actions=[action])])])
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("1")
        await wait_for(pilot, lambda: bool(app.screen.query("#binary-buttons.-stacked")))
        await pilot.pause()
        row = app.screen.query_one("#binary-buttons")
        for button in app.screen.query(Button):
            assert row.content_region.contains_region(button.region), (button.id, button.region)
        label = app.screen.query_one("#binary-true", Button).label
        assert LONG.strip() in str(label)


async def test_short_labels_stay_side_by_side() -> None:
    action = {
        "id": "go",
        "label": "Go?",
        "response_type": "binary",
        "options": {"true_label": "Yes", "false_label": "No"},
    }
    app = make_app([CONNECTED, *received([notification("b", "binary", actions=[action])])])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("1")
        await wait_for(pilot, lambda: bool(app.screen.query("#binary-buttons")))
        for _ in range(3):
            await pilot.pause()
        yes, no = app.screen.query_one("#binary-true"), app.screen.query_one("#binary-false")
        assert yes.region.y == no.region.y
        assert not app.screen.query_one("#binary-buttons").has_class("-stacked")
