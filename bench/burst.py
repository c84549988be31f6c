"""Burst: a 10,000-event replay into the running TUI, empty and onto a 50,000-item cached inbox.

    .venv/bin/python bench/burst.py [--events 10000] [--cached 50000] [--runs 3]
                                    [--before REV] [--quiet 3]
                                    [--scenarios empty,cached,terminal]

A local SSE server (`_paced_server.py`, its own process) answers the client's connection
with all `--events` notification frames (~1.5 KB each) in one write, the way a server replays
a backlog after `Last-Event-ID`, and notes when it started writing and when the last byte was
accepted by the kernel (small send buffer, so the bytes are then on their way). Each client
runs headless (`App.run_test(size=(140, 40))`) in a fresh process per run; runs alternate
between the clients against the same server. Two scenarios:

- **empty**: the client starts on an empty state dir, exactly as `atp-tui --server URL` would
  on a new machine. Each notification's deadline is sooner than the one before, so every
  batch lands at the top of the (deadline-ordered) inbox and each frame redraws the rows in
  view, the worst case for drawing. The baseline is a naive OptionList app (httpx-sse +
  pydantic, one option per event, then `scroll_end`).
- **cached**: the client opens a copy of a store holding `--cached` notifications
  (`_inbox_fixture.fill_store`: deadlines 10 min to 2 days ahead), the restart case; the
  replay's rows (deadlines a day ahead) sort in among them, and when the replay goes quiet
  the "while you were away" summary of 10,000 arrivals opens. No naive baseline here (it
  has no cache); compare with `--before`.
- **terminal**: the cached case again, but the real `atp-tui` on a pseudo-terminal of the same
  size, measured from outside (`_pty_burst.py`): all rows in when the status bar, read
  through a terminal emulator, first counts them all. It includes what the headless runs
  leave out (turning frames into escape sequences and writing them); it times no stalls.

`--before REV` also runs atp-tui as it was at REV (that commit's `atp_tui/`, extracted with
`git archive` and put first on the client's `PYTHONPATH`), in the same runs, for ratios that
this machine's speed (shared, ±25 % within minutes) does not blur.

Per run: the time until every row is in the inbox, i.e. the first painted frame after which
the list holds all rows (see `_tui_harness.py` for the hooks), from the start of the replay
and after the last byte; the longest stall of the UI loop and of the App's message queue
(a probe that wakes every 10 ms and measures its own lateness) from the start of the replay
until the stream has been quiet `--quiet` seconds after all rows are in (so the WAL
checkpoint and the catch-up summary, both due 1 s after the stream goes quiet, are
included); how much of that longest stall was the store's commit or checkpoint, and which
of the timed calls (commit, checkpoint, batch, upsert, catch-up) ran longest inside it; the
longest stall once the commit and checkpoint time inside each is taken out ("w/o store":
what is left when they run off the UI loop); and how many frames were painted. The table
shows the median over runs with the range in brackets (the stall's parts: medians), and
ratios (below 1 is better).

Budget (issue #5, empty): longest stall ≤ 250 ms (goal ≤ 100 ms); all rows in ≤ 3 s after
the last byte (goal ≤ 1 s). Budget (issue #12, cached): longest stall ≤ 100 ms (goal
≤ 50 ms); all rows in, from the start of the replay, ≤ 2 s (goal ≤ 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from _before import tree_at
from _pty_burst import run_on_terminal
from _tui_harness import (
    HERE,
    SIZE,
    longest_stall,
    paced_server,
    ratio,
    run_client,
    summary,
    time_inside,
    verdict,
    window_max,
)

COLUMNS = (
    ("from start", "all in from start ms"),
    ("after last byte", "after last byte ms"),
    ("loop stall", "loop stall ms"),
    ("queue stall", "queue stall ms"),
    ("beside store", "stall w/o store ms"),
)
TIMED_PARTS = ("commit", "checkpoint", "batch", "upsert", "catch-up")
STORE = ("commit", "checkpoint")


def metrics(result: dict[str, Any]) -> dict[str, Any]:
    """One run's times (seconds): all rows in, the longest stalls, and what ran inside."""
    start, end = result["server"]["start"], result["server"]["end"]
    done = result["all_in"]
    if done is None:
        raise SystemExit(f"{result['kind']}: only {result['rows_at_end']} rows arrived in time")
    until = result["ended"]
    loop_due, loop_late = longest_stall(result["loop"], start, until)
    queue_due, queue_late = longest_stall(result["queue"], start, until)
    due, late = (loop_due, loop_late) if loop_late >= queue_late else (queue_due, queue_late)
    calls = result.get("calls", [])
    parts = {name: time_inside(calls, name, due, due + late) for name in TIMED_PARTS}
    beside = max(
        (
            late - sum(time_inside(calls, name, due, due + late) for name in STORE)
            for samples in (result["loop"], result["queue"])
            for due, late in samples
            if start <= due <= until
        ),
        default=float("nan"),
    )
    return {
        "beside store": beside,
        "after last byte": done - end,
        "from start": done - start,
        "loop stall": window_max(result["loop"], start, until),
        "queue stall": window_max(result["queue"], start, until),
        "stall": late,
        "store": parts["commit"] + parts["checkpoint"],
        "longest part": max(parts, key=lambda name: parts[name]) if any(parts.values()) else "-",
        "parts": parts,
        "frames": float(result["displays"]),
    }


