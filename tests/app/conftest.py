"""Pilot-test fixtures: the reference server, and the app built against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atp_tui.app import AtpApp, build_app
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store
from tests.snapshots.harness import TERMINAL_ENV

TOKEN = "pilot-token"


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    """A reference server on a free loopback port (fast pings, no demo agents)."""
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as running:
        yield running


def make_live_app(url: str, token: str = TOKEN, **options: Any) -> AtpApp:
    """The real app (real engine and respond client) against `url`, state in memory unless
    a `store` is given."""
    options.setdefault("bell_on_new", False)
    options.setdefault("cursor_blink", False)
    options.setdefault("env", TERMINAL_ENV)  # not the host's TERM/NO_COLOR/locale
    options.setdefault("store", Store.in_memory())
    return build_app(server=url, token=token, **options)


async def wait_for(pilot: Any, condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Pause the pilot until `condition()` is true (fails the test after `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)


def in_minutes(minutes: float) -> datetime:
    """A deadline `minutes` from now (real clock)."""
    return datetime.now(UTC) + timedelta(minutes=minutes)


def answers_in_flight(app: Any) -> list[Any]:
    """The answer workers not finished yet (started, or about to start)."""
    return [
        worker for worker in app.workers if worker.group == "respond" and not worker.is_finished
    ]


async def settled(pilot: Any) -> None:
    """Until every key typed so far has been applied and no answer is being sent.

    What the keys could cause (a modal, an answer sent) has then happened: a test that checks
    that nothing was sent or opened waits for this instead of sleeping and hoping.
    """
    app = pilot.app
    await wait_for(pilot, lambda: app.key_order.idle and not answers_in_flight(app))
    await pilot.pause()
