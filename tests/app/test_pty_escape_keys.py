"""Escape and the key after it in one read, through a real terminal (tmux, as over SSH).

A terminal sends Escape as the byte ESC, and Alt+key as ESC followed by the key, so ESC and
the next key read together are ambiguous. tmux makes them arrive together whenever a key
follows Escape within its `escape-time` (500 ms by default before tmux 3.5), as a slow SSH
link does. Textual reads them as one Alt chord (`alt+j`, which nothing handles) or drops the
Escape (`\\x1b\\r` is a bare Enter): the Escape that should have closed a dialog or cleared a
filter was lost, and the keys after it acted on what it should have closed.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from atp_tui.server import RunningServer
from tests.app.test_pty_keys import answers, open_tui, received
from tests.app.test_pty_keys import server as server  # the fixture, by its name

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def detail_shows(title: str) -> Callable[[str], bool]:
    """Whether the detail pane shows `title` as its heading: a line of its own, right of the
    rows' `▕` edge where the pane is beside them, below them otherwise."""

    def shows(text: str) -> bool:
        for line in text.splitlines():
            pane = line.partition("▕")[2] if "▕" in line else line
            if pane.strip() == title:
                return True
        return False

    return shows


async def test_escape_j_1_in_one_read_clears_the_filter_then_moves_and_answers(
    server: RunningServer, tmp_path: Path
) -> None:
    """The filter shows only charlie; Escape clears it, `j` moves to delta, `1` answers it
    (before: `alt+j`, so the filter stayed, the cursor stayed, and charlie was answered)."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "/charlie\r")
        await tmux.wait_for(lambda text: "alpha row" not in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "\x1bj1")
        await received(server)
    assert answers(server) == [("delta row", "ack", None)]


async def test_escape_enter_in_one_read_cancels_the_dialog_and_sends_nothing(
    server: RunningServer, tmp_path: Path
) -> None:
    """Text typed into charlie's dialog, then Escape and Enter together: the dialog is
    cancelled (before: the Escape was dropped and Enter sent the text)."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "gjj2not now")
        await tmux.wait_for(lambda text: "not now" in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "\x1b\r")
        # Enter after the Escape opens charlie's actions; a lone Escape closes them, and `j`
        # moves on: once delta's detail shows, every key before it has been applied.
        await tmux.wait_for(lambda text: "not now" not in text)
        await tmux.run("send-keys", "-t", "atp", "Escape")
        await tmux.run("send-keys", "-t", "atp", "-l", "j")
        await tmux.wait_for(detail_shows("delta row"))
        await asyncio.sleep(0.5)  # an answer sent by mistake would be posted by now
        assert server.state.respond_attempts == [], answers(server)
        assert "sent" not in await tmux.screen()
