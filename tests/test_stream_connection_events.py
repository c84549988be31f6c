"""SSE-CLIENT-RULES.md §(e) cases 24, 30, 31 and 33: what the stream engine does with what a
connection carries (server error events, status updates held or ignored) and resuming from
the persisted cursor after a restart."""

from __future__ import annotations

from atp_tui.client.events import ServerErrorReceived
from tests.engine_helpers import (
    collect,
    has_notifications,
    make_engine,
    notification_ids,
    status_changes,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames


async def test_server_error_event_is_reported_and_the_stream_stays(fake_clock) -> None:
    """Case 24."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(
            frame({"code": "RATE_LIMIT_EXCEEDED", "message": "slow down"}, event="error")
        )
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    errors = [e for e in events if isinstance(e, ServerErrorReceived)]
    assert errors[0].error.code == "RATE_LIMIT_EXCEEDED"
    assert len(server.requests) == 1


async def test_status_update_for_an_unknown_notification_is_held(fake_clock) -> None:
    """Case 30: no phantom row; applied when the notification arrives late."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        update = {"notification_id": "late", "status": "invalidated", "reason": "withdrawn"}
        await conn.write(frame(update, event="status_update", event_id="1"))
        await conn.write(frame(notification("late"), event_id="2"))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda ev: bool(status_changes(ev)))
    assert notification_ids(events) == ["late"]
    assert status_changes(events) == [("late", "invalidated")]
    assert engine._store.get("late").status == "invalidated"


async def test_status_updates_only_move_forward(fake_clock) -> None:
    """Case 31: `delivered` after `responded`, anything after `expired` → ignored."""
    updates = [
        ("a", "responded"),
        ("a", "delivered"),
        ("b", "expired"),
        ("b", "responded"),
        ("b", "invalidated"),
        ("a", "completed"),
    ]

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(
            frame(notification("a"), event_id="1") + frame(notification("b"), event_id="2")
        )
        for i, (nid, status) in enumerate(updates):
            body = {"notification_id": nid, "status": status}
            await conn.write(frame(body, event="status_update", event_id=str(10 + i)))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda ev: ("a", "completed") in status_changes(ev))
    assert status_changes(events) == [("a", "responded"), ("b", "expired"), ("a", "completed")]


async def test_restart_resumes_from_the_persisted_cursor(fake_clock, tmp_path) -> None:
    """Case 33: a new process with the same state dir resumes; the replay is hidden."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(notification_frames(1, 4))
        else:
            await conn.write(notification_frames(1, 6))
        await conn.hang()

    async with HostileServer(script) as server:
        first = await collect(
            make_engine(server.url, clock=fake_clock, state_dir=tmp_path), has_notifications(3)
        )
        second = await collect(
            make_engine(server.url, clock=fake_clock, state_dir=tmp_path), has_notifications(2)
        )
    assert notification_ids(first) == ["n1", "n2", "n3"]
    assert notification_ids(second) == ["n4", "n5"]
    assert server.requests[1].last_event_id == "3"
    assert server.requests[1].query["last_event_id"] == "3"
