"""Quick replies (issue #14, item 5): ctrl+r in a text answer lists them and inserts the chosen
one at the cursor; the settings screen adds, edits and removes them and saves the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.widgets import Input, OptionList, Static, TextArea

from atp_tui.screens.quick_replies import QuickReplyPicker
from atp_tui.screens.quick_reply_editor import QuickRepliesEditor, QuickReplyForm
from atp_tui.screens.settings import SettingsScreen
from atp_tui.screens.text_answer import TextModal
from atp_tui.server import RunningServer
from atp_tui.settings import Settings
from atp_tui.settings.file import load_settings
from tests.app.conftest import in_minutes, make_live_app, settled, wait_for
from tests.app.test_key_order import applied, burst, keys
from tests.server_helpers import notification_body
from tests.snapshots.harness import CONNECTED, inbox_items, make_app, received

REPLIES = {
    "ship": "Looks good, ship it.",
    "later": "Not now: after the 10:00 freeze.",
    "hold": "Hold this.\nI will check the dashboards.",
}
SAY = {"id": "say", "label": "Say", "response_type": "text", "constraints": {"max_length": 200}}
NOTES = {
    "id": "notes",
    "label": "Notes",
    "response_type": "text",
    "constraints": {"multiline": True},
}


def add(server: RunningServer, actions: list[dict[str, Any]]) -> str:
    """Submit a notification with `actions`; returns its id."""
    body = notification_body(title="Deploy?", actions=actions, deadline=in_minutes(30))
    return server.state.add_notification(body)["id"]


def hint(app: Any) -> str:
    """The text answer modal's key hint as shown."""
    return str(app.screen.query_one("#dialog-hint", Static).render())


async def test_a_quick_reply_goes_in_at_the_cursor_and_is_sent(server: RunningServer) -> None:
    nid = add(server, [SAY])
    app = make_live_app(server.url, settings=Settings(quick_replies=REPLIES))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("1", *"ok. ")
        assert isinstance(app.screen, TextModal)
        assert "ctrl+r quick replies" in hint(app)
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, QuickReplyPicker)
        rows = app.screen.query_one(OptionList)
        assert [str(rows.get_option_at_index(i).prompt) for i in range(3)] == [
            "1  ship              Looks good, ship it.",
            "2  later             Not now: after the 10:00 freeze.",
            "3  hold              Hold this. (+1 lines)",
        ]
        await pilot.press("2")
        assert isinstance(app.screen, TextModal)
        field = app.screen.query_one(Input)
        assert field.value == "ok. Not now: after the 10:00 freeze."
        assert app.screen.focused is field
        await pilot.press("home", "ctrl+r", "down", "down", "enter")  # a one-line input
        assert field.value == (
            "Hold this. I will check the dashboards.ok. Not now: after the 10:00 freeze."
        )
        await pilot.press("ctrl+a", "ctrl+k", "ctrl+r", "escape")  # escape inserts nothing
        assert field.value == "" and isinstance(app.screen, TextModal)
        await pilot.press("ctrl+r", "1", "enter")
        await wait_for(pilot, lambda: server.state.responses)
        await settled(pilot)
    assert [
        (r["notification_id"], r["action_id"], r["response_data"]) for r in server.state.responses
    ] == [(nid, "say", "Looks good, ship it.")]


async def test_multi_line_text_keeps_the_lines_and_replaces_a_selection(
    server: RunningServer,
) -> None:
    nid = add(server, [NOTES])
    app = make_live_app(server.url, settings=Settings(quick_replies=REPLIES))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("1", *"Note: XX", "shift+left", "shift+left")
        await pilot.press("ctrl+r", "3")
        area = app.screen.query_one(TextArea)
        assert area.text == "Note: Hold this.\nI will check the dashboards."
        assert area.cursor_location == (1, len("I will check the dashboards."))
        await pilot.press(*" Bye", "ctrl+s")
        await wait_for(pilot, lambda: server.state.responses)
    [response] = server.state.responses
    assert response["notification_id"] == nid
    assert response["response_data"] == "Note: Hold this.\nI will check the dashboards. Bye"


async def test_without_quick_replies_the_key_does_nothing_and_the_hint_says_nothing() -> None:
    app = make_app([CONNECTED, *received(inbox_items())])
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        await pilot.press("2")
        assert isinstance(app.screen, TextModal)
        assert hint(app) == "Enter sends · Escape cancels"
        await pilot.press("ctrl+r", *"x")
        await settled(pilot)
        assert isinstance(app.screen, TextModal)
        assert app.screen.query_one(Input).value == "x"


