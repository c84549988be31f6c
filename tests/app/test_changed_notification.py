"""A notification the server sends again with other content (same id): the inbox shows the
new copy, the filter searches it, and keys typed for the old one are not applied to it.

Found by an independent QA pass: the store took the new copy (the detail pane and
`atp-tui list` showed it) while the row kept the first title and the filter searched the
first text, until a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
            await wait_for(
                pilot, lambda: any("just changed" in n.message for n in app._notifications)
            )
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


APPROVE = {"id": "a1", "label": "Approve", "response_type": "simple"}
REJECT = {"id": "a2", "label": "Reject", "response_type": "simple"}
SAY = {"id": "say", "label": "Say", "response_type": "text"}


def _prompts(app: AtpApp) -> list[str]:
    actions = app.main.query_one("#detail-actions")
    return [str(actions.get_option_at_index(i).prompt) for i in range(actions.option_count)]


async def _serving(copies: list[dict], send_next: asyncio.Event) -> HostileServer:
    """A server that streams `copies[0]`, then each next copy when `send_next` is set."""

    async def script(conn: Conn) -> None:
        if conn.request.method != "GET":
            await conn.send_response(500, b"{}", "application/json")
            return
        await conn.send_head()
        for number, copy in enumerate(copies, start=1):
            if number > 1:
                await send_next.wait()
                send_next.clear()
            await conn.write(frame(copy, event_id=str(number)))
        await conn.hang()

    return HostileServer(script)


@asynccontextmanager
async def _actions_swapped_on(send_next: asyncio.Event) -> AsyncIterator[HostileServer]:
    """n1 with `1 Approve  2 Reject`, sent again swapped when `send_next` is set."""
    first = notification("n1", actions=[APPROVE, REJECT])
    swapped = notification("n1", actions=[REJECT, APPROVE])
    async with await _serving([first, swapped], send_next) as server:
        yield server


@pytest.mark.unseen_guard
async def test_new_actions_alone_are_shown_before_a_key_answers_with_them() -> None:
    """Only the actions change (swapped): the summary is the same, and the pane kept showing
    `1 Approve  2 Reject` while `2` answered with the new second action, Approve (an
    independent check, 3 of 3). The pane shows the new ones; a key a second later sends
    what it shows."""
    send_next = asyncio.Event()
    async with _actions_swapped_on(send_next) as server:
        app = make_live_app(server.url)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: len(_prompts(app)) == 2)
            assert "Approve" in _prompts(app)[0]
            app.main.mark_read("n1")  # read already: nothing else redraws the pane
            await settled(pilot)
            send_next.set()
            await wait_for(pilot, lambda: "Reject" in _prompts(app)[0])
            assert "2  Approve" in _prompts(app)[1]
            assert [r.method for r in server.requests] == ["GET"]


@pytest.mark.unseen_guard
async def test_enter_on_actions_whose_highlight_went_with_a_change_says_so() -> None:
    """Action 2 highlighted, the item re-sent with its actions swapped: the highlight goes
    (it was on the old second action), and Enter then did nothing, in silence (an
    independent check, 6 of 6). Nothing is sent, and the user is told why."""
    send_next = asyncio.Event()
    async with _actions_swapped_on(send_next) as server:
        app = make_live_app(server.url)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: len(_prompts(app)) == 2)
            await pilot.pause(1.1)
            await pilot.press("enter", "j")
            actions = app.main.query_one("#detail-actions")
            assert actions.highlighted == 1
            send_next.set()
            await wait_for(pilot, lambda: "Reject" in _prompts(app)[0])
            assert actions.highlighted is None
            await pilot.pause(1.1)
            await pilot.press("enter")
            await settled(pilot)
            await wait_for(
                pilot,
                lambda: any("no action is highlighted" in n.message for n in app._notifications),
            )
            assert [r.method for r in server.requests] == ["GET"]


@pytest.mark.unseen_guard
async def test_an_answer_dialog_open_on_a_changed_item_closes_keeping_the_text() -> None:
    """An open dialog shows the copy it was opened on (its action, its options): a key into
    it sent the old answer against the new copy. It closes, nothing is sent, and the text
    typed is there again when the user answers anew."""
    send_next = asyncio.Event()
    first = notification("n1", actions=[SAY])
    changed = notification("n1", title="Revised question", actions=[SAY])
    async with await _serving([first, changed], send_next) as server:
        app = make_live_app(server.url)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
            await pilot.pause(1.1)  # seen: the answer key is taken
            await pilot.press("1", *"half typed")
            await settled(pilot)
            assert app.screen is not app.main
            dialog = app.screen
            await wait_for(pilot, lambda: dialog.query_one("Input").value == "half typed")
            send_next.set()
            await wait_for(pilot, lambda: app.screen is app.main)
            # A toast is a message to the app: handled a moment later on a loaded machine.
            await wait_for(
                pilot, lambda: any("nothing was sent" in n.message for n in app._notifications)
            )
            await pilot.pause(1.1)
            await pilot.press("1")
            await settled(pilot)
            assert app.screen.query_one("Input").value == "half typed"
            assert [r.method for r in server.requests] == ["GET"]


REGIONS = {
    "id": "regions",
    "label": "Regions",
    "response_type": "multi_choice",
    "options": [{"value": "eu", "label": "EU"}, {"value": "us", "label": "US"}],
}


@pytest.mark.unseen_guard
async def test_ticks_are_not_kept_across_relabelled_options() -> None:
    """A tick is kept by value: after a re-send relabelled "EU" to "DROP EU", the dialog
    opened again showed "DROP EU" ticked, a label the user never picked (an independent
    check). Ticks made against other options are dropped."""
    send_next = asyncio.Event()
    relabelled = {
        **REGIONS,
        "options": [{"value": "eu", "label": "DROP EU"}, {"value": "us", "label": "US"}],
    }
    first = notification("n1", actions=[REGIONS])
    changed = notification("n1", actions=[relabelled])
    async with await _serving([first, changed], send_next) as server:
        app = make_live_app(server.url)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
            await pilot.pause(1.1)
            await pilot.press("1", "space")
            await settled(pilot)
            assert app.screen.query_one("SelectionList").selected == ["eu"]
            send_next.set()
            await wait_for(pilot, lambda: app.screen is app.main)
            await pilot.pause(1.1)
            await pilot.press("1")
            await settled(pilot)
            assert app.screen.query_one("SelectionList").selected == []
            assert [r.method for r in server.requests] == ["GET"]
