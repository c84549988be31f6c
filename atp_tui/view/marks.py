"""Marks and bulk answers without Textual: which items are marked, and what one answer key
does to all of them.

A mark is a notification *id*, never a row: marks survive re-sorting, filtering and hiding
closed items, and an item that closes keeps its mark (it is then listed as skipped, never
sent). `plan_bulk` decides, for the action chosen on the selected item, which marked items get
the same answer: those with an action of the same id *and* type that can still be answered,
and (once the value is known) for which that value is valid. Everything else is skipped with a
reason in a few words. `BulkTally` collects the per-item results for the summary.

The screens (`atp_tui.screens.bulk`) call these with the store's items, the answer states of
the session and the injected clock's `now`, so the rules are tested without an app.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from atp_tui.protocol.outcomes import outcome_words
from atp_tui.protocol.text import shorten
from atp_tui.store import StoredNotification
from atp_tui.view.items import AnswerState
from atp_tui.view.status import closed_reason

if TYPE_CHECKING:
    from atp_tui.protocol import Action

#: `plan_bulk`'s `data` before the value is known (a simple action's value is `None`).
NO_DATA: Any = object()


class Marks:
    """The marked notification ids, in the order they were marked."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._ids: dict[str, None] = dict.fromkeys(ids)

    def __contains__(self, notification_id: object) -> bool:
        return notification_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._ids))

    def toggle(self, notification_id: str) -> bool:
        """Mark or unmark one item; returns whether it is marked now."""
        if notification_id in self._ids:
            del self._ids[notification_id]
            return False
        self._ids[notification_id] = None
        return True

    def mark(self, ids: Iterable[str]) -> list[str]:
        """Mark these items; returns the ones that were not marked before."""
        added = [nid for nid in dict.fromkeys(ids) if nid not in self._ids]
        self._ids.update(dict.fromkeys(added))
        return added

    def unmark(self, ids: Iterable[str]) -> list[str]:
        """Unmark these items; returns the ones that were marked."""
        removed = [nid for nid in dict.fromkeys(ids) if nid in self._ids]
        for nid in removed:
            del self._ids[nid]
        return removed

    def clear(self) -> list[str]:
        """Unmark everything; returns what was marked."""
        removed, self._ids = list(self._ids), {}
        return removed


def blocker(item: StoredNotification, answer: AnswerState | None, now: datetime) -> str | None:
    """Why `item` takes no answer now, in a few words (`None`: it does): an answer being
    sent or already given, or the item closed (`expired: the deadline passed`)."""
    if answer is not None and answer.in_flight:
        return "an answer is being sent"
    if answer is not None and answer.blocks_answering:
        return answer.text
    return closed_reason(item, now) or None


def can_answer(item: StoredNotification, answer: AnswerState | None, now: datetime) -> bool:
    """Whether `item` may still be answered (what `*` marks)."""
    return blocker(item, answer, now) is None


MarkAllResult = Literal["marked", "unmarked", "nothing"]


def toggle_all(
    marks: Marks, shown: Sequence[str], answerable: Callable[[str], bool]
) -> tuple[MarkAllResult, list[str]]:
    """`*`: mark every shown item that can still be answered; when each of them is marked
    already, unmark every shown item instead (closed ones too). Marks on items the filter
    hides are left alone. Returns what happened and the ids whose mark changed."""
    open_ids = [nid for nid in shown if answerable(nid)]
    if open_ids and all(nid in marks for nid in open_ids):
        return "unmarked", marks.unmark(shown)
    if not open_ids:
        return "nothing", []
    return "marked", marks.mark(open_ids)


def matching_action(item: StoredNotification, chosen: Action) -> Action | None:
    """The action of `item` with the same id and response type as `chosen`, if any."""
    for action in item.notification.actions:
        if action.id == chosen.id and action.response_type == chosen.response_type:
            return action
    return None


def _no_match(item: StoredNotification, chosen: Action) -> str:
    """Why an item has no action like `chosen` (whose label the confirmation shows)."""
    for action in item.notification.actions:
        if action.id == chosen.id:
            return f"a {action.response_type} action here, not {chosen.response_type}"
    return "no such action"


@dataclass(frozen=True, slots=True)
class BulkTarget:
    """A marked item that gets the answer, with its own action (its flags may differ)."""

    item: StoredNotification
    action: Action

    @property
    def notification_id(self) -> str:
        """The item's id."""
        return self.item.summary.id

    @property
    def irreversible(self) -> bool:
        """Whether this item's action is flagged irreversible."""
        return self.action.irreversible


@dataclass(frozen=True, slots=True)
class BulkSkip:
    """A marked item that does not get the answer, and why (a few words)."""

    item: StoredNotification
    reason: str


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """What an answer key does with marks present: who gets the answer, who is skipped."""

    chosen: Action
    targets: tuple[BulkTarget, ...]
    skipped: tuple[BulkSkip, ...]

    @property
    def irreversible(self) -> int:
        """How many of the targets cannot be undone."""
        return sum(1 for target in self.targets if target.irreversible)