async def test_a_rebound_key_is_the_one_the_hint_names() -> None:
    settings = Settings(quick_replies=REPLIES, keymap={"text.quick-replies": "f2"})
    app = make_app([CONNECTED, *received(inbox_items())], settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        await pilot.press("2")
        assert "f2 quick replies" in hint(app)
        await pilot.press("f2", "1")
        assert app.screen.query_one(Input).value == REPLIES["ship"]
        assert not app._notifications  # no keymap problem


async def test_keys_in_one_burst_apply_in_order() -> None:
    """`2`, ctrl+r, `1`, more text and Enter in one read: the reply, then the text, sent."""
    app = make_app([CONNECTED, *received(inbox_items())], settings=Settings(quick_replies=REPLIES))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 5)
        order = app.main.inbox.row_ids()
        typed = [("2", "2"), ("ctrl+r", None), ("1", "1"), *keys(" Thanks⏎")]
        burst(app, typed)
        await applied(pilot, len(typed))
        await wait_for(pilot, lambda: app.respond.calls != [])
        assert app.respond.calls == [(order[0], "reply", "Looks good, ship it. Thanks")]


# -- the settings screen ----------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


ORIGINAL = """\
# my notes (lost on save, as the settings screen says)
bell = "high"
mystery = 1
[keymap]
"main.sort" = "o"
[quick_replies]
ship = "Looks good, ship it."
later = "Not now."
[profiles.staging]
bell = "off"
"""


async def _open_editor(pilot: Any, *, by_key: bool = False) -> QuickRepliesEditor:
    """The settings screen, then its quick replies: by ctrl+r, or Enter on the row's button."""
    app = pilot.app
    await pilot.press("comma")
    assert isinstance(app.screen, SettingsScreen)
    if by_key:
        await pilot.press("ctrl+r")
    else:
        app.screen.query_one("#settings-quick-replies").focus()
        await pilot.press("enter")
    assert isinstance(app.screen, QuickRepliesEditor)
    return app.screen


