"""A byte-level scripted HTTP server on 127.0.0.1 for fault tests.

Each accepted connection runs a script (an async function) that decides exactly which bytes go
out and when: partial frames, stalls, resets, odd status lines. The server records every request
and how many connections are open at once, so tests can check resume headers and the
one-stream-at-a-time rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """What the client sent."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    index: int = 0

    @property
    def last_event_id(self) -> str | None:
        """The Last-Event-ID header, decoded as UTF-8."""
        for name, value in self.raw_headers:
            if name.lower() == b"last-event-id":
                return value.decode("utf-8")
        return None


class Conn:
    """One client connection, driven by a script."""

    def __init__(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.request = request
        self.reader = reader
        self.writer = writer

    async def send_head(
        self,
        status: int = 200,
        content_type: str | None = "text/event-stream",
        headers: dict[str, str] | None = None,
        reason: str = "X",
    ) -> None:
        """Status line and headers; the body then runs until the connection closes."""
        lines = [f"HTTP/1.1 {status} {reason}"]
        if content_type is not None:
            lines.append(f"Content-Type: {content_type}")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        lines.append("Connection: close")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await self.writer.drain()

    async def send_response(
        self,
        status: int,
        body: bytes | str | dict[str, Any] = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        """A complete response with a Content-Length."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        extra = {"Content-Length": str(len(body)), **(headers or {})}
        await self.send_head(status, content_type, extra)
        self.writer.write(body)
        await self.writer.drain()

    async def write(self, data: bytes | str, chunk: int | None = None, pause: float = 0.0) -> None:
        """Send body bytes, optionally `chunk` bytes per write with `pause` between."""
        if isinstance(data, str):
            data = data.encode()
        step = chunk or len(data) or 1
        for start in range(0, len(data), step):
            self.writer.write(data[start : start + step])
            await self.writer.drain()
            if pause:
                await asyncio.sleep(pause)
            elif chunk:
                await asyncio.sleep(0)

    async def hang(self, seconds: float = 3600.0) -> None:
        """Keep the socket open and silent (until the client goes away)."""
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
            await asyncio.wait_for(self.reader.read(), seconds)

    def reset(self) -> None:
        """Abort the TCP connection (the client sees a reset)."""
        self.writer.transport.abort()


Script = Callable[[Conn], Awaitable[None]]


class HostileServer:
    """Serves every connection with `script`; see the module docstring."""

    def __init__(self, script: Script, ssl_context: ssl.SSLContext | None = None) -> None:
        self.script = script
        self._ssl = ssl_context
        self.requests: list[Request] = []
        self.open_connections = 0
        self.max_open_connections = 0
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self._ssl)
        port = self._server.sockets[0].getsockname()[1]
        scheme = "https" if self._ssl else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 1.0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.open_connections += 1
        self.max_open_connections = max(self.max_open_connections, self.open_connections)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request = self._parse(head)
            request.index = len(self.requests)
            self.requests.append(request)
            await self.script(Conn(request, reader, writer))
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_connections -= 1
            writer.close()
            self._tasks.discard(task)

    @staticmethod
    def _parse(head: bytes) -> Request:
        lines = head.split(b"\r\n")
        method, target, _ = lines[0].decode("latin-1").split(" ", 2)
        raw_headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                raw_headers.append((name.strip(), value.strip()))
        parts = urlsplit(target)
        query = {
            key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()
        }
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw_headers
        }
        return Request(method, parts.path, query, headers, raw_headers)


def notification(nid: str, title: str | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal valid notification object."""
    body: dict[str, Any] = {
        "id": nid,
        "version": "1.0",
        "timestamp": "2026-11-28T10:00:00Z",
        "service": {"id": "svc", "name": "deploy-bot"},
        "context": {"title": title or f"Decision {nid}", "description": "Please decide."},
        "actions": [{"id": "ok", "label": "OK", "response_type": "simple"}],
        "status": "delivered",
    }
    body.update(extra)
    return body


def frame(
    data: dict[str, Any] | str, *, event: str = "notification", event_id: str | None = None
) -> str:
    """One SSE frame with a single-line JSON payload."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {text}\n\n"


def notification_frames(start: int, stop: int) -> str:
    """Frames for notifications n<start>..n<stop-1> with event ids equal to their number."""
    return "".join(frame(notification(f"n{i}"), event_id=str(i)) for i in range(start, stop))
