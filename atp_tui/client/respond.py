"""Answering notifications: `POST /api/v1/client/respond` with the outcome table of §1.3.

Promises: an answer is never sent twice on purpose (one in flight per notification; retries
reuse the same payload and happen only when the previous attempt failed or its reply was lost),
and it never fails silently: every attempt is logged in the store and the caller gets a final
`RespondOutcome`. A lost reply followed by `409 NOTIFICATION_ALREADY_RESPONDED` is resolved by
fetching the notification: if it shows as responded, our answer got through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from atp_tui.client.backoff import parse_retry_after
from atp_tui.client.clock import SYSTEM_CLOCK, Clock
from atp_tui.client.http import (
    NOTIFICATIONS_PATH,
    RESPOND_PATH,
    auth_headers,
    describe_transport_error,
    make_http_client,
    parse_error_body,
)
from atp_tui.protocol.models import Notification
from atp_tui.store import Store

log = logging.getLogger(__name__)

OutcomeKind = Literal[
    "sent",
    "already_responded",
    "expired",
    "invalidated",
    "not_found",
    "refused",
    "auth_refused",
    "failed",
    "duplicate",
]

#: The lifecycle state an outcome moves the notification to, with the reason shown.
_STATE_FOR_OUTCOME: dict[str, tuple[str, str]] = {
    "sent": ("responded", "answered here"),
    "already_responded": ("responded", "answered elsewhere"),
    "expired": ("expired", "deadline passed"),
    "invalidated": ("invalidated", "withdrawn by the agent"),
}
_CONFLICTS: dict[str, OutcomeKind] = {
    "NOTIFICATION_ALREADY_RESPONDED": "already_responded",
    "NOTIFICATION_EXPIRED": "expired",
    "NOTIFICATION_INVALIDATED": "invalidated",
}
RETRY_AFTER_LIMIT = 60.0
#: Statuses from proxies that may sit in front of a server that did record the answer.
_MAYBE_RECORDED = frozenset({408, 502, 504})


class CredentialsRefused(LookupError):
    """The server refused the token (401) while fetching a notification."""


@dataclass(frozen=True, slots=True)
class RespondOutcome:
    """How an answer ended; `message` is fit to show to the user."""

    kind: OutcomeKind
    message: str
    status_code: int | None = None
    responded_at: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the server has our answer."""
        return self.kind == "sent"


