"""The reference server's in-memory state: services, notifications, the event log, streams.

Everything that changes a notification goes through `ServerState`, which appends the matching
event to the log and wakes the open streams. All times come from the injectable `now` clock.
Call it from the server's event loop only (it is not thread-safe).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from atp_tui.protocol.lifecycle import ACTIONABLE_STATES
from atp_tui.protocol.models import Notification, parse_timestamp
from atp_tui.protocol.responses import (
    CONSTRAINT_VIOLATION,
    ResponseValidationError,
    validate_response_data,
)
from atp_tui.server.config import ServerConfig
from atp_tui.server.errors import ServerValidationError, ensure_encodable
from atp_tui.server.events import EventLog, StoredEvent, dump_json, isoformat
from atp_tui.server.ratelimit import RateLimiter
from atp_tui.server.validation import validate_submission

#: The service used for notifications added directly without naming one.
DEFAULT_SERVICE_ID = "test-agent"


def utc_now() -> datetime:
    """The default clock: an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass
class ServiceRecord:
    """A registered service (agent): its identity, credentials and webhook."""

    id: str
    name: str
    api_key: str
    webhook_secret: str
    description: str = ""
    callback_url: str | None = None
    icon: str | None = None

    def public(self) -> dict[str, Any]:
        """The `service` object clients see: `{id, name, icon?}` (never the credentials)."""
        shown: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.icon:
            shown["icon"] = self.icon
        return shown


@dataclass
class _Meta:
    """Server-side facts about a notification that are not part of its JSON."""

    seq: int
    service_id: str
    deadline: datetime | None


def _not_found(notification_id: str) -> ServerValidationError:
    return ServerValidationError(
        "NOTIFICATION_NOT_FOUND", f"no notification with id {notification_id!r}", 404
    )


def _conflict(code: str, message: str) -> ServerValidationError:
    return ServerValidationError(code, message, 409)


