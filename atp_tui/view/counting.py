"""The status bar's counts (open, expiring, unread open, total), kept without recounting the inbox.

Recounting 50,000 notifications costs ≈ 150 ms, and the counts are needed every second (the
clock tick), on every filter keystroke and whenever an item is read. They change for two
reasons only: an item changes (a batch, an answer, read), which `change` applies as the
difference between its old and new tally; or time passes, and an open item with a deadline
becomes "expiring" once the deadline is within the warning and stops being open at the
deadline. Those moments are known when the item is counted, so they wait in a heap and
`advance` re-tallies only the items whose moment has come. A clock that goes back, or jumps far
ahead (a laptop waking up), gets a full recount: it is always correct, just slower.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from atp_tui.store import StoredNotification
from atp_tui.view.items import is_urgent, item_actionable

#: A clock step longer than this (seconds) is recounted in full rather than replayed.
FULL_RECOUNT_AFTER = 300.0
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Counts:
    """The inbox totals shown on the right of the bar."""

    open: int = 0
    expiring: int = 0
    unread: int = 0
    total: int = 0


def tally(item: StoredNotification, now: datetime, warning: float) -> tuple[int, int, int]:
    """What one item adds to the counts at `now`: (open, expiring, unread).

    Only open items count as unread: a closed one needs nothing from the user, read or not
    (its tally changes at its deadline, which is already one of its moments)."""
    if not item_actionable(item, now):
        return 0, 0, 0
    unread = 0 if item.read else 1
    return 1, int(is_urgent(item.summary.deadline, now, warning)), unread


class InboxCounter:
    """The counts as of the last `recount`/`advance` time, updated incrementally."""

    def __init__(self, warning_seconds: float) -> None:
        self._warning = warning_seconds
        self._as_of: datetime | None = None  # None: never counted (or invalidated)
        self._counts = [0, 0, 0, 0]
        #: (moment, notification id): when that item's tally may change by time alone.
        self._moments: list[tuple[datetime, str]] = []

    @property
    def counts(self) -> Counts:
        """The counts as last computed."""
        return Counts(*self._counts)

    def next_moment(self) -> datetime | None:
        """The soonest moment a count may change by time alone (`None`: none is due)."""
        return self._moments[0][0] if self._moments else None

    def set_warning(self, seconds: float) -> None:
        """A new "expiring" threshold: the next `advance` recounts everything."""
        if seconds != self._warning:
            self._warning = seconds
            self._as_of = None

    def recount(self, items: Iterable[StoredNotification], now: datetime) -> Counts:
        """Count every item at `now` (and schedule their moments)."""
        counts = [0, 0, 0, 0]
        self._moments = []
        for item in items:
            opened, expiring, unread = tally(item, now, self._warning)
            counts[0] += opened
            counts[1] += expiring
            counts[2] += unread
            counts[3] += 1
            moment = self._next_moment(item, now)
            if moment is not None:
                self._moments.append((moment, item.summary.id))
        heapq.heapify(self._moments)
        self._counts = counts
        self._as_of = now
        return self.counts

    def change(self, old: StoredNotification | None, new: StoredNotification) -> None:
        """Apply an item that is added (`old` is `None`) or replaced, before the inbox shows it."""
        if self._as_of is None:
            return  # the next advance recounts anyway
        now = self._as_of
        before = (0, 0, 0, 0) if old is None else (*tally(old, now, self._warning), 1)
        self._add_difference(before, (*tally(new, now, self._warning), 1))
        self._push_next_moment(new, now)

    def remove(self, old: StoredNotification) -> None:
        """Apply an item leaving the inbox (snoozed). A moment of it still waiting in the
        heap is skipped by `advance` while the inbox does not hold it, and harmless after."""
        if self._as_of is not None:
            self._add_difference((*tally(old, self._as_of, self._warning), 1), (0, 0, 0, 0))

    def advance(
        self,
        now: datetime,
        items: Callable[[], Iterable[StoredNotification]],
        lookup: Callable[[str], StoredNotification | None],
    ) -> Counts:
        """The counts at `now`: only the items whose moment has come are tallied again."""
        last = self._as_of
        if last is None or now < last or (now - last).total_seconds() > FULL_RECOUNT_AFTER:
            return self.recount(items(), now)
        due: set[str] = set()
        moments = self._moments
        while moments and moments[0][0] <= now:
            due.add(heapq.heappop(moments)[1])
        for notification_id in due:
            item = lookup(notification_id)
            if item is None:
                continue
            self._add_difference(
                (*tally(item, last, self._warning), 1), (*tally(item, now, self._warning), 1)
            )
            self._push_next_moment(item, now)
        self._as_of = now
        return self.counts

    def _add_difference(self, before: tuple[int, ...], after: tuple[int, ...]) -> None:
        """Counts += after − before (two tallies of one item, with 1 for "it is there")."""
        self._counts = [n + a - b for n, a, b in zip(self._counts, after, before, strict=True)]

    def _push_next_moment(self, item: StoredNotification, now: datetime) -> None:
        moment = self._next_moment(item, now)
        if moment is not None:
            heapq.heappush(self._moments, (moment, item.summary.id))

    def _next_moment(self, item: StoredNotification, now: datetime) -> datetime | None:
        """When this item's tally can next change by time alone (the start of the warning,
        else the deadline): one moment at a time, the next is scheduled when it comes."""
        deadline = item.summary.deadline
        if deadline is None or not item_actionable(item, now):
            return None
        if self._warning > 0:
            warned = urgent_from(deadline, self._warning)
            if warned > now:
                return warned
        return deadline if deadline > now else None


def urgent_from(deadline: datetime, warning: float) -> datetime:
    """The first instant at which `is_urgent` holds for this deadline.

    Exact to the microsecond in `is_urgent`'s own arithmetic (float seconds): a moment taken
    even a microsecond early would be spent before the item's tally changed, and missed.
    """
    moment = deadline - timedelta(seconds=warning)
    while (deadline - moment).total_seconds() > warning:
        moment += _MICROSECOND
    while (deadline - (moment - _MICROSECOND)).total_seconds() <= warning:
        moment -= _MICROSECOND
    return moment
