"""`atp-tui watch`: the headless subscriber. JSON lines on stdout, connection states on stderr.

Contract (README "watch"): one JSON object per line for each notification, status_update and
error event, `{"event", "id", "data"}`; a notification id is printed at most once, also across
restarts with the same state dir; exit 0 on SIGINT/SIGTERM/SIGHUP with state flushed or when
stdout is closed, 3 when the credentials are refused, 1 when the server says to stop
streaming, 4 when the state dir cannot be opened or written (README "Failure behaviour").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import select
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from atp_tui.client.events import (
    ConnectionChanged,
    EngineEvent,
    EngineNotice,
    EventSkipped,
    NotificationReceived,
    ServerErrorReceived,
    StatusChanged,
)
from atp_tui.client.heap import LongLivedHeap
from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.protocol.clock import SYSTEM_CLOCK
from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.protocol.text import (
    EXIT_OUTPUT_FAILED,
    OutputError,
    discard_output,
    escape_parsed_json_text,
    neutralize,
    output_errors,
)
from atp_tui.store import StateUnavailable
from atp_tui.store.db import StateWriteError
from atp_tui.store.headless import HeadlessStore
from atp_tui.view.items import WARNING_SECONDS
from atp_tui.view.terminal_notify import Arrival, TerminalNotifier

EXIT_OK = 0
EXIT_SERVER_STOPPED = 1
EXIT_AUTH_REFUSED = 3
#: The state dir cannot be opened or written (disk full, read-only, I/O error).
EXIT_STATE_UNAVAILABLE = 4
#: The signals that stop `watch` cleanly, its state committed: Ctrl+C, `kill`, and a hangup
#: (the SSH session it runs in dropped; by default that ended it mid-chunk, so the next start
#: printed that chunk again).
_STOPPING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _line(event: str, event_id: str | None, data: dict[str, Any]) -> str:
    # ensure_ascii (the default) escapes every control and bidi character as \uXXXX.
    return json.dumps({"event": event, "id": event_id, "data": data}, separators=(",", ":"))


def _json_id(event_id: str | None) -> str:
    """`json.dumps(event_id)`, without its cost for the usual id: printable ASCII with no
    quote or backslash is its own JSON string between quotes (1.4 µs an event saved)."""
    if (
        event_id is not None
        and event_id.isascii()
        and event_id.isprintable()
        and '"' not in event_id
        and "\\" not in event_id
    ):
        return f'"{event_id}"'
    return json.dumps(event_id)


def format_event(event: EngineEvent) -> str | None:
    """The stdout line for an engine event, or `None` when it is not printed.

    The line is JSON that holds no character a terminal acts on (SSE-CLIENT-RULES.md 82): C0,
    DEL, C1 and the bidi controls inside strings are written as `\\uXXXX` escapes, so the
    decoded data is the server's, unchanged.
    """
    if isinstance(event, NotificationReceived):
        if event.raw_json:
            # The server's own JSON text, which the decoder parsed strictly: nothing is
            # re-encoded on the hot path, only the rare terminal-active characters escaped.
            text = escape_parsed_json_text(event.raw_json)
            return f'{{"event":"notification","id":{_json_id(event.event_id)},"data":{text}}}'
        return _line(
            "notification", event.event_id, event.raw or event.notification.model_dump(mode="json")
        )
    if isinstance(event, StatusChanged):
        data = event.raw or {
            "notification_id": event.notification_id,
            "status": event.status,
            "reason": event.reason,
        }
        return _line("status_update", event.event_id, data)
    if isinstance(event, ServerErrorReceived):
        return _line("error", event.event_id, event.raw or event.error.model_dump(mode="json"))
    return None


@dataclass(frozen=True, slots=True)
class DesktopOptions:
    """`watch --notify`: desktop notifications on the controlling terminal."""

    notify: str = "auto"
    """The `notify` setting: the sequence to write (`atp_tui.view.terminal_notify`)."""
    notify_on: str = "urgent"
    """The `notify_on` setting: "urgent" or "all"."""
    warning_seconds: float = WARNING_SECONDS
    """The deadline warning: a deadline this close makes a notification urgent."""
    tty: str = "/dev/tty"
    """The controlling terminal (never stdout: that is the JSON lines)."""


class _WarningsToStderr(logging.Handler):
    """The library's warnings while `watch` runs (a checkpoint that failed, a commit process
    that ended), on stderr as `watch`'s own lines are: `atp-tui: warning: …`, neutralised.
    Without it they went out bare through `logging`'s last-resort handler."""

    def __init__(self, say: Callable[[str], None]) -> None:
        super().__init__(logging.WARNING)
        self._say = say

    def emit(self, record: logging.LogRecord) -> None:
        self._say(f"warning: {neutralize(record.getMessage())}")


def open_tty(path: str, say: Callable[[str], None]) -> Callable[[bytes], None] | None:
    """A writer to the terminal at `path`, or `None` (said once on stderr) when there is none.

    A write that fails later (the terminal went away) turns notifications off, said once: a
    notification must never stop `watch` nor the commit of what it printed.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        say(
            f"warning: --notify: no terminal to notify on ({path}: "
            f"{error.strerror or error}); desktop notifications are off"
        )
        return None
    broken = False

    def write(data: bytes) -> None:
        nonlocal broken
        if broken:
            return
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError as error:
            broken = True
            say(
                f"warning: --notify: cannot write to {path} ({error.strerror or error}); "
                "desktop notifications are off"
            )

    return write


async def run_watch(
    config: EngineConfig,
    state_dir: Path,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    desktop: DesktopOptions | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Subscribe until a signal or a fatal refusal; returns the process exit status.

    Each chunk's lines are written, then the state is committed (`StreamEngine`'s `on_batch`):
    a write that fails (the reader went away) commits nothing of its chunk, so the next start
    prints it again rather than never. With `desktop`, new open notifications also make a
    desktop notification on the controlling terminal (`--notify`).
    """

    def say(message: str) -> None:
        print(f"atp-tui: {message}", file=err, flush=True)

    warnings = _WarningsToStderr(say)
    library = logging.getLogger("atp_tui")
    library.addHandler(warnings)
    try:
        return await _watch(config, state_dir, out, desktop, env, say)
    finally:
        library.removeHandler(warnings)


