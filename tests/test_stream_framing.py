"""SSE-CLIENT-RULES.md §(e) cases 1–23, 26–29: framing, parsing and dedupe through real sockets."""

from __future__ import annotations

import json
import random

import pytest

from tests.engine_helpers import (
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    skipped,
    states,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames
from tests.ids import short_id


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5000", 5.0),
        ("03000", 3.0),
        ("-1", 3.0),
        ("+5", 3.0),
        ("1_000", 3.0),
        ("١٢", 3.0),
        ("²", 3.0),
        ("1e3", 3.0),
        (" 12", 3.0),
        ("", 3.0),
        ("0", 0.5),
        ("99999999999", 60.0),
    ],
)
async def test_retry_values_set_the_next_wait(value: str, expected: float, fake_clock) -> None:
    """Case 10 [D6; H6]: checked on the next wait with a fake clock."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(f"retry: {value}\n\n" if value else "retry\n\n")
        else:
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        await collect(engine, has_state("connected", 2))
    assert fake_clock.sleeps[0] == pytest.approx(expected)


async def test_odd_ids(fake_clock) -> None:
    """Case 11 [A2, D6]: NUL ids ignored; non-ASCII ids resent as UTF-8 bytes, query encoded."""
    odd = "é…<&= #" + "x" * 240

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(frame(notification("n1"), event_id=odd))
            await conn.write(frame(notification("n2"), event_id="a\0b"))
        else:
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 2))
    assert notification_ids(events) == ["n1", "n2"]
    resume = server.requests[1]
    assert resume.last_event_id == odd
    assert resume.query["last_event_id"] == odd
    raw = dict(resume.raw_headers)[b"Last-Event-ID"]
    assert raw.startswith("é…".encode())


async def test_empty_id_clears_the_cursor(fake_clock, tmp_path) -> None:
    """Case 12 [D6, F4]: cleared on disk too; the next request sends no cursor at all."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(frame(notification("n1"), event_id="7"))
            await conn.write("id:\ndata: {}\nevent: ping\n\n")
        elif conn.request.index == 1:
            await conn.write(frame(notification("n1"), event_id="7"))
            await conn.write(frame(notification("n2"), event_id="8"))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock, state_dir=tmp_path)
        events = await collect(engine, has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]
    resume = server.requests[1]
    assert resume.last_event_id is None
    assert "last_event_id" not in resume.query


async def test_unknown_and_miscased_fields_are_ignored(fake_clock) -> None:
    """Case 13 [D3–D5]."""
    good = json.dumps(notification("n1"))

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(f"Data: {good}\nID: 9\nevent : x\n data:x\nfoo:bar\nbare\n\n")
        await conn.write(f"event: notification\ndata:{good}\n\n")
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(1))
    assert notification_ids(events) == ["n1"]
    assert engine._store.cursor == ""


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


@pytest.mark.parametrize("size", [600 * 1024, 10 * 1024 * 1024])
async def test_oversized_event_is_skipped_and_the_stream_continues(size: int, fake_clock) -> None:
    """Case 16 [G7; H10]: not dispatched, reported with its id, cursor past it, no reconnect."""
    big = notification("big", "x" * size)

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(big, event_id="5"), chunk=64 * 1024)
        await conn.write(notification_frames(6, 7))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(1), timeout=30)
    assert notification_ids(events) == ["n6"]
    reports = skipped(events)
    assert len(reports) == 1 and "oversized" in reports[0].reason and reports[0].event_id == "5"
    assert len(server.requests) == 1
    assert engine._store.cursor == "6"


async def test_event_just_under_the_limit_is_shown(fake_clock) -> None:
    """Case 15 [G7]."""
    body = notification("n1", "y" * (500 * 1024))

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(body, event_id="1"), chunk=16 * 1024)
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    assert notification_ids(events) == ["n1"]


