"""Running `atp-tui watch` for real in fault tests: bursts, raw output, small file systems."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.commands import watch as watch_command_module
from atp_tui.commands.watch import run_watch
from atp_tui.protocol.clock import Clock
from tests.hostile import Conn, Script, frame, notification

TOKEN = "watch-fault-token"
#: A realistic description (≈ 1.4 KB): a 64 KiB read then holds at most ~44 events, which
#: bounds "the lines of one write" in the kill -9 tests.
DESCRIPTION = "Rollout plan: " + "canary 5% -> 25% -> 100%, watch error budget. " * 30


def burst_frame(i: int, *, offset: int = 0) -> str:
    """Notification `n<i>` with event id `i + offset` (a renumbering server uses an offset)."""
    body = notification(f"n{i}", context={"title": f"Decision {i}", "description": DESCRIPTION})
    return frame(body, event_id=str(i + offset))


#: The shortest frame of a burst (the first: the shortest id and title).
FRAME_BYTES = len(burst_frame(0))
#: The most events one read (httpcore reads 64 KiB at a time), and so one write, can carry:
#: as many whole frames as fit, plus the one a previous read left half-done.
EVENTS_PER_WRITE_MAX = 64 * 1024 // FRAME_BYTES + 2


def burst_script(
    total: int, *, per_write: int = 10, pause: float = 0.002, offset_per_conn: int = 0
) -> Script:
    """A server that resumes from the cursor and sends the rest of `total` as a paced burst,
    then one new notification `end-<connection index>` (so a test can wait for the replay to
    be handled instead of waiting for time).

    With `offset_per_conn`, each connection renumbers its events (a restarted server): only
    the notification ids can then tell a repeat.
    """

    async def script(conn: Conn) -> None:
        last = conn.request.last_event_id
        offset = conn.request.index * offset_per_conn
        start = 0 if offset_per_conn or not last else int(last) + 1
        await conn.send_head()
        for first in range(start, total, per_write):
            stop = min(first + per_write, total)
            await conn.write("".join(burst_frame(i, offset=offset) for i in range(first, stop)))
            await asyncio.sleep(pause)
        await conn.write(end_frame(conn))
        await conn.hang()

    return script


def end_frame(conn: Conn) -> str:
    """The notification that closes a connection's replay (`RawWatch.wait_for_end`)."""
    return frame(notification(f"end-{conn.request.index}"))


def watch_command(url: str, state_dir: Path, *extra: str) -> list[str]:
    """The argv of `atp-tui watch` against `url` with `state_dir`."""
    return [
        sys.executable,
        "-m",
        "atp_tui.cli",
        "watch",
        "--server",
        url,
        "--state-dir",
        str(state_dir),
        *extra,
    ]


def watch_env() -> dict[str, str]:
    """The environment for a `watch` subprocess (the token, nothing from the user's shell)."""
    return {**os.environ, "ATP_TOKEN": TOKEN}


class RawWatch:
    """A running `watch` whose stdout is kept as bytes (a kill may cut the last line)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.out = bytearray()
        self.stderr = b""
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, url: str, state_dir: Path, *extra: str) -> RawWatch:
        process = await asyncio.create_subprocess_exec(
            *watch_command(url, state_dir, *extra),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=watch_env(),
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self.out += chunk

    def ids(self) -> list[str]:
        """Notification ids of the complete lines printed so far (without `end-` markers)."""
        return [i for i in complete_ids(bytes(self.out)) if not i.startswith("end-")]

    async def wait_for_end(self, timeout: float = 60.0) -> None:
        """Until an `end-` notification was printed: the replay before it was handled."""
        deadline = time.monotonic() + timeout
        while not any(i.startswith("end-") for i in complete_ids(bytes(self.out))):
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise AssertionError("the replay never ended")
            await asyncio.sleep(0.01)

    async def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Until `count` notifications were printed (or fail, naming how many came)."""
        deadline = time.monotonic() + timeout
        while len(self.ids()) < count:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise AssertionError(f"got {len(self.ids())} of {count} notifications")
            await asyncio.sleep(0.01)

    async def wait_for_stderr(self, text: bytes, timeout: float = 30.0) -> bytes:
        """Until stderr contains `text`; returns what stderr said up to then."""
        assert self.process.stderr is not None
        seen = b""
        deadline = time.monotonic() + timeout
        while text not in seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"stderr never said {text!r}: {seen!r}")
            try:
                line = await asyncio.wait_for(self.process.stderr.readline(), left)
            except TimeoutError:
                continue
            if not line:
                raise AssertionError(f"watch ended before saying {text!r}: {seen!r}")
            seen += line
        self.stderr += seen
        return seen

    async def stop(self, signum: int | None = None, timeout: float = 10.0) -> int:
        """Send `signum` (if any), wait for the exit, collect the rest of the output."""
        if signum is not None and self.process.returncode is None:
            self.process.send_signal(signum)
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self._reader
        assert self.process.stderr is not None
        self.stderr += await self.process.stderr.read()
        return code


