"""`atp-tui respond`: answer one notification from a shell, validated like the TUI does.

The outcome is one line naming the notification and the answer in the agent's words
(`sent: Deploy payments-api? → Region: eu-west-1 — answer sent`), with the TUI's words for the
outcome (`atp_tui.protocol.outcomes`). With `--json` stdout carries exactly one JSON object,
also for every error (`{"outcome": ..., "message": ...}`), so a script never has to parse stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from atp_tui.client.fetch import NotificationNotFound
from atp_tui.client.respond import REQUEST_DEADLINE, CredentialsRefused, RespondClient
from atp_tui.client.respond_outcome import RespondOutcome
from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.protocol.date_input import DateInputError, read_date_answer
from atp_tui.protocol.labels import answer_label
from atp_tui.protocol.lifecycle import ACTIONABLE_STATES, is_actionable
from atp_tui.protocol.models import ChoiceAction, DateAction, Notification, TextAction
from atp_tui.protocol.outcomes import UNSETTLED_OUTCOMES, outcome_words
from atp_tui.protocol.responses import ResponseValidationError, response_data_for
from atp_tui.protocol.text import sanitize
from atp_tui.store import StateUnavailable, StateWriteError, Store

EXIT_SENT = 0
EXIT_NOT_SENT = 1
EXIT_INVALID = 2
EXIT_AUTH = 3
#: The state dir cannot be opened (disk full, read-only, I/O error): nothing was sent, since
#: without its answer log `respond` could not tell a repeat (as `watch` and `history`).
EXIT_STATE_UNAVAILABLE = 4
#: The answer may or may not have been recorded: the reply was lost and checking failed.
#: Running the same command again checks with the server before it sends anything.
EXIT_UNKNOWN = 5

#: Interrupted (Ctrl-C), as shells report a process SIGINT ended.
EXIT_INTERRUPTED = 130
#: What an interruption while the answer was on its way means.
INTERRUPTED_WHILE_SENDING = (
    "interrupted while sending: the answer may or may not have reached the server; "
    "`atp-tui history` shows it pending, and the next `respond` checks with the server first"
)

_EXIT_FOR_OUTCOME = {"sent": EXIT_SENT, "auth_refused": EXIT_AUTH, "unknown": EXIT_UNKNOWN}
#: The `--json` outcome of errors that end `respond` before an answer is sent (beside the
#: respond client's kinds): bad arguments or answer, an unusable state dir.
USAGE_OUTCOME = "usage"
INVALID_OUTCOME = "invalid"
STATE_UNAVAILABLE_OUTCOME = "state_unavailable"
#: Words for outcomes the response log never holds (the rest are the TUI's, `outcome_words`).
_RESPOND_WORDS = {"duplicate": "not sent (duplicate)"}


def _user_input(raw: str | None, action: object) -> Any:
    """The answer as typed: JSON when it parses, else the text itself (for text/choice)."""
    if raw is None:
        return None
    if isinstance(action, TextAction | ChoiceAction):
        # Text answers are text: `--data 42` for a text action means the string "42".
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        return value if isinstance(value, str) else raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _local_date(action: DateAction, typed: str, clock: Clock) -> str:
    """A date answer read as the TUI's date dialog reads it (`read_date_answer`): a time
    without an offset is local time, and `tomorrow 09:00` or `+2h` work here too. Before,
    `2026-12-06T03:00` was sent as 03:00 UTC, an hour or more off from what the same text
    means in the TUI (found by an independent QA pass)."""
    limits = action.constraints
    try:
        answer = read_date_answer(
            typed,
            include_time=limits.include_time,
            now=clock.now(),
            lower=limits.min,
            upper=limits.max,
        )
    except DateInputError as refused:
        raise ResponseValidationError(refused.message) from None
    return answer.value


def json_outcome(kind: str, message: str, **extra: Any) -> str:
    """The one JSON object `respond --json` prints (ASCII only: nothing for a terminal to run)."""
    return json.dumps({"outcome": kind, "message": message, **extra})


def _report(
    kind: str, message: str, as_json: bool, *, title: str, answer: str, **extra: Any
) -> None:
    """The outcome: `words: title → answer — message`, or the JSON object."""
    if as_json:
        print(json_outcome(kind, message, title=title, answer=answer, **extra))
        return
    words = _RESPOND_WORDS.get(kind) or outcome_words(kind)
    note = f" — {sanitize(message)}" if message else ""
    print(f"{words}: {sanitize(title, limit=200)} → {sanitize(answer, limit=200)}{note}")


def _error(message: str) -> None:
    """One line on stderr; the text may quote the server, so it is made terminal-safe."""
    print(f"atp-tui: {sanitize(message)}", file=sys.stderr)


def _fail(kind: str, message: str, as_json: bool, status: int, **extra: Any) -> int:
    """An error before anything was sent: the stderr line, and with `--json` the object."""
    _error(message)
    if as_json:
        print(json_outcome(kind, message, **extra))
    return status


def _warn_store(store: Store | None, already: int) -> int:
    """Print the store's warnings from index `already` on; return how many there are now."""
    if store is None:
        return already
    for warning in store.warnings[already:]:
        _error(f"warning: {warning}")
    return len(store.warnings)


