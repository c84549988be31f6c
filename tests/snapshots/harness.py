"""A deterministic harness for snapshot tests and `screenshots/make_screenshots.py`.

The app is built with `build_app` like in production, but with a frozen clock, an in-memory
store, a scripted engine (same interface as `StreamEngine`, no network), a scripted respond
client, no cursor blink, no clock tick and no bell. Fixed data lives in `SCENARIO_*` builders.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from atp_tui.app import AtpApp, build_app
from atp_tui.client.events import (
    ConnectionChanged,
    ConnectionState,
    EngineEvent,
    NotificationReceived,
    StatusChanged,
)
from atp_tui.client.respond import RespondOutcome
from atp_tui.client.respond_outcome import STATE_FOR_OUTCOME
from atp_tui.protocol import Notification
from atp_tui.protocol.clock import Clock
from atp_tui.settings import Settings
from atp_tui.store import Store

#: The terminal every scene runs in unless it says otherwise: colour, a UTF-8 locale.
TERMINAL_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}

#: The frozen "now" of every snapshot.
NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


class FrozenClock(Clock):
    """Time stands still (countdowns render the same every run); `advance` moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self._now = now
        self._mono = 1000.0

    def now(self) -> datetime:
        """The frozen wall time."""
        return self._now

    def monotonic(self) -> float:
        """The frozen monotonic time."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward."""
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        """Yield only."""
        await asyncio.sleep(0)

    def random(self) -> float:
        """No jitter."""
        return 0.5


class ScriptedEngine:
    """Yields scripted events (storing them first, as the real engine does), then waits."""

    def __init__(self, store: Store, script: Iterable[EngineEvent] = ()) -> None:
        self.store = store
        self.script = list(script)
        self.queue: asyncio.Queue[EngineEvent | None] = asyncio.Queue()
        self.reconnects = 0
        self.stopped = False

    def push(self, *events: EngineEvent) -> None:
        """Deliver more events (tests call this while the app runs)."""
        for event in events:
            self.queue.put_nowait(event)

    def _store(self, event: EngineEvent) -> None:
        if isinstance(event, NotificationReceived):
            self.store.add_notification(event.notification, event.event_id)
        elif isinstance(event, StatusChanged):
            self.store.apply_status(event.notification_id, event.status, event.reason)

    async def events(self) -> AsyncIterator[EngineEvent]:
        """The script, then whatever `push` delivers, until `stop`."""
        for event in self.script:
            self._store(event)
            yield event
        while not self.stopped:
            event = await self.queue.get()
            if event is None:
                break
            self._store(event)
            yield event

    def reconnect_now(self) -> None:
        """Count the request."""
        self.reconnects += 1

    def stop(self) -> None:
        """End `events()`."""
        self.stopped = True
        self.queue.put_nowait(None)


@dataclass
class ScriptedRespond:
    """A respond client that answers from a script (default: every answer is sent).

    Only the outcome is scripted: what an outcome does to the notification's status is the
    respond client's own table, so this stand-in cannot drift from it.
    """

    store: Store
    outcomes: list[RespondOutcome] = field(default_factory=list)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    hold: asyncio.Event | None = None

    async def respond(
        self, notification_id: str, action_id: str, response_data: Any, **_options: Any
    ) -> RespondOutcome:
        """Record the call, wait for `hold` if set, return the next scripted outcome."""
        self.calls.append((notification_id, action_id, response_data))
        if self.hold is not None:
            await self.hold.wait()
        outcome = self.outcomes.pop(0) if self.outcomes else RespondOutcome("sent", "answer sent")
        if outcome.kind in STATE_FOR_OUTCOME:
            state, reason = STATE_FOR_OUTCOME[outcome.kind]
            self.store.apply_status(notification_id, state, reason)
        self.store.record_response(
            notification_id, action_id, response_data, outcome.kind, outcome.message
        )
        return outcome

    def is_pending(self, notification_id: str) -> bool:
        """Never pending (answers are instant)."""
        return False

    async def settle_unfinished(self, notification_id: str) -> RespondOutcome | None:
        """Nothing is ever left unfinished by a scripted answer."""
        return None

    async def aclose(self) -> None:
        """Nothing to close."""