def plan_bulk(
    ids: Iterable[str],
    chosen: Action,
    get: Callable[[str], StoredNotification | None],
    answers: Mapping[str, AnswerState],
    now: datetime,
    data: Any = NO_DATA,
) -> BulkPlan:
    """Split `ids` (in the order to list them) into targets and skipped items.

    A target has an action with `chosen`'s id and type, can still be answered (nothing sent
    or being sent, not closed) and, once `data` is given, takes `data` as a valid answer (a
    number within *its* bounds, an option *it* offers). Unknown action types are skipped: atp-tui
    cannot answer them.
    """
    from atp_tui import protocol  # the models load on first use, after the first frame

    targets: list[BulkTarget] = []
    skipped: list[BulkSkip] = []
    for nid in dict.fromkeys(ids):
        item = get(nid)
        if item is None:
            continue  # never in the inbox (ids only come from it): nothing to list
        action = matching_action(item, chosen)
        reason = blocker(item, answers.get(nid), now)
        if reason is None and action is None:
            reason = _no_match(item, chosen)
        if reason is None and isinstance(action, protocol.UnknownAction):
            reason = f"atp-tui cannot answer {action.response_type!r} actions"
        if reason is None and action is not None and data is not NO_DATA:
            try:
                protocol.validate_response_data(action, data)
            except protocol.ResponseValidationError as error:
                reason = f"not valid here: {error.message}"
        if reason is None and action is not None:
            targets.append(BulkTarget(item, action))
        else:
            skipped.append(BulkSkip(item, reason or "cannot be answered"))
    return BulkPlan(chosen, tuple(targets), tuple(skipped))


def item_words(item: StoredNotification, limit: int = 80) -> str:
    """`Title · service`, sanitised (for the confirmation and the summary)."""
    return f"{shorten(item.summary.title, limit)} · {shorten(item.summary.service, 40)}"


#: Items not sent (and reasons for skipping) the summary names at most: a toast must fit on
#: an 80×24 screen, and each row shows its own result anyway.
SUMMARY_LINES = 4
#: Sent items the summary names one by one when there are no more than this (else a count).
FEW_SENT = 3


@dataclass
class BulkTally:
    """The results of one bulk answer as they come in; `done` once every item has one."""

    label: str
    expected: int
    #: (item, result kind: a respond outcome kind or `skipped`, detail), in arrival order.
    results: list[tuple[StoredNotification, str, str]] = field(default_factory=list)
    #: Whether the summary was shown (once, when the last result came in).
    reported: bool = False

    def add(self, item: StoredNotification, kind: str, detail: str) -> None:
        """One item's result (`kind`: a respond outcome kind, or `skipped`)."""
        self.results.append((item, kind, detail))

    @property
    def done(self) -> bool:
        """Whether every expected item has its result."""
        return len(self.results) >= self.expected

    @property
    def all_sent(self) -> bool:
        """Whether every item was sent."""
        return all(kind == "sent" for _, kind, _ in self.results)

    def _word(self, kind: str) -> str:
        return "skipped" if kind == "skipped" else outcome_words(kind)

    def headline(self) -> str:
        """`“Approve” on 12 items: 9 sent · 1 refused · 1 expired · 1 skipped`."""
        words = Counter(self._word(kind) for _, kind, _ in self.results)
        order = sorted(words, key=lambda word: (word != "sent", word == "skipped"))
        parts = " · ".join(f"{words[word]} {word}" for word in order)
        count = len(self.results)
        return f"“{self.label}” on {count} item{'s' if count != 1 else ''}: {parts}"

    def lines(self, limit: int = SUMMARY_LINES) -> list[str]:
        """What a toast can hold under the headline, however many items: one line per item
        not sent (`refused: Title · service — why`), at most `limit`; the sent ones by name
        only when there are few (the headline counts them and each row shows ✓); then the
        skipped, one line per reason (`4 skipped: no such action`), at most `limit`."""
        failed = [result for result in self.results if result[1] not in ("sent", "skipped")]
        sent = [result for result in self.results if result[1] == "sent"]
        lines = []
        for item, kind, detail in failed[:limit]:
            line = f"{self._word(kind)}: {item_words(item, limit=40)}"
            lines.append(f"{line} — {shorten(detail, 60)}" if detail else line)
        if len(failed) > limit:
            lines.append(f"… and {len(failed) - limit} more not sent (each row says why)")
        if len(sent) <= FEW_SENT:
            lines += [f"sent: {item_words(item, limit=40)}" for item, _, _ in sent]
        reasons: dict[str, list[StoredNotification]] = {}
        for item, kind, detail in self.results:
            if kind == "skipped":
                reasons.setdefault(detail, []).append(item)
        for reason, items in list(reasons.items())[:limit]:
            if len(items) == 1:
                lines.append(f"skipped: {item_words(items[0], limit=40)} — {shorten(reason, 60)}")
            else:
                lines.append(f"{len(items)} skipped: {shorten(reason, 60)}")
        if len(reasons) > limit:
            rest = sum(len(items) for items in list(reasons.values())[limit:])
            lines.append(f"… and {rest} more skipped")
        return lines
