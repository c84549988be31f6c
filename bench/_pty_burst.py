"""The burst through a real terminal (`burst.py --scenarios terminal`): measured from outside.

The headless runs (`_tui_harness.py`) stamp a frame when Textual has it ready; they never turn
it into escape sequences nor write it, and they share the process with their hooks. Here the
real `atp-tui` runs unmodified on a pseudo-terminal (`_terminal.Terminal`), opening a copy of
the filled store, against the same local server; every byte it writes is fed to a terminal
emulator (`pyte`, the `bench` extra) as it is read, and the status bar's `N open` is noted
with the time of the read that showed it. All rows are in at the first read after which the
count shows every open item (the cached ones and the replay's); the run ends when the count
has not changed for `quiet` seconds after the server wrote its last byte. The database is
then checked to hold every row once, so a count that stopped short is not taken for the end.

An independent check of the issue #12 burst measured this way (its own tools) and saw ≈ 0.5 s
more than the headless bench; this mode is that check, made repeatable.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _inbox_fixture import bench_env
from _terminal import Terminal
from _tui_harness import HERE, SIZE

_OPEN = re.compile(r"(\d+) open")


def _status_open(screen: Any) -> int | None:
    """The open count on the status bar (the screen's first line), if it shows one."""
    line = screen.buffer[0]
    found = _OPEN.search("".join(line[x].data for x in range(screen.columns)))
    return int(found.group(1)) if found else None


def _rows(state: Path) -> int:
    with sqlite3.connect(f"file:{state / 'state.sqlite3'}?mode=ro", uri=True) as db:
        row = db.execute("SELECT count(*), count(DISTINCT id) FROM notifications").fetchone()
    total, distinct = row
    if total != distinct:
        raise SystemExit(f"terminal run: {total - distinct} rows stored twice")
    return int(total)


def run_on_terminal(
    url: str,
    results: Path,
    tag: str,
    count: int,
    cached: Path,
    timeout: float,
    quiet: float,
    tree: Path | None = None,
) -> dict[str, Any]:
    """One run of `atp-tui` (the one in this checkout, or the `--before` tree) on a pty.

    Returns the server's start and end (`time.monotonic()`), when the status bar first
    showed the final open count, the bytes written and the peak RSS."""
    changes: list[tuple[float, int]] = []

    def note(at: float, screen: Any) -> None:
        shown = _status_open(screen)
        if shown is not None and (not changes or changes[-1][1] != shown):
            changes.append((at, shown))

    with tempfile.TemporaryDirectory(prefix="atp-bench-pty-") as folder:
        state = Path(folder) / "state"
        shutil.copytree(cached, state)
        expected = _rows(state) + count  # the replay (`_paced_server.py`: its sentinel included)
        command = [sys.executable, "-m", "atp_tui", "--server", f"{url}/{tag}"]
        command += ["--state-dir", str(state)]
        extra = {"PYTHONPATH": str(tree)} if tree is not None else {}
        env = bench_env(ATP_TOKEN="bench", **extra)
        report = results / f"{tag}.json"
        with Terminal(command, env, size=SIZE, cwd=tree or HERE.parent, on_read=note) as terminal:
            terminal.wait_until(report.exists, timeout, "the replay written")
            server: dict[str, Any] = json.loads(report.read_text())

            replay_end = float(server["end"])

            def quiet_since_replay() -> bool:
                last = changes[-1][0] if changes else replay_end
                return time.monotonic() - max(last, replay_end) >= quiet

            terminal.wait_until(quiet_since_replay, timeout, f"the count quiet for {quiet:g} s")
            peak = terminal.status("VmHWM")
            written = len(terminal.raw)
        stored = _rows(state)
    if stored != expected:
        raise SystemExit(f"terminal run: {stored} rows stored, {expected} expected")
    final = changes[-1][1]
    all_in = next(at for at, shown in changes if shown == final)
    return {"server": server, "all_in": all_in, "peak": peak, "bytes": written, "open": final}
