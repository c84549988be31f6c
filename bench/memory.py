"""Memory: peak RSS with 50,000 notifications in the inbox, atp-tui vs Textual baselines.

Every scenario is a fresh process on a 120×40 pseudo-terminal (`_inbox_fixture.Terminal`),
run unmodified; once it has reached its steady state this script reads the process's peak
resident set size (`VmHWM` in /proc/PID/status, the same figure as `ru_maxrss`) and its
resident size then (`VmRSS`). Scenarios, in turn in every run:

* hello: a bare Textual app (`Static("Hello, world")`), what any Textual app costs;
* OptionList: the naive inbox, the obvious pydantic models (`_naive_consumer.py`) for the
  same N notifications and one `OptionList` option each; steady after its first frame;
* atp-tui cached: `atp-tui --server URL --state-dir DIR` opening a store that holds N
  notifications (the restart case), against the reference server; steady at "connected";
* atp-tui live: the same on an empty state dir against `_stream_server.py`, which replays N
  notifications; steady when the status bar counts them unread (all but the selected one,
  which is marked read after a second);
* atp-tui cached + replay (issue #12): a copy of the store holding N notifications, against
  `_stream_server.py` replaying `--replay` new ones (numbers after N); steady when the status
  bar counts all N + R unread (but one), then 3 s more so that the replay has gone quiet and
  the "while you were away" summary of R arrivals is made and shown;
* with `--before REV`, the cached + replay scenario again with atp-tui as it was at REV (that
  commit's `atp_tui/` extracted with `git archive`, the child run from its folder).

"steady" is followed by one more second of reading the terminal (three after a replay onto a
cache). "per item" is (peak − the hello app's peak) / N. Children get an empty config dir.

    python bench/memory.py [--items 50000] [--replay 10000] [--runs 3] [--before REV]
                           [--skip optionlist,live]

Budget (issue #5): peak ≤ 400 MB (goal ≤ 150) with N cached and N replayed. Budget (issue
#12): 50,000 cached + 10,000 replayed: peak ≤ 180 MB (goal ≤ 150).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _before import tree_at  # noqa: E402
from _inbox_fixture import (  # noqa: E402
    HELLO_APP,
    OPTIONLIST_APP,
    TOKEN,
    Terminal,
    bench_env,
    fill_store,
    median,
    reference_server,
    stream_server,
    table,
    verdict,
    warm_up,
    write_jsonl,
)

MB = 1024 * 1024
#: How long a scenario may take to reach its steady state (a 50k replay on a busy machine).
TIMEOUT = 300.0


@dataclass
class Result:
    """Measurements of one scenario over the runs."""

    peak: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    frame: list[float] = field(default_factory=list)
    steady: list[float] = field(default_factory=list)


def replayed(terminal: Terminal, count: int) -> float:
    """Seconds until the status bar counts all `count` notifications unread but the one the
    cursor has been on for a second (that one is marked read)."""

    def done() -> bool:
        unread = re.findall(r"(\d+) unread", terminal.text[-20_000:])
        return bool(unread) and int(unread[-1]) >= count - 1

    return terminal.wait_until(done, TIMEOUT, f"{count} notifications")


def measure(
    command: list[str],
    env: dict[str, str],
    steady: Callable[[Terminal], float],
    settle: float = 1.0,
    cwd: Path | None = None,
) -> tuple[float, float, float, float]:
    """Run `command` (in `cwd`); (peak RSS, RSS, seconds to first frame, seconds to steady
    state)."""
    with Terminal(command, env, cwd=cwd) as terminal:
        frame = terminal.wait_for_frame(TIMEOUT)
        ready = steady(terminal)
        terminal.settle(settle)
        return terminal.status("VmHWM"), terminal.status("VmRSS"), frame, ready


def main() -> None:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--replay", type=int, default=10_000, help="replayed onto the cache")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV", help="also measure atp-tui at this commit")
    parser.add_argument(
        "--skip",
        default="",
        help="scenarios to leave out, comma-separated (optionlist, cached, live, replay)",
    )
    args = parser.parse_args()
    count = args.items
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    names = {
        "hello": "hello (bare Textual)",
        "optionlist": f"OptionList, {count:,} items",
        "cached": f"atp-tui, {count:,} cached",
        "live": f"atp-tui, {count:,} replayed",
        "replay": f"atp-tui, {count:,} cached + {args.replay:,} replayed",
    }
    if args.before:
        names["replay-before"] = f"atp-tui {args.before}, {count:,} cached + {args.replay:,}"
    chosen = [key for key in names if key not in skip]
    results = {key: Result() for key in chosen}
    before = tree_at(args.before) if args.before else nullcontext(None)
    with tempfile.TemporaryDirectory(prefix="atp-bench-memory-") as folder, before as old:
        root = Path(folder)
        print("preparing the store and the JSON lines", file=sys.stderr, flush=True)
        filled = fill_store(root / "filled", count)
        lines = write_jsonl(root / "items.jsonl", count)
        atp = [sys.executable, "-m", "atp_tui.cli"]
        with (
            reference_server() as reference,
            stream_server(count, root) if "live" in chosen else nullcontext("") as live,
            (
                stream_server(args.replay, root, first=count + 1)
                if "replay" in chosen or "replay-before" in chosen
                else nullcontext("")
            ) as onto,
        ):
            warm_up(reference, root)
            for run in range(args.runs):
                for key in chosen:
                    print(f"run {run + 1}/{args.runs}: {key}", file=sys.stderr, flush=True)
                    if key == "hello":
                        outcome = measure(
                            [sys.executable, "-c", HELLO_APP],
                            bench_env(),
                            lambda t: t.wait_for_text("Hello, world"),
                        )
                    elif key == "optionlist":
                        outcome = measure(
                            [sys.executable, "-c", OPTIONLIST_APP, str(lines), str(HERE)],
                            bench_env(),
                            lambda t: t.wait_for_text("Promote checkout"),
                        )
                    elif key == "cached":
                        state = root / f"cached-{run}"
                        shutil.copytree(filled, state)
                        outcome = measure(
                            [*atp, "--server", reference, "--state-dir", str(state)],
                            bench_env(ATP_TOKEN=TOKEN),
                            lambda t: t.wait_for_text("● connected", TIMEOUT),
                        )
                        shutil.rmtree(state)
                    elif key == "live":
                        state = root / f"live-{run}"
                        outcome = measure(
                            [*atp, "--server", live, "--state-dir", str(state)],
                            bench_env(ATP_TOKEN=TOKEN),
                            lambda t: replayed(t, count),
                        )
                        shutil.rmtree(state)
                    else:
                        state = root / f"{key}-{run}"
                        shutil.copytree(filled, state)
                        # `python -m` puts the working directory first on `sys.path`: the
                        # tree at REV is run from its own folder.
                        tree = old if key == "replay-before" else None
                        outcome = measure(
                            [*atp, "--server", onto, "--state-dir", str(state)],
                            bench_env(ATP_TOKEN=TOKEN),
                            lambda t: replayed(t, count + args.replay),
                            settle=3.0,
                            cwd=tree,
                        )
                        shutil.rmtree(state)
                    result = results[key]
                    for values, value in zip(
                        (result.peak, result.rss, result.frame, result.steady), outcome, strict=True
                    ):
                        values.append(value)
    hello = median(results["hello"].peak) if "hello" in results else 0.0
    rows = []
    for key in chosen:
        result = results[key]
        peak = median(result.peak)
        per_item = f"{(peak - hello) / count / 1024:.1f}" if key != "hello" and hello else "-"
        rows.append(
            [
                names[key],
                f"{peak / MB:.0f}",
                f"{median(result.rss) / MB:.0f}",
                per_item,
                f"{median(result.frame):.2f}",
                f"{median(result.steady):.2f}",
            ]
        )
    print(f"memory: fresh process on a 120x40 pty, median of {args.runs} runs")
    header = ["scenario", "peak RSS MB", "RSS MB", "KB/item", "first frame s", "steady s"]
    print(table(header, rows))
    base = median(results["optionlist"].peak) if "optionlist" in results else None
    scale = "" if count == 50_000 else " (the budget is set for 50,000 items)"
    for key in ("cached", "live"):
        if key not in results:
            continue
        peak = median(results[key].peak) / MB
        ratio = f", {peak * MB / base:.2f}x the OptionList app" if base else ""
        print(
            f"budget: {names[key]}: peak {peak:.0f} MB (floor ≤ 400, goal ≤ 150): "
            f"{verdict(peak, 400, 150)}{ratio}{scale}"
        )
    if "replay" in results:
        peak = median(results["replay"].peak) / MB
        ratio = ""
        if "replay-before" in results:
            old_peak = median(results["replay-before"].peak) / MB
            ratio = f", {peak / old_peak:.2f}x {args.before}'s {old_peak:.0f} MB"
        print(
            f"budget: {names['replay']}: peak {peak:.0f} MB (floor ≤ 180, goal ≤ 150): "
            f"{verdict(peak, 180, 150)}{ratio}{scale}"
        )


if __name__ == "__main__":
    main()
