"""What the widgets show about a notification: its display state, answer state and times.

No Textual here: these are plain functions and dataclasses over the store's
`StoredNotification`, the answer the user gave in this session, and the injected clock's `now`.
The widgets call them at render time, so countdowns move with the clock and nothing is cached
that could go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

# The deadline rules live with the lifecycle (no dependencies: `atp-tui status` uses them
# without loading the store); re-exported here, where the inbox's other rules are.
from atp_tui.protocol.lifecycle import WARNING_SECONDS as WARNING_SECONDS
from atp_tui.protocol.lifecycle import is_urgent as is_urgent
from atp_tui.protocol.lifecycle import seconds_left as seconds_left
from atp_tui.protocol.outcomes import (
    IN_FLIGHT_OUTCOMES,
    OUTCOME_KINDS,
    AnswerKind,
    outcome_text,
)
from atp_tui.protocol.outcomes import UNSETTLED_OUTCOMES as UNSETTLED
from atp_tui.protocol.text import shorten
from atp_tui.store import ResponseAttempt, StoredNotification

# The one definition of "closed" lives in `atp_tui.view.status`; these names are re-exported
# for the widgets and screens that import them from here.
from atp_tui.view.status import closed_reason as closed_reason
from atp_tui.view.status import effective_status as effective_status
from atp_tui.view.status import is_closed as is_closed
from atp_tui.view.status import item_actionable as item_actionable

if TYPE_CHECKING:
    from atp_tui.protocol import Action


DisplayState = Literal[
    "open", "pending", "answered", "refused", "expired", "invalidated", "completed", "gone"
]


@dataclass(frozen=True, slots=True)
class AnswerState:
    """What happened to the answer the user gave, as shown on the item."""

    kind: AnswerKind
    text: str
    action_id: str = ""
    #: The answer given, in the user's words (`Continue the rollout?: Roll back`), when this
    #: session gave it; "" for one read back from the log.
    words: str = ""

    @property
    def in_flight(self) -> bool:
        """Whether this answer is being sent right now (by this process)."""
        return self.kind in ("pending", "retrying")

    @property
    def blocks_answering(self) -> bool:
        """Whether a new answer must not be sent (in flight, or the server has one)."""
        return self.kind in ("pending", "retrying", "sent", "elsewhere", "closed")


def answer_from_outcome(kind: str, message: str, action_id: str, at: datetime) -> AnswerState:
    """The answer state after the respond client returned an outcome of `kind`."""
    return AnswerState(
        OUTCOME_KINDS.get(kind, "failed"), outcome_text(kind, message, at), action_id
    )


def answers_from_log(attempts: list[ResponseAttempt]) -> dict[str, AnswerState]:
    """The answer state per notification, from the store's response log: its last final
    outcome (its `sent` one, once there is one), or, when the last row is an answer a process
    left unfinished (`sending` / `retrying`), `pending` until it is checked with the server
    (`unsettled_answers`)."""
    answers: dict[str, AnswerState] = {}
    for attempt in attempts:
        earlier = answers.get(attempt.notification_id)
        if earlier is not None and earlier.kind == "sent":
            continue  # the answer given here stands (a later try was refused as answered)
        if attempt.outcome in OUTCOME_KINDS:
            answers[attempt.notification_id] = answer_from_outcome(
                attempt.outcome, attempt.detail, attempt.action_id, attempt.attempted_at
            )
        elif attempt.outcome in IN_FLIGHT_OUTCOMES:
            when = attempt.attempted_at.astimezone().strftime("%H:%M:%S")
            answers[attempt.notification_id] = AnswerState(
                "pending",
                f"checking with the server: the answer at {when} was cut off",
                attempt.action_id,
            )
    return answers


def unsettled_answers(attempts: list[ResponseAttempt]) -> list[str]:
    """The notifications whose last logged answer has no known outcome (cut off while
    sending, or `unknown`): the server may hold an answer this client never heard about."""
    last: dict[str, str] = {}
    for attempt in attempts:
        last[attempt.notification_id] = attempt.outcome
    return [notification_id for notification_id, kind in last.items() if kind in UNSETTLED]


def display_state(
    item: StoredNotification, answer: AnswerState | None, now: datetime
) -> DisplayState:
    """One word for the item's state: the answer in flight wins, then the lifecycle."""
    if answer is not None:
        if answer.kind in ("pending", "retrying"):
            return "pending"
        if answer.kind == "closed" and answer.text.startswith("gone"):
            return "gone"
        if answer.kind in ("refused", "failed") and item_actionable(item, now):
            return "refused"
    status = effective_status(item)
    if status in ("responded",):
        return "answered"
    if status in ("completed", "expired", "invalidated"):
        return status  # type: ignore[return-value]
    if is_closed(item, now):
        return "expired"
    return "open"


