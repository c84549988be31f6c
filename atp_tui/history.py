"""Answer history and the shift handover report, from the store's response log (no Textual).

`atp-tui history` lists this client's answers; `atp-tui handover` writes a report for the next
person on call: what is still open (soonest deadline first), the decisions made with their
answers, and every answer that was refused, failed or has an unknown outcome and may need a
second look.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.store import ResponseAttempt, Store, StoredNotification
from atp_tui.text import sanitize

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Outcomes that mean the answer did not (or may not have) got through, worth handing over:
#: `unknown` means the reply was lost and the check with the server failed too.
NOT_SENT_OUTCOMES = frozenset({"refused", "failed", "auth_refused", "not_found", "unknown"})


def parse_since(text: str) -> timedelta:
    """`30m`, `8h`, `2d`, `90s` → a duration; `ValueError` with the accepted forms otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"--since {text!r}: use a number and a unit, like 30m, 8h or 2d")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


@dataclass(frozen=True)
class HistoryEntry:
    """One final answer outcome with what it answered."""

    attempt: ResponseAttempt
    title: str
    action_label: str

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "at": self.attempt.attempted_at.isoformat(),
            "notification_id": self.attempt.notification_id,
            "title": self.title,
            "action_id": self.attempt.action_id,
            "action": self.action_label,
            "response_data": self.attempt.response_data,
            "outcome": self.attempt.outcome,
            "detail": self.attempt.detail,
        }


def history(store: Store, since: datetime) -> list[HistoryEntry]:
    """Final outcomes of answers given since `since`, oldest first (retries are folded in)."""
    entries: list[HistoryEntry] = []
    for attempt in store.responses():
        if attempt.outcome in ("sending", "retrying") or attempt.attempted_at < since:
            continue
        item = store.get(attempt.notification_id)
        title = item.summary.title if item else "(not in the local inbox)"
        action = item.notification.action(attempt.action_id) if item else None
        label = action.display_label if action else attempt.action_id
        entries.append(HistoryEntry(attempt, title, label))
    return entries


def _answer_text(data: Any) -> str:
    """An answer as text: strings as they are, anything else as JSON ("" for none)."""
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return json.dumps(data, ensure_ascii=False)


def format_history(entries: list[HistoryEntry]) -> str:
    """Plain-text lines: time, outcome, title, action and answer.

    Every stored string is server or user text: each is `sanitize`d to one row, so an escape
    sequence shows as `␛[2J` and a line break in a title cannot fake another entry (case 82).
    """
    if not entries:
        return "no answers in this period"
    lines = []
    for entry in entries:
        answer = sanitize(_answer_text(entry.attempt.response_data))
        answer = f" = {answer}" if answer else ""
        when = entry.attempt.attempted_at.astimezone().strftime("%Y-%m-%d %H:%M")
        outcome, title = sanitize(entry.attempt.outcome), sanitize(entry.title)
        lines.append(f"{when}  {outcome:<17} {title} → {sanitize(entry.action_label)}{answer}")
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
    """The handover report as data: open items, decisions, answers that did not get through."""
    entries = history(store, since)
    return {
        "generated_at": now.isoformat(),
        "since": since.isoformat(),
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
        "not_sent": [e.as_json() for e in entries if e.attempt.outcome in NOT_SENT_OUTCOMES],
    }


def _md(text: Any) -> str:
    """Agent text made safe for one Markdown table cell or list item and for a terminal.

    `sanitize` makes controls, escape sequences and bidi overrides visible (`␛[2J`, `\\u202e`)
    and keeps the text on one line; Markdown's table pipe and code ticks are then defused.
    """
    return sanitize(str(text)).replace("|", "\\|").replace("`", "'")


def format_handover_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, for a chat message or a ticket."""
    lines = [f"# atp-tui handover ({report['generated_at'][:16]})", ""]
    lines.append(f"## Open ({len(report['open'])}), soonest deadline first")
    for item in report["open"]:
        deadline = f"deadline {item['deadline'][:16]}" if item["deadline"] else "no deadline"
        where = " / ".join(_md(part) for part in (item["service"], item["project"]) if part)
        lines.append(f"- **{_md(item['title'])}** ({where}), {deadline}")
    if not report["open"]:
        lines.append("- nothing open")
    lines += ["", f"## Decisions since {report['since'][:16]} ({len(report['decisions'])})"]
    for entry in report["decisions"]:
        answer = _answer_text(entry["response_data"])
        reason = f": {_md(answer)}" if answer else ""
        lines.append(
            f"- {entry['at'][11:16]} {_md(entry['title'])} → **{_md(entry['action'])}**{reason}"
        )
    if not report["decisions"]:
        lines.append("- none")
    lines += ["", f"## Refused, failed or unknown ({len(report['not_sent'])})"]
    for entry in report["not_sent"]:
        lines.append(
            f"- {entry['at'][11:16]} {_md(entry['title'])} → {_md(entry['action'])}: "
            f"{_md(entry['outcome'])} ({_md(entry['detail'])})"
        )
    if not report["not_sent"]:
        lines.append("- none")
    return "\n".join(lines) + "\n"
