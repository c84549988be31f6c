"""What an open answer modal says about its notification's time and state (plain data, no Textual).

The modal shows one live line under its input: the time left until the deadline, or, once the
deadline passes or a `status_update` closes the item (expired, invalidated, answered elsewhere),
why the answer cannot be sent. The decision is the inbox's own (`closed_reason`), so the modal
and the row never disagree about whether an item still takes answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from atp_tui.store import StoredNotification
from atp_tui.view.items import closed_reason, format_duration, seconds_left

#: Below this many seconds left the line is drawn as urgent.
URGENT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class AnswerStatus:
    """The live line of an answer modal."""

    #: The answer can no longer be sent (the send keys and buttons are off).
    closed: bool
    #: The words to show ("" when there is nothing to say: open, no deadline).
    text: str
    #: Little time is left (drawn as a warning).
    urgent: bool = False


def _local_clock(moment: datetime, now: datetime) -> str:
    """The deadline in local time: `09:30`, or with its day when that is not today."""
    local, today = moment.astimezone(), now.astimezone()
    return local.strftime("%H:%M" if local.date() == today.date() else "%a %Y-%m-%d %H:%M")


def answer_status(
    item: StoredNotification | None, deadline: datetime | None, now: datetime
) -> AnswerStatus:
    """The line for `item` (or, when the modal has none, just `deadline`) at `now`."""
    reason = (
        closed_reason(item, now)
        if item is not None
        else ("expired: the deadline passed" if deadline is not None and now >= deadline else "")
    )
    if reason:
        return AnswerStatus(True, f"{reason} — cannot be sent")
    if item is not None:
        deadline = item.summary.deadline
    left = seconds_left(deadline, now)
    if left is None or deadline is None:
        return AnswerStatus(False, "")
    return AnswerStatus(
        False,
        f"time left {format_duration(left)} (until {_local_clock(deadline, now)})",
        urgent=left < URGENT_SECONDS,
    )
