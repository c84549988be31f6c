"""Burst: a 10,000-event replay into the running TUI, atp-tui vs a naive Textual baseline.

    .venv/bin/python bench/burst.py [--events 10000] [--runs 3]

A local SSE server (`_paced_server.py`, its own process) answers the client's connection
with all `--events` notification frames (~1.5 KB each) in one write, the way a server replays
a backlog after `Last-Event-ID`, and notes when it started writing and when the last byte was
accepted by the kernel (small send buffer, so the bytes are then on their way). Each client
runs headless (`App.run_test(size=(140, 40))`) in a fresh process per run; runs alternate
baseline / atp-tui against the same server:

- **atp-tui**: `build_app` with the real stream engine and a real store (bell off), empty at
  start, exactly as `atp-tui --server URL` would start on a new machine. The notifications
  are those of `latency.py`: each one's deadline is sooner than the one before, so every batch
  lands at the top of the (deadline-ordered) inbox and each frame redraws the rows in view,
  the worst case for the inbox.
- **naive baseline**: httpx-sse + pydantic, one `OptionList` option per event (`height: 1fr`),
  then `scroll_end` (a tail view).

Per run: the time until every row is in the inbox, i.e. the first painted frame after which
the list holds all rows (see `_tui_harness.py` for the hooks), measured from the last byte
sent and from the start of the replay; the longest stall of the UI loop and of the App's
message queue meanwhile (a probe that wakes every 10 ms and measures its own lateness); and
how many frames were painted. The table shows the median over runs with the range in
brackets, and atp-tui / baseline ratios (below 1 is better).

Budget (issue #5): longest stall ≤ 250 ms (goal ≤ 100 ms); all rows visible after the last
byte ≤ 3 s (goal ≤ 1 s).
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from _tui_harness import paced_server, ratio, run_client, summary, verdict, window_max

CLIENTS = (("naive", "naive OptionList (baseline)"), ("atp", "atp-tui"))
COLUMNS = (
    ("after last byte", "after last byte ms"),
    ("from start", "from replay start ms"),
    ("loop stall", "loop stall ms"),
    ("queue stall", "queue stall ms"),
)


def metrics(result: dict[str, Any]) -> dict[str, float]:
    """Times (seconds) of one run: all rows in, after the last byte and from the start."""
    start, end = result["server"]["start"], result["server"]["end"]
    done = result["all_in"]
    if done is None:
        raise SystemExit(f"{result['kind']}: only {result['rows_at_end']} rows arrived in time")
    return {
        "after last byte": done - end,
        "from start": done - start,
        "loop stall": window_max(result["loop"], start, done),
        "queue stall": window_max(result["queue"], start, done),
        "frames": float(result["displays"]),
    }


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind, _ in CLIENTS}
    with paced_server(args.events, 0.0) as (url, results):
        for run in range(args.runs):
            for kind, _ in CLIENTS:
                result = run_client(
                    kind, url, results, f"{kind}-{run}", args.events, "burst", args.timeout
                )
                runs[kind].append(metrics(result))
    print(
        f"burst: {args.events:,} notifications (~1.5 KB) replayed in one write, "
        f"140x40 headless, median of {args.runs} runs (range)"
    )
    header = "".join(f"{title:>24}" for _, title in COLUMNS)
    print(f"{'client':<30}{header}{'frames':>8}")
    for kind, label in CLIENTS:
        cells = "".join(f"{summary([m[c] for m in runs[kind]]):>24}" for c, _ in COLUMNS)
        frames = statistics.median(m["frames"] for m in runs[kind])
        print(f"{label:<30}{cells}{frames:>8.0f}")
    ratios = "".join(
        f"{ratio([m[c] for m in runs['atp']], [m[c] for m in runs['naive']]):>24}"
        for c, _ in COLUMNS
    )
    print(f"{'ratio atp-tui / baseline':<30}{ratios}")
    after = statistics.median(m["after last byte"] for m in runs["atp"])
    stall = statistics.median(max(m["loop stall"], m["queue stall"]) for m in runs["atp"])
    print(
        f"budget longest stall ≤ 250 ms (goal 100): {verdict(stall, 0.250, 0.100)}; "
        f"all rows in ≤ 3 s after the last byte (goal 1 s): {verdict(after, 3.0, 1.0)}"
    )


if __name__ == "__main__":
    main()
