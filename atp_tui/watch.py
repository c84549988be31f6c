"""`atp-tui watch`: the headless subscriber. JSON lines on stdout, connection states on stderr.

Contract (README "watch"): one JSON object per line for each notification, status_update and
error event, `{"event", "id", "data"}`; a notification id is printed at most once, also across
restarts with the same state dir; exit 0 on SIGINT/SIGTERM with state flushed, 3 when the
credentials are refused, 1 when the server says to stop streaming.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from atp_tui.client.events import (
    ConnectionChanged,
    EngineEvent,
    EventSkipped,
    NotificationReceived,
    ServerErrorReceived,
    StatusChanged,
)
from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.store_headless import HeadlessStore
from atp_tui.text import escape_json_text

EXIT_OK = 0
EXIT_SERVER_STOPPED = 1
EXIT_AUTH_REFUSED = 3


def _line(event: str, event_id: str | None, data: dict[str, Any]) -> str:
    # ensure_ascii (the default) escapes every control and bidi character as \uXXXX.
    return json.dumps({"event": event, "id": event_id, "data": data}, separators=(",", ":"))


def format_event(event: EngineEvent) -> str | None:
    """The stdout line for an engine event, or `None` when it is not printed.

    The line is JSON that holds no character a terminal acts on (SSE-CLIENT-RULES.md 82): C0,
    DEL, C1 and the bidi controls inside strings are written as `\\uXXXX` escapes, so the
    decoded data is the server's, unchanged.
    """
    if isinstance(event, NotificationReceived):
        if event.raw_json:
            # The server's own JSON text: nothing is re-encoded on the hot path, only the
            # rare terminal-active characters are escaped (one precompiled scan otherwise).
            event_id = json.dumps(event.event_id)
            data = escape_json_text(event.raw_json)
            return f'{{"event":"notification","id":{event_id},"data":{data}}}'
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


async def run_watch(
    config: EngineConfig,
    state_dir: Path,
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Subscribe until a signal or a fatal refusal; returns the process exit status."""
    store = HeadlessStore.open(state_dir)
    for warning in store.warnings:
        print(f"atp-tui: warning: {warning}", file=err, flush=True)
    # Lines are collected and written once per received chunk: one write (and one flush)
    # per chunk rather than per line, also where the stream is unbuffered (PYTHONUNBUFFERED).
    pending: list[str] = []

    def write_pending() -> None:
        if pending:
            pending.append("")  # the last line's newline
            out.write("\n".join(pending))
            pending.clear()
        out.flush()

    engine = StreamEngine(config, store, on_batch=write_pending, freeze_gc=True)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, engine.stop)
    status = EXIT_OK
    try:
        async for event in engine.events():
            line = format_event(event)
            if line is not None:
                pending.append(line)
            elif isinstance(event, ConnectionChanged):
                print(f"atp-tui: {event.state.describe()}", file=err, flush=True)
                if event.state.kind == "auth_refused":
                    status = EXIT_AUTH_REFUSED
                    engine.stop()
                elif event.state.kind == "failed":
                    status = EXIT_SERVER_STOPPED
                    engine.stop()
            elif isinstance(event, EventSkipped):
                print(f"atp-tui: skipped: {event.reason}", file=err, flush=True)
    finally:
        write_pending()
        store.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
    return status
