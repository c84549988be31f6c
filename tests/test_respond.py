"""Answering notifications: `POST /api/v1/client/respond` and the outcome table.

ATP-PROTOCOL.md §1.3 (outcome table, lost-reply decision); SSE-CLIENT-RULES.md §(e) cases 57
(one POST per answer), 58 (5xx retried with the same payload, never shown as sent early), 59
(lost reply + 409 ALREADY_RESPONDED → confirmed by GET), 60 (409 outcomes), 61 (400/422/401/429),
62 (respond independent of the stream) and 66 (the token only in `Authorization`).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from atp_tui.client.http import NOTIFICATIONS_PATH, RESPOND_PATH
from atp_tui.client.respond import RETRY_AFTER_LIMIT, RespondClient
from atp_tui.protocol.models import Notification
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer, notification

TOKEN = "tok-SECRET-5f0c2a9e71"
NID = "n1"

Step = Callable[[Conn], Awaitable[None]]


def reply(status: int, body: dict[str, Any] | bytes = b"", **headers: str) -> Step:
    """A step that answers with `status` and `body`."""

    async def step(conn: Conn) -> None:
        await conn.send_response(status, body, headers=headers)

    return step


def error(status: int, code: str, message: str = "", *, wrapped: bool = False) -> Step:
    """An ATP error body, bare or wrapped in `{"error": ...}`."""
    body: dict[str, Any] = {"code": code, "message": message, "request_id": "req-1"}
    return reply(status, {"error": body} if wrapped else body)


OK = reply(
    200,
    {
        "notification_id": NID,
        "action_id": "approve",
        "status": "responded",
        "responded_at": "2026-11-28T12:00:01Z",
    },
)


async def reset(conn: Conn) -> None:
    """The request arrived (body read), then the connection dies: outcome unknown."""
    conn.reset()


def shows(status: str) -> Step:
    """GET /notifications/{id}: the notification in `status`."""
    return reply(200, notification(NID, status=status))


class Plan:
    """A server script: one step per POST and per GET (in each list the last one repeats)."""

    def __init__(self, posts: list[Step], get: Step | list[Step] | None = None) -> None:
        self.posts = posts
        default = error(404, "NOTIFICATION_NOT_FOUND", "no such notification")
        self.get_steps = get if isinstance(get, list) else [get or default]
        self.bodies: list[bytes] = []
        self.gets: list[str] = []

    async def __call__(self, conn: Conn) -> None:
        if conn.request.method == "POST":
            length = int(conn.request.headers["content-length"])
            self.bodies.append(await conn.reader.readexactly(length))
            await self.posts[min(len(self.bodies), len(self.posts)) - 1](conn)
        else:
            self.gets.append(conn.request.path)
            await self.get_steps[min(len(self.gets), len(self.get_steps)) - 1](conn)

    @property
    def payloads(self) -> list[Any]:
        return [json.loads(body) for body in self.bodies]


def _store(clock: FakeClock) -> Store:
    store = Store.in_memory(clock)
    store.add_notification(Notification.model_validate(notification(NID)), "1")
    store.commit()
    return store


def _client(
    server: HostileServer, store: Store | None, clock: FakeClock, **kw: Any
) -> RespondClient:
    return RespondClient(server.url, TOKEN, store, clock=clock, **kw)


async def _answer(
    plan: Plan,
    clock: FakeClock,
    *,
    data: Any = None,
    action: str = "approve",
    on_retry: Callable[[int, str], None] | None = None,
    **kw: Any,
) -> tuple[Any, Store, HostileServer]:
    store = _store(clock)
    async with HostileServer(plan) as server:
        client = _client(server, store, clock, **kw)
        try:
            outcome = await client.respond(NID, action, data, on_retry=on_retry)
        finally:
            await client.aclose()
    return outcome, store, server


def _assert_token_only_in_header(server: HostileServer) -> None:
    """Case 66(a): the token travels in `Authorization`, never in the URL."""
    assert server.requests
    for request in server.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in request.path
        assert all(TOKEN not in key and TOKEN not in value for key, value in request.query.items())
        assert "token" not in request.query


def _outcomes(store: Store) -> list[str]:
    return [attempt.outcome for attempt in store.responses(NID)]


# -- success and duplicates (case 57) --------------------------------------------------------


async def test_200_is_sent_and_recorded(fake_clock: FakeClock) -> None:
    """Case 57: a 2xx marks the notification responded, once, and logs the attempt."""
    plan = Plan([OK])
    outcome, store, server = await _answer(plan, fake_clock, data=["a", "b"], action="pick")
    assert outcome.kind == "sent" and outcome.ok
    assert outcome.status_code == 200
    assert outcome.responded_at == "2026-11-28T12:00:01Z"
    assert plan.payloads == [
        {"notification_id": NID, "action_id": "pick", "response_data": ["a", "b"]}
    ]
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", RESPOND_PATH)
    assert request.headers["content-type"] == "application/json"
    _assert_token_only_in_header(server)
    item = store.get(NID)
    assert (item.status, item.status_reason) == ("responded", "answered here")
    log = store.responses(NID)
    assert [(a.action_id, a.response_data, a.outcome) for a in log] == [
        ("pick", ["a", "b"], "sent")
    ]
    assert fake_clock.sleeps == []


async def test_200_with_a_body_that_is_not_json_still_counts_as_sent(
    fake_clock: FakeClock,
) -> None:
    """§1.3: any 2xx means the server has the answer; an odd body must not raise."""
    plan = Plan([reply(200, b"<html>ok</html>")])
    outcome, store, _ = await _answer(plan, fake_clock)
    assert (outcome.kind, outcome.responded_at) == ("sent", None)
    assert store.get(NID).status == "responded"
    assert _outcomes(store) == ["sent"]


async def test_a_second_respond_while_the_first_is_in_flight_is_a_duplicate(
    fake_clock: FakeClock,
) -> None:
    """Case 57: a double key press sends exactly one POST."""
    release = asyncio.Event()

    async def slow_ok(conn: Conn) -> None:
        await release.wait()
        await OK(conn)

    plan = Plan([slow_ok])
    store = _store(fake_clock)
    async with HostileServer(plan) as server:
        client = _client(server, store, fake_clock)
        first = asyncio.ensure_future(client.respond(NID, "approve", None))
        for _ in range(500):
            if plan.bodies:
                break
            await asyncio.sleep(0.01)
        assert plan.bodies, "the first POST never arrived"
        assert client.is_pending(NID) and client.pending_count == 1
        second = await client.respond(NID, "approve", None)
        other = await client.respond(NID, "reject", None)
        release.set()
        outcome = await first
        await client.aclose()
    assert (second.kind, other.kind) == ("duplicate", "duplicate")
    assert not second.ok
    assert outcome.kind == "sent"
    assert [r.method for r in server.requests] == ["POST"]
    assert len(plan.bodies) == 1
    assert not client.is_pending(NID) and client.pending_count == 0
    assert _outcomes(store) == ["sent"]


async def test_answers_to_different_notifications_do_not_block_each_other(
    fake_clock: FakeClock,
) -> None:
    """Case 57: the in-flight guard is per notification."""
    plan = Plan([OK])
    async with HostileServer(plan) as server:
        client = _client(server, None, fake_clock)
        outcomes = await asyncio.gather(
            client.respond("n1", "approve", None), client.respond("n2", "approve", None)
        )
        await client.aclose()
    assert [o.kind for o in outcomes] == ["sent", "sent"]
    assert sorted(p["notification_id"] for p in plan.payloads) == ["n1", "n2"]


# -- retries (cases 58, 59) ------------------------------------------------------------------


async def test_5xx_is_retried_with_the_same_payload(fake_clock: FakeClock) -> None:
    """Case 58: 500 and 503 are retried with backoff, byte-identical payload, then sent."""
    retries: list[tuple[int, str]] = []
    plan = Plan([error(500, "INTERNAL"), reply(503, b""), OK])
    outcome, store, server = await _answer(
        plan,
        fake_clock,
        data={"nested": [1, 2.5, "x"]},
        on_retry=lambda attempt, detail: retries.append((attempt, detail)),
    )
    assert outcome.kind == "sent"
    assert len(plan.bodies) == 3
    assert len(set(plan.bodies)) == 1, plan.bodies
    assert plan.payloads[0]["response_data"] == {"nested": [1, 2.5, "x"]}
    assert [attempt for attempt, _ in retries] == [1, 2]
    assert "500" in retries[0][1] and "503" in retries[1][1]
    assert fake_clock.sleeps == [1.0, 2.0]
    assert _outcomes(store) == ["retrying", "retrying", "sent"]
    assert store.get(NID).status == "responded"
    _assert_token_only_in_header(server)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_persistent_failure_ends_failed_and_never_sent(
    status: int, fake_clock: FakeClock
) -> None:
    """Case 58: after `max_attempts` the answer is "failed", the action stays available.

    Case 76: a proxy's 408/502/504 may hide a recorded answer, so every such attempt is
    followed by a GET before the next POST (and before saying "failed"); before case 76 the
    POST was repeated unchecked and one GET came only at the end.
    """
    plan = Plan([reply(status, b"")], get=shows("delivered"))
    outcome, store, server = await _answer(plan, fake_clock, max_attempts=3)
    assert outcome.kind == "failed" and not outcome.ok
    assert "3 attempts" in outcome.message and str(status) in outcome.message
    assert len(plan.bodies) == 3
    methods = [request.method for request in server.requests]
    if status in (502, 504, 408):
        assert methods == ["POST", "GET", "POST", "GET", "POST", "GET"]
        assert "unanswered" in outcome.message
    else:
        assert methods == ["POST"] * 3  # the server itself answered: nothing to confirm
    assert fake_clock.sleeps == [1.0, 2.0]
    assert _outcomes(store) == ["retrying", "retrying", "failed"]
    assert "sent" not in _outcomes(store)
    assert store.get(NID).status == "delivered"


async def test_lost_reply_then_409_already_responded_is_confirmed_by_get(
    fake_clock: FakeClock,
) -> None:
    """Case 59: reset after the request was read, retry → 409, GET shows responded → sent.

    Case 76 puts a GET between the two POSTs (it still showed the notification open, so
    sending again was safe); before, the POST was repeated unchecked.
    """
    plan = Plan(
        [reset, error(409, "NOTIFICATION_ALREADY_RESPONDED", "already answered")],
        get=[shows("delivered"), shows("responded")],
    )
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
    assert "lost reply" in outcome.message
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", RESPOND_PATH),
        ("GET", f"{NOTIFICATIONS_PATH}/{NID}"),
        ("POST", RESPOND_PATH),
        ("GET", f"{NOTIFICATIONS_PATH}/{NID}"),
    ]
    assert plan.bodies[0] == plan.bodies[1]
    assert store.get(NID).status == "responded"
    assert store.get(NID).status_reason == "answered here"
    assert _outcomes(store) == ["retrying", "sent"]
    _assert_token_only_in_header(server)


async def test_lost_reply_then_409_but_get_fails_stays_already_responded(
    fake_clock: FakeClock,
) -> None:
    """Case 59: when the GET cannot confirm it, the honest answer is "already answered".

    (Case 76: the first GET, between the POSTs, showed the notification still open.)
    """
    plan = Plan(
        [reset, error(409, "NOTIFICATION_ALREADY_RESPONDED", "already answered")],
        get=[shows("delivered"), error(500, "INTERNAL", "boom")],
    )
    outcome, store, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "already_responded"
    assert store.get(NID).status == "responded"
    assert plan.gets == [f"{NOTIFICATIONS_PATH}/{NID}"] * 2


async def test_lost_reply_then_200_is_sent(fake_clock: FakeClock) -> None:
    """Case 59: a reset is retried like a 5xx, once a GET (case 76) shows it still open."""
    plan = Plan([reset, OK], get=shows("delivered"))
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
    assert plan.bodies[0] == plan.bodies[1]
    assert [r.method for r in server.requests] == ["POST", "GET", "POST"]
    assert _outcomes(store) == ["retrying", "sent"]


async def test_every_reply_lost_is_resolved_by_a_final_get(fake_clock: FakeClock) -> None:
    """Case 59: the reply is lost; the GET shows it responded → our answer got through.

    Case 76: the GET comes before any second POST, so the answer is not posted again (before,
    it was posted twice and checked only at the end).
    """
    plan = Plan([reset], get=shows("responded"))
    outcome, store, _ = await _answer(plan, fake_clock, max_attempts=2)
    assert outcome.kind == "sent"
    assert store.get(NID).status == "responded"
    assert len(plan.bodies) == 1 and len(plan.gets) == 1


async def test_every_reply_lost_and_not_responded_is_failed(fake_clock: FakeClock) -> None:
    """Case 58: never shown as sent unless the server confirms it."""
    plan = Plan([reset], get=shows("delivered"))
    outcome, store, server = await _answer(plan, fake_clock, max_attempts=2)
    assert outcome.kind == "failed"
    assert store.get(NID).status == "delivered"
    assert [r.method for r in server.requests] == ["POST", "GET", "POST", "GET"]


async def test_connection_refused_is_failed_without_a_confirmation_get(
    fake_clock: FakeClock,
) -> None:
    """Cases 58, 62: a connect failure never reached the server; nothing to confirm."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = RespondClient(
        f"http://127.0.0.1:{port}", TOKEN, _store(fake_clock), clock=fake_clock, max_attempts=2
    )
    fetched: list[str] = []

    async def record_fetch(notification_id: str) -> Notification:
        fetched.append(notification_id)
        raise LookupError(notification_id)

    client.fetch_notification = record_fetch  # type: ignore[method-assign]
    try:
        outcome = await client.respond(NID, "approve", None)
    finally:
        await client.aclose()
    assert outcome.kind == "failed"
    assert fetched == []
    assert fake_clock.sleeps == [1.0]
    assert "connect" in outcome.message
    assert TOKEN not in outcome.message