def _iso(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def notification(
    nid: str,
    title: str,
    *,
    service: str = "deploy-bot",
    project: str | None = "payments",
    created: float = -5,
    deadline: float | None = 30,
    description: str = "",
    actions: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    status: str = "delivered",
) -> Notification:
    """A notification with times relative to `NOW` (minutes)."""
    body: dict[str, Any] = {
        "id": nid,
        "version": "1.0",
        "timestamp": _iso(created),
        "service": {"id": service, "name": service},
        "context": {
            "title": title,
            "description": description,
            "project": project,
            "metadata": metadata,
            "attachments": attachments or [],
        },
        "actions": actions if actions is not None else [APPROVE, REPLY],
        "status": status,
    }
    if deadline is not None:
        body["deadline"] = _iso(deadline)
    return Notification.model_validate(body)


APPROVE = {
    "id": "approve",
    "label": "Approve",
    "response_type": "simple",
    "flags": ["irreversible"],
}
REPLY = {
    "id": "reply",
    "label": "Reply",
    "response_type": "text",
    "constraints": {"placeholder": "why not now?", "max_length": 200},
}
ALL_TYPES: list[dict[str, Any]] = [
    APPROVE,
    REPLY,
    {
        "id": "canary",
        "label": "Canary first?",
        "response_type": "binary",
        "options": {"true_label": "Canary 5%", "false_label": "Full rollout"},
    },
    {
        "id": "region",
        "label": "Region",
        "response_type": "choice",
        "options": [
            {"value": "eu", "label": "eu-west-1"},
            {"value": "us", "label": "us-east-1"},
            {"value": "ap", "label": "ap-south-1"},
        ],
    },
    {
        "id": "checks",
        "label": "Checks to skip",
        "response_type": "multi_choice",
        "options": [
            {"value": "lint", "label": "Lint"},
            {"value": "e2e", "label": "End-to-end"},
            {"value": "perf", "label": "Performance"},
        ],
        "constraints": {"min_selections": 1, "max_selections": 2},
    },
    {
        "id": "replicas",
        "label": "Replicas",
        "response_type": "number",
        "constraints": {"min": 1, "max": 12, "integer": True},
    },
    {
        "id": "when",
        "label": "Schedule",
        "response_type": "date",
        "constraints": {"min": "2026-03-14", "max": "2026-04-30"},
    },
    {"id": "slider", "label": "Risk slider", "response_type": "slider"},
]

INJECTION_TITLES = [
    "[bold red]x[/] [@click=app.quit]y[/]",
    "[@click=app.respond('approve')]More…[/] [link=file:///etc/passwd]z[/link] [/]",
    "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m \x9b2J done",
    "Approve \u202eevil.exe\u202c safe \u2066rtl\u2069 ok",
    "line one\nline two\r\u2028three",
    "部署支付服务 🚀 caf\u0065\u0301 Z\u0301\u0301\u0301\u0301\u0301algo",
]


def inbox_items() -> list[Notification]:
    """A mixed inbox: every response type, deadlines urgent, far and none, several services."""
    return [
        notification(
            "n-promote",
            "Promote payments-api 2.14.3 to production?",
            created=-12,
            deadline=3.5,
            description=(
                "Staging has been green for 14 hours. The rollout takes about 12 minutes "
                "and cannot be paused once started."
            ),
            actions=ALL_TYPES,
            metadata={"priority": "high", "environment": "production", "version": "2.14.3"},
            attachments=[
                {
                    "type": "text/plain",
                    "description": "diffstat",
                    "data": "cGF5bWVudHMtYXBpIDIuMTQuMwogMTIgZmlsZXMgY2hhbmdlZAo=",
                },
                {"type": "image/png", "description": "canary graph", "uri": "https://ci/graph"},
            ],
        ),
        notification(
            "n-migrate",
            "Run migration 0042_orders_index on the primary?",
            service="db-guardian",
            project="orders",
            created=-40,
            deadline=45,
        ),
        notification(
            "n-refund",
            "Refund order #88231 (€412.00)?",
            service="support-triage",
            project="support",
            created=-3,
            deadline=None,
        ),
        notification(
            "n-budget",
            "Raise the March budget for analytics by 15%?",
            service="cost-watch",
            project="finance",
            created=-180,
            deadline=600,
        ),
        notification(
            "n-notes",
            "Publish release notes for 2.14?",
            service="release-notes",
            project=None,
            created=-1,
            deadline=90,
        ),
    ]


def received(items: Iterable[Notification]) -> list[EngineEvent]:
    """`NotificationReceived` events with ids `e1`, `e2`, …"""
    return [NotificationReceived(item, f"e{i}") for i, item in enumerate(items, start=1)]


CONNECTED = ConnectionChanged(ConnectionState("connected", "http://atp.example:8787"))


def make_app(
    script: Iterable[EngineEvent] = (),
    *,
    outcomes: list[RespondOutcome] | None = None,
    clock: FrozenClock | None = None,
    store: Store | None = None,
    settings: Settings | None = None,
    ticking: bool = False,
    **options: Any,
) -> AtpApp:
    """The app under a frozen clock with a scripted engine and respond client.

    `store` (default: a new in-memory one on the same clock) lets a test start from a cached
    inbox; `settings` and `options` (`profile`, `config_path`, `problems`, `env`: the
    terminal's environment, default `TERMINAL_ENV`) go to `build_app`. `ticking` starts the
    main screen's one-second tick (off for snapshots: the clock is frozen anyway, and a tick
    landing mid-shot must not matter).
    """
    clock = clock or FrozenClock()
    store = store or Store.in_memory(clock)
    # What the terminal can show is decided from the environment: the host's must not leak in.
    options.setdefault("env", TERMINAL_ENV)
    engine = ScriptedEngine(store, script)
    respond = ScriptedRespond(store, list(outcomes or []))
    return build_app(
        server="http://atp.example:8787",
        token="t",
        store=store,
        settings=settings,
        clock=clock,
        engine=engine,
        respond=respond,
        bell_on_new=False,
        cursor_blink=False,
        ticking=ticking,
        **options,
    )
