"""Shared machinery of `bench/burst.py` and `bench/latency.py`: the server, the two apps, the hooks.

Each measurement runs in a fresh client process (`python bench/_tui_harness.py KIND URL COUNT
MODE TIMEOUT`, printing one JSON object), so garbage-collector state, caches and imports of one
run never help or hurt the next; the server (`_paced_server.py`) runs in a process of its own.
Both apps run headless under `App.run_test(size=(140, 40))` with the same hooks:

- **atp-tui** is built with `atp_tui.app.build_app` exactly as the CLI does (real
  `StreamEngine`, real `Store.open` on a temporary directory, settings with the bell off).
- **naive** is the baseline: a Textual app with one `OptionList` (`height: 1fr`) that reads the
  stream with httpx-sse, validates each event with pydantic (the models of
  `_naive_consumer.py`) and appends one option per event, then scrolls to the end
  (`scroll_end(animate=False, immediate=True)`) so the newest row is in view like atp-tui's.

"Painted" is hooked in two places. The list widget's `render_line` (patched on the class, so the
very first rows are seen) reports which `#NNNNNN` row tokens were in the lines it rendered; the
compositor only asks a widget for lines it is about to put on screen, and a line-API list
renders only visible rows. `App._display` (patched on the app) is where every screen update
goes; headless Textual skips the terminal write there, so the hook encodes the update to ANSI
with a true-colour console instead (the same work a terminal run does) and then stamps every
token seen since the last update as painted at that moment. An update held back by
`batch_update` is not stamped. So "painted" = the frame containing the row was ready to be
written to the terminal; the write itself (a syscall) is not included.

"All rows in" = the first painted frame after which the widget holds COUNT rows (plus the
cached ones, when the client opens a copy of a filled store: `burst.py --cached`).

`QUIET` seconds (burst: 3) after all rows are in, the client keeps running and the probe keeps
measuring: the stream is quiet then, and what atp-tui does when it goes quiet (the store's WAL
checkpoint after 1 s, the catch-up summary after 1 s) lands in the measured window too.

Where the longest stall went: atp-tui's store commit and checkpoint, the main screen's batch
(`apply_events`), the inbox's `upsert` and the catch-up summary are wrapped (in this process
only) to note when each call started and ended; the report gives, for the probe's longest
stall, how long each of them ran inside it.

Stalls: a probe task wakes every 10 ms on the app's event loop. `loop` lateness is how late
the sleep returned (the loop was busy); `queue` lateness is how long after the intended tick a
callback posted to the App's message queue (where key presses go) ran: loop lateness plus the
time the queue needed to reach it. Both are reported as the longest in the measured window.

All times are `time.monotonic()`, one clock for every process on Linux and macOS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TOKEN = re.compile(r"#(\d{6})")
SIZE = (140, 40)
PROBE_PERIOD = 0.01
#: After all rows are in, how long to wait for the last ones to be painted.
SETTLE = 0.5
#: What `timed_calls` wraps: (module, class, method, the name the report uses).
TIMED = (
    ("atp_tui.store", "Store", "commit", "commit"),
    ("atp_tui.store", "Store", "checkpoint", "checkpoint"),
    ("atp_tui.screens.main", "MainScreen", "apply_events", "batch"),
    ("atp_tui.widgets.inbox", "InboxList", "upsert", "upsert"),
    ("atp_tui.screens.main", "MainScreen", "_finish_catchup", "catch-up"),
)


# -- the parent side: server, client processes, statistics -------------------------------------


@contextmanager
def paced_server(count: int, interval: float, delay: float = 0.0) -> Iterator[tuple[str, Path]]:
    """Run `_paced_server.py` in its own process; yield its base URL and results folder."""
    with tempfile.TemporaryDirectory(prefix="atp-bench-") as folder:
        results = Path(folder)
        port_file = results / "port"
        command = [sys.executable, str(HERE / "_paced_server.py")]
        command += [str(count), str(interval), str(results), str(port_file), str(delay)]
        server = subprocess.Popen(command)
        try:
            while not port_file.exists() or not port_file.read_text():
                if server.poll() is not None:
                    raise SystemExit("the benchmark server did not start")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port_file.read_text()}", results
        finally:
            server.terminate()
            server.wait(10)


def run_client(
    kind: str,
    url: str,
    results: Path,
    tag: str,
    count: int,
    mode: str,
    timeout: float,
    *,
    cached: Path | None = None,
    quiet: float = 0.0,
    tree: Path | None = None,
) -> dict[str, Any]:
    """One measurement in a fresh process, merged with what the server reported for it.

    `cached`: a filled state dir the client opens a copy of; `quiet`: seconds to keep
    measuring after all rows are in; `tree`: a folder holding another `atp_tui` to run (the
    `--before` tree), put first on the child's `PYTHONPATH`."""
    command = [sys.executable, str(HERE / "_tui_harness.py"), kind, f"{url}/{tag}"]
    command += [str(count), mode, str(timeout), str(cached or ""), str(quiet)]
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout + quiet + 120, env=env
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} client failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report = results / f"{tag}.json"
    for _ in range(100):
        if report.exists():
            break
        time.sleep(0.05)
    result["server"] = json.loads(report.read_text())
    return result


