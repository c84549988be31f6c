"""Every answering flow against the reference server, asserting what the server received."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input, SelectionList, TextArea

from atp_tui.screens.answer_base import AnswerModal
from atp_tui.screens.confirm import ConfirmModal
from atp_tui.server import RunningServer
from tests.app.conftest import in_minutes, make_live_app, settled, wait_for
from tests.server_helpers import ALL_ACTIONS, notification_body

IRREVERSIBLE = {
    "id": "ship",
    "label": "Ship it",
    "response_type": "simple",
    "flags": ["irreversible"],
}
PLAIN = {"id": "ack", "label": "Acknowledge", "response_type": "simple"}
MULTILINE = {
    "id": "notes",
    "label": "Notes",
    "response_type": "text",
    "constraints": {"multiline": True, "min_length": 5},
}


def add(server: RunningServer, title: str, actions: list[dict[str, Any]], **extra: Any) -> str:
    """Submit a notification; returns its id."""
    body = notification_body(title=title, actions=actions, deadline=in_minutes(30), **extra)
    return server.state.add_notification(body)["id"]


async def started(pilot: Any, count: int) -> None:
    """Wait until the inbox shows `count` rows."""
    await wait_for(pilot, lambda: pilot.app.main.inbox.row_count == count)


async def test_irreversible_simple_confirm_with_y_sends_once(server: RunningServer) -> None:
    nid = add(server, "Ship?", [IRREVERSIBLE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("1")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y", "y", "1", "1")
        await wait_for(pilot, lambda: server.state.responses)
        await wait_for(pilot, lambda: app.main.answers[nid].kind == "sent")
        await settled(pilot)
    assert [
        (r["notification_id"], r["action_id"], r["response_data"]) for r in server.state.responses
    ] == [(nid, "ship", None)]


async def test_irreversible_simple_escape_and_n_cancel(server: RunningServer) -> None:
    add(server, "Ship?", [IRREVERSIBLE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("1", "escape", "1", "n")
        await settled(pilot)
        assert not isinstance(app.screen, ConfirmModal)
    assert server.state.responses == []


async def test_plain_simple_double_press_sends_once(server: RunningServer) -> None:
    nid = add(server, "Ack?", [PLAIN])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("1", "1", "1")
        await wait_for(
            pilot, lambda: app.main.answers.get(nid) and app.main.answers[nid].kind == "sent"
        )
        await pilot.press("1")
        await settled(pilot)
    assert len(server.state.responses) == 1
    assert len(server.state.respond_attempts) == 1


@pytest.mark.parametrize(
    ("number", "keys", "expected", "words"),
    [
        (2, ["2"], False, "Go?: Stop"),  # binary: "2" = the false label
        (2, ["1"], True, "Go?: Go"),
        (3, ["down", "enter"], "b", "Pick one: B"),  # choice
        (3, ["2"], "b", "Pick one: B"),
        (4, ["space", "down", "space", "enter"], ["x", "y"], "Pick some: X, y"),  # multi_choice
        (5, ["n", "o", "t", " ", "n", "o", "w", "enter"], "not now", "Say: not now"),  # text
        (6, ["7", "enter"], 7, "Count: 7"),  # number
        (7, [*"2026-05-01", "enter"], "2026-05-01", "When: 2026-05-01"),  # date
    ],
)
async def test_each_type_sends_what_was_chosen(
    server: RunningServer, number: int, keys: list[str], expected: object, words: str
) -> None:
    """And says what was sent, in the toast and the detail pane (it said only that the
    action was sent: after `j1j⏎` a user could not tell which option went)."""
    nid = add(server, "All types", ALL_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press(str(number))
        assert isinstance(app.screen, AnswerModal)
        await pilot.press(*keys)
        await wait_for(pilot, lambda: server.state.responses)
        await wait_for(
            pilot, lambda: nid in app.main.answers and app.main.answers[nid].kind == "sent"
        )
        toasts = "\n".join(str(toast.message) for toast in app._notifications)
        assert f"“{words}” sent at" in toasts
        assert f"Answer: “{words}” sent at" in str(app.main.query_one("#detail-state").render())
    [response] = server.state.responses
    assert response["action_id"] == ALL_ACTIONS[number - 1]["id"]
    assert response["response_data"] == expected


async def test_validation_errors_show_inline_and_keep_the_input(server: RunningServer) -> None:
    add(server, "All types", ALL_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("6", "9", "9", "enter")  # number 1..10
        modal = app.screen
        assert isinstance(modal, AnswerModal)
        assert modal.errors == ["the answer must be at most 10"]
        assert modal.query_one(Input).value == "99"
        await pilot.press("backspace", "enter")
        await wait_for(pilot, lambda: server.state.responses)
        assert server.state.responses[0]["response_data"] == 9
        await pilot.press("4", "enter")  # multi_choice: min 1 selection
        # the notification is answered now: no modal opens
        assert not isinstance(app.screen, AnswerModal)


async def test_multi_choice_enforces_max(server: RunningServer) -> None:
    add(server, "All types", ALL_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("4", "enter")
        modal = app.screen
        assert isinstance(modal, AnswerModal)
        assert modal.errors == ["select at least 1 (selected 0)"]
        await pilot.press("space", "down", "space", "down", "space", "enter")
        assert modal.errors[-1] == "select at most 2 (selected 3)"
        assert len(modal.query_one(SelectionList).selected) == 3
        await pilot.press("escape")
        await settled(pilot)
    assert server.state.responses == []


async def test_multiline_text_sends_with_ctrl_s(server: RunningServer) -> None:
    add(server, "Notes", [MULTILINE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("1", "a", "enter", "b")
        assert app.screen.query_one(TextArea).text == "a\nb"
        await pilot.press("ctrl+s")
        assert app.screen.errors == ["at least 5 characters needed (got 3)"]
        await pilot.press("c", "d", "ctrl+s")
        await wait_for(pilot, lambda: server.state.responses)
    assert server.state.responses[0]["response_data"] == "a\nbcd"


async def test_escape_cancels_every_modal(server: RunningServer) -> None:
    add(server, "All types", ALL_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        for number in range(2, 8):
            await pilot.press(str(number))
            assert isinstance(app.screen, AnswerModal), number
            await pilot.press("x", "escape")
            assert not isinstance(app.screen, AnswerModal)
        await settled(pilot)
    assert server.state.responses == []
    assert server.state.respond_attempts == []


async def test_text_then_next_notification(server: RunningServer) -> None:
    """The "done when" flow: `1` + `y` on the first, `j`, `2`, "not now", Enter on the next."""
    first = add(server, "A first", [IRREVERSIBLE, ALL_ACTIONS[4]])
    second = add(server, "B second", [IRREVERSIBLE, ALL_ACTIONS[4]])
    app = make_live_app(server.url)
    async with app.run_test(size=(150, 40)) as pilot:
        await started(pilot, 2)
        order = app.main.inbox.row_ids()
        await pilot.press("1", "y")
        await wait_for(pilot, lambda: len(server.state.responses) == 1)
        await pilot.press("j", "2", *"not now", "enter")
        await wait_for(pilot, lambda: len(server.state.responses) == 2)
        assert app.is_running
    assert {first, second} == set(order)
    assert [
        (r["notification_id"], r["action_id"], r["response_data"]) for r in server.state.responses
    ] == [
        (order[0], "ship", None),
        (order[1], "say", "not now"),
    ]


async def test_enter_opens_the_actions_and_enter_answers(server: RunningServer) -> None:
    nid = add(server, "Via Enter", [IRREVERSIBLE, ALL_ACTIONS[4]])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("enter")
        assert app.focused is app.main.query_one("#detail-actions")
        await pilot.press("down", "enter", *"ok", "enter")
        await wait_for(pilot, lambda: server.state.responses)
        await pilot.press("escape")
        assert app.focused is app.main.inbox
    assert server.state.responses[0]["notification_id"] == nid
    assert server.state.responses[0]["response_data"] == "ok"


async def test_j_and_k_move_in_the_actions_as_in_the_inbox(server: RunningServer) -> None:
    """A vim-handed user moves through the actions with the keys that move through the
    inbox; they move the action highlight, never the inbox row (two items listed here)."""
    add(server, "Other item", [PLAIN])
    nid = add(server, "Three actions", [IRREVERSIBLE, PLAIN, ALL_ACTIONS[4]])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 2)
        app.main.inbox.select(nid)
        await settled(pilot)
        await pilot.press("enter")
        actions = app.main.query_one("#detail-actions")
        assert app.focused is actions
        assert actions.option_count == 3
        await pilot.press("j", "j", "k")
        await settled(pilot)
        assert actions.highlighted == 1
        assert app.main.inbox.cursor_id == nid
        await pilot.press("enter")
        await wait_for(pilot, lambda: server.state.responses)
    assert [(r["notification_id"], r["action_id"]) for r in server.state.responses] == [
        (nid, "ack")
    ]


SKIP = {"id": "skip", "label": "Skip", "response_type": "simple"}


async def test_the_action_highlight_is_one_items(server: RunningServer) -> None:
    """Down to action 2 on one item, back to the inbox, `j` to another with actions that look
    the same, Enter Enter: action 1 is sent, not the 2 highlighted on the item before (the
    list kept its highlight for the look-alike; found by an independent check)."""
    first = add(server, "First", [PLAIN, SKIP])
    second = add(server, "Second", [PLAIN, SKIP])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 2)
        app.main.inbox.select(first)
        await settled(pilot)
        actions = app.main.query_one("#detail-actions")
        await pilot.press("enter", "down")
        await settled(pilot)
        assert actions.highlighted == 1
        app.main.inbox.select(second)  # another item under the focused list
        await settled(pilot)
        assert actions.highlighted is None  # no action of this item is highlighted yet
        await pilot.press("escape", "enter")
        await settled(pilot)
        assert actions.highlighted == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: server.state.responses)
    assert [(r["notification_id"], r["action_id"]) for r in server.state.responses] == [
        (second, "ack")
    ]


async def test_tab_goes_to_the_detail_pane_only_when_it_can_scroll(server: RunningServer) -> None:
    """Tab onto a pane whose text fits showed no focus anywhere and took every key (an
    independent check): such a pane is skipped; a long one takes the focus and shows it."""
    short = add(server, "Short", [PLAIN])
    body = notification_body(title="Long", actions=[PLAIN], deadline=in_minutes(30))
    body["context"]["description"] = "A line of the description.\n" * 80
    long = server.state.add_notification(body)["id"]
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await started(pilot, 2)
        pane = app.main.detail
        app.main.inbox.select(short)
        await settled(pilot)
        await pilot.press("tab")
        await settled(pilot)
        assert app.focused is app.main.query_one("#detail-actions")
        await pilot.press("escape")
        app.main.inbox.select(long)
        await settled(pilot)
        await pilot.press("tab")
        await settled(pilot)
        assert app.focused is pane
        assert pane.styles.background_tint.a > 0  # drawn as focused
        await pilot.press("down")
        await wait_for(pilot, lambda: pane.scroll_y > 0)  # a scroll lands on a later frame


async def test_clicking_an_action_answers(server: RunningServer) -> None:
    add(server, "Via click", [PLAIN, IRREVERSIBLE])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        # The detail pane fills on the next tick: click once both actions are listed.
        await wait_for(pilot, lambda: app.main.query_one("#detail-actions").option_count == 2)
        await pilot.pause()
        await pilot.click("#detail-actions", offset=(4, 1))
        assert isinstance(app.screen, ConfirmModal)
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: server.state.responses)
    assert server.state.responses[0]["action_id"] == "ship"


async def test_an_answer_already_logged_elsewhere_is_shown_and_leaves_nothing_pending(
    server: RunningServer,
) -> None:
    """`atp-tui respond` answered it from a shell (same state dir) while the TUI ran: the
    TUI's press is refused by the respond client (`duplicate`, nothing sent), the item shows
    the logged answer, and no answer is left counted as in flight (quit would ask forever)."""
    nid = add(server, "Ack?", [PLAIN])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        app.store.record_response(nid, "ack", None, "sent", "answer sent")
        await pilot.press("1")
        await wait_for(pilot, lambda: nid in app.main.answers)
        await wait_for(pilot, lambda: not app.main.answers[nid].in_flight)
        assert app.main.answers[nid].kind == "sent"
        assert app.main.answering.pending_count == 0
    assert server.state.responses == []


async def test_leaving_the_actions_drops_their_highlight_but_not_for_a_focus_out(
    server: RunningServer,
) -> None:
    """Escape back to the inbox left the action list's highlight drawn (dimmed) beside the
    inbox's cursor; the terminal losing focus keeps it, for when it comes back."""
    add(server, "Two actions", [PLAIN, SKIP])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        actions = app.main.query_one("#detail-actions")
        await pilot.press("enter", "down")
        app.app_focus = False
        await pilot.pause()
        app.app_focus = True
        await pilot.pause()
        assert app.focused is actions
        assert actions.highlighted == 1
        await pilot.press("escape")
        await settled(pilot)
        assert app.focused is app.main.inbox
        assert actions.highlighted is None


async def test_answered_from_the_actions_the_focus_goes_back_to_the_inbox(
    server: RunningServer,
) -> None:
    """Answered with Enter in the action list, the item's actions are all disabled: the focus
    stayed there, and `j`, `k` and Enter did nothing until Escape (an independent check)."""
    first = add(server, "First", [PLAIN])
    second = add(server, "Second", [PLAIN])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 2)
        app.main.inbox.select(first)
        await settled(pilot)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: server.state.responses)
        await wait_for(pilot, lambda: app.focused is app.main.inbox)
        await pilot.press("j")
        assert app.main.inbox.cursor_id == second


async def test_a_second_answer_key_says_when_the_first_was_sent(server: RunningServer) -> None:
    """It said "Not sent: this notification is sent at 02:04:11." (an independent check)."""
    add(server, "Once", [PLAIN])
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("1")
        await wait_for(pilot, lambda: server.state.responses)
        await settled(pilot)
        await pilot.pause(0.2)
        await pilot.press("1")
        await settled(pilot)
        said = [str(n.message) for n in app._notifications]
    assert any(text.startswith("Not sent: an answer to it was sent at ") for text in said), said
    assert len(server.state.respond_attempts) == 1
