"""Answer history and the shift handover report, from the store's response log (no Textual).

`atp-tui history` lists, per notification, where this client's answer stands (newest first);
`atp-tui handover` writes a report for the next person on call: what is still open (soonest
deadline first), the decisions made with their answers, the answers still pending when
atp-tui stopped, and every answer that was refused, failed or has an unknown outcome and may
need a second look. Answers are shown in the agent's words (`atp_tui.protocol.labels`) and
outcomes in the TUI's (`atp_tui.outcomes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from atp_tui.outcomes import IN_FLIGHT_OUTCOMES, UNSETTLED_OUTCOMES, outcome_words
from atp_tui.protocol.labels import action_name, join_label, label_joiner, value_label
from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.store import ResponseAttempt, Store, StoredNotification
from atp_tui.text import sanitize

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Outcomes that mean the answer did not (or may not have) got through, worth handing over:
#: `unknown` means the reply was lost and the check with the server failed too.
NOT_SENT_OUTCOMES = frozenset({"refused", "failed", "auth_refused", "not_found", "unknown"})
#: Log rows that say nothing about the notification's answer: a second answer this client
#: refused locally leaves the first one's state standing.
_NOT_A_STATE = frozenset({"duplicate"})


def parse_since(text: str) -> timedelta:
    """`30m`, `8h`, `2d`, `90s` → a duration; `ValueError` with the accepted forms otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"--since {text!r}: use a number and a unit, like 30m, 8h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


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
    """Where each notification's answer stands: its last log row, newest first.

    Shown when that row is from `since` on, and always when its outcome is not settled: a
    trailing `sending`/`retrying` row (the process ended mid-answer) or `unknown` may mean an
    answer the server holds, so it is never hidden by the time window.
    """
    last: dict[str, tuple[int, ResponseAttempt]] = {}
    for seq, attempt in enumerate(store.responses()):
        if attempt.outcome not in _NOT_A_STATE:
            last[attempt.notification_id] = (seq, attempt)
    shown = [
        (seq, attempt)
        for seq, attempt in last.values()
        if attempt.attempted_at >= since or attempt.outcome in UNSETTLED_OUTCOMES
    ]
    # Newest first, as in the TUI; rows of the same instant in the order they were logged.
    shown.sort(key=lambda row: (row[1].attempted_at, row[0]), reverse=True)
    return [_entry(store, attempt) for _, attempt in shown]


def format_history(entries: list[HistoryEntry]) -> str:
    """Plain-text lines: time, outcome, title, what was answered (and why it did not go).

    Every stored string is server or user text: each is `sanitize`d to one row, so an escape
    sequence shows as `␛[2J` and a line break in a title cannot fake another entry (case 82).
    """
    if not entries:
        return "no answers in this period"
    lines = []
    for entry in entries:
        when = entry.attempt.attempted_at.astimezone().strftime("%Y-%m-%d %H:%M")
        detail = entry.attempt.detail if entry.attempt.outcome != "sent" else ""
        note = f" ({sanitize(detail, limit=200)})" if detail else ""
        title, answer = sanitize(entry.title, limit=200), sanitize(entry.answer, limit=200)
        lines.append(f"{when}  {entry.words:<18} {title} → {answer}{note}")
    return "\n".join(lines)


def _open_items(store: Store, now: datetime) -> list[StoredNotification]:
    items = [
        item
        for item in store.load_notifications()
        if is_actionable(item.status, item.summary.deadline, now)
    ]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(items, key=lambda item: item.summary.deadline or far)


def handover(store: Store, since: datetime, now: datetime) -> dict[str, Any]:
    """The handover report as data: open items, decisions, answers still pending, answers that
    did not (or may not have) got through; `inbox_cached` is false when the state dir holds
    no notification at all, so "nothing open" is never claimed without knowing."""
    entries = latest_answers(store, since)
    return {
        "generated_at": now.isoformat(),
        "since": since.isoformat(),
        "inbox_cached": bool(store.load_notifications()),
        "open": [
            {
                "notification_id": item.summary.id,
                "title": item.summary.title,
                "service": item.summary.service,
                "project": item.summary.project,
                "deadline": item.summary.deadline.isoformat() if item.summary.deadline else None,
            }
            for item in _open_items(store, now)
        ],
        "decisions": [e.as_json() for e in entries if e.attempt.outcome == "sent"],
        "pending": [e.as_json() for e in entries if e.attempt.outcome in IN_FLIGHT_OUTCOMES],
        "not_sent": [e.as_json() for e in entries if e.attempt.outcome in NOT_SENT_OUTCOMES],
    }


#: What the Open section says when the state dir has no cached inbox to read.
NO_CACHED_INBOX = (
    "no cached inbox in this state dir, so open items are not known here "
    "(`atp-tui watch` or the TUI with the same state dir keeps one)"
)


def _md(text: Any) -> str:
    """Agent text made safe for one Markdown table cell or list item and for a terminal.

    `sanitize` makes controls, escape sequences and bidi overrides visible (`␛[2J`, `\\u202e`)
    and keeps the text on one line; Markdown's table pipe and code ticks are then defused.
    """
    return sanitize(str(text)).replace("|", "\\|").replace("`", "'")


def _md_answer(entry: dict[str, Any]) -> str:
    """`Title → **Action** value`: the action's label in bold, the value in the agent's words."""
    action, value = _md(entry["action"]), _md(entry["value"])
    answer = f"**{action}**{label_joiner(action) + value if value else ''}"
    return f"{_md(entry['title'])} → {answer}"


def format_handover_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, for a chat message or a ticket."""
    lines = [f"# atp-tui handover ({report['generated_at'][:16]})", ""]
    lines.append(f"## Open ({len(report['open'])}), soonest deadline first")
    for item in report["open"]:
        deadline = f"deadline {item['deadline'][:16]}" if item["deadline"] else "no deadline"
        where = " / ".join(_md(part) for part in (item["service"], item["project"]) if part)
        lines.append(f"- **{_md(item['title'])}** ({where}), {deadline}")
    if not report["open"]:
        lines.append(f"- {NO_CACHED_INBOX}" if not report["inbox_cached"] else "- nothing open")
    lines += ["", f"## Decisions since {report['since'][:16]} ({len(report['decisions'])})"]
    for entry in report["decisions"]:
        lines.append(f"- {entry['at'][11:16]} {_md_answer(entry)}")
    if not report["decisions"]:
        lines.append("- none")
    lines += [
        "",
        f"## Pending, not confirmed ({len(report['pending'])}): "
        "the next answer to each checks with the server first",
    ]
    for entry in report["pending"]:
        note = f" ({_md(entry['detail'])})" if entry["detail"] else ""
        lines.append(f"- {entry['at'][11:16]} {_md_answer(entry)}{note}")
    if not report["pending"]:
        lines.append("- none")
    lines += ["", f"## Refused, failed or unknown ({len(report['not_sent'])})"]
    for entry in report["not_sent"]:
        detail = f" ({_md(entry['detail'])})" if entry["detail"] else ""
        lines.append(
            f"- {entry['at'][11:16]} {_md_answer(entry)}: {_md(entry['outcome_words'])}{detail}"
        )
    if not report["not_sent"]:
        lines.append("- none")
    return "\n".join(lines) + "\n"
