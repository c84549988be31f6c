"""The history screen (H) and the settings screen (,): what they show, validation, saving."""

from __future__ import annotations

import io
import stat
import tomllib
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.widgets import Input, Select

from atp_tui.client.respond import RespondOutcome
from atp_tui.screens.history import HistoryScreen, history_table
from atp_tui.screens.settings import SettingsScreen
from atp_tui.settings import Settings
from atp_tui.settings.file import load_settings
from tests.app.conftest import wait_for
from tests.snapshots.harness import (
    CONNECTED,
    FrozenClock,
    make_app,
    notification,
    received,
)

PLAIN = {"id": "ack", "label": "Acknowledge", "response_type": "simple"}
TEXT = {"id": "why", "label": "Explain", "response_type": "text"}


async def test_history_lists_answers_newest_first_sanitised() -> None:
    clock = FrozenClock()
    items = [
        notification("n1", "first [@click=app.quit]x[/]", actions=[PLAIN]),
        notification("n2", "second \x1b]0;t\x07", actions=[TEXT]),
    ]
    refused = RespondOutcome("refused", "too long", 422)
    app = make_app(
        [CONNECTED, *received(items)], clock=clock, outcomes=[RespondOutcome("sent", "ok"), refused]
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 2)
        app.main.inbox.select("n1")
        await pilot.press("1")
        await wait_for(pilot, lambda: len(app.respond.calls) == 1)
        clock.advance(60)
        app.main.inbox.select("n2")
        await pilot.press("1", *"[b]no[/b]", "enter")
        await wait_for(pilot, lambda: len(app.respond.calls) == 2)
        await pilot.press("H")
        assert isinstance(app.screen, HistoryScreen)
        entries = app.screen.entries
        assert [e.attempt.notification_id for e in entries] == ["n2", "n1"]
        assert [e.attempt.outcome for e in entries] == ["refused", "sent"]
        console = Console(width=140, record=True, file=io.StringIO())
        console.print(history_table(entries))
        text = console.export_text()
        assert "[b]no[/b]" in text  # the answer as typed, literally
        assert "first [@click=app.quit]x[/]" in text
        assert "\x1b" not in text and "\x07" not in text
        await pilot.press("escape")
        assert app.screen is app.main


async def test_history_is_in_the_palette_and_empty_history_says_so() -> None:
    app = make_app([CONNECTED])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        from atp_tui.screens.palette import screen_commands

        titles = {command.title for command in screen_commands(app.main)}
        assert {"Show your answers and what became of them", "Change the settings"} <= titles
        await pilot.press("H")
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.query_one("#history-empty")


async def _open_settings(pilot: Any) -> SettingsScreen:
    await pilot.press("comma")
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


async def test_saving_writes_a_private_file_tomllib_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "config.toml"
    app = make_app([CONNECTED], config_path=path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _open_settings(pilot)
        note = str(screen.query_one("#settings-note").render())
        assert "rewrites" in note and "comments" in note and "config.toml" in note
        screen.query_one("#field-server", Input).value = "https://atp.example.com"
        screen.query_one("#field-bell", Select).value = "high"
        screen.query_one("#field-deadline_warning_minutes", Input).value = "20"
        screen.query_one("#field-default_sort", Select).value = "newest"
        screen.query_one("#field-confirm_irreversible", Select).value = False
        screen.query_one("#field-theme", Select).value = "nord"
        screen.query_one("#field-heartbeat_timeout", Input).value = "45.5"
        await pilot.press("ctrl+s")
        assert app.screen is app.main
        assert app.settings.bell == "high"
        assert app.theme == "nord"
        assert app.main.inbox.warning_seconds == 20 * 60
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = tomllib.loads(path.read_text())
    assert data == {
        "server": "https://atp.example.com",
        "bell": "high",
        "deadline_warning_minutes": 20.0,
        "default_sort": "newest",
        "confirm_irreversible": False,
        "theme": "nord",
        "heartbeat_timeout": 45.5,
    }
    loaded = load_settings(config_path=path, env={}).settings
    assert (loaded.bell, loaded.heartbeat_timeout, loaded.theme) == ("high", 45.5, "nord")


async def test_invalid_values_show_inline_and_keep_the_input(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = make_app([CONNECTED], config_path=path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _open_settings(pilot)
        screen.query_one("#field-heartbeat_timeout", Input).value = "-3"
        screen.query_one("#field-server", Input).value = "ftp://nope"
        await pilot.press("ctrl+s")
        assert app.screen is screen
        error = screen.query_one("#error-heartbeat_timeout")
        assert error.display and "greater than 0" in str(error.render())
        assert screen.query_one("#error-server").display
        assert not screen.query_one("#error-bell").display
        assert screen.query_one("#field-heartbeat_timeout", Input).value == "-3"
        assert not path.exists()
        screen.query_one("#field-heartbeat_timeout", Input).value = "30"
        screen.query_one("#field-server", Input).value = ""
        await pilot.press("ctrl+s")
        assert app.screen is app.main
    assert tomllib.loads(path.read_text()) == {"heartbeat_timeout": 30.0}


async def test_escape_cancels_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = make_app([CONNECTED], config_path=path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _open_settings(pilot)
        screen.query_one("#field-bell", Select).value = "off"
        await pilot.press("escape")
        assert app.screen is app.main
        assert app.settings.bell == "all"
    assert not path.exists()


async def test_saving_goes_to_the_active_profile_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('bell = "all"\n[profiles.work]\nserver = "https://w.example"\n')
    path.chmod(0o600)
    settings = Settings(server="https://w.example")
    app = make_app([CONNECTED], config_path=path, profile="work", settings=settings)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await _open_settings(pilot)
        assert "[profiles.work]" in str(screen.query_one("#settings-note").render())
        screen.query_one("#field-bell", Select).value = "off"
        await pilot.press("ctrl+s")
        assert app.screen is app.main
    data = tomllib.loads(path.read_text())
    assert data == {
        "bell": "all",
        "profiles": {"work": {"server": "https://w.example", "bell": "off"}},
    }


def test_the_history_screen_says_what_atp_tui_history_says() -> None:
    """One set of words for an outcome (`protocol/outcomes.py`): the TUI's history table once
    had its own ("credentials refused", "not found", "sending", "unknown")."""
    from datetime import UTC, datetime

    from rich.console import Console

    from atp_tui.commands.history import format_history
    from atp_tui.screens.history import history_table
    from atp_tui.store import ResponseAttempt
    from atp_tui.view.history import HistoryEntry

    at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    entries = [
        HistoryEntry(ResponseAttempt("n1", "region", "eu-1", at, outcome, ""), "T", "Region", "EU")
        for outcome in ("auth_refused", "not_found", "unknown", "sending", "already_responded")
    ]
    console = Console(width=400, record=True)
    console.print(history_table(entries))
    shown = console.export_text()
    printed = format_history(entries)
    for entry in entries:
        assert entry.words in shown and entry.words in printed
    assert "EU" in shown and "eu-1" not in shown  # the option's label, as `history` prints
