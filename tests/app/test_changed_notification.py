"""A notification the server sends again with other content (same id): the inbox shows the
new copy, the filter searches it, and keys typed for the old one are not applied to it.

Found by an independent QA pass: the store took the new copy (the detail pane and
`atp-tui list` showed it) while the row kept the first title and the filter searched the
first text, until a restart.
"""

from __future__ import annotations

import asyncio

import pytest

from atp_tui.app import AtpApp
from atp_tui.screens.key_order import BURST_GAP
from tests.app.conftest import make_live_app, settled, wait_for
from tests.hostile import Conn, HostileServer, frame, notification

FIRST = notification("n1", title="Deploy api 2.1?")
CHANGED = notification(
    "n1",
    title="Deploy api 2.2?",
    context={"title": "Deploy api 2.2?", "description": "canary now at 5 percent"},
)


def _row_title(app: AtpApp) -> str | None:
    item = app.main.inbox.get("n1")
    return item.summary.title if item is not None else None


@pytest.mark.unseen_guard
async def test_a_changed_copy_replaces_the_row_and_takes_no_key_typed_for_the_old() -> None:
    send_changed = asyncio.Event()

    async def script(conn: Conn) -> None:
        if conn.request.method != "GET":
            await conn.send_response(500, b"{}", "application/json")  # no answer expected
            return
        await conn.send_head()
        await conn.write(frame(FIRST, event_id="1"))
        await send_changed.wait()
        await conn.write(frame(CHANGED, event_id="2"))
        await conn.hang()

    async with HostileServer(script) as server:
        app = make_live_app(server.url)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: _row_title(app) == "Deploy api 2.1?")
            await settled(pilot)
            send_changed.set()
            await wait_for(pilot, lambda: _row_title(app) == "Deploy api 2.2?")
            # An answer key right after the change was typed for what the row said before.
            await pilot.press("1")
            await settled(pilot)
            assert [r.method for r in server.requests] == ["GET"]
            assert any("just changed" in n.message for n in app._notifications)
            assert app.main.detail.notification_id == "n1"
            filter_box = app.main.filtering.input
            await pilot.pause(2 * BURST_GAP)  # what follows the refused key is a new burst
            await pilot.press("slash", *"canary now")  # the new description is searched
            await settled(pilot)
            assert filter_box.value == "canary now"
            assert app.main.inbox.row_count == 1
            await pilot.press("escape", "slash", *"2.1")  # and the old title no longer
            await settled(pilot)
            assert filter_box.value == "2.1"
            assert app.main.inbox.row_count == 0
