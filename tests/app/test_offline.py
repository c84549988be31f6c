"""Offline start on the cached inbox (marked stale), and the "while you were away" summary."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

from atp_tui.app import build_app
from atp_tui.client.events import ConnectionChanged, ConnectionState, StatusChanged
from atp_tui.screens.away import AwayScreen
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store
from atp_tui.view.catchup import CatchUp
from atp_tui.view.items import AnswerState
from tests.app.conftest import TOKEN, in_minutes, settled, wait_for
from tests.app.test_answering import PLAIN
from tests.server_helpers import notification_body
from tests.snapshots.harness import CONNECTED, NOW, FrozenClock, make_app, notification, received


def _refusing_url() -> str:
    """A loopback URL where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def _first_run(url: str, state_dir: Path, rows: int) -> None:
    """Run the app against `url` until it shows `rows` rows, then quit (the store persists)."""
    store = Store.open(state_dir)
    app = build_app(server=url, token=TOKEN, store=store, bell_on_new=False, cursor_blink=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == rows)
        await pilot.press("q")
    store.close()


async def _cache_one(server: RunningServer, state_dir: Path) -> None:
    """ "Deploy api?" on `server`, cached in `state_dir` by a first run."""
    server.state.add_notification(
        notification_body(title="Deploy api?", actions=[PLAIN], deadline=in_minutes(30))
    )
    await _first_run(server.url, state_dir, 1)


def _status_text(app: Any) -> str:
    return str(app.main.query_one("#status-bar").render())


