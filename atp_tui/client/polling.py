"""Polling fallback for servers without SSE (ATP-PROTOCOL.md §1.2), within 60 requests/min.

Each round fetches new notifications oldest-first from a continuation cursor and, every few
rounds, the most recent page again to pick up state changes (invalidated, answered elsewhere)
that polling has no event for.
"""

from __future__ import annotations

import json
from collections import deque
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from atp_tui.client.delivery import Delivery
from atp_tui.client.events import EngineEvent
from atp_tui.client.exchange import read_capped
from atp_tui.client.http import NOTIFICATIONS_PATH, auth_headers, parse_error_body
from atp_tui.client.sse_parser import MAX_EVENT_BYTES
from atp_tui.protocol.clock import Clock
from atp_tui.protocol.models import Notification, StatusUpdate, sanitize_json
from atp_tui.protocol.wire import validate_decoded
from atp_tui.store import EngineStore

if TYPE_CHECKING:
    from atp_tui.client.stream import EngineConfig

#: The server allows 60 polling requests a minute; stay a little under.
MAX_REQUESTS_PER_MINUTE = 55
MAX_PAGES_PER_ROUND = 5
REFRESH_EVERY_ROUNDS = 3
#: The most of one page's body read (decompressed): 100 notifications at the stream's own
#: event limit, so a page the stream could deliver fits, and a bomb or an endless body does
#: not fill memory.
MAX_PAGE_BYTES = 100 * MAX_EVENT_BYTES


class PollRefused(ValueError):
    """Polling cannot work either (credentials, or the endpoint is not an ATP server)."""

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


class Poller:
    """Fetches notifications by polling and feeds them through the same delivery path."""

    def __init__(
        self, config: EngineConfig, store: EngineStore, delivery: Delivery, clock: Clock
    ) -> None:
        self.config = config
        self._store = store
        self._delivery = delivery
        self._clock = clock
        self._cursor: str | None = None
        self._rounds = 0
        self._request_times: deque[float] = deque()

    def _may_request(self) -> bool:
        now = self._clock.monotonic()
        while self._request_times and now - self._request_times[0] >= 60.0:
            self._request_times.popleft()
        return len(self._request_times) < MAX_REQUESTS_PER_MINUTE

    async def _fetch(self, client: httpx.AsyncClient, params: dict[str, str]) -> dict[str, Any]:
        self._request_times.append(self._clock.monotonic())
        if self.config.token_in_query:
            params = {**params, "token": self.config.token}
            headers: dict[str, str] = {}
        else:
            headers = auth_headers(self.config.token)
        content = bytearray()
        async with client.stream(
            "GET", self.config.server + NOTIFICATIONS_PATH, params=params, headers=headers
        ) as response:
            too_big = await read_capped(response, MAX_PAGE_BYTES, content)
        if response.status_code in (401, 403):
            raise PollRefused(
                f"credentials refused ({response.status_code}); check the token", auth=True
            )
        if response.status_code == 429:
            return {}
        if response.status_code != 200:
            error = parse_error_body(response, bytes(content))
            raise PollRefused(
                f"notifications endpoint answered {response.status_code} {error.code}"
            )
        if too_big:
            raise PollRefused(
                f"a page of notifications was larger than {MAX_PAGE_BYTES // 2**20} MiB "
                "(at most 100 notifications were asked for); is the server URL right?"
            )
        try:
            body = json.loads(content)
        except (ValueError, RecursionError):
            raise PollRefused(
                "notifications endpoint did not answer JSON "
                f"({response.headers.get('content-type') or 'no content type'}); "
                "is the server URL right?"
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("notifications"), list):
            raise PollRefused("notifications endpoint answered something that is not ATP")
        return body

    async def poll(self, client: httpx.AsyncClient) -> list[EngineEvent]:
        """One round: new notifications, then (sometimes) a state refresh of recent ones."""
        announced: list[EngineEvent] = []
        for _ in range(MAX_PAGES_PER_ROUND):
            if not self._may_request():
                return announced
            params = {"sort": "oldest", "limit": "100"}
            if self._cursor:
                params["cursor"] = self._cursor
            body = await self._fetch(client, params)
            announced.extend(self._absorb(body.get("notifications", [])))
            pagination = body.get("pagination") or {}
            next_cursor = pagination.get("next_cursor")
            if isinstance(next_cursor, str) and next_cursor:
                self._cursor = next_cursor
            if not pagination.get("has_more"):
                break
        self._rounds += 1
        if self._rounds % REFRESH_EVERY_ROUNDS == 0 and self._may_request():
            body = await self._fetch(client, {"sort": "newest", "limit": "100"})
            announced.extend(self._absorb(body.get("notifications", [])))
        return announced

    def _absorb(self, items: list[Any]) -> list[EngineEvent]:
        announced: list[EngineEvent] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            raw: dict[str, Any] = sanitize_json(item)  # type: ignore[assignment]  # a dict stays one
            try:
                notification = validate_decoded(Notification, raw)
            except ValidationError:
                self._delivery.stats.malformed += 1
                continue
            announced.extend(self._delivery.handle_notification(notification, raw, None))
            if notification.status is not None:
                update = StatusUpdate(notification_id=notification.id, status=notification.status)
                announced.extend(self._delivery.handle_status(update, {}, None))
        return announced
