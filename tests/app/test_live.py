"""Live updates, connection states, conflicts, bursts and scale."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from textual.strip import Strip

from atp_tui.app import BURST_EVENTS, BURST_FRAME_SECONDS, FRAME_SECONDS
from atp_tui.client.events import (
    ConnectionChanged,
    ConnectionState,
    NotificationReceived,
    StatusChanged,
)
from atp_tui.client.respond import RespondOutcome
from atp_tui.screens.engine_events import BELL_QUIET
from atp_tui.server import RunningServer
from atp_tui.view.items import display_state
from atp_tui.widgets.inbox import InboxList
from tests.app.conftest import in_minutes, make_live_app, settled, wait_for
from tests.app.test_answering import IRREVERSIBLE, PLAIN, add
from tests.server_helpers import ALL_ACTIONS, notification_body
from tests.snapshots.harness import (
    CONNECTED,
    FrozenClock,
    inbox_items,
    make_app,
    notification,
    received,
)


async def test_new_notifications_never_move_the_cursor(server: RunningServer) -> None:
    add(server, "Later", [PLAIN], project="b")
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        inbox = app.main.inbox
        selected = inbox.cursor_id
        for minutes in (1, 2, 3):  # sooner deadlines: they sort above the selected row
            server.state.add_notification(
                notification_body(
                    title=f"urgent {minutes}", actions=[PLAIN], deadline=in_minutes(minutes)
                )
            )
        await wait_for(pilot, lambda: inbox.row_count == 4)
        assert inbox.cursor_id == selected
        assert inbox.row_ids()[-1] == selected
        assert app.main.detail.notification_id == selected


async def test_rows_inserted_above_keep_the_cursor_on_its_screen_line() -> None:
    items = [notification(f"n{i:03d}", f"row {i}", deadline=10 + i) for i in range(100)]
    app = make_app([CONNECTED, *received(items)])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 100)
        inbox = app.main.inbox
        await pilot.press(*["j"] * 40)
        selected = inbox.cursor_id
        line = inbox.index_of(selected) - round(inbox.scroll_y)
        sooner = [notification(f"s{i}", f"sooner {i}", deadline=1 + i / 10) for i in range(5)]
        app.engine.push(*received(sooner))
        await wait_for(pilot, lambda: inbox.row_count == 105)
        assert inbox.cursor_id == selected
        assert inbox.index_of(selected) == 45
        assert inbox.index_of(selected) - round(inbox.scroll_y) == line


async def test_status_update_greys_out_and_disables(server: RunningServer) -> None:
    nid = add(server, "Withdrawn soon", [IRREVERSIBLE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        server.state.invalidate(nid, "replaced by build 2.14.4")
        await wait_for(pilot, lambda: app.store.get(nid).status == "invalidated")
        detail_state = app.main.detail.query_one("#detail-state")
        await wait_for(
            pilot, lambda: "invalidated: replaced by build 2.14.4" in str(detail_state.render())
        )
        item = app.main.inbox.get(nid)
        assert display_state(item, None, app.clock.now()) == "invalidated"
        await pilot.press("1")
        await settled(pilot)
        assert app.screen is app.main  # no confirm modal for a closed item
    assert server.state.respond_attempts == []


async def test_invalidated_while_the_modal_is_open_is_not_sent(server: RunningServer) -> None:
    nid = add(server, "Race", [IRREVERSIBLE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("1")
        server.state.invalidate(nid, "gone")
        await wait_for(pilot, lambda: app.store.get(nid).status == "invalidated")
        await pilot.press("y")
        await settled(pilot)
    assert server.state.respond_attempts == []


async def test_server_409_moves_the_item(server: RunningServer) -> None:
    """Answered elsewhere before our stream told us: the 409 moves the item to answered."""
    nid = add(server, "Raced", [PLAIN])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        app.engine.stop()  # no status_update reaches us
        streams = [worker for worker in app.workers if worker.group == "stream"]
        await wait_for(pilot, lambda: all(worker.is_finished for worker in streams))
        server.state.respond(nid, "ack", None)  # another device
        await pilot.press("1")
        await wait_for(
            pilot, lambda: nid in app.main.answers and app.main.answers[nid].kind == "elsewhere"
        )
        assert app.store.get(nid).status == "responded"
    assert len(server.state.responses) == 1


async def test_deadline_passing_on_the_client_clock_disables() -> None:
    clock = FrozenClock()
    app = make_app([CONNECTED, *received([notification("n1", "Soon", deadline=0.5)])], clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        assert not app.main.detail.query_one("#detail-actions").get_option_at_index(0).disabled
        clock.advance(31)
        app.main.tick()
        await pilot.pause()
        assert app.main.detail.query_one("#detail-actions").get_option_at_index(0).disabled
        assert "expired" in str(app.main.detail.query_one("#detail-state").render())
        await pilot.press("2")
        await pilot.pause()
        assert app.screen is app.main
        assert app.respond.calls == []


async def test_refused_answer_shows_the_reason_and_allows_retry() -> None:
    refused = RespondOutcome("refused", "Replicas above quota (CONSTRAINT_VIOLATION)", 422)
    app = make_app([CONNECTED, *received([notification("n1", "Scale?")])], outcomes=[refused])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("2", *"x", "enter")
        await wait_for(
            pilot, lambda: "n1" in app.main.answers and app.main.answers["n1"].kind == "refused"
        )
        assert "refused: Replicas above quota" in str(
            app.main.detail.query_one("#detail-state").render()
        )
        await pilot.press("2")
        assert app.screen.query_one("Input").value == "x"  # the input is kept for the retry
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.answers["n1"].kind == "sent")
    assert len(app.respond.calls) == 2


async def test_connection_states_reach_the_status_bar() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        bar = app.main.query_one("#status-bar")
        assert "connecting" in str(bar.render())
        app.engine.push(ConnectionChanged(ConnectionState("reconnecting", "server closed", 6.0, 2)))
        await wait_for(pilot, lambda: "reconnecting in 6 s (attempt 2)" in str(bar.render()))
        app.engine.push(ConnectionChanged(ConnectionState("auth_refused", "token refused")))
        await wait_for(pilot, lambda: "credentials refused" in str(bar.render()))
        assert bar.has_class("-error")
        await pilot.press("r")
        assert app.engine.reconnects == 1


async def test_wrong_token_shows_credentials_refused(server: RunningServer) -> None:
    app = make_live_app(server.url, token="wrong")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.connection.kind == "auth_refused")
        bar = app.main.query_one("#status-bar")
        await wait_for(pilot, lambda: "credentials refused" in str(bar.render()))


async def test_connected_then_reconnecting_when_the_server_goes(server: RunningServer) -> None:
    app = make_live_app(server.url, heartbeat_timeout=2.0)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.connection.kind == "connected")
        server.state.close_streams()
        await wait_for(pilot, lambda: app.main.connection.kind in ("reconnecting", "connecting"))
        await wait_for(pilot, lambda: app.main.connection.kind == "connected", timeout=10)
    first, second = server.state.stream_requests[:2]
    assert first["authorization"] and second["authorization"]  # the reconnect is signed in too
    assert second["client_id"] == first["client_id"]  # the same client, resuming


def count_drawn_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the inbox lines drawn from now on (`InboxList.render_line`, Textual's hook)."""
    drawn = [0]
    draw = InboxList.render_line

    def counted(self: InboxList, y: int) -> Strip:
        drawn[0] += 1
        return draw(self, y)

    monkeypatch.setattr(InboxList, "render_line", counted)
    return drawn