async def test_restart_with_the_server_down_shows_the_cached_inbox_marked_stale(
    tmp_path: Path,
) -> None:
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as server:
        for title in ("Deploy api?", "Rotate keys?"):
            server.state.add_notification(
                notification_body(title=title, actions=[PLAIN], deadline=in_minutes(30))
            )
        await _first_run(server.url, tmp_path, 2)
    # The server is gone: the next start must not wait for it.
    store = Store.open(tmp_path)
    app = build_app(
        server=_refusing_url(), token=TOKEN, store=store, bell_on_new=False, cursor_blink=False
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.main.inbox.row_count == 2
        titles = {item.notification.title for item in app.main.inbox.items()}
        assert titles == {"Deploy api?", "Rotate keys?"}
        marker = app.main.query_one("#stale-marker")
        assert marker.display
        assert "stale: cached at" in str(marker.render())
        assert "stale cache" in _status_text(app)
        await wait_for(pilot, lambda: app.main.connection.kind == "reconnecting")
        assert app.main.stale_since is not None  # still stale: never connected
        assert not isinstance(app.screen, AwayScreen)
    store.close()


async def test_the_filter_finds_a_cached_item_by_its_description(tmp_path: Path) -> None:
    """A cached inbox leaves the description heads in the database (memory); the filter still
    searches them, read from the store when it first needs them."""
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as server:
        for title, description in (("Deploy api?", "canary green"), ("Rotate keys?", "HSM")):
            body = notification_body(title=title, actions=[PLAIN], deadline=in_minutes(30))
            body["context"]["description"] = description
            server.state.add_notification(body)
        await _first_run(server.url, tmp_path, 2)
    store = Store.open(tmp_path)
    app = build_app(
        server=_refusing_url(), token=TOKEN, store=store, bell_on_new=False, cursor_blink=False
    )
    async with app.run_test(size=(120, 30)) as pilot:
        inbox = app.main.inbox
        await wait_for(pilot, lambda: inbox.row_count == 2)
        assert all(item.summary.description_head is None for item in inbox.items())
        await pilot.press("slash", *"canary")
        await wait_for(pilot, lambda: inbox.row_count == 1)
        assert inbox.get(inbox.row_ids()[0]).summary.title == "Deploy api?"  # type: ignore[union-attr]
    store.close()


async def test_a_filter_left_empty_drops_the_heads_it_read_ahead(tmp_path: Path) -> None:
    """`/` reads every description head ahead (≈ 16–26 MB at 50,000 rows); a filter closed
    with nothing typed, by Escape or by Enter, must not keep them until the next filter."""
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as server:
        await _cache_one(server, tmp_path)
    store = Store.open(tmp_path)
    app = build_app(
        server=_refusing_url(), token=TOKEN, store=store, bell_on_new=False, cursor_blink=False
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        filter_box = app.main.query_one("#filter")
        for leave in ("escape", "enter"):
            await pilot.press("slash")
            await settled(pilot)
            assert store._heads_read is not None
            await pilot.press(leave)
            await settled(pilot)
            assert store._heads_read is None, leave
            assert not filter_box.display, leave
            assert app.main.inbox.has_focus
        await pilot.press("slash", "D", "enter")  # a filter in use stays
        await settled(pilot)
        assert filter_box.display
        assert app.main.inbox.row_count == 1
        await pilot.press("slash", "backspace", "tab")  # emptied, then left without Enter
        await settled(pilot)
        assert filter_box.display and not filter_box.has_focus
        await pilot.press("escape")  # closes it all the same (it stayed, keeping the heads)
        await settled(pilot)
        assert not filter_box.display
        assert store._heads_read is None
    store.close()


async def test_restart_with_nothing_new_says_when_the_last_event_came(tmp_path: Path) -> None:
    """Reconnected and nothing new replayed: the status bar said "last event none" (nothing
    this run), as if the stream had never delivered anything."""
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as server:
        await _cache_one(server, tmp_path)
        store = Store.open(tmp_path)
        app = build_app(
            server=server.url, token=TOKEN, store=store, bell_on_new=False, cursor_blink=False
        )
        async with app.run_test(size=(150, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.connection.kind == "connected")
            await pilot.pause()
            assert "last event just now" in _status_text(app)  # the first run's, seconds ago
        store.close()


async def test_restart_catches_up_and_summarises_the_gap(tmp_path: Path) -> None:
    async with RunningServer(ServerConfig(user_token=TOKEN, ping_interval=0.5)) as server:
        kept = server.state.add_notification(
            notification_body(title="Kept", actions=[PLAIN], deadline=in_minutes(30))
        )["id"]
        dropped = server.state.add_notification(
            notification_body(title="Dropped", actions=[PLAIN], deadline=in_minutes(30))
        )["id"]
        await _first_run(server.url, tmp_path, 2)
        # While the app is down: one new request, one invalidated, one answered elsewhere.
        server.state.add_notification(
            notification_body(title="Arrived later", actions=[PLAIN], deadline=in_minutes(30))
        )
        server.state.invalidate(dropped, "replaced")
        server.state.respond(kept, "ack", None)
        store = Store.open(tmp_path)
        app = build_app(
            server=server.url, token=TOKEN, store=store, bell_on_new=False, cursor_blink=False
        )
        async with app.run_test(size=(120, 30)) as pilot:
            assert len(app.cached) == 2
            await wait_for(pilot, lambda: isinstance(app.screen, AwayScreen), timeout=10)
            assert app.main.stale_since is None
            assert not app.main.query_one("#stale-marker").display
            summary = app.screen.summary
            assert [entry.title for entry in summary.arrived] == ["Arrived later"]
            assert [entry.title for entry in summary.invalidated] == ["Dropped"]
            assert [entry.title for entry in summary.answered_elsewhere] == ["Kept"]
            await pilot.press("escape")
            assert app.screen is app.main
            await pilot.press("w")
            assert isinstance(app.screen, AwayScreen)
        store.close()


async def test_reconnect_gap_summary_from_the_catch_up_batch() -> None:
    clock = FrozenClock()
    items = [
        notification("a", "answered by us", deadline=30),
        notification("b", "answered elsewhere", deadline=30),
        notification("c", "runs out", deadline=2),
    ]
    app = make_app([CONNECTED, *received(items)], clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 3)
        app.main.answers["a"] = AnswerState("sent", "sent at 09:30", "approve")
        app.engine.push(ConnectionChanged(ConnectionState("reconnecting", "server closed", 1, 1)))
        await wait_for(pilot, lambda: app.main.intake.catchup.in_gap)
        clock.advance(5 * 60)  # "c" expires on the client clock during the gap
        app.engine.push(
            CONNECTED,
            *received([notification("d", "new one")]),
            StatusChanged("a", "responded", "by you", "e20"),
            StatusChanged("b", "responded", "answered in the web UI", "e21"),
        )
        await wait_for(pilot, lambda: isinstance(app.screen, AwayScreen), timeout=5)
        summary = app.screen.summary
        assert [e.notification_id for e in summary.arrived] == ["d"]
        assert [e.notification_id for e in summary.answered_elsewhere] == ["b"]
        assert [e.notification_id for e in summary.expired] == ["c"]
        assert summary.since == NOW


async def test_the_summary_waits_while_a_dialog_is_open() -> None:
    app = make_app([CONNECTED, *received([notification("a", "first")])])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("question_mark")
        app.engine.push(ConnectionChanged(ConnectionState("reconnecting", "x", 1, 1)))
        app.engine.push(CONNECTED, *received([notification("b", "second")]))
        await wait_for(pilot, lambda: app.main.intake.away is not None, timeout=5)
        assert not isinstance(app.screen, AwayScreen)
        # The toast is a message to the app, added when handled: wait for it.
        await wait_for(
            pilot,
            lambda: any("While you were away: 1 arrived" in n.message for n in app._notifications),
        )


def test_catchup_no_gap_without_a_cache_or_a_drop() -> None:
    catchup = CatchUp()
    assert not catchup.feed(CONNECTED, NOW)
    assert not catchup.collecting
    assert not catchup.feed(ConnectionChanged(ConnectionState("connecting")), NOW)
    assert catchup.in_gap  # dropped after having been connected
    assert catchup.since == NOW
    assert catchup.feed(CONNECTED, NOW + timedelta(seconds=5))
    summary = catchup.finish(lambda _: None, [], {}, NOW + timedelta(seconds=6))
    assert summary.empty and summary.headline() == "no changes"
