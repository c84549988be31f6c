"""Answer keys typed ahead never answer a row they were not typed for, through a real terminal
(found by an independent QA pass).

The cursor is on bravo, whose `Say` (action 2, a text answer) the user starts typing ahead:
`2ok 2 days⏎`, read in one go as over SSH. An instant before, bravo was withdrawn. `2` is
refused ("the notification is invalidated"). Before, the keys after it went to the inbox:
`k` moved the cursor to alpha, the space marked it, `2` and the `y` of "days" answered it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from atp_tui.screens.key_order import BURST_GAP
from atp_tui.server import RunningServer
from tests.app.test_pty_escape_keys import detail_shows
from tests.app.test_pty_keys import open_tui
from tests.app.test_pty_keys import server as server  # the fixture, by its name


def _id_of(server: RunningServer, title: str) -> str:
    return next(
        nid for nid, item in server.state.notifications.items() if item["context"]["title"] == title
    )


async def test_keys_typed_after_a_refused_answer_key_are_dropped(
    server: RunningServer, tmp_path: Path
) -> None:
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "j")
        await tmux.wait_for(detail_shows("bravo row"))
        server.state.invalidate(_id_of(server, "bravo row"), "withdrawn by the test")
        await tmux.wait_for(lambda text: "withdrawn" in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "2ok 2 days\r")
        await tmux.wait_for(lambda text: "Nothing typed with it was applied" in text)
        await asyncio.sleep(4 * BURST_GAP)  # whatever was not dropped has been applied now
        text = await tmux.screen()
        assert "◆" not in text  # nothing marked
        assert "Say:" not in text  # no dialog
        assert server.state.respond_attempts == []
        assert detail_shows("bravo row")(text)  # the cursor did not move


async def test_an_answer_key_is_not_taken_by_the_row_that_slid_under_the_cursor(
    server: RunningServer, tmp_path: Path
) -> None:
    """`z11` on delta: `z1` snoozes it for 15 minutes, a `1` pressed twice. Delta leaves
    the list and echo slides under the cursor; before, the second `1` answered echo."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "Gk")
        await tmux.wait_for(detail_shows("delta row"))
        await tmux.run("send-keys", "-t", "atp", "-l", "z11")
        await tmux.wait_for(lambda text: "just came under the" in text)  # the toast wraps
        await asyncio.sleep(4 * BURST_GAP)
        assert server.state.respond_attempts == []
        assert "1 snoozed" in await tmux.screen()


async def test_keys_typed_for_a_snooze_menu_that_did_not_open_are_dropped(
    server: RunningServer, tmp_path: Path
) -> None:
    """`z1` on alpha, due in 10 minutes: too close to snooze, so no menu opens; before, the
    `1` typed for the menu answered alpha."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "z1")
        await tmux.wait_for(lambda text: "Not snoozed" in text)
        await asyncio.sleep(4 * BURST_GAP)
        assert server.state.respond_attempts == []
