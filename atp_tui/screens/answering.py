"""Answering: from a key press to the server's verdict, shown on the item.

`Answering.start` is called with the notification id captured when the key was pressed. It
checks the item may be answered, opens the modal for the action's type (a `simple` action has
none), asks for confirmation when the action is flagged irreversible (`decided`, every type),
and sends the validated answer through the app's `RespondClient` in a worker. A second press
while an answer is in flight is refused here *and* by the respond client, so a double press
sends once. The outcome lands in `MainScreen.answers` (pending → sent, or refused with the
server's message) and the store (the respond client moves the status).

While a modal is open, the flow keeps it told about its notification (`items_changed` for
each batch of engine events, `tick` for the clock): attributes down, so the modal can say at
once that the item expired or was withdrawn, without a timer or a store of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from atp_tui import protocol  # its models load on first use, after the first frame
from atp_tui.protocol.text import sanitize
from atp_tui.store import StoredNotification
from atp_tui.view.items import (
    AnswerState,
    answer_from_outcome,
    answer_in_words,
    answers_from_log,
    closed_reason,
)
from atp_tui.view.status import answer_cut_short

if TYPE_CHECKING:
    from atp_tui.client.respond import RespondOutcome
    from atp_tui.protocol import Action
    from atp_tui.screens.answer_base import AnswerModal, ChosenAnswer
    from atp_tui.screens.main import MainScreen


def ask_for_value(
    action: Action,
    simple: Callable[[ChosenAnswer], None],
    ask: Callable[[type[AnswerModal]], None],
) -> None:
    """A `simple` action takes no value (`simple` is called with the empty answer); any other
    known type is asked in its modal (`ask` is called with the modal's class); an unknown type
    neither (the caller has refused it already)."""
    if isinstance(action, protocol.SimpleAction):
        from atp_tui.screens.answer_base import ChosenAnswer

        simple(ChosenAnswer(None))
        return
    modal = modal_for(action)
    if modal is not None:
        ask(modal)


def modal_for(action: Action) -> type[AnswerModal] | None:
    """The modal class that answers `action`, or `None` (simple and unknown types).

    The modals are imported here, on the first answer, so that the first frame does not wait
    for them.
    """
    from atp_tui.screens.binary import BinaryModal
    from atp_tui.screens.choice import ChoiceModal
    from atp_tui.screens.date import DateModal
    from atp_tui.screens.multi_choice import MultiChoiceModal
    from atp_tui.screens.number import NumberModal
    from atp_tui.screens.text_answer import TextModal

    # MultiChoiceAction before its base ChoiceAction.
    modals: list[tuple[type[Action], type[AnswerModal]]] = [
        (protocol.BinaryAction, BinaryModal),
        (protocol.MultiChoiceAction, MultiChoiceModal),
        (protocol.ChoiceAction, ChoiceModal),
        (protocol.TextAction, TextModal),
        (protocol.NumberAction, NumberModal),
        (protocol.DateAction, DateModal),
    ]
    for action_type, modal in modals:
        if isinstance(action, action_type):
            return modal
    return None


def answer_words(action: Action, data: Any) -> str:
    """An answer in the user's words, for the item's line and its toast: `Approve`,
    `Reply: not now`."""
    words = sanitize(action.display_label, limit=60)
    if (value := answer_in_words(action, data)) is not None:
        words = f"{words}: {sanitize(value, limit=60)}"
    return words


class Answering:
    """The answering flow of the main screen (kept apart to keep the screen small)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: What was typed into each item's action's dialog last, with the options it was
        #: typed against (`_keep`, `_kept`).
        self._last_input: dict[tuple[str, str], tuple[object, object]] = {}
        #: The answer modal on screen (at most one: a modal covers the keys that open one).
        self.open_modal: AnswerModal | None = None

    @property
    def pending_count(self) -> int:
        """How many answers are being sent right now (from the screen's answer states, the
        one place the UI keeps them: `sending…` from `send` until `finish`)."""
        return sum(1 for answer in self.screen.answers.values() if answer.in_flight)

    def _opened(self, modal: AnswerModal, item: StoredNotification) -> None:
        """Follow `modal`'s notification while it is open."""
        modal.follow(item)
        self.open_modal = modal

    def _closed(self, modal: AnswerModal) -> None:
        if self.open_modal is modal:
            self.open_modal = None

    def items_changed(self, changed: Mapping[str, StoredNotification]) -> None:
        """A batch changed these items: the open modal's may have expired or been withdrawn."""
        modal = self.open_modal
        if modal is not None and (item := changed.get(modal.notification.id)) is not None:
            modal.follow(item, self.screen.now())
        self.screen.bulk.follow()  # an open bulk confirmation too

    def content_changed(self, notification_ids: list[str]) -> None:
        """The server sent these known items again, changed: an open answer dialog for one of
        them shows what it said before (its options, its action), and a key pressed into it
        sent the old answer against the new copy (an independent check). It is closed,
        nothing sent, what was typed kept for the next one, and the user told."""
        modal = self.open_modal
        if modal is None or modal.notification.id not in notification_ids:
            return
        from atp_tui.screens.answer_base import NO_INPUT  # loaded: a dialog is open

        notification_id = modal.notification.id
        typed = modal.current_input()
        if typed is not NO_INPUT:
            self._keep(notification_id, modal.action, typed)
        self._closed(modal)
        modal.dismiss(None)
        item = self.current(notification_id)
        title = item.summary.title if item is not None else modal.notification.context.title
        self._warn(
            f"“{title}” changed while you were answering: nothing was sent. Look at it "
            "and answer again (what you typed is kept, unless its options changed)."
        )

    def _keep(self, notification_id: str, action: Action, typed: object) -> None:
        """Keep what was typed for this item's `action`, to open its next dialog with."""
        options = getattr(action, "options", None)
        self._last_input[(notification_id, action.id)] = (typed, options)

    def _kept(self, notification_id: str, action: Action) -> object:
        """What was typed for this item's `action` last (`None`: nothing), as long as its
        options are the ones it was typed against: a tick kept by value across a re-send that
        relabelled the option ("EU" to "DROP EU") showed ticked under a label never picked
        (an independent check)."""
        kept = self._last_input.get((notification_id, action.id))
        if kept is None:
            return None
        typed, options = kept
        return typed if options == getattr(action, "options", None) else None

    def live_seconds(self) -> float | None:
        """How soon an open answer modal or bulk confirmation needs the next tick: it shows
        the time left to the second (`None`: none is open). Without the once-a-second tick
        (low bandwidth) the screen wakes for it too: it froze there, down to the deadline."""
        return 1.0 if self.open_modal is not None or self.screen.bulk.confirming else None

    def tick(self) -> None:
        """The clock ticked: the open modal's time left (or its deadline passing)."""
        if self.open_modal is not None:
            self.open_modal.follow(None, self.screen.now())
        self.screen.bulk.follow()

    def current(self, notification_id: str) -> StoredNotification | None:
        """The item as the store knows it now (statuses land there before the screen)."""
        return self.screen.atp.store.get(notification_id) or self.screen.inbox.get(notification_id)

    def _warn(self, text: str) -> None:
        self.screen.notify(sanitize(text, limit=400), severity="warning", markup=False)

    def refuse(self, text: str) -> None:
        """An answer key that is not applied (`text` says why): the rest of its burst is
        dropped too (`KeySequencer.drop_burst`). Typed ahead for a dialog that did not open,
        the keys after it went to the inbox instead: `1ok 2 days⏎` on a row withdrawn an
        instant before moved to the next row with `k`, marked it with the space, and `2`
        and the `y` of "days" answered it."""
        self.screen.atp.key_order.drop_burst()
        self._warn(f"{text} Nothing typed with it was applied.")

    def why_not(self, item: StoredNotification, action: Action) -> str | None:
        """Why `action` cannot be answered on `item` now, or `None` when it can."""
        notification_id = item.summary.id
        answer = self.screen.answers.get(notification_id)
        if answer is not None and answer.in_flight:
            return "An answer to this notification is already being sent."
        if answer is not None and answer.blocks_answering:
            # `sent at 02:04:11`, `answered elsewhere`, `closed: …`: said as a sentence.
            said = f"an answer to it was {answer.text}" if answer.kind == "sent" else answer.text
            return f"Not sent: {said}."
        reason = closed_reason(item, self.screen.now())
        if reason:
            return f"Not sent: the notification is {reason}."
        if isinstance(action, protocol.UnknownAction):
            return (
                f"“{action.display_label}” is a {action.response_type!r} action, which atp-tui "
                "cannot answer: answer it where the agent expects it."
            )
        return None

    def action_at(
        self, notification_id: str | None, number: int
    ) -> tuple[str, StoredNotification, Action] | None:
        """The item and its action `number` (1-based) that a key asks for, as the store knows
        the item now; `None` (the user told why) when there is no such item or action."""
        if notification_id is None:
            self.refuse("Nothing is selected.")
            return None
        item = self.current(notification_id)
        if item is None:
            self.refuse("The selected notification is gone.")
            return None
        actions = item.notification.actions
        if not 1 <= number <= len(actions):
            self.refuse(f"This notification has no action {number}.")
            return None
        return notification_id, item, actions[number - 1]

    def start(self, notification_id: str | None, number: int, key: str = "") -> None:
        """Begin answering action `number` (1-based) of `notification_id`; `key` names the
        key that asked for it when it was not the digit (an action chosen in the action list)."""
        found = self.action_at(notification_id, number)
        if found is None:
            return
        notification_id, item, action = found
        if not self.looked_at(item, key or str(number)):
            return
        problem = self.why_not(item, action)
        if problem:
            self.refuse(problem)
            return
        ask_for_value(
            action,
            lambda chosen: self.decided(notification_id, action, chosen),
            lambda modal: self._open(modal, notification_id, action, item),
        )

    def looked_at(self, item: StoredNotification, key: str) -> bool:
        """Whether `key` (an answer key, or the space that marks for one) on `item` can be
        taken as meant for it; if not (it appeared, changed or came under the cursor a
        moment ago, or the moves to it crossed a row that just appeared), the key is not
        applied, the rest of its burst is dropped and the user is told."""
        notification_id = item.summary.id
        arrivals = self.screen.arrivals
        if arrivals.unseen(notification_id):
            self.refuse_unseen(item, key)
            return False
        crossed = arrivals.crossed(notification_id, self.screen.inbox.index_of)
        if crossed is not None:
            self._crossed(item, crossed, key)
            return False
        return True

    def refuse_unseen(self, item: StoredNotification, key: str, *, marked: bool = False) -> None:
        """A key on an item that appeared too recently to have been seen (typed ahead, for
        the row that was there before: `atp_tui.view.arrivals`): not applied, and the rest
        of its burst is dropped (`KeySequencer.drop_burst`); the user is told. `marked`: the
        item is one of the marked ones a bulk answer was for."""
        how = self.screen.arrivals.how(item.summary.id)
        self.screen.atp.key_order.drop_burst()
        target = "the marked items" if marked else "it"
        self._warn(
            f"“{item.summary.title}” {how}: {key} was not applied to {target}, nor what "
            "was typed with it. Look at it first."
        )

    def _crossed(self, item: StoredNotification, crossed: str, key: str) -> None:
        """A key after moves across a row that appeared meanwhile (the moves were counted
        for the rows before it: `RecentArrivals.crossed`): not applied, with the rest of
        its burst."""
        newcomer = self.current(crossed)
        title = newcomer.summary.title if newcomer is not None else "a new item"
        self.screen.atp.key_order.drop_burst()
        self._warn(
            f"“{title}” just appeared among the rows you moved over: {key} was not "
            f"applied to “{item.summary.title}”, nor what was typed with it. Look first."
        )

    def _open(
        self,
        modal: type[AnswerModal],
        notification_id: str,
        action: Action,
        item: StoredNotification,
    ) -> None:
        initial = self._kept(notification_id, action)
        screen = modal(item.notification, action, initial)

        def done(chosen: ChosenAnswer | None) -> None:
            self._closed(screen)
            if chosen is not None:
                self.decided(notification_id, action, chosen)

        self._opened(screen, item)
        self.screen.app.push_screen(screen, done)

    def decided(self, notification_id: str, action: Action, chosen: ChosenAnswer) -> None:
        """The user chose an answer: send it, after asking first when the action is flagged
        irreversible, whatever its type (a `binary` answer is one key inside its modal)."""
        if not (action.irreversible and self.screen.atp.settings.confirm_irreversible):
            self.send(notification_id, action, chosen.response_data, chosen.user_input)
            return
        item = self._still_answerable(notification_id, action)
        if item is None:
            return
        from atp_tui.screens.confirm import ConfirmModal

        confirm = ConfirmModal(item.notification, action, chosen)

        def confirmed(answer: ChosenAnswer | None) -> None:
            self._closed(confirm)
            if answer is not None:
                self.send(notification_id, action, answer.response_data, answer.user_input)
            else:  # the modal opens with it next time, to correct rather than retype
                self._keep(notification_id, action, chosen.user_input)

        self._opened(confirm, item)
        self.screen.app.push_screen(confirm, confirmed)

    def _still_answerable(self, notification_id: str, action: Action) -> StoredNotification | None:
        """The item, when `action` may still be answered on it (it may have closed while a
        modal was open: then the user is told why, and `None`)."""
        item = self.current(notification_id)
        if item is None:
            return None
        problem = self.why_not(item, action)
        if problem:
            self._warn(problem)
            return None
        return item

    def send(self, notification_id: str, action: Action, data: Any, user_input: object) -> None:
        """Send a validated answer in a worker (once: a second call while pending is refused)."""
        if self._still_answerable(notification_id, action) is None:
            return
        self._keep(notification_id, action, user_input)
        self.screen.answers[notification_id] = AnswerState(
            "pending", "sending…", action.id, words=answer_words(action, data)
        )
        self.screen.mark_read(notification_id)
        self.screen.run_worker(
            self._respond(notification_id, action, data),
            name=notification_id,
            group="respond",
            description=f"answer {notification_id}",
            exit_on_error=False,
        )

    async def _respond(self, notification_id: str, action: Action, data: Any) -> None:
        def on_retry(attempt: int, detail: str) -> None:
            self.screen.answers[notification_id] = AnswerState(
                "retrying",
                f"retrying (attempt {attempt + 1}): {detail}",
                action.id,
                words=self._words(notification_id),
            )
            self.screen.refresh_item(notification_id)

        closed = self.cut_short(notification_id)
        outcome = await self.screen.atp.respond.respond(
            notification_id, action.id, data, on_retry=on_retry, closed=closed
        )
        self.finish(notification_id, action, outcome)

    def cut_short(self, notification_id: str) -> Callable[[], RespondOutcome | None]:
        """What `RespondClient.respond` asks before each POST: whether the item expired or was
        withdrawn meanwhile, as this screen knows it (`answer_cut_short`)."""

        def closed() -> RespondOutcome | None:
            item = self.current(notification_id)
            return None if item is None else answer_cut_short(item, self.screen.now())

        return closed

    def record(
        self, notification_id: str, action: Action, outcome: RespondOutcome
    ) -> AnswerState | None:
        """Show the outcome on the item (no toast); `None` for a duplicate: refused here, an
        earlier answer got through, and the item shows that one again."""
        if outcome.kind == "duplicate":
            logged = answers_from_log(self.screen.atp.store.responses(notification_id))
            if notification_id in logged:
                self.screen.answers[notification_id] = logged[notification_id]
            else:
                self.screen.answers.pop(notification_id, None)
            self.screen.refresh_item(notification_id)
            return None
        answer = answer_from_outcome(outcome.kind, outcome.message, action.id, self.screen.now())
        answer = replace(answer, words=self._words(notification_id))
        self.screen.answers[notification_id] = answer
        self.screen.refresh_item(notification_id)
        return answer

    def finish(self, notification_id: str, action: Action, outcome: RespondOutcome) -> None:
        """Show the outcome on the item and as a toast."""
        answer = self.record(notification_id, action, outcome)
        if answer is None:
            return
        label = answer.words or sanitize(action.display_label, limit=60)
        if answer.kind == "sent":
            self.screen.notify(f"“{label}” {answer.text}", markup=False)
        elif answer.kind in ("elsewhere", "closed"):
            self._warn(f"“{label}” not sent: {answer.text}")
        else:
            self.screen.notify(
                sanitize(f"“{label}” {answer.text}", limit=400), severity="error", markup=False
            )

    def _words(self, notification_id: str) -> str:
        """The answer being sent to `notification_id`, in the user's words ("" if unknown)."""
        answer = self.screen.answers.get(notification_id)
        return answer.words if answer is not None else ""

    def failed(self, notification_id: str, error: BaseException | None) -> None:
        """A respond worker crashed (a bug): say so, and let the user try again."""
        self.screen.answers[notification_id] = AnswerState(
            "failed", f"failed: internal error ({type(error).__name__}: {error}); try again"
        )
        self.screen.refresh_item(notification_id)
        self.screen.notify(
            sanitize(f"Answer failed with an internal error: {error}", limit=400),
            severity="error",
            markup=False,
        )
