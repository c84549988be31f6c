"""Answering notifications the server refuses: the 409 outcomes (case 60), 400/422/403 refused
and not retried, 401 and 429 (case 61), 404, and the token never shown (case 66);
ATP-PROTOCOL.md §1.3 outcome table.
"""

from __future__ import annotations

import pytest

from atp_tui.client.respond import RETRY_AFTER_LIMIT
from tests.conftest import FakeClock
from tests.respond_helpers import NID, OK, TOKEN, Plan, _answer, _outcomes, error, reply

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
    # Closed everywhere (the detail pane, the counts, `list`), not an open row no key answers.
    item = store.get(NID)
    assert item is not None and item.status == "invalidated"
    assert item.status_reason == "gone: the server no longer has it"
