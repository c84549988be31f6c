"""An answer key that is refused takes the rest of its burst with it, through a real terminal
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
