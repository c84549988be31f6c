"""SSE-CLIENT-RULES.md §(e) cases 4, 36–41 and 46: how the stream engine answers each HTTP status
and content type (stop, ask for a new token, fall back to polling) and follows or refuses
redirects."""

from __future__ import annotations

import pytest

from atp_tui.client.events import ConnectionChanged
from tests.engine_helpers import (
    TOKEN,
    _waits,
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    states,
)
from tests.hostile import Conn, HostileServer, notification, notification_frames


@pytest.mark.parametrize("status", [204, 205, 299])
async def test_other_2xx_statuses_stop_without_reconnecting(status: int, fake_clock) -> None:
    """Cases 36–37 [B2, F6]: one request, state `failed`, no further attempt."""

    async def script(conn: Conn) -> None:
        await conn.send_response(status, b"")

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_state("failed"))
    failed = [e.state for e in events if isinstance(e, ConnectionChanged)][-1]
    assert failed.kind == "failed"
    # Parked until the user asks (`r`): no retry scheduled, no backoff wait begun.
    assert failed.retry_in is None
    assert fake_clock.sleeps == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_credentials_refused_stops_and_resumes_with_new_token(
    status: int, fake_clock
) -> None:
    """Cases 38–40 [G2]: one request; a new token resumes with the preserved cursor."""

    async def script(conn: Conn) -> None:
        auth = conn.request.headers.get("authorization")
        if conn.request.index == 0:
            await conn.send_head()
            await conn.write(notification_frames(1, 3))
        elif auth != "Bearer fresh":
            await conn.send_response(
                status, {"error": {"code": "AUTH_INVALID_TOKEN", "message": "bad"}}
            )
        else:
            await conn.send_head()
            await conn.write(notification_frames(1, 4))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)

        def until(events):
            if states(events).count("auth_refused") == 1 and states(events)[-1] == "auth_refused":
                engine.set_token("fresh")
            return len(notification_ids(events)) >= 3

        events = await collect(engine, until)
    assert notification_ids(events) == ["n1", "n2", "n3"]
    refused = [
        e.state
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "auth_refused"
    ]
    assert len(refused) == 1 and TOKEN not in refused[0].describe()
    assert str(status) in refused[0].detail
    assert len(server.requests) == 3
    assert server.requests[2].last_event_id == "2"


@pytest.mark.parametrize("status", [404, 405, 406, 410])
async def test_no_sse_endpoint_falls_back_to_polling(status: int, fake_clock) -> None:
    """Cases 4 and 41 [G3]: polling delivers the notifications."""

    async def script(conn: Conn) -> None:
        if conn.request.path.endswith("/events"):
            await conn.send_response(status, {"error": {"code": "NOT_FOUND", "message": "no"}})
        else:
            body = {
                "notifications": [notification("p1"), notification("p2")],
                "pagination": {"next_cursor": "c1", "has_more": False, "total_count": 2},
            }
            await conn.send_response(200, body)

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["p1", "p2"]
    assert "polling" in states(events)
    polls = [r for r in server.requests if r.path.endswith("/notifications")]
    assert polls[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "content_type", ["text/html", None, "application/json", "text/event-streamish"]
)
async def test_wrong_content_type_polls_and_fails_when_polling_fails(
    content_type, fake_clock
) -> None:
    """Case 4 [B3, G3]: not parsed as SSE; a captive portal fails polling too → `failed`."""

    async def script(conn: Conn) -> None:
        await conn.send_response(200, notification_frames(1, 2), content_type=content_type or "")

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_state("failed"))
    assert notification_ids(events) == []
    assert "polling" in states(events)
    failed = [
        e.state for e in events if isinstance(e, ConnectionChanged) and e.state.kind == "failed"
    ]
    assert "retry" in failed[0].detail


async def test_redirects_are_followed_with_authorization_and_restart_at_the_origin(
    fake_clock,
) -> None:
    """Case 46 [A3]: 307 same origin keeps Authorization; reconnects start at the original URL."""

    async def script(conn: Conn) -> None:
        if conn.request.path.endswith("/events"):
            await conn.send_response(307, b"", headers={"Location": "/moved/stream"})
        else:
            await conn.send_head()
            if len(server.requests) <= 2:
                await conn.write(notification_frames(1, 2))
            else:
                await conn.hang()

    async with HostileServer(script) as server:
        await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 2))
    assert [r.path for r in server.requests[:4]] == [
        "/api/v1/client/events",
        "/moved/stream",
        "/api/v1/client/events",
        "/moved/stream",
    ]
    assert server.requests[1].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("location", "expected"),
    [(None, "without a usable Location"), ("/api/v1/client/events", "too many redirects")],
)
async def test_redirect_loop_and_missing_location_are_errors(
    location: str | None, expected: str, fake_clock
) -> None:
    """Case 46: a 3xx without Location, and a redirect loop, are errors with backoff."""

    async def script(conn: Conn) -> None:
        headers = {"Location": location} if location else {}
        await conn.send_response(301, b"", headers=headers)

    async with HostileServer(script) as server:
        events = await collect(
            make_engine(server.url, clock=fake_clock), has_state("reconnecting", 2)
        )
    details = [e.state.detail for e in events if isinstance(e, ConnectionChanged)]
    assert expected in details[-1]
    assert _waits(events) == [3, 6]
    assert len(server.requests) <= 2 * 11
