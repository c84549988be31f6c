"""Navigate: a cursor key and one new notification at 1k, 10k and 50k items, atp-tui vs OptionList.

Both apps run headless in this process at 120×40, one after the other in every run. The
notifications have realistic, varied content (`_inbox_fixture.varied_body`: six services and
projects, titles of varied length, descriptions from one sentence to ~60 lines, 1–5 actions of
every type), so the detail pane's layout changes from key to key as it does in use;
`--content uniform` uses the ~1.5 KB notification of the other benchmarks instead (the same
24-sentence description and 3 actions every time, which the detail pane redraws cheaply). The
baseline is the obvious widget for the job, Textual's `OptionList` (`height: 1fr`, one option
per notification); atp-tui is the real app from `build_app`, opened on an in-memory store
holding the notifications, with an idle stream engine.

What is timed is the work, not the waiting: `pilot.press` sleeps ≥ 40 ms by itself, and
Textual paints at most 60 times a second, so wall time would mostly measure the frame pacing.
Each operation is timed as CPU time of the event-loop thread (`time.thread_time`) from posting
it until the end of the last frame it caused, the repaint included:

* key: a `down` key event posted to the app as the terminal driver posts it (bindings, the
  cursor action, the messages it sends, the screen's handlers, layout and the repaint); the
  cursor starts on the first row, so the first ~35 keys of a run move it within the view and
  the rest scroll;
* append: what the app does when the engine delivers one notification (atp-tui: store it and
  `apply_events([...])`, exactly what the frame flush does; OptionList: `add_option`);
* tick (atp-tui only): the clock tick the main screen runs once a second.

An operation ends with the last frame that follows within `FOLLOW_SECONDS` of the previous
one (work deferred longer than that, e.g. a debounced detail pane, is not counted). A frame
ends in `App._display`; headless Textual skips turning the update into terminal
bytes, so the probe does that too (`render_segments`), as a real terminal would need. The
cyclic GC is frozen after the inbox is built (as atp-tui's engine does after each stored
batch) for both apps, so a collection does not land at random in one of them.

`--before REV` also measures atp-tui as it was at REV (that commit's `atp_tui/`, extracted
with `git archive`), in a child process that has it first on its path, once per run right
after this tree's run, so that both see the same machine; its rows and the ratio
atp-tui / before are added to the table.

    python bench/navigate.py [--sizes 1000,10000,50000] [--runs 3] [--keys 60] [--appends 15]
                             [--content varied|uniform] [--before REV]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _before import tree_at
from _inbox_fixture import (
    COLUMNS,
    ROWS,
    median,
    notification_json,
    percentile,
    table,
    verdict,
)
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from atp_tui.app import AtpApp, build_app
from atp_tui.client.events import EngineEvent, NotificationReceived
from atp_tui.protocol import Notification
from atp_tui.store import Store

HERE = Path(__file__).resolve().parent
#: After the first frame an operation caused, how long to wait for follow-up frames.
FOLLOW_SECONDS = 0.05


class FrameProbe:
    """Wraps `App._display`: counts frames and notes the thread's CPU time at each one's end."""

    def __init__(self, app: App[Any]) -> None:
        self.frames = 0
        self.cpu_at_frame = 0.0
        self.painted = asyncio.Event()
        original = app._display
        console = app.console

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            if app.is_headless and hasattr(renderable, "render_segments"):
                renderable.render_segments(console)  # the terminal bytes a real run writes
            self.frames += 1
            self.cpu_at_frame = time.thread_time()
            self.painted.set()

        app._display = display  # type: ignore[method-assign]

    async def measure(self, operation: Callable[[], object]) -> float | None:
        """CPU seconds from `operation()` to the end of its last frame; None if none came."""
        await asyncio.sleep(FOLLOW_SECONDS)  # start from a quiet loop
        self.painted.clear()
        start = time.thread_time()
        operation()
        try:
            await asyncio.wait_for(self.painted.wait(), 2.0)
        except TimeoutError:
            return None
        seen = -1
        while seen != self.frames:  # until no further frame follows within FOLLOW_SECONDS
            seen = self.frames
            await asyncio.sleep(FOLLOW_SECONDS)
        return self.cpu_at_frame - start


def press(app: App[Any], key: str) -> Callable[[], None]:
    """An operation posting a key event the way the terminal driver does."""

    def operation() -> None:
        event = events.Key(key, None)
        event.set_sender(app)
        app.post_message(event)

    return operation


# -- the two apps ------------------------------------------------------------------------


class NaiveInbox(App[None]):
    """The baseline: one `OptionList` option per notification."""

    CSS = "OptionList { height: 1fr; }"

    def __init__(self, items: Sequence[Notification]) -> None:
        super().__init__()
        self._items = items

    def compose(self) -> ComposeResult:
        """The list, focused (it is the only focusable widget)."""
        yield OptionList(*(_prompt(item) for item in self._items))

    def append(self, item: Notification) -> None:
        """Show one more notification."""
        self.query_one(OptionList).add_option(_prompt(item))


def _prompt(item: Notification) -> str:
    return f"{item.service.name}  {item.context.project or ''}  {item.context.title}"


class IdleEngine:
    """A stream engine that delivers nothing (the inbox comes from the store)."""

    def __init__(self) -> None:
        self._stopped = asyncio.Event()

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Wait for `stop()`; yield nothing."""
        await self._stopped.wait()
        return
        yield  # an async generator

    def reconnect_now(self) -> None:
        """Nothing to reconnect."""

    def stop(self) -> None:
        """End `events()`."""
        self._stopped.set()