async def test_the_settings_screen_adds_edits_removes_and_saves(tmp_path: Path) -> None:
    path = _write(tmp_path / "config.toml", ORIGINAL)
    loaded = load_settings(config_path=path, env={})
    assert loaded.problems == [] or [p.key for p in loaded.problems] == ["mystery"]
    app = make_app([CONNECTED], settings=loaded.settings, config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = await _open_editor(pilot)
        await pilot.press("a")  # add
        assert isinstance(app.screen, QuickReplyForm)
        await pilot.press(*"hold", "enter", *"Hold this.", "enter", *"Back soon.", "ctrl+s")
        assert app.screen is editor
        assert list(editor.replies) == ["ship", "later", "hold"]
        await pilot.press("up", "e")  # edit "later" (renamed, keeps its place)
        assert isinstance(app.screen, QuickReplyForm)
        form = app.screen
        form.query_one("#reply-name", Input).value = "ship"
        await pilot.press("ctrl+s")  # the name is taken: an error, the form stays
        assert app.screen is form
        error = str(form.query_one("#dialog-error", Static).render())
        assert "'ship' is taken" in error
        form.query_one("#reply-name", Input).value = "freeze"
        await pilot.press("ctrl+s")
        assert list(editor.replies) == ["ship", "freeze", "hold"]
        await pilot.press("up", "d")  # remove "ship"
        assert editor.replies == {"freeze": "Not now.", "hold": "Hold this.\nBack soon."}
        await pilot.press("escape")  # back to the form, not saved yet
        assert isinstance(app.screen, SettingsScreen)
        label = str(app.screen.query_one("#settings-quick-replies").label)
        assert label == "2 replies (edited, not saved) · ctrl+r to edit"
        assert path.read_text() == ORIGINAL
        await pilot.press("ctrl+s")
        await settled(pilot)
        assert app.screen is app.main
        edited = {"freeze": "Not now.", "hold": "Hold this.\nBack soon."}
        assert app.settings.quick_replies == edited
    text = path.read_text()
    data = tomllib.loads(text)
    assert data["quick_replies"] == {"freeze": "Not now.", "hold": "Hold this.\nBack soon."}
    assert list(data["quick_replies"]) == ["freeze", "hold"]
    # Everything else is kept (the comments are lost, as today and as the screen says).
    assert data["bell"] == "high" and data["mystery"] == 1
    assert data["keymap"] == {"main.sort": "o"}
    assert data["profiles"] == {"staging": {"bell": "off"}}
    assert 'hold = """\nHold this.\nBack soon."""' in text  # readable, several lines
    assert load_settings(config_path=path, env={}).settings.quick_replies == data["quick_replies"]


async def test_ctrl_s_in_the_editor_saves_and_cancel_in_the_settings_undoes(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path / "config.toml", ORIGINAL)
    settings = load_settings(config_path=path, env={}).settings
    app = make_app([CONNECTED], settings=settings, config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _open_editor(pilot)
        await pilot.press("d", "escape", "escape")  # remove one, back, cancel the settings
        await settled(pilot)
        assert app.screen is app.main
        assert path.read_text() == ORIGINAL
        assert app.settings.quick_replies == {"ship": "Looks good, ship it.", "later": "Not now."}
        await _open_editor(pilot, by_key=True)
        await pilot.press("d", "ctrl+s")  # remove "ship" and save at once
        await settled(pilot)
        assert app.screen is app.main
    assert tomllib.loads(path.read_text())["quick_replies"] == {"later": "Not now."}


async def test_the_form_says_what_is_wrong_with_a_reply(tmp_path: Path) -> None:
    app = make_app([CONNECTED], config_path=tmp_path / "config.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = await _open_editor(pilot)
        assert str(editor.query_one("#quick-replies-empty", Static).render()) == (
            "No quick replies yet: a adds one."
        )
        await pilot.press("a", "ctrl+s")
        error = app.screen.query_one("#dialog-error", Static)
        assert str(error.render()).startswith("The name is empty")
        await pilot.press(*"x", "ctrl+s")
        assert str(error.render()).startswith("The text is empty")
        assert app.screen.focused is app.screen.query_one(TextArea)
        app.screen.query_one(TextArea).load_text("y" * 2001)
        await pilot.press("ctrl+s")
        assert "2001 characters long; shorten it to at most 2000" in str(error.render())
        await pilot.press("end", "backspace", "ctrl+s")
        assert app.screen is editor and editor.replies == {"x": "y" * 2000}


def test_the_bindings_have_scopes_words_and_keymap_checks() -> None:
    from atp_tui.screens.keys import binding_scopes, key_words
    from atp_tui.settings import keymap_problems

    scopes = binding_scopes()
    assert scopes["text dialog"]["text.quick-replies"] == "ctrl+r"
    assert scopes["quick reply list"]["quick.pick-3"] == "3"
    assert scopes["quick replies editor"]["replies.remove"] == "d,delete"
    assert scopes["settings"]["settings.quick-replies"] == "ctrl+r"
    for binding_id in ("text.quick-replies", "quick.close", "replies.add", "reply.done"):
        assert key_words(binding_id, "?") != "?", binding_id
    problems = keymap_problems({"text.quick-replies": "ctrl+s"}, scopes, file="c.toml")
    assert [(p.key, p.message) for p in problems] == [
        ("keymap.text.quick-replies", "'ctrl+s' is also bound to text.send (in text dialog)")
    ]


async def test_the_help_screen_lists_them() -> None:
    app = make_app([CONNECTED])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        rows = {binding_id: (keys, words) for keys, words, binding_id in app.screen.rows}
        assert rows["text.quick-replies"][0] == "^r"
        assert rows["quick.pick-1 … quick.pick-9"] == (
            "1–9",
            "Quick replies: insert reply 1–9 at the cursor",
        )
        assert "replies.add" in rows and "reply.cancel" in rows


async def test_adding_a_reply_in_one_burst_saves_it(tmp_path: Path) -> None:
    """`,` ctrl+r `a` name ⏎ text ctrl+s ctrl+s in one read: each key meets the screen the one
    before it opened, and the file holds the new reply."""
    path = _write(tmp_path / "config.toml", ORIGINAL)
    settings = load_settings(config_path=path, env={}).settings
    app = make_app([CONNECTED], settings=settings, config_path=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        typed = [
            ("comma", ","),
            ("ctrl+r", None),
            *keys("aack⏎Seen."),
            ("ctrl+s", None),
            ("ctrl+s", None),
        ]
        burst(app, typed)
        await applied(pilot, len(typed))
        assert app.screen is app.main
    replies = tomllib.loads(path.read_text())["quick_replies"]
    assert replies == {"ship": "Looks good, ship it.", "later": "Not now.", "ack": "Seen."}
