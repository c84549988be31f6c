"""The reference server's client API over httpx: the token check on every client endpoint,
polling (filters, sort, limits, cursors), fetching one notification and the poll rate limit."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from atp_tui.server import RunningServer, ServerValidationError
from atp_tui.server.client_api import decode_cursor, encode_cursor
from tests.server_helpers import (
    AUTH,
    EVENTS,
    NOTIFICATIONS,
    RESPOND,
    USER_TOKEN,
    add,
    error_code,
    eventually,
    fast_config,
    notification_body,
)

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
