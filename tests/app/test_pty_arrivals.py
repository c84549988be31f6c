"""An item that appears just below the cursor does not take the keys typed for the row that
was there (`atp_tui.view.arrivals`), through a real terminal.

The cursor is on alpha (due in 10 min) and bravo (20 min) is the row below. A new item due in
15 min is merged in between; `j1` typed an instant later (read in one go, as over SSH) was
typed for bravo. Before: `j` landed on the newcomer and `1` answered it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from atp_tui.screens.key_order import BURST_GAP
from atp_tui.server import RunningServer
from atp_tui.view.arrivals import UNSEEN_SECONDS
from tests.app.conftest import in_minutes
from tests.app.test_pty_escape_keys import detail_shows
from tests.app.test_pty_keys import ACK, FAILOVER, SAY, TITLES, answers, open_tui, received
from tests.app.test_pty_keys import server as server  # the fixture, by its name
from tests.server_helpers import notification_body

NOTICE = "just appeared"


def arrives_below_the_cursor(server: RunningServer) -> None:
    server.state.add_notification(
        notification_body(
            title="newcomer row", actions=[ACK, SAY, FAILOVER], deadline=in_minutes(15)
        )
    )


async def test_j1_typed_as_an_item_appears_below_the_cursor_answers_nothing(
    server: RunningServer, tmp_path: Path
) -> None:
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        arrives_below_the_cursor(server)
        await tmux.wait_for(lambda text: "newcomer row" in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "j1")
        await tmux.wait_for(lambda text: NOTICE in text)
        assert server.state.respond_attempts == []
        # Looked at, it takes the key like any other.
        await asyncio.sleep(UNSEEN_SECONDS)
        await tmux.run("send-keys", "-t", "atp", "-l", "1")
        await received(server)
    assert answers(server) == [("newcomer row", "ack", None)]


async def test_the_keys_typed_after_the_refused_one_are_dropped(
    server: RunningServer, tmp_path: Path
) -> None:
    """`j2not now⏎`: the text and Enter were meant for bravo's dialog; none of it reaches the
    inbox (space would mark, Enter would open the newcomer's actions)."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        arrives_below_the_cursor(server)
        await tmux.wait_for(lambda text: "newcomer row" in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "j2not now\r")
        await tmux.wait_for(lambda text: NOTICE in text)
        # Every key has been applied or dropped once `g`, typed after a pause (a key sooner
        # is part of the burst, and dropped too), moves to alpha.
        await asyncio.sleep(2 * BURST_GAP)
        await tmux.run("send-keys", "-t", "atp", "-l", "g")
        await tmux.wait_for(detail_shows("alpha row"))
        text = await tmux.screen()
        assert "◆" not in text  # nothing marked
        assert "Say:" not in text  # no dialog
        assert server.state.respond_attempts == []


async def test_mark_all_typed_as_an_item_appears_leaves_it_out(
    server: RunningServer, tmp_path: Path
) -> None:
    """`*1y` an instant after an item appeared: `*` marks the rows the user saw, not the
    newcomer, so the bulk answer goes to those five (found by an independent QA pass: the
    newcomer was marked and answered with them)."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        arrives_below_the_cursor(server)
        await tmux.wait_for(lambda text: "newcomer row" in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "*1y")
        await received(server, 5)
        await asyncio.sleep(UNSEEN_SECONDS)
    answered = [title for title, _, _ in answers(server)]
    assert sorted(answered) == sorted(TITLES)
