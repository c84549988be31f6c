"""SSE-CLIENT-RULES.md §(e) cases 1–9, 14 and 17, through real sockets: bytes, lines and blocks
(cuts mid-event and mid-character, garbage, content types, BOMs, line endings, Unicode
separators, comments, blocks without data, chunking, the line cap)."""

from __future__ import annotations

import json
import random

import pytest

from tests.engine_helpers import (
    collect,
    has_notifications,
    make_engine,
    notification_ids,
    skipped,
    states,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames


async def test_close_mid_event_resumes_from_last_complete_event(fake_clock) -> None:
    """Case 1 [E7, F1, F3]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(frame(notification("n41"), event_id="41"))
            await conn.write('id: 42\nevent: notification\ndata: {"id":"n42","ti')
        else:
            await conn.write(frame(notification("n42"), event_id="42"))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(2))
    assert notification_ids(events) == ["n41", "n42"]
    resume = server.requests[1]
    assert resume.last_event_id == "41"
    assert resume.query["last_event_id"] == "41"


async def test_close_inside_multibyte_character(fake_clock) -> None:
    """Case 2 [C4, E7]: no event from the cut frame; the replay decodes correctly."""
    body = frame(notification("n1", "café"), event_id="1").encode()
    cut = body.index("é".encode()) + 1

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(body[:cut])
        else:
            await conn.write(body, chunk=1)
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    received = [e for e in events if hasattr(e, "notification")]
    assert [e.notification.title for e in received] == ["café"]


async def test_garbage_then_valid_events(fake_clock) -> None:
    """Case 3 [C1, G7]: the parser never raises; valid events after a resync are shown."""
    rng = random.Random(7)
    garbage = bytes(rng.choice(b"\x00\xff\r:abc \n\xfe") for _ in range(64 * 1024))

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(garbage + b"\n\n")
        await conn.write(notification_frames(1, 4))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(3))
    assert notification_ids(events) == ["n1", "n2", "n3"]


@pytest.mark.parametrize(
    "content_type", ["text/event-stream; charset=utf-8", "text/event-stream;", "TEXT/Event-Stream"]
)
async def test_accepted_content_types(content_type: str, fake_clock) -> None:
    """Case 4, accepted variants [B3]."""

    async def script(conn: Conn) -> None:
        await conn.send_head(content_type=content_type)
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    assert notification_ids(events) == ["n1"]


def _bom_script(split: list[int]):
    body = b"\xef\xbb\xbf" + notification_frames(1, 2).encode()

    async def script(conn: Conn) -> None:
        await conn.send_head()
        data = (
            body
            if conn.request.index == 0
            else b"\xef\xbb\xbf" + notification_frames(2, 3).encode()
        )
        start = 0
        for cut in [*split, len(data)]:
            await conn.write(data[start:cut])
            start = cut
        if conn.request.index >= 1:
            await conn.hang()

    return script


@pytest.mark.parametrize("split", [[], [1], [1, 2], [2]])
async def test_bom_on_first_and_second_connection(split: list[int], fake_clock) -> None:
    """Case 5 [C2, F7]: a leading BOM, whole or split, is stripped on every response."""
    async with HostileServer(_bom_script(split)) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]


async def test_bom_before_a_later_event_makes_it_ignored(fake_clock) -> None:
    """Case 5 [C2]: a BOM later in the stream is text, so that block's field is unknown."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(notification_frames(1, 2))
        await conn.write(b"\xef\xbb\xbf" + f"data: {json.dumps(notification('n2'))}\n\n".encode())
        await conn.write(notification_frames(3, 4))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["n1", "n3"]


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r", "mixed", "crlf-split"])
async def test_line_endings_give_identical_events(ending: str, fake_clock) -> None:
    """Case 6 [C3, C5]."""
    text = notification_frames(1, 4)
    if ending == "mixed":
        lines = text.split("\n")
        # A lone CR followed by an empty line ending in LF would read as one CRLF: end empty
        # lines with CRLF so every line keeps its own terminator.
        body = "".join(
            line + ("\r\n" if not line else ("\r\n", "\r", "\n")[i % 3])
            for i, line in enumerate(lines[:-1])
        )
    elif ending == "crlf-split":
        body = text.replace("\n", "\r\n")
    else:
        body = text.replace("\n", ending)

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if ending == "crlf-split":
            for piece in body.split("\r\n"):
                await conn.write(piece + "\r")
                await conn.write("\n")
        else:
            await conn.write(body, chunk=1 if ending == "\r" else None)
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(3))
    assert notification_ids(events) == ["n1", "n2", "n3"]


async def test_unicode_separators_do_not_split_lines(fake_clock) -> None:
    """Case 7 [C3]: U+2028/2029/0085 stay inside one JSON line; raw VT/FF make it invalid."""
    title = "a\u2028b\u2029c\u0085d"
    raw = json.dumps(notification("n1", title), ensure_ascii=False)
    bad = json.dumps(notification("n2", "PLACEHOLDER")).replace("PLACEHOLDER", "x\x0by\x0cz")

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(raw, event_id="1") + frame(bad, event_id="2"))
        await conn.write(notification_frames(3, 4))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    received = [e.notification for e in events if hasattr(e, "notification")]
    assert [n.id for n in received] == ["n1", "n3"]
    assert received[0].title == title
    assert len(skipped(events)) == 1


async def test_comments_and_blank_lines_make_no_phantom_events(fake_clock) -> None:
    """Case 8 [D2, E2; H1, H2]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(notification_frames(1, 2) + ": ping\n\n" * 100 + "\n\n\n")
        await conn.write(notification_frames(2, 3))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]
    assert skipped(events) == []


async def test_blocks_without_data(fake_clock) -> None:
    """Case 9 [E1, E2]: nothing shown; `id: 50` alone still moves the cursor."""
    store_holder = {}

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write("id: 50\n\nevent: notification\n\nretry: 4000\n\n")
        await conn.write(frame(notification("n1")))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        store_holder["store"] = engine._store
        events = await collect(engine, has_notifications(1))
    assert notification_ids(events) == ["n1"]
    assert store_holder["store"].cursor == "50"
    assert engine._backoff.base == 4.0


async def test_many_events_coarse_and_fine_chunking(fake_clock) -> None:
    """Case 14 [C5]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(notification_frames(0, 100))
        await conn.write(notification_frames(100, 200), chunk=1)
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(200))
    assert notification_ids(events) == [f"n{i}" for i in range(200)]


async def test_line_too_long_drops_the_connection(fake_clock) -> None:
    """Case 17 [G6, G7]: an endless line trips the line cap; memory stays bounded."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(b":" + b"x" * (17 * 1024 * 1024), chunk=1024 * 1024)
            await conn.hang()
        else:
            await conn.write(notification_frames(1, 2))
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(
            make_engine(server.url, clock=fake_clock), has_notifications(1), timeout=30
        )
    assert "reconnecting" in states(events)
    assert notification_ids(events) == ["n1"]
