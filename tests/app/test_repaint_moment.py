"""A row's changed cells are painted with what they showed when they were found changed.

The tick finds the cells whose text changed (`InboxList.refresh_changed`) and refreshes only
those; the frame that paints them comes a few ms later. When a countdown crossed another
second in between, that frame drew the newer text into the older cells while the row counted
as drawn with it: the cells the newer text changed beyond them never reached the terminal,
and an independent check saw a countdown 30 s wrong for a minute (under load).
"""

from __future__ import annotations

import pytest

from tests.app.conftest import wait_for
from tests.app.test_repaint import SIZE, drawn
from tests.snapshots.harness import CONNECTED, FrozenClock, make_app, notification, received


@pytest.mark.asyncio
async def test_a_countdown_that_changes_again_before_its_frame_is_painted_is_painted_again() -> (
    None
):
    clock = FrozenClock()
    urgent = notification("soon", "Soon", deadline=10 + 1 / 60)  # 10m01s: seconds shown
    app = make_app([CONNECTED, *received([urgent])], clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 1)
        await drawn(pilot, inbox)
        clock.advance(1)
        assert inbox.refresh_changed() == 1  # its countdown's changed cells
        clock.advance(1)  # another second passes before the frame that paints them
        await pilot.pause()
        # That frame painted them as they were found; the newer change is still to come.
        assert inbox.refresh_changed() == 1
        await drawn(pilot, inbox)
        assert inbox.refresh_changed() == 0
