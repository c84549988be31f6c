"""SSE-CLIENT-RULES.md §(e) cases 26–29, 35 and 66(a), through real sockets: dedupe by event id
and by notification, the cursor on resume, and the first request (no cursor, the token only
in the header)."""

from __future__ import annotations

from tests.engine_helpers import (
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames


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
