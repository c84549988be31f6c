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