def _answered_here_maybe(store: Store | None, notification_id: str) -> bool:
    """Whether an answer from this machine got through or may have (its outcome unknown):
    then the respond client says so (`duplicate`) or checks with the server what became of
    it, and a notification shown answered is that answer's doing, not a reason to refuse."""
    if store is None:
        return False
    attempts = store.responses(notification_id)
    if not attempts:
        return False
    return attempts[-1].outcome in UNSETTLED_OUTCOMES or any(
        attempt.outcome == "sent" for attempt in attempts
    )


def _why_closed(notification: Notification, now: datetime) -> tuple[str, str] | None:
    """The outcome kind and the reason when the fetched notification takes no answer (its
    state, or its deadline passed on this machine's clock, as the TUI decides), else `None`.
    A server that does not enforce its deadlines must not get a late answer reported sent."""
    status = notification.status
    if is_actionable(status, notification.deadline, now):
        return None
    if status in ("responded", "completed"):
        return "already_responded", f"the server reports it {status}"
    if status == "invalidated":
        return "invalidated", "the server reports it invalidated"
    if status == "expired":
        return "expired", "the server reports it expired"
    if status is not None and status not in ACTIONABLE_STATES:
        return "refused", (
            f"the server reports it in state {status!r}, which takes no answers "
            "(only created, delivered or acknowledged do)"
        )
    deadline = notification.deadline
    assert deadline is not None  # an open state: not actionable only past its deadline
    return "expired", f"its deadline passed ({deadline.astimezone().strftime('%Y-%m-%d %H:%M:%S')})"


def _deadline_watch(
    notification: Notification, clock: Clock | None
) -> Callable[[], RespondOutcome | None]:
    """For `RespondClient.respond(closed=…)`: once the deadline passes on this machine's clock
    (during the retries), nothing more is sent. A server that does not enforce its deadlines
    took the last retry and `respond` reported it sent."""

    def closed() -> RespondOutcome | None:
        reason = _why_closed(notification, (clock or SYSTEM_CLOCK).now())
        if reason is None or reason[0] != "expired":
            return None
        return RespondOutcome("expired", f"{reason[1]} while retrying")

    return closed


