"""Answer history and the shift handover report, from the store's response log (no Textual).

`atp-tui history` lists, per notification, where this client's answer stands (newest first);
`atp-tui handover` writes a report for the next person on call: what is still open (soonest
deadline first), the decisions made with their answers, the answers still pending when
atp-tui stopped, and every answer that was refused, failed or has an unknown outcome and may
need a second look. Answers are shown in the agent's words (`atp_tui.protocol.labels`) and
outcomes in the TUI's (`atp_tui.protocol.outcomes`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from atp_tui.commands.reading import EXIT_STATE_UNAVAILABLE, reading_store
from atp_tui.protocol.labels import label_joiner
from atp_tui.protocol.lifecycle import WARNING_SECONDS
from atp_tui.protocol.text import escape_json_text, sanitize
from atp_tui.view.history import HistoryEntry, handover, latest_answers

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: A longer `--since` means "every answer": `99999999999d` was a traceback (an overflow).
LONGEST_WINDOW = timedelta(days=100 * 365)


def parse_since(text: str) -> timedelta:
    """`30m`, `8h`, `2d`, `90s` → a duration; `ValueError` with the accepted forms otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"--since {text!r}: use a number and a unit, like 30m, 8h or 2d")
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    # Further back than any answer: all of them (and a date the window's start can hold).
    return timedelta(seconds=min(seconds, LONGEST_WINDOW.total_seconds()))


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


#: What the Open section says when the state dir has no cached inbox to read.
NO_CACHED_INBOX = (
    "no cached inbox in this state dir, so open items are not known here "
    "(`atp-tui watch` or the TUI with the same state dir keeps one)"
)


#: Markdown's own punctuation, escaped in agent text: a title `[docs](http://…)` or `**x**`
#: became a working link or bold in a chat or ticket that renders the report (found by an
#: independent QA pass); `<b>` is HTML there, `~~x~~` strikes out, `|` ends a table cell.
#: (`(`, `!` and `#` need no escape once `[` has one, and no item starts with `#`.)
#: Backticks become `'` (a lone escaped one still opens code in some renderers).
_MARKDOWN = str.maketrans({**{char: "\\" + char for char in "\\*_[]<>~|"}, "`": "'"})


def _md(text: Any) -> str:
    """Agent text made safe for one Markdown table cell or list item and for a terminal.

    `sanitize` makes controls, escape sequences and bidi overrides visible (`␛[2J`, `\\u202e`)
    and keeps the text on one line; Markdown's punctuation is then escaped, so the text reads
    as it was written and never becomes a link, emphasis, HTML or a table's cell break.
    """
    return sanitize(str(text)).translate(_MARKDOWN)


def _md_answer(entry: dict[str, Any]) -> str:
    """`Title → **Action** value`: the action's label in bold, the value in the agent's words."""
    action, value = _md(entry["action"]), _md(entry["value"])
    answer = f"**{action}**{label_joiner(action) + value if value else ''}"
    return f"{_md(entry['title'])} → {answer}"


def _local(moment: str) -> str:
    """An ISO time of the report in this machine's local time, as `history` and `list` show
    times: `2026-12-05 16:04`. The Markdown showed UTC with no zone said, and decisions
    without their day (found by an independent QA pass)."""
    return datetime.fromisoformat(moment).astimezone().strftime("%Y-%m-%d %H:%M")


def format_handover_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, for a chat message or a ticket; times local, the zone named in
    the heading."""
    generated = datetime.fromisoformat(report["generated_at"]).astimezone()
    zone = generated.strftime("%Z") or generated.strftime("UTC%z")
    lines = [f"# atp-tui handover ({_local(report['generated_at'])} {zone})", ""]
    snoozed = f", {report['snoozed']} snoozed" if report["snoozed"] else ""
    lines.append(f"## Open ({len(report['open'])}{snoozed}), soonest deadline first")
    for item in report["open"]:
        deadline = f"deadline {_local(item['deadline'])}" if item["deadline"] else "no deadline"
        if item["snoozed_until"]:
            deadline += f", snoozed until {_local(item['snoozed_until'])}"
        where = " / ".join(_md(part) for part in (item["service"], item["project"]) if part)
        lines.append(f"- **{_md(item['title'])}** ({where}), {deadline}")
    if not report["open"]:
        lines.append(f"- {NO_CACHED_INBOX}" if not report["inbox_cached"] else "- nothing open")
    lines += ["", f"## Decisions since {_local(report['since'])} ({len(report['decisions'])})"]
    for entry in report["decisions"]:
        lines.append(f"- {_local(entry['at'])} {_md_answer(entry)}")
    if not report["decisions"]:
        lines.append("- none")
    lines += [
        "",
        f"## Pending, not confirmed ({len(report['pending'])}): "
        "the next answer to each checks with the server first",
    ]
    for entry in report["pending"]:
        note = f" ({_md(entry['detail'])})" if entry["detail"] else ""
        lines.append(f"- {_local(entry['at'])} {_md_answer(entry)}{note}")
    if not report["pending"]:
        lines.append("- none")
    lines += ["", f"## Refused, failed or unknown ({len(report['not_sent'])})"]
    for entry in report["not_sent"]:
        detail = f" ({_md(entry['detail'])})" if entry["detail"] else ""
        lines.append(
            f"- {_local(entry['at'])} {_md_answer(entry)}: {_md(entry['outcome_words'])}{detail}"
        )
    if not report["not_sent"]:
        lines.append("- none")
    return "\n".join(lines) + "\n"


def run_report(
    state_dir: Path,
    command: str,
    window: timedelta,
    now: datetime,
    *,
    as_json: bool,
    warning_seconds: float = WARNING_SECONDS,
) -> int:
    """`history` (`command` "history") or `handover`: read the store, print, exit status.
    `warning_seconds` is the deadline warning (a snooze ends by it: `atp_tui.view.snooze`)."""
    with reading_store(state_dir) as store:
        if store is None:
            return EXIT_STATE_UNAVAILABLE
        if command == "history":
            entries = latest_answers(store, now - window)
            if as_json:
                for entry in entries:
                    print(escape_json_text(json.dumps(entry.as_json(), ensure_ascii=False)))
            else:
                print(format_history(entries))
        else:
            report = handover(store, now - window, now, warning_seconds)
            if as_json:
                # Escaped here, so the guarded stdout has nothing left to change in the JSON.
                print(escape_json_text(json.dumps(report, indent=2, ensure_ascii=False)))
            else:
                print(format_handover_markdown(report), end="")
    return 0
