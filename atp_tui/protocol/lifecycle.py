"""Notification lifecycle: states only move forward, whatever order events arrive in.

`created → delivered → acknowledged → responded (→ completed)`, with the terminal states
`expired` and `invalidated`. ATP-PROTOCOL.md §3.
"""

from __future__ import annotations

from datetime import datetime

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