class NoRespond:
    """A respond client that is never called here."""

    async def respond(self, *args: Any, **kwargs: Any) -> Any:
        """Not used by this benchmark."""
        raise NotImplementedError

    def is_pending(self, notification_id: str) -> bool:
        """Nothing is ever pending."""
        return False

    async def aclose(self) -> None:
        """Nothing to close."""


def atp_app(items: Sequence[Notification]) -> tuple[AtpApp, Store]:
    """The real app on an in-memory store that holds `items` (the cached-inbox start)."""
    store = Store.in_memory()
    for n, item in enumerate(items, start=1):
        store.add_notification(item, str(n))
    store.commit()
    app = build_app(
        server="http://127.0.0.1:9",
        token="bench",
        store=store,
        engine=IdleEngine(),
        respond=NoRespond(),
        bell_on_new=False,
        cursor_blink=False,
        ticking=False,  # the 1 s tick is timed on its own, not inside key presses
    )
    return app, store


# -- one run -----------------------------------------------------------------------------


@dataclass
class Samples:
    """CPU seconds per operation for one app at one size, one list per run."""

    keys: list[list[float]] = field(default_factory=list)
    appends: list[list[float]] = field(default_factory=list)
    ticks: list[list[float]] = field(default_factory=list)
    missing: int = 0

    KINDS: ClassVar[tuple[str, ...]] = ("keys", "appends", "ticks")


