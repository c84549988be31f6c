"""Bulk answers against the reference server (issue #14, item 4).

Space marks, `*` marks every shown item that can be answered, `u` unmarks all; an answer key
with marks answers every marked item with the same action (id and type), after one
confirmation. Asserted on what the server received: `state.responses` (accepted answers) and
`state.respond_attempts` (every POST body, accepted or not).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from textual import events
from textual.widgets import Button

from atp_tui.screens import bulk
from atp_tui.screens.answer_base import AnswerModal
from atp_tui.screens.bulk_confirm import BulkConfirm
from atp_tui.server import RunningServer
from tests.app.conftest import in_minutes, make_live_app, settled, wait_for
from tests.app.test_answering import started
from tests.server_helpers import notification_body

APPROVE = {"id": "approve", "label": "Approve", "response_type": "simple"}
APPROVE_FLAGGED = {**APPROVE, "flags": ["irreversible"]}
APPROVE_BINARY = {
    "id": "approve",
    "label": "Approve?",
    "response_type": "binary",
    "options": {"true_label": "Yes", "false_label": "No"},
}
NOTE = {"id": "note", "label": "Note", "response_type": "text"}
SHORT_NOTE = {**NOTE, "constraints": {"max_length": 5}}
OTHER = {"id": "other", "label": "Something else", "response_type": "simple"}


def add(server: RunningServer, title: str, actions: list[dict[str, Any]], minutes: float) -> str:
    """Submit a notification due in `minutes` (the inbox sorts by deadline); returns its id."""
    body = notification_body(title=title, actions=actions, deadline=in_minutes(minutes))
    return server.state.add_notification(body)["id"]


def canaries(server: RunningServer, count: int, actions: list[dict[str, Any]]) -> list[str]:
    """`count` canary deploys asking the same question, in inbox order."""
    return [add(server, f"Deploy canary {i}?", actions, 30 + i) for i in range(count)]


def answered(server: RunningServer) -> Counter[str]:
    """Accepted responses per notification id."""
    return Counter(response["notification_id"] for response in server.state.responses)


def posted(server: RunningServer) -> Counter[str]:
    """POST bodies received per notification id, accepted or not."""
    return Counter(body.get("notification_id") for body in server.state.respond_attempts)


def toasts(app: Any) -> str:
    """Every toast shown so far."""
    return "\n".join(str(toast.message) for toast in app._notifications)


def listing(app: Any) -> str:
    """The bulk confirmation's list of items, as shown."""
    return str(app.screen.query_one("#bulk-list").render())


async def confirming(pilot: Any, rows: int) -> None:
    """Once `rows` rows show: mark them all and press `1`; the confirmation is open."""
    await started(pilot, rows)
    await pilot.press("asterisk", "1")
    assert isinstance(pilot.app.screen, BulkConfirm)


async def test_star_and_an_answer_key_answer_each_marked_item_once(server: RunningServer) -> None:
    ids = canaries(server, 4, [APPROVE, OTHER])
    binary = add(server, "Deploy canary 4, asked yes/no?", [APPROVE_BINARY], 40)
    other = add(server, "Rotate the canary certificate?", [OTHER], 41)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 6)
        await pilot.press("asterisk")
        assert set(app.main.bulk.marks) == {*ids, binary, other}
        await pilot.press("1")
        assert isinstance(app.screen, BulkConfirm)
        shown = listing(app)
        assert all(f"Deploy canary {i}? · " in shown for i in range(4))
        assert "a binary action here, not simple: Deploy canary 4, asked yes/no?" in shown
        assert "no such action: Rotate the canary certificate?" in shown
        assert app.focused is app.screen.query_one("#bulk-no", Button)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(server.state.responses) == 4)
        await settled(pilot)
        assert {nid: app.main.answers[nid].kind for nid in ids} == dict.fromkeys(ids, "sent")
        # Marks are cleared for the sent ones only; the skipped ones stay marked.
        assert set(app.main.bulk.marks) == {binary, other}
        assert "“Approve” on 6 items: 4 sent · 2 skipped" in toasts(app)
    assert answered(server) == Counter(ids)
    assert posted(server) == Counter(ids)  # exactly one POST each, none for the skipped


