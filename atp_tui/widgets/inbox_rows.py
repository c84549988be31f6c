"""How one inbox row is drawn: glyph, bulk mark, unread dot, service, project, title, countdown,
age.

The inbox widget (`inbox.py`) decides which rows are visible and caches their strips; this
module turns one notification into the styled cells of its row, dropping the service and
project columns when the pane is narrow and fitting text to terminal cells (wide characters
count double). Agent text is sanitised here, just before it is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style

from atp_tui.protocol.text import sanitize
from atp_tui.store import StoredNotification
from atp_tui.view.glyphs import UNICODE, GlyphSet
from atp_tui.view.items import (
    AnswerState,
    age_changes_in,
    countdown_changes_in,
    countdown_text,
    created_at,
    display_state,
    format_age,
    is_urgent,
)
from atp_tui.widgets.cropped_update import differing_span

#: What the countdown column says once an item is closed (at most 9 cells): a word, never a
#: running countdown (a closed item's deadline no longer matters).
COLUMN_WORDS = {
    "expired": "expired",
    "answered": "answered",
    "completed": "done",
    "invalidated": "withdrawn",
    "gone": "gone",
}
#: Display states drawn as closed (dimmed, never urgent).
CLOSED_STATES = frozenset({"expired", "invalidated", "gone", "answered", "completed"})
#: The glyph column's style per display state (others are dim).
_GLYPH_STYLES = {
    "open": "inbox--open",
    "pending": "inbox--pending",
    "refused": "inbox--refused",
    "answered": "inbox--answered",
    "completed": "inbox--answered",
}
#: The inbox's component classes: every style a row (or the empty inbox) is drawn with.
ROW_COMPONENT_CLASSES = frozenset(
    {
        "inbox--cursor",
        "inbox--closed",
        "inbox--unread",
        "inbox--urgent",
        "inbox--service",
        "inbox--project",
        "inbox--dim",
        "inbox--pending",
        "inbox--refused",
        "inbox--answered",
        "inbox--open",
        "inbox--placeholder",
        "inbox--marked",
    }
)
#: (inbox width at least, service column, project column): narrower inboxes drop columns.
_COLUMNS = ((72, 12, 10), (52, 10, 0), (0, 0, 0))
#: Cells taken by the countdown and age columns at the end of every row (" " + 9, " " + 4):
#: a row whose only change is its time is refreshed in these cells alone.
TIME_CELLS = 15
_BOLD = Style(bold=True)
_DIM, _URGENT = "inbox--dim", "inbox--urgent"


@dataclass(frozen=True, slots=True)
class RowFrame:
    """What every row of one frame shares: width, styles and the clock."""

    width: int
    base: Style
    cursor: Style
    now: datetime
    styles: dict[str, Style]
    glyphs: GlyphSet = UNICODE


def row_segments(
    item: StoredNotification,
    frame: RowFrame,
    state: str,
    columns: tuple[str, str, bool],
    *,
    marked: bool = False,
) -> list[Segment]:
    """One row's cells, styled; `columns` = (countdown, age, urgent); `marked`: marked for a
    bulk answer (a glyph in the cell after the state glyph, so it shows without colour)."""
    countdown, age, urgent = columns
    styles = frame.styles
    service = sanitize(item.summary.service, limit=60)
    project = sanitize(item.summary.project or "", limit=60)
    closed = state in CLOSED_STATES
    glyphs = frame.glyphs
    service_width, project_width = next(c for w, *c in _COLUMNS if frame.width >= w)
    fixed = 19 + (service_width and service_width + 1) + (project_width and project_width + 1)
    text_style = styles["inbox--closed"] if closed else Style()
    segments = [
        Segment(glyphs.states.get(state, "?"), styles[_GLYPH_STYLES.get(state, _DIM)]),
        Segment(glyphs.marked, styles["inbox--marked"]) if marked else Segment(" "),
        # Closed items are never unread (nothing is asked of them): no mark, as in the counts.
        Segment(" " if item.read or closed else glyphs.unread, styles["inbox--unread"]),
        Segment(" "),
    ]
    for text, width, name in (
        (service, service_width, "inbox--service"),
        (project, project_width, "inbox--project"),
    ):
        if width:
            segments.append(
                Segment(fit_cells(text, width, glyphs.ellipsis) + " ", text_style + styles[name])
            )
    title = sanitize(item.summary.title, limit=300)
    title_style = text_style + _BOLD if not item.read and not closed else text_style
    segments += [
        Segment(fit_cells(title, max(4, frame.width - fixed), glyphs.ellipsis), title_style),
        Segment(_countdown_cells(countdown), styles[_URGENT if urgent else _DIM]),
        Segment(_age_cells(age), styles[_DIM]),
    ]
    return segments


def _countdown_cells(countdown: str) -> str:
    return " " + countdown.rjust(9)[-9:]


def _age_cells(age: str) -> str:
    return " " + age.rjust(4)[-4:]


def changed_time_cells(old: Sequence[object], new: Sequence[object]) -> tuple[int, int]:
    """The cells of a row's time columns (`TIME_CELLS`, from their left edge) that differ
    between two (countdown, age) pairs, as `(start, stop)`: "1m53s" to "1m52s" is one cell.

    Over SSH each cell rewritten costs bytes every second an urgent countdown ticks. Text
    that is not one cell a character (a wide glyph) gets all the time cells.
    """
    before = _countdown_cells(str(old[0])) + _age_cells(str(old[1]))
    after = _countdown_cells(str(new[0])) + _age_cells(str(new[1]))
    if cell_len(before) != len(before) or cell_len(after) != len(after):
        return 0, TIME_CELLS
    return differing_span(before, after) or (0, TIME_CELLS)


#: What one screen line shows, comparable: `("row", id, item, width, state, read, countdown,
#: age, urgent, cursor, base style, cursor style, marked)`, or a placeholder / blank line's
#: values.
LineKey = tuple[object, ...]
#: The positions of countdown and age in a row's `LineKey`.
_TIMES = slice(6, 8)


def changed_line_cells(old: LineKey | None, new: LineKey, width: int) -> tuple[int, int]:
    """The cells `(start, stop)` to repaint of a screen line whose key went from `old` to
    `new`: only the time cells that changed when a row's countdown or age alone did, else the
    whole line."""
    if old is not None and new[0] == old[0] == "row" and _only_times(old, new):
        start, stop = changed_time_cells(old[_TIMES], new[_TIMES])
        left = max(0, width - TIME_CELLS)
        return left + start, left + stop
    return 0, width


def _only_times(old: LineKey, new: LineKey) -> bool:
    """Whether two keys of the same row differ in their countdown or age only."""
    return old[: _TIMES.start] == new[: _TIMES.start] and old[_TIMES.stop :] == new[_TIMES.stop :]


def header_cells(width: int, glyphs: GlyphSet) -> str:
    """The column headers over rows `width` cells wide, aligned with `row_segments`."""
    service_width, project_width = next(c for w, *c in _COLUMNS if width >= w)
    fixed = 19 + (service_width and service_width + 1) + (project_width and project_width + 1)
    line = "    "  # the state glyph and unread mark: explained by the legend below the rows
    for word, column in (("service", service_width), ("project", project_width)):
        if column:
            line += fit_cells(word, column, glyphs.ellipsis) + " "
    line += fit_cells("title", max(4, width - fixed), glyphs.ellipsis)
    return line + " " + "deadline".rjust(9) + " " + "age".rjust(4)


def fit_cells(text: str, width: int, ellipsis: str = "…") -> str:
    """`text` cut or padded to exactly `width` cells, with `ellipsis` (one cell) when cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ellipsis


