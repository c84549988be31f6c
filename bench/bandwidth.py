"""Bandwidth: bytes written to a real terminal, idle, per cursor key and per new notification.

Over SSH on a weak link every byte the app writes to the terminal counts. Each app runs as a
fresh process on a pseudo-terminal (`os.openpty`, `_inbox_fixture.Terminal`) of each size, and
what is counted is every byte read from the pty's master side: what an SSH session would carry
(before its compression). Nothing in the app is patched or hooked: it runs on the real clock.

Per app and size, in one process:

1. the reference server (`atp-tui server`, its own process) is given 30 open notifications,
   created 5-35 minutes ago, deadlines 55-65 minutes ahead (above the 15-minute warning: no
   countdown is urgent), with descriptions and actions of varying length (every other
   description fills the detail pane);
2. the app starts on a fresh state dir, connects, and receives them; the first two rows are
   visited once (so moving between them later does not mark anything read), then it rests;
3. **idle**: bytes per second over `--idle` seconds with no event and no key;
   **urgent idle** the same in a second run whose 30 notifications are all due within the
   15-minute warning (deadlines 2-14 minutes ahead): every countdown shows seconds, so every
   row changes every second, which is what an on-call screen often looks like;
4. **key**: `--keys` cursor keys alternating `j` / `k` (down / up for htop), each one right
   after the app's output went quiet (after a clock tick, if it ticks), counted over the next
   0.6 s (before the next tick);
5. **new**: `--news` notifications posted to the server one at a time (deadline ~1 h, so each
   sorts in among the others), counted the same way (the bell is a byte of it);
6. **focus**: the terminal reports losing focus, then gaining it (`CSI O`, `CSI I`: what a
   terminal with focus reporting sends on an alt-tab or a tmux pane switch), counted the same
   way; the column is the larger of the two.

Apps: `htop -d 10` (one refresh a second, if installed) as the baseline of a program that shows
live data; atp-tui at `--before REV` (that commit's `atp_tui/`, extracted with `git archive`
and run from a folder of its own with the same interpreter) when given; atp-tui of this tree;
and this tree with `--low-bandwidth`. All in the same run, so the ratios compare like with like.

    python bench/bandwidth.py [--before REV] [--sizes 150x40,80x24] [--idle 30] [--keys 12]
                              [--news 4] [--skip-htop]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _before import tree_at
from _inbox_fixture import TOKEN, Terminal, bench_env, median, reference_server, table, verdict

ROOT = Path(__file__).resolve().parent.parent
#: How many open notifications the inbox holds while idle.
OPEN_ITEMS = 30
#: Seconds after a key or a post whose output is counted (the app answers within ~50 ms; a
#: once-a-second tick comes ≥ 0.9 s after the quiet moment the key is sent in).
WINDOW = 0.6
#: What a terminal with focus reporting sends when it loses focus, then when it gains it.
FOCUS_REPORTS = (b"\x1b[O", b"\x1b[I")
#: Minutes until the deadlines of the open notifications: above the 15-minute warning (the
#: idle case of issue #12) and all under it (countdowns in seconds).
IDLE_DEADLINES = (55.0, 65.0)
URGENT_DEADLINES = (2.0, 14.0)
#: Budgets at 150x40 (issue #12): (floor, goal).
IDLE_BUDGET = (1500.0, 200.0)
KEY_BUDGET = (6000.0, 3000.0)
_ADMIN = "admin-token"  # the reference server's default admin token


@dataclass
class Result:
    """What one app wrote at one size."""

    idle: float = float("nan")
    """Bytes per second while idle."""
    urgent_idle: float = float("nan")
    """Bytes per second while idle with every countdown under the warning (seconds shown)."""
    keys: list[int] = field(default_factory=list)
    """Bytes after each cursor key."""
    news: list[int] = field(default_factory=list)
    """Bytes after each new notification."""
    focus: list[int] = field(default_factory=list)
    """Bytes after the terminal reported losing focus, then after it reported gaining it."""


@dataclass(frozen=True)
class Variant:
    """One app to measure."""

    name: str
    command: list[str]
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    atp: bool = True


# -- the server and its notifications -----------------------------------------------------


def _post(url: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        result: dict[str, Any] = json.loads(reply.read())
    return result


def notification(i: int, now: datetime, deadline_minutes: float) -> dict[str, Any]:
    """Notification `i`: a realistic body whose description and actions vary in length."""
    sentence = f"Canary {i} has been healthy for {i + 3} hours; error rate 0.0{i % 10} %. "
    actions: list[dict[str, Any]] = [
        {"id": "approve", "label": "Approve", "response_type": "simple"},
        {"id": "reject", "label": "Reject", "response_type": "text"},
    ]
    if i % 3 == 0:
        options = [{"value": "1h", "label": "1 hour"}, {"value": "1d", "label": "1 day"}]
        actions.append(
            {"id": "defer", "label": "Defer", "response_type": "choice", "options": options}
        )
    # Every other one long enough to fill the detail pane at 150x40 (a runbook pasted in):
    # the keys alternate between the first two rows, so each one repaints a full pane or a
    # short one. With short descriptions only, a key measured 2.2 KB where an independent
    # check's long ones wrote 8.9 KB.
    repeats = 30 if i % 2 == 0 else 1 + (i * 7) % 5
    return {
        "timestamp": (now - timedelta(minutes=5 + i % 31)).isoformat(),
        "deadline": (now + timedelta(minutes=deadline_minutes)).isoformat(),
        "context": {
            "title": f"Promote checkout 2.{i}.{i % 7} to production?",
            "description": sentence * repeats,
            "project": ("checkout", "billing", "search")[i % 3],
            "metadata": {"environment": "production", "build": str(1000 + i)},
        },
        "actions": actions,
    }


class Agent:
    """A service registered on the reference server, posting notifications."""

    def __init__(self, url: str) -> None:
        self.url = url
        reply = _post(url, "/api/v1/services", _ADMIN, {"name": "deploy-bot"})
        self.key = str(reply["api_key"])
        self.sent = 0

    def send(self, deadline_minutes: float) -> None:
        """Post the next notification."""
        self.sent += 1
        body = notification(self.sent, datetime.now(UTC), deadline_minutes)
        _post(self.url, "/api/v1/notifications", self.key, body)


# -- one app on one terminal --------------------------------------------------------------


def measure(variant: Variant, size: tuple[int, int], args: argparse.Namespace) -> Result:
    """Idle bytes per second, bytes per key and per new notification, for one app and size."""
    if not variant.atp:
        return _measure_htop(variant, size, args)
    result = Result()
    with _app_on(variant, size, URGENT_DEADLINES) as (terminal, _agent):
        result.urgent_idle = terminal.count_bytes(args.idle) / args.idle
    with _app_on(variant, size, IDLE_DEADLINES) as (terminal, agent):
        result.idle = terminal.count_bytes(args.idle) / args.idle
        for n in range(args.keys):
            terminal.wait_output(1.2, 0.08)
            terminal.send(b"jk"[n % 2 : n % 2 + 1])
            result.keys.append(terminal.count_bytes(WINDOW))
        for _ in range(args.news):
            terminal.wait_output(1.2, 0.08)
            agent.send(60.0)
            result.news.append(terminal.count_bytes(WINDOW))
        for report in FOCUS_REPORTS:
            terminal.wait_output(1.2, 0.08)
            terminal.send(report)
            result.focus.append(terminal.count_bytes(WINDOW))
    return result


@contextmanager
def _app_on(
    variant: Variant, size: tuple[int, int], deadlines: tuple[float, float]
) -> Iterator[tuple[Terminal, Agent]]:
    """The app on a fresh server holding `OPEN_ITEMS` notifications due `deadlines` minutes
    ahead (spread evenly), connected, its first two rows read, resting."""
    with reference_server() as url, tempfile.TemporaryDirectory(prefix="atp-bw-") as state:
        agent = Agent(url)
        first, last = deadlines
        for i in range(OPEN_ITEMS):
            agent.send(first + i * (last - first) / OPEN_ITEMS)
        command = [*variant.command, "--server", url, "--state-dir", state]
        env = bench_env(ATP_TOKEN=TOKEN, **variant.env)
        with Terminal(command, env, size=size, cwd=variant.cwd) as terminal:
            terminal.wait_for_text("● connected")
            terminal.wait_for_text(f"{OPEN_ITEMS} open")
            terminal.settle(2.0)
            for key in (b"j", b"k"):  # read rows 1 and 2 (the unread timer needs 1 s)
                terminal.send(key)
                terminal.settle(1.6)
            yield terminal, agent


def _measure_htop(variant: Variant, size: tuple[int, int], args: argparse.Namespace) -> Result:
    result = Result()
    with Terminal(variant.command, bench_env(), size=size) as terminal:
        terminal.wait_for_frame()
        terminal.settle(2.0)
        result.idle = terminal.count_bytes(args.idle) / args.idle
        for n in range(args.keys):
            terminal.wait_output(1.2, 0.08)
            terminal.send((b"\x1b[B", b"\x1b[A")[n % 2])
            result.keys.append(terminal.count_bytes(WINDOW))
    return result


# -- report -------------------------------------------------------------------------------


def _number(value: float) -> str:
    return "-" if value != value else f"{value:,.0f}"


def _ratio(ours: float, before: float) -> str:
    if ours != ours or before != before or before == 0:
        return "-"
    return f"{ours / before:.3f}x" if ours / before < 0.1 else f"{ours / before:.2f}x"


def report(
    results: dict[tuple[str, str], Result], names: Sequence[str], sizes: Sequence[str], args: Any
) -> str:
    """The table, the ratios to the `--before` tree and the budget verdicts."""
    header = ["app", "size", "idle B/s", "urgent idle B/s", "key B med", "key B max"]
    header += ["new B med", "new B max", "focus B"]
    rows: list[list[str]] = []
    for size in sizes:
        for name in names:
            r = results[(name, size)]
            rows.append(
                [
                    name,
                    size,
                    _number(r.idle),
                    _number(r.urgent_idle),
                    _number(median(r.keys)),
                    _number(max(r.keys, default=float("nan"))),
                    _number(median(r.news)),
                    _number(max(r.news, default=float("nan"))),
                    _number(max(r.focus, default=float("nan"))),
                ]
            )
        before = next((n for n in names if n.endswith("(before)")), None)
        if before is not None:
            old = results[(before, size)]
            for name in names:
                if not name.startswith("atp-tui") or name == before:
                    continue
                r = results[(name, size)]
                rows.append(
                    [
                        f"ratio {name} / before",
                        size,
                        _ratio(r.idle, old.idle),
                        _ratio(r.urgent_idle, old.urgent_idle),
                        _ratio(median(r.keys), median(old.keys)),
                        _ratio(max(r.keys), max(old.keys)),
                        _ratio(median(r.news), median(old.news)),
                        _ratio(max(r.news), max(old.news)),
                        _ratio(max(r.focus), max(old.focus)),
                    ]
                )
    lines = [
        f"bandwidth: bytes written to a pty; {OPEN_ITEMS} open notifications (deadlines "
        f"55-65 min ahead; urgent: 2-14 min), idle {args.idle:g} s, {args.keys} keys (j/k), "
        f"{args.news} new notifications, a focus-out and a focus-in, each counted over "
        f"{WINDOW:g} s",
        table(header, rows),
    ]
    if "150x40" in sizes:
        for name in names:
            if not name.startswith("atp-tui") or name.endswith("(before)"):
                continue
            r = results[(name, "150x40")]
            idle_verdict = verdict(r.idle, *IDLE_BUDGET)
            urgent_verdict = verdict(r.urgent_idle, *IDLE_BUDGET)
            key_verdict = verdict(median(r.keys), *KEY_BUDGET)
            lines.append(
                f"budget {name} at 150x40: idle {r.idle:,.0f} B/s (floor ≤ 1,500, goal ≤ 200): "
                f"{idle_verdict}; urgent idle {r.urgent_idle:,.0f} B/s (same budget): "
                f"{urgent_verdict}; key {median(r.keys):,.0f} B (floor ≤ 6,000, goal ≤ 3,000): "
                f"{key_verdict}"
            )
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run every app at every size, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REV", help="also measure atp-tui at this commit")
    parser.add_argument("--sizes", default="150x40,80x24", help="terminal sizes, comma-separated")
    parser.add_argument("--idle", type=float, default=30.0, help="idle seconds measured")
    parser.add_argument("--keys", type=int, default=12, help="cursor keys measured")
    parser.add_argument("--news", type=int, default=4, help="new notifications measured")
    parser.add_argument("--skip-htop", action="store_true", help="leave out the htop baseline")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    atp = [sys.executable, "-m", "atp_tui.cli"]
    variants: list[Variant] = []
    if not args.skip_htop and shutil.which("htop"):
        variants.append(Variant("htop -d 10 (baseline)", ["htop", "-d", "10"], atp=False))
    with contextmanager_or_none(args.before) as old_tree:
        if old_tree is not None:
            name = f"atp-tui {args.before} (before)"
            variants.append(Variant(name, atp, cwd=old_tree, env={"PYTHONPATH": str(old_tree)}))
        variants.append(Variant("atp-tui", atp, cwd=ROOT))
        variants.append(Variant("atp-tui --low-bandwidth", [*atp, "--low-bandwidth"], cwd=ROOT))
        results: dict[tuple[str, str], Result] = {}
        for size in sizes:
            columns, rows = (int(n) for n in size.split("x"))
            for variant in variants:
                print(f"{variant.name} at {size}", file=sys.stderr, flush=True)
                results[(variant.name, size)] = measure(variant, (columns, rows), args)
    print(report(results, [v.name for v in variants], sizes, args))


@contextmanager
def contextmanager_or_none(revision: str | None) -> Iterator[Path | None]:
    """`tree_at(revision)`, or `None` without a revision."""
    if revision is None:
        yield None
        return
    with tree_at(revision) as folder:
        yield folder


if __name__ == "__main__":
    main()