def window_max(samples: list[list[float]], start: float, end: float) -> float:
    """The largest lateness among probe samples whose tick was due in [start, end]."""
    return max((late for due, late in samples if start <= due <= end), default=float("nan"))


def longest_stall(samples: list[list[float]], start: float, end: float) -> tuple[float, float]:
    """(when it began, how long) of the largest lateness due in [start, end]."""
    return max(
        ((due, late) for due, late in samples if start <= due <= end),
        key=lambda sample: sample[1],
        default=(float("nan"), float("nan")),
    )


def time_inside(calls: list[list[Any]], name: str, start: float, end: float) -> float:
    """Seconds that timed calls named `name` ran within [start, end] (`timed_calls`)."""
    return float(
        sum(
            max(0.0, min(stop, end) - max(began, start))
            for called, began, stop in calls
            if called == name
        )
    )


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` quantile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(values: list[float]) -> str:
    """Median of per-run values with their range, in milliseconds: `24 (22–27)`."""
    finite = [value for value in values if value == value]  # drop NaN
    if not finite:
        return "n/a"
    median = statistics.median(finite) * 1000
    if len(finite) == 1:
        return f"{median:.0f}"
    return f"{median:.0f} ({min(finite) * 1000:.0f}–{max(finite) * 1000:.0f})"


def ratio(ours: list[float], baseline: list[float]) -> str:
    """Median of atp-tui over median of the baseline (lower is better for times)."""
    a = [value for value in ours if value == value]
    b = [value for value in baseline if value == value]
    if not a or not b or statistics.median(b) == 0:
        return "n/a"
    return f"{statistics.median(a) / statistics.median(b):.2f}x"


def verdict(value: float, floor: float, goal: float) -> str:
    """`goal met`, `floor met` or `MISSED` for a time (seconds)."""
    if value != value:
        return "n/a"
    if value <= goal:
        return "goal met"
    return "floor met" if value <= floor else "MISSED"


# -- the client side: apps and hooks (runs in the child process) -------------------------------


class Recorder:
    """Collects row tokens from rendered lines and stamps them at the next screen update."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.rows: Callable[[], int] = lambda: 0
        self.pending: set[int] = set()
        self.painted: dict[int, float] = {}
        self.all_in: float | None = None
        self.displays = 0
        self.done = asyncio.Event()
        self.all_painted = asyncio.Event()
        self._console: Any = None

    def saw(self, text: str) -> None:
        """A rendered line of the list widget."""
        match = TOKEN.search(text)
        if match:
            self.pending.add(int(match.group(1)))

    def displayed(self, update: Any) -> None:
        """A screen update left the compositor: encode it like a terminal run, then stamp."""
        from rich.console import Console
        from textual._compositor import CompositorUpdate

        if isinstance(update, CompositorUpdate):
            if self._console is None:
                self._console = Console(
                    file=StringIO(), color_system="truecolor", force_terminal=True
                )
            update.render_segments(self._console)
        now = time.monotonic()
        self.displays += 1
        for row in self.pending:
            self.painted.setdefault(row, now)
        self.pending.clear()
        if self.all_in is None and self.rows() >= self.count:
            self.all_in = now
        if self.all_in is not None:
            self.done.set()
            if len(self.painted) >= self.count:
                self.all_painted.set()


def hook_widget(cls: Any, recorder: Recorder) -> None:
    """Report every line `cls.render_line` renders to `recorder` (patched on the class)."""
    original = cls.render_line

    def render_line(self: Any, y: int) -> Any:
        strip = original(self, y)
        recorder.saw(strip.text)
        return strip

    cls.render_line = render_line


def hook_app(app: Any, recorder: Recorder) -> None:
    """Report every screen update the app displays to `recorder`."""
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is not None and not app._batch_count:
            recorder.displayed(renderable)

    app._display = display


def timed_calls(calls: list[list[Any]]) -> None:
    """Note `[name, start, end]` in `calls` for every call of the `TIMED` methods."""
    import importlib

    for module_name, class_name, method, name in TIMED:
        cls = getattr(importlib.import_module(module_name), class_name, None)
        original = getattr(cls, method, None)
        if original is None:
            continue

        def wrapper(*args: Any, _original: Any = original, _name: str = name, **kw: Any) -> Any:
            began = time.monotonic()
            try:
                return _original(*args, **kw)
            finally:
                calls.append([_name, began, time.monotonic()])

        setattr(cls, method, wrapper)


def naive_app(url: str) -> Any:
    """The baseline app (see the module docstring)."""
    import httpx
    import httpx_sse
    from _naive_consumer import Notification
    from rich.text import Text
    from textual import work
    from textual.app import App, ComposeResult
    from textual.widgets import OptionList
    from textual.widgets.option_list import Option

    class NaiveApp(App[None]):
        CSS = "OptionList { height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield OptionList()

        def on_mount(self) -> None:
            self.consume()

        @work(exclusive=True)
        async def consume(self) -> None:
            inbox = self.query_one(OptionList)
            async with (
                httpx.AsyncClient(timeout=None) as client,
                httpx_sse.aconnect_sse(client, "GET", url + "/api/v1/client/events") as source,
            ):
                async for event in source.aiter_sse():
                    if event.event != "notification":
                        continue
                    note = Notification.model_validate_json(event.data)
                    inbox.add_option(Option(Text(note.context.title)))
                    inbox.scroll_end(animate=False, immediate=True)

    return NaiveApp()


async def measure(
    kind: str,
    url: str,
    count: int,
    mode: str,
    timeout: float,
    cached: str = "",
    quiet: float = 0.0,
) -> dict[str, Any]:
    """Run one app until every row is in (burst) or painted (latency), then `quiet` seconds
    more; return the raw data."""
    recorder = Recorder(count)
    calls: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="atp-bench-state-") as folder:
        store = None
        if kind == "atp":
            import atp_tui
            from atp_tui.app import build_app
            from atp_tui.settings import Settings
            from atp_tui.store import Store
            from atp_tui.widgets.inbox import InboxList

            hook_widget(InboxList, recorder)
            timed_calls(calls)
            state = Path(folder) / "state"
            if cached:
                shutil.copytree(cached, state)
            store = Store.open(state)
            recorder.count = count + len(store.load_notifications())
            print(f"atp_tui from {Path(atp_tui.__file__).parent}", file=sys.stderr)
            app: Any = build_app(
                server=url,
                token="bench",
                store=store,
                settings=Settings(bell="off"),
                bell_on_new=False,
            )
            recorder.rows = lambda: app.main.inbox.total if app._main is not None else 0
        else:
            from textual.widgets import OptionList

            hook_widget(OptionList, recorder)
            app = naive_app(url)

            def rows() -> int:
                found = app.query(OptionList)
                return found.first().option_count if found else 0

            recorder.rows = rows
        hook_app(app, recorder)
        loop_late: list[list[float]] = []
        queue_late: list[list[float]] = []
        probe = asyncio.create_task(_probe(app, loop_late, queue_late))
        try:
            async with app.run_test(size=SIZE):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(recorder.done.wait(), timeout)
                if mode == "latency":
                    # Rows pushed out of view before any frame showed them stay unpainted.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(recorder.all_painted.wait(), SETTLE)
                rows_at_end = recorder.rows()
                if quiet > 0:
                    await asyncio.sleep(quiet)
                ended = time.monotonic()
        finally:
            probe.cancel()
            if store is not None:
                store.close()
    return {
        "kind": kind,
        "painted": {str(row): at for row, at in recorder.painted.items()},
        "all_in": recorder.all_in,
        "rows_at_end": rows_at_end,
        "displays": recorder.displays,
        "batches": getattr(app, "batches", None),
        "loop": loop_late,
        "queue": queue_late,
        "calls": calls,
        "ended": ended,
    }


async def _probe(app: Any, loop_late: list[list[float]], queue_late: list[list[float]]) -> None:
    """Tick every `PROBE_PERIOD`; record how late the loop and the App's queue were."""
    due = time.monotonic() + PROBE_PERIOD
    while True:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        woke = time.monotonic()
        loop_late.append([due, woke - due])
        if app.is_running:

            def ran(due: float = due) -> None:
                queue_late.append([due, time.monotonic() - due])

            app.call_later(ran)
        due = max(due, woke) + PROBE_PERIOD


def main() -> None:
    """Child process: `KIND URL COUNT MODE TIMEOUT [CACHED_DIR QUIET]`, prints one JSON object."""
    kind, url, count, mode, timeout = sys.argv[1:6]
    cached, quiet = (sys.argv[6], sys.argv[7]) if len(sys.argv) > 7 else ("", "0")
    result = asyncio.run(measure(kind, url, int(count), mode, float(timeout), cached, float(quiet)))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
