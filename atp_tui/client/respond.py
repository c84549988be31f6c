"""Answering notifications: `POST /api/v1/client/respond` with the outcome table of §1.3.

Promises:

- An answer is never sent twice without the server saying it may be. One answer is in flight
  per notification; a retry reuses the same payload and follows only a failure that sent nothing
  (a refused connection, a 429) or a *reconcile*: after a POST whose reply never came or may
  hide a recorded answer (a timeout or reset once the body was out, a 408, any 5xx) the
  notification is fetched, and only if it is still open is the answer sent again. When that
  check fails too the outcome is `unknown` (SSE-CLIENT-RULES.md case 76), and the next attempt,
  in this process or a later one, reconciles before it sends.
- A redirect on the POST is never followed and never counts as sent (case 75): the outcome is
  `refused`, and a later attempt is not blocked as a duplicate.
- It always ends: every request has one deadline for all of it, and retries stop within a total
  budget (see `REQUEST_DEADLINE`, `RETRY_BUDGET`).
- It never fails silently or leaks the token: every attempt is logged in the store, the caller
  gets a final `RespondOutcome`, and every message is redacted and made terminal-safe.

A lost reply followed by `409 NOTIFICATION_ALREADY_RESPONDED` is resolved by fetching the
notification: if it shows as responded, our answer got through.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from atp_tui.client.answer_lock import answer_lock
from atp_tui.client.backoff import parse_retry_after
from atp_tui.client.exchange import Exchange, bounded_exchange
from atp_tui.client.fetch import MAX_REPLY_BYTES, NotificationNotFound, read_notification
from atp_tui.client.fetch import CredentialsRefused as CredentialsRefused  # re-exported
from atp_tui.client.fetch import NotificationUnavailable as NotificationUnavailable  # re-exported
from atp_tui.client.http import (
    NOTIFICATIONS_PATH,
    RESPOND_PATH,
    make_http_client,
    parse_error_body,
)
from atp_tui.client.respond_outcome import (
    CONFLICT_OUTCOMES,
    STATE_FOR_OUTCOME,
    checked_outcome,
)
from atp_tui.client.respond_outcome import OutcomeKind as OutcomeKind  # re-exported
from atp_tui.client.respond_outcome import RespondOutcome as RespondOutcome  # re-exported
from atp_tui.client.respond_outcome import maybe_recorded as status_maybe_recorded
from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.protocol.models import Notification
from atp_tui.protocol.outcomes import UNSETTLED_OUTCOMES
from atp_tui.protocol.text import SecretRedactor, sanitize
from atp_tui.store import ResponseAttempt, Store
from atp_tui.store.db import StateWriteError

log = logging.getLogger(__name__)

RETRY_AFTER_LIMIT = 60.0
#: Seconds one request may take, all phases together (connect, TLS, headers, body).
REQUEST_DEADLINE = 30.0
#: Seconds after the first POST within which another attempt may start; with the request in
#: flight and a final check on top, `respond` ends within about `RETRY_BUDGET + 2 × deadline`.
RETRY_BUDGET = 120.0


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
        request_deadline: float = REQUEST_DEADLINE,
        retry_budget: float = RETRY_BUDGET,
    ) -> None:
        self._server = server
        self.token = token
        #: Blanks the token out of server text, in every spelling it could come back in.
        self._redactor = SecretRedactor()
        self._redactor.add(token)
        self._store = store
        self._clock = clock or SYSTEM_CLOCK
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._max_attempts = max_attempts
        self._deadline = request_deadline
        self._budget = retry_budget
        self._in_flight: set[str] = set()
        #: The `sending` row written before each answer's POST, until its outcome replaces it.
        self._sending_rows: dict[str, int] = {}

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

    async def _exchange(
        self, method: str, url: str, *, payload: Any = None, follow_redirects: bool
    ) -> Exchange:
        return await bounded_exchange(
            self._client,
            method,
            url,
            token=self.token,
            payload=payload,
            follow_redirects=follow_redirects,
            deadline=self._deadline,
            max_bytes=MAX_REPLY_BYTES,
        )

    # -- fetching one notification ---------------------------------------------------------

    async def fetch_notification(self, notification_id: str) -> Notification:
        """GET one notification (see `atp_tui.client.fetch.read_notification`).

        Raises `CredentialsRefused`, `NotificationNotFound` or `NotificationUnavailable`, all
        `LookupError`s whose message is one token-free, terminal-safe line.
        """
        # Quoted: an id is a path segment, never a way to reach another path or a query.
        url = f"{self._server}{NOTIFICATIONS_PATH}/{quote(notification_id, safe='')}"
        exchange = await self._exchange("GET", url, follow_redirects=True)
        return read_notification(exchange, notification_id, self._clean)

    # -- answering ---------------------------------------------------------------------------

    async def respond(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        *,
        on_retry: Callable[[int, str], None] | None = None,
        closed: Callable[[], RespondOutcome | None] | None = None,
    ) -> RespondOutcome:
        """Send one answer and return its final outcome (see the module docstring).

        `closed` is asked before every POST, the retries' included: what the caller now knows
        of the notification (a withdrawal the stream announced, its deadline passing on the
        client clock) as the outcome to end with instead, or `None` while it takes answers.
        Without it a retry went out after the item showed expired or withdrawn, and a server
        that does not enforce its deadlines had it reported sent."""
        if notification_id in self._in_flight:
            return RespondOutcome(
                "duplicate", "an answer to this notification is already being sent"
            )
        self._in_flight.add(notification_id)
        try:
            # From the look at the log to the outcome logged: no other process sharing the
            # state dir answers this notification meanwhile (`store.answer_locks`).
            async with answer_lock(self._store, notification_id) as busy:
                if busy is not None:
                    return busy
                earlier = self._earlier_answer(notification_id)
                if earlier is not None:
                    return earlier
                outcome = await self._settle_earlier(notification_id, action_id, response_data)
                if outcome is None:
                    outcome = await self._send_logged(
                        notification_id, action_id, response_data, on_retry, closed
                    )
                return self._record(notification_id, action_id, response_data, outcome)
        finally:
            self._in_flight.discard(notification_id)

    async def settle_unfinished(self, notification_id: str) -> RespondOutcome | None:
        """Check with the server an answer whose outcome this client does not know (the log's
        last row is `sending`/`retrying`, left by a process that ended mid-answer, or
        `unknown`), and log what became of it. `None` when there is nothing to check or an
        answer is being sent right now.

        Outcomes: `sent` (the server shows it answered), `failed` (the server shows it still
        open: the answer did not land and may be given again), `expired` / `invalidated` /
        `not_found`, or `unknown` (the check failed; nothing is logged, the next answer checks
        first).
        """
        last = self._last_attempt(notification_id)
        if (
            last is None
            or last.outcome not in UNSETTLED_OUTCOMES
            or notification_id in self._in_flight
        ):
            return None
        self._in_flight.add(notification_id)
        try:
            verdict = await self._reconcile(notification_id)
        finally:
            self._in_flight.discard(notification_id)
        when = last.attempted_at.astimezone().strftime("%H:%M:%S")
        if verdict is None:
            verdict = RespondOutcome(
                "failed",
                f"the answer at {when} did not reach the server (it shows the notification "
                "still open); answer again",
            )
        elif verdict.kind == "unknown":
            return replace(
                verdict,
                message=self._clean(
                    f"the answer at {when} may have reached the server and checking failed "
                    f"({verdict.message}); answering again checks first"
                ),
            )
        elif verdict.kind == "sent":
            verdict = replace(
                verdict, message=f"the server shows it answered (the answer at {when})"
            )
        return self._record(notification_id, last.action_id, last.response_data, verdict)

    def _record(
        self, notification_id: str, action_id: str, response_data: Any, outcome: RespondOutcome
    ) -> RespondOutcome:
        """Log a final outcome and move the stored status; the outcome, token-free, with a
        note when it could not be recorded."""
        # One place for it: whatever path produced the message, the token never leaves here.
        outcome = replace(outcome, message=self._clean(outcome.message))
        if outcome.state_unavailable:
            return outcome  # the log could not be written a moment ago: it is not tried again
        try:
            self._log(notification_id, action_id, response_data, outcome.kind, outcome.message)
            if self._store is not None and outcome.kind in STATE_FOR_OUTCOME:
                state, reason = STATE_FOR_OUTCOME[outcome.kind]
                self._store.apply_status(notification_id, state, reason)
                self._store.commit()
        except StateWriteError as error:
            # The `sending` row stays last: the next answer checks with the server first.
            outcome = replace(outcome, message=f"{outcome.message} (not recorded: {error})")
        return outcome

    async def _send_logged(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        on_retry: Callable[[int, str], None] | None,
        closed: Callable[[], RespondOutcome | None] | None = None,
    ) -> RespondOutcome:
        """`_send`, with a `sending` row written first: should the process die while the POST
        is out, the next answer finds it and checks with the server before sending again.
        When that row cannot be written (disk full), nothing is sent: a repeat could not be
        prevented."""
        try:
            self._log(notification_id, action_id, response_data, "sending", "")
        except StateWriteError as error:
            return RespondOutcome(
                "failed",
                f"not sent: the answer could not be recorded first ({error})",
                state_unavailable=True,
            )
        return await self._send(notification_id, action_id, response_data, on_retry, closed)

    def _earlier_answer(self, notification_id: str) -> RespondOutcome | None:
        """An answer this client already got through: never send a second one."""
        if self._store is None:
            return None
        for attempt in reversed(self._store.responses(notification_id)):
            if attempt.outcome == "sent":
                when = attempt.attempted_at.strftime("%H:%M:%S")
                return RespondOutcome("duplicate", f"already answered here at {when}")
        return None

    def _last_attempt(self, notification_id: str) -> ResponseAttempt | None:
        if self._store is None:
            return None
        attempts = self._store.responses(notification_id)
        return attempts[-1] if attempts else None

    async def _settle_earlier(
        self, notification_id: str, action_id: str, response_data: Any
    ) -> RespondOutcome | None:
        """Reconcile an earlier attempt whose outcome is unknown; `None` when safe to send."""
        last = self._last_attempt(notification_id)
        if last is None or last.outcome not in UNSETTLED_OUTCOMES:
            return None
        when = last.attempted_at.strftime("%H:%M:%S")
        verdict = await self._reconcile(notification_id)
        if verdict is None:
            return None  # the server shows it unanswered: the earlier attempt did not land
        if verdict.kind == "sent":
            if (last.action_id, last.response_data) == (action_id, response_data):
                return RespondOutcome(
                    "sent", f"the attempt at {when} got through (the server shows it answered)"
                )
            return RespondOutcome(
                "already_responded",
                f"the server shows it answered, most likely by the attempt at {when} "
                f"({last.action_id}) whose outcome was unknown; this answer was not sent",
            )
        if verdict.kind == "unknown":
            return RespondOutcome(
                "unknown",
                f"the attempt at {when} may have reached the server and checking failed "
                f"({verdict.message}); nothing was sent, run respond again to check",
            )
        return verdict

    async def _reconcile(
        self, notification_id: str, after: str = "after a lost reply"
    ) -> RespondOutcome | None:
        """Ask the server what became of an answer; `None` when it is still unanswered.
        `after` says what made it uncertain (a lost reply, or the server's 5xx)."""
        try:
            notification = await self.fetch_notification(notification_id)
        except NotificationNotFound as error:
            return RespondOutcome("not_found", str(error))
        except LookupError as error:  # unreachable, refused, or not a notification
            log.info("could not check answer to %s: %s", notification_id, self._clean(str(error)))
            return RespondOutcome("unknown", str(error))
        return checked_outcome(notification.status, after)

    def _log(self, notification_id: str, action_id: str, data: Any, kind: str, detail: str) -> None:
        """Log an attempt; the first row after a `sending` row takes its place."""
        if self._store is None:
            return
        row = self._store.record_response(
            notification_id,
            action_id,
            data,
            kind,
            self._clean(detail),
            replaces=self._sending_rows.pop(notification_id, None),
        )
        if kind == "sending":
            self._sending_rows[notification_id] = row

    def _time_for_another(self, started: float, wait: float, check_first: bool) -> bool:
        """Whether another attempt (after `wait`, and a check first) fits in the budget."""
        needed = wait + self._deadline * (2 if check_first else 1)
        return self._clock.monotonic() - started + needed <= self._budget

    async def _send(
        self,
        notification_id: str,
        action_id: str,
        response_data: Any,
        on_retry: Callable[[int, str], None] | None,
        closed: Callable[[], RespondOutcome | None] | None = None,
    ) -> RespondOutcome:
        payload = {
            "notification_id": notification_id,
            "action_id": action_id,
            "response_data": response_data,
        }
        started = self._clock.monotonic()
        reply_lost = False
        attempt = 0
        while True:
            attempt += 1
            wait = min(2.0 ** (attempt - 1), 8.0)
            ended = closed() if closed is not None else None
            if ended is not None:
                sent_before = f"not sent again after {attempt - 1} attempts" if attempt > 1 else ""
                return replace(ended, message="; ".join(filter(None, [ended.message, sent_before])))
            # Never follow a redirect here: following would count a login page as "sent", and
            # a 307/308 would carry the answer to whatever origin it names (case 75).
            exchange = await self._exchange(
                "POST", self._server + RESPOND_PATH, payload=payload, follow_redirects=False
            )
            if exchange.redirect is not None:
                return self._redirected(exchange.redirect, None)
            maybe_recorded = exchange.maybe_delivered
            if exchange.response is None:
                detail = exchange.error
            else:
                outcome = await self._interpret(exchange, notification_id, reply_lost)
                if outcome is not None:
                    return outcome
                status = exchange.response.status_code
                detail = f"server answered {status}"
                maybe_recorded = status_maybe_recorded(status)
                if status == 429:
                    retry_after = parse_retry_after(
                        exchange.response.headers.get("retry-after"), self._clock.now()
                    )
                    wait = min(max(wait, retry_after or 0.0), RETRY_AFTER_LIMIT)
            reply_lost = reply_lost or maybe_recorded
            final = attempt >= self._max_attempts or not self._time_for_another(
                started, wait, maybe_recorded
            )
            if not final:
                check = "; checking with the server before sending again" if maybe_recorded else ""
                self._log(notification_id, action_id, response_data, "retrying", detail + check)
                if on_retry is not None:
                    on_retry(attempt, detail)
                await self._clock.sleep(wait)
            if maybe_recorded:
                # The server may hold this answer: it is sent again only if it shows it open.
                after = "after a lost reply" if exchange.response is None else f"after a {status}"
                verdict = await self._reconcile(notification_id, after)
                if verdict is not None and verdict.kind == "unknown":
                    return RespondOutcome(
                        "unknown",
                        f"no reply to the answer ({detail}) and checking failed "
                        f"({verdict.message}); it may or may not have been recorded: run "
                        "respond again, it checks before sending",
                    )
                if verdict is not None:
                    return verdict
            if final:
                ended = closed() if closed is not None else None
                if ended is not None:  # closed meanwhile: "try again" would be no use
                    tried = f"not sent after {attempt} attempts ({detail})"
                    return replace(ended, message=f"{ended.message}; {tried}")
                checked = "; the server shows it unanswered" if maybe_recorded else ""
                return RespondOutcome(
                    "failed", f"not sent after {attempt} attempts ({detail}){checked}; try again"
                )

    async def _interpret(
        self, exchange: Exchange, notification_id: str, reply_lost: bool
    ) -> RespondOutcome | None:
        """The final outcome of one reply, or `None` when it is worth retrying."""
        response = exchange.response
        assert response is not None
        status = response.status_code
        if 200 <= status < 300:
            try:
                body = json.loads(exchange.content) if exchange.content else {}
            except (ValueError, RecursionError):  # accepted all the same; only the time is lost
                body = {}
            at = body.get("responded_at") if isinstance(body, dict) else None
            return RespondOutcome(
                "sent", "answer sent", status, at if isinstance(at, str) else None
            )
        if 300 <= status < 400:
            return self._redirected(response.headers.get("location"), status)
        if status == 429 or status >= 500 or status == 408:
            return None
        error = parse_error_body(response, exchange.content)
        message = error.message or error.code
        if status == 409:
            kind = CONFLICT_OUTCOMES.get(error.code, "refused")
            if kind == "already_responded" and reply_lost:
                verdict = await self._reconcile(notification_id)
                if verdict is not None and verdict.kind == "sent":
                    return RespondOutcome("sent", "answer confirmed after a lost reply", status)
            return RespondOutcome(kind, message, status)
        if status == 404:
            return RespondOutcome("not_found", message or "notification no longer exists", status)
        if status == 401:
            return RespondOutcome(
                "auth_refused", f"token refused ({error.code}): check the token", status
            )
        return RespondOutcome("refused", f"{message} ({error.code})", status)

    def _redirected(self, location: str | None, status: int | None) -> RespondOutcome:
        """A redirect on the POST: refused, never sent on, never counted as sent."""
        where = sanitize(self._redact(location), limit=120) if location else "(no Location)"
        code = f" (HTTP {status})" if status is not None else ""
        return RespondOutcome(
            "refused",
            f"redirected to {where}{code}; not counted as sent, check the server URL",
            status,
        )

    def _redact(self, text: str) -> str:
        """Server text with our token blanked out: a proxy may echo the request headers."""
        return self._redactor.redact(text)

    def _clean(self, text: str) -> str:
        """A message fit for a terminal and the log: token redacted, one safe line."""
        return sanitize(self._redact(text))
