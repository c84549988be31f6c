"""Catch-up after a gap: track when the stream was away and what changed meanwhile (no Textual).

A gap starts when the app opens on a cached inbox (since the newest cached item) or when a
connected stream drops. When the stream connects again, the engine replays what was missed:
`CatchUp` notes what those events say until the replay goes quiet, then `finish` turns that, plus
the deadlines that passed on the client clock during the gap, into an `AwaySummary`.

Only ids, titles and states are kept, never an event: a replayed event holds its parsed model
and its raw JSON (≈ 8 MB per 1,000), and a 10,000-event replay kept them all until it went
quiet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from atp_tui.client.events import ConnectionChanged, NotificationReceived, StatusChanged
from atp_tui.store import StoredNotification
from atp_tui.view.items import AnswerState
from atp_tui.view.status import effective_status

#: Seconds without catch-up events after which the replay counts as done.
CATCHUP_QUIET = 1.0
#: Server states after which a deadline passing means nothing.
_FINAL = frozenset({"responded", "completed", "expired", "invalidated"})
#: Status changes the summary lists.
_SUMMARISED = frozenset({"expired", "invalidated", "responded"})


@dataclass(frozen=True, slots=True)
class AwayEntry:
    """One notification in the summary (the title is the agent's raw text: sanitise it)."""

    notification_id: str
    title: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AwaySummary:
    """What arrived, expired, was invalidated or answered elsewhere during one gap."""

    since: datetime | None
    until: datetime
    arrived: tuple[AwayEntry, ...] = ()
    expired: tuple[AwayEntry, ...] = ()
    invalidated: tuple[AwayEntry, ...] = ()
    answered_elsewhere: tuple[AwayEntry, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing happened."""
        return not (self.arrived or self.expired or self.invalidated or self.answered_elsewhere)

    def headline(self) -> str:
        """`3 arrived · 1 expired · …` (only the non-zero parts)."""
        parts = [
            (len(self.arrived), "arrived"),
            (len(self.expired), "expired"),
            (len(self.invalidated), "invalidated"),
            (len(self.answered_elsewhere), "answered elsewhere"),
        ]
        return " · ".join(f"{count} {words}" for count, words in parts if count) or "no changes"


@dataclass
class CatchUp:
    """The gap state machine; the main screen feeds it every engine event in order."""

    since: datetime | None = None
    """When the current gap began (None: no gap, or unknown)."""
    in_gap: bool = False
    collecting: bool = False
    """True from a reconnect until the replay goes quiet."""
    was_connected: bool = False
    _arrived: dict[str, AwayEntry] = field(default_factory=dict)
    """What arrived, by id, in the order first seen."""
    _changes: dict[tuple[str, str], str] = field(default_factory=dict)
    """`(status, id)` → the latest reason, in the order first seen (answers are looked up at
    `finish`: one sent meanwhile is not "answered elsewhere")."""
    _replayed: bool = False
    """Whether any event came since the collection started (a drop then keeps the gap's
    start)."""

    def start_gap(self, since: datetime | None) -> None:
        """A gap begins (the app opened on a cached inbox, or the stream dropped)."""
        if not self.in_gap:
            self.in_gap = True
            self.since = since

    def feed(self, event: object, now: datetime) -> bool:
        """Take one engine event; True when a catch-up collection has just started."""
        if isinstance(event, ConnectionChanged):
            if event.state.kind == "connected":
                self.was_connected = True
                if self.in_gap:
                    self.in_gap = False
                    self.collecting = True
                    return True
            elif self.was_connected and not self.in_gap:
                # Dropped: events collected so far stay and merge into this gap's summary.
                self.collecting = False
                self.start_gap(self.since if self._replayed else now)
            return False
        if not self.collecting:
            return False
        self._replayed = True
        if isinstance(event, NotificationReceived):
            notification = event.notification
            self._arrived[notification.id] = AwayEntry(
                notification.id, notification.title, notification.service.name
            )
        elif isinstance(event, StatusChanged) and event.status in _SUMMARISED:
            self._changes[(event.status, event.notification_id)] = event.reason or ""
        return False

    def finish(
        self,
        lookup: Callable[[str], StoredNotification | None],
        items: Iterable[StoredNotification],
        answers: dict[str, AnswerState],
        now: datetime,
    ) -> AwaySummary:
        """End the collection and summarise it (deadlines passed during the gap included)."""
        arrived, self._arrived = self._arrived, {}
        changes, self._changes = self._changes, {}
        self._replayed = False
        self.collecting = False
        since, self.since = self.since, None
        found: dict[str, dict[str, AwayEntry]] = {
            "arrived": arrived,
            "expired": {},
            "invalidated": {},
            "answered_elsewhere": {},
        }

        def entry(notification_id: str, detail: str = "") -> AwayEntry:
            item = lookup(notification_id)
            title = item.summary.title if item else notification_id
            return AwayEntry(notification_id, title, detail)

        for (change, nid), reason in changes.items():
            answer = answers.get(nid)
            if change in ("expired", "invalidated"):
                found[change][nid] = entry(nid, reason)
            elif answer is None or answer.kind != "sent":  # "responded"
                found["answered_elsewhere"][nid] = entry(nid, reason)
        if since is not None:
            # The deadline first: the whole inbox is walked (60,000 items) on the UI loop,
            # and the state and answer looked up for every one of them took ≈ 30 ms.
            for item in items:
                deadline = item.summary.deadline
                if deadline is None or not since < deadline <= now:
                    continue
                answer = answers.get(item.summary.id)
                if effective_status(item) not in _FINAL and (
                    answer is None or not answer.blocks_answering
                ):
                    nid = item.summary.id
                    found["expired"].setdefault(nid, entry(nid, "the deadline passed"))
        return AwaySummary(
            since,
            now,
            tuple(found["arrived"].values()),
            tuple(found["expired"].values()),
            tuple(found["invalidated"].values()),
            tuple(found["answered_elsewhere"].values()),
        )