async def test_a_value_is_asked_once_and_checked_for_each_item(server: RunningServer) -> None:
    """One text typed once goes to every item whose own action takes it; one whose action
    allows 5 characters only is skipped, not sent."""
    ids = canaries(server, 3, [NOTE])
    short = add(server, "Deploy canary 3?", [SHORT_NOTE], 40)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 4)
        await pilot.press("asterisk", "1")
        assert isinstance(app.screen, AnswerModal)
        subject = str(app.screen.query_one("#dialog-subject").render())
        assert subject.startswith("on: 4 items")
        await pilot.press(*"after the freeze", "enter")
        assert isinstance(app.screen, BulkConfirm)
        assert "not valid here: " in listing(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(server.state.responses) == 3)
        await settled(pilot)
        assert list(app.main.bulk.marks) == [short]
        # Each item says what was answered, as a single answer does (found by the QA
        # re-check: a bulk answer's line read "sent at …" with no answer in it).
        assert {app.main.answers[nid].words for nid in ids} == {"Note: after the freeze"}
    assert answered(server) == Counter(ids)
    assert {r["response_data"] for r in server.state.responses} == {"after the freeze"}
    assert short not in posted(server)


async def test_refused_and_expired_are_reported_and_stay_marked(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One answer is refused (an injected 422), one item expired on the server without the
    client hearing of it (409 NOTIFICATION_EXPIRED): both reported, both still marked, each
    POSTed once; the others sent and unmarked. Sent one at a time here, so the fault lands on
    the first item in inbox order."""
    monkeypatch.setattr(bulk, "BULK_CONCURRENCY", 1)
    refused, *sent, expired = canaries(server, 4, [APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 4)
        server.state.notifications[expired]["status"] = "expired"  # no event: a silent expiry
        server.state.respond_faults.append(422)
        await pilot.press("asterisk", "1", "y")
        await wait_for(pilot, lambda: len(server.state.respond_attempts) == 4)
        await settled(pilot)
        answers = app.main.answers
        assert answers[refused].kind == "refused"
        assert answers[expired].kind == "closed" and answers[expired].text.startswith("expired")
        assert [answers[nid].kind for nid in sent] == ["sent", "sent"]
        assert set(app.main.bulk.marks) == {refused, expired}
        summary = toasts(app)
        assert "“Approve” on 4 items: 2 sent · 1 refused · 1 expired" in summary
        assert "refused: Deploy canary 0? · " in summary
        assert "expired: Deploy canary 3? · " in summary
    assert answered(server) == Counter(sent)
    assert posted(server) == Counter([refused, *sent, expired])


@pytest.mark.parametrize("keys", [["n"], ["escape"], ["enter"]], ids=["n", "escape", "enter"])
async def test_cancel_sends_nothing_and_keeps_the_marks(
    server: RunningServer, keys: list[str]
) -> None:
    """`n`, Escape, or Enter on the focused Cancel button."""
    ids = canaries(server, 3, [APPROVE_FLAGGED])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await confirming(pilot, 3)
        assert "! 3 of 3 cannot be undone." in str(app.screen.query_one("#bulk-note").render())
        await pilot.press(*keys)
        await settled(pilot)
        assert app.screen is app.main
        assert list(app.main.bulk.marks) == ids
    assert server.state.respond_attempts == []


async def test_double_confirm_sends_once(server: RunningServer) -> None:
    """`1 y y 1` in one burst: one bulk answer; the second `y` finds no dialog, and the last
    `1` (no marks left) answers the selected item, which is already answered."""
    ids = canaries(server, 3, [APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 3)
        await pilot.press("asterisk")
        for key, character in (("1", "1"), ("y", "y"), ("y", "y"), ("1", "1")):
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.key_order.applied == 5)
        await settled(pilot)
        await wait_for(pilot, lambda: len(server.state.responses) == 3)
        await settled(pilot)  # every answer worker done: a fourth POST would be out by now
    assert answered(server) == Counter(ids)
    assert posted(server) == Counter(ids)


async def test_a_burst_of_marks_and_an_answer_applies_in_order(server: RunningServer) -> None:
    """`space j space j j 1 y` typed at once: items 0 and 1 marked, the cursor on item 3
    (unmarked, included as the selected one), then the answer and the confirmation."""
    ids = canaries(server, 4, [APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 4)
        burst = [("space", " "), ("j", "j"), ("space", " "), ("j", "j"), ("j", "j")]
        for key, character in [*burst, ("1", "1"), ("y", "y")]:
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.key_order.applied == 7)
        await wait_for(pilot, lambda: len(server.state.responses) == 3)
        await settled(pilot)
        assert not app.main.bulk.marks
    assert answered(server) == Counter([ids[0], ids[1], ids[3]])


async def test_enter_on_an_action_in_the_detail_pane_answers_the_marked_items(
    server: RunningServer,
) -> None:
    ids = canaries(server, 2, [OTHER, APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 2)
        await pilot.press("space", "j", "space", "enter", "down", "enter")
        assert isinstance(app.screen, BulkConfirm)
        assert "“Approve”" in str(app.screen.query_one("#dialog-title").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: len(server.state.responses) == 2)
    assert {r["action_id"] for r in server.state.responses} == {"approve"}
    assert answered(server) == Counter(ids)


async def test_an_item_that_closes_while_confirming_is_not_sent(server: RunningServer) -> None:
    ids = canaries(server, 3, [APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await confirming(pilot, 3)
        server.state.invalidate(ids[1], "replaced by a newer build")
        await wait_for(pilot, lambda: app.main.inbox.get(ids[1]).status == "invalidated")
        # The open confirmation follows: no dead item listed as a target.
        await wait_for(pilot, lambda: "Skipped, not sent (1)" in listing(app))
        assert "Goes to (2)" in listing(app)
        assert str(app.screen.query_one("#bulk-yes").label) == "Send 2 (y)"
        await pilot.press("y")
        await wait_for(pilot, lambda: len(server.state.responses) == 2)
        await settled(pilot)
        assert list(app.main.bulk.marks) == [ids[1]]
        assert "skipped: Deploy canary 1? · " in toasts(app)
    assert posted(server) == Counter([ids[0], ids[2]])


async def test_a_confirmation_whose_every_item_closed_sends_nothing(
    server: RunningServer,
) -> None:
    ids = canaries(server, 2, [APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await confirming(pilot, 2)
        for nid in ids:
            server.state.invalidate(nid, "replaced")
        await wait_for(pilot, lambda: "Goes to (0)" in listing(app))
        assert "No marked item can take" in str(app.screen.query_one("#dialog-title").render())
        assert app.screen.query_one("#bulk-yes").disabled
        await pilot.press("y")
        await settled(pilot)
        assert isinstance(app.screen, BulkConfirm)  # `y` does nothing; n or Escape closes it
        await pilot.press("n")
    assert posted(server) == Counter()


async def test_marks_survive_sorting_and_filtering(server: RunningServer) -> None:
    ids = canaries(server, 3, [APPROVE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 3)
        inbox = app.main.inbox
        await pilot.press("j", "space")
        assert list(app.main.bulk.marks) == [ids[1]]
        await pilot.press("s", "slash", *"canary 1", "enter")
        await settled(pilot)
        assert inbox.row_ids() == [ids[1]]
        assert inbox.render_line(0).text.startswith("○◆")
        await pilot.press("escape", "s")  # filter cleared, deadline order again
        await settled(pilot)
        rows = [inbox.render_line(y).text for y in range(3)]
        assert [row.startswith("○◆") for row in rows] == [False, True, False]
        assert "◆ 1 marked" in str(app.main.query_one("#status-bar").render())
        await pilot.press("u")
        assert not app.main.bulk.marks
        assert "marked" not in str(app.main.query_one("#status-bar").render())


async def test_closed_items_are_not_marked(server: RunningServer) -> None:
    nid = add(server, "Withdrawn soon", [APPROVE], 30)
    open_id = add(server, "Still open", [APPROVE], 31)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 2)
        server.state.invalidate(nid, "not needed")
        await wait_for(pilot, lambda: app.main.inbox.get(nid).status == "invalidated")
        await pilot.press("space")
        assert not app.main.bulk.marks
        assert "Not marked: invalidated: not needed." in toasts(app)
        await pilot.press("asterisk")
        assert list(app.main.bulk.marks) == [open_id]
        await pilot.press("asterisk")  # all shown open ones marked: unmark them
        assert not app.main.bulk.marks


async def test_a_mark_repaints_only_its_row_and_the_status_bar() -> None:
    """Space changes one row's line key (its mark): that row alone is repainted, in full."""
    from textual.geometry import Region

    from atp_tui.widgets.status_bar import StatusBar
    from tests.app.test_repaint import SIZE, counting_refreshes, drawn, idle_inbox
    from tests.snapshots.harness import CONNECTED, make_app, received

    app = make_app([CONNECTED, *received(idle_inbox())])
    async with app.run_test(size=SIZE) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.total == 3 and app.main.detail.notification_id)
        await pilot.press("j")
        await drawn(pilot, inbox)
        bar = app.main.query_one(StatusBar)
        with counting_refreshes([inbox, bar]) as calls:
            await pilot.press("space")
            await pilot.pause()
        width = inbox.scrollable_content_region.width
        assert [regions for name, regions in calls if name == "inbox"] == [
            (Region(0, 1, width, 1),)
        ]
        assert [name for name, _ in calls].count("status-bar") == 1
        assert inbox.render_line(1).text.startswith("○◆")
