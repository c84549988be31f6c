"""The long-lived heap policy: frozen after each batch, fully collected now and then."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path
from typing import Any

import pytest

from atp_tui.client.heap import LongLivedHeap
from tests.conftest import FakeClock


class Node:
    """An object that can be weakly referenced and can point at itself (a cycle)."""

    def __init__(self) -> None:
        self.me: Node | None = self


def test_settled_freezes_and_a_full_collection_unfreezes_periodically() -> None:
    clock = FakeClock()
    heap = LongLivedHeap(clock, full_every=600)
    cache = [{"n": i} for i in range(1000)]
    heap.settled()
    assert gc.get_freeze_count() >= len(cache)
    # A cycle that dies after being frozen is only reclaimed by the periodic full pass.
    cycle = Node()
    dead = weakref.ref(cycle)
    heap.settled()
    del cycle
    gc.collect()
    assert dead() is not None, "a frozen cycle is out of reach of ordinary collections"
    clock.offset += 599
    heap.settled()  # not yet time for the full pass
    gc.collect()
    assert dead() is not None
    clock.offset += 2
    heap.settled()  # unfreeze + collect, then freeze what is alive
    assert dead() is None, "the periodic full pass reclaims the frozen cycle"
    assert gc.get_freeze_count() >= len(cache)  # what is alive is frozen again


def test_the_young_generation_is_collected_less_often_and_never_more_often() -> None:
    gc.set_threshold(700, 10, 10)
    LongLivedHeap(FakeClock())
    assert gc.get_threshold() == (20_000, 10, 10)
    gc.set_threshold(50_000, 10, 10)
    LongLivedHeap(FakeClock())
    assert gc.get_threshold()[0] == 50_000


def test_the_gc_state_is_restored_between_tests() -> None:
    """The autouse `restored_gc` fixture: whatever test ran before in this worker (the two
    above freeze the heap and raise the threshold), this one finds the interpreter's GC."""
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold()[0] < 20_000


def test_the_tui_freezes_the_cached_inbox_before_building_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached inbox is out of the cyclic GC's reach before the first frame: its first full
    collections (≈ 90 ms at 50,000 cached) were spent while the first frame waited."""
    import atp_tui.app
    from atp_tui.commands import tui
    from atp_tui.settings.file import LoadedSettings
    from atp_tui.settings.model import Settings

    frozen_then: list[int] = []

    def fake_build_app(**kwargs: Any) -> Any:
        frozen_then.append(gc.get_freeze_count())
        raise SystemExit(0)  # the app itself is not the point here

    loaded = LoadedSettings(Settings(), tmp_path / "config.toml", None)
    gc.unfreeze()
    monkeypatch.setattr(atp_tui.app, "build_app", fake_build_app)
    try:
        with pytest.raises(SystemExit):
            asyncio.run(tui._run("http://atp.example", "t", tmp_path, loaded))
    finally:
        gc.unfreeze()
    assert frozen_then and frozen_then[0] > 0
