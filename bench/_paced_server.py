"""A local SSE server for the TUI benchmarks: N notification frames, all at once or paced.

    python bench/_paced_server.py COUNT INTERVAL RESULTS_DIR PORTFILE [DELAY]

Every connection gets the same COUNT frames (ids 1..COUNT, plus the frame of notification 0,
a "sentinel" whose deadline is the soonest). INTERVAL 0 writes them in one go (a replay
burst); INTERVAL > 0 writes one frame every INTERVAL seconds on an absolute schedule (no
drift). DELAY seconds (default 0) pass between the response headers and the first frame, so a
client can settle first. The server then idles until the client goes away.

Each notification's title starts with `#NNNNNN` (its number), so a benchmark can recognise the
row in a rendered line; its id (a random-looking UUID, `notification_id`) is none of
`_inbox_fixture.fill_store`'s, so a replay onto a filled store adds every row;
`context.metadata.sent_at` carries the send time. Deadlines fall with the number (a later
notification is more urgent) but stay after the sentinel's: in deadline order every new row
sorts just below the sentinel, i.e. at the top of the inbox and in view.

The request path's first segment is a run tag (`/run-3/api/v1/client/events`); when the last
frame has been written, the server writes `RESULTS_DIR/<tag>.json` with `start` (just before
the first write), `end` (the last write accepted by the kernel) and `sent` (per frame, the
time just before it was written), all on `time.monotonic()`, which on Linux and macOS is one
clock for every process. The write buffer limit is 0 and the socket's send buffer small, so
"accepted by the kernel" is close to "on its way to the client".

Run it as a subprocess, so its work does not share a core's event loop with the client.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _stream_server import notification as base_notification

#: The kernel send buffer of each connection (see the module docstring).
SEND_BUFFER = 64 * 1024


def notification_id(i: int) -> str:
    """Notification `i`'s id: a version-4 UUID, random as a real server's are (made from `i`,
    so every run sends the same ones). Sequential ids would add every row at the end of the
    store's id indexes, a few pages a commit; random ones rewrite pages all over them, which
    is what a replay onto a full inbox costs in WAL and checkpoints."""
    return str(uuid.UUID(int=random.Random(i).getrandbits(128), version=4))


def notification(i: int, now: datetime, sent_at: float) -> dict[str, Any]:
    """Notification `i` (about 1.5 KB): `#NNNNNN` title, falling deadline, send time."""
    body = base_notification(i)
    body["id"] = notification_id(i)
    deadline = now + (timedelta(hours=1) if i == 0 else timedelta(days=1, seconds=-i))
    stamp = now.isoformat().replace("+00:00", "Z")
    body["timestamp"] = stamp
    body["deadline"] = deadline.isoformat().replace("+00:00", "Z")
    body["context"]["title"] = f"#{i:06d} promote checkout 2.{i % 50}.{i % 7}?"
    body["context"]["metadata"]["sent_at"] = round(sent_at, 6)
    return body


def frame(i: int, now: datetime, sent_at: float = 0.0) -> bytes:
    """One SSE frame (its event id is `i + 1`, so the sentinel is not id 0)."""
    data = json.dumps(notification(i, now, sent_at))
    return f"id: {i + 1}\nevent: notification\ndata: {data}\n\n".encode()


async def serve(
    count: int, interval: float, results: Path, port_file: Path, delay: float = 0.0
) -> None:
    """Serve until killed."""
    burst: list[bytes] = []  # built once, on the first connection (10,000 frames take a while)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ", 2)[1].decode("latin-1")
        tag = path.strip("/").split("/", 1)[0] or "untagged"
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        writer.transport.set_write_buffer_limits(0)
        now = datetime.now(UTC)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        await asyncio.sleep(delay)
        sent: list[float] = []
        if interval <= 0:
            if not burst:
                burst.append(b"".join(frame(i, now) for i in range(count)))
            start = time.monotonic()
            writer.write(burst[0])
            await writer.drain()
        else:
            start = next_at = time.monotonic()
            for i in range(count):
                wait = next_at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                at = time.monotonic()
                writer.write(frame(i, now, at))
                sent.append(at)
                await writer.drain()
                next_at += interval
        end = time.monotonic()
        target = results / f"{tag}.json"
        if not target.exists():  # a reconnect must not overwrite the first connection's times
            report = {"start": start, "end": end, "sent": sent}
            target.write_text(json.dumps(report))
        try:
            await reader.read()  # idle until the client goes away
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port_file.write_text(str(server.sockets[0].getsockname()[1]))  # noqa: ASYNC240 (once)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    count, interval, results, port_file, *delay = sys.argv[1:]
    asyncio.run(
        serve(int(count), float(interval), Path(results), Path(port_file), *map(float, delay))
    )
