"""Ingest: `atp-tui watch` end to end vs a naive httpx-sse + pydantic consumer, same stream.

Both run as separate processes against the same local server (in its own process), each
printing one JSON line per notification to a pipe this script counts. Time = from process
start to the last line; the table shows medians of several runs and the ratio.

    python bench/ingest.py [--events 30000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _timed(command: list[str], count: int, env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    lines = 0
    for _ in process.stdout:
        lines += 1
        if lines == count:
            break
    elapsed = time.perf_counter() - started
    process.terminate()
    process.communicate(timeout=30)  # drain: a client blocked on a full pipe cannot exit
    if lines != count:
        raise SystemExit(f"{command[1]} printed {lines} of {count} lines")
    return elapsed


def _child_env(folder: Path) -> dict[str, str]:
    """The clients' environment: token set, bytecode cached (even where the shell disables it).

    With `PYTHONDONTWRITEBYTECODE` set, every start would recompile atp-tui's own modules
    (the naive client only imports installed libraries, whose bytecode exists): not a
    difference between the clients but between an installed package and a source checkout.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["ATP_TOKEN"] = "bench"
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port"
        server = subprocess.Popen(
            [sys.executable, str(HERE / "_stream_server.py"), str(args.events), str(port_file)]
        )
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            url = f"http://127.0.0.1:{port_file.read_text()}"
            env = _child_env(Path(folder))
            naive_command = [sys.executable, str(HERE / "_naive_consumer.py"), url]
            ours_command = [sys.executable, "-m", "atp_tui.cli", "watch", "--server", url]
            # Untimed warm-up: both start from compiled bytecode, as an installed package does.
            _timed([*naive_command, "1"], 1, env)
            _timed([*ours_command, "--state-dir", str(Path(folder) / "warm")], 1, env)
            naive, ours = [], []
            for run in range(args.runs):
                naive.append(_timed([*naive_command, str(args.events)], args.events, env))
                state = Path(folder) / f"state{run}"
                ours.append(_timed([*ours_command, "--state-dir", str(state)], args.events, env))
        finally:
            server.terminate()
            server.wait(10)
    rate_naive = args.events / statistics.median(naive)
    rate_ours = args.events / statistics.median(ours)
    print(f"ingest: {args.events} notifications of ~1.5 KB, median of {args.runs} runs")
    print(f"{'client':<34}{'events/s':>12}{'seconds':>10}")
    print(
        f"{'naive httpx-sse + pydantic':<34}{rate_naive:>12,.0f}{statistics.median(naive):>10.2f}"
    )
    print(
        f"{'atp-tui watch (store + dedupe)':<34}{rate_ours:>12,.0f}{statistics.median(ours):>10.2f}"
    )
    print(f"ratio atp-tui / naive: {rate_ours / rate_naive:.2f}x (floor 0.6x, goal 1.0x)")


if __name__ == "__main__":
    main()
