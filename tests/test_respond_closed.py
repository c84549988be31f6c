"""`respond` sends nothing to a notification that takes no answer (ATP-PROTOCOL §3).

The notification is fetched first; one the server reports answered, expired, invalidated or in
a state that takes no answers, or whose deadline passed on this machine's clock (the TUI's
rule), is refused before any POST. A server that does not enforce its own deadlines must not
get a late answer that `respond` then reports sent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from atp_tui.commands.respond import EXIT_NOT_SENT, EXIT_SENT, respond_once
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import HostileServer, notification
from tests.respond_faults_helpers import NID, OK, TOKEN, Plan, reply

#: `FakeClock`'s now is 2026-11-28 12:00 UTC.
PAST = "2026-11-28T11:59:00Z"
FUTURE = "2026-11-28T12:30:00Z"


async def respond(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    posts: list[Any] | None = None,
    *,
    action: str = "ok",
    data: str | None = None,
    **fields: Any,
) -> tuple[int, dict[str, Any], Plan]:
    """`respond NID ACTION [--data DATA] --json` against a server whose GET shows `fields`
    and whose POSTs answer `posts` in turn (default: accepted)."""
    plan = Plan(posts or [OK], gets=[reply(200, notification(NID, **fields))])
    async with HostileServer(plan) as server:
        code = await respond_once(
            server.url,
            TOKEN,
            NID,
            action,
            data,
            True,
            state_dir=tmp_path,
            clock=FakeClock(jitter=0.0),
        )
    return code, json.loads(capsys.readouterr().out), plan


@pytest.mark.parametrize(
    ("fields", "kind", "reason"),
    [
        ({"status": "expired"}, "expired", "the server reports it expired"),
        ({"status": "invalidated"}, "invalidated", "the server reports it invalidated"),
        ({"status": "responded"}, "already_responded", "the server reports it responded"),
        ({"status": "completed"}, "already_responded", "the server reports it completed"),
        ({"status": "paused"}, "refused", "in state 'paused', which takes no answers"),
        ({"status": "delivered", "deadline": PAST}, "expired", "its deadline passed"),
    ],
    ids=["expired", "invalidated", "responded", "completed", "unknown-state", "deadline-passed"],
)
async def test_a_closed_notification_is_refused_before_any_post(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, Any],
    kind: str,
    reason: str,
) -> None:
    code, printed, plan = await respond(tmp_path, capsys, **fields)
    assert code == EXIT_NOT_SENT
    assert plan.bodies == []  # no POST
    assert printed["outcome"] == kind
    assert reason in printed["message"] and "nothing was sent" in printed["message"]
    assert printed["title"] == f"Decision {NID}" and printed["answer"] == "OK"
    store = Store.open(tmp_path)
    try:
        assert store.responses(NID) == []  # nothing logged as an answer attempt
    finally:
        store.close()


async def test_an_open_notification_before_its_deadline_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed, plan = await respond(tmp_path, capsys, status="delivered", deadline=FUTURE)
    assert code == EXIT_SENT
    assert printed["outcome"] == "sent"
    assert len(plan.bodies) == 1


async def test_no_retry_is_sent_after_the_deadline_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """503s until after the deadline (5 s away; the retries wait 1, 2, 4 s): the retry due
    after it is not sent. Before, it went out, a server that did not enforce its deadline
    took it, and `respond` said `sent`, exit 0 (found by an independent QA pass)."""
    soon = "2026-11-28T12:00:05Z"
    failing = reply(503, b"")
    code, printed, plan = await respond(tmp_path, capsys, [failing] * 3 + [OK], deadline=soon)
    assert code == EXIT_NOT_SENT
    assert len(plan.bodies) == 3
    assert printed["outcome"] == "expired"
    assert "while retrying" in printed["message"] and "not sent again" in printed["message"]


async def test_a_date_and_time_without_an_offset_is_local_time_as_in_the_tui(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--data 2026-11-29T03:00` in Berlin is 03:00 there (+01:00), as the TUI's date dialog
    reads it (`read_date_answer`); it was sent as 03:00 UTC, an hour off (found by an
    independent QA pass). `tomorrow 09:00` works here too."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        when = {
            "id": "when",
            "label": "When",
            "response_type": "date",
            "constraints": {"include_time": True},
        }
        sent = []
        for typed in ("2026-11-29T03:00", "tomorrow 09:00"):
            state = tmp_path / typed.replace(" ", "-")
            code, _, plan = await respond(state, capsys, action="when", data=typed, actions=[when])
            assert code == EXIT_SENT
            sent.append(json.loads(plan.bodies[0])["response_data"])
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert sent == ["2026-11-29T03:00:00+01:00", "2026-11-29T09:00:00+01:00"]
