"""SSE-CLIENT-RULES.md §(e) cases 26–29, 35 and 66(a), through real sockets: dedupe by event id
and by notification, the cursor on resume, and the first request (no cursor, the token only
in the header)."""

from __future__ import annotations

import json

import httpx

from atp_tui.client.delivery import Delivery
from atp_tui.client.events import NotificationReceived, NotificationUpdated
from atp_tui.client.polling import REFRESH_EVERY_ROUNDS, Poller
from atp_tui.client.stream import EngineConfig
from atp_tui.protocol.clock import SYSTEM_CLOCK
from atp_tui.protocol.models import Notification
from atp_tui.store import Store
from atp_tui.store.headless import HeadlessStore
from tests.engine_helpers import (
    collect,
    has_notifications,
    has_state,
    make_engine,
    notification_ids,
    status_changes,
)
from tests.hostile import Conn, HostileServer, frame, notification, notification_frames


async def test_duplicate_ids_in_one_stream_and_across_a_reconnect(fake_clock) -> None:
    """Case 26 [G5]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(notification_frames(38, 42) + notification_frames(41, 42))
        else:
            await conn.write(notification_frames(38, 43))
            await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(5))
    assert notification_ids(events) == ["n38", "n39", "n40", "n41", "n42"]
    assert engine.stats.duplicates == 5


async def test_same_notification_with_a_new_event_id_is_shown_once(fake_clock) -> None:
    """Case 27 [G5]."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write(frame(notification("n1"), event_id="1001"))
        await conn.write(frame(notification("n2"), event_id="1002"))
        await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]


async def test_event_without_own_id_is_not_a_duplicate(fake_clock) -> None:
    """Case 28 [E5; H11]: shown, and the cursor does not move backwards."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write(frame(notification("n2")))
        await conn.write(
            frame({"notification_id": "n1", "status": "expired"}, event="status_update")
        )
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda ev: any(hasattr(e, "status") for e in ev))
    assert notification_ids(events) == ["n1", "n2"]
    assert engine._store.cursor == "1"


async def test_ids_out_of_order_resume_from_the_last_received(fake_clock) -> None:
    """Case 29 [F3]: ids are opaque, never compared numerically."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            for number in (5, 3, 4):
                await conn.write(frame(notification(f"n{number}"), event_id=str(number)))
        else:
            await conn.hang()

    async with HostileServer(script) as server:
        events = await collect(make_engine(server.url, clock=fake_clock), has_state("connected", 2))
    assert notification_ids(events) == ["n5", "n3", "n4"]
    assert server.requests[1].last_event_id == "4"


async def test_first_connection_sends_no_cursor_and_token_only_in_header(fake_clock) -> None:
    """Cases 35 and 66(a): no resume on the first connection; the token never in the URL."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(notification_frames(1, 2))
        await conn.hang()

    async with HostileServer(script) as server:
        await collect(make_engine(server.url, clock=fake_clock), has_notifications(1))
    first = server.requests[0]
    assert first.last_event_id is None and "last_event_id" not in first.query
    assert first.headers["authorization"] == "Bearer s3cret-token-value"
    assert first.headers["accept"] == "text/event-stream"
    assert first.headers["cache-control"] == "no-cache"
    assert "token" not in first.query
    assert "s3cret" not in first.path


async def test_a_known_notification_sent_again_in_a_later_state_moves_it(fake_clock) -> None:
    """The same notification again, now withdrawn (a server that re-sends it rather than a
    `status_update`): the move is announced as a status change. The store took it silently
    before: the row stayed open and `watch` printed nothing (found by an independent QA
    pass, in the polling fallback's refresh: the test below)."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write(frame(notification("n1", status="invalidated"), event_id="2"))
        await conn.write(frame(notification("n1", status="delivered"), event_id="3"))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, lambda seen: bool(status_changes(seen)))
    assert notification_ids(events) == ["n1"]
    assert status_changes(events) == [("n1", "invalidated")]


def _updates(events: list[object]) -> list[str]:
    return [event.notification_id for event in events if isinstance(event, NotificationUpdated)]


async def test_a_known_notification_sent_again_changed_is_shown_again(fake_clock) -> None:
    """The same notification again with a new title and actions: shown once, then announced
    as updated, so the inbox shows what the store holds (its row kept the first title while
    the detail pane and `atp-tui list` showed the new one; found by an independent QA pass).
    The same copy again, or only a later state, is no update."""
    changed = notification(
        "n1",
        title="Decision n1, revised",
        actions=[{"id": "no", "label": "No", "response_type": "simple"}],
    )

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.write(frame(changed, event_id="2"))
        await conn.write(frame(changed, event_id="3"))
        await conn.write(frame({**changed, "status": "invalidated"}, event_id="4"))
        await conn.write(frame(notification("n2"), event_id="5"))
        await conn.hang()

    async with HostileServer(script) as server:
        store = Store.in_memory()
        engine = make_engine(server.url, store, clock=fake_clock)
        events = await collect(engine, has_notifications(2))
    assert notification_ids(events) == ["n1", "n2"]
    assert _updates(events) == ["n1"]
    assert status_changes(events) == [("n1", "invalidated")]
    assert store.get("n1").summary.title == "Decision n1, revised"
    assert [action.id for action in store.get("n1").notification.actions] == ["no"]
    assert engine.stats.duplicates == 2  # the unchanged copy, and the one only in a later state


