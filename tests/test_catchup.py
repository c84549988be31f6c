"""`CatchUp` notes ids, titles and states of a replay, never the events themselves.

A replayed event holds its parsed model, its payload as a dict and as raw JSON (≈ 8 KB
each); a 10,000-event replay onto a cached inbox kept them all until it went quiet (issue
#12). What the summary lists must not change.
"""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime, timedelta

from atp_tui.client.events import (
    ConnectionChanged,
    ConnectionState,
    NotificationReceived,
    StatusChanged,
)
from atp_tui.protocol.models import Notification
from atp_tui.view.catchup import CatchUp
from atp_tui.view.items import AnswerState
from tests.hostile import notification

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
CONNECTED = ConnectionChanged(ConnectionState("connected"))


def _received(nid: str, title: str) -> NotificationReceived:
    body = notification(nid, title)
    raw_json = json.dumps(body)
    return NotificationReceived(Notification.model_validate(body), nid, body, raw_json)


def _reachable(root: object) -> list[object]:
    """Every object reachable from `root` (its attributes, containers, their items)."""
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, type):
            continue
        seen[id(obj)] = obj
        todo.extend(gc.get_referents(obj))
    return list(seen.values())


def test_a_replay_keeps_no_models_nor_raw_payloads() -> None:
    catchup = CatchUp()
    catchup.start_gap(NOW)
    assert catchup.feed(CONNECTED, NOW)
    events: list[NotificationReceived | StatusChanged] = [
        _received(f"n{n}", f"Title {n}") for n in range(50)
    ]
    events.append(StatusChanged("n3", "expired", "too late", "e60", {"id": "n3"}))
    for event in events:
        catchup.feed(event, NOW)
    kept = _reachable(catchup)
    assert not [obj for obj in kept if isinstance(obj, Notification | NotificationReceived)]
    assert not [obj for obj in kept if isinstance(obj, StatusChanged)]
    payloads = {id(event.raw) for event in events} | {
        id(event.raw_json) for event in events if isinstance(event, NotificationReceived)
    }
    assert not [obj for obj in kept if id(obj) in payloads]
    summary = catchup.finish(lambda _: None, [], {}, NOW + timedelta(seconds=2))
    assert len(summary.arrived) == 50
    assert summary.arrived[7].title == "Title 7"
    assert summary.arrived[7].detail == "deploy-bot"


def test_the_summary_lists_first_seen_order_and_the_latest_reason() -> None:
    catchup = CatchUp()
    catchup.start_gap(NOW)
    catchup.feed(CONNECTED, NOW)
    for event in (
        _received("a", "A"),
        _received("b", "B"),
        StatusChanged("b", "invalidated", "first", "e3"),
        StatusChanged("a", "invalidated", None, "e4"),
        StatusChanged("b", "invalidated", "second", "e5"),
        StatusChanged("a", "responded", "web UI", "e6"),
        StatusChanged("b", "responded", "by us", "e7"),
        StatusChanged("a", "delivered", None, "e8"),
        _received("a", "A again"),
    ):
        catchup.feed(event, NOW)
    sent = {"b": AnswerState("sent", "sent at 11:59", "ok")}
    titles = {"a": "A stored", "b": "B stored"}

    def lookup(nid: str) -> object:
        return type("Item", (), {"summary": type("S", (), {"title": titles[nid]})})()

    summary = catchup.finish(lookup, [], sent, NOW)  # type: ignore[arg-type]
    assert [(e.notification_id, e.title) for e in summary.arrived] == [("a", "A again"), ("b", "B")]
    assert [(e.notification_id, e.detail) for e in summary.invalidated] == [
        ("b", "second"),
        ("a", ""),
    ]
    assert [(e.notification_id, e.title) for e in summary.answered_elsewhere] == [("a", "A stored")]
    assert catchup.finish(lookup, [], sent, NOW).empty  # type: ignore[arg-type]


def test_a_drop_mid_replay_keeps_the_gap_start() -> None:
    catchup = CatchUp()
    catchup.start_gap(NOW)
    catchup.feed(CONNECTED, NOW)
    catchup.feed(StatusChanged("a", "delivered", None, "e1"), NOW)  # nothing to list
    later = NOW + timedelta(minutes=3)
    catchup.feed(ConnectionChanged(ConnectionState("reconnecting", "x", 1, 1)), later)
    assert catchup.in_gap and catchup.since == NOW