def format_duration(seconds: float) -> str:
    """A compact duration: `42s`, `4m12s`, `1h05m`, `3d04h`."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def format_countdown(deadline: datetime | None, now: datetime) -> str:
    """`in 4m12s`-style text for a deadline, `expired` after it, `—` without one."""
    left = seconds_left(deadline, now)
    if left is None:
        return "—"
    if left <= 0:
        return "expired"
    return format_duration(left)


def countdown_step(left: float, warning_seconds: float, *, coarse: bool = False) -> int:
    """How precisely, in seconds, a countdown with `left` seconds to go is shown.

    Seconds only within the warning threshold, where they matter and the row is red anyway;
    above it minutes (hours past a day), so a countdown like `58m` is drawn once a minute
    instead of every second. `coarse` (the `low_bandwidth` setting) uses minutes everywhere.
    """
    if not coarse and 0 < left <= warning_seconds:
        return 1
    return 3600 if left >= 86400 else 60


def format_minutes(seconds: float) -> str:
    """A duration to the minute: `<1m`, `58m`, `1h05m`, `3d04h` (cut, never rounded up)."""
    if seconds < 60:
        return "<1m"
    return format_duration(seconds)[: -3 if seconds < 3600 else None]


def countdown_text(
    deadline: datetime | None, now: datetime, warning_seconds: float, *, coarse: bool = False
) -> str:
    """What a countdown shows: `format_countdown` at the precision of `countdown_step`."""
    left = seconds_left(deadline, now)
    if left is None or left <= 0:
        return format_countdown(deadline, now)
    if countdown_step(left, warning_seconds, coarse=coarse) == 1:
        return format_duration(left)
    return format_minutes(left)


def countdown_changes_in(
    deadline: datetime | None, now: datetime, warning_seconds: float, *, coarse: bool = False
) -> float | None:
    """Seconds until `countdown_text` shows something else; `None` once it never will.

    The next whole step of the countdown, or the moment it enters the warning threshold
    (seconds and red from then on), whichever comes first. 0 on a step boundary: the text
    (cut, never rounded up) changes just after.
    """
    left = seconds_left(deadline, now)
    if left is None or left <= 0:
        return None
    step = countdown_step(left, warning_seconds, coarse=coarse)
    until = left % step
    if not coarse and left > warning_seconds > 0:
        until = min(until, left - warning_seconds)
    return until


def format_age(moment: datetime | None, now: datetime) -> str:
    """How long ago `moment` was, coarse: `now` (under a minute), `5m`, `3h`, `2d`.

    Never in seconds: an age that ticked every second rewrote its cells every second for a
    minute after each event, and nobody triages by the second an item arrived.
    """
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def age_changes_in(moment: datetime | None, now: datetime) -> float | None:
    """Seconds until `format_age(moment, …)` shows something else; `None` if it never does."""
    if moment is None:
        return None
    seconds = max(0.0, (now - moment).total_seconds())
    step = 60.0 if seconds < 3600 else 3600.0 if seconds < 86400 else 86400.0
    return step - seconds % step  # ages count up: the next step is a whole step away at most


def created_at(item: StoredNotification) -> datetime:
    """When the notification was created (its timestamp, else when it was received)."""
    return item.summary.timestamp or item.received_at


#: The longest typed answer (text, as typed) quoted in a confirmation.
ANSWER_WORDS_LIMIT = 60


def answer_in_words(action: Action, response_data: Any) -> str | None:
    """The answer as the user chose it, for a confirmation: the labels they saw, not the wire
    values (an option's label, not its id; `Wait`, not `false`); typed text shortened.
    `None` for a `simple` action, which has no value.
    """
    from atp_tui import protocol  # the models load on first use, after the first frame

    if isinstance(action, protocol.SimpleAction):
        return None
    if isinstance(action, protocol.BinaryAction):
        options = action.options
        return options.true_label if response_data is True else options.false_label
    if isinstance(action, protocol.ChoiceAction | protocol.MultiChoiceAction):
        labels = {option.value: option.display_label for option in action.options}
        values = response_data if isinstance(response_data, list) else [response_data]
        words = ", ".join(labels.get(value, str(value)) for value in values)
        return words or "none selected"
    if isinstance(response_data, float) and response_data.is_integer():
        return str(int(response_data))
    return shorten(response_data, ANSWER_WORDS_LIMIT)