async def test_watch_store_announces_no_update(tmp_path) -> None:
    """`watch` prints an id once: its store never calls a copy changed."""
    store = HeadlessStore.open(tmp_path)
    delivery = Delivery(store, SYSTEM_CLOCK)
    first = Notification.model_validate(notification("n1"))
    again = Notification.model_validate(notification("n1", title="Revised"))
    assert isinstance(delivery.handle_notification(first, {}, "1")[0], NotificationReceived)
    assert delivery.handle_notification(again, {}, "2") == []
    store.close()


async def test_the_polling_refresh_announces_what_closed_since() -> None:
    """No SSE: the poller's refresh (every `REFRESH_EVERY_ROUNDS` rounds) finds n1 withdrawn
    and n2 answered elsewhere; both are announced, so the rows close and `watch` prints a
    `status_update` for each."""
    state = {"n1": "delivered", "n2": "delivered"}

    async def script(conn: Conn) -> None:
        items = [notification(nid, status=status) for nid, status in state.items()]
        body = json.dumps({"notifications": items, "pagination": {"has_more": False}})
        await conn.send_response(200, body.encode(), "application/json")

    async with HostileServer(script) as server:
        store = Store.in_memory()
        delivery = Delivery(store, SYSTEM_CLOCK)
        poller = Poller(EngineConfig(server.url, "tok"), store, delivery, SYSTEM_CLOCK)
        async with httpx.AsyncClient() as client:
            first = await poller.poll(client)
            state.update(n1="invalidated", n2="responded")
            later = [
                event for _ in range(REFRESH_EVERY_ROUNDS) for event in await poller.poll(client)
            ]
    assert notification_ids(first) == ["n1", "n2"]
    assert status_changes(later) == [("n1", "invalidated"), ("n2", "responded")]
    assert store.get("n1").status == "invalidated"


async def test_event_ids_reused_for_new_notifications_lose_nothing(fake_clock) -> None:
    """A server whose event counter starts again at 1 after a restart sends new notifications
    under ids already seen: they are delivered (the notification id decides), and the old
    ones sent again are still shown once. Before, the new ones were dropped for good, in
    `watch` and in the TUI (found by an independent QA pass)."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        if conn.request.index == 0:
            await conn.write(
                "".join(frame(notification(f"old{i}"), event_id=str(i)) for i in (1, 2))
            )
            return  # the server goes away
        replay = [frame(notification("old1"), event_id="1")]  # a full replay, renumbered
        replay += [frame(notification(f"new{i}"), event_id=str(i)) for i in (2, 3)]
        await conn.write("".join(replay))
        await conn.hang()

    async with HostileServer(script) as server:
        engine = make_engine(server.url, clock=fake_clock)
        events = await collect(engine, has_notifications(4))
    assert notification_ids(events) == ["old1", "old2", "new2", "new3"]


async def test_a_status_update_held_for_its_notification_survives_a_restart(
    fake_clock, tmp_path
) -> None:
    """`responded` for n1 comes before n1, and the client stops in between. The update is
    held in memory for n1, so the cursor stays before it: the next start gets it again and
    n1 shows answered. Before, the cursor moved past it, the restart never saw it, and n1
    showed open though the server had closed it (found by an independent QA pass)."""
    stream = [
        frame(
            {"notification_id": "n0", "status": "responded"}, event="status_update", event_id="1"
        ),
        frame(notification("n0"), event_id="2"),
        frame(
            {"notification_id": "n1", "status": "responded"}, event="status_update", event_id="3"
        ),
        frame(notification("n1"), event_id="4"),
    ]

    async def script(conn: Conn) -> None:
        await conn.send_head()
        after = int(conn.request.last_event_id or 0)
        if conn.request.index == 0:
            await conn.write("".join(stream[:3]))  # n1 itself not yet
        else:
            await conn.write("".join(stream[after:]))
        await conn.hang()

    async with HostileServer(script) as server:
        store = Store.open(tmp_path)
        first = make_engine(server.url, store, clock=fake_clock)
        # The three frames come in one read: the held update is handled with the others.
        await collect(first, lambda seen: ("n0", "responded") in status_changes(seen))
        assert store.cursor == "2"  # not past the update held for n1
        store.close()
        second = make_engine(server.url, clock=fake_clock, state_dir=tmp_path)
        events = await collect(second, lambda seen: ("n1", "responded") in status_changes(seen))
    assert notification_ids(events) == ["n1"]