# -- 409 outcomes (case 60) ------------------------------------------------------------------


async def test_409_already_responded_without_a_lost_reply_is_final(fake_clock: FakeClock) -> None:
    """Case 60: answered on another device → "already_responded", no retry, no GET."""
    plan = Plan([error(409, "NOTIFICATION_ALREADY_RESPONDED", "answered on phone")])
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == "already_responded" and not outcome.ok
    assert outcome.status_code == 409
    assert outcome.message == "answered on phone"
    assert len(server.requests) == 1
    assert fake_clock.sleeps == []
    assert (store.get(NID).status, store.get(NID).status_reason) == (
        "responded",
        "answered elsewhere",
    )
    assert _outcomes(store) == ["already_responded"]


@pytest.mark.parametrize(
    ("code", "kind", "state"),
    [
        ("NOTIFICATION_EXPIRED", "expired", "expired"),
        ("NOTIFICATION_INVALIDATED", "invalidated", "invalidated"),
    ],
)
@pytest.mark.parametrize("wrapped", [False, True])
async def test_409_expired_or_invalidated_moves_the_state(
    code: str, kind: str, state: str, wrapped: bool, fake_clock: FakeClock
) -> None:
    """Case 60: final with that reason; the stored state moves so actions are disabled."""
    plan = Plan([error(409, code, "too late", wrapped=wrapped)])
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == kind
    assert len(server.requests) == 1
    assert store.get(NID).status == state
    assert _outcomes(store) == [kind]


