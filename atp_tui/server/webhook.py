"""Forwarding answers to services: the signed webhook `POST callback_url` (ATP-PROTOCOL.md §4).

`X-ATP-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. Delivery runs in the
background; a failure is logged (service id and error type only) and never reaches the client.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import httpx

from atp_tui.server.events import dump_json
from atp_tui.server.state import ServerState, ServiceRecord

logger = logging.getLogger(__name__)

#: Who answered, as the webhook names them (the reference server has one user).
RESPONDER = {"id": "local-user", "type": "user"}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"`."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-ATP-Signature` value for `body` sent at `timestamp`."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes) -> bool:
    """Whether `header` is a valid signature of `body` (what a receiving service checks)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    return hmac.compare_digest(parts.get("v1", ""), sign(secret, timestamp, body))


def webhook_body(record: dict[str, Any]) -> dict[str, Any]:
    """The webhook payload for an accepted response."""
    return {
        "notification_id": record["notification_id"],
        "action_id": record["action_id"],
        "response_data": record["response_data"],
        "responded_at": record["responded_at"],
        "responder": dict(RESPONDER),
    }


def schedule_webhook(state: ServerState, record: dict[str, Any]) -> None:
    """Deliver the response to its service in the background, if the service has a callback."""
    service = state.services.get(state.service_of(record["notification_id"]))
    if service is not None and service.callback_url:
        state.spawn(deliver(state, service, webhook_body(record)))


async def deliver(state: ServerState, service: ServiceRecord, payload: dict[str, Any]) -> None:
    """POST one signed webhook; records the outcome in `state.webhook_deliveries`."""
    assert service.callback_url is not None
    body = dump_json(payload).encode()
    timestamp = int(state.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "X-ATP-Signature": signature_header(service.webhook_secret, timestamp, body),
    }
    outcome: dict[str, Any] = {
        "service_id": service.id,
        "notification_id": payload["notification_id"],
    }
    try:
        async with httpx.AsyncClient(timeout=state.config.webhook_timeout) as client:
            reply = await client.post(service.callback_url, content=body, headers=headers)
        outcome["status"] = reply.status_code
        if reply.status_code >= 400:
            logger.warning("webhook to service %s answered %d", service.id, reply.status_code)
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as error:
        outcome["error"] = type(error).__name__
        logger.warning("webhook to service %s failed: %s", service.id, type(error).__name__)
    state.webhook_deliveries.append(outcome)