async def test_a_burst_of_10000_is_a_few_redraws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The burst is applied in a few batches and draws a few screens, not a row per event
    (counted, not timed: a loaded machine slows both alike)."""
    items = [notification(f"n{i:05d}", f"burst {i}", deadline=(i % 500) + 1) for i in range(10_000)]
    app = make_app([CONNECTED, *received(items)])
    drawn = count_drawn_lines(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 10_000, timeout=30)
        await pilot.pause()
        assert app.batches <= 3
        assert drawn[0] <= 10 * 30  # a few screens of 30 lines
        first = app.main.inbox.cursor_id
        app.engine.push(*received([notification("late", "late one", deadline=0.1)]))
        await wait_for(pilot, lambda: app.main.inbox.row_count == 10_001)
        assert app.main.inbox.cursor_id == first


async def test_a_burst_is_applied_at_most_ten_times_a_second_and_a_lone_event_at_once() -> None:
    """On a real terminal every batch is a frame of rows written out: during a replay, batches
    of `BURST_EVENTS` or more come `BURST_FRAME_SECONDS` apart (sixty a second took a third
    of a 10,000-event replay's time onto a 50,000-item inbox, measured on a pty); the next
    lone notification goes back to one frame."""
    app = make_app([CONNECTED])
    applied: list[tuple[float, int]] = []
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.batches >= 1)
        apply = app.main.apply_events

        def timed(batch: list[object]) -> None:
            applied.append((time.monotonic(), len(batch)))
            apply(batch)

        app.main.apply_events = timed  # type: ignore[method-assign]
        for chunk in range(12):
            items = [notification(f"b{chunk}-{i}", f"burst {i}") for i in range(BURST_EVENTS)]
            app.engine.push(*received(items))
            await asyncio.sleep(0.03)
        await wait_for(pilot, lambda: app.main.inbox.row_count == 12 * BURST_EVENTS)
        gaps = [b[0] - a[0] for a, b in pairwise(applied) if a[1] >= BURST_EVENTS]
        assert gaps and min(gaps) >= BURST_FRAME_SECONDS * 0.95, applied
        await asyncio.sleep(BURST_FRAME_SECONDS)
        app.engine.push(*received([notification("lone", "lone one")]))
        await wait_for(pilot, lambda: app.main.inbox.get("lone") is not None)
        assert applied[-1][1] == 1 and app._frame == FRAME_SECONDS


async def test_50000_rows_stay_responsive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moving through 50,000 rows and a tick draw what is on screen only (counted, not timed):
    the work per key does not grow with the inbox."""
    items = [notification(f"n{i:05d}", f"row {i}", deadline=i + 1) for i in range(50_000)]
    app = make_app([CONNECTED, *received(items)])
    drawn = count_drawn_lines(monkeypatch)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 50_000, timeout=60)
        await pilot.pause()
        drawn[0] = 0
        await pilot.press("G", "k", "g", "j", "j")
        app.main.tick()
        await pilot.pause()
        assert app.main.inbox.cursor_id == "n00002"
        assert drawn[0] <= 6 * 30  # at most a screen of 30 lines per key and for the tick


