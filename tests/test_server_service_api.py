"""The reference server's service API over httpx: registering services, submitting, validating,
invalidating and completing notifications, service rate limits and unknown routes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from atp_tui.protocol import Notification
from atp_tui.server import RunningServer, ServerValidationError
from tests.server_helpers import (
    ADMIN_TOKEN,
    AUTH,
    NOTIFICATIONS,
    RESPOND,
    add,
    error_code,
    fast_config,
    notification_body,
    open_stream,
)

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
