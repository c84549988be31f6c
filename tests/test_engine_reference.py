"""The stream engine and the respond client against the real reference server (no mocks)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from atp_tui.client.events import NotificationReceived, StatusChanged
from atp_tui.client.respond import RespondClient
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store
from tests.engine_helpers import collect, has_notifications, make_engine, notification_ids

TOKEN = "ref-token"


def body(title: str, **extra: object) -> dict:
    """A notification submission with one simple and one text action."""
    return {
        "context": {"title": title, "description": "d", "project": "p"},
        "actions": [
            {"id": "approve", "label": "Approve", "response_type": "simple"},
            {"id": "why", "label": "Why", "response_type": "text"},
        ],
        **extra,
    }


def config(**overrides: object) -> ServerConfig:
    return ServerConfig(user_token=TOKEN, ping_interval=0.2, **overrides)  # type: ignore[arg-type]


async def test_live_notifications_status_updates_and_answers() -> None:
    async with RunningServer(config()) as server:
        store = Store.in_memory()
        engine = make_engine(server.url, store, token=TOKEN)
        first = server.state.add_notification(body("first"))
        seen: list = []

        async def drive() -> None:
            await asyncio.sleep(0.3)
            server.state.add_notification(body("second"))
            await asyncio.sleep(0.2)
            server.state.invalidate(first["id"], "agent withdrew it")

        driver = asyncio.ensure_future(drive())
        events = await collect(
            engine,
            lambda ev: (
                seen.extend(ev[len(seen) :]) or any(isinstance(e, StatusChanged) for e in ev)
            ),
        )
        await driver
        assert [e.notification.title for e in events if isinstance(e, NotificationReceived)] == [
            "first",
            "second",
        ]
        change = next(e for e in events if isinstance(e, StatusChanged))
        assert (change.notification_id, change.status, change.reason) == (
            first["id"],
            "invalidated",
            "agent withdrew it",
        )
        second_id = next(
            e.notification.id
            for e in events
            if isinstance(e, NotificationReceived) and e.notification.title == "second"
        )
        client = RespondClient(server.url, TOKEN, store)
        outcome = await client.respond(second_id, "why", "not now")
        await client.aclose()
        assert outcome.kind == "sent"
        assert server.state.responses[-1]["response_data"] == "not now"
        assert len(server.state.responses) == 1
        assert store.get(second_id).status == "responded"


async def test_restart_resumes_and_shows_nothing_twice(tmp_path) -> None:
    async with RunningServer(config()) as server:
        for i in range(3):
            server.state.add_notification(body(f"n{i}"))
        first = await collect(
            make_engine(server.url, token=TOKEN, state_dir=tmp_path), has_notifications(3)
        )
        for i in range(3, 5):
            server.state.add_notification(body(f"n{i}"))
        second = await collect(
            make_engine(server.url, token=TOKEN, state_dir=tmp_path), has_notifications(2)
        )
        assert [e.notification.title for e in first if isinstance(e, NotificationReceived)] == [
            "n0",
            "n1",
            "n2",
        ]
        assert [e.notification.title for e in second if isinstance(e, NotificationReceived)] == [
            "n3",
            "n4",
        ]
        resume = server.state.stream_requests[-1]
        cursor = next(e.event_id for e in reversed(first) if isinstance(e, NotificationReceived))
        assert resume["last_event_id_header"] == cursor
        assert resume["last_event_id_query"] == cursor


async def test_types_filter_and_token_in_query() -> None:
    async with RunningServer(config()) as server:
        note = server.state.add_notification(body("only"))
        server.state.invalidate(note["id"])
        server.state.add_notification(body("next"))
        engine = make_engine(server.url, token=TOKEN, types=("notification",), token_in_query=True)
        events = await collect(engine, has_notifications(2))
        assert not any(isinstance(e, StatusChanged) for e in events)
        request = server.state.stream_requests[-1]
        assert request["types"] == "notification"
        assert request["query_token"] and not request["authorization"]


async def test_deadline_expiry_reaches_the_client() -> None:
    async with RunningServer(config(expiry_check_interval=0.1)) as server:
        soon = (datetime.now(UTC) + timedelta(seconds=0.5)).isoformat()
        note = server.state.add_notification(body("hurry", deadline=soon))
        engine = make_engine(server.url, token=TOKEN)
        events = await collect(engine, lambda ev: any(isinstance(e, StatusChanged) for e in ev))
        change = next(e for e in events if isinstance(e, StatusChanged))
        assert (change.notification_id, change.status) == (note["id"], "expired")
        client = RespondClient(server.url, TOKEN)
        outcome = await client.respond(note["id"], "approve", None)
        await client.aclose()
        assert outcome.kind == "expired"


async def test_reconnects_never_hold_two_streams() -> None:
    """Case 43 [G8] against the real server: 20 forced reconnects, one stream at a time."""
    async with RunningServer(config()) as server:
        server.state.add_notification(body("x"))
        engine = make_engine(server.url, token=TOKEN)
        count = {"connected": 0}

        def until(events: list) -> bool:
            last = events[-1]
            if getattr(getattr(last, "state", None), "kind", None) == "connected":
                count["connected"] += 1
                if count["connected"] < 20:
                    asyncio.get_running_loop().call_later(0.02, engine.reconnect_now)
            return count["connected"] >= 20

        events = await collect(engine, until, timeout=30)
        assert notification_ids(events) == [notification_ids(events)[0]]
        assert server.state.max_open_streams == 1


async def test_the_store_is_checkpointed_once_the_stream_is_quiet(tmp_path, monkeypatch) -> None:
    # The checkpoint (where WAL mode fsyncs) waits for a quiet stream, not for 4 MB of WAL.
    monkeypatch.setattr("atp_tui.client.stream.CHECKPOINT_WHEN_QUIET", 0.05)
    store = Store.open(tmp_path)
    checkpoints: list[bool] = []
    original = store.checkpoint_async  # the TUI's store checkpoints in its writer thread

    async def checkpoint() -> None:
        checkpoints.append(store.has_pending_writes)
        await original()

    monkeypatch.setattr(store, "checkpoint_async", checkpoint)
    async with RunningServer(config()) as server:
        for i in range(3):
            server.state.add_notification(body(f"n{i}"))
        engine = make_engine(server.url, store, token=TOKEN)
        received: list[str] = []

        async def run() -> None:
            async for event in engine.events():
                if isinstance(event, NotificationReceived):
                    received.append(event.notification.id)

        task = asyncio.create_task(run())
        for _ in range(200):  # up to 10 s
            if len(received) == 3 and checkpoints:
                break
            await asyncio.sleep(0.05)
        engine.stop()
        await asyncio.wait_for(task, 10)
    assert len(received) == 3
    assert checkpoints == [False]  # once, after everything was committed
    assert not store.needs_checkpoint
    store.close()
