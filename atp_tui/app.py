"""`AtpApp`: owns the app-lifetime things (store, engine worker, respond client, clock) only.

The stream engine runs in one async worker; its events are collected and handed to the main
screen at most once per frame (`FRAME_SECONDS`), so a 10,000-event replay becomes one batch per
frame rather than 10,000 redraws, and a lone event is shown in the next frame.
`build_app` is the one factory: the CLI (`atp_tui.commands.tui`), the tests and the screenshot
script all build the app through it and hand in what they need (a fake engine, a frozen clock, an
in-memory store).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from rich.console import RenderableType
from textual import events, work
from textual._compositor import ChopsUpdate
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import Reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from atp_tui.client.events import ConnectionChanged, ConnectionState, EngineEvent
from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.protocol.text import sanitize
from atp_tui.screens.escape_keys import install_escape_first_parser
from atp_tui.screens.key_order import KeySequencer, Typed, is_typed
from atp_tui.screens.main import READ_DELAY, MainScreen
from atp_tui.screens.palette import AnswerCommands, screen_commands
from atp_tui.settings import ConfigProblem, Settings, did_you_mean
from atp_tui.store import StateWriteError, Store
from atp_tui.view.glyphs import choose_glyphs, plain_colour
from atp_tui.view.terminal_notify import TerminalNotifier
from atp_tui.widgets.cropped_update import CroppedChopsUpdate

log = logging.getLogger(__name__)

#: The shortest time between two batches of engine events: one frame at Textual's 60 fps.
#: Measured with bench/latency.py and bench/burst.py: 1/30 s added its wait to every row's
#: latency without speeding up a replay (whose pace is set by how long a frame takes); 1/120
#: and 1/240 s were no better than 1/60; waiting for the last batch to be painted was worse.
FRAME_SECONDS = 1 / 60
#: While a burst lasts (the last batch held at least `BURST_EVENTS` events), batches come at
#: most this often instead: on a real terminal every batch is a frame of rows written out
#: (the headless benchmarks do not write them), and ten a second of a 10,000-event replay
#: show it as well as sixty while leaving the stream most of the loop. A lone notification
#: still shows within a frame.
BURST_FRAME_SECONDS = 0.1
BURST_EVENTS = 50


class EngineLike(Protocol):
    """What the app needs from a stream engine (`StreamEngine`, or a fake in tests)."""

    def events(self) -> AsyncIterator[EngineEvent]:
        """Yield events until `stop()`."""
        ...

    def reconnect_now(self) -> None:
        """Try again now."""

    def stop(self) -> None:
        """End `events()`."""


class RespondLike(Protocol):
    """What the app needs from a respond client (`RespondClient`, or a fake in tests)."""

    async def respond(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        *,
        on_retry: Any = None,
        closed: Any = None,
    ) -> Any:
        """Send one answer and return its outcome."""
        ...

    def is_pending(self, notification_id: str) -> bool:
        """Whether an answer to this notification is in flight."""
        ...

    async def settle_unfinished(self, notification_id: str) -> Any:
        """Check an answer a previous run left without an outcome; `None`: nothing to do."""
        ...

    async def aclose(self) -> None:
        """Close connections."""


@dataclass(frozen=True)
class AppOptions:
    """How the app runs beyond its settings: where the settings came from, and the switches
    tests and benchmarks turn (`build_app` takes them as keywords)."""

    #: The active profile (status bar; the settings screen saves into it).
    profile: str | None = None
    #: The settings file the settings came from (the settings screen writes it).
    config_path: Path | None = None
    #: Configuration problems, shown as one notice at start.
    problems: tuple[ConfigProblem, ...] = ()
    #: The clock for countdowns and timers (tests freeze it).
    clock: Clock | None = None
    #: Ring the terminal bell for new notifications that ask for it.
    bell_on_new: bool = True
    #: Blinking text cursors (off in snapshots: a blink mid-shot differs).
    cursor_blink: bool = True
    #: The one-second clock tick (off where a test drives time itself).
    ticking: bool = True
    #: Seconds a selected item must stay selected to count as read.
    read_delay: float = READ_DELAY
    #: The terminal's environment for glyph and colour choices (default: `os.environ`).
    env: Mapping[str, str] | None = None
    #: The terminal's encoding (default: stdout's).
    encoding: str | None = None


class AtpApp(App[int]):
    """The triage TUI. Build it with `build_app`."""

    CSS_PATH = "app.tcss"
    #: The selected item's answers come from a provider of their own: an agent's label as a
    #: `SystemCommand` title was read as markup (`atp_tui.screens.palette`).
    COMMANDS = App.COMMANDS | {AnswerCommands}
    TITLE = "atp-tui"
    #: The terminal's focus moving away or back repaints the widgets it restyles, not the
    #: whole screen (`atp_tui.screens.quiet_focus`).
    app_focus: Reactive[bool] = Reactive(True, compute=False, repaint=False)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        *,
        store: Store,
        make_engine: Callable[[], EngineLike],
        make_respond: Callable[[], RespondLike],
        host: str,
        settings: Settings | None = None,
        options: AppOptions | None = None,
    ) -> None:
        super().__init__()
        # Before the driver starts reading the terminal: an Escape typed just before another
        # key is not lost (`atp_tui.screens.escape_keys`).
        install_escape_first_parser()
        options = options or AppOptions()
        self.settings = settings or Settings()
        #: The active profile (shown in the status bar; the settings screen saves into it).
        self.profile = options.profile
        #: The config file the settings came from (the settings screen writes it).
        self.config_path = options.config_path
        #: Configuration problems, shown as one notice when the app starts.
        self.problems: list[ConfigProblem] = list(options.problems)
        self.store = store
        #: The inbox as cached before the engine started (the offline start shows it, stale).
        self.cached = store.load_notifications()
        self._make_engine = make_engine
        self._make_respond = make_respond
        self._engine: EngineLike | None = None
        self._respond: RespondLike | None = None
        self.host = host
        self.clock = options.clock or SYSTEM_CLOCK
        self.bell_on_new = options.bell_on_new
        # What the terminal can show, decided once (tests hand in `env` and `encoding`).
        env = os.environ if options.env is None else options.env
        #: The symbols every widget draws with (`atp_tui.view.glyphs`).
        self.glyphs = choose_glyphs(self.settings.glyphs, env, options.encoding)
        #: Whether colour cannot carry meaning (NO_COLOR, 16 colours): `-plain-colour` styles.
        self.plain_colour = plain_colour(env)
        #: Desktop notifications through the terminal (OSC 9/777/99 or the bell).
        self.desktop = TerminalNotifier(
            self.write_terminal,
            env,
            notify=self.settings.notify,
            notify_on=self.settings.notify_on,
            warning_seconds=self.settings.deadline_warning_minutes * 60,
            clock=self.clock.monotonic,
        )
        cursor_blink = options.cursor_blink
        if self.settings.low_bandwidth:
            # Nothing moves on its own: every animation frame and cursor blink is written out.
            self.animation_level = "none"
            cursor_blink = False
        self.cursor_blink = cursor_blink
        self.ticking = options.ticking
        self.read_delay = options.read_delay
        self._pending: list[EngineEvent] = []
        self._batch_scheduled = False
        self._last_batch = -FRAME_SECONDS
        #: The shortest time between batches now: `FRAME_SECONDS`, or in a burst longer.
        self._frame = FRAME_SECONDS
        #: How many batches were handed to the screen (tests check bursts collapse).
        self.batches = 0
        self._main: MainScreen | None = None
        #: The user's keymap as applied (binding id -> keys): help and the palette show these
        #: keys (kept here, not read back from Textual's private copy).
        self.keymap: dict[str, str] = {}
        #: Applies typed keys one at a time, each after the last has settled.
        self.key_order = KeySequencer(self)

    def write_terminal(self, data: bytes) -> None:
        """Write an escape sequence to the terminal, in order with the screen's output.

        Textual has no public API for raw output: `App.bell()` itself writes through the
        driver (`self._driver.write`), which queues the text behind the frames already
        rendered, so a sequence never lands inside one. We do the same. Unlike `bell()` it
        writes to the headless driver too, where it is a no-op: tests capture it there.
        """
        driver = self._driver
        if driver is not None:
            driver.write(data.decode("utf-8"))

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """Write a partial update from its dirty cells only (`widgets/cropped_update.py`)."""
        if type(renderable) is ChopsUpdate:
            renderable = CroppedChopsUpdate.of(renderable)
        super()._display(screen, renderable)

    @property
    def engine(self) -> EngineLike:
        """The stream engine, made on first use: after the first frame (it imports httpx)."""
        if self._engine is None:
            self._engine = self._make_engine()
        return self._engine

    @property
    def respond(self) -> RespondLike:
        """The respond client, made on the first answer."""
        if self._respond is None:
            self._respond = self._make_respond()
        return self._respond

    @property
    def main(self) -> MainScreen:
        """The main screen (created when the app starts)."""
        if self._main is None:
            raise RuntimeError("the app has not started yet")
        return self._main

    def get_default_screen(self) -> Screen[Any]:
        """The main screen is the default screen."""
        self._main = MainScreen(self.cached)
        return self._main

    def on_mount(self) -> None:
        """Apply the theme and keymap, report configuration problems, start the engine."""
        self.set_class(self.settings.low_bandwidth, "-low-bandwidth")  # ASCII borders
        self.set_class(self.glyphs.name == "ascii", "-ascii")  # ASCII borders too
        self.set_class(self.plain_colour, "-plain-colour")  # emphasis by reverse, not colour
        self.apply_theme(self.settings.theme)
        self.apply_keymap(self.settings.keymap)
        self.report_problems()
        self.consume_events()

    def apply_theme(self, theme: str) -> None:
        """Use `theme`; an unknown name keeps the default and becomes a problem."""
        if theme in self.available_themes:
            if theme != self.theme:  # setting it re-applies every style: only when it changes
                self.theme = theme
            return
        where = self.config_path.name if self.config_path else "settings"
        hint = did_you_mean(theme, sorted(self.available_themes))
        self.problems.append(
            ConfigProblem(where, "theme", f"unknown theme {theme!r}; {hint}; using {self.theme}")
        )

    def apply_keymap(self, keymap: dict[str, str]) -> None:
        """Rebind keys with Textual's keymap; unknown ids and conflicts become problems."""
        if keymap:  # the scopes import every dialog: not for the usual empty keymap
            from atp_tui.screens.keys import binding_scopes
            from atp_tui.settings import keymap_problems

            where = str(self.config_path) if self.config_path else "settings"
            self.problems.extend(keymap_problems(keymap, binding_scopes(), file=where))
        if keymap or self.keymap:  # setting it refreshes every binding: only when needed
            self.set_keymap(keymap)
        self.keymap = dict(keymap)

    def report_problems(self) -> None:
        """One notice naming file, key and problem for everything wrong with the configuration."""
        if not self.problems:
            return
        lines = [sanitize(str(problem), limit=300) for problem in self.problems[:8]]
        if len(self.problems) > 8:
            lines.append(f"… and {len(self.problems) - 8} more (atp-tui config check lists all)")
        self.notify(
            "\n".join(lines),
            title="Configuration problems (defaults used for these keys)",
            severity="warning",
            markup=False,
            timeout=30,
        )

    @work(exclusive=True, group="stream", exit_on_error=False, description="event stream")
    async def consume_events(self) -> None:
        """Collect engine events; at most one screen update per frame however many arrive.

        The first event after a quiet frame is applied as soon as the worker waits for the
        socket again (so the rest of its chunk goes with it); while events keep coming, they
        are collected until a frame has passed since the last batch.
        """
        # The engine's HTTP client (its SSL context: ~60 ms) is made when `events()` starts:
        # after the first frame, which should not wait for it.
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        await drawn.wait()
        async for event in self.engine.events():
            self._pending.append(event)
            if not self._batch_scheduled:
                self._batch_scheduled = True
                self._schedule_batch(self._last_batch + self._frame - time.monotonic())

    def _schedule_batch(self, wait: float) -> None:
        """Apply the collected events in `wait` seconds (at once when not positive): the one
        way a batch is scheduled. Not `set_timer`: a Textual timer counts from its task's first
        run, so a frame being drawn meanwhile would be added to the wait."""
        if wait > 0:
            asyncio.get_running_loop().call_later(wait, self.call_later, self._apply_batch)
        else:
            self.call_later(self._apply_batch)

    def _apply_batch(self) -> None:
        """Hand the collected events to the main screen (not named `_flush`: `App._flush` is
        Textual's, and print capture calls it with `stderr=`)."""
        if self._main is None or not self._main.is_mounted:  # the first events can beat it
            self._schedule_batch(FRAME_SECONDS)
            return
        if not self.is_running:
            return  # shutting down: the screen's widgets are being taken apart
        self._batch_scheduled = False
        self._last_batch = time.monotonic()
        batch, self._pending = self._pending, []
        self._frame = BURST_FRAME_SECONDS if len(batch) >= BURST_EVENTS else FRAME_SECONDS
        if batch:
            self.batches += 1
            self.main.apply_events(batch)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures end up: say what broke, never crash the app."""
        worker = event.worker
        if event.state != WorkerState.ERROR:
            return
        error = worker.error
        if worker.group == "respond":
            self.main.answering.failed(worker.name, error)
            return
        self.main.apply_events(
            [ConnectionChanged(ConnectionState("stopped", f"stream stopped: {error}"))]
        )
        self.notify(
            sanitize(f"The event stream stopped after an internal error: {error}", limit=400),
            severity="error",
            markup=False,
            timeout=30,
        )

    async def on_event(self, event: events.Event) -> None:
        """Keys, pastes and focus reports are applied in the order read
        (`atp_tui.screens.key_order`): one read while the one before it is still being applied
        waits for its turn."""
        if not is_typed(event):
            await super().on_event(event)
            return
        assert isinstance(event, Typed)
        if not self.key_order.admit(event):
            return
        try:
            await super().on_event(event)
        finally:
            self.key_order.routed()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette offers every main-screen action, then Textual's own commands (and
        the selected item's answers: `AnswerCommands`)."""
        if isinstance(screen, MainScreen):
            yield from screen_commands(screen)
        yield from super().get_system_commands(screen)

    async def action_quit(self) -> None:
        """ctrl+q quits like `q` (asking first while an answer is being sent)."""
        if isinstance(self.screen, MainScreen):
            self.screen.action_quit()
        else:
            self.exit(0)

    async def on_unmount(self) -> None:
        """Stop the engine, close the respond client and flush the store."""
        self.key_order.close()
        if self._engine is not None:
            self._engine.stop()
        if self._respond is not None:
            await self._respond.aclose()
        try:
            self.store.commit()
        except StateWriteError as error:
            # Nothing is lost: what was not saved is replayed by the server at the next start.
            log.warning("state not saved at exit: %s", error)


