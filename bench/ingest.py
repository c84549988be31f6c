"""Ingest: `atp-tui watch` end to end vs a naive httpx-sse + pydantic consumer, same stream.

Both run as separate processes against the same local server (in its own process), each
printing one JSON line per notification to a pipe this script counts. Time = from process
start to the last line; the table shows medians of several runs and the ratio.

Two environments, runs interleaved, the default one first: the clients' environment without
`PYTHONUNBUFFERED` (what a user's shell usually has: stdout to a pipe is block-buffered), then
with `PYTHONUNBUFFERED=1` (each of the naive loop's `print`s becomes a system call; `watch`
writes once per received chunk either way). Whatever this shell sets is overridden.

    python bench/ingest.py [--events 30000] [--runs 3] [--before REV]

`--before REV` also runs `watch` as it was at REV (that commit's `atp_tui/`, extracted with
`git archive`) in the same runs, in turn with the others, and prints its row and the ratio
to it: this VM's speed varies within minutes, so only runs side by side compare.

Budget (issue #12): `watch` / naive in the default environment ≥ 0.8× (goal ≥ 1.2×).

Also printed: the same ratio in CPU time of each client's own process (from `/proc`, Linux),
without `watch`'s commit process, whose work runs beside it: on a machine with a core to
spare for that process, the wall-clock ratio tends to this one; on 2 cores it shares one with
the server and this script's reader.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from _before import tree_at

HERE = Path(__file__).resolve().parent


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux `/proc`; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(
    command: list[str], count: int, env: dict[str, str], cwd: Path | None = None
) -> tuple[float, float]:
    """Seconds from start to the `count`th line, and the CPU seconds the client's own process
    (not its children: `watch`'s commit process) had used by then.

    Every run starts with nothing left to write back to the disk (`os.sync()`, not timed):
    each `watch` run leaves ≈ 150 MB of written pages, which the kernel wrote back during the
    runs after it, and `watch`'s runs grew slower one after another (0.83 s to 1.18 s over
    nine runs) while the naive loop's, which writes nothing, did not.
    """
    os.sync()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    assert process.stdout is not None
    lines = 0
    for _ in process.stdout:
        lines += 1
        if lines == count:
            break
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds(process.pid)
    process.terminate()
    process.communicate(timeout=30)  # drain: a client blocked on a full pipe cannot exit
    if lines != count:
        raise SystemExit(f"{command[1]} printed {lines} of {count} lines")
    return elapsed, cpu


def _child_env(folder: Path) -> dict[str, str]:
    """The clients' environment: token set, bytecode cached (even where the shell disables it).

    With `PYTHONDONTWRITEBYTECODE` set, every start would recompile atp-tui's own modules
    (the naive client only imports installed libraries, whose bytecode exists): not a
    difference between the clients but between an installed package and a source checkout.
    """
    unset = ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env["ATP_TOKEN"] = "bench"
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


#: The environments compared, default first: (label, extra variables).
ENVIRONMENTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("default environment (no PYTHONUNBUFFERED)", {}),
    ("PYTHONUNBUFFERED=1", {"PYTHONUNBUFFERED": "1"}),
)


def main() -> None:
    """Run both clients in both environments; print one table per environment."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV", help="also measure watch at this commit")
    args = parser.parse_args()
    times: dict[tuple[int, str], list[float]] = {}
    cpus: dict[tuple[int, str], list[float]] = {}
    before = tree_at(args.before) if args.before else nullcontext(None)
    with tempfile.TemporaryDirectory() as folder, before as old:
        port_file = Path(folder) / "port"
        server = subprocess.Popen(
            [sys.executable, str(HERE / "_stream_server.py"), str(args.events), str(port_file)]
        )
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            url = f"http://127.0.0.1:{port_file.read_text()}"
            base = _child_env(Path(folder))
            naive_command = [sys.executable, str(HERE / "_naive_consumer.py"), url]
            ours_command = [sys.executable, "-m", "atp_tui.cli", "watch", "--server", url]
            # Untimed warm-up: both start from compiled bytecode, as an installed package does.
            _timed([*naive_command, "1"], 1, base)
            _timed([*ours_command, "--state-dir", str(Path(folder) / "warm")], 1, base)
            if old is not None:  # `python -m` in that folder runs its `atp_tui`
                _timed([*ours_command, "--state-dir", str(Path(folder) / "warm-b")], 1, base, old)
            for run in range(args.runs):
                for n, (_, extra) in enumerate(ENVIRONMENTS):
                    env = {**base, **extra}
                    took, cpu = _timed([*naive_command, str(args.events)], args.events, env)
                    times.setdefault((n, "naive"), []).append(took)
                    cpus.setdefault((n, "naive"), []).append(cpu)
                    state = Path(folder) / f"state{run}-{n}"
                    command = [*ours_command, "--state-dir", str(state)]
                    took, cpu = _timed(command, args.events, env)
                    shutil.rmtree(state)  # its pages need no writing back any more
                    times.setdefault((n, "ours"), []).append(took)
                    cpus.setdefault((n, "ours"), []).append(cpu)
                    if old is not None:
                        state = Path(folder) / f"before{run}-{n}"
                        command = [*ours_command, "--state-dir", str(state)]
                        took, _ = _timed(command, args.events, env, old)
                        shutil.rmtree(state)
                        times.setdefault((n, "before"), []).append(took)
        finally:
            server.terminate()
            server.wait(10)
    for n, (label, _) in enumerate(ENVIRONMENTS):
        naive, ours = times[(n, "naive")], times[(n, "ours")]
        olds = times.get((n, "before"))
        rate_naive = args.events / statistics.median(naive)
        rate_ours = args.events / statistics.median(ours)
        ratios = sorted(a / b for a, b in zip(naive, ours, strict=True))
        print(
            f"ingest: {args.events} notifications of ~1.5 KB, {label}, median of {args.runs} runs"
        )
        print(f"{'client':<34}{'events/s':>12}{'seconds':>10}  runs")
        rows = [("naive httpx-sse + pydantic", naive)]
        if olds is not None:
            rows.append((f"atp-tui watch {args.before} (before)", olds))
        rows.append(("atp-tui watch (store + dedupe)", ours))
        for name, seconds in rows:
            rate = args.events / statistics.median(seconds)
            each = " ".join(f"{value:.2f}" for value in seconds)
            print(f"{name:<34}{rate:>12,.0f}{statistics.median(seconds):>10.2f}  {each}")
        ratio = rate_ours / rate_naive
        spread = f"per-run pairs {ratios[0]:.2f}–{ratios[-1]:.2f}x"
        if n == 0:
            verdict = "goal" if ratio >= 1.2 else "floor" if ratio >= 0.8 else "MISS"
            print(
                f"ratio atp-tui / naive: {ratio:.2f}x ({spread}; floor 0.8x, goal 1.2x: {verdict})"
            )
        else:
            print(f"ratio atp-tui / naive: {ratio:.2f}x ({spread})")
        cpu_pairs = sorted(
            a / b for a, b in zip(cpus[(n, "naive")], cpus[(n, "ours")], strict=True)
        )
        print(
            f"CPU of the client's own process (not `watch`'s commit process), atp-tui / naive: "
            f"{statistics.median(cpu_pairs):.2f}x (per-run pairs {cpu_pairs[0]:.2f}–"
            f"{cpu_pairs[-1]:.2f}x): the ratio where the commit process has a core of its own"
        )
        if olds is not None:
            old_ratio = statistics.median(olds) / statistics.median(ours)
            old_naive = statistics.median(naive) / statistics.median(olds)
            print(
                f"ratio atp-tui / atp-tui {args.before}: {old_ratio:.2f}x "
                f"({args.before} / naive: {old_naive:.2f}x)"
            )
        print()


if __name__ == "__main__":
    main()
