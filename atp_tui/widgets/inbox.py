"""The inbox: one row per notification, virtualised with Textual's line API.

Only the visible rows are rendered (`render_line`), so 50,000 notifications cost no more to
draw than 50. Rows are kept sorted by a key computed from the notification; a batch of new
rows is merged in one go. The cursor is a notification *id*, never a row index: when rows are
inserted above it, the scroll offset moves with them so the selected row stays where it was on
screen. What one row looks like is `inbox_rows.py`.

| Key | id | Action |
|---|---|---|
| `j` / `down` | `inbox.down` | next row |
| `k` / `up` | `inbox.up` | previous row |
| `g` / `home` | `inbox.top` | first row |
| `G` / `end` | `inbox.bottom` | last row |
| `pagedown` / `pageup` | `inbox.page-down` / `inbox.page-up` | a page down / up |
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from atp_tui.store import StoredNotification
from atp_tui.view.glyphs import UNICODE, GlyphSet
from atp_tui.view.inbox_model import InboxRows
from atp_tui.view.items import (
    WARNING_SECONDS,
    AnswerState,
)
from atp_tui.view.order import SortOrder
from atp_tui.widgets.inbox_rows import (
    ROW_COMPONENT_CLASSES,
    LineKey,
    RowFrame,
    TimeRules,
    changed_line_cells,
    row_segments,
    row_times,
    soonest_change,
)
from atp_tui.widgets.quiet_layout import QuietScrollView
from atp_tui.widgets.scroll_thumb import QuietThumb

Rows = list[str | None]

#: Row strips kept for reuse at most (a few screens' worth; the cache restarts when full).
_STRIP_CACHE = 1024


class InboxList(QuietThumb, QuietScrollView, ScrollView, can_focus=True):
    """The notification list (see the module docstring for keys)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="inbox.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="inbox.up"),
        Binding("g,home", "cursor_top", "Top", show=False, id="inbox.top"),
        Binding("G,end", "cursor_bottom", "Bottom", show=False, id="inbox.bottom"),
        Binding("pagedown", "page_down_rows", "Page down", show=False, id="inbox.page-down"),
        Binding("pageup", "page_up_rows", "Page up", show=False, id="inbox.page-up"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = set(ROW_COMPONENT_CLASSES)

    @dataclass
    class Highlighted(Message):
        """The cursor moved to another notification (or to none); the handler calls
        `inbox.show_cursor()` (see there)."""

        inbox: InboxList
        notification_id: str | None
        #: False when the rows moved the cursor, not a key or a click: its item vanished
        #: (snoozed, filtered out, gone) and the next one came under it.
        by_user: bool = True

        @property
        def control(self) -> InboxList:
            """The inbox that sent the message."""
            return self.inbox

        def can_replace(self, message: Message) -> bool:
            """Holding `j` queues many of these; only the last one matters."""
            return isinstance(message, InboxList.Highlighted) and message.inbox is self.inbox

    order: reactive[SortOrder] = reactive("deadline", init=False)
    """How rows are sorted."""

    placeholder = reactive("No notifications yet.", init=False, repaint=False)
    """What the empty inbox says (set by the screen from the connection state). Not a repaint
    of every row when it changes: it is only drawn while there are none (`watch_placeholder`);
    the connection's state changes it, and each reconnect used to rewrite the whole list
    (≈ 14 KB at 150×40, twice)."""

    row_width: reactive[int] = reactive(0, init=False, repaint=False)
    """The rows' width when last painted, which `InboxHeader` follows: it changes without a
    resize (a scroll bar appears, the stacked layout drops the border)."""

    def __init__(
        self,
        now: Callable[[], datetime],
        answers: dict[str, AnswerState],
        *,
        glyphs: GlyphSet = UNICODE,
        hide_closed: bool = False,
        marks: Container[str] = frozenset(),
        read_heads: Callable[[], Mapping[str, str]] = dict,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        #: The ids marked for a bulk answer (`atp_tui.view.marks.Marks`, owned by the screen).
        self._marks = marks
        self._now = now
        #: The symbols rows are drawn with (decided once at start: `atp_tui.view.glyphs`).
        self.glyphs = glyphs
        #: What is held and which rows are shown, in order (no Textual: `view/inbox_model.py`).
        self._rows = InboxRows(hide_closed=hide_closed, read_heads=read_heads)
        self._answers = answers
        self.cursor_id: str | None = None
        self._strips: dict[str, tuple[tuple[object, ...], Strip]] = {}
        self._frame: RowFrame | None = None
        #: The moment `refresh_changed` found the changed cells at, drawn at until the next
        #: frame is rendered (see there).
        self._changes_at: datetime | None = None
        self._styles: dict[str, Style] | None = None
        #: Deadlines closer than this many seconds are drawn in red (the settings' threshold).
        self.warning_seconds = WARNING_SECONDS
        #: Countdowns to the minute even within the warning (the `low_bandwidth` setting).
        self.coarse_time = False
        #: What each screen line showed when it was last rendered, to refresh only the lines
        #: that change: over SSH every repainted row costs ≈ 0.5 KB of escape sequences.
        self._drawn: dict[int, LineKey] = {}
        #: A cursor move asked to scroll to the cursor, not done yet (`show_cursor`).
        self._cursor_to_show = False

    # -- data ---------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows are shown (after the filter and hiding closed rows)."""
        return self._rows.row_count

    @property
    def hide_closed(self) -> bool:
        """Whether closed rows are hidden."""
        return self._rows.hide_closed

    @property
    def hidden_count(self) -> int:
        """How many rows are hidden because they are closed (0 when they are shown)."""
        return self._rows.hidden_count

    @property
    def total(self) -> int:
        """How many notifications the inbox holds (filter or not)."""
        return self._rows.total

    def items(self) -> Iterable[StoredNotification]:
        """Every notification held (any order)."""
        return self._rows.items()

    def get(self, notification_id: str) -> StoredNotification | None:
        """The held state of one notification."""
        return self._rows.get(notification_id)

    def row_ids(self) -> list[str]:
        """The ids of the shown rows, top to bottom (for tests and commands)."""
        return self._rows.row_ids()

    def id_at(self, row: int) -> str | None:
        """The id shown at row `row`, if any."""
        return self._rows.id_at(row)

    def index_of(self, notification_id: str | None) -> int | None:
        """The row of a notification, or `None` when it is not shown."""
        return self._rows.index_of(notification_id)

    def upsert(self, items: Iterable[StoredNotification]) -> None:
        """Add new notifications and replace changed ones, keeping the cursor's item and place
        (a known row keeps its place; new ones are merged in: `InboxRows.upsert`)."""
        anchor = self._anchor()
        before = self._visible_ids()
        batch = list(items)
        for item in batch:
            self._strips.pop(item.summary.id, None)
        self._rows.upsert(batch, self.order, self._now())
        self._after_change(anchor, before, {item.summary.id for item in batch})

    def remove_rows(self, ids: Set[str]) -> None:
        """Take rows out (snoozed items); a removed cursor row's place goes to the next row."""
        anchor, index = self._anchor(), self.index_of(self.cursor_id)
        if self.cursor_id in ids and index is not None:
            rows = chain(range(index + 1, self.row_count), range(index - 1, -1, -1))
            after = (self.id_at(row) for row in rows)
            following = next((n for n in after if n not in ids), None)
            self._move_to(following, ensure_visible=False, by_user=False)
        for nid in ids:
            self._strips.pop(nid, None)
        self._rows.remove(ids)
        self._after_change(anchor)

    def set_filter(self, text: str) -> None:
        """Show only rows whose title, service, project or the start of whose description
        (`DESCRIPTION_HEAD` characters) contain `text`."""
        anchor = self._anchor()
        self._rows.set_filter(text)
        self._after_change(anchor, moved_by_user=True)  # typed to bring its rows up

    @property
    def filter_text(self) -> str:
        """The active filter ("" for none)."""
        return self._rows.filter_text

    def watch_placeholder(self) -> None:
        """Redraw the placeholder's line, if it is on the screen (no rows)."""
        self.refresh_changed()

    def watch_order(self) -> None:
        """Re-sort everything for the new order."""
        self._resort()

    def set_hide_closed(self, hide: bool) -> None:
        """Hide or show the closed rows. Everything is re-sorted first, so items that closed
        since they arrived (answered, expired) count as closed now."""
        self._rows.hide_closed = hide
        self._resort()

    def _resort(self) -> None:
        """Take every row's key again at the current time and sort."""
        anchor = self._anchor()
        self._rows.resort(self.order, self._now())
        self._after_change(anchor, moved_by_user=True)  # `s` or `c`: the user re-sorted

    def _anchor(self) -> int | None:
        """The cursor's row on screen, to restore after rows move."""
        index = self.index_of(self.cursor_id)
        return None if index is None else index - round(self.scroll_y)

    def _visible_ids(self) -> Rows:
        """The ids on the rows in view, top to bottom."""
        top = round(self.scroll_y)
        return [self.id_at(row) for row in range(top, top + self.scrollable_content_region.height)]

    def _after_change(
        self,
        anchor: int | None,
        before: Rows | None = None,
        touched: Set[str] = frozenset(),
        *,
        moved_by_user: bool = False,
    ) -> None:
        """Keep the cursor's place after the rows changed; redraw unless the rows in view are
        `before` and none was `touched` (a replay arriving below). `moved_by_user`: a filter or
        a sort, so a row that comes under the cursor is one the user brought there."""
        self._fit_virtual_size()
        index = self.index_of(self.cursor_id)
        if index is None:
            first = self.id_at(0)
            if first != self.cursor_id:
                self._move_to(first, ensure_visible=True, by_user=moved_by_user)
        elif anchor is not None:
            if round(self.scroll_y) != (top := max(0, index - anchor)):
                self.scroll_to(y=top, animate=False, immediate=True)
            self._ensure_visible(index)
        visible = self._visible_ids()
        if before is None or visible != before or not touched.isdisjoint(visible):
            self.refresh_changed()

    # -- cursor -------------------------------------------------------------------------

    def select(self, notification_id: str | None) -> None:
        """Put the cursor on this notification (when it is shown)."""
        if notification_id is None or self.index_of(notification_id) is not None:
            self._move_to(notification_id, ensure_visible=True)

    def _move_to(
        self, notification_id: str | None, *, ensure_visible: bool, by_user: bool = True
    ) -> None:
        changed = notification_id != self.cursor_id
        self.cursor_id = notification_id
        self._cursor_to_show = self._cursor_to_show or ensure_visible
        if changed:
            # Shown by the message's handler (`show_cursor`), with the detail pane: one frame.
            self.post_message(self.Highlighted(self, notification_id, by_user))
        else:
            self.show_cursor()

    def show_cursor(self) -> None:
        """Scroll to the cursor if a move asked for it, and repaint the rows that changed.

        A move that changes the selection leaves this to whoever handles `Highlighted` (the
        screen, which also shows the notification in the detail pane), so that the rows and
        the pane are painted in one frame instead of one each."""
        index = self.index_of(self.cursor_id)
        if self._cursor_to_show and index is not None:
            self._ensure_visible(index)
        self._cursor_to_show = False
        self.refresh_changed()  # the old and the new cursor rows (all of them after a scroll)

    def _ensure_visible(self, index: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def _move_by(self, delta: int) -> None:
        if self.row_count == 0:
            return
        index = self.index_of(self.cursor_id)
        target = 0 if index is None else min(max(index + delta, 0), self.row_count - 1)
        self._move_to(self.id_at(target), ensure_visible=True)

    def action_cursor_down(self) -> None:
        """Move to the next row."""
        self._move_by(1)

    def action_cursor_up(self) -> None:
        """Move to the previous row."""
        self._move_by(-1)

    def action_cursor_top(self) -> None:
        """Move to the first row."""
        self._move_by(-self.row_count)

    def action_cursor_bottom(self) -> None:
        """Move to the last row."""
        self._move_by(self.row_count)

    def action_page_down_rows(self) -> None:
        """Move a page down."""
        self._move_by(max(1, self.scrollable_content_region.height - 1))

    def action_page_up_rows(self) -> None:
        """Move a page up."""
        self._move_by(-max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        """Select the clicked row."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        notification_id = self.id_at(offset.y + round(self.scroll_y))
        if notification_id is not None:
            self._move_to(notification_id, ensure_visible=True)

    # -- rendering ----------------------------------------------------------------------

    def _frame_values(self) -> RowFrame:
        """What every line of a frame shares, looked up once (`rich_style` walks the DOM)."""
        if self._styles is None:  # Textual's own cache is cleared by every refresh
            names = self.COMPONENT_CLASSES
            self._styles = {
                name: self.get_component_rich_style(name, partial=True) for name in names
            }
        cursor = self.get_component_rich_style("inbox--cursor")
        width = self.row_width = self.scrollable_content_region.width
        now = self._changes_at or self._now()
        return RowFrame(width, self.rich_style, cursor, now, self._styles, self.glyphs)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Render the visible lines of one frame (see `render_line`)."""
        self._frame = self._frame_values()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None
            self._changes_at = None

    def render_line(self, y: int) -> Strip:
        """Render the row at screen line `y` (only visible rows are ever rendered).

        A row's strip is reused while what it shows is unchanged: rows move down when new ones
        arrive above them, and rebuilding the same strips every frame was most of a frame.
        """
        frame = self._frame or self._frame_values()
        key = self._line_key(y, frame)
        self._drawn[y] = key
        width = frame.width
        if key[0] == "placeholder":
            text = f"  {self.placeholder}" if y == 1 else ""
            style = Style(color=frame.styles["inbox--placeholder"].color, italic=True)
            return Strip([Segment(text, style)]).crop_extend(0, width, None).apply_style(frame.base)
        if key[0] == "blank":
            return Strip.blank(width, frame.base)
        notification_id = str(key[1])
        shown = key[3:]
        cached = self._strips.get(notification_id)
        if cached is not None and cached[0] == shown:
            return cached[1]
        item = self._rows.held(notification_id)
        state, countdown, age, urgent, cursor = str(key[4]), *key[6:10]
        columns = (countdown, age, urgent)
        segments = row_segments(item, frame, state, columns, marked=bool(key[12]))  # type: ignore[arg-type]
        strip = Strip(segments).crop_extend(0, width, None)
        if cursor:
            strip = strip.apply_style(frame.cursor)
        strip = strip.apply_style(frame.base)
        if len(self._strips) > _STRIP_CACHE:
            self._strips.clear()
        self._strips[notification_id] = (shown, strip)
        return strip

    def _line_key(self, y: int, frame: RowFrame) -> LineKey:
        """What screen line `y` shows at `frame.now`: every value its cells are drawn from."""
        width = frame.width
        if self.row_count == 0:
            return ("placeholder", self.placeholder if y == 1 else "", width, frame.base)
        notification_id = self.id_at(round(self.scroll_y) + y)
        if notification_id is None:
            return ("blank", width, frame.base)
        item = self._rows.held(notification_id)
        answer = self._answers.get(notification_id)
        state, countdown, age, urgent = row_times(item, answer, frame.now, self._time_rules())
        cursor = notification_id == self.cursor_id
        shown = (width, state, item.read, countdown, age, urgent, cursor, frame.base, frame.cursor)
        return ("row", notification_id, item, *shown, notification_id in self._marks)

    def refresh_changed(self) -> int:
        """Refresh only the screen lines whose content changed since they were drawn.

        A line whose only change is its countdown or age is refreshed in the cells of those
        that changed (`changed_time_cells`). Returns how many lines were refreshed (the tests
        count them).
        """
        self._changes_at = None  # now, not when changes were last found
        frame = self._frame_values()
        height = self.scrollable_content_region.height
        for y in [y for y in self._drawn if y >= height]:
            del self._drawn[y]  # the pane got shorter: those lines are not ours any more
        refreshed = 0
        for y in range(height):
            key = self._line_key(y, frame)
            old = self._drawn.get(y)
            if key == old:
                continue
            refreshed += 1
            start, stop = changed_line_cells(old, key, frame.width)
            self.refresh(Region(start, y, stop - start, 1))
        if refreshed:
            # The frame that paints these cells draws at the same moment: drawn a few ms
            # later, a countdown that crossed a second meanwhile changed cells outside the
            # refreshed ones, which the terminal never got while the row counted as drawn
            # (an independent check saw a countdown 30 s wrong for a minute, under load).
            self._changes_at = frame.now
        return refreshed

    def changes_in(self) -> float | None:
        """Seconds until a visible countdown or age shows something else (`None`: never).

        The low-bandwidth clock sleeps until then instead of ticking every second.
        """
        shown = [nid for nid in self._visible_ids() if nid is not None]
        rows = ((self._rows.held(nid), self._answers.get(nid)) for nid in shown)
        return soonest_change(rows, self._now(), self._time_rules())

    def _time_rules(self) -> TimeRules:
        return TimeRules(self.warning_seconds, self.coarse_time, self.glyphs)

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus): redraw every row."""
        super().notify_style_update()
        self._strips.clear()
        self._drawn.clear()
        self._styles = None
        self.refresh()

    def _fit_virtual_size(self) -> None:
        """The scrollable height: the rows, but never less than the pane while they fit.

        A changed virtual size lays the inbox out again, and Textual repaints every row of a
        widget whose geometry changed: a new notification rewrote the whole list. While the
        rows fit, the height stays the pane's (no scroll bar either way) and only the rows
        that moved are repainted.
        """
        self.set_virtual_height(max(self.row_count, self.scrollable_content_region.height))

    def on_resize(self, event: events.Resize) -> None:
        """Fit the scrollable height to the new pane; keep the cursor visible."""
        self._fit_virtual_size()
        index = self.index_of(self.cursor_id)
        if index is not None:
            self._ensure_visible(index)