@pytest.mark.parametrize(
    "data", ['{"id":', "null", "[]", "plain text", "[" * 100_000, '{"id": NaN}'], ids=short_id
)
async def test_invalid_json_is_skipped_and_the_cursor_advances(data: str, fake_clock) -> None:
    """Cases 20–21: not shown, reported, the cursor moves on, the stream stays up."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(data, event_id="1"))
        await conn.write(notification_frames(2, 3))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(1))
    assert notification_ids(events) == ["n2"]
    assert len(skipped(events)) == 1
    assert engine._store.cursor == "2"
    assert len(server.requests) == 1


async def test_odd_but_valid_values_get_safe_fallbacks(fake_clock) -> None:
    """Case 22: missing or numeric title, bad deadline, unknown type, empty actions."""
    odd = [
        {"id": "a", "context": {}, "actions": []},
        {"id": "b", "context": {"title": 42}, "deadline": "next tuesday", "actions": []},
        {"id": "c", "context": {"title": "t"}, "actions": [{"id": "x", "response_type": "slider"}]},
    ]

    async def script(conn: Conn) -> None:
        await conn.send_head()
        for i, body in enumerate(odd):
            await conn.write(frame(body, event_id=str(i)))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(3))
    received = {e.notification.id: e.notification for e in events if hasattr(e, "notification")}
    assert received["a"].title == "(untitled)"
    assert received["b"].title == "42" and received["b"].deadline is None
    assert received["c"].actions[0].response_type == "slider"


async def test_unknown_events_are_ignored_and_the_cursor_advances(fake_clock) -> None:
    """Case 23."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame({"x": 1}, event="foo", event_id="1"))
        await conn.write(frame(notification("n9"), event="NOTIFICATION", event_id="2"))
        await conn.write(frame(notification("n3"), event_id="3"))
        await conn.write("id: 4\nevent: foo\ndata: {}\n\n")
        await conn.write(frame(notification("n5")))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(2))
    assert engine._store.cursor == "4"
    assert notification_ids(events) == ["n3", "n5"]
    assert engine.stats.unknown_events == 3


async def test_duplicate_ids_in_one_stream_and_across_a_reconnect(fake_clock) -> None:
    """Case 26 [G5]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(notification_frames(38, 42) + notification_frames(41, 42))
        else:
            await conn.write(notification_frames(38, 43))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(5))
    assert notification_ids(events) == ["n38", "n39", "n40", "n41", "n42"]
    assert engine.stats.duplicates == 5


async def test_same_notification_with_a_new_event_id_is_shown_once(fake_clock) -> None:
    """Case 27 [G5]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write(frame(notification("n1"), event_id="1001"))
        await conn.write(frame(notification("n2"), event_id="1002"))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]


async def test_event_without_own_id_is_not_a_duplicate(fake_clock) -> None:
    """Case 28 [E5; H11]: shown, and the cursor does not move backwards."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write(frame(notification("n2")))
        await conn.write(
            frame({"notification_id": "n1", "status": "expired"}, event="status_update")
        )
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda ev: any(hasattr(e, "status") for e in ev))
    assert notification_ids(events) == ["n1", "n2"]
    assert engine._store.cursor == "1"


async def test_ids_out_of_order_resume_from_the_last_received(fake_clock) -> None:
    """Case 29 [F3]: ids are opaque, never compared numerically."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            for number in (5, 3, 4):
                await conn.write(frame(notification(f"n{number}"), event_id=str(number)))
        else:
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 2))
    assert notification_ids(events) == ["n5", "n3", "n4"]
    assert server.requests[1].last_event_id == "4"


async def test_first_connection_sends_no_cursor_and_token_only_in_header(fake_clock) -> None:
    """Cases 35 and 66(a): no resume on the first connection; the token never in the URL."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    first = server.requests[0]
    assert first.last_event_id is None and "last_event_id" not in first.query
    assert first.headers["authorization"] == "Bearer s3cret-token-value"
    assert first.headers["accept"] == "text/event-stream"
    assert first.headers["cache-control"] == "no-cache"
    assert "token" not in first.query
    assert "s3cret" not in first.path


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
