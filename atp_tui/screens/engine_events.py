"""Engine events onto the main screen: one frame's batch at a time, one redraw per batch.

`EventIntake.apply` sorts a batch into what it changed (notifications received or moved on,
the connection, server errors, skipped events, engine notices), feeds the catch-up summary
(a replay that goes quiet for `CATCHUP_QUIET` becomes a "while you were away" summary), rings
the bell once per burst (`BELL_QUIET`) and hands new open items to the desktop notifier; the
screen then shows the changed items and redraws once. It owns what only event intake needs:
the catch-up summary and its timer, the last summary (`w` shows it again), and the bell,
skipped-event and desktop-notification bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.timer import Timer

from atp_tui.client.events import (
    ConnectionChanged,
    EngineNotice,
    EventSkipped,
    NotificationReceived,
    NotificationUpdated,
    ServerErrorReceived,
    StatusChanged,
)
from atp_tui.screens import notices
from atp_tui.screens.unsettled import recheck_unknown_answers
from atp_tui.settings import bell_rings
from atp_tui.store import StoredNotification
from atp_tui.view.catchup import CATCHUP_QUIET, AwaySummary, CatchUp
from atp_tui.view.status import is_closed
from atp_tui.view.terminal_notify import Arrival

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen

#: Seconds after a bell in which new notifications ring no other: a burst arrives in several
#: batches (ten a second), and rang once for each (3–5 bells for one startup replay).
BELL_QUIET = 2.0


class EventIntake:
    """Applies engine events to the main screen (see the module docstring)."""

    def __init__(self, screen: MainScreen) -> None:
        self._screen = screen
        #: Collects a replay after a (re)connect, for the "while you were away" summary.
        self.catchup = CatchUp()
        self._catchup_timer: Timer | None = None
        #: The last "while you were away" summary (`w` shows it again).
        self.away: AwaySummary | None = None
        #: Events the engine reported as skipped (malformed), bells rung: tests read them.
        self.skipped_events = 0
        self.bells = 0
        self._bell_at: float | None = None  # monotonic: when the bell last rang
        self._desktop_timer: Timer | None = None

    def apply(self, batch: Iterable[object]) -> None:
        """Apply one frame's worth of engine events with one redraw."""
        screen = self._screen
        changed: dict[str, StoredNotification] = {}
        ring = False
        arrivals: list[Arrival] = []  # new and open: for a desktop notification
        updated: list[str] = []  # known ones the server sent again, changed
        atp = screen.atp
        store = atp.store
        now = screen.now()  # one moment for the whole batch (and one clock read, not four)
        for event in batch:
            if self.catchup.feed(event, now):
                if self._catchup_timer is not None:  # reconnected again mid-replay
                    self._catchup_timer.stop()
                self._catchup_timer = screen.set_timer(
                    CATCHUP_QUIET, self._finish_catchup, name="catch-up"
                )
            if isinstance(event, NotificationReceived):
                notification = event.notification
                received = store.get(notification.id) or StoredNotification.holding(
                    notification, notification.status, None, now, event.event_id, False
                )
                changed[notification.id] = received
                ring = ring or bell_rings(atp.settings.bell, notification.context.metadata)
                if not is_closed(received, now):
                    arrivals.append(Arrival.of(notification))
                screen.last_event = now
            elif isinstance(event, StatusChanged | NotificationUpdated):
                item = store.get(event.notification_id)
                if item is not None:
                    changed[event.notification_id] = item
                if isinstance(event, NotificationUpdated):
                    updated.append(event.notification_id)
                screen.last_event = now
            elif isinstance(event, ConnectionChanged):
                screen.connection = event.state
                screen.connection_since = atp.clock.monotonic()
                if event.state.kind == "connected" and screen.stale_since is not None:
                    screen.stale_since = None
                    screen.show_stale()
                if event.state.kind == "connected":
                    recheck_unknown_answers(screen)  # the server can say now
            elif isinstance(event, ServerErrorReceived):
                screen.last_event = now
                notices.server_error(screen, event.error)
            elif isinstance(event, EventSkipped):
                self.skipped_events += 1
            elif isinstance(event, EngineNotice):
                notices.engine_notice(screen, event)
        inbox = screen.inbox
        if changed:
            screen.items_changed(changed)
        if updated:
            # An answer key typed ahead was meant for what the screen showed before.
            screen.arrivals.changed(updated)
            screen.answering.content_changed(updated)
            if screen.detail.notification_id in updated:
                screen.detail.content_changed()
        if self.catchup.collecting and self._catchup_timer is not None:
            self._catchup_timer.reset()  # the replay is still arriving
        wanted = ring and screen.atp.bell_on_new
        if wanted and self._bell_due():
            self.bells += 1
            screen.app.bell()
        if arrivals:  # a bell that rang a moment ago counts: the notifier's bell rings no more
            screen.atp.desktop.arrived(arrivals, screen.now(), bell_rang=wanted)
            self.schedule_desktop_flush()
        # The detail pane only when its item changed: even a cheap update costs a repaint,
        # and the clock tick refreshes its times every second anyway.
        selected = inbox.cursor_id
        screen.redraw(detail=selected in changed or selected != screen.detail.notification_id)

    def _bell_due(self) -> bool:
        """Whether the bell may ring now (not within `BELL_QUIET` of the last); notes it."""
        now = self._screen.atp.clock.monotonic()
        if self._bell_at is not None and now - self._bell_at < BELL_QUIET:
            return False
        self._bell_at = now
        return True

    def schedule_desktop_flush(self) -> None:
        """Show the "N more" summary of folded desktop notifications when it is due."""
        screen = self._screen
        delay = screen.atp.desktop.flush()
        if delay is not None and self._desktop_timer is None:

            def flush() -> None:
                self._desktop_timer = None
                self.schedule_desktop_flush()

            self._desktop_timer = screen.set_timer(delay, flush, name="desktop notifications")

    def _finish_catchup(self) -> None:
        """The replay went quiet: summarise the gap and show it (if anything happened)."""
        self._catchup_timer = None
        if not self.catchup.collecting:
            return
        screen = self._screen
        summary = self.catchup.finish(
            screen.atp.store.get, screen.inbox.items(), screen.answers, screen.now()
        )
        if summary.empty:
            return
        self.away = summary
        notices.away(screen, summary)
