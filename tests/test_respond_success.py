"""Answering notifications (`POST /api/v1/client/respond`): an answer that gets through is sent
and recorded once, duplicates send nothing (case 57), an answer needs no local state (case 62),
and `fetch_notification` reads one notification back (ATP-PROTOCOL.md §1.2, §1.3).
"""

from __future__ import annotations

import asyncio

import pytest

from atp_tui.client.http import NOTIFICATIONS_PATH, RESPOND_PATH
from atp_tui.client.respond import RespondClient
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer
from tests.respond_helpers import (
    NID,
    OK,
    TOKEN,
    Plan,
    Step,
    _answer,
    _assert_token_only_in_header,
    _client,
    _outcomes,
    _store,
    error,
    reply,
    shows,
)

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