@dataclass(frozen=True, slots=True)
class TimeRules:
    """How the time columns are written: the warning threshold, minute-only countdowns
    (`low_bandwidth`), the glyph set (the urgent and no-deadline marks)."""

    warning_seconds: float
    coarse: bool
    glyphs: GlyphSet


def row_times(
    item: StoredNotification, answer: AnswerState | None, now: datetime, rules: TimeRules
) -> tuple[str, str, str, bool]:
    """What a row's state and time columns say at `now`: (state, countdown, age, urgent)."""
    state = display_state(item, answer, now)
    deadline = item.summary.deadline
    urgent = state not in CLOSED_STATES and is_urgent(deadline, now, rules.warning_seconds)
    countdown = COLUMN_WORDS.get(state) or countdown_text(
        deadline, now, rules.warning_seconds, coarse=rules.coarse
    )
    if urgent:  # a mark as well as the colour: urgency must show without colour too
        countdown = rules.glyphs.urgent + countdown
    elif deadline is None and state not in COLUMN_WORDS:
        countdown = rules.glyphs.no_deadline
    return state, countdown, format_age(created_at(item), now), urgent


def soonest_change(
    rows: Iterable[tuple[StoredNotification, AnswerState | None]], now: datetime, rules: TimeRules
) -> float | None:
    """Seconds until the first of these rows shows another countdown or age (`None`: none
    ever will): when the low-bandwidth clock must wake for the rows in view."""
    changes = (row_changes_in(item, answer, now, rules) for item, answer in rows)
    return min((change for change in changes if change is not None), default=None)


def row_changes_in(
    item: StoredNotification, answer: AnswerState | None, now: datetime, rules: TimeRules
) -> float | None:
    """Seconds until the row's countdown or age shows something else (`None`: never)."""
    changes = [age_changes_in(created_at(item), now)]
    if display_state(item, answer, now) not in COLUMN_WORDS:
        deadline = item.summary.deadline
        changes.append(
            countdown_changes_in(deadline, now, rules.warning_seconds, coarse=rules.coarse)
        )
    known = [change for change in changes if change is not None]
    return min(known) if known else None
