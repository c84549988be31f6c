"""Shared by `navigate.py`, `startup.py` and `memory.py`: the data and the process runner.

* `notification_json(i)`: the ~1.5 KB notification of `_stream_server.py` (the payload
  `ingest.py` measures), with times relative to now and deadlines spread over two days;
  `notification_json(i, varied=True)`: realistic, varied content instead (`varied_body`:
  services, projects, titles, descriptions of 1 to ~60 lines, 1–5 actions of every type).
* `fill_store(dir, n)`: a real SQLite store (`Store.open`) holding `n` of them, as a TUI that
  received them earlier leaves it behind.
* `Terminal` (from `_terminal.py`): runs a command in a fresh process on a pseudo-terminal,
  times the first frame from the bytes the app writes, finds text on the screen, and reads the
  process's peak RSS;
  `bench_env` is its environment (isolated config, cached bytecode), `warm_up` fills that
  bytecode cache.
* `reference_server()` / `stream_server(n)`: `atp-tui server`, or `_stream_server.py`
  replaying n notifications, each in a process of its own.
* `percentile`, `median`, `table`, `verdict`: what the scripts print.
* `HELLO_APP` / `OPTIONLIST_APP`: the baseline programs (bare Textual, and the naive inbox: a
  pydantic model per notification and a Textual `OptionList`), run with `python -c`.
"""

from __future__ import annotations

import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _stream_server import notification as _stream_notification  # noqa: E402

#: The user token of the reference server the benchmarks start.
TOKEN = "bench-token"
from _terminal import COLUMNS as COLUMNS  # noqa: E402  (re-exported)
from _terminal import ROWS as ROWS  # noqa: E402
from _terminal import Terminal as Terminal  # noqa: E402

# -- data -------------------------------------------------------------------------------


def notification_body(i: int, now: datetime | None = None) -> dict[str, Any]:
    """Notification `i`: created up to a day ago, deadline from 10 min to two days ahead."""
    now = now or datetime.now(UTC)
    body = _stream_notification(i)
    body["timestamp"] = (now - timedelta(seconds=(i * 7919) % 86_400)).isoformat()
    body["deadline"] = (now + timedelta(seconds=600 + (i * 104_729) % 172_800)).isoformat()
    return body


def notification_json(i: int, now: datetime | None = None, *, varied: bool = False) -> str:
    """`notification_body(i)` (or `varied_body(i)`) as the JSON text a server sends."""
    body = varied_body(i, now) if varied else notification_body(i, now)
    return json.dumps(body, separators=(",", ":"))


_SERVICES = ("deploy-bot", "db-migrator", "code-review", "cost-watch", "oncall-triage", "support")
_PROJECTS = ("checkout", "payments", "search", "mobile-app", "data-platform", None)
_TITLES = (
    "Promote {p} {v} to production?",
    "Approve schema migration {n} on {p}",
    "Merge PR #{n}: refactor the {p} retry loop",
    "Monthly spend on {p} is {n} % over budget: scale down?",
    "Page the secondary on-call for {p}?",
    "Refund order {n} (customer asked twice)",
    "Rotate the {p} API key before it expires",
    "Which region should {p} fail over to?",
)
_SENTENCES = (
    "Staging has been green for {n} hours and the canary error rate is 0.{n} %.",
    "The migration adds a nullable column and backfills {n} rows in batches of 1,000.",
    "Two reviewers approved; the third asked about the timeout change in `client.py`.",
    "p99 latency rose from 180 ms to {n} ms after the last deploy; rollback is ready.",
    "Customer wrote: “I was charged twice for order {n}, please fix this today.”",
    "The key is used by {n} services; the new one is already in the vault.",
    "Traffic in eu-west is at {n} % of capacity; us-east has headroom.",
    "See the dashboard for details. Nothing else changed since yesterday.",
)
_BULLETS = ("- checks: {n} passed, 0 failed", "- owner: @team-{p}", "- ticket: OPS-{n}")
_ACTIONS: tuple[dict[str, Any], ...] = (
    {"id": "approve", "label": "Approve", "response_type": "simple", "flags": ["irreversible"]},
    {"id": "reject", "label": "Reject", "response_type": "simple"},
    {"id": "confirm", "label": "Go ahead?", "response_type": "binary"},
    {
        "id": "defer",
        "label": "Defer",
        "response_type": "choice",
        "options": [{"value": v, "label": v} for v in ("1 hour", "4 hours", "1 day", "1 week")],
    },
    {
        "id": "regions",
        "label": "Regions",
        "response_type": "multi_choice",
        "options": ["eu-west", "eu-central", "us-east", "us-west", "ap-south"],
        "constraints": {"min_selections": 1, "max_selections": 2},
    },
    {
        "id": "why",
        "label": "Reply with a reason",
        "response_type": "text",
        "constraints": {"max_length": 500, "multiline": True},
    },
    {
        "id": "replicas",
        "label": "Replicas",
        "response_type": "number",
        "constraints": {"min": 1, "max": 20, "integer": True},
    },
    {"id": "when", "label": "Reschedule", "response_type": "date"},
)


