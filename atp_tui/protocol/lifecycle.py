"""Notification lifecycle: states only move forward, whatever order events arrive in.

`created → delivered → acknowledged → responded (→ completed)`, with the terminal states
`expired` and `invalidated`. ATP-PROTOCOL.md §3.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: The position of each state along the lifecycle; a transition must move to a higher rank.
_RANK: dict[str, int] = {
    "created": 0,
    "delivered": 1,
    "acknowledged": 2,
    "responded": 3,
    "completed": 4,
    "expired": 4,
    "invalidated": 4,
}

#: States from which nothing moves on.
TERMINAL_STATES: frozenset[str] = frozenset({"completed", "expired", "invalidated"})

#: States in which a notification may still be answered.
ACTIONABLE_STATES: frozenset[str] = frozenset({"created", "delivered", "acknowledged"})

#: Every state the client understands.
KNOWN_STATES: frozenset[str] = frozenset(_RANK)


def can_transition(current: str | None, new: str) -> bool:
    """Whether a notification in state `current` may move to state `new`.

    Unknown states are never entered; `None` (no state yet) may move anywhere known. Once
    answered, the only way on is `completed`: a late `expired` must not hide that the answer
    was given.
    """
    if new not in _RANK:
        return False
    if current is None or current not in _RANK:
        return True
    if current in TERMINAL_STATES:
        return False
    if current == "responded":
        return new == "completed"
    return _RANK[new] > _RANK[current]


def merge_status(current: str | None, new: str) -> str | None:
    """The state after applying `new` to `current`, forward-only."""
    return new if can_transition(current, new) else current


def is_actionable(status: str | None, deadline: datetime | None, now: datetime) -> bool:
    """Whether actions may be offered: an open state and a deadline not passed on `now`."""
    if status is not None and status not in ACTIONABLE_STATES:
        return False
    return deadline is None or now < deadline


#: Deadlines closer than this are shown in red and counted as "expiring" (the default of the
#: `deadline_warning_minutes` setting, 15 minutes).
WARNING_SECONDS = 900.0


def seconds_left(deadline: datetime | None, now: datetime) -> float | None:
    """Seconds until `deadline` (negative once passed); `None` without a deadline."""
    return None if deadline is None else (deadline - now).total_seconds()


def is_urgent(
    deadline: datetime | None, now: datetime, warning_seconds: float = WARNING_SECONDS
) -> bool:
    """Whether a deadline is within the warning threshold (0 = never) and not passed yet."""
    left = seconds_left(deadline, now)
    return left is not None and 0 < left <= warning_seconds


def parse_moment(text: object) -> datetime | None:
    """A moment read back from storage (ISO 8601; a zone-less one is taken as UTC), or `None`
    when it is not one: a deadline or a snooze's end."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
