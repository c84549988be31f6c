"""Answering notifications when the server fails or the reply is lost: 5xx retried with the same
payload and never shown as sent early (case 58), a lost reply then 409 ALREADY_RESPONDED
confirmed by a GET (case 59, ATP-PROTOCOL.md §1.3 lost-reply decision).
"""

from __future__ import annotations

import socket

import pytest

from atp_tui.client.http import NOTIFICATIONS_PATH, RESPOND_PATH
from atp_tui.client.respond import RespondClient
from atp_tui.client.respond_outcome import RespondOutcome
from atp_tui.protocol.models import Notification
from tests.conftest import FakeClock
from tests.respond_helpers import (
    NID,
    OK,
    TOKEN,
    Plan,
    _answer,
    _assert_token_only_in_header,
    _outcomes,
    _store,
    error,
    reply,
    reset,
    shows,
)

# -- retries (cases 58, 59) ------------------------------------------------------------------


async def test_5xx_is_retried_with_the_same_payload(fake_clock: FakeClock) -> None:
    """Case 58: 500 and 503 are retried with backoff, byte-identical payload, then sent."""
    retries: list[tuple[int, str]] = []
    plan = Plan([error(500, "INTERNAL"), reply(503, b""), OK], get=shows("delivered"))
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

    Case 76: a 408 or any 5xx may hide a recorded answer (a proxy's 502/504, or a server
    failing after its commit), so every such attempt is followed by a GET before the next
    POST (and before saying "failed"); before case 76 the POST was repeated unchecked and
    one GET came only at the end.
    """
    plan = Plan([reply(status, b"")], get=shows("delivered"))
    outcome, store, server = await _answer(plan, fake_clock, max_attempts=3)
    assert outcome.kind == "failed" and not outcome.ok
    assert "3 attempts" in outcome.message and str(status) in outcome.message
    assert len(plan.bodies) == 3
    methods = [request.method for request in server.requests]
    assert methods == ["POST", "GET", "POST", "GET", "POST", "GET"]
    assert "unanswered" in outcome.message
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


async def test_a_500_after_the_answer_was_stored_is_confirmed_not_answered_elsewhere(
    fake_clock: FakeClock,
) -> None:
    """The server stored the answer, then failed (500): the check before the retry finds it
    answered, so it is sent, once. Before, only a proxy's 408/502/504 was checked: the retry
    got 409 ALREADY_RESPONDED and the user read "answered elsewhere" (independent QA)."""
    plan = Plan(
        [error(500, "INTERNAL"), error(409, "NOTIFICATION_ALREADY_RESPONDED", "answered")],
        get=shows("responded"),
    )
    outcome, store, server = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"
    assert len(plan.bodies) == 1
    assert [r.method for r in server.requests] == ["POST", "GET"]
    assert _outcomes(store) == ["retrying", "sent"]


async def test_gateway_timeout_then_already_responded_is_confirmed(fake_clock: FakeClock) -> None:
    """Case 59: a 504 may hide a recorded answer; the retry's 409 is resolved by a GET."""
    plan = Plan(
        [reply(504, b""), error(409, "NOTIFICATION_ALREADY_RESPONDED", "already answered")],
        get=shows("responded"),
    )
    outcome, _, _ = await _answer(plan, fake_clock)
    assert outcome.kind == "sent"


# -- an item that closes while its answer is retried (found by an independent QA pass) ------


@pytest.mark.parametrize("kind", ["expired", "invalidated"])
async def test_no_retry_goes_out_once_the_item_closed(kind: str, fake_clock: FakeClock) -> None:
    """The item turned expired (the client clock) or withdrawn (the stream) while the answer
    was retried after 503s: nothing more is sent, and the outcome says so. Before, the next
    retry went out anyway, and a server that did not enforce its deadline took it: `sent`."""
    plan = Plan([reply(503, b""), reply(503, b""), OK], get=shows("delivered"))
    closes_at = fake_clock.monotonic() + 2.5  # after the second attempt, before the third

    def closed() -> RespondOutcome | None:
        if fake_clock.monotonic() < closes_at:
            return None
        return RespondOutcome(kind, f"{kind}: closed while retrying")  # type: ignore[arg-type]

    outcome, store, _ = await _answer(plan, fake_clock, closed=closed)
    assert outcome.kind == kind
    assert len(plan.bodies) == 2
    assert "not sent again after 2 attempts" in outcome.message
    assert _outcomes(store) == ["retrying", "retrying", kind]


async def test_an_item_closed_before_the_first_post_gets_none(fake_clock: FakeClock) -> None:
    plan = Plan([OK])
    outcome, _, _ = await _answer(
        plan, fake_clock, closed=lambda: RespondOutcome("expired", "expired: the deadline passed")
    )
    assert outcome.kind == "expired" and outcome.message == "expired: the deadline passed"
    assert plan.bodies == []


async def test_retries_that_run_out_after_the_item_closed_say_it_closed(
    fake_clock: FakeClock,
) -> None:
    """The last attempt fails and the item has expired meanwhile: the outcome says expired,
    not "failed …; try again", which no one could do (found by the QA re-check)."""
    plan = Plan([reply(503, b"")], get=shows("delivered"))
    asked: list[int] = []

    def closed() -> RespondOutcome | None:
        asked.append(1)  # before each of the two POSTs: open; after the last one: closed
        return RespondOutcome("expired", "the deadline passed") if len(asked) > 2 else None

    outcome, _, _ = await _answer(plan, fake_clock, closed=closed, max_attempts=2)
    assert len(plan.bodies) == 2
    assert outcome.kind == "expired"
    assert "try again" not in outcome.message and "not sent after 2 attempts" in outcome.message
