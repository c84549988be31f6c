"""Snooze rules: when a snoozed item comes back, and what the snooze menu offers (no Textual).

Plain functions of times only (no store, no pydantic), so `atp-tui status` applies the same
rule as the TUI without loading either (`atp_tui.commands.status`); the TUI's bookkeeping of
snoozed items is `atp_tui.view.snooze_board`.

**Never later than the deadline allows.** A snoozed item comes back by the time its deadline
enters the warning (`deadline_warning_minutes`, `WARNING_SECONDS` by default) and never less
than `MIN_LEAD` (10 minutes) before the deadline, whichever is earlier: `latest_wake`. So a
snoozed item is never "due" while it is hidden (the status bar's and `status`'s "due" always
point at items you can see), and it is back with time left to answer. The rule is applied
when the item is snoozed (the menu offers only times before it) and again whenever a snooze is
read (`wake_at`): a stored time is clamped by the warning in force now, so changing the
setting later cannot keep an item hidden past it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from atp_tui.protocol.lifecycle import WARNING_SECONDS

#: The least time before its deadline a snoozed item comes back ("10 min before its deadline").
MIN_LEAD = 600.0

#: The menu's fixed snoozes: key, words, seconds.
FIXED_CHOICES: tuple[tuple[str, str, float], ...] = (
    ("15m", "15 minutes", 15 * 60.0),
    ("1h", "1 hour", 3600.0),
)
#: The key of "until shortly before its deadline".
BEFORE_DEADLINE = "deadline"


def lead_seconds(warning_seconds: float = WARNING_SECONDS) -> float:
    """How long before its deadline a snoozed item is back at the latest."""
    return max(warning_seconds, MIN_LEAD)


def latest_wake(
    deadline: datetime | None, warning_seconds: float = WARNING_SECONDS
) -> datetime | None:
    """The latest moment an item with this deadline may stay snoozed (`None`: no deadline)."""
    if deadline is None:
        return None
    return deadline - timedelta(seconds=lead_seconds(warning_seconds))


def wake_at(
    until: datetime, deadline: datetime | None, warning_seconds: float = WARNING_SECONDS
) -> datetime:
    """When a snooze until `until` ends: `until`, or earlier when the deadline says so."""
    latest = latest_wake(deadline, warning_seconds)
    return until if latest is None or until <= latest else latest


def still_snoozed(
    until: datetime,
    deadline: datetime | None,
    now: datetime,
    warning_seconds: float = WARNING_SECONDS,
) -> bool:
    """Whether a snooze until `until` still holds at `now` (for an item that is open: a
    closed item is never snoozed, whatever its row says)."""
    return now < wake_at(until, deadline, warning_seconds)


class SnoozeChoice(NamedTuple):
    """One entry of the snooze menu: its key (`15m`, `1h`, `deadline`), its words and the
    moment the item would come back. (A named tuple, not a dataclass: `atp-tui status` imports
    this module, and `dataclasses` alone would add ≈ 15 ms to its start.)"""

    key: str
    words: str
    until: datetime


def snooze_choices(
    deadline: datetime | None, now: datetime, warning_seconds: float = WARNING_SECONDS
) -> list[SnoozeChoice]:
    """What the menu offers at `now` for an item with this deadline, soonest first.

    15 minutes and 1 hour when they end before `latest_wake`; "until N min before its
    deadline" when the deadline is further away than that; nothing when the item is already
    within `lead_seconds` of its deadline (too close to snooze).
    """
    latest = latest_wake(deadline, warning_seconds)
    if latest is not None and latest <= now:
        return []
    choices = [
        SnoozeChoice(key, words, now + timedelta(seconds=seconds))
        for key, words, seconds in FIXED_CHOICES
        if latest is None or now + timedelta(seconds=seconds) < latest
    ]
    if latest is not None:
        minutes = f"{lead_seconds(warning_seconds) / 60:g}"
        choices.append(
            SnoozeChoice(BEFORE_DEADLINE, f"until {minutes} min before its deadline", latest)
        )
    return choices


def choice_for(
    key: str, deadline: datetime | None, now: datetime, warning_seconds: float = WARNING_SECONDS
) -> SnoozeChoice | None:
    """The choice `key` as offered at `now` (`None`: not offered now: the deadline is too
    close for it, or the key is unknown)."""
    for choice in snooze_choices(deadline, now, warning_seconds):
        if choice.key == key:
            return choice
    return None


def choice_words(key: str) -> str:
    """A fixed choice's words (`15 minutes`), or the key itself."""
    return next((words for fixed, words, _ in FIXED_CHOICES if fixed == key), key)


def too_close(deadline: datetime | None, now: datetime, warning_seconds: float) -> str:
    """Why an item cannot be snoozed at `now`, in one line ("" when it can)."""
    if snooze_choices(deadline, now, warning_seconds) or deadline is None:
        return ""
    left = max(0, int((deadline - now).total_seconds() // 60))
    minutes = f"{lead_seconds(warning_seconds) / 60:g}"
    return (
        f"Not snoozed: its deadline is {left} min away; a snoozed item is back "
        f"{minutes} min before its deadline at the latest."
    )


def back_at(moment: datetime, now: datetime) -> str:
    """`back at 09:42` (local time, the minute rounded up), with the date when it is not
    today."""
    local, today = moment.astimezone(), now.astimezone()
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if local.date() == today.date():
        return f"back at {local:%H:%M}"
    return f"back at {local:%Y-%m-%d %H:%M}"
