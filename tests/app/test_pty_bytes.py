"""What an idle `atp-tui` writes to a real terminal (issue #12: every byte crosses the SSH link).

`atp-tui` runs on a pseudo-terminal of 150×40 against the reference server holding thirty open
notifications that are all due within the 15-minute warning, so every countdown shows seconds
and every row changes every second: the on-call screen at its busiest without a single event.
The test reads every byte the app writes (what SSH would carry) once the screen has settled,
and checks that each second costs no more than the cells that change, never whole rows.
`bench/bandwidth.py` measures the same over a longer time, beside htop.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import struct
import sys
import termios
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from atp_tui.server import RunningServer, ServerConfig
from tests.app.conftest import TOKEN, in_minutes
from tests.server_helpers import notification_body

ATP_TUI = Path(sys.executable).with_name("atp-tui")
COLUMNS, ROWS = 150, 40
OPEN = 30
#: Issue #12's floor for an idle screen at 150×40, in bytes per second.
IDLE_FLOOR = 1500
_CURSOR_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    """Thirty open notifications, due 2 to 14 minutes from now (all urgent).

    Their deadlines fall at different points of a second, as real ones do: were they all on
    the same point, a one-second tick landing on it would see some seconds twice and skip
    others on every row at once (scheduling jitter), and a tick could write nothing at all
    (it did in a CI run: two ticks' cells in four seconds).
    """
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as running:
        for number in range(OPEN):
            seconds = 120 + number * 24 + number / OPEN
            body = notification_body(
                title=f"Promote checkout 2.{number} to production?",
                deadline=in_minutes(seconds / 60),
                actions=[{"id": "ack", "label": "Acknowledge", "response_type": "simple"}],
            )
            running.state.add_notification(body)
        yield running


class PtyApp:
    """`atp-tui` on a pseudo-terminal; every byte it writes is kept in `output`."""

    def __init__(self, server: RunningServer, tmp_path: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ["HOME"],
            "ATP_TOKEN": TOKEN,
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
        }
        command = [str(ATP_TUI), "--server", server.url, "--state-dir", str(tmp_path / "state")]
        self.master = master
        self.output = bytearray()
        self._slave = slave
        self._command = command
        self._env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, *, controlling: bool = False) -> None:
        """Start the app; its output is read as it comes. With `controlling`, the pty is the
        app's controlling terminal, as a login's is: closing it (`hang_up`) is a hangup."""
        self.process = await asyncio.create_subprocess_exec(
            *self._command,
            stdin=self._slave,
            stdout=self._slave,
            stderr=self._slave,
            env=self._env,
            start_new_session=not controlling,
            preexec_fn=_own_session_on_stdin if controlling else None,
        )
        os.close(self._slave)
        asyncio.get_running_loop().add_reader(self.master, self._read)

    def hang_up(self) -> None:
        """Close the terminal's master side, as sshd does when the link drops: the kernel
        sends SIGHUP to the app and its writes to the terminal fail from then on."""
        asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)
        self.master = -1

    def _read(self) -> None:
        try:
            self.output += os.read(self.master, 1 << 16)
        except OSError:  # the app closed the terminal
            asyncio.get_running_loop().remove_reader(self.master)

    async def wait_for(self, text: bytes, timeout: float = 30.0) -> None:
        """Until `text` has been written (fails after `timeout` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while text not in self.output:
            if loop.time() > deadline:
                raise AssertionError(f"{text!r} never shown; last output {self.output[-300:]!r}")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """End the app (Ctrl+Q may ask first: it is simply terminated)."""
        if self.master >= 0:
            asyncio.get_running_loop().remove_reader(self.master)
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        if self.master >= 0:
            os.close(self.master)


def _own_session_on_stdin() -> None:
    """In the child: a session of its own whose controlling terminal is the pty on stdin."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def test_an_idle_screen_of_urgent_countdowns_writes_only_the_changed_cells(
    server: RunningServer, tmp_path: Path
) -> None:
    app = PtyApp(server, tmp_path)
    await app.start()
    try:
        await app.wait_for(f"{OPEN} open".encode())
        await asyncio.sleep(2.5)  # the first frames, the detail pane, the unread timer
        start = len(app.output)
        await asyncio.sleep(4.0)
        idle = bytes(app.output[start:])
    finally:
        await app.stop()
    moves = [(int(row), int(column)) for row, column in _CURSOR_MOVE.findall(idle)]
    # Thirty countdowns tick every second: about four ticks, each row's changed cells.
    assert len(moves) >= 3 * OPEN, moves
    # Rows are written from their changed cells, never from the row's first column.
    assert not [row for row, column in moves if column == 1], moves
    assert len(idle) / 4.0 <= IDLE_FLOOR, idle[:600]