async def test_bell_rings_once_per_batch_of_new_notifications() -> None:
    app = make_app([CONNECTED, *received(inbox_items())])
    app.bell_on_new = True
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.batches >= 1)
        assert app.main.intake.bells == 1
        app.engine.push(StatusChanged("n-promote", "invalidated", "x", "e9"))
        await wait_for(pilot, lambda: app.batches >= 2)  # the update was applied
        await pilot.pause()
        assert app.main.intake.bells == 1


async def test_a_burst_in_several_batches_rings_the_bell_once() -> None:
    """A replay arrives in batches (ten a second) and rang the bell for each: three to five
    bells for one startup burst (an independent check). Within `BELL_QUIET` of a bell, new
    notifications ring no other; later ones do."""
    clock = FrozenClock()
    app = make_app([CONNECTED, *received(inbox_items())], clock=clock)
    app.bell_on_new = True
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.batches >= 1)
        assert app.main.intake.bells == 1
        clock.advance(BELL_QUIET / 2)
        app.engine.push(NotificationReceived(notification("late-1", "Late one"), "e20"))
        await wait_for(pilot, lambda: app.main.inbox.get("late-1") is not None)
        assert app.main.intake.bells == 1
        clock.advance(BELL_QUIET)
        app.engine.push(NotificationReceived(notification("late-2", "Later one"), "e21"))
        await wait_for(pilot, lambda: app.main.inbox.get("late-2") is not None)
        assert app.main.intake.bells == 2


async def test_unread_until_selected_for_a_second() -> None:
    clock = FrozenClock()
    app = make_app([CONNECTED, *received(inbox_items())], clock=clock)
    app.ticking = True
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        first = app.main.inbox.cursor_id
        app.main.tick()  # time has not moved: selected, but not yet for a second
        await pilot.pause()
        assert not app.store.get(first).read
        clock.advance(1.1)
        await wait_for(pilot, lambda: app.store.get(first).read)
        await pilot.press("j")
        second = app.main.inbox.cursor_id
        clock.advance(0.5)
        app.main.tick()
        await pilot.pause()
        assert not app.store.get(second).read


async def test_sort_toggle_and_filter() -> None:
    app = make_app([CONNECTED, *received(inbox_items())])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        inbox = app.main.inbox
        assert inbox.row_ids()[0] == "n-promote"  # soonest deadline
        await pilot.press("s")
        assert inbox.row_ids()[0] == "n-notes"  # newest
        assert inbox.cursor_id == "n-promote"  # still selected
        await pilot.press("slash", *"refund")
        assert inbox.row_ids() == ["n-refund"]
        assert inbox.cursor_id == "n-refund"
        await pilot.press("escape")
        assert inbox.row_count == 5
        assert not inbox._rows._haystacks  # a closed filter keeps no search text (≈ 1 KB a row)
        await pilot.press("slash", *"db-guardian", "enter")
        assert inbox.row_ids() == ["n-migrate"]
        assert inbox.has_focus


