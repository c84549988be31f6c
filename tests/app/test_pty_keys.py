"""Key bursts through a real terminal: `atp-tui` in tmux against the reference server.

tmux writes the keys of one `send-keys -l` to the pane's pty together, so the app reads them in
one go, as it does over SSH. The tests wait for conditions on what tmux shows and on what the
server received (bounded), never for fixed times. Skipped when tmux is not installed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from atp_tui.commands.tui import HANGUP_GRACE
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.view.arrivals import UNSEEN_SECONDS
from tests.app.conftest import TOKEN, in_minutes
from tests.server_helpers import notification_body

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ACK = {"id": "ack", "label": "Acknowledge", "response_type": "simple"}
SAY = {"id": "say", "label": "Say", "response_type": "text"}
FAILOVER = {
    "id": "failover",
    "label": "Fail over now?",
    "response_type": "binary",
    "options": {"true_label": "Fail over", "false_label": "Wait"},
    "flags": ["irreversible"],
}
#: Row titles in deadline order (the default sort): row N is due in N×10 minutes.
TITLES = ["alpha row", "bravo row", "charlie row", "delta row", "echo row"]
#: The console script installed next to this interpreter.
ATP_TUI = Path(sys.executable).with_name("atp-tui")


class Tmux:
    """One tmux server on a private socket (never the user's), running one session."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    async def run(self, *args: str) -> str:
        """Run a tmux command on this server; returns its stdout."""
        process = await asyncio.create_subprocess_exec(
            "tmux",
            "-L",
            self.socket,
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
        if process.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {err.decode()}")
        return out.decode()

    async def screen(self) -> str:
        """What the pane shows now."""
        return await self.run("capture-pane", "-p", "-t", "atp")

    async def wait_for(self, condition: Callable[[str], bool], timeout: float = 20.0) -> str:
        """The pane's text once `condition` holds for it (fails after `timeout` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            text = await self.screen()
            if condition(text):
                return text
            if loop.time() > deadline:
                raise AssertionError(f"timed out; the pane shows:\n{text}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    """The reference server with five notifications, due 10, 20, … 50 minutes from now."""
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as running:
        for number, title in enumerate(TITLES, start=1):
            body = notification_body(
                title=title, actions=[ACK, SAY, FAILOVER], deadline=in_minutes(10 * number)
            )
            running.state.add_notification(body)
        yield running


@asynccontextmanager
async def open_tui(
    server: RunningServer, tmp_path: Path, size: tuple[int, int]
) -> AsyncIterator[Tmux]:
    """`atp-tui` on `server` in a detached tmux session of `size`, once all rows show."""
    tmux = Tmux(f"atp-tui-test-{os.getpid()}-{id(tmp_path)}")
    width, height = size
    command = [
        "env",
        f"ATP_TOKEN={TOKEN}",
        f"HOME={os.environ['HOME']}",
        f"XDG_CONFIG_HOME={tmp_path / 'config'}",
        "TERM=xterm-256color",
        str(ATP_TUI),
        "--server",
        server.url,
        "--state-dir",
        str(tmp_path / "state"),
    ]
    await tmux.run("new-session", "-d", "-s", "atp", "-x", str(width), "-y", str(height), *command)
    try:
        # Every title on screen (a narrow pane shortens them, never their first word).
        await tmux.wait_for(lambda text: all(title.split()[0] in text for title in TITLES))
        # The user looks at them before typing: an answer key sooner would be refused
        # (`atp_tui.view.arrivals`).
        await asyncio.sleep(UNSEEN_SECONDS)
        yield tmux
    finally:
        await tmux.run("kill-server")
        # The hangup ends the app, however its shutdown goes on a terminal that is gone
        # (`commands/tui.py`: under kill-server Textual could wait on it forever).
        await gone(str(tmp_path / "state"), timeout=HANGUP_GRACE + 5)


async def gone(marker: str, timeout: float) -> None:
    """Until no process has `marker` in its command line (fails after `timeout` s)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while running := processes_with(marker):
        if loop.time() > deadline:
            raise AssertionError(f"still running after the hangup: {running}")
        await asyncio.sleep(0.1)


def processes_with(marker: str) -> list[str]:
    """The ids of the processes with `marker` in their command line (Linux `/proc`)."""
    running = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_text():
                running.append(entry.name)
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return running


def answers(server: RunningServer) -> list[tuple[str, str, object]]:
    """What the server received: (notification title, action id, response_data)."""
    titles = {item["id"]: item["context"]["title"] for item in server.state.notifications.values()}
    return [
        (titles[r["notification_id"]], r["action_id"], r["response_data"])
        for r in server.state.responses
    ]


async def received(server: RunningServer, count: int = 1, timeout: float = 10.0) -> None:
    """Wait until the server has `count` answers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(server.state.responses) < count:
        if loop.time() > deadline:
            raise AssertionError(f"the server received {answers(server)}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("size", [(150, 40), (80, 24)], ids=["150x40", "80x24"])
async def test_gjj1_in_one_read_answers_the_third_row(
    server: RunningServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    async with open_tui(server, tmp_path, size) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "gjj1")
        await received(server)
        await tmux.wait_for(lambda text: "sent" in text)
    assert answers(server) == [("charlie row", "ack", None)]


@pytest.mark.parametrize(
    "typed",
    ["j\x1b[Oj1", "jj\x1b[O1", "jj1\x1b[O", "jj\x1b[O\x1b[I1"],
    ids=["j-out-j1", "jj-out-1", "jj1-out", "jj-out-in-1"],
)
async def test_a_focus_report_in_the_read_keeps_the_keys_in_order(
    server: RunningServer, tmp_path: Path, typed: str
) -> None:
    """The user switches windows as `jj1` goes out (from the first row): the terminal's
    focus-out report (`ESC [ O`) comes in the same read. Applied ahead of the keys before
    it, it took the focus away before the first `j` was looked up, and `1` answered the
    second row (an independent check, 14 of 14)."""
    async with open_tui(server, tmp_path, (150, 40)) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", typed)
        await received(server)
    assert answers(server) == [("charlie row", "ack", None)]


@pytest.mark.parametrize("size", [(150, 40), (80, 24)], ids=["150x40", "80x24"])
async def test_answer_key_text_and_enter_in_one_read(
    server: RunningServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    """`jj2`, the text and Enter in one read: the text goes into the modal, Enter sends it;
    then `/delta⏎1` filters, applies the filter with Enter and answers its row."""
    async with open_tui(server, tmp_path, size) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "gjj2not now\r")
        await received(server)
        await tmux.run("send-keys", "-t", "atp", "-l", "/delta\r1")
        await received(server, 2)
    assert answers(server) == [("charlie row", "say", "not now"), ("delta row", "ack", None)]


#: The start of the confirmation for answering "Wait" on the third row (on one line at both
#: sizes; the rest wraps).
QUESTION = "Send “Fail over now?: Wait” to “charlie row”?"


@pytest.mark.parametrize("size", [(150, 40), (80, 24)], ids=["150x40", "80x24"])
async def test_irreversible_yes_no_asks_and_a_stray_enter_cancels(
    server: RunningServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    """`3` then `2` (Wait) on the irreversible yes/no asks first; Enter presses Cancel; only
    the `y` typed after the second answer sends."""
    async with open_tui(server, tmp_path, size) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "gjj32")
        await tmux.wait_for(lambda text: QUESTION in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "\r")
        await tmux.wait_for(lambda text: QUESTION not in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "32y")
        await received(server)
    assert answers(server) == [("charlie row", "failover", False)]


#: The bulk confirmation's heading for the text answer (on one line at both sizes).
BULK_QUESTION = "Answer 2 items with “Say: not now”?"


@pytest.mark.parametrize("size", [(150, 40), (80, 24)], ids=["150x40", "80x24"])
async def test_bulk_answer_marks_a_value_once_and_one_response_each(
    server: RunningServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Bulk answers (issue #14 item 4) through a pty: `g jj ` marks alpha and charlie, `2`
    asks the text once, Enter opens the confirmation; a stray Enter presses Cancel (nothing
    sent, marks kept); `2` offers the text again, Enter and `y` send it to both, once each."""
    async with open_tui(server, tmp_path, size) as tmux:
        await tmux.run("send-keys", "-t", "atp", "-l", "g jj 2not now\r")
        await tmux.wait_for(lambda text: BULK_QUESTION in text)
        await tmux.run("send-keys", "-t", "atp", "-l", "\r")
        await tmux.wait_for(lambda text: BULK_QUESTION not in text and "◆ 2" in text)
        assert server.state.respond_attempts == []
        await tmux.run("send-keys", "-t", "atp", "-l", "2\ry")
        await received(server, 2)
        await tmux.wait_for(lambda text: "2 sent" in text)
    assert sorted(answers(server)) == [
        ("alpha row", "say", "not now"),
        ("charlie row", "say", "not now"),
    ]
    assert len(server.state.respond_attempts) == 2
