"""Shared helpers for the `test_respond_*` modules: a scripted server (`Plan`: one step per
POST and per GET), the steps it can take, and a `RespondClient` answering against it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from atp_tui.client.respond import RespondClient
from atp_tui.protocol.models import Notification
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer, notification

TOKEN = "tok-SECRET-5f0c2a9e71"
NID = "n1"

Step = Callable[[Conn], Awaitable[None]]


def reply(status: int, body: dict[str, Any] | bytes = b"", **headers: str) -> Step:
    """A step that answers with `status` and `body`."""

    async def step(conn: Conn) -> None:
        await conn.send_response(status, body, headers=headers)

    return step


def error(status: int, code: str, message: str = "", *, wrapped: bool = False) -> Step:
    """An ATP error body, bare or wrapped in `{"error": ...}`."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": "req-1"}
    return reply(status, {"error": body} if wrapped else body)


OK = reply(
    200,
    {
        "notification_id": NID,
        "action_id": "approve",
        "status": "responded",
        "responded_at": "2026-11-28T12:00:01Z",
    },
)


async def reset(conn: Conn) -> None:
    """The request arrived (body read), then the connection dies: outcome unknown."""
    conn.reset()


def shows(status: str) -> Step:
    """GET /notifications/{id}: the notification in `status`."""
    return reply(200, notification(NID, status=status))


class Plan:
    """A server script: one step per POST and per GET (in each list the last one repeats)."""

    def __init__(self, posts: list[Step], get: Step | list[Step] | None = None) -> None:
        self.posts = posts
        default = error(404, "NOTIFICATION_NOT_FOUND", "no such notification")
        self.get_steps = get if isinstance(get, list) else [get or default]
        self.bodies: list[bytes] = []
        self.gets: list[str] = []

    async def __call__(self, conn: Conn) -> None:
        if conn.request.method == "POST":
            length = int(conn.request.headers["content-length"])
            self.bodies.append(await conn.reader.readexactly(length))
            await self.posts[min(len(self.bodies), len(self.posts)) - 1](conn)
        else:
            self.gets.append(conn.request.path)
            await self.get_steps[min(len(self.gets), len(self.get_steps)) - 1](conn)

    @property
    def payloads(self) -> list[Any]:
        return [json.loads(body) for body in self.bodies]


def _store(clock: FakeClock) -> Store:
    """An in-memory store holding notification `NID`, committed."""
    store = Store.in_memory(clock)
    store.add_notification(Notification.model_validate(notification(NID)), "1")
    store.commit()
    return store


def _client(
    server: HostileServer, store: Store | None, clock: FakeClock, **kw: Any
) -> RespondClient:
    """A `RespondClient` for `server` with `TOKEN`."""
    return RespondClient(server.url, TOKEN, store, clock=clock, **kw)


async def _answer(
    plan: Plan,
    clock: FakeClock,
    *,
    data: Any = None,
    action: str = "approve",
    on_retry: Callable[[int, str], None] | None = None,
    closed: Callable[[], Any] | None = None,
    **kw: Any,
) -> tuple[Any, Store, HostileServer]:
    """Answer `NID` once against `plan`: the outcome, the store and the (stopped) server."""
    store = _store(clock)
    async with HostileServer(plan) as server:
        client = _client(server, store, clock, **kw)
        try:
            outcome = await client.respond(NID, action, data, on_retry=on_retry, closed=closed)
        finally:
            await client.aclose()
    return outcome, store, server


def _assert_token_only_in_header(server: HostileServer) -> None:
    """Case 66(a): the token travels in `Authorization`, never in the URL."""
    assert server.requests
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in request.path
        assert all(TOKEN not in key and TOKEN not in value for key, value in request.query.items())
        assert "token" not in request.query


def _outcomes(store: Store) -> list[str]:
    """The outcomes of the answer attempts logged for `NID`, in order."""
    return [attempt.outcome for attempt in store.responses(NID)]