async def test_409_with_an_unknown_code_is_refused(fake_clock: FakeClock) -> None:
    """§1.3: a conflict we cannot interpret is shown, not retried, and moves nothing."""
    plan = Plan([error(409, "SOMETHING_NEW", "odd")])
    outcome, store, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "refused"
    assert store.get(NID).status == "delivered"


# -- refusals (cases 61, 66) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "INVALID_RESPONSE_DATA"),
        (400, "INVALID_ACTION_ID"),
        (400, "MISSING_REQUIRED_FIELD"),
        (422, "CONSTRAINT_VIOLATION"),
        (403, "NOTIFICATION_ACCESS_DENIED"),
    ],
)
@pytest.mark.parametrize("wrapped", [False, True])
async def test_400_422_403_are_refused_not_retried(
    status: int, code: str, wrapped: bool, fake_clock: FakeClock
) -> None:
    """Case 61: not retried; the server's message (bare or wrapped body) is shown."""
    plan = Plan([error(status, code, "value 11 exceeds max 10", wrapped=wrapped)])
    outcome, store, server = await _answer(plan, fake_clock, data=11)
    assert outcome.kind == "refused" and not outcome.ok
    assert outcome.status_code == status
    assert "value 11 exceeds max 10" in outcome.message
    assert code in outcome.message
    assert len(server.requests) == 1
    assert fake_clock.sleeps == []
    assert store.get(NID).status == "delivered"
    assert _outcomes(store) == ["refused"]


