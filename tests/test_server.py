"""The reference ATP server, run for real on 127.0.0.1 and driven with httpx."""

from __future__ import annotations

import base64
import json
import logging
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from atp_tui.protocol import Notification
from atp_tui.server import (
    AsgiServer,
    DemoAgents,
    RunningServer,
    ServerConfig,
    ServerState,
    ServerValidationError,
    verify_signature,
)
from atp_tui.server.client_api import decode_cursor, encode_cursor
from atp_tui.server.events import EventLog
from tests.server_helpers import (
    ADMIN_TOKEN,
    AUTH,
    EVENTS,
    NOTIFICATIONS,
    RESPOND,
    USER_TOKEN,
    ManualClock,
    eventually,
    notification_body,
    open_stream,
)

FAST: dict[str, Any] = {"ping_interval": 0.2, "expiry_check_interval": 0.05}


def fast_config(**overrides: Any) -> ServerConfig:
    """A config with short intervals, so that tests stay quick."""
    return ServerConfig(**{**FAST, **overrides})


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    async with RunningServer(fast_config()) as running:
        yield running


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
        yield http


def error_code(response: httpx.Response) -> str:
    """The ATP error code of an error response."""
    return response.json()["error"]["code"]


def add(server: RunningServer, **kwargs: Any) -> dict[str, Any]:
    """Store a notification directly in the server's state."""
    return server.state.add_notification(notification_body(**kwargs))


# Auth


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", EVENTS),
        ("GET", NOTIFICATIONS),
        ("GET", f"{NOTIFICATIONS}/{{id}}"),
        ("POST", RESPOND),
    ],
)
async def test_client_endpoints_accept_the_token_in_the_header_or_the_query(
    server: RunningServer, method: str, path: str
) -> None:
    notification = add(server)
    path = path.format(id=notification["id"])
    body = {"notification_id": notification["id"], "action_id": "ok", "response_data": None}
    cases = [
        ("header", {"headers": AUTH}, False),
        ("query", {"params": {"token": USER_TOKEN}}, False),
        ("missing", {}, True),
        ("wrong header", {"headers": {"Authorization": "Bearer nope"}}, True),
        ("wrong query", {"params": {"token": "nope"}}, True),
        ("not bearer", {"headers": {"Authorization": f"Basic {USER_TOKEN}"}}, True),
    ]
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        for name, options, refused in cases:
            extra = {"json": body} if method == "POST" else {}
            async with http.stream(method, path, **options, **extra) as response:
                if refused:
                    await response.aread()
                    assert response.status_code == 401, name
                    assert error_code(response) == "AUTH_INVALID_TOKEN", name
                    assert response.json()["error"]["request_id"], name
                else:
                    assert response.status_code in (200, 409), name  # 409: answered already
    await eventually(lambda: server.state.open_streams == 0)


# SSE stream


