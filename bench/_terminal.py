"""`Terminal`: a command in a fresh process on a pseudo-terminal, for the benchmarks that
measure what an app writes to a terminal (first frame, bytes, text on the screen, peak RSS).
"""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: The terminal size every benchmark uses (wide enough for the inbox's two-pane layout).
COLUMNS, ROWS = 120, 40

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[P^_X][^\x1b]*\x1b\\"  # DCS, PM, APC, SOS
    r"|\x1b[^\[\]P^_X]"  # two-byte escapes
)


class Terminal:
    """A fresh process on a pseudo-terminal of `size` (default `COLUMNS`×`ROWS`); the screen is
    read as text and every byte the process wrote is kept in `raw`.

    The first frame is detected from the output alone, so the app runs unmodified: before
    it, Textual writes only escape sequences (alternate screen, modes, queries); its first
    frame paints every cell, blanks included. `first_frame` is the time from `spawn` until
    the visible (non-escape) characters written reach half the screen's cells.
    """

    def __init__(
        self,
        command: Sequence[str],
        env: dict[str, str],
        *,
        size: tuple[int, int] = (COLUMNS, ROWS),
        cwd: Path | None = None,
        on_read: Callable[[float, Any], None] | None = None,
    ) -> None:
        columns, rows = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self._master = master
        self._cells = columns * rows
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        os.close(slave)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # an escape sequence cut by a read boundary
        self.text = ""  # everything visible written so far
        self.raw = bytearray()
        self.first_frame: float | None = None
        #: With `on_read`: a terminal emulator (`pyte`, the `bench` extra) fed every byte, and
        #: `on_read(time.monotonic() of the read, the emulator's screen)` after each read.
        self._on_read = on_read
        self._stream: Any = None
        if on_read is not None:
            import pyte

            self.screen = pyte.Screen(columns, rows)
            self._stream = pyte.ByteStream(self.screen)

    def _read(self, timeout: float) -> bool:
        """Read what is available within `timeout`; False once the process closed the pty."""
        ready, _, _ = select.select([self._master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self._master, 1 << 16)
        except OSError:
            return False
        if not data:
            return False
        now = time.perf_counter()
        self.raw += data
        if self._on_read is not None:
            self._stream.feed(data)
            self._on_read(time.monotonic(), self.screen)
        chunk = self._pending + self._decoder.decode(data)
        cut = chunk.rfind("\x1b")
        if cut != -1 and cut > len(chunk) - 64 and not _ESCAPES.match(chunk, cut):
            chunk, self._pending = chunk[:cut], chunk[cut:]
        else:
            self._pending = ""
        visible = _ESCAPES.sub("", chunk).replace("\r", "").replace("\n", "")
        self.text += visible
        if self.first_frame is None and len(self.text) >= self._cells // 2:
            self.first_frame = now - self.started
        return True

    def wait_for_frame(self, timeout: float = 60.0) -> float:
        """Seconds from spawn to the first frame (raises on timeout or early exit)."""
        return self.wait_until(lambda: self.first_frame is not None, timeout, "first frame")

    def wait_for_text(self, text: str, timeout: float = 60.0) -> float:
        """Seconds from spawn until `text` was on the screen."""
        return self.wait_until(lambda: text in self.text, timeout, repr(text))

    def wait_until(self, done: Any, timeout: float, what: str) -> float:
        """Read until `done()`; seconds from spawn to then."""
        deadline = time.perf_counter() + timeout
        while not done():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no {what} after {timeout:g} s; screen: {self.text[-400:]!r}")
            if not self._read(0.05):
                raise RuntimeError(
                    f"process exited before {what}; screen ends: {self.text[-1500:]}"
                )
        return time.perf_counter() - self.started

    def send(self, data: bytes) -> None:
        """Type `data` (keys) into the terminal."""
        os.write(self._master, data)

    def settle(self, seconds: float) -> None:
        """Keep reading (the app must never block on a full pty) for `seconds`."""
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline and self._read(0.05):
            pass

    def count_bytes(self, seconds: float) -> int:
        """Keep reading for `seconds`; how many bytes the process wrote meanwhile."""
        before = len(self.raw)
        self.settle(seconds)
        return len(self.raw) - before

    def wait_output(self, limit: float, quiet: float) -> None:
        """Wait up to `limit` seconds for output, then until none came for `quiet` seconds."""
        before = len(self.raw)
        deadline = time.perf_counter() + limit
        while len(self.raw) == before and time.perf_counter() < deadline:
            if not self._read(0.01):
                return
        while True:
            seen = len(self.raw)
            deadline = time.perf_counter() + quiet
            while time.perf_counter() < deadline:
                if not self._read(0.01):
                    return
            if len(self.raw) == seen:
                return

    def status(self, field: str) -> int:
        """A field of /proc/PID/status in bytes (`VmHWM` = peak RSS, `VmRSS` = current)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    def close(self) -> None:
        """Ctrl+Q, then SIGTERM, then SIGKILL: the process is gone when this returns."""
        try:
            os.write(self._master, b"\x11")
            deadline = time.perf_counter() + 3
            while self.process.poll() is None and time.perf_counter() < deadline:
                if not self._read(0.05):
                    break
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self.process.poll() is None:
                    self.process.send_signal(sig)
                    try:
                        self.process.wait(3)
                    except subprocess.TimeoutExpired:
                        continue
        finally:
            self.process.wait()
            os.close(self._master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
