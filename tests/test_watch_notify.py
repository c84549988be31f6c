"""`atp-tui watch --notify`: desktop notifications on the controlling terminal, JSON on stdout.

The watch process gets a pty as its controlling terminal (`setsid` + `TIOCSCTTY` before exec),
as a shell in a terminal gives it one; the test reads what reached the terminal from the pty's
other end.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import sys
import termios
import time
from pathlib import Path

from tests.hostile import Conn, HostileServer, frame, notification

TOKEN = "watch-notify-token"
URGENT = notification(
    "n1",
    context={
        "title": "Fail over;\x1b]0;pwned\x07 now?",
        "description": "Replica lag.",
        "metadata": {"priority": "high"},
    },
)
CALM = notification("n2", context={"title": "Rotate logs?", "description": "Whenever."})


async def script(conn: Conn) -> None:
    await conn.send_head()
    await conn.write(frame(CALM, event_id="1") + frame(URGENT, event_id="2"))
    await conn.hang()


def watch_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "ATP_TOKEN": TOKEN, "TERM_PROGRAM": "WezTerm", "TERM": "xterm"}
    env.pop("TMUX", None)
    config = tmp_path / "config.toml"
    config.write_text("")  # no settings: the defaults (notify = "auto", notify_on = "urgent")
    env["ATP_TUI_CONFIG"] = str(config)
    return env


def argv(url: str, state_dir: Path) -> list[str]:
    return [sys.executable, "-m", "atp_tui.cli", "watch", "--server", url,
            "--state-dir", str(state_dir), "--notify"]  # fmt: skip


async def read_lines(process: asyncio.subprocess.Process, count: int) -> list[dict]:
    assert process.stdout is not None
    lines = []
    while len(lines) < count:
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert line, "watch ended early"
        lines.append(json.loads(line))
    return lines


async def test_notify_writes_one_osc9_to_the_controlling_terminal(tmp_path: Path) -> None:
    master, slave = pty.openpty()

    def become_terminal_session() -> None:
        # What a shell does for its jobs: a new session whose controlling terminal is the pty.
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    try:
        async with HostileServer(script) as server:
            process = await asyncio.create_subprocess_exec(
                *argv(server.url, tmp_path / "state"),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=watch_env(tmp_path),
                preexec_fn=become_terminal_session,
                pass_fds=(slave,),
            )
            os.close(slave)
            slave = -1
            lines = await read_lines(process, 2)
            terminal = b""
            os.set_blocking(master, False)
            deadline = time.monotonic() + 10
            while b"\x07" not in terminal and time.monotonic() < deadline:
                try:
                    terminal += os.read(master, 4096)
                except BlockingIOError:
                    await asyncio.sleep(0.05)
            process.terminate()
            assert await asyncio.wait_for(process.wait(), 10) == 0
            assert process.stderr is not None
            stderr = await process.stderr.read()
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    # stdout is the JSON lines only, with the server's data unchanged.
    assert [line["data"]["id"] for line in lines] == ["n2", "n1"]
    assert lines[1]["data"]["context"]["title"] == URGENT["context"]["title"]
    # The terminal got exactly one notification: the urgent one, neutralised.
    assert terminal == "\x1b]9;ATP: deploy-bot: Fail over ␛]0 pwned␇ now?\x07".encode()
    assert b"--notify" not in stderr


async def test_without_a_terminal_it_says_so_once_and_keeps_printing(tmp_path: Path) -> None:
    async with HostileServer(script) as server:
        process = await asyncio.create_subprocess_exec(
            *argv(server.url, tmp_path / "state"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=watch_env(tmp_path),
            start_new_session=True,  # a session without a controlling terminal: no /dev/tty
        )
        lines = await read_lines(process, 2)
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
        assert process.stderr is not None
        stderr = (await process.stderr.read()).decode()
    assert [line["data"]["id"] for line in lines] == ["n2", "n1"]
    assert stderr.count("--notify: no terminal to notify on (/dev/tty") == 1
    assert "\x1b]9;" not in stderr