async def test_refusal_without_an_error_body_is_still_explained(fake_clock: FakeClock) -> None:
    """§1.3: a bare 400 (no JSON) still gives a message, from the status."""
    plan = Plan([reply(400, b"nope")])
    outcome, _, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "refused"
    assert "HTTP_400" in outcome.message


@pytest.mark.parametrize("wrapped", [False, True])
async def test_401_is_auth_refused_and_never_shows_the_token(
    wrapped: bool, fake_clock: FakeClock
) -> None:
    """Cases 61, 66(b): credentials refused; the token appears in no message or log."""
    plan = Plan([error(401, "AUTH_INVALID_TOKEN", f"token {TOKEN} is invalid", wrapped=wrapped)])
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == "auth_refused"
    assert outcome.status_code == 401
    assert "AUTH_INVALID_TOKEN" in outcome.message
    assert TOKEN not in outcome.message
    assert len(server.requests) == 1
    assert all(TOKEN not in attempt.detail for attempt in store.responses())
    assert TOKEN not in repr(outcome)


async def test_server_text_echoing_the_token_is_redacted(fake_clock: FakeClock) -> None:
    """Case 66(b): a proxy echoing our headers in its error text does not leak the token."""
    plan = Plan([error(400, f"BAD_{TOKEN}", f"header Authorization: Bearer {TOKEN} rejected")])
    outcome, store, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "refused"
    assert TOKEN not in outcome.message
    assert "rejected" in outcome.message
    assert all(TOKEN not in attempt.detail for attempt in store.responses())


