"""The reference server's respond endpoint over httpx: accepted answers, the error table,
deadlines, rate limits, injected faults and the service webhook."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from atp_tui.server import AsgiServer, RunningServer, ServerState, verify_signature
from tests.server_helpers import (
    AUTH,
    NOTIFICATIONS,
    RESPOND,
    ManualClock,
    add,
    error_code,
    eventually,
    fast_config,
    notification_body,
    open_stream,
)

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
