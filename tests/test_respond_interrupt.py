"""Ctrl-C stops `atp-tui respond` at once, and says what became of the answer.

A real `respond` process against a server that never answers, interrupted with SIGINT (as a
terminal's Ctrl-C) while its POST is out, or while it is still fetching the notification.
Before: a quiet exit 0, the status of an answer sent.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.hostile import Conn, HostileServer, notification
from tests.respond_faults_helpers import NID, TOKEN

#: `atp-tui` with SIGINT's default handler, whatever this process's workers were given (a
#: signal ignored by the parent stays ignored across `exec`, and Ctrl-C would do nothing).
RUN_CLI = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'atp-tui'; runpy.run_module('atp_tui.cli', run_name='__main__')"
)


async def answers_then_hangs(conn: Conn) -> None:
    """The notification for a GET; a POST is read and never answered."""
    if conn.request.method == "GET":
        await conn.send_response(200, notification(NID))
    else:
        await conn.hang()


async def hangs(conn: Conn) -> None:
    await conn.hang()


async def interrupted(
    tmp_path: Path, server: HostileServer, method: str
) -> tuple[int, dict[str, object], str]:
    """`respond NID ok --json`, SIGINT once the server has a `method` request from it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RUN_CLI,
        "respond",
        NID,
        "ok",
        "--json",
        "--server",
        server.url,
        "--state-dir",
        str(tmp_path / "state"),
        env={**os.environ, "ATP_TOKEN": TOKEN},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not any(request.method == method for request in server.requests):
        assert loop.time() < deadline, server.requests
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # in the request's wait, not before it
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), 5)  # at once, not in a minute
    assert process.returncode is not None
    return process.returncode, json.loads(out), err.decode()


async def test_ctrl_c_while_the_post_is_out_says_the_outcome_is_unknown(tmp_path: Path) -> None:
    async with HostileServer(answers_then_hangs) as server:
        code, printed, err = await interrupted(tmp_path, server, "POST")
    assert code == 130
    assert printed["outcome"] == "unknown"
    assert "may or may not have reached the server" in str(printed["message"])
    assert "Traceback" not in err


async def test_ctrl_c_before_the_post_says_nothing_was_sent(tmp_path: Path) -> None:
    async with HostileServer(hangs) as server:
        code, printed, err = await interrupted(tmp_path, server, "GET")
    assert code == 130
    assert printed == {"outcome": "failed", "message": "interrupted; nothing was sent"}
    assert "interrupted; nothing was sent" in err and "Traceback" not in err
