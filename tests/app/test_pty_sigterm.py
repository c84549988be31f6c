"""SIGTERM or a hangup ends the TUI as `q` does (`kill`, a shutdown, a supervisor, SSH dropped).

Python's default ended the process at once: the terminal stayed in the alternate screen with
mouse reporting on and the cursor hidden, unusable over SSH until `reset`. Now the app ends as
`q` ends it, the store commits and closes, and the exit status says why: terminated (143) or
hung up (129).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from atp_tui.commands.tui import EXIT_HUNG_UP, EXIT_TERMINATED
from atp_tui.server import RunningServer
from tests.app.test_pty_bytes import PtyApp, server  # noqa: F401  (a fixture)

#: What a terminal needs to be itself again, as Textual writes it when it stops.
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
SHOW_CURSOR = b"\x1b[?25h"
MOUSE_OFF = b"\x1b[?1000l"


async def test_sigterm_gives_the_terminal_back(server: RunningServer, tmp_path: Path) -> None:  # noqa: F811
    app = PtyApp(server, tmp_path)
    await app.start()
    try:
        await app.wait_for(b"30 open")
        start = len(app.output)
        assert app.process is not None
        app.process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(app.process.wait(), 30)
        await asyncio.sleep(0.2)  # the last bytes from the terminal
    finally:
        await app.stop()
    ending = bytes(app.output[start:])
    assert status == EXIT_TERMINATED
    for sequence in (LEAVE_ALTERNATE_SCREEN, SHOW_CURSOR, MOUSE_OFF):
        assert sequence in ending, (sequence, ending[-300:])
    assert (tmp_path / "state" / "state.sqlite3").exists()


async def test_a_hangup_ends_the_app_as_quitting_does(
    server: RunningServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The SSH link drops: the terminal hangs up under the app (SIGHUP, then every write to
    it fails). The app ends as `q` ends it, with the store committed and closed (SQLite
    removes the write-ahead log at a clean close; a process killed in the middle leaves
    it), and says it hung up (129) rather than dying of the signal."""
    app = PtyApp(server, tmp_path)
    await app.start(controlling=True)
    try:
        await app.wait_for(b"30 open")
        assert (tmp_path / "state" / "state.sqlite3-wal").exists()
        app.hang_up()
        assert app.process is not None
        status = await asyncio.wait_for(app.process.wait(), 30)
    finally:
        await app.stop()
    assert status == EXIT_HUNG_UP
    assert (tmp_path / "state" / "state.sqlite3").exists()
    assert not (tmp_path / "state" / "state.sqlite3-wal").exists()
