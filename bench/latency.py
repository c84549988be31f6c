"""Latency: server send → row painted at a steady rate, atp-tui vs a naive Textual baseline.

    .venv/bin/python bench/latency.py [--events 1000] [--rate 200] [--runs 3] [--warmup 1.0]

A local SSE server (`_paced_server.py`, its own process) connects, waits `--warmup` seconds so
the client has settled, then writes one ~1.5 KB notification every 1/`--rate` s, noting the
time just before each write. Each client runs headless (`App.run_test(size=(140, 40))`) in a
fresh process per run; runs alternate baseline / atp-tui against the same server:

- **atp-tui**: `build_app` with the real stream engine and a real store (bell off). Every new
  notification's deadline is sooner than the previous one's but later than the first one's,
  so in deadline order it lands just below the selected first row: in view, where a user
  would look. (The inbox keeps the selected row in place when rows arrive above it, so a
  "newest first" test would push new rows out of view.)
- **naive baseline**: httpx-sse + pydantic, one `OptionList` option per event (`height: 1fr`),
  then `scroll_end` so the new row is in view.

"Painted" is when the frame containing the row was rendered and encoded for the terminal (see
`_tui_harness.py` for the hooks). Per run: p50 / p99 / max of send → painted over the painted
rows, the rows never painted (pushed out of view before a frame showed them), and the longest
stall of the UI loop and of the App's message queue while the events arrived (a 10 ms probe).
The table shows the median over runs with the range in brackets, and atp-tui / baseline ratios.

Budget (issue #5): p50 ≤ 50 ms, p99 ≤ 200 ms (goal 25 / 100). Calibration on a 2-core machine:
OptionList p50 24 / p99 93 ms, DataTable p50 84–180 ms (1,000 events 5 ms apart).
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from _tui_harness import (
    paced_server,
    percentile,
    ratio,
    run_client,
    summary,
    verdict,
    window_max,
)

CLIENTS = (("naive", "naive OptionList (baseline)"), ("atp", "atp-tui"))
COLUMNS = ("p50", "p99", "max", "loop stall", "queue stall")


def metrics(result: dict[str, Any]) -> dict[str, float]:
    """Send → painted percentiles and stalls (seconds) of one run, plus the unpainted count."""
    sent = result["server"]["sent"]
    painted = result["painted"]
    delays = [painted[str(i)] - at for i, at in enumerate(sent) if str(i) in painted]
    if not delays:
        raise SystemExit(f"{result['kind']}: no row was painted")
    start, end = sent[0], sent[-1] + max(delays)
    return {
        "p50": percentile(delays, 0.5),
        "p99": percentile(delays, 0.99),
        "max": max(delays),
        "loop stall": window_max(result["loop"], start, end),
        "queue stall": window_max(result["queue"], start, end),
        "unpainted": float(len(sent) - len(delays)),
    }


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="events per second")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--warmup", type=float, default=1.0, help="seconds between connecting and the first event"
    )
    args = parser.parse_args()
    interval = 1 / args.rate
    timeout = args.warmup + args.events * interval + 30
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind, _ in CLIENTS}
    with paced_server(args.events, interval, args.warmup) as (url, results):
        for run in range(args.runs):
            for kind, _ in CLIENTS:
                result = run_client(
                    kind, url, results, f"{kind}-{run}", args.events, "latency", timeout
                )
                runs[kind].append(metrics(result))
    print(
        f"latency: server send → row painted, {args.events} events at {args.rate:g}/s "
        f"({interval * 1000:g} ms apart), 140x40 headless, median of {args.runs} runs (range)"
    )
    header = "".join(f"{name + ' ms':>18}" for name in COLUMNS)
    print(f"{'client':<30}{header}{'unpainted':>11}")
    for kind, label in CLIENTS:
        cells = "".join(f"{summary([m[c] for m in runs[kind]]):>18}" for c in COLUMNS)
        unpainted = statistics.median(m["unpainted"] for m in runs[kind])
        print(f"{label:<30}{cells}{unpainted:>11.0f}")
    ratios = "".join(
        f"{ratio([m[c] for m in runs['atp']], [m[c] for m in runs['naive']]):>18}" for c in COLUMNS
    )
    print(f"{'ratio atp-tui / baseline':<30}{ratios}")
    p50 = statistics.median(m["p50"] for m in runs["atp"])
    p99 = statistics.median(m["p99"] for m in runs["atp"])
    print(
        f"budget p50 ≤ 50 ms (goal 25): {verdict(p50, 0.050, 0.025)}; "
        f"p99 ≤ 200 ms (goal 100): {verdict(p99, 0.200, 0.100)}"
    )


if __name__ == "__main__":
    main()
