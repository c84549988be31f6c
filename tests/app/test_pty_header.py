"""The inbox's column header stands over the columns it names, through a real terminal.

The header is a widget of its own, painted from the width of the inbox's rows. That width
changes without either widget being resized: at 80 columns the stacked layout drops the
inbox's border after the first paint, and the rows lose a column to the scroll bar when they
no longer fit. Before, the header kept the width it was first painted at: one column off the
rows (`deadline  age` over the countdowns' last digit).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.cells import cell_len

from atp_tui.server import RunningServer
from tests.app.conftest import in_minutes
from tests.app.test_pty_keys import TITLES, Tmux, open_tui
from tests.app.test_pty_keys import server as server  # the fixture, by its name
from tests.server_helpers import notification_body

#: What Textual draws a vertical scroll bar's thumb with, in the last column of a row.
SCROLL_BAR = " ▁▂▃▄▅▆▇█"


def aligned(rows: int) -> Callable[[str], bool]:
    """Whether the header's last cell is the column where each of the first `rows` rows
    ends (the header follows the rows' width in the frame after theirs: waited for)."""

    def check(text: str) -> bool:
        lines = text.splitlines()
        header = lines[1].rstrip()
        ends = {cell_len(line.rstrip(SCROLL_BAR)) for line in lines[2 : 2 + rows]}
        return header.endswith("deadline  age") and ends == {cell_len(header)}

    return check


async def rows_and_header_end_together(tmux: Tmux, rows: int) -> None:
    """Within a moment the header and the rows end in the same column."""
    await tmux.wait_for(aligned(rows), timeout=5.0)


async def test_the_header_follows_the_rows_width(server: RunningServer, tmp_path: Path) -> None:
    async with open_tui(server, tmp_path, (80, 24)) as tmux:
        await rows_and_header_end_together(tmux, len(TITLES))
        for number in range(4):  # more than the stacked inbox holds: a scroll bar
            server.state.add_notification(
                notification_body(title=f"late {number}", deadline=in_minutes(60 + number))
            )
        await tmux.wait_for(lambda text: f"{len(TITLES) + 4} open" in text)
        await rows_and_header_end_together(tmux, len(TITLES))
