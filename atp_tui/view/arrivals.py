"""Items that appeared in the inbox a moment ago: too recently for an answer key to be meant
for them.

Rows never move under the cursor, but a new item is merged in by its sort place, so it can
appear right below the cursor. Keys typed ahead (`j1`, read in one go over SSH) were typed for
the rows the user saw: `j` now lands on the newcomer, and `1` answered it, though the user
meant the row that had been below. An answer key on an item that appeared less than
`UNSEEN_SECONDS` ago is therefore not applied (`Answering.start`): no one reads a new
notification and answers it that fast, and the rest of the burst it came in is dropped with it
(`KeySequencer.drop_burst`: the text and Enter typed for the dialog it would have opened).

`UNSEEN_SECONDS` covers a reaction to what the screen shows (≈ 0.25 s), a slow link's round
trip, and the gap between the keys of a burst.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: How long after it appeared an item takes no answer key.
UNSEEN_SECONDS = 1.0


class RecentArrivals:
    """When each item appeared in the inbox, for `UNSEEN_SECONDS` (on a monotonic clock)."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        #: Notification id → when it appeared, oldest first (insertion order).
        self._since: dict[str, float] = {}

    def appeared(self, notification_ids: Iterable[str]) -> None:
        """These items were just put in the inbox (new, or back from a snooze)."""
        now = self._monotonic()
        self._forget_older_than(now - UNSEEN_SECONDS)
        for notification_id in notification_ids:
            self._since.pop(notification_id, None)  # re-inserted: now the newest
            self._since[notification_id] = now

    def unseen(self, notification_id: str) -> bool:
        """Whether the item appeared less than `UNSEEN_SECONDS` ago."""
        since = self._since.get(notification_id)
        return since is not None and self._monotonic() - since < UNSEEN_SECONDS

    def _forget_older_than(self, moment: float) -> None:
        """Forget the items that appeared at `moment` or before (seen by now)."""
        while self._since:
            oldest, since = next(iter(self._since.items()))
            if since > moment:
                return
            del self._since[oldest]