def build_app(
    *,
    server: str,
    token: str,
    store: Store,
    settings: Settings | None = None,
    heartbeat_timeout: float | None = None,
    clock: Clock | None = None,
    engine: EngineLike | None = None,
    respond: RespondLike | None = None,
    **options: Any,
) -> AtpApp:
    """The one factory: a real engine and respond client unless fakes are handed in.

    `settings` (default: `Settings()`) configures the engine (heartbeat timeout, token in the
    query, event types) and the app; `heartbeat_timeout` overrides the setting (tests).
    Further `options` go to `AtpApp` (`profile`, `config_path`, `problems`, test switches).
    """
    from urllib.parse import urlsplit

    settings = settings or Settings()

    # The real engine and respond client import httpx (~50 ms): they are made when first
    # used, after the first frame, not here.
    def make_engine() -> EngineLike:
        if engine is not None:
            return engine
        from atp_tui.client.heap import LongLivedHeap
        from atp_tui.client.stream import EngineConfig, StreamEngine

        config = EngineConfig(
            server=server,
            token=token,
            types=tuple(settings.types),
            heartbeat_timeout=heartbeat_timeout or settings.heartbeat_timeout,
            token_in_query=settings.token_in_query,
        )
        # The TUI is long-running and holds the inbox: keep the GC off it (`client.heap`),
        # or each full collection of a growing inbox stalls the screen for 100-300 ms.
        return StreamEngine(config, store, clock=clock, heap=LongLivedHeap(clock or SYSTEM_CLOCK))

    def make_respond() -> RespondLike:
        if respond is not None:
            return respond
        from atp_tui.client.respond import RespondClient

        return RespondClient(server, token, store, clock=clock)

    host = urlsplit(server).netloc or server
    problems = tuple(options.pop("problems", ()))
    return AtpApp(
        store=store,
        make_engine=make_engine,
        make_respond=make_respond,
        host=host,
        settings=settings,
        options=AppOptions(clock=clock, problems=problems, **options),
    )
