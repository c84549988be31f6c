"""The long-lived heap policy: frozen after each batch, fully collected now and then."""

from __future__ import annotations

import gc

from atp_tui.client.heap import LongLivedHeap
from tests.conftest import FakeClock


def test_settled_freezes_and_a_full_collection_unfreezes_periodically() -> None:
    clock = FakeClock()
    heap = LongLivedHeap(clock, full_every=600)
    try:
        cache = [{"n": i} for i in range(1000)]
        heap.settled()
        assert gc.get_freeze_count() >= len(cache)
        # A cycle that dies after being frozen is only reclaimed by the periodic full pass.
        cycle: list[object] = []
        cycle.append(cycle)
        heap.settled()
        del cycle
        clock.offset += 601
        heap.settled()  # unfreeze + collect, then freeze what is alive
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_young_generation_is_collected_less_often_and_never_more_often() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        LongLivedHeap(FakeClock())
        assert gc.get_threshold() == (20_000, 10, 10)
        gc.set_threshold(50_000, 10, 10)
        LongLivedHeap(FakeClock())
        assert gc.get_threshold()[0] == 50_000
    finally:
        gc.set_threshold(*before)
