"""The status bar repaints only the cells that changed (`widgets/status_bar.changed_cells`):
the whole line is ≈ 0.5 KB over SSH, and most changes are a number or a word."""

from __future__ import annotations

from rich.text import Text

from atp_tui.widgets.status_bar import changed_cells


def line(*parts: tuple[str, str]) -> Text:
    text = Text()
    for words, style in parts:
        text.append(words, style=style)
    return text


def test_a_minute_step_is_one_cell() -> None:
    before = line(("● connected", "green"), ("  last event 3m ago", "dim"))
    after = line(("● connected", "green"), ("  last event 4m ago", "dim"))
    assert changed_cells(before, after, 60) == (24, 25)


def test_a_shorter_text_repaints_up_to_where_the_old_one_ended() -> None:
    before = line(("reconnecting in 10 s (attempt 2)", "yellow"))
    after = line(("reconnecting in 9 s (attempt 2)", "yellow"))
    assert changed_cells(before, after, 80) == (16, 32)


def test_a_style_change_alone_counts() -> None:
    before = line(("3 open · 0 expiring", ""))
    after = line(("3 open · ", ""), ("0 expiring", "bold red"))
    assert changed_cells(before, after, 40) == (9, 19)


def test_the_same_cells_need_nothing() -> None:
    assert changed_cells(line(("same", "bold")), line(("same", "bold")), 10) == (0, 0)


def test_wide_characters_or_no_width_repaint_everything() -> None:
    assert changed_cells(line(("会议 1", "")), line(("会议 2", "")), 20) is None
    assert changed_cells(line(("a", "")), line(("b", "")), 0) is None


def test_offline_is_said_once() -> None:
    """`watch` prints the engine's words ("reconnecting in 6 s …: offline: cannot connect");
    the bar's own words already start with "offline"."""
    from datetime import UTC, datetime

    from atp_tui.client.events import ConnectionState
    from atp_tui.view.counting import Counts
    from atp_tui.widgets.status_bar import StatusBar

    bar = StatusBar()
    state = ConnectionState("reconnecting", "offline: cannot connect", 6.0, 2, offline=True)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    bar.show(state, 0.0, "atp.example", None, now, Counts(0, 0, 0, 0))
    assert bar._variants[0].plain.startswith("○ offline in 6 s (attempt 2): cannot connect  ")


def test_a_line_wider_than_the_bar_repaints_everything() -> None:
    """The narrowest variant may still not fit: Textual then wraps it, and its cells are not
    where the text's characters are."""
    before, after = line(("3 open · 1 expiring", "")), line(("4 open · 1 expiring", ""))
    assert changed_cells(before, after, 10) is None


def test_a_narrow_bar_keeps_the_counts_while_offline() -> None:
    """At 60 columns "○ offline in 4 s (attempt 2)" left no room for the counts, which the
    bar keeps last: the state is shortened first, then shown by its glyph alone."""
    from datetime import UTC, datetime

    from atp_tui.client.events import ConnectionState
    from atp_tui.view.counting import Counts
    from atp_tui.widgets.status_bar import StatusBar, _fitting

    bar = StatusBar()
    state = ConnectionState("reconnecting", "offline: cannot connect", 4.0, 2, offline=True)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    bar.show(state, 0.0, "atp.example", None, now, Counts(40, 0, 39, 40), stale=True)
    counts = "40 open · 0 expiring · 39 unread"
    assert _fitting(bar._variants, 60).plain == f"○ offline · stale  │ {counts}"
    assert _fitting(bar._variants, 40).plain == f"○  │ {counts}"
