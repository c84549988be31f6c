"""Startup: process start to first frame (and to "connected"), atp-tui vs a bare Textual app.

Every start is a fresh process on a pseudo-terminal of 120×40 (`_inbox_fixture.Terminal`);
only the OS file cache and the bytecode cache are warm (one untimed start of each app fills
the latter, as installing a package would; see `bench_env`). The first frame is read from the
output alone, without touching the app: before it Textual writes only escape sequences
(alternate screen, modes, queries), and its first frame paints every cell; the frame counts as
drawn when the visible characters written reach half the screen. "connected" is when the
status bar's "● connected" reaches the screen. Scenarios, run in turn in every run:

* hello: `App` with one `Static("Hello, world")`, the baseline;
* atp-tui, empty state: `atp-tui --server URL --state-dir DIR` on a new state dir;
* atp-tui, N cached: the same on a store already holding N notifications (`--cached`).

The server is the reference server (`atp-tui server`), started once in its own process. The
children get an empty config dir, so no user configuration is read. `--imports` adds each
start's import time per top-level package (`python -X importtime`, self times summed; the
tracing itself makes imports slower).

    python bench/startup.py [--runs 5] [--cached 1000] [--imports]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _inbox_fixture import (
    HELLO_APP,
    TOKEN,
    Terminal,
    bench_env,
    fill_store,
    median,
    reference_server,
    table,
    verdict,
    warm_up,
)

_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \| ( *)([\w.]+)")


def start_hello(imports: bool) -> tuple[float, None, str]:
    """Seconds to the hello app's first frame (and its -X importtime output)."""
    flags = ["-X", "importtime"] if imports else []
    with Terminal([sys.executable, *flags, "-c", HELLO_APP], bench_env()) as terminal:
        first = terminal.wait_for_frame()
        terminal.wait_for_text("Hello, world")
    return first, None, terminal.raw.decode("utf-8", "replace")


def start_atp(url: str, state_dir: Path, imports: bool) -> tuple[float, float, str]:
    """Seconds to atp-tui's first frame and to "connected" (and its -X importtime output)."""
    flags = ["-X", "importtime"] if imports else []
    command = [sys.executable, *flags, "-m", "atp_tui.cli"]
    command += ["--server", url, "--state-dir", str(state_dir)]
    with Terminal(command, bench_env(ATP_TOKEN=TOKEN)) as terminal:
        first = terminal.wait_for_frame()
        connected = terminal.wait_for_text("● connected")
    return first, connected, terminal.raw.decode("utf-8", "replace")


def import_times(output: str) -> Counter[str]:
    """Import self time in ms per top-level package, from `-X importtime` lines."""
    totals: Counter[str] = Counter()
    for line in output.replace("\r", "\n").split("\n"):
        match = _IMPORT_LINE.search(line)
        if match:
            parts = match.group(3).split(".")
            package = ".".join(parts[:2]) if parts[0] == "atp_tui" else parts[0]
            totals[package] += int(match.group(1)) / 1000
    return totals


def main() -> None:
    """Parse the arguments, run, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--cached", default="1000", help="cached inbox sizes, comma-separated ('' for none)"
    )
    parser.add_argument("--imports", action="store_true", help="also run once under -X importtime")
    args = parser.parse_args()
    cached_sizes = [int(size) for size in args.cached.split(",") if size.strip()]
    names = ["hello (bare Textual)", "atp-tui, empty state"]
    names += [f"atp-tui, {size:,} cached" for size in cached_sizes]
    first: dict[str, list[float]] = {name: [] for name in names}
    connected: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="atp-bench-startup-") as folder:
        root = Path(folder)
        filled = {size: fill_store(root / f"filled-{size}", size) for size in cached_sizes}
        with reference_server() as url:
            warm_up(url, root)
            for run in range(args.runs):
                print(f"run {run + 1}/{args.runs}", file=sys.stderr, flush=True)
                for name in names:
                    if name.startswith("hello"):
                        frame, online, _ = start_hello(False)
                    else:
                        size = cached_sizes[names.index(name) - 2] if "cached" in name else 0
                        state = root / f"run{run}-{size}"
                        if size:
                            shutil.copytree(filled[size], state)
                        frame, online, _ = start_atp(url, state, False)
                    first[name].append(frame)
                    if online is not None:
                        connected[name].append(online)
            breakdown = None
            if args.imports:
                _, _, hello_out = start_hello(True)
                _, _, atp_out = start_atp(url, root / "imports", True)
                breakdown = (import_times(hello_out), import_times(atp_out))
    hello = median(first[names[0]])
    rows = []
    for name in names:
        frame = median(first[name])
        online = median(connected[name]) * 1000 if connected[name] else None
        rows.append(
            [
                name,
                f"{frame * 1000:.0f}",
                f"{frame / hello:.2f}x",
                f"{online:.0f}" if online is not None else "-",
                f"{min(first[name]) * 1000:.0f}-{max(first[name]) * 1000:.0f}",
            ]
        )
    print(f"startup: fresh process on a 120x40 pty, median of {args.runs} runs")
    print(table(["scenario", "first frame ms", "vs hello", "connected ms", "range ms"], rows))
    ratio = median(first[names[1]]) / hello
    print(
        f"budget: atp-tui (empty state) first frame {ratio:.2f}x hello "
        f"(floor ≤ 1.8x, goal ≤ 1.3x): {verdict(ratio, 1.8, 1.3)}"
    )
    if breakdown is not None:
        hello_imports, atp_imports = breakdown
        top = [name for name, _ in (atp_imports + hello_imports).most_common(14)]
        rest = [n for n in atp_imports if n not in top]
        print("\nimport self time per top-level package, ms (one start each, -X importtime):")
        print(
            table(
                ["package", "hello", "atp-tui"],
                [[n, f"{hello_imports[n]:.0f}", f"{atp_imports[n]:.0f}"] for n in top]
                + [
                    [
                        f"{len(rest)} others",
                        f"{sum(v for n, v in hello_imports.items() if n not in top):.0f}",
                        f"{sum(atp_imports[n] for n in rest):.0f}",
                    ],
                    [
                        "total",
                        f"{sum(hello_imports.values()):.0f}",
                        f"{sum(atp_imports.values()):.0f}",
                    ],
                ],
            )
        )


if __name__ == "__main__":
    main()
