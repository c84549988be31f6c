"""A fast local SSE server for benchmarks: serves N pre-built notification frames, then idles.

Run as a subprocess (`python bench/_stream_server.py N PORTFILE [FIRST]`) so that the server's
work does not share a core's event loop with the client being measured. The notifications are
numbers FIRST … FIRST + N - 1 (default 1: the ids `_inbox_fixture.fill_store` uses too; a
replay onto a filled store starts after them).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def _stamp(moment: datetime) -> str:
    """`2026-11-28T10:00:00Z`: the same length whatever the moment (payload sizes stay put)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


#: Created when the server starts, due a day later: open while a benchmark runs. Fixed dates
#: had every notification expired a day after they were written, and `memory.py`'s live
#: replay, which counts the unread (open) ones, waited for a count that never came.
_CREATED = datetime.now(UTC)


def notification(i: int) -> dict[str, Any]:
    """A realistic notification of about 1.5 KB."""
    return {
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "version": "1.0",
        "timestamp": _stamp(_CREATED),
        "deadline": _stamp(_CREATED + timedelta(days=1)),
        "service": {"id": "deploy-bot", "name": "deploy-bot"},
        "context": {
            "title": f"Promote checkout 2.{i % 50}.{i % 7} to production?",
            "description": "Staging has been green for 11 hours. " * 24,
            "project": "checkout",
            "metadata": {"priority": "high", "environment": "production", "version": "2.3.3"},
        },
        "actions": [
            {"id": "promote", "label": "Promote", "response_type": "simple",
             "flags": ["irreversible"]},
            {"id": "defer", "label": "Defer", "response_type": "choice",
             "options": [{"value": "1h", "label": "1 hour"}, {"value": "1d", "label": "1 day"}]},
            {"id": "why", "label": "Reject with reason", "response_type": "text",
             "constraints": {"max_length": 500}},
        ],
        "status": "delivered",
    }  # fmt: skip


def body(count: int, first: int = 1) -> bytes:
    """All frames, ids first..first + count - 1."""
    parts = [
        f"id: {i}\nevent: notification\ndata: {json.dumps(notification(i))}\n\n"
        for i in range(first, first + count)
    ]
    return "".join(parts).encode()


async def main(count: int, port_file: Path, first: int = 1) -> None:
    payload = body(count, first)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        )
        try:
            writer.write(payload)
            await writer.drain()
            await reader.read()  # idle until the client goes away
        except ConnectionError:
            pass  # a client stops reading once it has counted what it needed
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port_file.write_text(str(server.sockets[0].getsockname()[1]))  # noqa: ASYNC240 (once)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2]), first))