async def test_stream_starts_with_retry_and_sends_one_line_json_events(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    first = add(server, title="first")
    second = add(server, title="line one\nline two")
    async with open_stream(client) as (response, reader):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        hello = await reader.next_frame()
        assert hello.retry == 3000 and hello.event is None
        frames = await reader.events(2)
    assert [frame.event for frame in frames] == ["notification", "notification"]
    assert [frame.json() for frame in frames] == [first, second]
    assert frames[1].json()["context"]["title"] == "line one\nline two"
    seqs = [int(frame.id.split("-")[1]) for frame in frames if frame.id]
    assert seqs == sorted(seqs) and len(set(seqs)) == 2
    assert all(frame.id and frame.id.split("-")[0].isdigit() for frame in frames)


async def test_live_events_follow_the_replay(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    add(server, title="old")
    async with open_stream(client) as (_, reader):
        assert [f.json()["context"]["title"] for f in await reader.events(1)] == ["old"]
        add(server, title="new")
        (frame,) = await reader.events(1)
    assert frame.json()["context"]["title"] == "new"


async def test_resume_replays_only_what_follows_the_last_event_id(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    titles = ["one", "two", "three"]
    for title in titles:
        add(server, title=title)
    ids = [event.id for event in server.state.log]

    async def replayed(params: dict[str, str], headers: dict[str, str]) -> list[str]:
        async with open_stream(client, params=params, headers=headers) as (_, reader):
            return [frame.json()["context"]["title"] for frame in await reader.until_ping()]

    assert await replayed({}, {"Last-Event-ID": ids[0]}) == ["two", "three"]
    assert await replayed({"last_event_id": ids[1]}, {}) == ["three"]
    # The header wins when both are given.
    assert await replayed({"last_event_id": ids[1]}, {"Last-Event-ID": ids[0]}) == ["two", "three"]
    assert await replayed({}, {"Last-Event-ID": ids[2]}) == []
    # An unknown id (a restarted server) and no id at all replay everything retained.
    assert await replayed({}, {"Last-Event-ID": "1-999999"}) == titles
    assert await replayed({}, {}) == titles
    records = server.state.stream_requests
    assert records[0]["last_event_id_header"] == ids[0]
    assert records[2]["last_event_id_query"] == ids[1]
    assert records[2]["resumed_from"] == ids[0]
    assert records[4]["resumed_from"] is None
    assert all(record["authorization"] and not record["query_token"] for record in records)


async def test_full_replay_includes_later_status_updates(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    server.state.respond(notification["id"], "ok", None)
    async with open_stream(client) as (_, reader):
        frames = await reader.until_ping()
    assert [frame.event for frame in frames] == ["notification", "status_update"]
    assert frames[0].json()["status"] == "delivered"
    update = frames[1].json()
    assert update["notification_id"] == notification["id"]
    assert update["status"] == "responded" and update["timestamp"]


async def test_types_filters_event_names_but_pings_still_arrive(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    server.state.invalidate(notification["id"], "superseded")
    params = {"types": "status_update"}
    async with open_stream(client, params=params) as (_, reader):
        frames = await reader.until_ping()
    assert [frame.event for frame in frames] == ["status_update"]
    assert frames[0].json()["reason"] == "superseded"


async def test_pings_come_at_the_configured_interval_without_ids(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as (_, reader):
        await reader.next_frame()  # retry
        started = time.monotonic()
        pings = [await reader.next_frame() for _ in range(3)]
        elapsed = time.monotonic() - started
    assert [ping.event for ping in pings] == ["ping"] * 3
    assert all(ping.id is None and ping.json()["timestamp"] for ping in pings)
    # Never sooner than the configured 0.2 s apart; the upper bound only tells the configured
    # interval from the 15 s default (a loaded machine delays pings, never hastens them).
    assert 0.4 < elapsed < 10


async def test_eleventh_stream_gets_429_and_slots_are_given_back(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
        streams = []
        for _ in range(10):
            context = open_stream(http)
            response, reader = await context.__aenter__()
            assert response.status_code == 200
            await reader.next_frame()
            streams.append((context, reader))  # a dropped reader closes its stream
        assert server.state.open_streams == 10
        refused = await http.get(EVENTS)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "5"
        assert error_code(refused) == "RATE_LIMIT_EXCEEDED"
        await streams.pop()[0].__aexit__(None, None, None)
        await eventually(lambda: server.state.open_streams == 9)
        async with open_stream(http) as (response, _):
            assert response.status_code == 200
        for context, _ in streams:
            await context.__aexit__(None, None, None)
    await eventually(lambda: server.state.open_streams == 0)
    assert server.state.max_open_streams == 10


async def test_a_client_disconnect_frees_its_stream(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as (_, reader):
        await reader.next_frame()
        assert server.state.open_streams == 1
    await eventually(lambda: server.state.open_streams == 0)
    assert not server.state._subscribers


async def test_close_streams_ends_open_streams(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as (_, reader):
        await reader.next_frame()
        server.state.close_streams()
        assert await reader.to_end() == []
    await eventually(lambda: server.state.open_streams == 0)


async def test_stream_faults_answer_with_the_injected_status(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    server.state.stream_faults.extend([503, 404, 0])
    unavailable = await client.get(EVENTS)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "1"
    assert (await client.get(EVENTS)).status_code == 404
    with pytest.raises(httpx.TransportError):
        await client.get(EVENTS)
    async with open_stream(client) as (response, _):
        assert response.status_code == 200


async def test_the_log_keeps_only_the_newest_events() -> None:
    async with RunningServer(fast_config(event_log_limit=5)) as server:
        notifications = [add(server, title="n0")]
        first_id = server.state.log.after(0)[0].id
        notifications += [add(server, title=f"n{index}") for index in range(1, 12)]
        assert server.state.log.seq_of(first_id) is None
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            forgotten = {"Last-Event-ID": first_id}
            async with open_stream(http, headers=forgotten) as (_, reader):
                titles = [frame.json()["context"]["title"] for frame in await reader.until_ping()]
    assert titles == [n["context"]["title"] for n in notifications[-5:]]


def test_event_log_ids_positions_and_trimming() -> None:
    clock = ManualClock()
    log = EventLog(limit=3)
    events = [log.append("ping", {"n": index}, clock()) for index in range(5)]
    assert [event.id for event in events][:2] == [
        f"{int(clock().timestamp())}-1",
        f"{int(clock().timestamp())}-2",
    ]
    assert [event.data["n"] for event in log] == [2, 3, 4]
    assert log.seq_of(events[0].id) is None
    assert log.seq_of(events[3].id) == 4
    assert [event.data["n"] for event in log.after(4)] == [4]
    assert events[4].frame == f'id: {events[4].id}\nevent: ping\ndata: {{"n":4}}\n\n'


# Polling


async def test_polling_filters_sorts_and_counts(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    first = add(server, project="alpha")
    second = add(server, project="beta")
    third = server.state.add_notification(
        notification_body(project="alpha", service={"id": "other-bot", "name": "Other bot"})
    )
    server.state.invalidate(second["id"])

    async def ids(**params: str) -> list[str]:
        response = await client.get(NOTIFICATIONS, params=params)
        assert response.status_code == 200, response.text
        return [notification["id"] for notification in response.json()["notifications"]]

    assert await ids() == [third["id"], second["id"], first["id"]]
    assert await ids(sort="oldest") == [first["id"], second["id"], third["id"]]
    assert await ids(project="alpha") == [third["id"], first["id"]]
    assert await ids(service_id="other-bot") == [third["id"]]
    assert await ids(status="invalidated") == [second["id"]]
    assert await ids(status="delivered,invalidated", sort="oldest") == [
        first["id"],
        second["id"],
        third["id"],
    ]
    page = (await client.get(NOTIFICATIONS, params={"project": "alpha"})).json()
    assert page["pagination"]["total_count"] == 2 and page["pagination"]["has_more"] is False
    assert page["notifications"][0]["service"] == {"id": "other-bot", "name": "Other bot"}


async def test_polling_limit_bounds_and_bad_parameters(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    for index in range(55):
        add(server, title=f"n{index}")
    default = (await client.get(NOTIFICATIONS)).json()
    assert len(default["notifications"]) == 50 and default["pagination"]["has_more"] is True
    assert default["pagination"]["total_count"] == 55
    full = (await client.get(NOTIFICATIONS, params={"limit": "100"})).json()
    assert len(full["notifications"]) == 55 and full["pagination"]["has_more"] is False
    for params in (
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"sort": "random"},
        {"status": "sleeping"},
        {"cursor": "not-a-cursor!"},
    ):
        response = await client.get(NOTIFICATIONS, params=params)
        assert response.status_code == 400, params
        assert error_code(response) in ("INVALID_PARAMETER", "INVALID_CURSOR"), params


async def test_cursor_with_oldest_continues_with_only_new_notifications(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    created = [add(server, title=f"n{index}")["id"] for index in range(3)]

    async def page(cursor: str | None) -> tuple[list[str], dict[str, Any]]:
        params = {"sort": "oldest", "limit": "2"}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(NOTIFICATIONS, params=params)).json()
        return [n["id"] for n in body["notifications"]], body["pagination"]

    ids, pagination = await page(None)
    assert ids == created[:2] and pagination["has_more"] is True
    ids, pagination = await page(pagination["next_cursor"])
    assert ids == created[2:] and pagination["has_more"] is False
    cursor = pagination["next_cursor"]
    assert cursor
    ids, pagination = await page(cursor)
    assert ids == [] and pagination["next_cursor"] == cursor
    server.state.respond(created[0], "ok", None)  # a status change is not a new item
    later = [add(server, title=f"later{index}")["id"] for index in range(2)]
    ids, pagination = await page(cursor)
    assert ids == later


async def test_cursor_with_newest_pages_backwards(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    created = [add(server)["id"] for _ in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = (await client.get(NOTIFICATIONS, params=params)).json()
        seen += [n["id"] for n in body["notifications"]]
        cursor = body["pagination"]["next_cursor"]
    assert seen == created[::-1]
    assert body["pagination"]["has_more"] is False


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    with pytest.raises(ServerValidationError):
        decode_cursor(base64.urlsafe_b64encode(b"nope").decode())


async def test_get_one_notification_or_404(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    found = await client.get(f"{NOTIFICATIONS}/{notification['id']}")
    assert found.status_code == 200 and found.json() == notification
    missing = await client.get(f"{NOTIFICATIONS}/no-such-id")
    assert missing.status_code == 404 and error_code(missing) == "NOTIFICATION_NOT_FOUND"


async def test_polling_is_rate_limited() -> None:
    async with RunningServer(fast_config(poll_rate_limit=3)) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            statuses = [(await http.get(NOTIFICATIONS)).status_code for _ in range(3)]
            limited = await http.get(f"{NOTIFICATIONS}/whatever")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429 and error_code(limited) == "RATE_LIMIT_EXCEEDED"
    assert 1 <= int(limited.headers["retry-after"]) <= 60


# Respond


async def test_respond_accepts_an_answer_and_tells_every_stream(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    async with open_stream(client) as (_, reader):
        await reader.events(1)
        body = {"notification_id": notification["id"], "action_id": "many", "response_data": ["x"]}
        response = await client.post(RESPOND, json=body)
        (update,) = await reader.events(1)
    assert response.status_code == 200
    reply = response.json()
    assert reply["notification_id"] == notification["id"] and reply["action_id"] == "many"
    assert reply["status"] == "responded" and reply["responded_at"]
    assert update.event == "status_update"
    assert update.json()["status"] == "responded"
    assert server.state.notifications[notification["id"]]["status"] == "responded"
    assert server.state.responses == [{**body, "responded_at": reply["responded_at"]}]
    assert server.state.respond_attempts == [body]


async def test_respond_accepts_every_response_type(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    answers = {
        "ok": None,
        "go": False,
        "pick": "b",
        "many": ["y", "z"],
        "say": "hello",
        "count": 7,
        "when": "2026-03-01",
    }
    for action_id, data in answers.items():
        notification = add(server)
        body = {
            "notification_id": notification["id"],
            "action_id": action_id,
            "response_data": data,
        }
        response = await client.post(RESPOND, json=body)
        assert response.status_code == 200, (action_id, response.text)


async def test_respond_error_table(server: RunningServer, client: httpx.AsyncClient) -> None:
    def fresh(**kwargs: Any) -> str:
        return add(server, **kwargs)["id"]

    answered = fresh()
    server.state.respond(answered, "ok", None)
    withdrawn = fresh()
    server.state.invalidate(withdrawn)
    expired = fresh(deadline=server.state.now() - timedelta(seconds=1))
    assert server.state.expire_due() == [expired]
    cases: list[tuple[str, Any, int, str]] = [
        (
            "no notification_id",
            {"action_id": "ok", "response_data": None},
            400,
            "MISSING_REQUIRED_FIELD",
        ),
        (
            "no action_id",
            {"notification_id": fresh(), "response_data": None},
            400,
            "MISSING_REQUIRED_FIELD",
        ),
        (
            "no response_data",
            {"notification_id": fresh(), "action_id": "ok"},
            400,
            "MISSING_REQUIRED_FIELD",
        ),
        (
            "unknown action",
            {"notification_id": fresh(), "action_id": "nope", "response_data": None},
            400,
            "INVALID_ACTION_ID",
        ),
        (
            "binary as text",
            {"notification_id": fresh(), "action_id": "go", "response_data": "yes"},
            400,
            "INVALID_RESPONSE_DATA",
        ),
        (
            "number as text",
            {"notification_id": fresh(), "action_id": "count", "response_data": "3"},
            400,
            "INVALID_RESPONSE_DATA",
        ),
        (
            "multi as text",
            {"notification_id": fresh(), "action_id": "many", "response_data": "x"},
            400,
            "INVALID_RESPONSE_DATA",
        ),
        (
            "simple with data",
            {"notification_id": fresh(), "action_id": "ok", "response_data": "hi"},
            400,
            "INVALID_RESPONSE_DATA",
        ),
        (
            "number too big",
            {"notification_id": fresh(), "action_id": "count", "response_data": 11},
            422,
            "CONSTRAINT_VIOLATION",
        ),
        (
            "not an integer",
            {"notification_id": fresh(), "action_id": "count", "response_data": 2.5},
            422,
            "CONSTRAINT_VIOLATION",
        ),
        (
            "too many",
            {"notification_id": fresh(), "action_id": "many", "response_data": ["x", "y", "z"]},
            422,
            "CONSTRAINT_VIOLATION",
        ),
        (
            "unknown option",
            {"notification_id": fresh(), "action_id": "pick", "response_data": "c"},
            422,
            "CONSTRAINT_VIOLATION",
        ),
        (
            "text too long",
            {"notification_id": fresh(), "action_id": "say", "response_data": "x" * 11},
            422,
            "CONSTRAINT_VIOLATION",
        ),
        (
            "date too early",
            {"notification_id": fresh(), "action_id": "when", "response_data": "2019-12-31"},
            422,
            "CONSTRAINT_VIOLATION",
        ),
        (
            "unknown notification",
            {"notification_id": "nope", "action_id": "ok", "response_data": None},
            404,
            "NOTIFICATION_NOT_FOUND",
        ),
        (
            "answered",
            {"notification_id": answered, "action_id": "ok", "response_data": None},
            409,
            "NOTIFICATION_ALREADY_RESPONDED",
        ),
        (
            "withdrawn",
            {"notification_id": withdrawn, "action_id": "ok", "response_data": None},
            409,
            "NOTIFICATION_INVALIDATED",
        ),
        (
            "expired",
            {"notification_id": expired, "action_id": "ok", "response_data": None},
            409,
            "NOTIFICATION_EXPIRED",
        ),
        ("not an object", ["ok"], 400, "INVALID_REQUEST"),
    ]
    for name, body, status, code in cases:
        response = await client.post(RESPOND, json=body)
        assert (response.status_code, error_code(response)) == (status, code), name
    not_json = await client.post(RESPOND, content=b"{oops")
    assert not_json.status_code == 400
    assert len(server.state.respond_attempts) == len(cases) + 1
    assert server.state.respond_attempts[-1] == {"raw": "{oops"}
    assert len(server.state.responses) == 1  # only the direct `respond` above


async def test_respond_after_the_deadline_is_refused_even_before_the_sweep() -> None:
    clock = ManualClock()
    state = ServerState(now=clock)
    config = fast_config(expiry_check_interval=3600)
    async with RunningServer(config, state) as server:
        notification = add(server, deadline=clock() + timedelta(seconds=60))
        clock.advance(61)
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            body = {"notification_id": notification["id"], "action_id": "ok", "response_data": None}
            response = await http.post(RESPOND, json=body)
    assert response.status_code == 409 and error_code(response) == "NOTIFICATION_EXPIRED"
    assert state.notifications[notification["id"]]["status"] == "expired"
    assert [event.data["status"] for event in state.log if event.name == "status_update"] == [
        "expired"
    ]


async def test_respond_is_rate_limited() -> None:
    async with RunningServer(fast_config(respond_rate_limit=2)) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            statuses = []
            for _ in range(3):
                body = {
                    "notification_id": add(server)["id"],
                    "action_id": "ok",
                    "response_data": None,
                }
                response = await http.post(RESPOND, json=body)
                statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert error_code(response) == "RATE_LIMIT_EXCEEDED" and "retry-after" in response.headers


async def test_respond_faults_and_a_dropped_reply(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    body = {"notification_id": notification["id"], "action_id": "go", "response_data": True}
    server.state.respond_faults.extend([503, 500, 0])
    unavailable = await client.post(RESPOND, json=body)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "1"
    assert (await client.post(RESPOND, json=body)).status_code == 500
    assert server.state.responses == []
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(RESPOND, json=body)
    # The answer was accepted although its reply was lost; a retry learns that.
    assert [response["action_id"] for response in server.state.responses] == ["go"]
    assert server.state.notifications[notification["id"]]["status"] == "responded"
    retry = await client.post(RESPOND, json=body)
    assert retry.status_code == 409 and error_code(retry) == "NOTIFICATION_ALREADY_RESPONDED"
    assert server.state.respond_attempts == [body] * 4


async def test_accepted_responses_reach_the_service_webhook(server: RunningServer) -> None:
    received: list[tuple[bytes, str]] = []

    async def callback(request: Request) -> JSONResponse:
        received.append((await request.body(), request.headers["x-atp-signature"]))
        return JSONResponse({"ok": True})

    receiver = Starlette(routes=[Route("/hook", callback, methods=["POST"])])
    async with AsgiServer(receiver) as hook:
        service = server.state.register_service(
            "hooked", callback_url=f"{hook.url}/hook", webhook_secret="s3cret"
        )
        notification = server.state.add_notification(notification_body(), service.id)
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            body = {
                "notification_id": notification["id"],
                "action_id": "pick",
                "response_data": "a",
            }
            assert (await http.post(RESPOND, json=body)).status_code == 200
        await eventually(lambda: bool(received))
    raw, signature = received[0]
    assert verify_signature("s3cret", signature, raw)
    assert not verify_signature("other", signature, raw)
    payload = json.loads(raw)
    assert payload["notification_id"] == notification["id"]
    assert payload["action_id"] == "pick" and payload["response_data"] == "a"
    assert payload["responder"]["type"] == "user" and payload["responded_at"]
    assert server.state.webhook_deliveries[0]["status"] == 200


async def test_a_failing_webhook_is_logged_not_fatal(
    server: RunningServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    service = server.state.register_service("gone", callback_url="http://127.0.0.1:9/hook")
    notification = server.state.add_notification(notification_body(), service.id)
    body = {"notification_id": notification["id"], "action_id": "ok", "response_data": None}
    assert (await client.post(RESPOND, json=body)).status_code == 200
    await eventually(lambda: bool(server.state.webhook_deliveries))
    assert server.state.webhook_deliveries[0]["error"]
    assert any("webhook" in record.getMessage() for record in caplog.records)
    assert (await client.get(NOTIFICATIONS)).status_code == 200


# Service endpoints


async def register(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    """Register a service with the admin token; returns the 201 body."""
    response = await http.post(
        "/api/v1/services",
        json={"name": "deploy-bot", **body},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_register_a_service_with_the_admin_token(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        created = await register(http, webhook_secret="mine", callback_url="https://x.test/h")
        assert set(created) == {"service_id", "api_key", "webhook_secret"}
        assert created["webhook_secret"] == "mine"
        for headers in ({}, AUTH, {"Authorization": "Bearer nope"}):
            refused = await http.post("/api/v1/services", json={"name": "x"}, headers=headers)
            assert refused.status_code == 401 and error_code(refused) == "AUTH_INVALID_TOKEN"
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        nameless = await http.post("/api/v1/services", json={}, headers=admin)
        assert nameless.status_code == 400 and error_code(nameless) == "MISSING_REQUIRED_FIELD"
        bad_url = await http.post(
            "/api/v1/services", json={"name": "x", "callback_url": "ftp://x"}, headers=admin
        )
        assert bad_url.status_code == 400
    assert server.state.services[created["service_id"]].callback_url == "https://x.test/h"


async def test_a_service_sends_a_notification_that_clients_see(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        created = await register(http)
        key = {"Authorization": f"Bearer {created['api_key']}"}
        body = notification_body(status="responded", service={"id": "spoofed"}, extra_field=1)
        sent = await http.post("/api/v1/notifications", json=body, headers=key)
        refused = await http.post("/api/v1/notifications", json=body, headers=AUTH)
    assert sent.status_code == 201
    reply = sent.json()
    assert reply["status"] == "created" and reply["estimated_delivery"]
    assert refused.status_code == 401
    seen = (await client.get(f"{NOTIFICATIONS}/{reply['notification_id']}")).json()
    assert seen["status"] == "delivered"
    assert seen["service"] == {"id": created["service_id"], "name": "deploy-bot"}
    assert seen["version"] == "1.0" and seen["timestamp"] and seen["extra_field"] == 1
    assert Notification.model_validate(seen).action("when") is not None


def _action(response_type: str, **fields: Any) -> dict[str, Any]:
    return {"id": "a", "label": "A", "response_type": response_type, **fields}


SUBMISSION_ERRORS: list[tuple[str, dict[str, Any], int, str]] = [
    ("no context", {"actions": [_action("simple")]}, 400, "MISSING_REQUIRED_FIELD"),
    (
        "no title",
        {"context": {"description": "x"}, "actions": [_action("simple")]},
        400,
        "MISSING_REQUIRED_FIELD",
    ),
    ("blank title", notification_body(title="  "), 400, "MISSING_REQUIRED_FIELD"),
    ("no actions", {"context": {"title": "t"}}, 400, "MISSING_REQUIRED_FIELD"),
    (
        "empty actions",
        notification_body(actions=[]) | {"actions": []},
        400,
        "MISSING_REQUIRED_FIELD",
    ),
    (
        "no response_type",
        notification_body(actions=[{"id": "a", "label": "A"}]),
        400,
        "MISSING_REQUIRED_FIELD",
    ),
    ("unknown type", notification_body(actions=[_action("slider")]), 400, "INVALID_RESPONSE_TYPE"),
    (
        "action not an object",
        notification_body() | {"actions": ["simple"]},
        400,
        "MALFORMED_ACTION",
    ),
    (
        "action without id",
        notification_body(actions=[{"label": "A", "response_type": "simple"}]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "duplicate ids",
        notification_body(actions=[_action("simple"), _action("simple")]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "binary without labels",
        notification_body(actions=[_action("binary")]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "binary with one label",
        notification_body(actions=[_action("binary", options={"true_label": "Yes"})]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "choice without options",
        notification_body(actions=[_action("choice")]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "multi with empty options",
        notification_body(actions=[_action("multi_choice", options=[])]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "option without value",
        notification_body(actions=[_action("choice", options=[{"label": "A"}])]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "repeated option",
        notification_body(actions=[_action("choice", options=["a", "a"])]),
        400,
        "MALFORMED_ACTION",
    ),
    (
        "min over max selections",
        notification_body(
            actions=[
                _action(
                    "multi_choice",
                    options=["a", "b"],
                    constraints={"min_selections": 2, "max_selections": 1},
                )
            ]
        ),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "min over option count",
        notification_body(
            actions=[_action("multi_choice", options=["a"], constraints={"min_selections": 2})]
        ),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "negative min_selections",
        notification_body(
            actions=[_action("multi_choice", options=["a"], constraints={"min_selections": -1})]
        ),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "text min over max",
        notification_body(
            actions=[_action("text", constraints={"min_length": 5, "max_length": 2})]
        ),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "text length not a number",
        notification_body(actions=[_action("text", constraints={"max_length": "long"})]),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "number min over max",
        notification_body(actions=[_action("number", constraints={"min": 5, "max": 1})]),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "zero step",
        notification_body(actions=[_action("number", constraints={"step": 0})]),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "date min over max",
        notification_body(
            actions=[_action("date", constraints={"min": "2026-02-01", "max": "2026-01-01"})]
        ),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "date bound not a date",
        notification_body(actions=[_action("date", constraints={"min": "soon"})]),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "constraints not an object",
        notification_body(actions=[_action("text", constraints=[1])]),
        422,
        "CONSTRAINT_VIOLATION",
    ),
    (
        "bad deadline",
        notification_body(deadline=None) | {"deadline": "tomorrow"},
        400,
        "INVALID_REQUEST",
    ),
    (
        "bad attachment",
        notification_body()
        | {"context": {"title": "t", "attachments": [{"type": "text/plain", "data": "%%%"}]}},
        400,
        "INVALID_REQUEST",
    ),
    (
        "too big",
        notification_body() | {"context": {"title": "t", "description": "x" * 600_000}},
        413,
        "PAYLOAD_TOO_LARGE",
    ),
]


async def test_submissions_are_validated(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        key = {"Authorization": f"Bearer {(await register(http))['api_key']}"}
        for name, body, status, code in SUBMISSION_ERRORS:
            response = await http.post("/api/v1/notifications", json=body, headers=key)
            assert (response.status_code, error_code(response)) == (status, code), name
        alias = notification_body(actions=[_action("select", options=["a", "b"])])
        accepted = await http.post("/api/v1/notifications", json=alias, headers=key)
        assert accepted.status_code == 201, accepted.text
        duplicate = notification_body(id=accepted.json()["notification_id"])
        again = await http.post("/api/v1/notifications", json=duplicate, headers=key)
        assert again.status_code == 409
    assert len(server.state.notifications) == 1
    with pytest.raises(ServerValidationError) as refused:
        server.state.add_notification({"context": {"title": "t"}, "actions": []})
    assert refused.value.code == "MISSING_REQUIRED_FIELD" and refused.value.status == 400


async def test_a_service_invalidates_and_completes_its_notifications(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        owner = {"Authorization": f"Bearer {(await register(http))['api_key']}"}
        other = {"Authorization": f"Bearer {(await register(http, name='other'))['api_key']}"}

        async def send() -> str:
            response = await http.post(
                "/api/v1/notifications", json=notification_body(), headers=owner
            )
            return response.json()["notification_id"]

        async def patch(notification_id: str, body: Any, headers: Any = owner) -> httpx.Response:
            url = f"/api/v1/notifications/{notification_id}"
            return await http.patch(url, json=body, headers=headers)

        withdrawn, answered = await send(), await send()
        async with open_stream(client, params={"types": "status_update"}) as (_, reader):
            done = await patch(withdrawn, {"status": "invalidated", "reason": "fixed itself"})
            (update,) = await reader.events(1)
        assert done.status_code == 200
        assert done.json()["status"] == "invalidated" and done.json()["updated_at"]
        assert update.json()["reason"] == "fixed itself"
        assert (await patch(withdrawn, {"status": "invalidated"})).status_code == 200
        respond = {"notification_id": withdrawn, "action_id": "ok", "response_data": None}
        refused = await client.post(RESPOND, json=respond)
        assert error_code(refused) == "NOTIFICATION_INVALIDATED"

        server.state.respond(answered, "ok", None)
        late = await patch(answered, {"status": "invalidated"})
        assert late.status_code == 409 and error_code(late) == "NOTIFICATION_ALREADY_RESPONDED"
        completed = await patch(answered, {"status": "completed"})
        assert completed.status_code == 200 and completed.json()["status"] == "completed"

        assert (await patch(await send(), {"status": "invalidated"}, other)).status_code == 403
        assert (await patch("nope", {"status": "invalidated"})).status_code == 404
        assert (await patch(await send(), {"status": "deleted"})).status_code == 400
        assert (await patch(await send(), {})).status_code == 400
        assert (await patch(await send(), {"status": "invalidated"}, AUTH)).status_code == 401


async def test_service_rate_limits() -> None:
    config = fast_config(submit_rate_limit=2, status_update_rate_limit=1)
    async with RunningServer(config) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            key = {"Authorization": f"Bearer {(await register(http))['api_key']}"}
            sent = [
                await http.post("/api/v1/notifications", json=notification_body(), headers=key)
                for _ in range(3)
            ]
            first = sent[0].json()["notification_id"]
            patches = [
                await http.patch(
                    f"/api/v1/notifications/{first}", json={"status": "invalidated"}, headers=key
                )
                for _ in range(2)
            ]
    assert [response.status_code for response in sent] == [201, 201, 429]
    assert [response.status_code for response in patches] == [200, 429]
    assert "retry-after" in sent[2].headers


async def test_unknown_routes_get_json_errors(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/nothing")
    assert missing.status_code == 404 and error_code(missing) == "NOT_FOUND"
    wrong_method = await client.delete(RESPOND)
    assert wrong_method.status_code == 405


# Expiry


async def test_the_expiry_loop_emits_expired(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server, deadline=server.state.now() + timedelta(seconds=0.3))
    async with open_stream(client) as (_, reader):
        frames = await reader.events(2)
    assert [frame.event for frame in frames] == ["notification", "status_update"]
    update = frames[1].json()
    assert update["notification_id"] == notification["id"]
    assert update["status"] == "expired" and update["reason"] == "deadline passed"
    assert update["timestamp"]


def test_expire_due_only_expires_open_notifications_past_their_deadline() -> None:
    clock = ManualClock()
    state = ServerState(now=clock)
    soon = state.add_notification(notification_body(deadline=clock() + timedelta(minutes=1)))
    later = state.add_notification(notification_body(deadline=clock() + timedelta(hours=1)))
    answered = state.add_notification(notification_body(deadline=clock() + timedelta(minutes=1)))
    never = state.add_notification(notification_body())
    state.respond(answered["id"], "ok", None)
    assert state.expire_due() == []
    clock.advance(61)
    assert state.expire_due() == [soon["id"]]
    assert state.expire_due() == []
    statuses = {n["id"]: n["status"] for n in state.notifications.values()}
    assert statuses == {
        soon["id"]: "expired",
        later["id"]: "delivered",
        answered["id"]: "responded",
        never["id"]: "delivered",
    }


# Demo agents


def test_demo_agents_cover_every_response_type_and_feature() -> None:
    clock = ManualClock()
    state = ServerState(now=clock)
    agents = DemoAgents(state, seed=7)
    seeded = agents.seed_inbox()
    assert len(seeded) >= 12
    assert {n["service"]["id"] for n in seeded} == {
        "deploy-bot",
        "db-guardian",
        "support-triage",
        "cost-watch",
        "release-notes",
    }
    actions = [action for n in seeded for action in n["actions"]]
    kinds = Counter(action["response_type"] for action in actions)
    assert set(kinds) == {"simple", "binary", "choice", "multi_choice", "text", "number", "date"}
    assert any("irreversible" in action.get("flags", []) for action in actions)
    assert all(
        set(a["options"]) == {"true_label", "false_label"}
        for a in actions
        if a["response_type"] == "binary"
    )
    multi = [a["constraints"] for a in actions if a["response_type"] == "multi_choice"]
    assert all("min_selections" in c and "max_selections" in c for c in multi)
    texts = [a["constraints"] for a in actions if a["response_type"] == "text"]
    assert any(c.get("multiline") for c in texts) and any(not c.get("multiline") for c in texts)
    assert all("placeholder" in c and "max_length" in c for c in texts)
    numbers = [a["constraints"] for a in actions if a["response_type"] == "number"]
    assert any(c.get("integer") for c in numbers) and any(not c.get("integer") for c in numbers)
    assert all({"min", "max", "step"} <= set(c) for c in numbers)
    dates = [a["constraints"] for a in actions if a["response_type"] == "date"]
    assert {c["include_time"] for c in dates} == {True, False}
    attachments = [a for n in seeded for a in n["context"].get("attachments", [])]
    assert any(a.get("uri") for a in attachments)
    text = [a for a in attachments if a.get("data")]
    assert text and text[0]["type"] == "text/plain"
    assert base64.b64decode(text[0]["data"]).decode().strip()
    parsed = [Notification.model_validate(n) for n in seeded]
    windows = [p.deadline - clock() for p in parsed if p.deadline is not None]
    assert timedelta(minutes=3) <= min(windows) <= timedelta(minutes=5)
    assert max(windows) == timedelta(hours=24)
    assert any(p.deadline is None for p in parsed)
    assert all(n["context"]["metadata"].get("priority") for n in seeded)
    assert all(p.timestamp is not None and p.timestamp < clock() for p in parsed)

    again = DemoAgents(ServerState(now=clock), seed=7).seed_inbox()
    assert again == seeded


def test_demo_ticks_add_notifications_and_sometimes_withdraw_one() -> None:
    state = ServerState()
    agents = DemoAgents(state, seed=3)
    agents.seed_inbox()
    for _ in range(10):
        agents.tick()
    assert len(state.notifications) == len(agents.sent) == 13 + 10
    withdrawn = [e.data for e in state.log if e.data.get("status") == "invalidated"]
    assert len(withdrawn) == 2 and all(update["reason"] for update in withdrawn)


async def test_demo_agents_run_inside_the_server() -> None:
    config = fast_config(demo_agents=True, demo_interval=0.05, demo_seed=1)
    async with RunningServer(config) as server:
        await eventually(lambda: len(server.state.notifications) >= 12)
        seeded = len(server.state.notifications)
        await eventually(lambda: len(server.state.notifications) > seeded + 2)


# Logging, shutdown and the CLI entry point


async def test_no_log_line_contains_the_token(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sekrit-token-4242"
    caplog.set_level(logging.DEBUG)
    async with RunningServer(fast_config(user_token=secret)) as server:
        notification = add(server)
        query = {"token": secret}
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            async with open_stream(http, params=query) as (response, reader):
                assert response.status_code == 200
                await reader.next_frame()
            await http.get(NOTIFICATIONS, params=query)
            await http.get(f"{NOTIFICATIONS}/{notification['id']}", params=query)
            body = {"notification_id": notification["id"], "action_id": "ok", "response_data": 1}
            await http.post(RESPOND, params=query, json=body)
            await http.get(NOTIFICATIONS, params={"token": f"{secret}-wrong"})
            await http.get(NOTIFICATIONS, headers={"Authorization": f"Bearer {secret}"})
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    lines = [record.getMessage() for record in server_records]
    assert any(line.startswith(f"GET {NOTIFICATIONS} 200") for line in lines), lines
    assert any(line.startswith(f"GET {EVENTS} 200") for line in lines), lines
    for record in server_records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")
    assert secret not in caplog.text.replace("token=" + secret, "")  # httpx's own lines aside


async def test_stopping_with_an_open_stream_is_quick() -> None:
    server = RunningServer(fast_config(ping_interval=30))
    await server.__aenter__()
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
        async with open_stream(http) as (_, reader):
            await reader.next_frame()
            started = time.monotonic()
            await server.__aexit__(None, None, None)
            elapsed = time.monotonic() - started
            assert await reader.to_end() == []
    assert elapsed < 1.0
    assert server.state.open_streams == 0


def test_run_server_prints_a_banner_and_exits_zero_on_ctrl_c() -> None:
    token = "banner-token-77"
    code = (
        "import sys\n"
        "from atp_tui.server import ServerConfig, run_server\n"
        f"sys.exit(run_server('127.0.0.1', 0, ServerConfig(user_token={token!r})))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        banner = process.stdout.readline() if process.stdout else ""
        url = next(word for word in banner.split() if word.startswith("http://")).rstrip(";")
        deadline = time.monotonic() + 5
        while True:
            try:
                response = httpx.get(f"{url}{NOTIFICATIONS}", params={"token": token})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert banner.count(token) == 1
    assert token not in out and token not in err
    assert f"GET {NOTIFICATIONS} 200" in err


def test_the_server_package_does_not_import_textual() -> None:
    code = "import sys, atp_tui.server; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


async def test_a_new_event_wakes_a_waiting_stream_at_once() -> None:
    async with RunningServer(fast_config(ping_interval=30)) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            async with open_stream(http) as (_, reader):
                await reader.next_frame()
                started = time.monotonic()
                add(server)
                await reader.events(1)
                elapsed = time.monotonic() - started
    assert elapsed < 1.0  # not at the next ping, 30 s away


async def test_lone_surrogates_are_refused_and_never_break_a_stream(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        key = {"Authorization": f"Bearer {(await register(http))['api_key']}"}
        raw = json.dumps(notification_body(title="bad \ud800 title")).encode()
        assert b"\\ud800" in raw
        refused = await http.post("/api/v1/notifications", content=raw, headers=key)
    assert refused.status_code == 400 and error_code(refused) == "INVALID_REQUEST"
    with pytest.raises(ServerValidationError):
        server.state.add_notification(notification_body(title="bad \ud800"))
    server.state.emit("error", {"code": "X", "message": "odd \ud800 text"})
    add(server, title="café")
    async with open_stream(client) as (_, reader):
        error, notification = await reader.events(2)
    assert error.json()["message"] == "odd \ud800 text"
    assert notification.json()["context"]["title"] == "café"
    assert (await client.get(NOTIFICATIONS)).status_code == 200