async def _watch(
    config: EngineConfig,
    state_dir: Path,
    out: TextIO,
    desktop: DesktopOptions | None,
    env: Mapping[str, str] | None,
    say: Callable[[str], None],
) -> int:
    """`run_watch`'s body, with `say` writing `atp-tui: …` lines to stderr."""
    try:
        store = HeadlessStore.open(state_dir, required=True)
    except StateUnavailable as error:
        # Without its state `watch` would print again, at the next start, all it prints now.
        say(f"error: {error}")
        return EXIT_STATE_UNAVAILABLE
    for warning in store.warnings:
        say(f"warning: {warning}")
    store.start_writer()  # the commit process starts while the stream connects
    # Lines are collected and written once per received chunk: one write per chunk rather
    # than per line, also where the stream is unbuffered (PYTHONUNBUFFERED).
    pending: list[str] = []
    write = _writer_for(out)

    notifier: TerminalNotifier | None = None
    arrivals: list[Arrival] = []
    if desktop is not None:
        tty = open_tty(desktop.tty, say)
        if tty is not None:
            notifier = TerminalNotifier(
                tty,
                os.environ if env is None else env,
                # `--notify` asks for them: "off" in the file gives way to the flag.
                notify="auto" if desktop.notify == "off" else desktop.notify,
                notify_on=desktop.notify_on,
                warning_seconds=desktop.warning_seconds,
            )

    def write_pending() -> None:
        if pending:
            pending.append("")  # the last line's newline
            text = "\n".join(pending)
            pending.clear()
            write(text)
        if notifier is not None:
            # After the JSON lines; every chunk comes here (pings too), so a folded
            # "N more" summary is written within a ping interval of being due.
            notifier.arrived(arrivals, SYSTEM_CLOCK.now())
            arrivals.clear()
            notifier.flush()

    # A long-running `watch` keeps the GC off its growing id sets (`client/heap.py`).
    engine = StreamEngine(config, store, on_batch=write_pending, heap=LongLivedHeap(SYSTEM_CLOCK))
    loop = asyncio.get_running_loop()
    for signum in _STOPPING_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, engine.stop)
    status = EXIT_OK
    saved = False
    try:
        async for event in engine.events():
            line = format_event(event)
            if line is not None:
                pending.append(line)
                if notifier is not None and isinstance(event, NotificationReceived):
                    received = event.notification
                    if is_actionable(received.status, received.deadline, SYSTEM_CLOCK.now()):
                        arrivals.append(Arrival.of(received))
            elif isinstance(event, ConnectionChanged):
                say(event.state.describe(headless=True))
                if event.state.kind == "auth_refused":
                    status = EXIT_AUTH_REFUSED
                    engine.stop()
                elif event.state.kind == "failed":
                    status = EXIT_SERVER_STOPPED
                    engine.stop()
            elif isinstance(event, EventSkipped):
                say(f"skipped: {event.reason}")
            elif isinstance(event, EngineNotice):
                say(
                    event.message
                    if event.severity == "info"
                    else f"{event.severity}: {event.message}"
                )
        saved = engine.unsaved is None
    except BrokenPipeError:
        discard_output(out)
        say("stdout was closed; stopped (what it did not take is printed at the next start)")
    except OutputError as error:
        discard_output(out)
        say(f"error: {error}; stopped (what it did not write is printed at the next start)")
        status = EXIT_OUTPUT_FAILED
    finally:
        for signum in _STOPPING_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
        unsaved = engine.unsaved
        try:
            # Only a clean end commits: after a failed write, the chunk must stay unrecorded.
            store.close(save=saved)
        except StateWriteError as error:
            unsaved = str(error)
    if unsaved is not None:
        say(
            f"error: {unsaved}; the last notifications printed were not recorded and "
            "will be printed again at the next start"
        )
        return EXIT_STATE_UNAVAILABLE
    return status


def _writer_for(out: TextIO) -> Callable[[str], None]:
    """How a chunk's lines are written to `out`: whole, or not at all past the failing byte.

    Straight to the file descriptor where there is one: CPython's buffered writer drops the
    rest of a large write to a pipe when a signal (SIGTERM, SIGINT) interrupts it part-way
    (`write()` returns a partial count and the remainder is lost), which tore a line in two
    and lost its end. `os.write` in a loop writes every byte or raises.
    """
    try:
        fd = out.fileno()
    except (OSError, ValueError, AttributeError):  # io.StringIO and friends: no descriptor
        fd = None
    if fd is None:

        def write_text(text: str) -> None:
            out.write(text)
            out.flush()

        return write_text
    out.flush()  # anything written through `out` before goes first

    def write_all(text: str) -> None:
        data = memoryview(text.encode("utf-8"))
        with output_errors("stdout"):  # `watch >> log` on a full disk
            while data:
                try:
                    written = os.write(fd, data)
                except BlockingIOError:  # a non-blocking pipe (set by whoever shares it): wait
                    select.select([], [fd], [])
                    continue
                data = data[written:]

    return write_all
