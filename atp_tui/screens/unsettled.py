"""Answers a previous run left without an outcome, checked with the server at start.

A process that ends while an answer's POST is out (quit, crash, kill -9, power loss) leaves a
`sending` row as the log's last for that notification; a lost reply leaves `unknown`. The
server may or may not hold that answer. Rather than show the item as open (and let the user
think nothing was sent) or as answered (and let them think it was), the item shows "checking
with the server" while the respond client asks (`RespondClient.settle_unfinished`), then what
the server said: answered, still open (answer again), expired, withdrawn, or — when the
server cannot be reached — outcome unknown, with the promise that answering again checks first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from atp_tui.protocol.text import sanitize
from atp_tui.store import ResponseAttempt
from atp_tui.view.items import AnswerState, answer_from_outcome, answers_from_log, unsettled_answers

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen


def check_unsettled_answers(
    screen: MainScreen, attempts: list[ResponseAttempt], *, again: bool = False
) -> None:
    """Start one worker per notification whose last answer in `attempts` (the response log)
    has no known outcome, unless one is checking it already. `again`: a check after the
    first (the stream connected again), which says nothing while the outcome stays unknown."""
    checking = {
        worker.name for worker in screen.workers if worker.group == "settle" and worker.is_running
    }
    for notification_id in unsettled_answers(attempts):
        if notification_id in checking:
            continue
        screen.run_worker(
            _settle(screen, notification_id, again),
            name=notification_id,
            group="settle",
            description=f"check the unfinished answer to {notification_id}",
            exit_on_error=False,
        )


def recheck_unknown_answers(screen: MainScreen) -> None:
    """The stream connected again: ask about the answers still without an outcome (the check
    at start could not reach the server). Their items may show answered by now, their
    actions disabled, so "answering again checks first" could not be followed, and the
    outcome stayed unknown until `atp-tui respond` was run (found by an independent QA
    pass)."""
    check_unsettled_answers(screen, screen.atp.store.responses(), again=True)


async def _settle(screen: MainScreen, notification_id: str, again: bool = False) -> None:
    outcome = await screen.atp.respond.settle_unfinished(notification_id)
    if outcome is None:  # nothing to check any more (an answer is being sent right now)
        return
    attempts = screen.atp.store.responses(notification_id)
    action_id = attempts[-1].action_id if attempts else ""
    if outcome.kind == "unknown":
        answer = AnswerState("failed", f"outcome unknown: {outcome.message}", action_id)
    else:
        answer = answers_from_log(attempts).get(notification_id) or answer_from_outcome(
            outcome.kind, outcome.message, action_id, screen.now()
        )
    screen.answers[notification_id] = answer
    screen.refresh_item(notification_id)
    if again and outcome.kind == "unknown":
        return  # said once already, at start
    if outcome.kind != "sent":
        screen.notify(
            sanitize(f"An answer from before was not confirmed: {answer.text}", limit=400),
            severity="warning",
            markup=False,
            timeout=15,
        )
