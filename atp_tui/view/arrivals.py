"""Items that appeared in the inbox a moment ago: too recently for an answer key to be meant
for them.

Rows never move under the cursor, but a new item is merged in by its sort place, so it can
appear right below the cursor. Keys typed ahead (`j1`, read in one go over SSH) were typed for
the rows the user saw: `j` now lands on the newcomer, and `1` answered it, though the user
meant the row that had been below. An answer key on an item that appeared less than
`UNSEEN_SECONDS` ago is therefore not applied (`Answering.start`): no one reads a new
notification and answers it that fast, and the rest of the burst it came in is dropped with it
(`KeySequencer.drop_burst`: the text and Enter typed for the dialog it would have opened).

An item the server sent again with other content (`NotificationUpdated`) counts the same
(`changed`): the key was meant for what it said before.

A new row the cursor *passed* counts too (`crossed`): `jj1` from the first row was typed for
the rows the user saw; a newcomer merged in below the cursor made the second `j` land on the
row the first was meant for, and `1` answered an old item no key had aimed at (an independent
check, 5 of 5). So an answer key is not applied when a row that appeared less than
`UNSEEN_SECONDS` ago lies within the span the cursor moved over since it appeared.

The same holds with marks (`atp_tui.screens.bulk`): the space that marks the row under the
cursor, and the answer key of a bulk answer on that row, are refused alike, and a bulk answer
waits while a marked item changed a moment ago (`j1y` with a mark elsewhere, and `j 1y`,
answered a row that had appeared an instant before: an independent check).

`UNSEEN_SECONDS` covers a reaction to what the screen shows (≈ 0.25 s), a slow link's round
trip, and the gap between the keys of a burst.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

#: How long after it appeared an item takes no answer key.
UNSEEN_SECONDS = 1.0


class RecentArrivals:
    """When each item appeared in the inbox, for `UNSEEN_SECONDS` (on a monotonic clock)."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        #: Notification id → when it appeared, oldest first (insertion order).
        self._since: dict[str, float] = {}
        #: Those of them that came under the cursor rather than into the list.
        self._under_cursor: set[str] = set()
        #: Those of them that were in the list and changed (the server sent them again).
        self._changed: set[str] = set()
        #: Where the cursor was and when it got there, oldest first: the last place before
        #: the window of `UNSEEN_SECONDS` and every one since.
        self._positions: deque[tuple[float, str | None]] = deque()

    def appeared(self, notification_ids: Iterable[str]) -> None:
        """These items were just put in the inbox (new, or back from a snooze)."""
        now = self._monotonic()
        self._forget_older_than(now - UNSEEN_SECONDS)
        for notification_id in notification_ids:
            self._since.pop(notification_id, None)  # re-inserted: now the newest
            self._since[notification_id] = now
            self._under_cursor.discard(notification_id)
            self._changed.discard(notification_id)

    def changed(self, notification_ids: Iterable[str]) -> None:
        """These items changed in place (a new title, deadline or actions): an answer key
        typed ahead was meant for them as they were."""
        for notification_id in notification_ids:
            self.appeared([notification_id])
            self._changed.add(notification_id)

    def came_under(self, notification_id: str) -> None:
        """The rows moved this item under the cursor (the one there was snoozed or is gone;
        not a filter or sort the user typed): keys typed ahead were meant for the one before.
        `z11` snoozed a row with `z1`, and the second `1` answered the row that slid under
        the cursor."""
        if self.unseen(notification_id):
            return  # it appeared a moment ago (the first row of an empty inbox): that says it
        self.appeared([notification_id])
        self._under_cursor.add(notification_id)

    def cursor_at(self, notification_id: str | None) -> None:
        """The cursor is on this item now (moved by a key, or by the rows)."""
        now = self._monotonic()
        positions = self._positions
        positions.append((now, notification_id))
        while len(positions) > 1 and positions[1][0] <= now - UNSEEN_SECONDS:
            positions.popleft()

    def crossed(self, target: str, row_of: Callable[[str], int | None]) -> str | None:
        """A new row, too recent to have been seen, that the cursor moved over (or onto) on
        its way to `target` since it appeared: the keys were counted for the rows before it.
        `row_of` gives an item's row now."""
        now = self._monotonic()
        for notification_id, since in self._since.items():
            if now - since >= UNSEEN_SECONDS or notification_id == target:
                continue
            if notification_id in self._changed or notification_id in self._under_cursor:
                continue  # not a new row: nothing moved
            row = row_of(notification_id)
            visited = self._visited_since(since)
            if row is None or not visited:
                continue
            rows = [r for r in map(row_of, [*visited, target]) if r is not None]
            if rows and min(rows) <= row <= max(rows):
                return notification_id
        return None

    def _visited_since(self, moment: float) -> list[str]:
        """Where the cursor was at `moment` and everywhere it went since; empty when it has
        not moved since."""
        before: str | None = None
        after: list[str] = []
        for when, notification_id in self._positions:
            if when <= moment:
                before = notification_id
            elif notification_id is not None:
                after.append(notification_id)
        if not after:
            return []
        return [before, *after] if before is not None else after

    def unseen(self, notification_id: str) -> bool:
        """Whether the item appeared (or came under the cursor) less than `UNSEEN_SECONDS`
        ago."""
        since = self._since.get(notification_id)
        return since is not None and self._monotonic() - since < UNSEEN_SECONDS

    def how(self, notification_id: str) -> str:
        """How it came to be where the answer key found it: `just appeared`, `just came
        under the cursor`, or `just changed`."""
        if notification_id in self._under_cursor:
            return "just came under the cursor"
        return "just changed" if notification_id in self._changed else "just appeared"

    def _forget_older_than(self, moment: float) -> None:
        """Forget the items that appeared at `moment` or before (seen by now)."""
        while self._since:
            oldest, since = next(iter(self._since.items()))
            if since > moment:
                return
            del self._since[oldest]
            self._under_cursor.discard(oldest)
            self._changed.discard(oldest)
