"""Client REST endpoints: polling (`GET /api/v1/client/notifications[/{id}]`) and respond.

Polling cursors are opaque to clients; inside they carry the log position of the last
notification returned. With `sort=oldest`, passing the last `next_cursor` again later returns
only notifications created after those already seen, so a poller never misses or repeats one.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from atp_tui.protocol.lifecycle import KNOWN_STATES
from atp_tui.server.auth import check_user, enforce_rate_limit
from atp_tui.server.errors import ServerValidationError, read_json, response_for
from atp_tui.server.faults import drop_connection, fault_response
from atp_tui.server.state import ServerState
from atp_tui.server.webhook import schedule_webhook

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_CURSOR_PREFIX = "c1:"


def encode_cursor(seq: int) -> str:
    """The opaque cursor naming a log position."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The log position in a cursor; 400 `INVALID_CURSOR` when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith(_CURSOR_PREFIX):
            return max(0, int(text.removeprefix(_CURSOR_PREFIX)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ServerValidationError("INVALID_CURSOR", "the cursor is not valid", 400)


def _invalid(message: str) -> ServerValidationError:
    return ServerValidationError("INVALID_PARAMETER", message, 400)


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise _invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def _statuses(value: str | None) -> frozenset[str] | None:
    names = frozenset(part.strip() for part in (value or "").split(",") if part.strip())
    unknown = sorted(names - KNOWN_STATES)
    if unknown:
        raise _invalid(
            f"unknown status {unknown[0]!r}; use one of {', '.join(sorted(KNOWN_STATES))}"
        )
    return names or None


def _beyond(seq: int, cursor: int, sort: str) -> bool:
    """Whether a notification at `seq` comes after the cursor in the `sort` direction."""
    return seq > cursor if sort == "oldest" else seq < cursor


def notification_page(state: ServerState, params: dict[str, str]) -> dict[str, Any]:
    """The polling response for the query `params` (already authenticated)."""
    limit = _limit(params.get("limit"))
    sort = params.get("sort", "newest")
    if sort not in ("newest", "oldest"):
        raise _invalid("sort must be 'newest' or 'oldest'")
    statuses = _statuses(params.get("status"))
    raw_cursor = params.get("cursor") or None
    cursor = decode_cursor(raw_cursor) if raw_cursor else None
    service_id, project = params.get("service_id"), params.get("project")
    matching = [
        notification
        for notification in state.notifications.values()
        if (statuses is None or notification["status"] in statuses)
        and (service_id is None or notification["service"]["id"] == service_id)
        and (project is None or notification["context"].get("project") == project)
    ]
    if sort == "newest":
        matching.reverse()
    total = len(matching)
    if cursor is not None:
        matching = [
            notification
            for notification in matching
            if _beyond(state.creation_seq(notification["id"]), cursor, sort)
        ]
    page = matching[:limit]
    if page:
        next_cursor: str | None = encode_cursor(state.creation_seq(page[-1]["id"]))
    elif raw_cursor:
        next_cursor = raw_cursor
    else:
        next_cursor = encode_cursor(0) if sort == "oldest" else None
    return {
        "notifications": page,
        "pagination": {
            "next_cursor": next_cursor,
            "has_more": len(matching) > limit,
            "total_count": total,
        },
    }


async def list_notifications(request: Request) -> Response:
    """`GET /api/v1/client/notifications`: a page of notifications."""
    state: ServerState = request.app.state.atp
    try:
        check_user(request, state)
        enforce_rate_limit(state, "user:poll", state.config.poll_rate_limit)
        return JSONResponse(notification_page(state, dict(request.query_params)))
    except ServerValidationError as error:
        return response_for(error)


async def get_notification(request: Request) -> Response:
    """`GET /api/v1/client/notifications/{id}`: one notification, or 404."""
    state: ServerState = request.app.state.atp
    try:
        check_user(request, state)
        enforce_rate_limit(state, "user:poll", state.config.poll_rate_limit)
        return JSONResponse(state.get(request.path_params["notification_id"]))
    except ServerValidationError as error:
        return response_for(error)


def accept_response(state: ServerState, body: Any) -> dict[str, Any]:
    """Check a respond body and record the answer; returns the 200 body."""
    if not isinstance(body, dict):
        raise ServerValidationError("INVALID_REQUEST", "the body must be a JSON object", 400)
    for field in ("notification_id", "action_id"):
        if not isinstance(body.get(field), str) or not body[field]:
            raise ServerValidationError("MISSING_REQUIRED_FIELD", f"{field} is required", 400)
    if "response_data" not in body:
        raise ServerValidationError(
            "MISSING_REQUIRED_FIELD", "response_data is required (null for simple actions)", 400
        )
    record = state.respond(body["notification_id"], body["action_id"], body["response_data"])
    schedule_webhook(state, record)
    return {
        "notification_id": record["notification_id"],
        "action_id": record["action_id"],
        "status": "responded",
        "responded_at": record["responded_at"],
    }


async def respond(request: Request) -> Response:
    """`POST /api/v1/client/respond`: answer a notification (or an injected fault)."""
    state: ServerState = request.app.state.atp
    raw = await request.body()
    try:
        body: Any = await read_json(request)
    except ServerValidationError:
        body = None
    state.respond_attempts.append(
        body if isinstance(body, dict) else {"raw": raw.decode("utf-8", "replace")}
    )
    try:
        check_user(request, state)
        enforce_rate_limit(state, "user:respond", state.config.respond_rate_limit)
        if state.respond_faults:
            fault = state.respond_faults.pop(0)
            if fault != 0:
                return fault_response(fault)
            try:
                accept_response(state, body)
            except ServerValidationError:
                pass  # the reply is lost either way
            return await drop_connection(request, state)
        return JSONResponse(accept_response(state, body))
    except ServerValidationError as error:
        return response_for(error)
