"""The detail pane's metadata section: a key/value table, drawn as plain text when it fits.

The table is a Rich `Table` (keys bold, in a column at most 24 cells wide; values folded in
the rest). Rendering one costs ≈ 1 ms of a cursor key (issue #12: a key at 50k items), as
Rich measures and lays out every cell, and the pane shows another notification's metadata on
every key. When the table fits the pane as it is (keys of at most 23 cells, every row on one
line), each of its lines is its key padded to the key column and its value: `metadata_text`
builds those lines as a literal `Text`, drawn like the pane's other text, cell for cell as
the table draws them. `DetailText` shows the table instead whenever the pane is narrower
than the lines (`set_text`'s `narrow`). Every string is sanitised and literal, as before.
"""

from __future__ import annotations

import json
from typing import Any

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from atp_tui.protocol.text import sanitize

#: Metadata entries shown at most.
METADATA_LIMIT = 50
#: The key column's width at most, its one cell of padding included.
KEY_COLUMN = 24

#: A metadata entry as shown: (key, value), both sanitised one-line text.
Cell = tuple[str, str]


def _metadata_value(value: Any) -> str:
    if isinstance(value, str):
        return sanitize(value, limit=300)
    try:
        return sanitize(json.dumps(value, ensure_ascii=False, default=str), limit=300)
    except (TypeError, ValueError, RecursionError):
        return "(unreadable value)"


def metadata_cells(metadata: dict[str, Any]) -> list[Cell]:
    """The entries shown (at most `METADATA_LIMIT`, then a count of the rest), sanitised."""
    cells: list[Cell] = []
    for index, (key, value) in enumerate(metadata.items()):
        if index == METADATA_LIMIT:
            cells.append(("…", f"{len(metadata) - METADATA_LIMIT} more"))
            break
        cells.append((sanitize(key, limit=60), _metadata_value(value)))
    return cells


def metadata_table(cells: list[Cell]) -> Table:
    """The entries as a two-column key/value table of literal text."""
    table = Table(box=None, show_header=False, padding=(0, 1, 0, 0), expand=False)
    table.add_column(style="bold", no_wrap=True, max_width=KEY_COLUMN)
    table.add_column(overflow="fold")
    for key, value in cells:
        table.add_row(Text(key), Text(value))
    return table


def metadata_text(cells: list[Cell]) -> tuple[Text, int] | None:
    """The table's lines as a `Text` and the width they need (the table's own), or None when
    the table would cut a key (longer than its column).

    At that width or wider the table draws each row on one line: the key in bold, padded to
    the key column and its one cell of padding (bold too), then the value, padded to the
    longest value and one cell more. Narrower, it folds values inside their column: the
    caller shows the table there."""
    if not cells:
        return None
    key_width = max(cell_len(key) for key, _ in cells) + 1
    if key_width > KEY_COLUMN:
        return None
    value_width = max(cell_len(value) for _, value in cells) + 1
    text = Text()
    for index, (key, value) in enumerate(cells):
        if index:
            text.append("\n")
        text.append(key + " " * (key_width - cell_len(key)), style="bold")
        text.append(value + " " * (value_width - cell_len(value)))
    return text, key_width + value_width
