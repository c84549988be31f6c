"""Every irreversible action asks first, whatever its type (issue #11, item 2).

The confirmation names the action, the value in the user's words and the notification; Cancel
has the focus, so a stray Enter cancels; `y` sends. Asserted on what the server received.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import Button, Input

from atp_tui.protocol import Notification
from atp_tui.screens.answer_base import AnswerModal
from atp_tui.screens.confirm import ConfirmModal
from atp_tui.server import RunningServer
from atp_tui.settings import Settings
from atp_tui.view.items import answer_in_words
from tests.app.conftest import make_live_app, settled, wait_for
from tests.app.test_answering import add, started
from tests.server_helpers import ALL_ACTIONS

TITLE = "Fail over orders-db to eu-west-1?"
#: A text answer longer than the confirmation quotes.
LONG_TEXT = "promote eu-west-1 now and page the database team lead about the stale reads"
#: Every type of `ALL_ACTIONS`, flagged irreversible (the text without its length limit).
IRREVERSIBLE_ACTIONS: list[dict[str, Any]] = [
    {**action, "flags": ["irreversible"]}
    | ({"constraints": {}} if action["response_type"] == "text" else {})
    for action in ALL_ACTIONS
]

#: (action number, keys answering in its modal, the value in words, response_data sent)
ANSWERS = [
    (1, [], None, None),  # simple: no modal, no value
    (2, ["2"], "Stop", False),  # binary: the label, not `false`
    (3, ["2"], "B", "b"),  # choice: the option's label, not its value
    (4, ["space", "down", "space", "enter"], "X, y", ["x", "y"]),  # multi_choice
    (5, [*LONG_TEXT, "enter"], LONG_TEXT[:59] + "…", LONG_TEXT),  # text, shortened
    (6, ["7", "enter"], "7", 7),  # number
    (7, [*"2026-05-01", "enter"], "2026-05-01", "2026-05-01"),  # date
]
IDS = ["simple", "binary", "choice", "multi_choice", "text", "number", "date"]


def question(app: Any) -> str:
    """The confirmation's question as shown."""
    return str(app.screen.query_one("#confirm-question").render())


@pytest.mark.parametrize(("number", "keys", "words", "data"), ANSWERS, ids=IDS)
async def test_asks_naming_action_value_and_notification_and_enter_cancels(
    server: RunningServer, number: int, keys: list[str], words: str | None, data: object
) -> None:
    add(server, TITLE, IRREVERSIBLE_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press(str(number), *keys)
        assert isinstance(app.screen, ConfirmModal)
        label = ALL_ACTIONS[number - 1]["label"]
        what = f"{label}: {words}" if words is not None else label
        assert question(app) == f"Send “{what}” to “{TITLE}”? This cannot be undone."
        assert app.focused is app.screen.query_one("#confirm-no", Button)
        await pilot.press("enter")  # the default button is Cancel
        assert app.screen is app.main
        await settled(pilot)
    assert server.state.respond_attempts == []


@pytest.mark.parametrize(("number", "keys", "words", "data"), ANSWERS, ids=IDS)
async def test_y_sends_what_was_chosen(
    server: RunningServer, number: int, keys: list[str], words: str | None, data: object
) -> None:
    nid = add(server, TITLE, IRREVERSIBLE_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press(str(number), *keys)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await wait_for(pilot, lambda: server.state.responses)
    [response] = server.state.responses
    assert (response["notification_id"], response["action_id"], response["response_data"]) == (
        nid,
        ALL_ACTIONS[number - 1]["id"],
        data,
    )


async def test_a_binary_answer_and_a_stray_enter_in_one_burst_send_nothing(
    server: RunningServer,
) -> None:
    """`2 2 ⏎` at once: the first 2 opens the irreversible yes/no, the second answers "Stop",
    the confirmation opens, and the Enter that followed presses Cancel, not Send."""
    add(server, TITLE, IRREVERSIBLE_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        for key, character in (("2", "2"), ("2", "2"), ("enter", None)):
            app.post_message(events.Key(key, character))
        await wait_for(pilot, lambda: app.key_order.applied == 3)
        await settled(pilot)
        assert app.screen is app.main
    assert server.state.respond_attempts == []


async def test_cancelled_text_is_offered_again(server: RunningServer) -> None:
    """Cancel sends nothing; the modal opens again with what was typed, to correct it."""
    add(server, TITLE, IRREVERSIBLE_ACTIONS)
    app = make_live_app(server.url)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("5", *"retry", "enter", "n")
        assert app.screen is app.main
        await pilot.press("5")
        assert isinstance(app.screen, AnswerModal)
        assert app.screen.query_one(Input).value == "retry"
    assert server.state.respond_attempts == []


async def test_confirmation_off_sends_an_irreversible_binary_at_once(
    server: RunningServer,
) -> None:
    add(server, TITLE, IRREVERSIBLE_ACTIONS)
    app = make_live_app(server.url, settings=Settings(confirm_irreversible=False))
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, 1)
        await pilot.press("2", "1")
        await wait_for(pilot, lambda: server.state.responses)
        assert not isinstance(app.screen, ConfirmModal)
    assert server.state.responses[0]["response_data"] is True


def test_values_are_named_in_the_users_words() -> None:
    """Labels the user saw, never wire ids; unknown values as they are; text shortened."""
    body = {
        "id": "n1",
        "version": "1.0",
        "timestamp": "2026-03-14T09:00:00+00:00",
        "service": {"id": "s", "name": "s"},
        "context": {"title": "t"},
        "actions": IRREVERSIBLE_ACTIONS,
        "status": "delivered",
    }
    simple, binary, choice, multi, text, number, date = Notification.model_validate(body).actions
    assert answer_in_words(simple, None) is None
    assert answer_in_words(binary, True) == "Go"
    assert answer_in_words(binary, False) == "Stop"
    assert answer_in_words(choice, "a") == "A"
    assert answer_in_words(choice, "gone") == "gone"
    assert answer_in_words(multi, ["x", "y", "z"]) == "X, y, z"
    assert answer_in_words(multi, []) == "none selected"
    assert answer_in_words(text, "line one\nline two") == "line one␤line two"
    assert answer_in_words(text, LONG_TEXT) == LONG_TEXT[:59] + "…"
    assert answer_in_words(number, 7.0) == "7"
    assert answer_in_words(number, 2.5) == "2.5"
    assert answer_in_words(date, "2026-05-01") == "2026-05-01"