class ServerState:
    """All of the server's data, and the operations that change it."""

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config or ServerConfig()
        self.now: Callable[[], datetime] = now or utc_now
        self.log = EventLog(self.config.event_log_limit)
        self.services: dict[str, ServiceRecord] = {}
        #: Current notification JSON objects by id, in creation order.
        self.notifications: dict[str, dict[str, Any]] = {}
        self._meta: dict[str, _Meta] = {}
        #: Accepted responses: `{notification_id, action_id, response_data, responded_at}`.
        self.responses: list[dict[str, Any]] = []
        #: Every `POST /respond` body received, accepted or not (`{"raw": text}` if not JSON).
        self.respond_attempts: list[dict[str, Any]] = []
        #: One entry per SSE request: resume ids, auth channel, types, status answered.
        self.stream_requests: list[dict[str, Any]] = []
        #: Webhook deliveries attempted: `{url, notification_id, status | error}`.
        self.webhook_deliveries: list[dict[str, Any]] = []
        #: Fault injection: status codes for the next `POST /respond` calls (0 = drop connection).
        self.respond_faults: list[int] = []
        #: Fault injection: status codes for the next SSE requests (0 = drop connection).
        self.stream_faults: list[int] = []
        self.open_streams = 0
        self.max_open_streams = 0
        self.limiter = RateLimiter(lambda: self.now())
        #: Set by the runner: closes the TCP connection of a client address without a reply.
        self.connection_dropper: Callable[[Any], bool] | None = None
        self.closing = False
        self.stream_generation = 0
        self._subscribers: set[asyncio.Event] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    def apply_config(self, config: ServerConfig) -> None:
        """Use `config` from now on (the app's config wins over the state's own)."""
        self.config = config
        self.log.limit = max(1, config.event_log_limit)

    # Services

    def register_service(
        self,
        name: str,
        *,
        description: str = "",
        callback_url: str | None = None,
        webhook_secret: str | None = None,
        icon: str | None = None,
        service_id: str | None = None,
    ) -> ServiceRecord:
        """Register a service and mint its API key (and webhook secret unless given)."""
        record = ServiceRecord(
            id=service_id or f"svc_{uuid.uuid4().hex[:12]}",
            name=name,
            api_key=f"atp_sk_{secrets.token_urlsafe(24)}",
            webhook_secret=webhook_secret or f"whsec_{secrets.token_hex(24)}",
            description=description,
            callback_url=callback_url,
            icon=icon,
        )
        self.services[record.id] = record
        return record

    def service_for_key(self, api_key: str) -> ServiceRecord | None:
        """The service that owns `api_key`, compared in constant time."""
        for record in self.services.values():
            if secrets.compare_digest(record.api_key.encode(), api_key.encode()):
                return record
        return None

    def _resolve_service(self, body: dict[str, Any], service_id: str | None) -> ServiceRecord:
        if service_id is not None:
            record = self.services.get(service_id)
            if record is None:
                raise ServerValidationError("SERVICE_NOT_FOUND", f"no service {service_id!r}", 404)
            return record
        given = body.get("service")
        wanted = given.get("id") if isinstance(given, dict) else None
        wanted = wanted if isinstance(wanted, str) and wanted else DEFAULT_SERVICE_ID
        if wanted not in self.services:
            name = given.get("name") if isinstance(given, dict) else None
            icon = given.get("icon") if isinstance(given, dict) else None
            self.register_service(
                name if isinstance(name, str) and name else "Test agent",
                icon=icon if isinstance(icon, str) else None,
                service_id=wanted,
            )
        return self.services[wanted]

    # Notifications

    def add_notification(
        self, body: dict[str, Any], service_id: str | None = None
    ) -> dict[str, Any]:
        """Validate and store a submitted notification, emit it, and return its JSON.

        `service_id` names a registered service; without it, a `service` object in the body
        (or a default test service) is used. Raises `ServerValidationError` on a bad body.
        """
        try:
            body = json.loads(dump_json(body))  # a private copy, and proof it is plain JSON
        except (TypeError, ValueError, RecursionError) as error:
            raise ServerValidationError("INVALID_REQUEST", f"not JSON: {error}", 400) from None
        ensure_encodable(body)
        validate_submission(body)
        service = self._resolve_service(body, service_id)
        notification_id = body.get("id") or str(uuid.uuid4())
        if notification_id in self.notifications:
            raise _conflict("DUPLICATE_NOTIFICATION", f"notification {notification_id!r} exists")
        moment = self.now()
        created = parse_timestamp(body.get("timestamp")) or moment
        notification: dict[str, Any] = {
            "id": notification_id,
            "version": str(body.get("version") or "1.0"),
            "timestamp": isoformat(created),
        }
        deadline = parse_timestamp(body.get("deadline"))
        if deadline is not None:
            notification["deadline"] = body["deadline"]
        notification["service"] = service.public()
        notification["context"] = body["context"]
        notification["actions"] = body["actions"]
        notification["status"] = "delivered"
        for key, value in body.items():  # extra fields travel on; clients ignore unknown ones
            if key not in ("deadline", "timestamp"):
                notification.setdefault(key, value)
        size = len(dump_json(notification).encode())
        if size > self.config.max_event_bytes:
            raise ServerValidationError(
                "PAYLOAD_TOO_LARGE",
                f"the notification is {size} bytes; at most {self.config.max_event_bytes} fit",
                413,
            )
        try:
            Notification.model_validate(notification)
        except ValidationError as error:
            raise ServerValidationError("INVALID_REQUEST", str(error), 400) from None
        self.notifications[notification_id] = notification
        event = self.emit("notification", notification)
        self._meta[notification_id] = _Meta(event.seq, service.id, deadline)
        return notification

    def get(self, notification_id: str) -> dict[str, Any]:
        """The current JSON of a notification; 404 `ServerValidationError` when unknown."""
        notification = self.notifications.get(notification_id)
        if notification is None:
            raise _not_found(notification_id)
        return notification

    def creation_seq(self, notification_id: str) -> int:
        """The log position of a notification's creation (its polling cursor)."""
        return self._meta[notification_id].seq

    def service_of(self, notification_id: str) -> str:
        """The id of the service that sent a notification."""
        return self._meta[notification_id].service_id

    def _refuse_if_closed(self, notification_id: str) -> None:
        """409 unless the notification can still change; expires it if its deadline passed."""
        status = self.get(notification_id)["status"]
        if status in ("responded", "completed"):
            raise _conflict("NOTIFICATION_ALREADY_RESPONDED", "the notification was answered")
        if status == "invalidated":
            raise _conflict("NOTIFICATION_INVALIDATED", "the service withdrew the notification")
        deadline = self._meta[notification_id].deadline
        if status == "expired" or (deadline is not None and self.now() >= deadline):
            self._set_status(notification_id, "expired", "deadline passed")
            raise _conflict("NOTIFICATION_EXPIRED", "the notification's deadline has passed")

    def _set_status(self, notification_id: str, status: str, reason: str | None = None) -> None:
        notification = self.notifications[notification_id]
        if notification["status"] == status:
            return
        notification["status"] = status
        update: dict[str, Any] = {"notification_id": notification_id, "status": status}
        if reason:
            update["reason"] = reason
        update["timestamp"] = isoformat(self.now())
        self.emit("status_update", update)

    def respond(self, notification_id: str, action_id: str, response_data: Any) -> dict[str, Any]:
        """Accept an answer: checks state, action and data; records it and emits the update.

        Returns the recorded response `{notification_id, action_id, response_data,
        responded_at}`; raises `ServerValidationError` with the ATP code otherwise.
        """
        notification = self.get(notification_id)
        self._refuse_if_closed(notification_id)
        action = Notification.model_validate(notification).action(action_id)
        if action is None:
            raise ServerValidationError(
                "INVALID_ACTION_ID", f"the notification has no action {action_id!r}", 400
            )
        try:
            validate_response_data(action, response_data)
        except ResponseValidationError as error:
            status = 422 if error.code == CONSTRAINT_VIOLATION else 400
            raise ServerValidationError(error.code, error.message, status) from None
        record = {
            "notification_id": notification_id,
            "action_id": action_id,
            "response_data": response_data,
            "responded_at": isoformat(self.now()),
        }
        self.responses.append(record)
        self._set_status(notification_id, "responded")
        return record

    def invalidate(self, notification_id: str, reason: str | None = None) -> dict[str, Any]:
        """Withdraw a notification (idempotent); 409 once it was answered or expired."""
        notification = self.get(notification_id)
        if notification["status"] != "invalidated":
            self._refuse_if_closed(notification_id)
            self._set_status(notification_id, "invalidated", reason)
        return notification

    def complete(self, notification_id: str, reason: str | None = None) -> dict[str, Any]:
        """Mark an answered notification `completed` (the service acted on the answer)."""
        notification = self.get(notification_id)
        if notification["status"] not in ("responded", "completed"):
            raise _conflict(
                "INVALID_STATUS_TRANSITION", "only a responded notification can be completed"
            )
        self._set_status(notification_id, "completed", reason)
        return notification

    def expire_due(self) -> list[str]:
        """Expire every open notification whose deadline has passed; returns their ids."""
        moment = self.now()
        due = [
            notification_id
            for notification_id, meta in self._meta.items()
            if meta.deadline is not None
            and moment >= meta.deadline
            and self.notifications[notification_id]["status"] in ACTIONABLE_STATES
        ]
        for notification_id in due:
            self._set_status(notification_id, "expired", "deadline passed")
        return due

    # Events and streams

    def emit(self, name: str, data: dict[str, Any]) -> StoredEvent:
        """Log an event and wake every open stream (tests may emit `error` events this way)."""
        event = self.log.append(name, data, self.now())
        self._wake()
        return event

    def _wake(self) -> None:
        for waiter in self._subscribers:
            waiter.set()

    def subscribe(self) -> asyncio.Event:
        """A wake-up flag set whenever something happens that a stream should look at."""
        waiter = asyncio.Event()
        self._subscribers.add(waiter)
        return waiter

    def unsubscribe(self, waiter: asyncio.Event) -> None:
        """Stop waking this stream."""
        self._subscribers.discard(waiter)

    def try_open_stream(self) -> bool:
        """Take a stream slot; `False` when the user already has `max_connections` open."""
        if self.open_streams >= self.config.max_connections:
            return False
        self.open_streams += 1
        self.max_open_streams = max(self.max_open_streams, self.open_streams)
        return True

    def release_stream(self) -> None:
        """Give a stream slot back (the stream ended, for whatever reason)."""
        self.open_streams = max(0, self.open_streams - 1)

    def close_streams(self) -> None:
        """End every open stream cleanly now (clients are expected to reconnect)."""
        self.stream_generation += 1
        self._wake()

    def begin_shutdown(self) -> None:
        """The server is stopping: end every stream so that shutdown does not wait for them."""
        self.closing = True
        self._wake()

    # Background work

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run `work` in the background, keeping a reference until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def cancel_background(self) -> None:
        """Cancel background work (webhooks) and wait for it to end."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
