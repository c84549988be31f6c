"""The main screen's snooze flow: the menu (`z`), the snoozed list (`Z`), items coming back.

Snoozed items are held out of the inbox list by a `SnoozeBoard` (`atp_tui.view.snooze_board`):
every item the inbox takes passes through `admit` first. The screen's clock tick calls `tick`,
which brings back the items whose time has come: into the inbox again, with a toast and a
desktop notification through the terminal (whatever `notify_on` says: you asked for it). The
store keeps the snoozes (`Store.snooze`), so a restart keeps them; one that cannot be saved is
kept for this session and the toast says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from atp_tui.protocol.text import sanitize
from atp_tui.store import StateWriteError, StoredNotification
from atp_tui.view.snooze import back_at, choice_for, choice_words, snooze_choices, too_close
from atp_tui.view.snooze_board import SnoozeBoard
from atp_tui.view.status import is_closed, nothing_to_answer
from atp_tui.view.terminal_notify import Arrival

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen
    from atp_tui.screens.snoozed import SnoozedScreen

log = logging.getLogger(__name__)


class Snoozing:
    """The snooze flow of the main screen (kept apart to keep the screen small)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: Empty until `start` reads the store's snoozes (the app is not there before mount).
        self.board = SnoozeBoard({})
        #: The snoozed list while it is open (told when items come back).
        self._listing: SnoozedScreen | None = None

    @property
    def count(self) -> int:
        """How many items are snoozed (the status bar's `N snoozed`)."""
        return self.board.count

    def set_warning(self, seconds: float) -> None:
        """The deadline warning in force (a snooze ends by it)."""
        self.board.warning_seconds = seconds

    def start(self, cached: Iterable[StoredNotification]) -> list[StoredNotification]:
        """Read the stored snoozes and hold back the cached items they snooze (at mount);
        returns the rest. Snoozes whose time came while atp-tui was closed come back at the
        first tick, with their notice."""
        self.board = SnoozeBoard(self.screen.atp.store.snoozes(), self.board.warning_seconds)
        shown = self.admit(cached)
        self._forget(self.board.unclaimed())  # their items closed or are gone
        return shown

    def seconds_to_wake(self, now: datetime) -> float | None:
        """Seconds until the next snoozed item comes back (`None`: none is snoozed)."""
        moment = self.board.next_wake()
        return None if moment is None else (moment - now).total_seconds()

    def admit(self, items: Iterable[StoredNotification]) -> list[StoredNotification]:
        """The items the inbox should show; snoozed open ones are held back, and a snoozed one
        that closed is shown as closed, its snooze forgotten."""
        shown, ended = self.board.admit(items, self.screen.now())
        self._forget(ended)
        if ended and self._listing is not None:
            # The open list drops them too: it went on promising a withdrawn or answered
            # item "back at 16:36" (found by an independent QA pass).
            self._listing.show(self.board.held(), self.screen.now())
        return shown

    def _forget(self, ids: list[str]) -> None:
        if not ids:
            return
        try:
            self.screen.atp.store.unsnooze(ids)
        except StateWriteError as error:
            # Harmless: a snooze whose item is back is ignored by every reader of it.
            log.warning("snoozes not forgotten in the state dir: %s", error)

    # -- snoozing -------------------------------------------------------------------------

    def open_menu(self, notification_id: str | None) -> None:
        """The snooze menu for the selected item, or a line saying why it cannot be snoozed."""
        screen = self.screen
        item = screen.inbox.get(notification_id) if notification_id else None
        # A refusal drops what was typed with `z` (`Answering.refuse`): `z1` typed ahead
        # for the menu answered the row with its `1` when the menu did not open.
        if item is None:
            screen.answering.refuse("Nothing is selected.")
            return
        now, warning = screen.now(), self.board.warning_seconds
        if is_closed(item, now):
            why = nothing_to_answer(item, now).replace("nothing to answer", "nothing to snooze")
            screen.answering.refuse(sanitize(why, limit=300) + ".")
            return
        choices = snooze_choices(item.summary.deadline, now, warning)
        if not choices:
            screen.answering.refuse(too_close(item.summary.deadline, now, warning))
            return
        from atp_tui.screens.snooze_menu import SnoozeMenu

        def chosen(key: str | None) -> None:
            if key is not None:
                self.snooze(item.summary.id, key)

        screen.app.push_screen(SnoozeMenu(item.summary.title, choices, now), chosen)

    def snooze(self, notification_id: str, key: str) -> None:
        """Snooze an item for the menu's choice `key`, timed from now (the menu may have been
        open a while: the item may have closed, or its deadline come too close)."""
        screen = self.screen
        item = screen.inbox.get(notification_id)
        now, warning = screen.now(), self.board.warning_seconds
        if item is None or is_closed(item, now):
            screen.notify("Not snoozed: the item closed meanwhile.", markup=False)
            return
        choice = choice_for(key, item.summary.deadline, now, warning)
        if choice is None:
            why = too_close(item.summary.deadline, now, warning) or (
                f"Not snoozed: {choice_words(key)} would end too close to its deadline now "
                "(z offers what fits)."
            )
            screen.notify(why, markup=False)
            return
        saved = ""
        try:
            screen.atp.store.snooze(notification_id, choice.until)
        except StateWriteError as error:
            saved = f" (not saved, a restart shows it again: {error})"
        self.board.snooze(item, choice.until)
        screen.hide_items({notification_id})
        title = sanitize(item.summary.title, limit=60)
        screen.notify(
            f"Snoozed “{title}”, {back_at(choice.until, now)}. Z lists snoozed items.{saved}",
            severity="warning" if saved else "information",
            markup=False,
        )
        screen.tick()

    # -- coming back -----------------------------------------------------------------------

    def tick(self) -> None:
        """Bring back the items whose time has come (the screen's clock tick, which redraws
        after it)."""
        due = self.board.due(self.screen.now())
        if not due:
            return
        self._back(due, woken=False)
        if self._listing is not None:
            self._listing.show(self.board.held(), self.screen.now())

    def wake(self, notification_id: str) -> None:
        """End a snooze now (the snoozed list's choice) and select the item."""
        item = self.board.wake(notification_id)
        if item is not None:
            self._back([item], woken=True)
        self.screen.inbox.select(notification_id)  # (it may have come back meanwhile)
        self.screen.tick()

    def _back(self, items: list[StoredNotification], *, woken: bool) -> None:
        """Show these items again, forget their snoozes, and say so (a desktop notification
        too when their time came, not for one you woke)."""
        screen = self.screen
        now = screen.now()
        self._forget([item.summary.id for item in items])
        current = [screen.atp.store.get(item.summary.id) or item for item in items]
        screen.show_items(current)
        back = [item for item in current if not is_closed(item, now)]
        if not back:
            return
        first = sanitize(back[0].summary.title, limit=60)
        more = f" and {len(back) - 1} more" if len(back) > 1 else ""
        screen.notify(f"Back from snooze: “{first}”{more}", markup=False, timeout=10)
        if not woken:
            arrivals = [
                Arrival(item.summary.service, f"back: {item.summary.title}", None,
                        item.summary.deadline)
                for item in back
            ]  # fmt: skip
            screen.atp.desktop.arrived(arrivals, now, every=True)
            screen.schedule_desktop_flush()

    # -- the list ----------------------------------------------------------------------------

    def show_list(self) -> None:
        """The snoozed items, soonest back first; the one chosen there is woken now."""
        from atp_tui.screens.snoozed import SnoozedScreen

        listing = SnoozedScreen(self.board.held(), self.screen.now())
        self._listing = listing

        def closed(notification_id: str | None) -> None:
            if self._listing is listing:
                self._listing = None
            if notification_id is not None:
                self.wake(notification_id)

        self.screen.app.push_screen(listing, closed)
