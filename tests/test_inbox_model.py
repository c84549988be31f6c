"""The inbox's rows without Textual (`view/inbox_model.py`): order, the filter, closed rows
hidden, removal, and row ↔ id lookups agreeing with each other."""

from __future__ import annotations

import random
from dataclasses import replace

from atp_tui.view.inbox_model import InboxRows
from atp_tui.view.order import sort_key
from tests.test_inbox_order import START, _item


def _model(count: int, seed: str, *, hide_closed: bool = False) -> InboxRows:
    rng = random.Random(seed)
    rows = InboxRows(hide_closed=hide_closed)
    rows.upsert([_item(rng, f"n{i:03d}") for i in range(count)], "deadline", START)
    return rows


def _consistent(rows: InboxRows) -> None:
    shown = rows.row_ids()
    assert len(shown) == rows.row_count
    assert [rows.id_at(row) for row in range(rows.row_count)] == shown
    assert all(rows.index_of(nid) == row for row, nid in enumerate(shown))
    assert rows.id_at(rows.row_count) is None and rows.id_at(-1) is None


def test_rows_are_in_sort_order_and_lookups_agree() -> None:
    rows = _model(60, "order")
    keys = sorted(sort_key(item, "deadline", START) for item in rows.items())
    assert rows.row_ids() == [key[-1] for key in keys]
    _consistent(rows)


def test_hiding_closed_rows_leaves_the_open_run() -> None:
    rows = _model(60, "closed", hide_closed=True)
    everything = InboxRows()
    everything.upsert(list(rows.items()), "deadline", START)
    open_ids = [nid for nid in everything.row_ids() if nid in rows.row_ids()]
    assert rows.row_ids() == open_ids
    assert rows.hidden_count == rows.total - rows.row_count > 0
    closed = next(nid for nid in everything.row_ids() if nid not in open_ids)
    assert rows.index_of(closed) is None
    _consistent(rows)


def test_filter_matches_title_service_and_is_case_insensitive() -> None:
    rows = _model(30, "filter")
    rows.set_filter("  N00  ")  # the test notifications' titles carry their ids
    assert rows.filter_text == "n00"
    assert rows.row_ids() and all(nid.startswith("n00") for nid in rows.row_ids())
    _consistent(rows)
    rows.set_filter("")
    assert rows.row_count == 30 and not rows._haystacks  # no search text kept after


def test_the_filter_reads_heads_left_in_the_store_once_and_drops_them_after() -> None:
    """Summaries read from the database leave their description head there; the filter
    reads all of them in one go when it first needs one, and forgets them when cleared."""
    rng = random.Random("heads")
    kept, left = _item(rng, "kept"), _item(rng, "left")
    left = replace(left, summary=replace(left.summary, description_head=None))
    reads: list[int] = []

    def read_heads() -> dict[str, str]:
        reads.append(1)
        return {"left": "The canary is failing in eu-west"}

    rows = InboxRows(read_heads=read_heads)
    rows.upsert([kept, left], "deadline", START)
    assert reads == []  # nothing is read until a filter needs it
    rows.set_filter("canary")
    assert rows.row_ids() == ["left"]
    rows.set_filter("canary is")
    assert rows.row_ids() == ["left"] and reads == [1]
    rows.set_filter("")
    assert rows._stored_heads is None and rows.row_count == 2
    rows.set_filter("eu-west")
    assert rows.row_ids() == ["left"] and reads == [1, 1]


def test_remove_and_a_known_row_keeps_its_place() -> None:
    rows = _model(20, "remove")
    before = rows.row_ids()
    rows.remove({before[0], before[5], "never-held"})
    assert rows.row_ids() == [nid for nid in before if nid not in (before[0], before[5])]
    moved = rows.held(before[1])
    rows.upsert([moved], "newest", START)  # replaced, not re-keyed: it stays where it was
    assert rows.row_ids()[0] == before[1]
    _consistent(rows)