def varied_body(i: int, now: datetime | None = None) -> dict[str, Any]:
    """Notification `i` with realistic, varied content (the same for the same `i`): one of six
    services and projects, a title of 25–70 characters, a description of one sentence to
    about 60 lines (paragraphs and bullet lists), 1–5 actions of every response type."""
    rng = random.Random(i)
    body = notification_body(i, now)
    project = rng.choice(_PROJECTS)
    words = {"p": project or "core", "n": rng.randrange(2, 9999), "v": f"2.{i % 50}.{i % 7}"}
    paragraphs = []
    for _ in range(rng.choice((1, 1, 1, 2, 3, 5, 8, 12))):
        sentences = rng.choices(_SENTENCES, k=rng.randint(1, 5))
        paragraphs.append(" ".join(sentence.format(**words) for sentence in sentences))
        if rng.random() < 0.3:
            paragraphs.append("\n".join(b.format(**words) for b in rng.sample(_BULLETS, 3)))
    service = rng.choice(_SERVICES)
    body["service"] = {"id": service, "name": service}
    body["context"] = {
        "title": rng.choice(_TITLES).format(**words),
        "description": "\n\n".join(paragraphs),
        "project": project,
        "metadata": {"priority": rng.choice(("low", "normal", "high")), "run": words["n"]},
    }
    body["actions"] = rng.sample(_ACTIONS, rng.randint(1, 5))
    return body


def add_notifications(store: Any, count: int) -> None:
    """Notifications 1…`count` (as the paced server sends them) into `store`, committed in
    chunks of 5,000."""
    from atp_tui.protocol import Notification

    now = datetime.now(UTC)
    for i in range(1, count + 1):
        raw = notification_json(i, now)
        store.add_notification(Notification.model_validate_json(raw), str(i), raw_json=raw)
        if i % 5000 == 0:
            store.commit()
    store.commit()


def fill_store(state_dir: Path, count: int) -> Path:
    """A real store in `state_dir` holding `count` notifications (reused if it already does)."""
    from atp_tui.store import Store

    marker = state_dir / f"filled-{count}"
    if marker.exists():
        return state_dir
    store = Store.open(state_dir)
    try:
        add_notifications(store, count)
        store.set_cursor(str(count))
        store.commit()
    finally:
        store.close()
    marker.touch()
    return state_dir


def write_jsonl(path: Path, count: int) -> Path:
    """`count` notifications as JSON lines (what the naive baseline app reads)."""
    if not path.exists():
        now = datetime.now(UTC)
        path.write_text("".join(notification_json(i, now) + "\n" for i in range(1, count + 1)))
    return path


# -- statistics and tables --------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` percentile by the nearest-rank method (p99 of 100 samples = 99th)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    """The median (NaN for no values)."""
    values = list(values)
    return statistics.median(values) if values else math.nan


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in header], *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        parts = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(parts))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(value: float, floor: float, goal: float) -> str:
    """'goal', 'floor' or 'MISS' for a smaller-is-better value."""
    if value <= goal:
        return "goal"
    return "floor" if value <= floor else "MISS"


# -- processes on a pseudo-terminal ------------------------------------------------------


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: a real-looking terminal, no user config or state.

    Bytecode is cached (in a directory of its own, not in the source tree) even where
    `PYTHONDONTWRITEBYTECODE` is set: an installed package starts from compiled bytecode, and
    compiling atp-tui's modules on every start would add ~100 ms that no user pays. Call
    `warm_up` once before timing, so that the cache is filled.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ATP_", "TEXTUAL"))
        and key not in ("COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")
    }
    isolated = Path(os.environ.get("TMPDIR", "/tmp")) / "atp-tui-bench-home"
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        XDG_CONFIG_HOME=str(isolated / "config"),
        XDG_STATE_HOME=str(isolated / "state"),
        PYTHONPYCACHEPREFIX=str(isolated / "pycache"),
    )
    env.update(extra)
    return env


def warm_up(url: str, folder: Path) -> None:
    """Start the hello app and atp-tui once each (untimed), to fill the bytecode cache."""
    with Terminal([sys.executable, "-c", HELLO_APP], bench_env()) as terminal:
        terminal.wait_for_text("Hello, world")
    command = [sys.executable, "-m", "atp_tui.cli", "--server", url]
    command += ["--state-dir", str(folder / "warm-up")]
    with Terminal(command, bench_env(ATP_TOKEN=TOKEN)) as terminal:
        terminal.wait_for_text("● connected")


@contextmanager
def reference_server() -> Iterator[str]:
    """`atp-tui server` on a free loopback port, in its own process; yields the URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "atp_tui.cli", "server", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--token", TOKEN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=bench_env(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the reference server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


@contextmanager
def stream_server(count: int, folder: Path, first: int = 1) -> Iterator[str]:
    """`_stream_server.py` replaying `count` notifications (numbers `first`…) to every client;
    yields the URL."""
    port_file = folder / f"stream-port-{count}-{first}"
    command = [sys.executable, str(HERE / "_stream_server.py"), str(count), str(port_file)]
    server = subprocess.Popen([*command, str(first)])
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the stream server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        server.terminate()
        server.wait(10)


# -- baseline programs (run as `python -c SOURCE args`) -----------------------------------

HELLO_APP = """\
from textual.app import App, ComposeResult
from textual.widgets import Static


class Hello(App):
    def compose(self) -> ComposeResult:
        yield Static("Hello, world")


Hello().run()
"""

#: The naive inbox: the obvious pydantic models (`_naive_consumer.py`) for every
#: notification, one `OptionList` option per notification, `height: 1fr`.
OPTIONLIST_APP = """\
import sys

sys.path.insert(0, sys.argv[2])
from _naive_consumer import Notification
from textual.app import App, ComposeResult
from textual.widgets import OptionList


class Naive(App):
    CSS = "OptionList { height: 1fr; }"

    def __init__(self, items):
        super().__init__()
        self.items = items

    def compose(self) -> ComposeResult:
        yield OptionList(*(f"{n.service.name}  {n.context.title}" for n in self.items))


with open(sys.argv[1], encoding="utf-8") as lines:
    items = [Notification.model_validate_json(line) for line in lines]
Naive(items).run()
"""
