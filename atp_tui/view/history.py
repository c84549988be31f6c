"""The answer history as data: what each log row answered, in the user's words (no Textual).

Read by `atp-tui history`/`handover` (`atp_tui.commands.history` formats it) and by the TUI's
history screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from atp_tui.protocol.labels import action_name, join_label, value_label
from atp_tui.protocol.lifecycle import WARNING_SECONDS
from atp_tui.protocol.outcomes import IN_FLIGHT_OUTCOMES, UNSETTLED_OUTCOMES, outcome_words
from atp_tui.store import ResponseAttempt, Store, StoredNotification
from atp_tui.view.snooze import still_snoozed, wake_at
from atp_tui.view.status import item_actionable

#: Outcomes that mean the answer did not (or may not have) got through, worth handing over:
#: `unknown` means the reply was lost and the check with the server failed too.
NOT_SENT_OUTCOMES = frozenset({"refused", "failed", "auth_refused", "not_found", "unknown"})
#: Log rows that say nothing about the notification's answer: a second answer this client
#: refused locally leaves the first one's state standing.
_NOT_A_STATE = frozenset({"duplicate"})


@dataclass(frozen=True)
class HistoryEntry:
    """One answer outcome with what it answered."""

    attempt: ResponseAttempt
    title: str
    #: The action's label (its id when the notification is not in the local inbox).
    action_label: str
    #: The value in the agent's words (an option's label, yes/no's label, the text), or "".
    value_label: str = ""

    @property
    def answer(self) -> str:
        """What was answered, e.g. `Region: eu-west-1` (`atp_tui.protocol.labels`)."""
        return join_label(self.action_label, self.value_label)

    @property
    def words(self) -> str:
        """The outcome in the TUI's words; a trailing `sending`/`retrying` row is pending."""
        return outcome_words(self.attempt.outcome)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the raw log row, plus the labels and words people read."""
        return {
            "at": self.attempt.attempted_at.isoformat(),
            "notification_id": self.attempt.notification_id,
            "title": self.title,
            "action_id": self.attempt.action_id,
            "action": self.action_label,
            "value": self.value_label,
            "answer": self.answer,
            "response_data": self.attempt.response_data,
            "outcome": self.attempt.outcome,
            "outcome_words": self.words,
            "detail": self.attempt.detail,
        }


def _entry(store: Store, attempt: ResponseAttempt) -> HistoryEntry:
    """An attempt with the title and labels of what it answered, from the cached inbox."""
    item = store.get(attempt.notification_id)
    title = item.summary.title if item else "(not in the local inbox)"
    action = item.notification.action(attempt.action_id) if item else None
    return HistoryEntry(
        attempt,
        title,
        action_name(action, attempt.action_id),
        value_label(action, attempt.response_data),
    )


def history(store: Store, since: datetime) -> list[HistoryEntry]:
    """Final outcomes of answers given since `since`, oldest first (retries are folded in).

    Every final outcome, also of a notification answered again later: what the TUI's history
    screen lists. `latest_answers` is the per-notification view the commands print.
    """
    return [
        _entry(store, attempt)
        for attempt in store.responses()
        if attempt.outcome not in IN_FLIGHT_OUTCOMES and attempt.attempted_at >= since
    ]


def latest_answers(store: Store, since: datetime) -> list[HistoryEntry]:
    """Where each notification's answer stands: its last log row (its `sent` row, once there
    is one), newest first.

    Shown when that row is from `since` on, and always when its outcome is not settled: a
    trailing `sending`/`retrying` row (the process ended mid-answer) or `unknown` may mean an
    answer the server holds, so it is never hidden by the time window.
    """
    last: dict[str, tuple[int, ResponseAttempt]] = {}
    for seq, attempt in enumerate(store.responses()):
        if attempt.outcome in _NOT_A_STATE:
            continue
        earlier = last.get(attempt.notification_id)
        if earlier is not None and earlier[1].outcome == "sent":
            # The decision made here stands: a later row can only be a second try refused
            # as answered (by that very answer), which must not hide it.
            continue
        last[attempt.notification_id] = (seq, attempt)
    shown = [
        (seq, attempt)
        for seq, attempt in last.values()
        if attempt.attempted_at >= since or attempt.outcome in UNSETTLED_OUTCOMES
    ]
    # Newest first, as in the TUI; rows of the same instant in the order they were logged.
    shown.sort(key=lambda row: (row[1].attempted_at, row[0]), reverse=True)
    return [_entry(store, attempt) for _, attempt in shown]


def _open_items(store: Store, now: datetime) -> list[StoredNotification]:
    items = [item for item in store.load_notifications() if item_actionable(item, now)]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(items, key=lambda item: item.summary.deadline or far)


def _snoozed_until(
    item: StoredNotification, snoozes: dict[str, datetime], now: datetime, warning: float
) -> str | None:
    """When a snoozed open item comes back (ISO 8601), by the TUI's rule; `None`: not snoozed."""
    until, deadline = snoozes.get(item.summary.id), item.summary.deadline
    if until is None or not still_snoozed(until, deadline, now, warning):
        return None
    return wake_at(until, deadline, warning).isoformat()


def handover(
    store: Store, since: datetime, now: datetime, warning_seconds: float = WARNING_SECONDS
) -> dict[str, Any]:
    """The handover report as data: open items (snoozed ones too, with when each comes back,
    and how many are snoozed), decisions, answers still pending, answers that did not (or may
    not have) got through; `inbox_cached` is false when the state dir holds no notification
    at all, so "nothing open" is never claimed without knowing."""
    entries = latest_answers(store, since)
    snoozes = store.snoozes()
    opened = [
        {
            "notification_id": item.summary.id,
            "title": item.summary.title,
            "service": item.summary.service,
            "project": item.summary.project,
            "deadline": item.summary.deadline.isoformat() if item.summary.deadline else None,
            "snoozed_until": _snoozed_until(item, snoozes, now, warning_seconds),
        }
        for item in _open_items(store, now)
    ]
    return {
        "generated_at": now.isoformat(),
        "since": since.isoformat(),
        "inbox_cached": bool(store.load_notifications()),
        "open": opened,
        "snoozed": sum(1 for item in opened if item["snoozed_until"]),
        "decisions": [e.as_json() for e in entries if e.attempt.outcome == "sent"],
        "pending": [e.as_json() for e in entries if e.attempt.outcome in IN_FLIGHT_OUTCOMES],
        "not_sent": [e.as_json() for e in entries if e.attempt.outcome in NOT_SENT_OUTCOMES],
    }