def print_scenario(
    title: str, clients: list[tuple[str, str]], runs: dict[str, list[dict[str, Any]]]
) -> None:
    """The table of one scenario and its ratio rows."""
    print(title)
    header = "".join(f"{name:>24}" for _, name in COLUMNS)
    print(f"{'client':<34}{header}{'store in stall':>16}{'most in stall':>15}{'frames':>8}")
    for key, label in clients:
        done = runs[key]
        cells = "".join(f"{summary([m[c] for m in done]):>24}" for c, _ in COLUMNS)
        store = statistics.median(m["store"] for m in done) * 1000
        part = Counter(m["longest part"] for m in done).most_common(1)[0][0]
        frames = statistics.median(m["frames"] for m in done)
        print(f"{label:<34}{cells}{store:>16.0f}{part:>15}{frames:>8.0f}")
    for key, label in clients:
        if key == "atp":
            continue
        cells = "".join(
            f"{ratio([m[c] for m in runs['atp']], [m[c] for m in runs[key]]):>24}"
            for c, _ in COLUMNS
        )
        print(f"{'ratio atp-tui / ' + label.split(' (')[0]:<34}{cells}")


def terminal_metrics(result: dict[str, Any]) -> dict[str, Any]:
    """One terminal run's times (seconds), written bytes and peak RSS (MB)."""
    start, end = result["server"]["start"], result["server"]["end"]
    return {
        "from start": result["all_in"] - start,
        "after last byte": result["all_in"] - end,
        "bytes": float(result["bytes"]),
        "peak": result["peak"] / 1024 / 1024,
    }


def print_terminal(
    args: argparse.Namespace, clients: list[tuple[str, str]], runs: dict[str, list[dict[str, Any]]]
) -> None:
    """The terminal scenario's table, ratio rows and budget line."""
    width, height = SIZE
    print(
        f"burst: {args.events:,} notifications (~1.5 KB) in one write onto {args.cached:,} "
        f"cached, {width}x{height} on a real pty, measured from outside, "
        f"median of {args.runs} runs (range)"
    )
    names = ("from start", "after last byte")
    print(
        f"{'client':<34}"
        + "".join(f"{'all in ' + n + ' ms':>26}" for n in names)
        + (f"{'written':>12}{'peak RSS':>10}")
    )
    for key, label in clients:
        done = runs[key]
        cells = "".join(f"{summary([m[n] for m in done]):>26}" for n in names)
        written = statistics.median(m["bytes"] for m in done) / 1e6
        peak = statistics.median(m["peak"] for m in done)
        print(f"{label:<34}{cells}{written:>9.1f} MB{peak:>7.0f} MB")
    if "before" in runs:
        cells = "".join(
            f"{ratio([m[n] for m in runs['atp']], [m[n] for m in runs['before']]):>26}"
            for n in names
        )
        print(f"{'ratio atp-tui / before':<34}{cells}")
    start = statistics.median(m["from start"] for m in runs["atp"])
    print(
        f"budget all rows in {start:.2f} s from the replay's start, on a terminal "
        f"(≤ 2 s, goal 1 s): {verdict(start, 2.0, 1.0)}"
    )
    print()


def stall_parts(runs: list[dict[str, Any]]) -> str:
    """Per run: the longest stall and the timed calls inside it (ms)."""
    out = []
    for m in runs:
        inside = ", ".join(
            f"{name} {seconds * 1000:.0f}" for name, seconds in m["parts"].items() if seconds
        )
        out.append(f"{m['stall'] * 1000:.0f} ({inside or 'none timed'})")
    return "; ".join(out)


