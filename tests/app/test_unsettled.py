"""An answer a previous run left without an outcome (its POST was out when the process ended)
is checked with the server at start, and the item says what the server answered — never shown
as open and silently unsent, never as sent on a guess (promise 2)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from atp_tui.protocol.models import Notification
from atp_tui.server import RunningServer
from atp_tui.store import Store
from tests.app.conftest import make_live_app, settled, wait_for
from tests.app.test_answering import PLAIN, add


def _cut_off(server: RunningServer, nid: str, outcome: str = "sending") -> Store:
    """A store as a run killed mid-answer leaves it: the item, then a `sending` row last."""
    store = Store.in_memory()
    store.add_notification(Notification.model_validate(server.state.get(nid)), "1")
    store.record_response(nid, "ack", None, outcome, "")
    store.commit()
    return store


def _checking(app: Any) -> bool:
    """Whether an answer from before is being checked with the server."""
    return any(w.group == "settle" and w.is_running for w in app.main.workers)


def _outcomes(store: Store, nid: str) -> list[str]:
    return [attempt.outcome for attempt in store.responses(nid)]


async def test_an_answer_that_never_landed_says_so_and_may_be_given_again(
    server: RunningServer,
) -> None:
    nid = add(server, "Cut off", [PLAIN])
    store = _cut_off(server, nid)
    app = make_live_app(server.url, store=store)
    async with app.run_test(size=(120, 30)) as pilot:
        answers = app.main.answers
        await wait_for(pilot, lambda: nid in answers and answers[nid].kind == "failed")
        assert "did not reach the server" in answers[nid].text
        # The toast is posted right after the row is set, and the app adds it when it
        # handles that message: wait for it rather than look in the same breath.
        await wait_for(pilot, lambda: any("not confirmed" in n.message for n in app._notifications))
        await pilot.press("1")  # answering again sends it, once
        await wait_for(pilot, lambda: answers[nid].kind == "sent")
    assert _outcomes(store, nid) == ["sending", "failed", "sent"]
    assert len(server.state.responses) == 1


async def test_an_answer_the_server_holds_shows_as_sent_and_is_not_sent_again(
    server: RunningServer,
) -> None:
    nid = add(server, "Landed", [PLAIN])
    store = _cut_off(server, nid)
    server.state.respond(nid, "ack", None)  # the killed run's POST got through
    app = make_live_app(server.url, store=store)
    async with app.run_test(size=(120, 30)) as pilot:
        answers = app.main.answers
        await wait_for(pilot, lambda: nid in answers and answers[nid].kind == "sent")
        assert store.get(nid).status == "responded"
        await pilot.press("1")
        await settled(pilot)  # the key applied, no answer being sent
    assert _outcomes(store, nid) == ["sending", "sent"]
    assert len(server.state.responses) == 1


@pytest.mark.parametrize("left", ["sending", "unknown"])
async def test_a_server_out_of_reach_leaves_the_outcome_unknown_and_checked_first(
    server: RunningServer, left: str
) -> None:
    nid = add(server, "Unreachable", [PLAIN])
    store = _cut_off(server, nid, left)
    app = make_live_app("http://127.0.0.1:9", store=store)  # nothing listens on port 9
    async with app.run_test(size=(120, 30)) as pilot:
        answers = app.main.answers
        await wait_for(
            pilot,
            lambda: nid in answers and "answering again checks first" in answers[nid].text,
            timeout=40,
        )
        assert answers[nid].text.startswith("outcome unknown: the answer at ")
    assert _outcomes(store, nid) == [left]  # nothing new logged: the next answer checks first
    assert server.state.responses == []


async def test_an_unknown_outcome_is_checked_again_once_the_server_is_back(
    server: RunningServer,
) -> None:
    """Out of reach at start: outcome unknown. Its item may show answered meanwhile, its
    actions disabled, so "answering again checks first" cannot be followed: once the stream
    connects again the app asks itself (found by an independent QA pass: the outcome stayed
    unknown until `atp-tui respond` was run)."""
    nid = add(server, "Back later", [PLAIN])
    store = _cut_off(server, nid, "unknown")
    server.state.respond(nid, "ack", None)  # the earlier POST did get through
    with socket.socket() as probe:  # a port nothing listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_live_app(f"http://127.0.0.1:{port}", store=store)
    async with app.run_test(size=(120, 30)) as pilot:
        answers = app.main.answers
        # The check at start has run its course: unknown (not the log's own "unknown").
        await wait_for(
            pilot, lambda: "answering again checks first" in answers[nid].text, timeout=40
        )
        await wait_for(pilot, lambda: not _checking(app))
        async with RunningServer(state=server.state, port=port):
            await wait_for(pilot, lambda: answers[nid].kind == "sent", timeout=40)
    assert _outcomes(store, nid) == ["unknown", "sent"]
    assert len(server.state.responses) == 1
