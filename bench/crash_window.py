"""How many notifications a `kill -9` makes `watch` print twice (and that it loses none).

    python bench/crash_window.py [TRIALS]

Each trial starts a real `atp-tui watch` on a fresh state dir against a fast local burst of
3,000 notifications (≈ 1.5 KB each), kills it with SIGKILL once a random number of lines has
been printed, restarts it on the same state dir and lets it finish. It counts the lines the
restart printed again (a repeat of the write in flight at the kill, at most one chunk's lines)
and the lines never printed (must be 0). Prints one row per trial and a summary.
"""

from __future__ import annotations

import asyncio
import random
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile import HostileServer
from tests.watch_helpers import (
    EVENTS_PER_WRITE_MAX,
    RawWatch,
    burst_script,
    expected,
    overlap,
)

TOTAL = 3000


async def trial(url: str, kill_after: int) -> tuple[int, int, int]:
    """(lines printed before the kill, repeated after it, never printed)."""
    with tempfile.TemporaryDirectory() as state:
        first = await RawWatch.start(url, Path(state))
        await first.wait_for(kill_after)
        await first.stop(signal.SIGKILL)
        before = first.ids()
        second = await RawWatch.start(url, Path(state))
        await second.wait_for_end()
        await second.stop(signal.SIGTERM)
        after = second.ids()
    repeated = overlap(before, after)
    lost = len(set(expected(TOTAL)) - set(before) - set(after))
    return len(before), repeated, lost


async def main(trials: int) -> None:
    rng = random.Random(7)
    script = burst_script(TOTAL, per_write=100, pause=0.0)
    rows = []
    print(f"{'trial':>5} {'printed':>8} {'repeated':>9} {'lost':>5}")
    for number in range(1, trials + 1):
        async with HostileServer(script) as server:
            printed, repeated, lost = await trial(server.url, rng.randrange(100, TOTAL - 200))
        rows.append((printed, repeated, lost))
        print(f"{number:>5} {printed:>8} {repeated:>9} {lost:>5}")
    repeats = [row[1] for row in rows]
    print()
    print(f"lost in all trials: {sum(row[2] for row in rows)}")
    print(
        f"repeated: median {statistics.median(repeats):g}, max {max(repeats)}, "
        f"trials with any {sum(1 for r in repeats if r)}/{trials}; "
        f"one write holds at most {EVENTS_PER_WRITE_MAX} lines here"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