def main() -> None:
    """Run the benchmark and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--cached", type=int, default=50_000, help="items in the cached store")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quiet", type=float, default=3.0, help="seconds measured after")
    parser.add_argument("--before", metavar="REV", help="also measure atp-tui at this commit")
    parser.add_argument("--scenarios", default="empty,cached,terminal")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per run")
    args = parser.parse_args()
    scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    sys.path.insert(0, str(HERE))
    from _inbox_fixture import fill_store

    before = tree_at(args.before) if args.before else nullcontext(None)
    with tempfile.TemporaryDirectory(prefix="atp-bench-burst-") as folder, before as old:
        filled = None
        if "cached" in scenarios or "terminal" in scenarios:
            print(f"filling a store with {args.cached:,} items", file=sys.stderr, flush=True)
            filled = fill_store(Path(folder) / "filled", args.cached)
        clients: dict[str, list[tuple[str, str]]] = {
            "empty": [("naive", "naive OptionList (baseline)")],
            "cached": [],
            "terminal": [],
        }
        for scenario in scenarios:
            if old is not None:
                clients[scenario].append(("before", f"atp-tui {args.before} (before)"))
            clients[scenario].append(("atp", "atp-tui"))
        runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        with paced_server(args.events, 0.0) as (url, results):
            for run in range(args.runs):
                for scenario in scenarios:
                    for key, _ in clients[scenario]:
                        print(
                            f"run {run + 1}/{args.runs}: {scenario} {key}",
                            file=sys.stderr,
                            flush=True,
                        )
                        if scenario == "terminal":
                            assert filled is not None
                            tag = f"{scenario}-{key}-{run}"
                            tree = old if key == "before" else None
                            on_pty = run_on_terminal(
                                url,
                                results,
                                tag,
                                args.events,
                                filled,
                                args.timeout,
                                args.quiet,
                                tree,
                            )
                            runs.setdefault((scenario, key), []).append(terminal_metrics(on_pty))
                            continue
                        result = run_client(
                            "naive" if key == "naive" else "atp",
                            url,
                            results,
                            f"{scenario}-{key}-{run}",
                            args.events,
                            "burst",
                            args.timeout,
                            cached=filled if scenario == "cached" else None,
                            quiet=args.quiet,
                            tree=old if key == "before" else None,
                        )
                        runs.setdefault((scenario, key), []).append(metrics(result))
    for scenario in scenarios:
        if scenario == "terminal":
            by_key = {key: runs[(scenario, key)] for key, _ in clients[scenario]}
            print_terminal(args, clients[scenario], by_key)
            continue
        onto = "an empty inbox" if scenario == "empty" else f"{args.cached:,} cached"
        title = (
            f"burst: {args.events:,} notifications (~1.5 KB) in one write onto {onto}, 140x40 "
            f"headless, measured until quiet {args.quiet:g} s, median of {args.runs} runs (range)"
        )
        by_key = {key: runs[(scenario, key)] for key, _ in clients[scenario]}
        print_scenario(title, clients[scenario], by_key)
        ours = by_key["atp"]
        stall = statistics.median(max(m["loop stall"], m["queue stall"]) for m in ours)
        store = statistics.median(m["store"] for m in ours)
        print(f"longest stall per run, ms (timed calls inside it): {stall_parts(ours)}")
        if "before" in by_key:
            print(f"  before: {stall_parts(by_key['before'])}")
        if scenario == "empty":
            after = statistics.median(m["after last byte"] for m in ours)
            print(
                f"budget longest stall ≤ 250 ms (goal 100): {verdict(stall, 0.250, 0.100)}; "
                f"all rows in ≤ 3 s after the last byte (goal 1 s): {verdict(after, 3.0, 1.0)}"
            )
        else:
            start = statistics.median(m["from start"] for m in ours)
            print(
                f"budget longest stall {stall * 1000:.0f} ms, of which commit/checkpoint "
                f"{store * 1000:.0f} ms (≤ 100 ms, goal 50): {verdict(stall, 0.100, 0.050)}; "
                f"all rows in {start:.2f} s from the replay's start (≤ 2 s, goal 1 s): "
                f"{verdict(start, 2.0, 1.0)}"
            )
        print()


if __name__ == "__main__":
    main()
