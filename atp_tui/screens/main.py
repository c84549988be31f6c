"""The main screen, and the app's controller: status bar, inbox, detail pane, footer.

It receives engine events in batches from the app (`apply_events`, applied by
`screens/engine_events.py`), keeps the widgets current, runs the one-second clock tick
(countdowns, deadline expiry, counts) and the unread timer, and turns keys into answers
(`atp_tui.screens.answering`). Every action is bound to the notification id under the cursor
when the key was pressed, never to a row index.

The keys are the `BINDINGS` below, each with a stable id (`main.sort`, …) that the keymap,
the help screen and the command palette use, in the user's words in `screens/keys.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from atp_tui.client.events import (
    ConnectionState,
)
from atp_tui.protocol.text import sanitize
from atp_tui.screens import dialogs, notices
from atp_tui.screens.answering import Answering
from atp_tui.screens.bulk import BulkAnswers
from atp_tui.screens.clock import next_wake_in
from atp_tui.screens.engine_events import EventIntake
from atp_tui.screens.filtering import TYPED_ACTIONS, Filtering
from atp_tui.screens.quiet_focus import QuietFocus
from atp_tui.screens.snoozing import Snoozing
from atp_tui.screens.unsettled import check_unsettled_answers
from atp_tui.store import StoredNotification
from atp_tui.view.arrivals import RecentArrivals
from atp_tui.view.counting import Counts, InboxCounter
from atp_tui.view.items import AnswerState, answers_from_log
from atp_tui.view.status import is_closed, nothing_to_answer
from atp_tui.widgets.detail import ActionList, DetailPane
from atp_tui.widgets.inbox import InboxList
from atp_tui.widgets.inbox_header import InboxHeader, InboxLegend
from atp_tui.widgets.key_footer import KeyFooter
from atp_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from atp_tui.app import AtpApp
    from atp_tui.screens.help import HelpRow

#: Seconds a notification must stay selected before it counts as read.
READ_DELAY = 1.0


class MainScreen(QuietFocus, Screen[None]):
    """The inbox screen (see the module docstring for keys)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_actions", "Actions", id="main.actions"),
        # Not priority bindings: keys are applied in the order typed (`screens.key_order`),
        # so a digit acts on the row every earlier key selected, and in the filter is text.
        Binding("1", "answer(1)", "Answer", key_display="1-9", id="main.answer-1"),
        *[
            Binding(str(n), f"answer({n})", f"Answer {n}", show=False, id=f"main.answer-{n}")
            for n in range(2, 10)
        ],
        Binding("space", "mark", "Mark", show=False, id="main.mark"),
        Binding("asterisk", "mark_all", "Mark all", show=False, id="main.mark-all"),
        Binding("u", "unmark_all", "Unmark all", show=False, id="main.unmark-all"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("escape", "back", "Back", show=False, id="main.back"),
        Binding("s", "toggle_sort", "Sort", id="main.sort"),
        Binding(
            "c",
            "toggle_closed",
            "Closed",
            id="main.closed",
            tooltip="Hide or show answered, expired and withdrawn items",
        ),
        Binding("z", "snooze", "Snooze", show=False, id="main.snooze"),
        Binding("Z", "snoozed", "Snoozed", show=False, id="main.snoozed"),
        Binding("r", "reconnect", "Reconnect", show=False, id="main.reconnect"),
        Binding("w", "away", "While you were away", show=False, id="main.away"),
        Binding("H", "history", "History", show=False, id="main.history"),
        Binding("comma", "settings", "Settings", show=False, id="main.settings"),
        Binding("question_mark", "help", "Help", id="main.help"),
        Binding("q", "quit", "Quit", id="main.quit"),
    ]

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [  # type: ignore[misc]
        (0, "-narrow"),
        (110, "-wide"),
    ]

    def __init__(self, cached: list[StoredNotification] | None = None) -> None:
        """`cached` is the inbox the store held before the engine started (may be empty)."""
        super().__init__()
        self.answers: dict[str, AnswerState] = {}
        self.connection = ConnectionState("connecting")
        self.connection_since = 0.0
        self.last_event: datetime | None = None
        self._selected_since: float | None = None
        self.answering = Answering(self)
        self.bulk = BulkAnswers(self)  # marks, and answering every marked item at once
        self.snoozing = Snoozing(self)
        self.filtering = Filtering(self)
        #: Items that appeared a moment ago: no answer key is meant for them yet.
        self.arrivals = RecentArrivals(lambda: self.atp.clock.monotonic())
        #: When the cached inbox shown at start was cached; None once the stream connected.
        self.stale_since: datetime | None = None
        #: Applies engine events; owns the catch-up summary, the bell and desktop counts.
        self.intake = EventIntake(self)
        #: What the inbox shows first: the store as it was before the engine started, not as
        #: it is at mount time (the engine may have stored a replay by then; those events
        #: arrive as batches, which keeps the first cursor position independent of timing).
        self._initial = cached
        if cached:
            # Opened on the cached inbox: stale until the stream connects, and a gap to
            # summarise then (since the newest cached item: the best the store knows). Set
            # here, not on mount: the first batch of events may arrive before the mount.
            self.stale_since = max(item.received_at for item in cached)
            self.intake.catchup.start_gap(self.stale_since)
            # The last event received, also after a restart whose replay brings nothing new.
            self.last_event = self.stale_since
        #: What the status bar counts: updated by batches, advanced by the clock tick.
        self._counter = InboxCounter(warning_seconds=0.0)
        #: The next tick when `low_bandwidth` (no once-a-second tick then).
        self._tick_timer: Timer | None = None
        self._stood_still = False  # a tick found a dialog open (`on_screen_resume`)

    @property
    def atp(self) -> AtpApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def now(self) -> datetime:
        """The wall-clock time from the app's (injectable) clock."""
        return self.atp.clock.now()

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Status bar on top, inbox and detail side by side (stacked when narrow), footer."""
        yield StatusBar(id="status-bar")
        with Horizontal(id="body"):
            with Vertical(id="inbox-pane"):
                marker = Static("", id="stale-marker", markup=False)
                marker.display = self.stale_since is not None  # known before the first layout
                yield marker
                inbox = self._inbox = InboxList(
                    self.now,
                    self.answers,
                    glyphs=self.atp.glyphs,
                    hide_closed=self.atp.settings.hide_closed,
                    marks=self.bulk.marks,
                    read_heads=self.atp.store.description_heads,
                    id="inbox",
                )
                yield InboxHeader(inbox, id="inbox-header")
                yield inbox
                yield InboxLegend(self.atp.glyphs, id="inbox-legend")
                yield Input(placeholder="filter: title, description, service, project", id="filter")
            yield DetailPane(id="detail")
        yield KeyFooter()

    @property
    def inbox(self) -> InboxList:
        """The inbox widget (kept: a query per row of a burst's batch was a fifth of it)."""
        return self._inbox

    @property
    def detail(self) -> DetailPane:
        """The detail pane."""
        return self.query_one(DetailPane)

    def on_mount(self) -> None:
        """Load what the store holds, start the clock tick and the unread timer."""
        self.connection_since = self.atp.clock.monotonic()
        logged = self.atp.store.responses()
        self.answers.update(answers_from_log(logged))
        self.apply_settings()
        self.detail.glyphs = self.query_one(StatusBar).glyphs = self.atp.glyphs
        self.inbox.order = self.atp.settings.default_sort
        initial = (
            self._initial if self._initial is not None else self.atp.store.load_notifications()
        )
        self._initial = None
        initial = self.snoozing.start(initial)  # snoozed items stay out of the list
        self.inbox.upsert(initial)  # nothing is counted yet: the first redraw counts it all
        self.show_stale()
        self.inbox.focus()
        filter_input = self.query_one("#filter", Input)
        filter_input.display = False
        filter_input.cursor_blink = self.atp.cursor_blink
        for warning in self.atp.store.warnings:
            self.notify(sanitize(warning), severity="warning", markup=False, timeout=15)
        if self.atp.ticking:
            if not self.atp.settings.low_bandwidth:  # else each redraw schedules the next tick
                self.set_interval(1.0, self.tick, name="clock tick")
            self.set_interval(0.25, self._check_read, name="unread timer")
        # The first frame shows the rows from their summaries; the selected notification's
        # payload is parsed just after it (the first parse imports pydantic: ≈ 250 ms).
        self.inbox.refresh()
        self.redraw(detail=not initial)
        if initial or self.snoozing.count:
            self.call_after_refresh(self.tick)
        self.call_after_refresh(check_unsettled_answers, self, logged)

    # -- engine events ------------------------------------------------------------------

    def apply_events(self, batch: Iterable[object]) -> None:
        """Apply one frame's worth of engine events with one redraw (`EventIntake`)."""
        self.intake.apply(batch)

    def schedule_desktop_flush(self) -> None:
        """Show the "N more" summary of folded desktop notifications when it is due."""
        self.intake.schedule_desktop_flush()

    def items_changed(self, changed: dict[str, StoredNotification]) -> None:
        """Show what a batch of events changed: snoozed ones stay out, counts follow, and an
        open answer modal is told at once."""
        self.show_items(self.snoozing.admit(changed.values()))
        self.answering.items_changed(changed)

    def count_changes(self, items: Iterable[StoredNotification]) -> None:
        """Update the status bar's counts for items about to be added or replaced."""
        inbox = self.inbox
        for item in items:
            self._counter.change(inbox.get(item.summary.id), item)

    def show_items(self, items: list[StoredNotification]) -> None:
        """Put items into the inbox, or update them there, counted; those not in it before
        (new, or back from a snooze) have just appeared (`arrivals`)."""
        self.count_changes(items)
        self.arrivals.appeared(i.summary.id for i in items if self.inbox.get(i.summary.id) is None)
        self.inbox.upsert(items)

    def hide_items(self, ids: set[str]) -> None:
        """Take items out of the inbox and its counts (snoozed)."""
        for item in filter(None, map(self.inbox.get, ids)):
            self._counter.remove(item)
        self.inbox.remove_rows(ids)

    # -- settings, offline start and catch-up -------------------------------------------

    def apply_settings(self) -> None:
        """Use the app's current settings (at start and after the settings screen saved)."""
        warning = self.atp.settings.deadline_warning_minutes * 60
        settings = self.atp.settings
        self.atp.desktop.configure(settings.notify, settings.notify_on, warning)
        self.inbox.warning_seconds = warning
        self.detail.warning_seconds = warning
        coarse = self.atp.settings.low_bandwidth
        self.inbox.coarse_time = self.detail.coarse_time = coarse
        self.query_one(StatusBar).coarse = coarse
        self._counter.set_warning(warning)
        self.snoozing.set_warning(warning)

    def show_stale(self) -> None:
        marker = self.query_one("#stale-marker", Static)
        marker.display = self.stale_since is not None
        if self.stale_since is not None:
            cached = self.stale_since.astimezone().strftime("%Y-%m-%d %H:%M")
            marker.update(Text(f"stale: cached at {cached} · waiting for the server"))

    def refresh_item(self, *notification_ids: str) -> None:
        """Re-read notifications from the store (after an answer) and redraw once."""
        items = [item for item in map(self.atp.store.get, notification_ids) if item is not None]
        self.show_items(self.snoozing.admit(items))
        self.tick()

    # -- clock --------------------------------------------------------------------------

    def counts(self) -> Counts:
        """Open, expiring, unread and total notifications (on the app's clock), recounted."""
        return self._counter.recount(self.inbox.items(), self.now())

    def tick(self) -> None:
        """Redraw what the clock changed: countdowns, expiry, the status bar's parts."""
        self.snoozing.tick()  # snoozed items whose time came are back first
        # Under a dialog the countdowns stand still (`on_screen_resume`), but not past an
        # expiry: a dead row must not show open behind it (an independent check).
        due = self._counter.next_moment()
        self._stood_still = not self.is_active and (due is None or due > self.now())
        if not self._stood_still:
            self.inbox.refresh_changed()
            self.redraw(detail=True)
        elif self.atp.ticking:
            self._schedule_tick()  # the wakes go on (an open answer's time left, below)
        self.answering.tick()  # an open answer modal's time left, on the same tick

    def on_screen_resume(self) -> None:
        """A dialog closed: what stood still under it catches up (Textual draws a dialog
        with the screen under it: one row's minute step there rewrote the whole screen)."""
        if self._stood_still:
            self.tick()

    def _schedule_tick(self) -> None:
        """The next wake besides the regular tick (`clock.next_wake_in`)."""
        if self._tick_timer is not None:
            self._tick_timer.stop()
        delay = next_wake_in(self, self._counter.next_moment())
        self._tick_timer = None if delay is None else self.set_timer(delay, self.tick)

    def on_resize(self) -> None:
        """Low bandwidth: plan the next wake for the rows now in view (else stale up to 40 s)."""
        if self.atp.ticking and self.atp.settings.low_bandwidth:
            self.call_after_refresh(self.tick)

    def redraw(self, *, detail: bool) -> None:
        """The placeholder, the status bar with the last counts, the detail pane if asked."""
        now = self.now()
        self.inbox.placeholder = notices.placeholder_of(self)
        if detail:
            selected = self.inbox.cursor_id
            item = self.inbox.get(selected) if selected else None
            self.detail.show(item, self.answers.get(selected) if selected else None, now)
            if not self.detail.offers_answers and isinstance(self.focused, ActionList):
                # Answered or closed: its actions are all disabled, and j, k and Enter there
                # did nothing, silently, until Escape (an independent check).
                self.inbox.focus()
        waited = self.atp.clock.monotonic() - self.connection_since
        self.query_one(StatusBar).show(
            self.connection,
            waited,
            self.atp.host,
            self.last_event,
            now,
            self._counter.advance(now, self.inbox.items, self.inbox.get),
            profile=self.atp.profile,
            stale=self.stale_since is not None,
            order=self.inbox.order,
            hidden=self.inbox.hidden_count if self.inbox.hide_closed else None,
            marked=len(self.bulk.marks),
            snoozed=self.snoozing.count,
        )
        if self.atp.ticking:
            self._schedule_tick()

    def _check_read(self) -> None:
        """Mark the selected notification read once it has been selected for `READ_DELAY`."""
        selected = self.inbox.cursor_id
        if selected is None or self._selected_since is None:
            return
        item = self.inbox.get(selected)
        if item is None or item.read:
            return
        if self.atp.clock.monotonic() - self._selected_since >= self.atp.read_delay:
            self.mark_read(selected)

    def mark_read(self, *notification_ids: str) -> None:
        """Remember that the user has seen these notifications (one commit, one redraw)."""
        self.atp.store.mark_read(*notification_ids)
        self.refresh_item(*notification_ids)

    def on_inbox_list_highlighted(self, event: InboxList.Highlighted) -> None:
        """Show the newly selected notification; start its unread timer. One the rows moved
        under the cursor takes no answer key for a moment (`RecentArrivals.came_under`)."""
        if not event.by_user and event.notification_id is not None:
            self.arrivals.came_under(event.notification_id)
        self.arrivals.cursor_at(event.notification_id)
        event.inbox.show_cursor()  # the rows in the same frame as the detail pane
        self._selected_since = self.atp.clock.monotonic()
        self.redraw(detail=True)

    # -- actions ------------------------------------------------------------------------

    def action_answer(self, number: int) -> None:
        """Answer the selected notification with action `number` (1-based), and every marked
        one with the same action when there are marks."""
        (self.bulk if self.bulk.marks else self.answering).start(self.inbox.cursor_id, number)

    def on_detail_pane_action_chosen(self, message: DetailPane.ActionChosen) -> None:
        """An action picked in the detail pane (Enter or a click); with marks, a bulk answer."""
        (self.bulk if self.bulk.marks else self.answering).start(
            message.notification_id, message.number, "the action chosen"
        )

    def action_mark(self) -> None:
        """Mark or unmark the selected item for a bulk answer."""
        self.bulk.toggle(self.inbox.cursor_id)

    def action_mark_all(self) -> None:
        """Mark every shown item that can be answered (again: unmark them)."""
        self.bulk.toggle_all()

    def action_unmark_all(self) -> None:
        """Unmark every item."""
        self.bulk.clear()

    def action_open_actions(self) -> None:
        """Focus the action list of the selected notification; on a closed one, say why
        nothing opens instead (its actions are all disabled)."""
        selected = self.inbox.cursor_id
        if selected is None:
            return
        item = self.inbox.get(selected)
        if item is not None and is_closed(item, self.now()):
            self.answering.refuse(nothing_to_answer(item, self.now()) + ".")
            return
        actions = self.query_one(ActionList)
        actions.focus()
        if actions.highlighted is None and actions.option_count:
            actions.highlighted = 0

    def action_filter(self) -> None:
        """Show and focus the filter input."""
        self.filtering.open()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the filter has focus, `/`, digits, Space, `*` and `u` are text: not offered."""
        return not (action in TYPED_ACTIONS and self.filtering.typing())

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter as the user types."""
        if event.input.id == "filter":
            self.filtering.typed(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter keeps it and goes back to the list."""
        if event.input.id == "filter":
            self.filtering.submitted(event.value)

    def action_back(self) -> None:
        """Escape: clear the filter when it is open, and return to the inbox."""
        self.filtering.back()

    def action_toggle_sort(self) -> None:
        """Switch between deadline order and newest first."""
        inbox = self.inbox
        inbox.order = "newest" if inbox.order == "deadline" else "deadline"
        order = "newest first" if inbox.order == "newest" else "deadline"
        self.notify(f"Sorted by {order}", markup=False)
        self.redraw(detail=inbox.cursor_id != self.detail.notification_id)  # the bar says it

    def action_toggle_closed(self) -> None:
        """Hide or show the closed items (answered, expired, withdrawn)."""
        inbox = self.inbox
        inbox.set_hide_closed(not inbox.hide_closed)
        if inbox.hide_closed:
            self.notify(f"Closed items hidden ({inbox.hidden_count}); c shows them", markup=False)
        else:
            self.notify("Closed items shown, after the open ones", markup=False)
        self.redraw(detail=inbox.cursor_id != self.detail.notification_id)

    def action_snooze(self) -> None:
        """Snooze the selected item (a menu: 15 min, 1 h, until shortly before its deadline)."""
        self.snoozing.open_menu(self.inbox.cursor_id)

    def action_snoozed(self) -> None:
        """List the snoozed items; the one chosen there comes back now."""
        self.snoozing.show_list()

    def action_reconnect(self) -> None:
        """Cut the wait (or the current connection) and connect again now."""
        self.atp.engine.reconnect_now()
        self.notify("Reconnecting…")

    def action_away(self) -> None:
        """Show the last "while you were away" summary again."""
        if self.intake.away is None:
            self.answering.refuse("No catch-up yet: a summary appears after a gap in the stream.")
            return
        dialogs.show_away(self, self.intake.away)

    def action_history(self) -> None:
        """Show this user's answers from the response log, newest first."""
        dialogs.show_history(self)

    def action_settings(self) -> None:
        """Edit the common settings; saved changes apply at once where they can."""
        dialogs.edit_settings(self)

    def action_help(self) -> None:
        """Show every binding with its live key and id."""
        dialogs.show_help(self)

    def help_rows(self) -> list[HelpRow]:
        """Key, description and id of every binding the user can press, live keys first."""
        from atp_tui.screens.help_rows import help_rows

        return help_rows(self)

    def action_quit(self) -> None:
        """Quit, after asking when an answer is still being sent."""
        pending = self.answering.pending_count
        if not pending:
            self.app.exit(0)
            return
        dialogs.confirm_quit(self, pending)