async def respond_once(
    server: str,
    token: str,
    notification_id: str,
    action_id: str,
    raw_data: str | None,
    as_json: bool = False,
    *,
    state_dir: Path | None = None,
    clock: Clock | None = None,
    request_deadline: float = REQUEST_DEADLINE,
) -> int:
    """Fetch, validate, send once; print the outcome; return the exit status.

    With a `state_dir` the answer is logged in the store there (history, handover), an answer
    this machine already got through is never sent again, and one whose outcome was unknown is
    checked with the server before anything is sent. Every failure is one line on stderr
    (never a traceback); the exit statuses are `EXIT_*` above. `clock` and
    `request_deadline` are for tests (no real backoff waits, short deadlines).
    """
    try:
        store = Store.open(state_dir, required=True) if state_dir is not None else None
    except StateUnavailable as error:
        message = f"error: {error}; nothing was sent"
        return _fail(STATE_UNAVAILABLE_OUTCOME, message, as_json, EXIT_STATE_UNAVAILABLE)
    warned = _warn_store(store, 0)
    client = RespondClient(server, token, store, clock=clock, request_deadline=request_deadline)
    #: The title and answer once the answer is on its way (for an interruption's report).
    sending: tuple[str, str] | None = None
    try:
        try:
            notification = await client.fetch_notification(notification_id)
        except CredentialsRefused as error:
            return _fail("auth_refused", str(error), as_json, EXIT_AUTH)
        except LookupError as error:  # not found, unreachable, or not a notification
            kind = "not_found" if isinstance(error, NotificationNotFound) else "failed"
            return _fail(kind, str(error), as_json, EXIT_NOT_SENT)
        if store is not None:
            store.add_notification(notification, None)  # the state the server reports
        action = notification.action(action_id)
        closed = None
        if not _answered_here_maybe(store, notification_id):
            closed = _why_closed(notification, (clock or SYSTEM_CLOCK).now())
        if closed is not None:
            kind, reason = closed
            _report(
                kind,
                f"{reason}; nothing was sent",
                as_json,
                title=notification.title,
                answer=action.label if action is not None else action_id,
            )
            return EXIT_NOT_SENT
        if action is None:
            ids = ", ".join(a.id for a in notification.actions) or "(none)"
            message = (
                f"notification {notification_id} has no action {action_id!r}; "
                f"its actions are: {ids}"
            )
            return _fail(INVALID_OUTCOME, message, as_json, EXIT_INVALID)
        try:
            typed = _user_input(raw_data, action)
            if isinstance(action, DateAction) and isinstance(typed, str):
                typed = _local_date(action, typed, clock or SYSTEM_CLOCK)
            data = response_data_for(action, typed)
        except ResponseValidationError as error:
            message = f"invalid answer for {action_id!r}: {error.message}"
            return _fail(INVALID_OUTCOME, message, as_json, EXIT_INVALID)
        sending = (notification.title, answer_label(action, data))
        outcome = await client.respond(
            notification_id, action_id, data, closed=_deadline_watch(notification, clock)
        )
        if outcome.state_unavailable:
            message = f"error: {outcome.message}"
            return _fail(STATE_UNAVAILABLE_OUTCOME, message, as_json, EXIT_STATE_UNAVAILABLE)
        _report(
            outcome.kind,
            outcome.message,
            as_json,
            title=notification.title,
            answer=answer_label(action, data),
            responded_at=outcome.responded_at,
        )
        return _EXIT_FOR_OUTCOME.get(outcome.kind, EXIT_NOT_SENT)
    except asyncio.CancelledError:
        # Ctrl-C: `asyncio.run` cancels this task, then raises KeyboardInterrupt (`cli`
        # exits 130). Not silent, and not the exit status of an answer sent.
        if sending is None:
            _fail("failed", "interrupted; nothing was sent", as_json, EXIT_NOT_SENT)
        else:
            title, answer = sending
            _report("unknown", INTERRUPTED_WHILE_SENDING, as_json, title=title, answer=answer)
        raise
    finally:
        await client.aclose()
        if store is not None:
            # Rows of the response log found corrupt while answering (case 84).
            _warn_store(store, warned)
            try:
                store.close()
            except StateWriteError as error:
                _error(f"warning: {error}")