class InProcessWatch:
    """`watch`'s `run_watch` in the test's own process, with an injected clock.

    The same code as the command (engine, printing, state dir, signal handling), with stdout
    and stderr as strings and the engine's waits on `clock`: a `FakeClock` runs a test of
    fifty reconnections without waiting for them. `stop` ends it as SIGTERM ends the process.
    """

    def __init__(
        self, url: str, state_dir: Path, clock: Clock, token: str, **config: object
    ) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()
        engine_config = EngineConfig(server=url, token=token, **config)  # type: ignore[arg-type]
        # `run_watch` builds its engine on the real clock; this one is handed `clock`.
        self._engine_on_clock = mock.patch.object(
            watch_command_module, "StreamEngine", functools.partial(StreamEngine, clock=clock)
        )
        self._engine_on_clock.start()
        self.task = asyncio.ensure_future(
            run_watch(engine_config, state_dir, out=self.out, err=self.err)
        )

    async def __aenter__(self) -> InProcessWatch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        """A test that failed before `stop` leaves nothing running."""
        if not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        self._engine_on_clock.stop()

    @property
    def stderr(self) -> str:
        """What was said on stderr so far."""
        return self.err.getvalue()

    def lines(self) -> list[dict]:
        """The JSON lines printed so far."""
        return [json.loads(line) for line in self.out.getvalue().splitlines()]

    def notification_ids(self) -> list[str]:
        """Ids of the notifications printed so far."""
        return [line["data"]["id"] for line in self.lines() if line["event"] == "notification"]

    async def wait_for(self, count: int, timeout: float = 60.0) -> None:
        """Until `count` notifications were printed (or fail, naming how many came)."""
        deadline = time.monotonic() + timeout
        while len(self.notification_ids()) < count:
            if time.monotonic() > deadline or self.task.done():
                raise AssertionError(
                    f"got {len(self.notification_ids())} of {count} notifications:"
                    f" {self.stderr[-2000:]}"
                )
            await asyncio.sleep(0.01)

    async def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM to this process, which `run_watch` handles while it runs; its exit status."""
        if not self.task.done():
            # Only while `run_watch`'s handler is in place: the default would end pytest.
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signal.SIGTERM)
        return await asyncio.wait_for(self.task, timeout)


def complete_ids(out: bytes) -> list[str]:
    """The notification ids of the complete JSON lines in `out` (a torn last line is not)."""
    ids = []
    for line in out.split(b"\n")[:-1]:
        event = json.loads(line)
        if event["event"] == "notification":
            ids.append(event["data"]["id"])
    return ids


def expected(total: int) -> list[str]:
    """Ids n0 … n<total-1>."""
    return [f"n{i}" for i in range(total)]


def overlap(first: list[str], second: list[str]) -> int:
    """How many lines `second` repeats of `first`: they must be a suffix of `first` and a
    prefix of `second` (the one write in flight), anything else fails the test."""
    repeated = set(first) & set(second)
    count = len(repeated)
    assert set(first[len(first) - count :]) == repeated, "repeats are not the last lines written"
    assert set(second[:count]) == repeated, "repeats are not the first lines of the restart"
    return count


@contextlib.contextmanager
def tmpfs(where: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of `size` mounted at `where` (root only; the test is skipped otherwise)."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0700" + (",ro" if read_only else "")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def resize_tmpfs(where: Path, size: str) -> None:
    """Give a mounted tmpfs a new size (space comes back at once)."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(where)], check=True)


def fill(where: Path) -> Path:
    """Fill the file system holding `where` to the last byte; returns the filler file."""
    filler = where / "filler"
    with filler.open("wb", buffering=0) as handle:
        for block in (b"\0" * 65536, b"\0"):  # then the last bytes one at a time
            with contextlib.suppress(OSError):
                while handle.write(block):
                    pass
    return filler