async def _measure_app(
    app: App[Any],
    ready: Callable[[], bool],
    append: Callable[[int], None],
    tick: Callable[[], None] | None,
    samples: Samples,
    keys: int,
    appends: int,
) -> None:
    """Run `app` headless until `ready()`, then time the keys, appends and ticks."""
    async with app.run_test(size=(COLUMNS, ROWS)) as pilot:
        probe = FrameProbe(app)
        deadline = time.monotonic() + 120
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{type(app).__name__} did not show its rows")
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        gc.collect()
        gc.freeze()
        run: dict[str, list[float]] = {kind: [] for kind in Samples.KINDS}
        operations: list[tuple[str, Callable[[], object]]] = [
            ("keys", press(app, "down")) for _ in range(keys)
        ]
        operations += [("appends", partial(append, n)) for n in range(appends)]
        if tick is not None:
            operations += [("ticks", tick) for _ in range(max(5, appends // 2))]
        for kind, operation in operations:
            seconds = await probe.measure(operation)
            if seconds is None:
                samples.missing += 1
            else:
                run[kind].append(seconds)
        for kind in Samples.KINDS:
            if run[kind]:
                getattr(samples, kind).append(run[kind])
    gc.unfreeze()
    gc.collect()


async def run_once(
    size: int,
    items: Sequence[Notification],
    extra: Sequence[Notification],
    results: dict[tuple[int, str], Samples],
    keys: int,
    appends: int,
) -> None:
    """One run at one size: the baseline, then atp-tui."""
    await _run_baseline(
        size, items, extra, results.setdefault((size, "baseline"), Samples()), keys, appends
    )
    await _run_atp(
        size, items, extra, results.setdefault((size, "atp-tui"), Samples()), keys, appends
    )


async def _run_baseline(
    size: int,
    items: Sequence[Notification],
    extra: Sequence[Notification],
    samples: Samples,
    keys: int,
    appends: int,
) -> None:
    """The OptionList app holding `size` items."""
    naive = NaiveInbox(items[:size])

    def ready() -> bool:
        return naive.query_one(OptionList).option_count == size

    def append(n: int) -> None:
        naive.append(extra[n])

    await _measure_app(naive, ready, append, None, samples, keys, appends)


async def _run_atp(
    size: int,
    items: Sequence[Notification],
    extra: Sequence[Notification],
    samples: Samples,
    keys: int,
    appends: int,
) -> None:
    """atp-tui holding `size` items."""
    app, store = atp_app(items[:size])

    def ready() -> bool:
        return app._main is not None and app.main.inbox.row_count == size

    def append(n: int) -> None:
        item = extra[n]
        event_id = f"x{n}"
        store.add_notification(item, event_id)  # the engine stores before it yields
        app.main.apply_events([NotificationReceived(item, event_id)])

    def tick() -> None:
        app.main.tick()

    await _measure_app(app, ready, append, tick, samples, keys, appends)
    store.close()


# -- report ------------------------------------------------------------------------------


def _stat(runs: list[list[float]], which: str) -> float:
    """In milliseconds: the median of the runs' medians, or the p99 of all runs' samples."""
    if which == "median":
        return median(median(run) for run in runs) * 1000
    return percentile([value for run in runs for value in run], 0.99) * 1000


def _ratios(ours: Samples, other: Samples) -> list[str]:
    """Key and append median and p99 of `ours` over `other`'s."""
    kinds = [(kind, which) for kind in ("keys", "appends") for which in ("median", "p99")]
    return [f"{_stat(getattr(ours, k), w) / _stat(getattr(other, k), w):.2f}x" for k, w in kinds]


def report(results: dict[tuple[int, str], Samples], sizes: Sequence[int], args: Any) -> str:
    """The table, the ratios and the budget verdicts."""
    rows: list[list[object]] = []
    for size in sizes:
        base, ours = results[(size, "baseline")], results[(size, "atp-tui")]
        apps = [("OptionList (baseline)", base), ("atp-tui", ours)]
        old = results.get((size, "before"))
        if old is not None:
            apps.append((f"atp-tui {args.before} (before)", old))
        for name, samples in apps:
            rows.append(
                [
                    f"{size:,} {name}",
                    f"{_stat(samples.keys, 'median'):.1f}",
                    f"{_stat(samples.keys, 'p99'):.1f}",
                    f"{_stat(samples.appends, 'median'):.1f}",
                    f"{_stat(samples.appends, 'p99'):.1f}",
                    f"{_stat(samples.ticks, 'median'):.1f}" if samples.ticks else "-",
                ]
            )
        rows.append([f"{size:,} ratio atp-tui/baseline", *_ratios(ours, base), ""])
        if old is not None:
            rows.append([f"{size:,} ratio atp-tui/before", *_ratios(ours, old), ""])
    header = ["items / app", "key med", "key p99", "append med", "append p99", "tick med"]
    lines = [
        f"navigate: CPU ms per operation, repaint included; {args.content} content; "
        f"{COLUMNS}x{ROWS} headless; "
        f"med = median of {args.runs} runs' medians, p99 = over all runs' samples "
        f"({args.keys} keys, {args.appends} appends per run)",
        table(header, rows),
        "",
        "budget (floor / goal, issue #12: set for 50,000 items, varied content) for atp-tui:",
    ]
    for size in sizes:
        ours = results[(size, "atp-tui")]
        key_med, key_p99 = _stat(ours.keys, "median"), _stat(ours.keys, "p99")
        lines.append(
            f"  {size:>6,} key median {key_med:6.1f} ms (≤ 20 / 10): "
            f"{verdict(key_med, 20, 10):5}  p99 {key_p99:6.1f} ms (≤ 40 / 20): "
            f"{verdict(key_p99, 40, 20)}"
        )
    small, large = results[(sizes[0], "atp-tui")], results[(sizes[-1], "atp-tui")]
    growth = _stat(large.appends, "median") / _stat(small.appends, "median")
    largest = _stat(large.appends, "median")
    lines.append(
        f"  append at {sizes[-1]:,} / at {sizes[0]:,}: {growth:.2f}x (floor ≤ 2x: "
        f"{'met' if growth <= 2 else 'MISS'}); append at {sizes[-1]:,} {largest:.1f} ms "
        f"(goal ≤ 5 ms: {'met' if largest <= 5 else 'MISS'})"
    )
    missing = sum(samples.missing for samples in results.values())
    if missing:
        lines.append(f"  ({missing} operations caused no frame within 2 s and were left out)")
    return "\n".join(lines)


def build_items(first: int, count: int, *, varied: bool) -> list[Notification]:
    """Notifications `first` … `first + count - 1`, parsed once and shared by all runs."""
    now = datetime.now(UTC)
    return [
        Notification.model_validate_json(notification_json(i, now, varied=varied))
        for i in range(first, first + count)
    ]


def run_before(tree: Path, args: Any, results: dict[tuple[int, str], Samples]) -> None:
    """One run of atp-tui as it was (the tree at `--before`) in a child process; its samples
    join `results` under "before"."""
    command = [sys.executable, str(HERE / "navigate.py"), "--child", "--sizes", args.sizes]
    command += ["--keys", str(args.keys), "--appends", str(args.appends)]
    command += ["--content", args.content]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the --before run failed:\n{done.stderr[-3000:]}")
    sys.stderr.write(done.stderr)
    for size, kinds in json.loads(done.stdout.strip().splitlines()[-1]).items():
        samples = results.setdefault((int(size), "before"), Samples())
        for kind in Samples.KINDS:
            if kinds[kind]:
                getattr(samples, kind).append(kinds[kind])
        samples.missing += kinds["missing"]


def child(args: Any, sizes: Sequence[int]) -> None:
    """`--child`: one run of atp-tui alone (whichever `atp_tui` is first on the path) at
    each size; prints the samples as one JSON line."""
    import atp_tui

    print(f"--before: atp_tui from {Path(atp_tui.__file__).parent}", file=sys.stderr)
    varied = args.content == "varied"
    items = build_items(1, sizes[-1], varied=varied)
    extra = build_items(sizes[-1] + 1, args.appends, varied=varied)
    gc.collect()
    gc.freeze()
    results: dict[tuple[int, str], Samples] = {}
    for size in sizes:
        samples = results.setdefault((size, "atp-tui"), Samples())
        asyncio.run(_run_atp(size, items, extra, samples, args.keys, args.appends))
        gc.freeze()
    out = {
        str(size): {
            **{kind: (getattr(samples, kind) or [[]])[0] for kind in Samples.KINDS},
            "missing": samples.missing,
        }
        for (size, _), samples in results.items()
    }
    print(json.dumps(out))


def main() -> None:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, default=60, help="down keys timed per run")
    parser.add_argument("--appends", type=int, default=15, help="appends timed per run")
    parser.add_argument("--content", choices=("varied", "uniform"), default="varied")
    parser.add_argument("--before", metavar="REV", help="also measure atp-tui at this commit")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    varied = args.content == "varied"
    sizes = sorted(int(size) for size in args.sizes.split(","))
    if args.child:
        child(args, sizes)
        return
    started = time.perf_counter()
    items = build_items(1, sizes[-1], varied=varied)
    extra = build_items(sizes[-1] + 1, args.appends, varied=varied)
    gc.collect()
    gc.freeze()  # the shared fixture is long-lived in both apps
    results: dict[tuple[int, str], Samples] = {}
    with tree_at(args.before) if args.before else nullcontext(None) as old:
        for run in range(args.runs):
            for size in sizes:
                print(f"run {run + 1}/{args.runs}: {size:,} items", file=sys.stderr, flush=True)
                asyncio.run(run_once(size, items, extra, results, args.keys, args.appends))
                gc.freeze()
            if old is not None:
                print(f"run {run + 1}/{args.runs}: {args.before}", file=sys.stderr, flush=True)
                run_before(old, args, results)
    print(report(results, sizes, args))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
