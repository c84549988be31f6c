"""Shared helpers for the `test_respond_faults_*` modules: a scripted hostile server (`Plan`),
its steps, a `RespondClient` with a short request deadline, and `respond` run in-process.

The deadline is made short instead of waiting out the real 30 s; backoff waits go through
`FakeClock` (instant).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from atp_tui.client.respond import RespondClient
from atp_tui.commands.respond import respond_once
from atp_tui.protocol.models import Notification
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer, notification

TOKEN = "tok-SECRET-83c1d0e5"
NID = "n1"
#: Short enough to keep the tests quick, long enough for a loopback reply on a busy machine.
DEADLINE = 0.5

Step = Callable[[Conn], Awaitable[None]]


def reply(
    status: int,
    body: dict[str, Any] | bytes | str = b"",
    content_type: str = "application/json",
    **headers: str,
) -> Step:
    """A step that answers with `status` and `body`."""

    async def step(conn: Conn) -> None:
        await conn.send_response(status, body, content_type, headers=headers)

    return step


def redirect(status: int, location: str) -> Step:
    """A redirect to `location` (a small HTML body, as login proxies send)."""
    return reply(status, b"<html>moved</html>", Location=location)


async def hang(conn: Conn) -> None:
    """Never answer (the request was read in full)."""
    await conn.hang()


async def trickle_headers(conn: Conn) -> None:
    """Start a reply and send its headers one byte at a time, never finishing them."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10_000:
        conn.writer.write(bytes([byte]))
        await conn.writer.drain()
        await asyncio.sleep(0.02)


def shows(status: str, nid: str = NID) -> Step:
    """GET /notifications/{id}: the notification in `status`."""
    return reply(200, notification(nid, status=status))


OK = reply(
    200, {"notification_id": NID, "status": "responded", "responded_at": "2026-11-28T12:00:01Z"}
)


class Plan:
    """One step per POST and per GET (in each list the last one repeats); records bodies."""

    def __init__(self, posts: list[Step], gets: list[Step] | None = None) -> None:
        self.posts = posts
        self.gets = gets or [shows("delivered")]
        self.bodies: list[bytes] = []
        self.get_count = 0

    async def __call__(self, conn: Conn) -> None:
        if conn.request.method == "POST":
            length = int(conn.request.headers.get("content-length", "0"))
            self.bodies.append(await conn.reader.readexactly(length))
            await self.posts[min(len(self.bodies), len(self.posts)) - 1](conn)
        else:
            self.get_count += 1
            await self.gets[min(self.get_count, len(self.gets)) - 1](conn)


def _store(clock: FakeClock) -> Store:
    """An in-memory store holding notification `NID`, committed."""
    store = Store.in_memory(clock)
    store.add_notification(Notification.model_validate(notification(NID)), "1")
    store.commit()
    return store


def _client(url: str, store: Store | None, clock: FakeClock, **kw: Any) -> RespondClient:
    """A `RespondClient` for `url` with `TOKEN` and the short `DEADLINE`."""
    return RespondClient(url, TOKEN, store, clock=clock, request_deadline=DEADLINE, **kw)


def _outcomes(store: Store) -> list[str]:
    """The outcomes of the answer attempts logged for `NID`, in order."""
    return [attempt.outcome for attempt in store.responses(NID)]


def _methods(server: HostileServer) -> list[str]:
    """The method of every request `server` saw, in order."""
    return [request.method for request in server.requests]


async def _run_cli(
    url: str, state_dir: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """`respond NID ok [args]` in-process with short deadlines; (status, stdout, stderr)."""
    raw = args[0] if args else None
    code = await respond_once(
        url,
        TOKEN,
        NID,
        "ok",
        raw,
        state_dir=state_dir,
        clock=FakeClock(jitter=0.0),
        request_deadline=DEADLINE,
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err