class RespondClient:
    """Sends answers; one instance per server and token."""

    def __init__(
        self,
        server: str,
        token: str,
        store: Store | None = None,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int = 4,
    ) -> None:
        self._server = server
        self.token = token
        self._store = store
        self._clock = clock or SYSTEM_CLOCK
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._max_attempts = max_attempts
        self._in_flight: set[str] = set()

    @property
    def _client(self) -> httpx.AsyncClient:
        # Created on the first answer, not at start: building its TLS context takes tens of
        # milliseconds the TUI's first frame should not wait for.
        if self._http is None:
            self._http = make_http_client(read_timeout=20.0, transport=self._transport)
        return self._http

    def is_pending(self, notification_id: str) -> bool:
        """Whether an answer to this notification is being sent right now."""
        return notification_id in self._in_flight

    @property
    def pending_count(self) -> int:
        """How many answers are in flight (the TUI asks before quitting)."""
        return len(self._in_flight)

    async def aclose(self) -> None:
        """Close the HTTP connections (if any were opened)."""
        if self._http is not None:
            await self._http.aclose()

    async def fetch_notification(self, notification_id: str) -> Notification:
        """GET one notification; raises `LookupError` when it does not exist."""
        response = await self._client.get(
            f"{self._server}{NOTIFICATIONS_PATH}/{notification_id}",
            headers=auth_headers(self.token),
        )
        if response.status_code == 404:
            raise LookupError(f"notification {notification_id} not found on the server")
        if response.status_code == 401:
            error = parse_error_body(response)
            raise CredentialsRefused(
                f"cannot fetch notification {notification_id}: the server refused the token "
                f"(401 {error.code}); check ATP_TOKEN or the settings file"
            )
        if response.status_code != 200:
            error = parse_error_body(response)
            raise LookupError(
                f"cannot fetch notification {notification_id}: {response.status_code} "
                f"{error.code} {error.message}".rstrip()
            )
        return Notification.model_validate(response.json())

    async def respond(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        *,
        on_retry: Callable[[int, str], None] | None = None,
    ) -> RespondOutcome:
        """Send one answer and return its final outcome (see the module docstring)."""
        if notification_id in self._in_flight:
            return RespondOutcome(
                "duplicate", "an answer to this notification is already being sent"
            )
        earlier = self._earlier_answer(notification_id)
        if earlier is not None:
            return earlier
        self._in_flight.add(notification_id)
        try:
            outcome = await self._send(notification_id, action_id, response_data, on_retry)
        finally:
            self._in_flight.discard(notification_id)
        self._log(notification_id, action_id, response_data, outcome.kind, outcome.message)
        if self._store is not None and outcome.kind in _STATE_FOR_OUTCOME:
            state, reason = _STATE_FOR_OUTCOME[outcome.kind]
            self._store.apply_status(notification_id, state, reason)
            self._store.commit()
        return outcome

    def _earlier_answer(self, notification_id: str) -> RespondOutcome | None:
        """An answer this client already got through: never send a second one."""
        if self._store is None:
            return None
        for attempt in reversed(self._store.responses(notification_id)):
            if attempt.outcome == "sent":
                when = attempt.attempted_at.strftime("%H:%M:%S")
                return RespondOutcome("duplicate", f"already answered here at {when}")
        return None

    def _log(self, notification_id: str, action_id: str, data: Any, kind: str, detail: str) -> None:
        if self._store is not None:
            self._store.record_response(notification_id, action_id, data, kind, detail)

    async def _send(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        on_retry: Callable[[int, str], None] | None,
    ) -> RespondOutcome:
        payload = {
            "notification_id": notification_id,
            "action_id": action_id,
            "response_data": response_data,
        }
        reply_lost = False
        detail = ""
        for attempt in range(1, self._max_attempts + 1):
            wait = min(2.0 ** (attempt - 1), 8.0)
            try:
                response = await self._client.post(
                    self._server + RESPOND_PATH, json=payload, headers=auth_headers(self.token)
                )
            except httpx.HTTPError as error:
                # A connect failure never reached the server; anything later may have.
                reply_lost = reply_lost or not isinstance(error, httpx.ConnectError)
                detail = describe_transport_error(error)
            else:
                outcome = await self._interpret(response, notification_id, reply_lost)
                if outcome is not None:
                    return outcome
                detail = f"server answered {response.status_code}"
                # A gateway timeout or bad gateway may hide an answer the server did record.
                reply_lost = reply_lost or response.status_code in _MAYBE_RECORDED
                if response.status_code == 429:
                    retry_after = parse_retry_after(
                        response.headers.get("retry-after"), self._clock.now()
                    )
                    wait = min(max(wait, retry_after or 0.0), RETRY_AFTER_LIMIT)
            if attempt == self._max_attempts:
                break
            self._log(notification_id, action_id, response_data, "retrying", detail)
            if on_retry is not None:
                on_retry(attempt, detail)
            await self._clock.sleep(wait)
        if reply_lost and await self._shows_responded(notification_id):
            return RespondOutcome("sent", "answer confirmed after a lost reply")
        return RespondOutcome(
            "failed", f"not sent after {self._max_attempts} attempts ({detail}); try again"
        )

    async def _interpret(
        self, response: httpx.Response, notification_id: str, reply_lost: bool
    ) -> RespondOutcome | None:
        """The final outcome of one reply, or `None` when it is worth retrying."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                body = response.json() if response.content else {}
            except (ValueError, RecursionError):  # accepted all the same; only the time is lost
                body = {}
            at = body.get("responded_at") if isinstance(body, dict) else None
            return RespondOutcome(
                "sent", "answer sent", status, at if isinstance(at, str) else None
            )
        if status == 429 or status >= 500 or status == 408:
            return None
        error = parse_error_body(response)
        message = self._redact(error.message or error.code)
        if status == 409:
            kind = _CONFLICTS.get(error.code, "refused")
            if (
                kind == "already_responded"
                and reply_lost
                and await self._shows_responded(notification_id)
            ):
                return RespondOutcome("sent", "answer confirmed after a lost reply", status)
            return RespondOutcome(kind, message, status)
        if status == 404:
            return RespondOutcome("not_found", message or "notification no longer exists", status)
        if status == 401:
            return RespondOutcome(
                "auth_refused",
                f"token refused ({self._redact(error.code)}): check the token",
                status,
            )
        return RespondOutcome("refused", f"{message} ({self._redact(error.code)})", status)

    def _redact(self, text: str) -> str:
        """Server text with our token blanked out: a proxy may echo the request headers."""
        return text.replace(self.token, "[token]") if self.token else text

    async def _shows_responded(self, notification_id: str) -> bool:
        """After a lost reply: does the server show the notification as answered?"""
        try:
            notification = await self.fetch_notification(notification_id)
        except (httpx.HTTPError, LookupError, ValueError, RecursionError) as error:
            log.info("could not confirm answer to %s: %s", notification_id, error)
            return False
        return notification.status in ("responded", "completed")
