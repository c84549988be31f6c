"""The inbox's incremental insertion must give exactly the order a full sort gives.

`merge_keys` places a batch into the sorted keys without sorting them again (issue #12); a
seeded random walk over many batches of every size (one row, a few, hundreds), with rows
whose key changed (removed from their old place, added at the new one), in both sort
orders, compares it with `sorted` after every batch. The same walk through
`InboxList.upsert` in a running app checks the rows shown, top to bottom.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult

from atp_tui.protocol.models import Notification
from atp_tui.store import StoredNotification
from atp_tui.view.order import SortKey, SortOrder, merge_keys, sort_key
from atp_tui.widgets.inbox import InboxList
from tests.hostile import notification

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ORDERS: tuple[SortOrder, ...] = ("deadline", "newest")
#: Few distinct deadlines and creation times, so that keys tie on every field but the id.
_STATES = ("delivered", "delivered", "delivered", "responded", "expired")


def _item(rng: random.Random, nid: str) -> StoredNotification:
    """Notification `nid` with a random deadline (or none), creation time and state."""
    body = notification(nid)
    if rng.random() < 0.8:
        deadline = START + timedelta(minutes=rng.randrange(-30, 60, 10))
        body["deadline"] = deadline.isoformat()
    body["timestamp"] = (START - timedelta(minutes=rng.randrange(0, 50, 10))).isoformat()
    status = rng.choice(_STATES)
    return StoredNotification.holding(
        Notification.model_validate(body), status, None, START, nid, False
    )


def _batch_size(rng: random.Random) -> int:
    """Mostly small batches (placed one by one), some large ones (merged in one pass)."""
    return rng.choice((1, 1, 2, 5, 20, 64, 65, 150, 400))


@pytest.mark.parametrize("order", ORDERS)
def test_merge_keys_equals_a_full_sort(order: SortOrder) -> None:
    rng = random.Random(f"merge-{order}")
    pool = [_item(rng, f"n{n:04d}") for n in range(1500)]
    held: dict[str, SortKey] = {}
    keys: list[SortKey] = []
    for _ in range(120):
        removed: list[SortKey] = []
        added: list[SortKey] = []
        ids = rng.sample(range(len(pool)), _batch_size(rng))
        for n in ids:
            nid = f"n{n:04d}"
            old = held.get(nid)
            action = rng.random()
            if old is not None and action < 0.2:  # gone
                removed.append(held.pop(nid))
                continue
            if old is not None and action < 0.3:  # unchanged: removed and added again
                removed.append(old)
                added.append(old)
                continue
            new = sort_key(_item(rng, nid) if old is not None else pool[n], order, START)
            if old is not None:
                removed.append(old)  # its key changed (or not: then it is replaced by itself)
            held[nid] = new
            added.append(new)
        keys = merge_keys(keys, removed, added)
        assert keys == sorted(held.values())
    assert len(keys) > 500  # the walk reached a sizeable inbox


def test_merge_keys_refuses_a_key_it_does_not_hold() -> None:
    keys: list[SortKey] = [(0, 1.0, "a"), (0, 2.0, "b")]
    with pytest.raises(ValueError, match="not held"):
        merge_keys(keys, [(0, 1.5, "c")], [])


class InboxApp(App[None]):
    """Just the inbox."""

    def compose(self) -> ComposeResult:
        yield InboxList(lambda: START, {}, id="inbox")


@pytest.mark.parametrize("order", ORDERS)
async def test_upsert_shows_the_rows_a_full_sort_would(order: SortOrder) -> None:
    """New rows are merged into place; a known row keeps the key it was added with (so an
    answered row does not jump away from the cursor), and switching the order sorts
    everything by the current state."""
    rng = random.Random(f"upsert-{order}")
    app = InboxApp()
    async with app.run_test(size=(100, 20)) as pilot:
        inbox = app.query_one(InboxList)
        inbox.order = order
        current: dict[str, StoredNotification] = {}
        placed: dict[str, SortKey] = {}  # the key each row was added with
        for step in range(80):
            batch = []
            for n in rng.sample(range(2000), _batch_size(rng)):
                nid = f"n{n:04d}"
                item = _item(rng, nid)  # known ids come back in another state
                current[nid] = item
                placed.setdefault(nid, sort_key(item, inbox.order, START))
                batch.append(item)
            inbox.upsert(batch)
            if step % 40 == 39:  # the other order, then back: keys from the current state
                for chosen in ("newest" if inbox.order == "deadline" else "deadline", order):
                    inbox.order = chosen
                    await pilot.pause()
                placed = {nid: sort_key(item, order, START) for nid, item in current.items()}
            expected = [key[-1] for key in sorted(placed.values())]
            assert inbox.row_ids() == expected
            cursor = inbox.cursor_id
            assert cursor is not None
            assert inbox.id_at(inbox.index_of(cursor) or 0) == cursor
        assert inbox.total == len(current) > 1000
