"""Sorted insertion: placing a batch of rows into the inbox's 50,000 sorted keys, three ways.

    .venv/bin/python bench/sorted_insert.py [--items 50000] [--repeat 15]

The inbox keeps one sort key per row (`atp_tui.widgets.inbox.sort_key`, deadline order:
`(closed, deadline, -created, id)`), sorted. Per batch size, in this process, median of
`--repeat` runs on a fresh copy of the keys, the time to place

- **new** rows (a replay arriving): `full sort` is what `InboxList.upsert` did before
  (every key sorted again, from the id → key dict, i.e. in arrival order, once a batch had
  more than 64 rows); `insort` puts each row in place (`bisect.insort`); `merge_keys` is what
  it does now (insort up to 64 rows, else the batch sorted on its own and merged in one
  pass);
- **moved** rows (rows whose key changed, e.g. answered and sunk below the open ones): `full
  sort` again, `remove + insort` (`list.remove` of the old key, a linear search, then
  insort), and `merge_keys` (the old key found by bisection and cut, the new one merged).

Keys are those of `_inbox_fixture.notification_body` (deadlines 10 min to 2 days ahead,
created up to a day ago), built without pydantic.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from bisect import insort
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _inbox_fixture import table

from atp_tui.view.order import SortKey, merge_keys

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SIZES = (1, 10, 64, 100, 1000, 10_000)


def key(i: int, closed: int = 0) -> SortKey:
    """Notification `i`'s deadline-order key (as `sort_key` makes it)."""
    created = NOW - timedelta(seconds=(i * 7919) % 86_400)
    deadline = NOW + timedelta(seconds=600 + (i * 104_729) % 172_800)
    return (closed, deadline.timestamp(), -created.timestamp(), f"00000000-{i:012d}")


def timed(
    repeat: int, prepare: Callable[[], tuple[Any, ...]], place: Callable[..., object]
) -> float:
    """Median milliseconds of `place(*prepare())` over `repeat` runs (prepare not timed)."""
    samples = []
    for _ in range(repeat):
        args = prepare()
        started = time.perf_counter()
        place(*args)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    count = args.items
    key_of = {f"00000000-{i:012d}": key(i) for i in range(count)}  # arrival order
    ordered = sorted(key_of.values())

    def copies(*rest: object) -> Callable[[], tuple[Any, ...]]:
        """A fresh copy of the sorted keys, then `rest`: the arguments of one timed call."""
        return lambda: (list(ordered), *rest)

    rng = random.Random(12)
    rows: list[list[object]] = []
    for size in SIZES:
        fresh = [key(count + n) for n in range(size)]

        def new_full(fresh: list[SortKey] = fresh) -> None:
            held = dict(key_of)
            held.update((str(k[-1]), k) for k in fresh)
            sorted(held.values())

        def new_insort(keys: list[SortKey], fresh: list[SortKey] = fresh) -> None:
            for k in fresh:
                insort(keys, k)

        new = [
            timed(args.repeat, tuple, new_full),
            timed(args.repeat, copies(), new_insort),
            timed(args.repeat, copies((), fresh), merge_keys),
        ]
        picked = rng.sample(range(count), size)
        olds = [key(i) for i in picked]
        moved = [key(i, closed=1) for i in picked]

        def moved_full(moved: list[SortKey] = moved) -> None:
            held = dict(key_of)
            held.update((str(k[-1]), k) for k in moved)
            sorted(held.values())

        def remove_insort(
            keys: list[SortKey], olds: list[SortKey] = olds, moved: list[SortKey] = moved
        ) -> None:
            for old, k in zip(olds, moved, strict=True):
                keys.remove(old)
                insort(keys, k)

        move = [
            timed(args.repeat, tuple, moved_full),
            # A linear search per row: 22 s for 10,000 rows, so not timed beyond 1,000.
            timed(args.repeat, copies(), remove_insort) if size <= 1000 else math.nan,
            timed(args.repeat, copies(olds, moved), merge_keys),
        ]
        rows.append(
            [
                f"{size:,}",
                *(f"{ms:.2f}" for ms in new),
                f"{new[2] / new[0]:.3f}x",
                *("-" if math.isnan(ms) else f"{ms:.2f}" for ms in move),
                f"{move[2] / move[0]:.3f}x",
            ]
        )
    print(
        f"sorted insertion: ms to place a batch into {count:,} sorted keys (deadline order), "
        f"median of {args.repeat} runs"
    )
    header = [
        "batch",
        "new: full sort",
        "insort",
        "merge_keys",
        "vs full",
        "moved: full sort",
        "remove+insort",
        "merge_keys",
        "vs full",
    ]
    print(table(header, rows))


if __name__ == "__main__":
    main()
