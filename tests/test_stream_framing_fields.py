"""SSE-CLIENT-RULES.md §(e) cases 10–13, 15–16 and 20–23, through real sockets: fields and
payloads (retry, id, unknown fields, the event size limit, invalid JSON, odd values,
unknown events)."""

from __future__ import annotations

import json

import pytest

from tests.engine_helpers import (
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    skipped,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames
from tests.ids import short_id


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
