"""Service endpoints: register a service, submit a notification, update its status (§4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from atp_tui.server.auth import authenticated_service, check_admin, enforce_rate_limit
from atp_tui.server.errors import ServerValidationError, read_json, response_for
from atp_tui.server.events import isoformat
from atp_tui.server.state import ServerState


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ServerValidationError("INVALID_REQUEST", f"{key} must be a string", 400)
    return value or None


async def register_service(request: Request) -> Response:
    """`POST /api/v1/services` (admin): 201 `{service_id, api_key, webhook_secret}`."""
    state: ServerState = request.app.state.atp
    try:
        check_admin(request, state)
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ServerValidationError("INVALID_REQUEST", "the body must be a JSON object", 400)
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ServerValidationError("MISSING_REQUIRED_FIELD", "name is required", 400)
        callback_url = _optional_text(body, "callback_url")
        if callback_url is not None and urlsplit(callback_url).scheme not in ("http", "https"):
            raise ServerValidationError("INVALID_REQUEST", "callback_url must be http(s)", 400)
        record = state.register_service(
            name.strip(),
            description=_optional_text(body, "description") or "",
            callback_url=callback_url,
            webhook_secret=_optional_text(body, "webhook_secret"),
            icon=_optional_text(body, "icon"),
        )
    except ServerValidationError as error:
        return response_for(error)
    body = {
        "service_id": record.id,
        "api_key": record.api_key,
        "webhook_secret": record.webhook_secret,
    }
    return JSONResponse(body, status_code=201)


async def submit_notification(request: Request) -> Response:
    """`POST /api/v1/notifications` (service key): 201 `{notification_id, status, ...}`."""
    state: ServerState = request.app.state.atp
    try:
        service = authenticated_service(request, state)
        enforce_rate_limit(state, f"service:{service.id}:submit", state.config.submit_rate_limit)
        body = await read_json(request)
        if isinstance(body, dict):
            body.pop("service", None)
            body.pop("status", None)
        notification = state.add_notification(body, service.id)
    except ServerValidationError as error:
        return response_for(error)
    reply = {
        "notification_id": notification["id"],
        "status": "created",
        "estimated_delivery": isoformat(state.now()),
    }
    return JSONResponse(reply, status_code=201)


async def update_notification(request: Request) -> Response:
    """`PATCH /api/v1/notifications/{id}` (service key): invalidate, or mark completed."""
    state: ServerState = request.app.state.atp
    notification_id = request.path_params["notification_id"]
    try:
        service = authenticated_service(request, state)
        limit = state.config.status_update_rate_limit
        enforce_rate_limit(state, f"service:{service.id}:status", limit)
        body = await read_json(request)
        if not isinstance(body, dict):
            raise ServerValidationError("INVALID_REQUEST", "the body must be a JSON object", 400)
        state.get(notification_id)
        if state.service_of(notification_id) != service.id:
            raise ServerValidationError(
                "NOTIFICATION_ACCESS_DENIED", "the notification belongs to another service", 403
            )
        status, reason = body.get("status"), _optional_text(body, "reason")
        if status is None:
            raise ServerValidationError("MISSING_REQUIRED_FIELD", "status is required", 400)
        if status == "invalidated":
            notification = state.invalidate(notification_id, reason)
        elif status == "completed":
            notification = state.complete(notification_id, reason)
        else:
            raise ServerValidationError(
                "INVALID_STATUS", "status must be 'invalidated' (or 'completed' once answered)", 400
            )
    except ServerValidationError as error:
        return response_for(error)
    reply = {
        "notification_id": notification_id,
        "status": notification["status"],
        "updated_at": isoformat(state.now()),
    }
    return JSONResponse(reply)
