"""Snapshot fixtures: a fixed time zone, so local times render the same on every machine."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def utc_time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Render local times in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