async def test_keys_typed_right_after_slash_go_to_the_filter() -> None:
    """Over a slow SSH link "/1s" arrives in one burst: every key after the slash is filter
    text, none of them a binding (`1` would answer the selected notification, `s` re-sort)."""
    from textual import events

    app = make_app([CONNECTED, *received(inbox_items())])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        order = app.main.inbox.row_ids()
        for key, character in (("slash", "/"), ("1", "1"), ("s", "s")):
            app.post_message(events.Key(key, character))  # as the driver does: no waiting
        await wait_for(pilot, lambda: app.key_order.applied == 3)
        await settled(pilot)
        assert app.query_one("#filter").value == "1s"
        assert app.respond.calls == []
        assert app.screen is app.main  # no answer modal was opened by the `1`
        await pilot.press("slash")  # in the filter, the filter key is text
        assert app.query_one("#filter").value == "1s/"
        app.main.action_back()
        await pilot.pause()
        assert app.main.inbox.row_ids() == order


async def test_an_answer_typed_in_one_burst_is_what_was_typed() -> None:
    """`2`, the text and Enter arriving at once (SSH): the text modal gets every character.
    Before, the text went to the inbox while the modal opened, and Enter sent an empty reply."""
    from textual import events

    app = make_app([CONNECTED, *received(inbox_items())])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        await pilot.press("j")  # n-migrate: action 2 is a text reply
        for key, character in (("2", "2"), ("l", "l"), ("1", "1"), ("enter", None)):
            app.post_message(events.Key(key, character))  # as the driver does: no waiting
        await wait_for(pilot, lambda: app.respond.calls != [])
        assert app.respond.calls == [("n-migrate", "reply", "l1")]


async def test_quit_asks_while_an_answer_is_pending() -> None:
    import asyncio

    app = make_app([CONNECTED, *received(inbox_items())])
    app.respond.hold = asyncio.Event()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        await pilot.press("j", "2", *"later", "enter")  # n-migrate's text action
        await wait_for(pilot, lambda: app.main.answering.pending_count == 1)
        await pilot.press("q")
        assert type(app.screen).__name__ == "QuitConfirm"
        await pilot.press("n")
        assert app.screen is app.main
        app.respond.hold.set()
        await wait_for(pilot, lambda: app.main.answering.pending_count == 0)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_help_lists_every_binding_with_its_id() -> None:
    app = make_app([CONNECTED, *received(inbox_items())])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        rows = app.screen.rows
        ids = {row[2] for row in rows}
        for needed in (
            "main.answer-1 … main.answer-9",  # one row for the nine answer keys (issue #11)
            "main.filter",
            "main.sort",
            "main.reconnect",
            "main.help",
            "main.quit",
            "inbox.down",
            "inbox.top",
            "confirm.yes",
            "modal.cancel",
        ):
            assert needed in ids
        assert ("j / ↓", "Next item", "inbox.down") in rows or any(
            r[2] == "inbox.down" and "j" in r[0] for r in rows
        )
        await pilot.press("escape")
        assert app.screen is app.main


async def test_palette_offers_every_action() -> None:
    from textual.app import SystemCommand

    from atp_tui.screens.palette import answer_commands

    app = make_app([CONNECTED, *received(inbox_items())])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        commands = list(app.get_system_commands(app.main))
        titles = {command.title for command in commands if isinstance(command, SystemCommand)}
        # In the user's words (issue #11); the answers by the selected item's own labels.
        assert {
            "Filter by title, service, project or description",
            "Sort by deadline or newest first",
            "Reconnect to the server now",
            "Show the keys",
            "Quit",
            "Next item",
        } <= titles
        # The answers by the selected item's own labels, from their own provider.
        assert "Answer “Approve”" in {title for title, *_ in answer_commands(app.main)}
        down = next(c for c in commands if c.title == "Next item")
        await down.callback()
        assert app.main.inbox.cursor_id == app.main.inbox.row_ids()[1]
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")


_ = (ALL_ACTIONS, datetime, timedelta, UTC)
