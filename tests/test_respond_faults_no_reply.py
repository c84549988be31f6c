"""`respond` when the POST gets no reply, SSE-CLIENT-RULES.md (g) case 76: the answer is
"unknown" and reconciled with a GET before anything is sent again, and every request has a
deadline.

Every server is real and on 127.0.0.1 (`tests.hostile.HostileServer`). Backoff waits go
through `FakeClock` (instant); the request deadline is made short instead of waiting out the
real 30 s.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from atp_tui.commands.respond import EXIT_SENT, EXIT_UNKNOWN
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer
from tests.respond_faults_helpers import (
    DEADLINE,
    NID,
    OK,
    Plan,
    _client,
    _methods,
    _outcomes,
    _run_cli,
    _store,
    hang,
    reply,
    shows,
    trickle_headers,
)

# -- case 76: no reply to the POST ---------------------------------------------------------------


async def test_case_76_a_post_never_answered_is_unknown_and_reconciled_before_any_resend(
    fake_clock: FakeClock,
) -> None:
    """Case 76: the POST went out and no reply came; the GET fails too → "unknown", one POST.

    Before: four POSTs over ~88 s, then "not sent" although the server may have it. Then a
    later attempt (same log, new client, as a second `respond` run) checks first: still open
    → sent once; already answered → nothing posted; the check failing again → still unknown.
    """
    first = Plan([hang], gets=[hang])
    store = _store(fake_clock)
    async with HostileServer(first) as server:
        client = _client(server.url, store, fake_clock)
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "unknown" and not outcome.ok
    assert len(first.bodies) == 1  # never posted again without a check in between
    assert _methods(server) == ["POST", "GET"]
    assert "may or may not have been recorded" in outcome.message
    assert _outcomes(store)[-1] == "unknown"
    assert store.get(NID).status == "delivered"  # kept pending, not marked answered

    # The check fails again: stays unknown, nothing posted.
    still_down = Plan([OK], gets=[reply(503, b"")])
    async with HostileServer(still_down) as server:
        client = _client(server.url, store, fake_clock)
        try:
            again = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert again.kind == "unknown" and still_down.bodies == []
    assert _methods(server) == ["GET"]

    # The server shows it answered (our first POST landed): sent, without a second POST.
    answered = Plan([OK], gets=[shows("responded")])
    async with HostileServer(answered) as server:
        client = _client(server.url, store, fake_clock)
        try:
            confirmed = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert confirmed.kind == "sent" and answered.bodies == []
    assert _methods(server) == ["GET"]
    assert _outcomes(store)[-2:] == ["unknown", "sent"]
    assert store.get(NID).status == "responded"


async def test_case_76_after_unknown_a_still_open_notification_is_answered_once(
    fake_clock: FakeClock,
) -> None:
    """Case 76: a reset after the body and a failed check → unknown; the next attempt's GET
    shows the notification open, so it is safe to send: exactly one more POST."""

    async def reset(conn: Conn) -> None:
        conn.reset()

    first = Plan([reset], gets=[reply(502, b"")])
    store = _store(fake_clock)
    async with HostileServer(first) as server:
        client = _client(server.url, store, fake_clock)
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "unknown" and len(first.bodies) == 1
    second = Plan([OK], gets=[shows("delivered")])
    async with HostileServer(second) as server:
        client = _client(server.url, store, fake_clock)
        try:
            sent = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert sent.kind == "sent"
    assert _methods(server) == ["GET", "POST"]
    assert _outcomes(store) == ["retrying", "unknown", "sent"]


async def test_case_76_trickled_headers_hit_the_deadline_and_respond_ends(
    fake_clock: FakeClock,
) -> None:
    """Case 76 (and 79's rule for respond): headers trickled a byte at a time never trip a
    read timeout; the whole-request deadline ends the POST and the GET, the outcome is
    unknown, and nothing is posted twice. Before, `respond` hung for more than 90 s."""
    plan = Plan([trickle_headers], gets=[trickle_headers])
    store = _store(fake_clock)
    async with HostileServer(plan) as server:
        client = _client(server.url, store, fake_clock)
        try:
            # A guard against a hang only (20× the deadline); the assertions are below.
            async with asyncio.timeout(40 * DEADLINE):
                outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "unknown"
    assert len(plan.bodies) == 1
    assert f"no complete reply within {DEADLINE:g} s" in outcome.message


async def test_case_76_a_connect_error_is_a_plain_failure_and_retried_without_a_check(
    fake_clock: FakeClock,
) -> None:
    """Case 76: nothing was sent when the connection was refused, so retrying needs no GET
    and the outcome is "failed", not "unknown"."""
    async with HostileServer(Plan([OK])) as server:
        url = server.url  # closed again below: nothing listens there any more
    client = _client(url, _store(fake_clock), fake_clock, max_attempts=2)
    try:
        outcome = await client.respond(NID, "ok", None)
    finally:
        await client.aclose()
    assert outcome.kind == "failed"
    assert fake_clock.sleeps == [1.0]


async def test_case_76_retries_stop_within_the_total_budget(fake_clock: FakeClock) -> None:
    """Case 76: a server that keeps answering 503 is retried only while the budget lasts
    (here 20 s of backoff, counted on the fake clock), not for `max_attempts` alone."""
    plan = Plan([reply(503, b"")])
    store = _store(fake_clock)
    async with HostileServer(plan) as server:
        client = _client(server.url, store, fake_clock, max_attempts=50, retry_budget=20.0)
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "failed"
    assert sum(fake_clock.sleeps) + DEADLINE <= 20.0
    assert len(plan.bodies) == len(fake_clock.sleeps) + 1 < 50


async def test_case_76_respond_command_exits_5_when_the_outcome_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 76 from the shell: "outcome unknown: …" and exit status 5 (not 0 "sent", not 1 "not
    sent"); the next run checks first and, the server showing it answered, exits 0."""
    gets = [shows("delivered"), hang, shows("responded")]
    plan = Plan([hang], gets=gets)
    async with HostileServer(plan) as server:
        code, out, err = await _run_cli(server.url, tmp_path, capsys)
        assert code == EXIT_UNKNOWN, (out, err)
        # The TUI's words for it (issue #11 items 4 and 12), then what was answered.
        assert out.startswith("outcome unknown: Decision n1 → OK — ") and err == ""
        code, out, err = await _run_cli(server.url, tmp_path, capsys)
    assert code == EXIT_SENT, (out, err)
    assert out.startswith("sent: ") and "got through" in out
    assert len(plan.bodies) == 1
