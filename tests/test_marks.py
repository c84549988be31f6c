"""The marks model and the bulk-answer rules (`atp_tui.view.marks`), without an app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from atp_tui.protocol.models import Notification
from atp_tui.store import StoredNotification
from atp_tui.view.items import AnswerState
from atp_tui.view.marks import (
    BulkTally,
    Marks,
    blocker,
    can_answer,
    plan_bulk,
    toggle_all,
)

NOW = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
APPROVE = {"id": "approve", "label": "Approve", "response_type": "simple"}
APPROVE_IRREVERSIBLE = {**APPROVE, "flags": ["irreversible"]}
APPROVE_BINARY = {
    "id": "approve",
    "label": "Approve?",
    "response_type": "binary",
    "options": {"true_label": "Yes", "false_label": "No"},
}
REPLICAS = {
    "id": "replicas",
    "label": "Replicas",
    "response_type": "number",
    "constraints": {"min": 1, "max": 12, "integer": True},
}
FEW_REPLICAS = {**REPLICAS, "constraints": {"min": 1, "max": 4, "integer": True}}
SLIDER = {"id": "slider", "label": "Risk", "response_type": "slider"}


def item(
    nid: str,
    actions: list[dict[str, Any]],
    *,
    deadline: float | None = 30,
    status: str | None = "delivered",
    title: str | None = None,
) -> StoredNotification:
    """An item with `actions`, a deadline `deadline` minutes after `NOW`."""
    body: dict[str, Any] = {
        "id": nid,
        "version": "1.0",
        "timestamp": (NOW - timedelta(minutes=5)).isoformat(),
        "service": {"id": "deploy-bot", "name": "deploy-bot"},
        "context": {"title": title or f"Deploy {nid}?"},
        "actions": actions,
        "status": "delivered",
    }
    if deadline is not None:
        body["deadline"] = (NOW + timedelta(minutes=deadline)).isoformat()
    notification = Notification.model_validate(body)
    return StoredNotification.holding(notification, status, None, NOW, nid, False)


def _chosen(action: dict[str, Any]) -> Any:
    return item("chooser", [action]).notification.actions[0]


# -- marks ---------------------------------------------------------------------------------


def test_marks_are_ids_in_the_order_marked() -> None:
    marks = Marks()
    assert not marks and len(marks) == 0
    assert marks.toggle("b") is True
    assert marks.toggle("a") is True
    assert list(marks) == ["b", "a"] and "a" in marks and "c" not in marks
    assert marks.toggle("b") is False
    assert list(marks) == ["a"]
    assert marks.mark(["c", "a", "c", "d"]) == ["c", "d"]  # only the new ones, once
    assert marks.unmark(["a", "x"]) == ["a"]
    assert list(marks) == ["c", "d"]
    assert marks.clear() == ["c", "d"] and not marks


def test_iterating_is_a_snapshot() -> None:
    """Unmarking while iterating (a sent item loses its mark) is safe."""
    marks = Marks(["a", "b", "c"])
    for nid in marks:
        marks.unmark([nid])
    assert not marks


def test_blocker_names_why_an_item_takes_no_answer() -> None:
    open_item = item("n1", [APPROVE])
    assert blocker(open_item, None, NOW) is None and can_answer(open_item, None, NOW)
    pending = AnswerState("pending", "sending…", "approve")
    assert blocker(open_item, pending, NOW) == "an answer is being sent"
    sent = AnswerState("sent", "sent at 09:00:01", "approve")
    assert blocker(open_item, sent, NOW) == "sent at 09:00:01"
    refused = AnswerState("refused", "refused: quota", "approve")
    assert blocker(open_item, refused, NOW) is None  # a refused answer may be tried again
    expired = item("n2", [APPROVE], deadline=-1)
    assert blocker(expired, None, NOW) == "expired: the deadline passed"
    withdrawn = item("n3", [APPROVE], status="invalidated")
    assert blocker(withdrawn, None, NOW) == "invalidated"


def test_star_marks_the_open_shown_items_then_unmarks_the_shown_ones() -> None:
    marks = Marks(["hidden"])  # marked, then filtered out of view
    answerable = {"a": True, "b": False, "c": True}
    assert toggle_all(marks, ["a", "b", "c"], answerable.__getitem__) == ("marked", ["a", "c"])
    assert list(marks) == ["hidden", "a", "c"]
    marks.mark(["b"])  # closed after it was marked: the second `*` clears it too
    assert toggle_all(marks, ["a", "b", "c"], answerable.__getitem__) == (
        "unmarked",
        ["a", "b", "c"],
    )
    assert list(marks) == ["hidden"]  # marks the filter hides are left alone


def test_star_with_nothing_answerable_marks_nothing() -> None:
    marks = Marks()
    assert toggle_all(marks, ["a", "b"], lambda nid: False) == ("nothing", [])
    assert toggle_all(marks, [], lambda nid: True) == ("nothing", [])
    assert not marks


def test_star_marks_the_rest_when_some_are_marked() -> None:
    marks = Marks(["a"])
    assert toggle_all(marks, ["a", "b"], lambda nid: True) == ("marked", ["b"])


# -- planning -------------------------------------------------------------------------------


def test_plan_needs_the_same_action_id_and_type() -> None:
    items = {
        "same": item("same", [APPROVE]),
        "flagged": item("flagged", [APPROVE_IRREVERSIBLE]),
        "binary": item("binary", [APPROVE_BINARY]),
        "none": item("none", [REPLICAS]),
    }
    plan = plan_bulk(items, _chosen(APPROVE), items.get, {}, NOW)
    assert [target.notification_id for target in plan.targets] == ["same", "flagged"]
    assert [target.irreversible for target in plan.targets] == [False, True]
    assert plan.irreversible == 1
    assert [(skip.item.summary.id, skip.reason) for skip in plan.skipped] == [
        ("binary", "a binary action here, not simple"),
        ("none", "no such action"),
    ]


def test_plan_skips_what_cannot_be_answered_now() -> None:
    items = {
        "open": item("open", [APPROVE]),
        "expired": item("expired", [APPROVE], deadline=-2),
        "answered": item("answered", [APPROVE], status="responded"),
        "sending": item("sending", [APPROVE]),
        "sent": item("sent", [APPROVE]),
        "refused": item("refused", [APPROVE]),
    }
    answers = {
        "sending": AnswerState("pending", "sending…", "approve"),
        "sent": AnswerState("sent", "sent at 08:59:00", "approve"),
        "refused": AnswerState("refused", "refused: no", "approve"),
    }
    plan = plan_bulk(items, _chosen(APPROVE), items.get, answers, NOW)
    assert [target.notification_id for target in plan.targets] == ["open", "refused"]
    assert {skip.item.summary.id: skip.reason for skip in plan.skipped} == {
        "expired": "expired: the deadline passed",
        "answered": "answered",
        "sending": "an answer is being sent",
        "sent": "sent at 08:59:00",
    }


def test_plan_checks_the_value_against_each_items_own_action() -> None:
    """12 replicas suit an action allowing up to 12, not one allowing 4."""
    items = {"big": item("big", [REPLICAS]), "small": item("small", [FEW_REPLICAS])}
    plan = plan_bulk(items, _chosen(REPLICAS), items.get, {}, NOW)
    assert len(plan.targets) == 2  # no value yet: both could take one
    plan = plan_bulk(items, _chosen(REPLICAS), items.get, {}, NOW, 12)
    assert [target.notification_id for target in plan.targets] == ["big"]
    [skip] = plan.skipped
    assert skip.item.summary.id == "small" and skip.reason.startswith("not valid here: ")
    assert plan_bulk(items, _chosen(REPLICAS), items.get, {}, NOW, 3).skipped == ()


def test_plan_skips_unknown_action_types_and_unknown_ids() -> None:
    items = {"slider": item("slider", [SLIDER])}
    plan = plan_bulk(["slider", "never-seen"], _chosen(SLIDER), items.get, {}, NOW)
    assert plan.targets == ()
    [skip] = plan.skipped
    assert skip.reason == "atp-tui cannot answer 'slider' actions"


def test_plan_keeps_the_given_order_and_lists_each_id_once() -> None:
    items = {nid: item(nid, [APPROVE]) for nid in ("c", "a", "b")}
    plan = plan_bulk(["b", "a", "b", "c"], _chosen(APPROVE), items.get, {}, NOW)
    assert [target.notification_id for target in plan.targets] == ["b", "a", "c"]


# -- the summary ----------------------------------------------------------------------------


def test_tally_sums_up_per_item_not_sent_first() -> None:
    items = [item(f"n{i}", [APPROVE], title=f"Deploy canary {i}?") for i in range(5)]
    tally = BulkTally("Approve", 5)
    tally.add(items[0], "sent", "answer sent")
    tally.add(items[1], "refused", "quota exceeded")
    assert not tally.done
    tally.add(items[2], "expired", "deadline passed")
    tally.add(items[3], "skipped", "no such action")
    tally.add(items[4], "unknown", "the reply was lost")
    assert tally.done and not tally.all_sent
    assert tally.headline() == (
        "“Approve” on 5 items: 1 sent · 1 refused · 1 expired · 1 outcome unknown · 1 skipped"
    )
    assert tally.lines() == [
        "refused: Deploy canary 1? · deploy-bot — quota exceeded",
        "expired: Deploy canary 2? · deploy-bot — deadline passed",
        "outcome unknown: Deploy canary 4? · deploy-bot — the reply was lost",
        "sent: Deploy canary 0? · deploy-bot",
        "skipped: Deploy canary 3? · deploy-bot — no such action",
    ]


def test_tally_of_many_stays_short_enough_for_a_toast() -> None:
    """40 items: the failures by name (a few), the sent ones by count, skips by reason."""
    items = [item(f"n{i}", [APPROVE], title=f"Deploy canary {i}?") for i in range(40)]
    tally = BulkTally("Approve", 40)
    for entry in items[:30]:
        tally.add(entry, "sent", "answer sent")
    for entry in items[30:36]:
        tally.add(entry, "refused", "frozen")
    for index, entry in enumerate(items[36:]):
        tally.add(entry, "skipped", "no such action" if index < 3 else "expired")
    assert tally.headline() == "“Approve” on 40 items: 30 sent · 6 refused · 4 skipped"
    assert tally.lines(limit=3) == [
        "refused: Deploy canary 30? · deploy-bot — frozen",
        "refused: Deploy canary 31? · deploy-bot — frozen",
        "refused: Deploy canary 32? · deploy-bot — frozen",
        "… and 3 more not sent (each row says why)",
        "3 skipped: no such action",
        "skipped: Deploy canary 39? · deploy-bot — expired",
    ]


def test_summary_text_is_sanitised() -> None:
    hostile = item("x", [APPROVE], title="\x1b]0;pwned\x07[red]x[/]")
    tally = BulkTally("Approve", 1)
    tally.add(hostile, "refused", "\x1b[2Jbad")
    text = "\n".join([tally.headline(), *tally.lines()])
    assert "\x1b" not in text and "\x07" not in text
