"""The snoozed items the inbox does not show, and when each comes back (no Textual).

The TUI keeps snoozed items out of its inbox list (so they are not drawn, not counted as open
and not answered by a stray key) and here instead: `admit` sorts every item the inbox is about
to take (at start, in each batch of events) into "show" and "hold back", `due` hands back the
ones whose time has come (the screen's clock tick asks), `wake` one the user wants back early.
An item that closes while snoozed (answered elsewhere, withdrawn, expired) is let through by
`admit` as the closed item it now is, and its snooze is dropped. The time rule is
`atp_tui.view.snooze.wake_at`; the store persists the snoozes (`Store.snooze`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from atp_tui.protocol.lifecycle import WARNING_SECONDS
from atp_tui.store import StoredNotification
from atp_tui.view.snooze import wake_at
from atp_tui.view.status import is_closed


class SnoozeBoard:
    """Snoozes (id -> until) and the open items they hold back from the inbox."""

    def __init__(
        self, snoozes: Mapping[str, datetime], warning_seconds: float = WARNING_SECONDS
    ) -> None:
        """`snoozes` are the stored ones (`Store.snoozes`); an id the inbox never offers
        (`admit`) holds nothing back."""
        self._until: dict[str, datetime] = dict(snoozes)
        self._held: dict[str, StoredNotification] = {}
        self.warning_seconds = warning_seconds

    @property
    def count(self) -> int:
        """How many items are held back (what the status bar shows as `N snoozed`)."""
        return len(self._held)

    def is_held(self, notification_id: str) -> bool:
        """Whether this item is snoozed and out of the inbox."""
        return notification_id in self._held

    def wake_time(self, notification_id: str) -> datetime | None:
        """When a held item comes back (`None`: not held)."""
        item = self._held.get(notification_id)
        if item is None:
            return None
        return wake_at(self._until[notification_id], item.summary.deadline, self.warning_seconds)

    def held(self) -> list[tuple[StoredNotification, datetime]]:
        """The held items with their wake times, soonest back first."""
        rows = [(item, self.wake_time(key)) for key, item in self._held.items()]
        return sorted(
            ((item, when) for item, when in rows if when is not None),
            key=lambda row: (row[1], row[0].summary.id),
        )

    def next_wake(self) -> datetime | None:
        """The soonest moment a held item comes back (`None`: nothing is held)."""
        times = [self.wake_time(key) for key in self._held]
        return min((when for when in times if when is not None), default=None)

    def unclaimed(self) -> list[str]:
        """Snoozed ids holding nothing back: their items are not known here, or were let
        through (call after the whole inbox went through `admit`, to tidy the store)."""
        return [key for key in self._until if key not in self._held]

    def admit(
        self, items: Iterable[StoredNotification], now: datetime
    ) -> tuple[list[StoredNotification], list[str]]:
        """Split items the inbox is about to take: those to show, and the ids whose snooze
        ended here because the item is closed (the caller forgets them in the store). A
        snoozed open item is held back (its newer state kept), even when its time has come:
        `due` brings it back, with the notice that goes with that."""
        shown: list[StoredNotification] = []
        ended: list[str] = []
        for item in items:
            key = item.summary.id
            if key not in self._until:
                shown.append(item)
            elif is_closed(item, now):
                del self._until[key]
                self._held.pop(key, None)
                ended.append(key)
                shown.append(item)
            else:
                self._held[key] = item
        return shown, ended

    def snooze(self, item: StoredNotification, until: datetime) -> None:
        """Hold `item` back until `until` (the caller took it out of the inbox)."""
        self._until[item.summary.id] = until
        self._held[item.summary.id] = item

    def wake(self, notification_id: str) -> StoredNotification | None:
        """End a snooze early: the held item to show again (`None`: it was not held)."""
        self._until.pop(notification_id, None)
        return self._held.pop(notification_id, None)

    def due(self, now: datetime) -> list[StoredNotification]:
        """The held items whose time has come at `now`, released (soonest first)."""
        woken = [item for item, when in self.held() if when <= now]
        for item in woken:
            self.wake(item.summary.id)
        return woken
