"""SIGTERM to the TUI gives the terminal back (a `kill`, a shutdown, a supervisor).

Python's default ended the process at once: the terminal stayed in the alternate screen with
mouse reporting on and the cursor hidden, unusable over SSH until `reset`. Now the app ends as
`q` ends it, the store commits, and the exit status says it was terminated (143).
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from atp_tui.commands.tui import EXIT_TERMINATED
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
