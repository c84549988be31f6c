"""`atp-tui watch` run as a user would: a real process against scripted servers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer, Script, frame, notification, notification_frames
from tests.watch_helpers import InProcessWatch, watch_command

TOKEN = "watch-secret-token"


class WatchProcess:
    """A running `atp-tui watch` with its stdout lines collected as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict] = []
        self.stderr = b""
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(json.loads(line))

    def notification_ids(self) -> list[str]:
        return [line["data"]["id"] for line in self.lines if line["event"] == "notification"]

    async def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.notification_ids()) < count:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise AssertionError(f"got {len(self.notification_ids())} of {count} notifications")
            await asyncio.sleep(0.05)

    async def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signum)
        code = await asyncio.wait_for(self.process.wait(), 10)
        await self._reader
        assert self.process.stderr is not None
        self.stderr = await self.process.stderr.read()
        return code


async def start_watch(url: str, state_dir: Path, *extra: str, token: str = TOKEN) -> WatchProcess:
    env = {**os.environ, "ATP_TOKEN": token}
    process = await asyncio.create_subprocess_exec(
        *watch_command(url, state_dir, *extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    return WatchProcess(process)


def resume_from(conn: Conn) -> int:
    """The number after the client's Last-Event-ID (ids are decimal in these scripts)."""
    last = conn.request.last_event_id
    return int(last) + 1 if last else 0


def cut_every(count: int, total: int) -> Script:
    """A server that sends `retry: 300` and `count` notifications from the client's cursor,
    then the first bytes of the next one and a cut (the last connection stays open)."""

    async def script(conn: Conn) -> None:
        start = resume_from(conn)
        await conn.send_head()
        stop = min(start + count, total)
        await conn.write("retry: 300\n\n" + notification_frames(start, stop))
        if stop < total:
            await conn.write(f'id: {stop}\nevent: notification\ndata: {{"id": "n{stop}", "con')
        else:
            await conn.hang()

    return script


async def test_cut_every_37_events_prints_each_once_in_order(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """2,000 notifications, every connection cut mid-event after 37 events, `retry: 300`:
    `watch`'s code in process, its 54 reconnections waited on the fake clock."""
    total = 2000
    async with (
        HostileServer(cut_every(37, total)) as server,
        InProcessWatch(server.url, tmp_path, fake_clock, TOKEN) as watch,
    ):
        await watch.wait_for(total)
        assert await watch.stop() == 0
    assert watch.notification_ids() == [f"n{i}" for i in range(total)]
    assert len(server.requests) == total // 37 + 1
    resumes = [r.last_event_id for r in server.requests[1:]]
    assert resumes == [str(37 * i - 1) for i in range(1, len(server.requests))]
    # Each wait is the `retry:` base (clamped to 0.5 s): progress resets the doubling.
    assert fake_clock.sleeps == [0.5] * (len(server.requests) - 1)
    assert "reconnecting" in watch.stderr
    assert TOKEN not in watch.stderr


async def test_cut_every_37_events_in_a_real_watch_process(tmp_path: Path) -> None:
    """The same cuts against a real `watch` process (fewer: each reconnection waits 0.5 s)."""
    total = 150
    async with HostileServer(cut_every(37, total)) as server:
        watch = await start_watch(server.url, tmp_path)
        await watch.wait_for(total)
        assert await watch.stop() == 0
    assert watch.notification_ids() == [f"n{i}" for i in range(total)]
    resumes = [r.last_event_id for r in server.requests[1:]]
    assert resumes == ["36", "73", "110", "147"]
    assert b"reconnecting" in watch.stderr
    assert TOKEN.encode() not in watch.stderr


async def test_silent_connection_is_replaced_after_the_heartbeat_and_the_base(
    tmp_path: Path,
) -> None:
    """A socket that stays open but sends nothing is dropped for want of a heartbeat (not at
    httpx's read timeout, heartbeat + 15 s) and replaced after the `retry:` base; nothing is
    lost. The reasons and the wait are what `watch` says, not timed."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write("retry: 500\n\n" + notification_frames(0, 3))
            await conn.hang()
        else:
            await conn.write(notification_frames(resume_from(conn), 5))
            await conn.hang()

    async with HostileServer(script) as server:
        watch = await start_watch(server.url, tmp_path, "--heartbeat-timeout", "1")
        await watch.wait_for(5, timeout=15)
        assert await watch.stop() == 0
    assert watch.notification_ids() == [f"n{i}" for i in range(5)]
    assert len(server.requests) == 2
    assert server.requests[1].last_event_id == "2"
    # 0.5 s at most (jitter only shortens it), shown rounded.
    assert b"reconnecting in 0 s (attempt 1): no heartbeat for 1 s" in watch.stderr


async def test_401_exits_3_at_once_and_says_the_token_was_refused(tmp_path: Path) -> None:
    async def script(conn: Conn) -> None:
        await conn.send_response(
            401, {"error": {"code": "AUTH_INVALID_TOKEN", "message": "bad token"}}
        )

    async with HostileServer(script) as server:
        watch = await start_watch(server.url, tmp_path)
        code = await asyncio.wait_for(watch.process.wait(), 10)
        await watch.stop()
    assert code == 3
    assert len(server.requests) == 1  # no retry, no backoff wait
    assert b"token refused" in watch.stderr
    assert TOKEN.encode() not in watch.stderr


async def test_429_retry_after_is_honoured(tmp_path: Path) -> None:
    """`Retry-After: 7` beats the backoff (base 3 s, jitter would shorten it): the second
    attempt comes after exactly the 7 s the server asked for (on the fake clock)."""
    clock = FakeClock(jitter=0.99)  # the backoff alone would wait 1.5 s

    async def script(conn: Conn) -> None:
        if conn.request.index == 0:
            await conn.send_response(
                429, {"error": {"code": "RATE_LIMIT_EXCEEDED"}}, headers={"Retry-After": "7"}
            )
        else:
            await conn.send_head()
            await conn.write(notification_frames(0, 3))
            await conn.hang()

    async with (
        HostileServer(script) as server,
        InProcessWatch(server.url, tmp_path, clock, TOKEN) as watch,
    ):
        await watch.wait_for(3)
        assert await watch.stop() == 0
    assert clock.sleeps == [7.0]
    assert len(server.requests) == 2
    assert "reconnecting in 7 s (attempt 1)" in watch.stderr
    assert watch.notification_ids() == ["n0", "n1", "n2"]


async def test_hostile_stream_mix_prints_every_valid_notification_once(tmp_path: Path) -> None:
    """Malformed JSON, unknown events, a > 512 KB event, comments, multi-line data, a leading
    BOM, duplicated frames and CRLF / bare-CR line ends, across two connections."""
    multi_line = json.dumps(notification("m1"), indent=2).replace("\n", "\ndata: ")
    first = (
        "\ufeff: hello\n\n"
        + frame(notification("a1"), event_id="1")
        + frame('{"id": "broken', event_id="2")
        + frame({"x": 1}, event="mystery", event_id="3")
        + frame(notification("big", "x" * (600 * 1024)), event_id="4")
        + f"id: 5\nevent: notification\ndata: {multi_line}\n\n"
        + frame(notification("a1"), event_id="1")
        + ": keep-alive\n\n" * 5
    )
    crlf = (
        frame(notification("c1"), event_id="6") + frame(notification("c2"), event_id="7")
    ).replace("\n", "\r\n")
    bare_cr = (
        frame(notification("r1"), event_id="8") + frame(notification("c2"), event_id="7")
    ).replace("\n", "\r")

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(first.encode(), chunk=7000)
            await conn.write(crlf)
        else:
            await conn.write("\ufeff" + frame(notification("c2"), event_id="7") + bare_cr, chunk=3)
            await conn.write(frame(notification("end"), event_id="9"))
            await conn.hang()

    async with HostileServer(script) as server:
        watch = await start_watch(server.url, tmp_path)
        # `end` comes after everything else: whatever else was printed is printed by then.
        await watch.wait_for(6, timeout=20)
        assert watch.process.returncode is None
        assert await watch.stop() == 0
    assert watch.notification_ids() == ["a1", "m1", "c1", "c2", "r1", "end"]
    assert b"oversized event skipped (id 4" in watch.stderr
    # Case 20: logged with the event id.
    assert b"skipped: malformed notification event (id 2): invalid JSON" in watch.stderr


async def test_restart_with_the_same_state_dir_prints_nothing_twice(tmp_path: Path) -> None:
    async def script(conn: Conn) -> None:
        await conn.send_head()
        # A server that ignores the cursor and renumbers: only dedupe on ids can save us.
        offset = 0 if conn.request.index == 0 else 100
        body = "".join(
            frame(notification(f"n{i}"), event_id=str(i + offset))
            for i in range(3 + 2 * conn.request.index)
        )
        # Then a marker: what came before it was handled when it is printed.
        await conn.write(body + frame(notification(f"end-{conn.request.index}")))
        await conn.hang()

    async with HostileServer(script) as server:
        watch = await start_watch(server.url, tmp_path)
        await watch.wait_for(4)
        assert await watch.stop(signal.SIGINT) == 0
        again = await start_watch(server.url, tmp_path)
        await again.wait_for(3)
        assert await again.stop() == 0
    assert watch.notification_ids() == ["n0", "n1", "n2", "end-0"]
    assert again.notification_ids() == ["n3", "n4", "end-1"]
    assert server.requests[1].last_event_id == "2"


async def test_status_updates_and_errors_are_printed_pings_are_not(tmp_path: Path) -> None:
    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write('event: ping\ndata: {"timestamp": "2026-11-28T10:00:00Z"}\n\n')
        await conn.write(
            frame(
                {"notification_id": "n1", "status": "invalidated", "reason": "gone"},
                event="status_update",
                event_id="2",
            )
        )
        await conn.write(
            frame({"code": "RATE_LIMIT_EXCEEDED", "message": "slow"}, event="error", event_id="3")
        )
        await conn.write(frame(notification("n2"), event_id="4"))
        await conn.hang()

    async with HostileServer(script) as server:
        watch = await start_watch(server.url, tmp_path)
        await watch.wait_for(2)
        assert await watch.stop() == 0
    assert [(line["event"], line["id"]) for line in watch.lines] == [
        ("notification", "1"),
        ("status_update", "2"),
        ("error", "3"),
        ("notification", "4"),
    ]
    assert watch.lines[1]["data"] == {
        "notification_id": "n1",
        "status": "invalidated",
        "reason": "gone",
    }


async def test_204_exits_1_without_a_tui_key_hint(tmp_path: Path) -> None:
    """Issue #11 item 12: the engine's "press r to retry" is for the TUI; `watch` ends on
    this state, so its stderr line says to run it again instead."""

    async def script(conn: Conn) -> None:
        await conn.send_response(204, b"")

    async with HostileServer(script) as server:
        watch = await start_watch(server.url, tmp_path)
        code = await asyncio.wait_for(watch.process.wait(), 10)
        await watch.stop()
    assert code == 1
    assert b"press r" not in watch.stderr
    assert b"server ended the stream (204); run the command again to retry" in watch.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    import subprocess

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "atp_tui.cli", *args],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=30,
        )

    missing = run("watch", "--server", "http://127.0.0.1:1")
    assert missing.returncode == 2 and "ATP_TOKEN" in missing.stderr
    plain_http = run("watch", "--server", "http://example.com", ATP_TOKEN="t")
    assert plain_http.returncode == 2 and "https" in plain_http.stderr
    bad_types = run("watch", "--server", "http://127.0.0.1:1", "--types", "bogus", ATP_TOKEN="t")
    assert bad_types.returncode == 2 and "bogus" in bad_types.stderr
    bad_heartbeat = run(
        "watch", "--server", "http://127.0.0.1:1", "--heartbeat-timeout", "0", ATP_TOKEN="t"
    )
    assert bad_heartbeat.returncode == 2
    helped = run("watch", "--help")
    assert helped.returncode == 0 and "--heartbeat-timeout" in helped.stdout


async def test_profile_from_the_settings_file_selects_server_and_token(tmp_path: Path) -> None:
    """Issue 4: a config file with a profile supplies server and token; a bad key only warns."""

    async def script(conn: Conn) -> None:
        assert conn.request.headers["authorization"] == "Bearer from-profile"
        await conn.send_head()
        await conn.write(notification_frames(0, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'default_profile = "local"\nbel = "off"\n[profiles.local]\nserver = "{server.url}"\n'
            'token = "from-profile"\n'
        )
        config.chmod(0o600)
        env = {k: v for k, v in os.environ.items() if k != "ATP_TOKEN"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "atp_tui.cli", "watch", "--config", str(config),
            "--state-dir", str(tmp_path / "state"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        watch = WatchProcess(process)
        await watch.wait_for(2)
        assert await watch.stop() == 0
    assert watch.notification_ids() == ["n0", "n1"]
    assert b"did you mean 'bell'" in watch.stderr
    assert b"from-profile" not in watch.stderr
