"""The ATP lifecycle: forward-only state transitions, the known state sets and which items are
actionable.

ATP-PROTOCOL.md §3; SSE-CLIENT-RULES.md §(e) cases 31 (forward-only states) and 32 (deadlines).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from atp_tui.protocol import (
    ACTIONABLE_STATES,
    TERMINAL_STATES,
    can_transition,
    is_actionable,
    merge_status,
)
from atp_tui.protocol.lifecycle import KNOWN_STATES
from tests.protocol_helpers import NOW, _notification

# -- lifecycle (case 31, §3) -----------------------------------------------------------------

ORDER = ["created", "delivered", "acknowledged", "responded"]


def _expected_transition(current: str | None, new: str) -> bool:
    """The forward-only graph of ATP-PROTOCOL.md §3, written out independently."""
    if new not in KNOWN_STATES:
        return False
    if current is None or current not in KNOWN_STATES:
        return True
    if current in TERMINAL_STATES:
        return False
    if current == "responded":
        return new == "completed"
    # created/delivered/acknowledged: any later step, or a terminal state.
    return new in TERMINAL_STATES or ORDER.index(new) > ORDER.index(current)


ALL_STATES = sorted(KNOWN_STATES)


@pytest.mark.parametrize("current", [None, "mystery", *ALL_STATES])
@pytest.mark.parametrize("new", [*ALL_STATES, "mystery", "", "RESPONDED"])
def test_transition_table(current: str | None, new: str) -> None:
    """§3 / case 31: states only move forward; unknown states are never entered."""
    assert can_transition(current, new) is _expected_transition(current, new)
    assert merge_status(current, new) == (new if _expected_transition(current, new) else current)


def test_transition_table_spot_checks() -> None:
    """Case 31: the examples the spec names, spelled out."""
    assert not can_transition("responded", "delivered")
    assert not can_transition("responded", "expired")
    assert not can_transition("responded", "invalidated")
    assert can_transition("responded", "completed")
    assert not can_transition("delivered", "delivered")
    assert can_transition("created", "acknowledged")
    assert can_transition("acknowledged", "expired")
    for terminal in ("expired", "invalidated", "completed"):
        assert not any(can_transition(terminal, state) for state in KNOWN_STATES)


def test_known_state_sets() -> None:
    """§3: the actionable and terminal states."""
    assert frozenset({"created", "delivered", "acknowledged"}) == ACTIONABLE_STATES
    assert frozenset({"completed", "expired", "invalidated"}) == TERMINAL_STATES


@pytest.mark.parametrize(
    ("status", "deadline", "expected"),
    [
        ("created", None, True),
        ("delivered", None, True),
        ("acknowledged", None, True),
        (None, None, True),
        ("delivered", NOW + timedelta(seconds=1), True),
        ("delivered", NOW, False),
        ("delivered", NOW - timedelta(seconds=1), False),
        ("delivered", NOW - timedelta(days=365), False),
        ("responded", None, False),
        ("completed", NOW + timedelta(days=1), False),
        ("expired", NOW + timedelta(days=1), False),
        ("invalidated", None, False),
        ("mystery", None, False),
    ],
)
def test_is_actionable(status: str | None, deadline: datetime | None, expected: bool) -> None:
    """§3 / case 32: actions only in an open state and before the deadline on `now`."""
    assert is_actionable(status, deadline, NOW) is expected


def test_deadline_past_on_arrival_is_not_actionable() -> None:
    """Case 32: a deadline already past (or a client clock running ahead) disables actions."""
    parsed = _notification(deadline="2026-11-28T11:59:59.999Z")
    assert not is_actionable(parsed.status, parsed.deadline, NOW)
    assert is_actionable(parsed.status, parsed.deadline, NOW - timedelta(minutes=1))
