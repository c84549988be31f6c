"""Shared helpers for tests that talk to the reference server over a real socket.

`SSEReader` is a deliberately tiny frame collector for tests (the product's parser lives in
`atp_tui.client`); `notification_body` builds a valid service submission with one action of
every response type. `fast_config`, `error_code` and `add` serve the `test_server_*` modules
(their `server` and `client` fixtures are in conftest.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from atp_tui.server import RunningServer, ServerConfig

USER_TOKEN = "demo-token"
ADMIN_TOKEN = "admin-token"
AUTH = {"Authorization": f"Bearer {USER_TOKEN}"}
EVENTS = "/api/v1/client/events"
NOTIFICATIONS = "/api/v1/client/notifications"
RESPOND = "/api/v1/client/respond"

#: One action of each response type, with constraints to test against.
ALL_ACTIONS: list[dict[str, Any]] = [
    {"id": "ok", "label": "OK", "response_type": "simple"},
    {
        "id": "go",
        "label": "Go?",
        "response_type": "binary",
        "options": {"true_label": "Go", "false_label": "Stop"},
    },
    {
        "id": "pick",
        "label": "Pick one",
        "response_type": "choice",
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    },
    {
        "id": "many",
        "label": "Pick some",
        "response_type": "multi_choice",
        "options": [{"value": "x", "label": "X"}, {"value": "y"}, "z"],
        "constraints": {"min_selections": 1, "max_selections": 2},
    },
    {"id": "say", "label": "Say", "response_type": "text", "constraints": {"max_length": 10}},
    {
        "id": "count",
        "label": "Count",
        "response_type": "number",
        "constraints": {"min": 1, "max": 10, "integer": True},
    },
    {"id": "when", "label": "When", "response_type": "date", "constraints": {"min": "2020-01-01"}},
]


def notification_body(
    *,
    title: str = "Deploy payments-api?",
    project: str = "payments",
    deadline: datetime | None = None,
    actions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A valid service submission (no `service`/`status`), with every action type by default."""
    body: dict[str, Any] = {
        "context": {"title": title, "description": "from a test", "project": project},
        "actions": [dict(action) for action in (actions or ALL_ACTIONS)],
        **extra,
    }
    if deadline is not None:
        body["deadline"] = deadline.isoformat()
    return body


class ManualClock:
    """An injectable clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.moment += timedelta(seconds=seconds)


@dataclass
class Frame:
    """One SSE message as a test sees it."""

    event: str | None = None
    data: str | None = None
    id: str | None = None
    retry: int | None = None

    def json(self) -> Any:
        """The data, parsed."""
        assert self.data is not None
        return json.loads(self.data)


class SSEReader:
    """Reads frames (blocks ending at a blank line) from a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next_frame(self, timeout: float = 3.0) -> Frame:
        """The next frame; raises `StopAsyncIteration` at the end of the stream."""
        frame, seen = Frame(), False
        async with asyncio.timeout(timeout):
            while True:
                line = await anext(self._lines)
                if not line:
                    if seen:
                        return frame
                    continue
                seen = True
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    frame.data = value if frame.data is None else f"{frame.data}\n{value}"
                elif name == "event":
                    frame.event = value
                elif name == "id":
                    frame.id = value
                elif name == "retry":
                    frame.retry = int(value)

    async def events(self, count: int, timeout: float = 3.0) -> list[Frame]:
        """The next `count` frames that are events other than pings (retry frames skipped)."""
        found: list[Frame] = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                frame = await self.next_frame(timeout)
                if frame.event not in (None, "ping"):
                    found.append(frame)
        return found

    async def until_ping(self, timeout: float = 3.0) -> list[Frame]:
        """Every non-ping event before the next ping (pings mark "nothing else pending")."""
        found: list[Frame] = []
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next_frame(timeout)
                if frame.event == "ping":
                    return found
                if frame.event is not None:
                    found.append(frame)

    async def to_end(self, timeout: float = 3.0) -> list[Frame]:
        """Every remaining frame until the server ends the stream."""
        found: list[Frame] = []
        async with asyncio.timeout(timeout):
            while True:
                try:
                    found.append(await self.next_frame(timeout))
                except StopAsyncIteration:
                    return found


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[tuple[httpx.Response, SSEReader]]:
    """Open the events endpoint and hand back the response and a reader."""
    async with client.stream("GET", EVENTS, params=params, headers=headers) as response:
        yield response, SSEReader(response)


async def eventually(predicate: Callable[[], bool], timeout: float = 2.0) -> None:
    """Wait until `predicate()` holds, failing after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


FAST: dict[str, Any] = {"ping_interval": 0.2, "expiry_check_interval": 0.05}


def fast_config(**overrides: Any) -> ServerConfig:
    """A config with short intervals, so that tests stay quick."""
    return ServerConfig(**{**FAST, **overrides})


def error_code(response: httpx.Response) -> str:
    """The ATP error code of an error response."""
    return response.json()["error"]["code"]


def add(server: RunningServer, **kwargs: Any) -> dict[str, Any]:
    """Store a notification directly in the server's state."""
    return server.state.add_notification(notification_body(**kwargs))
