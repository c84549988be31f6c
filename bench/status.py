"""How long `atp-tui status` takes with 50,000 cached notifications (tmux runs it every 5 s).

Two state dirs: one the TUI left (every row has its summary) and one `watch` left (no
summaries: the counts come from the payloads). Each is timed as tmux runs it, a fresh
`atp-tui status --format tmux` process, reporting wall time and the process's CPU time
(user + system, from `getrusage` of the children), median and worst of the runs.

    .venv/bin/python bench/status.py [--count 50000] [--runs 30]

The target is ≤ 80 ms of process time.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _inbox_fixture import add_notifications, bench_env, fill_store, median, table  # noqa: E402

EXECUTABLE = Path(sys.executable).parent / "atp-tui"


def fill_headless(state_dir: Path, count: int) -> Path:
    """A state dir as `watch` leaves it: `count` payloads, no summaries."""
    from atp_tui.store.headless import HeadlessStore

    store = HeadlessStore.open(state_dir)
    try:
        add_notifications(store, count)
    finally:
        store.close()
    return state_dir


def time_status(state_dir: Path, runs: int) -> tuple[list[float], list[float], str]:
    """Wall and CPU seconds of `runs` fresh `atp-tui status` processes, and the last line."""
    command = [str(EXECUTABLE), "status", "--format", "tmux", "--state-dir", str(state_dir)]
    env = bench_env()
    subprocess.run(command, env=env, capture_output=True, check=True)  # fill bytecode cache
    walls, cpus, line = [], [], ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        line = result.stdout.strip()
    return walls, cpus, line


def main() -> None:
    """Fill both state dirs, time `status` on each, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="atp-status-bench-"))
    try:
        dirs = {
            "TUI store (summaries)": fill_store(folder / "tui", args.count),
            "watch store (payloads)": fill_headless(folder / "watch", args.count),
        }
        rows = []
        for name, state_dir in dirs.items():
            walls, cpus, line = time_status(state_dir, args.runs)
            rows.append(
                (
                    name,
                    f"{median(walls) * 1000:.0f}",
                    f"{max(walls) * 1000:.0f}",
                    f"{median(cpus) * 1000:.0f}",
                    f"{max(cpus) * 1000:.0f}",
                    line,
                )
            )
        header = ("state dir", "wall ms", "max", "cpu ms", "max", "output")
        print(f"atp-tui status, {args.count:,} cached notifications, {args.runs} runs each\n")
        print(table(header, rows))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
