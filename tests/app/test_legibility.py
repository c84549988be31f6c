"""Issue #11 in the running app: closed items out of the way, orientation (headers, legend,
sort order, help in words), and urgency that shows without colour or Unicode."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult

from atp_tui.client.events import ConnectionState, StatusChanged
from atp_tui.screens.help import HelpScreen
from atp_tui.settings import Settings
from atp_tui.view.counting import Counts
from atp_tui.widgets.inbox import InboxList
from atp_tui.widgets.inbox_header import InboxHeader, InboxLegend
from atp_tui.widgets.status_bar import StatusBar
from tests.app.conftest import wait_for
from tests.snapshots.harness import CONNECTED, FrozenClock, make_app, notification, received


def _messages(app: Any) -> str:
    """Every notice the app showed."""
    return "\n".join(str(n.message) for n in app._notifications)


def _mixed() -> list[Any]:
    """Open and closed items whose deadlines and ages interleave."""
    return [
        notification("open-late", "open, late deadline", created=-50, deadline=300),
        notification("answered", "answered", created=-1, deadline=1, status="responded"),
        notification("open-soon", "open, soon", created=-40, deadline=10),
        notification("expired", "expired by the clock", created=-2, deadline=-3),
        notification("withdrawn", "withdrawn", created=-3, deadline=5, status="invalidated"),
        notification("open-none", "open, no deadline", created=-30, deadline=None),
    ]


OPEN_BY_DEADLINE = ["open-soon", "open-late", "open-none"]
OPEN_BY_NEWEST = ["open-none", "open-soon", "open-late"]


def _line(widget: Any) -> str:
    """The plain text a one-line widget renders now."""
    return str(widget.render())


async def _loaded(pilot: Any, rows: int) -> None:
    await wait_for(pilot, lambda: pilot.app.main.inbox.total == rows)


async def test_closed_items_sort_last_in_both_orders() -> None:
    app = make_app([CONNECTED, *received(_mixed())])
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 6)
        inbox = app.main.inbox
        assert inbox.row_ids()[:3] == OPEN_BY_DEADLINE
        assert set(inbox.row_ids()[3:]) == {"answered", "expired", "withdrawn"}
        assert "sorted by deadline" in _line(app.main.query_one(StatusBar))
        await pilot.press("s")
        assert inbox.row_ids()[:3] == OPEN_BY_NEWEST
        assert inbox.row_ids()[3:] == ["answered", "expired", "withdrawn"]  # newest first too
        assert "newest first" in _line(app.main.query_one(StatusBar))


async def test_c_hides_and_shows_closed_items_and_the_bar_says_so() -> None:
    app = make_app([CONNECTED, *received(_mixed())])
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 6)
        inbox = app.main.inbox
        await pilot.press("c")
        assert inbox.row_ids() == OPEN_BY_DEADLINE
        assert inbox.hidden_count == 3
        assert "3 closed hidden" in _line(app.main.query_one(StatusBar))
        await pilot.press("G")  # the cursor never lands on a hidden row
        assert inbox.cursor_id == "open-none"
        await pilot.press("c")
        assert len(inbox.row_ids()) == 6
        assert "closed hidden" not in _line(app.main.query_one(StatusBar))


async def test_hide_closed_setting_and_an_item_closing_under_the_cursor() -> None:
    """The setting starts hidden; an item closing while shown stays (the next key still
    finds it) until the next re-sort (`s`, `c`)."""
    app = make_app([CONNECTED, *received(_mixed())], settings=Settings(hide_closed=True))
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 6)
        inbox = app.main.inbox
        assert inbox.row_ids() == OPEN_BY_DEADLINE
        assert inbox.cursor_id == "open-soon"
        batches = app.batches
        app.engine.push(StatusChanged("open-soon", "invalidated", "superseded", "e40"))  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: app.batches > batches)
        assert inbox.row_ids() == OPEN_BY_DEADLINE and inbox.cursor_id == "open-soon"
        await pilot.press("s", "s")
        assert inbox.row_ids() == ["open-late", "open-none"]


async def test_all_closed_and_hidden_says_how_to_show_them() -> None:
    items = [notification("gone", "gone", status="expired")]
    app = make_app([CONNECTED, *received(items)], settings=Settings(hide_closed=True))
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot, 1)
        await wait_for(pilot, lambda: "c shows them" in app.main.inbox.placeholder)


async def test_enter_on_a_closed_item_explains_why_nothing_opens() -> None:
    clock = FrozenClock()
    item = notification("late", "Rotate the certificate?", created=-30, deadline=-12)
    app = make_app([CONNECTED, *received([item])], clock=clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 1)
        await pilot.press("enter")
        assert "expired 12 min ago: nothing to answer" in _messages(app)
        assert app.focused is app.main.inbox  # the (disabled) actions did not take the focus
        state = str(app.main.query_one("#detail-state").render())
        assert "Closed" in state and "answer with" not in state
        meta = str(app.main.query_one("#detail-meta").render())
        assert "(closed)" in meta and " in " not in meta.split("Deadline:")[1]


async def test_unread_counts_only_open_items() -> None:
    app = make_app([CONNECTED, *received(_mixed())])
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 6)
        await wait_for(pilot, lambda: "3 unread" in _line(app.main.query_one(StatusBar)))
        assert "3 open" in _line(app.main.query_one(StatusBar))


@pytest.mark.parametrize("size", [(80, 24), (150, 40)])
async def test_headers_and_legend_at_both_sizes(size: tuple[int, int]) -> None:
    app = make_app([CONNECTED, *received(_mixed())])
    async with app.run_test(size=size) as pilot:
        await _loaded(pilot, 6)
        await pilot.pause()
        header = _line(app.main.query_one(InboxHeader))
        for word in ("service", "title", "deadline", "age"):
            assert word in header
        inbox = app.main.query_one(InboxList)
        assert len(header) == inbox.scrollable_content_region.width  # aligned with the rows
        assert header.rstrip().endswith("deadline  age")
        legend = _line(app.main.query_one(InboxLegend))
        for words in ("○ open", "✓ answered", "✗ expired", "⊘ withdrawn", "● unread"):
            assert words in legend
        assert "by deadline" in _line(app.main.query_one(StatusBar))


class _BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


@pytest.mark.parametrize(("order", "words"), [("deadline", "by deadline"), ("newest", "newest")])
async def test_the_sort_order_is_said_at_80_columns_whichever_it_is(order: str, words: str) -> None:
    """A full line at 80 columns: "newest first" did not fit where "by deadline" did, and the
    status bar left the order out."""
    async with _BarApp().run_test(size=(80, 3)) as pilot:
        bar = pilot.app.query_one(StatusBar)
        state = ConnectionState(kind="connected")
        counts = Counts(open=9, expiring=0, unread=7, total=9)
        # A host one character short of crowding the order out of an 80-column line.
        bar.show(state, 0.0, "atp.example.com:443", None, FrozenClock().now(), counts, order=order)
        await pilot.pause()
        assert words in _line(bar)
        # Short of room for both, the bar says that closed items are hidden (the rows cannot).
        bar.show(state, 0.0, "atp.example.com:443", None, FrozenClock().now(), counts, hidden=3)
        await pilot.pause()
        assert _line(bar).endswith("7 unread · 3 hidden")


async def test_help_rows_in_words_with_one_row_for_the_answer_keys() -> None:
    app = make_app([CONNECTED, *received(_mixed())])
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 6)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        answer = [row for row in rows if row[2].startswith("main.answer-")]
        assert answer == [
            ("1–9", "Answer the selected item with its action 1–9", "main.answer-1 … main.answer-9")
        ]
        picks = [row for row in rows if row[2].startswith("choice.pick-")]
        assert [row[0] for row in picks] == ["1–9"]
        by_id = {row[2]: row for row in rows}
        assert by_id["main.closed"][0] == "c"
        assert "closed" in by_id["main.closed"][1]
        assert by_id["modal.cancel"][1] == "Answer dialog: cancel, nothing is sent"
        descriptions = " ".join(row[1] for row in rows)
        for internal in ("AnswerModal", "ConfirmModal", "_Choices", "Modal:", "Screen:"):
            assert internal not in descriptions


async def test_urgent_rows_show_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR: the urgent countdown carries a mark and reverse+bold, not only red."""
    monkeypatch.setenv("NO_COLOR", "1")
    items = [
        notification("soon", "due in 4 minutes", deadline=4),
        notification("later", "due in an hour", deadline=60),
        notification("gone", "expired", deadline=-1),
    ]
    app = make_app([CONNECTED, *received(items)], env={"NO_COLOR": "1", "LANG": "C.UTF-8"})
    async with app.run_test(size=(140, 40)) as pilot:
        await _loaded(pilot, 3)
        await pilot.pause()
        assert app.no_color and app.plain_colour and app.has_class("-plain-colour")
        inbox = app.main.inbox
        urgent_style = inbox.get_component_rich_style("inbox--urgent")
        assert urgent_style.reverse and urgent_style.bold
        rows = {inbox.id_at(y): inbox.render_line(y) for y in range(3)}
        soon = "".join(segment.text for segment in rows["soon"])
        assert "!4m00s" in soon
        cells = [s for s in rows["soon"] if "!4m00s" in s.text]
        assert cells and cells[0].style is not None and cells[0].style.reverse
        later = "".join(segment.text for segment in rows["later"])
        assert "!" not in later
        gone = "".join(segment.text for segment in rows["gone"])
        assert gone.startswith("✗") and "expired" in gone


async def test_ascii_glyphs_on_a_linux_console() -> None:
    items = [
        notification("soon", "due soon", deadline=4),
        notification("gone", "withdrawn", status="invalidated"),
    ]
    env = {"TERM": "linux", "LANG": "en_US.UTF-8"}
    app = make_app([CONNECTED, *received(items)], env=env)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot, 2)
        await pilot.pause()
        assert app.glyphs.name == "ascii" and app.has_class("-ascii")
        inbox = app.main.inbox
        text = "\n".join("".join(s.text for s in inbox.render_line(y)) for y in range(2))
        assert text.isascii(), text
        assert text.startswith("o * ") and "\n-   " in text  # closed: no unread mark
        assert _line(app.main.query_one(InboxLegend)).isascii()
        assert _line(app.main.query_one(StatusBar)).isascii()
