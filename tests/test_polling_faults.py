"""The polling fallback reads a bounded page (SSE-CLIENT-RULES case 78 on the polling path):
a compressed bomb, an endless body or JSON nested past what Python can decode is refused with
one clear reason, and never fills memory or ends the engine with a traceback."""

from __future__ import annotations

import tracemalloc
import zlib

import pytest

from atp_tui.client.events import ConnectionChanged
from atp_tui.client.polling import MAX_PAGE_BYTES
from tests.engine_helpers import collect, has_state, make_engine
from tests.hostile import Conn, HostileServer, Script

MIB = 1024 * 1024


def poll_answers(body: Script) -> Script:
    """No SSE (404 on the stream), so the engine polls; `body` answers the poll."""

    async def script(conn: Conn) -> None:
        if conn.request.path.endswith("/events"):
            await conn.send_response(404, b"")
        else:
            await body(conn)

    return script


async def endless_gzip_of_spaces(conn: Conn) -> None:
    """`{"notifications": ` then whitespace, gzip-compressed (≈ 1000:1), never ending."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    start = compressor.compress(b'{"notifications": ') + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(b" " * MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    await conn.send_head(headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    conn.writer.write(start)
    while not conn.writer.is_closing():
        conn.writer.write(piece)
        await conn.writer.drain()


async def deeply_nested(conn: Conn) -> None:
    await conn.send_response(200, b'{"notifications": ' + b"[" * 200_000, "application/json")


def _failure(events: list[object]) -> str:
    return next(
        e.state.detail
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "failed"
    )


async def test_a_compressed_bomb_of_a_page_is_refused_at_the_page_limit() -> None:
    async with HostileServer(poll_answers(endless_gzip_of_spaces)) as server:
        engine = make_engine(server.url, heartbeat=30.0)
        tracemalloc.start()
        try:
            events = await collect(engine, has_state("failed"), timeout=30)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert f"larger than {MAX_PAGE_BYTES // MIB} MiB" in _failure(events)
    assert peak < 1.5 * MAX_PAGE_BYTES, f"peak {peak / MIB:.0f} MiB"


@pytest.mark.parametrize("body", [deeply_nested], ids=["200000-levels"])
async def test_json_nested_too_deep_for_python_is_not_json(body: Script) -> None:
    async with HostileServer(poll_answers(body)) as server:
        engine = make_engine(server.url, heartbeat=30.0)
        events = await collect(engine, has_state("failed"), timeout=30)
    assert "did not answer JSON" in _failure(events)
