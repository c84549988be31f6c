"""Bulk answers: marks on the inbox, and one answer key for every marked item.

Space marks or unmarks the selected item, `*` marks every shown item (after the filter) that
can still be answered, or unmarks them when all are marked already, and `u` unmarks
everything. Marks are notification ids (`atp_tui.view.marks.Marks`): they survive re-sorting
and filtering, and an item that closes keeps its mark but is never sent.

With marks present, an answer key (`1`–`9`, or Enter on an action in the detail pane) goes to
`BulkAnswers.start` instead of `Answering.start`:

1. The selected item's action N is the chosen one. The selected item takes part even when it
   is not marked: the key was pressed on it, and the confirmation lists it like the others.
2. `plan_bulk` splits the items: those with an action of the same id and type that can still
   be answered get the answer; the others are listed as skipped, with why.
3. A value (text, choice, number, date, yes/no) is asked once, in the action's own modal, and
   applies to all; an item for which it is not valid (a number outside *its* bounds) is skipped.
4. One confirmation (`atp_tui.screens.bulk_confirm.BulkConfirm`) lists every item, flags the
   irreversible ones and names the skipped ones; Cancel has the focus.
5. Each item is sent once through the app's respond client, at most `BULK_CONCURRENCY` at a
   time, each in its own worker of the `respond` group named by its id, as a single answer is:
   the respond client refuses a second answer in flight, quitting asks first, and a crash shows
   on that row. Each row shows its own result; one toast sums them up. Marks are cleared for the
   items sent and kept for the others (refused, expired, unknown…), to try again.

Every step plans again from the current state: an item that closes while a dialog is open, or
while it waits for its turn to be sent, is skipped and reported, never sent.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from rich.text import Text

from atp_tui.protocol.text import sanitize, shorten
from atp_tui.screens.answering import answer_words, ask_for_value
from atp_tui.store import StoredNotification
from atp_tui.view.items import AnswerState, answer_in_words
from atp_tui.view.marks import (
    BulkPlan,
    BulkTally,
    BulkTarget,
    Marks,
    blocker,
    can_answer,
    plan_bulk,
    toggle_all,
)
from atp_tui.view.status import closed_reason

if TYPE_CHECKING:
    from atp_tui.protocol import Action
    from atp_tui.screens.answer_base import ChosenAnswer
    from atp_tui.screens.bulk_confirm import BulkConfirm
    from atp_tui.screens.main import MainScreen

#: Answers of one bulk answer on the wire at once: a 50-item answer neither opens 50
#: connections at once nor waits for 50 round trips one after the other.
BULK_CONCURRENCY = 4


class BulkAnswers:
    """The marks of the main screen and the bulk answering flow (see the module docstring)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: The marked ids; the inbox reads them to draw the mark.
        self.marks = Marks()
        #: The value last chosen per (action id, type), offered again after a cancel.
        self._last_input: dict[tuple[str, str], object] = {}
        #: The open confirmation and what it was planned from (ids, action, value).
        self._confirming: tuple[BulkConfirm, list[str], Action, Any] | None = None

    # -- marks --------------------------------------------------------------------------

    def _get(self, notification_id: str) -> StoredNotification | None:
        """The item as the store knows it now (statuses land there before the screen)."""
        return self.screen.answering.current(notification_id)

    def _answerable(self, notification_id: str) -> bool:
        item = self.screen.inbox.get(notification_id)
        answer = self.screen.answers.get(notification_id)
        return item is not None and can_answer(item, answer, self.screen.now())

    def _seen_answerable(self, notification_id: str) -> bool:
        """For `*`: answerable, and not appeared a moment ago (`RecentArrivals`). `*1y` typed
        ahead marked an item that appeared an instant before and answered it with the rest
        (independent QA): `*` marks what the user saw listed."""
        return self._answerable(notification_id) and not self.screen.arrivals.unseen(
            notification_id
        )

    def _changed(self) -> None:
        """Repaint the rows whose mark changed (only those) and the status bar's count."""
        self.screen.tick()

    def toggle(self, notification_id: str | None) -> None:
        """Space: mark or unmark the selected item (an item that takes no answer is not
        marked: the user is told why)."""
        if notification_id is None:
            return
        item = self.screen.inbox.get(notification_id)
        if notification_id not in self.marks and item is not None:
            # `j 1y` typed ahead marked a row that appeared an instant before under the
            # cursor, and answered it (independent check): a mark is a key on that row too.
            if not self.screen.answering.looked_at(item, "the space"):
                return
            reason = blocker(item, self.screen.answers.get(notification_id), self.screen.now())
            if reason is not None:
                self._warn(f"Not marked: {reason}.")
                return
        self.marks.toggle(notification_id)
        self._changed()

    def toggle_all(self) -> None:
        """`*`: mark every shown item that can be answered, or unmark the shown ones. The
        rows and the status bar's count say what happened (a toast would cover the
        confirmation that the next key opens)."""
        result, _ = toggle_all(self.marks, self.screen.inbox.row_ids(), self._seen_answerable)
        if result == "nothing":
            self._warn("Nothing shown can be answered: nothing marked.")
            return
        self._changed()

    def clear(self) -> None:
        """`u`: unmark everything."""
        removed = self.marks.clear()
        if not removed:
            self.screen.notify("Nothing is marked.", markup=False)
            return
        self._changed()
        self.screen.notify(f"Unmarked {_items(len(removed))}", markup=False)

    # -- answering ----------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        self.screen.notify(sanitize(text, limit=400), severity="warning", markup=False)

    def _ordered(self, selected: str) -> list[str]:
        """The marked ids and the selected one, in inbox order (those the filter hides last,
        in the order they were marked)."""
        ids = list(self.marks)
        if selected not in self.marks:
            ids.insert(0, selected)
        rows = {nid: self.screen.inbox.index_of(nid) for nid in ids}
        return sorted(ids, key=lambda nid: (rows[nid] is None, rows[nid] or 0))

    def _plan(self, ids: list[str], chosen: Action, data: Any = None, *, valued: bool) -> BulkPlan:
        from atp_tui.view.marks import NO_DATA

        return plan_bulk(
            ids,
            chosen,
            self._get,
            self.screen.answers,
            self.screen.now(),
            data if valued else NO_DATA,
        )

    def _nothing(self, plan: BulkPlan) -> None:
        """No item can take the answer: say so, with the first reasons."""
        label = shorten(plan.chosen.display_label, 40)
        reasons = "; ".join(
            f"{shorten(skip.item.summary.title, 40)}: {skip.reason}" for skip in plan.skipped[:3]
        )
        self.screen.answering.refuse(
            f"Nothing sent: no marked item can take “{label}” now ({reasons})."
        )

    def start(self, selected: str | None, number: int, key: str = "") -> None:
        """An answer key with marks present: answer every marked item with the selected
        item's action `number` (1-based), after one confirmation. `key`: as for
        `Answering.start`."""
        answering = self.screen.answering
        found = answering.action_at(selected, number)
        if found is None:
            return
        selected, item, chosen = found
        # The selected item takes part: the key must have been meant for it as a single
        # answer's is (`j1y` with a mark elsewhere answered a row that appeared an instant
        # before: independent check), and a marked item must still be the one marked.
        key = key or str(number)
        if not answering.looked_at(item, key):
            return
        for marked in self.marks:
            changed = self._get(marked) if self.screen.arrivals.unseen(marked) else None
            if changed is not None:
                answering.refuse_unseen(changed, key, marked=True)
                return
        ids = self._ordered(selected)
        plan = self._plan(ids, chosen, valued=False)
        if not plan.targets:
            self._nothing(plan)
            return
        ask_for_value(  # an unknown type is skipped by the plan already
            chosen,
            lambda answer: self._confirm(ids, chosen, answer),
            lambda modal: self._ask(selected, ids, chosen, plan, modal),
        )

    def _ask(
        self, selected: str, ids: list[str], chosen: Action, plan: BulkPlan, modal: Any
    ) -> None:
        """Ask for the value once, in the action's own modal, naming how many it is for. Its
        time left is the selected item's (the first target's when that one is skipped); it
        is not followed as a single answer's modal is: one item closing must not stop the
        others, and every item is checked again before the confirmation."""
        first = next((t for t in plan.targets if t.notification_id == selected), plan.targets[0])
        key = (chosen.id, chosen.response_type)
        screen = modal(first.item.notification, chosen, self._last_input.get(key))
        count, total = len(plan.targets), len(plan.targets) + len(plan.skipped)
        subject = Text("on: ", style="dim")
        subject.append(f"{count} of {_items(total)}" if count < total else _items(total))
        subject.append(" (the confirmation lists them all)", style="dim")
        screen.subject = subject

        def done(answer: ChosenAnswer | None) -> None:
            if answer is not None:
                self._confirm(ids, chosen, answer)

        self.screen.app.push_screen(screen, done)

    def _confirm(self, ids: list[str], chosen: Action, answer: ChosenAnswer) -> None:
        """One confirmation listing every item; planned again with the value (valid for
        each?) and the current state (did one close while the value was typed?)."""
        plan = self._plan(ids, chosen, answer.response_data, valued=True)
        if not plan.targets:
            self._nothing(plan)
            return
        from atp_tui.screens.bulk_confirm import BulkConfirm

        words = answer_in_words(chosen, answer.response_data)
        dialog = BulkConfirm(plan, words)
        self._confirming = (dialog, ids, chosen, answer.response_data)

        def confirmed(send: bool | None) -> None:
            self._confirming = None
            if send:
                self._send(ids, chosen, answer.response_data)
            else:  # offered again, to correct rather than retype
                self._last_input[(chosen.id, chosen.response_type)] = answer.user_input

        self.screen.app.push_screen(dialog, confirmed)

    @property
    def confirming(self) -> bool:
        """Whether the bulk confirmation is open."""
        return self._confirming is not None

    def follow(self) -> None:
        """Items changed or the clock ticked: the open confirmation lists what the answer
        would go to now (planned again: an item may have closed meanwhile)."""
        if self._confirming is not None:
            dialog, ids, chosen, data = self._confirming
            dialog.replan(self._plan(ids, chosen, data, valued=True))

    def _send(self, ids: list[str], chosen: Action, data: Any) -> None:
        """Queue every item still answerable (planned once more), each in its own worker."""
        plan = self._plan(ids, chosen, data, valued=True)
        label = shorten(chosen.display_label, 40)
        words = answer_in_words(chosen, data)
        tally = BulkTally(
            label if words is None else f"{label}: {shorten(words, 40)}",
            len(plan.targets) + len(plan.skipped),
        )
        for skip in plan.skipped:
            tally.add(skip.item, "skipped", skip.reason)
        limit = asyncio.Semaphore(BULK_CONCURRENCY)
        answers = self.screen.answers
        for target in plan.targets:
            nid = target.notification_id
            previous = answers.get(nid)
            # In flight from now on: a second key finds it "being sent", quitting asks first.
            words = answer_words(target.action, data)
            answers[nid] = AnswerState(
                "pending", "waiting to be sent…", target.action.id, words=words
            )
            self.screen.run_worker(
                self._respond(target, data, previous, limit, tally),
                name=nid,
                group="respond",
                description=f"bulk answer {nid}",
                exit_on_error=False,
            )
        self.screen.mark_read(*(target.notification_id for target in plan.targets))
        if tally.done:  # nothing left to send: everything closed meanwhile
            self._summarise(tally)

    async def _respond(
        self,
        target: BulkTarget,
        data: Any,
        previous: AnswerState | None,
        limit: asyncio.Semaphore,
        tally: BulkTally,
    ) -> None:
        """Send one item's answer when its turn comes (unless it closed while waiting)."""
        screen = self.screen
        nid, action = target.notification_id, target.action
        try:
            async with limit:
                item = self._get(nid)
                reason = "gone" if item is None else closed_reason(item, screen.now())
                if reason:
                    _restore(screen.answers, nid, previous)
                    screen.refresh_item(nid)
                    tally.add(target.item, "skipped", reason)
                    return
                words = answer_words(action, data)
                screen.answers[nid] = AnswerState("pending", "sending…", action.id, words=words)
                screen.refresh_item(nid)

                def on_retry(attempt: int, detail: str) -> None:
                    screen.answers[nid] = AnswerState(
                        "retrying",
                        f"retrying (attempt {attempt + 1}): {detail}",
                        action.id,
                        words=words,
                    )
                    screen.refresh_item(nid)

                outcome = await screen.atp.respond.respond(
                    nid,
                    action.id,
                    data,
                    on_retry=on_retry,
                    closed=screen.answering.cut_short(nid),
                )
            screen.answering.record(nid, action, outcome)
            if outcome.kind == "sent":
                self.marks.unmark([nid])
                self._changed()
            tally.add(target.item, outcome.kind, outcome.message)
        except Exception as error:
            # Counted here, shown on the row by the app's worker handler (`Answering.failed`).
            tally.add(target.item, "failed", f"internal error ({type(error).__name__}: {error})")
            raise
        finally:
            if tally.done:
                self._summarise(tally)

    def _summarise(self, tally: BulkTally) -> None:
        """One toast: the counts, then one line per item (those not sent first)."""
        if tally.reported:
            return
        tally.reported = True
        self._changed()
        text = "\n".join([tally.headline(), *tally.lines()])
        if tally.all_sent:
            self.screen.notify(text, markup=False)
        else:
            self.screen.notify(text, severity="warning", markup=False, timeout=20)


def _restore(answers: dict[str, AnswerState], nid: str, previous: AnswerState | None) -> None:
    """Put back the answer state an item had before it was queued."""
    if previous is None:
        answers.pop(nid, None)
    else:
        answers[nid] = previous


def _items(count: int) -> str:
    """`1 item`, `12 items`."""
    return f"{count} item{'' if count == 1 else 's'}"