async def test_429_waits_retry_after_then_retries(fake_clock: FakeClock) -> None:
    """Case 61: 429 + `Retry-After: 2` → wait at least 2 s (fake clock), then retry."""
    plan = Plan([reply(429, {"code": "RATE_LIMIT_EXCEEDED"}, **{"Retry-After": "2"}), OK])
    outcome, store, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
    assert len(fake_clock.sleeps) == 1 and fake_clock.sleeps[0] >= 2.0
    assert plan.bodies[0] == plan.bodies[1]
    assert _outcomes(store) == ["retrying", "sent"]


async def test_429_retry_after_is_capped(fake_clock: FakeClock) -> None:
    """Case 61: a huge `Retry-After` is waited at most up to the cap."""
    plan = Plan([reply(429, b"", **{"Retry-After": "86400"}), OK])
    outcome, _, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
    assert fake_clock.sleeps == [RETRY_AFTER_LIMIT]


async def test_404_is_not_found(fake_clock: FakeClock) -> None:
    """§1.3: the notification is gone: "not_found", with the server's message."""
    plan = Plan([error(404, "NOTIFICATION_NOT_FOUND", "no such notification")])
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == "not_found"
    assert outcome.message == "no such notification"
    assert len(server.requests) == 1
    assert _outcomes(store) == ["not_found"]


async def test_respond_works_without_a_store(fake_clock: FakeClock) -> None:
    """Case 62: `atp-tui respond` may answer without local state."""
    plan = Plan([OK])
    async with HostileServer(plan) as server:
        client = _client(server, None, fake_clock)
        outcome = await client.respond(NID, "approve", True)
        await client.aclose()
    assert outcome.kind == "sent"
    assert plan.payloads[0]["response_data"] is True


# -- fetch_notification ----------------------------------------------------------------------


async def test_fetch_notification(fake_clock: FakeClock) -> None:
    """§1.2: GET one notification, token in the header only."""
    plan = Plan([OK], get=shows("acknowledged"))
    async with HostileServer(plan) as server:
        client = _client(server, None, fake_clock)
        fetched = await client.fetch_notification(NID)
        await client.aclose()
    assert (fetched.id, fetched.status) == (NID, "acknowledged")
    assert server.requests[0].path == f"{NOTIFICATIONS_PATH}/{NID}"
    _assert_token_only_in_header(server)


@pytest.mark.parametrize(
    "step",
    [
        error(404, "NOTIFICATION_NOT_FOUND", "gone"),
        error(500, "INTERNAL", "boom"),
        error(403, "NOTIFICATION_ACCESS_DENIED", "not yours", wrapped=True),
    ],
    ids=["404", "500", "403"],
)
async def test_fetch_notification_errors_raise_lookup_error(
    step: Step, fake_clock: FakeClock
) -> None:
    """§1.2: a missing (or unfetchable) notification is a `LookupError`, token-free."""
    plan = Plan([OK], get=step)
    async with HostileServer(plan) as server:
        client = _client(server, None, fake_clock)
        with pytest.raises(LookupError) as caught:
            await client.fetch_notification(NID)
        await client.aclose()
    assert NID in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_a_second_answer_after_success_is_refused_locally(fake_clock: FakeClock) -> None:
    """Case 57: once an answer got through, another `respond()` sends nothing."""
    plan = Plan([reply(200, {"status": "responded", "responded_at": "2026-11-28T12:00:00Z"})])
    outcome, store, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
    client = RespondClient("http://127.0.0.1:9", TOKEN, store, clock=fake_clock)
    again = await client.respond(NID, "approve", None)
    await client.aclose()
    assert again.kind == "duplicate" and "already answered here" in again.message
    assert len(plan.bodies) == 1


async def test_gateway_timeout_then_already_responded_is_confirmed(fake_clock: FakeClock) -> None:
    """Case 59: a 504 may hide a recorded answer; the retry's 409 is resolved by a GET."""
    plan = Plan(
        [reply(504, b""), error(409, "NOTIFICATION_ALREADY_RESPONDED", "already answered")],
        get=shows("responded"),
    )
    outcome, _, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
