"""Settings in the TUI: bell, deadline warning, sort, confirmation, theme, profile, problems,
the engine's configuration, and the user's keymap (rebinding, conflicts, the help screen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from atp_tui.app import build_app
from atp_tui.client.stream import StreamEngine
from atp_tui.screens.confirm import ConfirmModal
from atp_tui.screens.help import HelpScreen
from atp_tui.settings import ConfigProblem, Settings
from atp_tui.store import Store
from tests.app.conftest import wait_for
from tests.snapshots.harness import APPROVE, CONNECTED, make_app, notification, received


def _messages(app: Any) -> str:
    """Every notice the app showed, title and text."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def _loaded(pilot: Any, rows: int) -> None:
    await wait_for(pilot, lambda: pilot.app.main.inbox.row_count == rows)


async def test_bell_high_rings_only_for_high_priority() -> None:
    items = [
        notification("n-low", "low", metadata={"priority": "low"}),
        notification("n-none", "no priority"),
    ]
    app = make_app([CONNECTED, *received(items)], settings=Settings(bell="high"))
    app.bell_on_new = True
    async with app.run_test() as pilot:
        await _loaded(pilot, 2)
        assert app.main.intake.bells == 0
        app.engine.push(*received([notification("n-hi", "hot", metadata={"priority": "High"})]))
        await _loaded(pilot, 3)
        assert app.main.intake.bells == 1


async def test_bell_off_never_rings() -> None:
    items = [notification("n-hi", "hot", metadata={"priority": "critical"})]
    app = make_app([CONNECTED, *received(items)], settings=Settings(bell="off"))
    app.bell_on_new = True
    async with app.run_test() as pilot:
        await _loaded(pilot, 1)
        assert app.main.intake.bells == 0


async def test_deadline_warning_threshold_sets_the_expiring_count() -> None:
    items = [notification("a", "in 10", deadline=10), notification("b", "in 40", deadline=40)]
    for minutes, expiring in ((5, 0), (15, 1), (60, 2), (0, 0)):
        settings = Settings(deadline_warning_minutes=minutes)
        app = make_app([CONNECTED, *received(items)], settings=settings)
        async with app.run_test() as pilot:
            await _loaded(pilot, 2)
            assert app.main.counts().expiring == expiring, minutes


async def test_default_sort_newest() -> None:
    items = [
        notification("old", "old, due soon", created=-60, deadline=5),
        notification("new", "new, due late", created=-1, deadline=500),
    ]
    app = make_app([CONNECTED, *received(items)], settings=Settings(default_sort="newest"))
    async with app.run_test() as pilot:
        await _loaded(pilot, 2)
        assert app.main.inbox.order == "newest"
        assert app.main.inbox.row_ids() == ["new", "old"]


async def test_confirm_irreversible_off_sends_at_once() -> None:
    items = [notification("n1", "ship", actions=[APPROVE])]
    settings = Settings(confirm_irreversible=False)
    app = make_app([CONNECTED, *received(items)], settings=settings)
    async with app.run_test() as pilot:
        await _loaded(pilot, 1)
        await pilot.press("1")
        await wait_for(pilot, lambda: app.respond.calls)
        assert not isinstance(app.screen, ConfirmModal)
    assert app.respond.calls == [("n1", "approve", None)]


async def test_confirm_irreversible_on_by_default() -> None:
    app = make_app([CONNECTED, *received([notification("n1", "ship", actions=[APPROVE])])])
    async with app.run_test() as pilot:
        await _loaded(pilot, 1)
        await pilot.press("1")
        assert isinstance(app.screen, ConfirmModal)
        assert not app.respond.calls


async def test_theme_applies_and_unknown_theme_is_a_notice() -> None:
    app = make_app(settings=Settings(theme="nord"))
    async with app.run_test():
        assert app.theme == "nord"
    app = make_app(settings=Settings(theme="nrod"), config_path=Path("/cfg/config.toml"))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        text = _messages(app)
        assert "theme" in text and "'nrod'" in text and "did you mean 'nord'" in text


async def test_config_problems_are_one_warning_notice_and_the_app_runs() -> None:
    problems = [
        ConfigProblem("~/.config/atp-tui/config.toml", "bel", "unknown setting; did you mean?"),
        ConfigProblem("environment", "ATP_BELL", "must be one of off, all, high [/]"),
    ]
    app = make_app([CONNECTED, *received([notification("n1", "x")])], problems=problems)
    async with app.run_test() as pilot:
        await _loaded(pilot, 1)
        notices = list(app._notifications)
        assert len(notices) == 1
        assert notices[0].severity == "warning"
        assert not notices[0].markup
        assert "config.toml: bel: unknown setting" in notices[0].message
        assert "ATP_BELL" in notices[0].message


async def test_profile_shows_in_the_status_bar() -> None:
    app = make_app([CONNECTED], profile="work")
    async with app.run_test() as pilot:
        bar = app.main.query_one("#status-bar")
        await wait_for(pilot, lambda: "[work]" in str(bar.render()))


async def test_engine_gets_heartbeat_types_and_token_in_query() -> None:
    settings = Settings(heartbeat_timeout=12.5, token_in_query=True, types=["notification"])
    app = build_app(
        server="http://127.0.0.1:9", token="t", store=Store.in_memory(), settings=settings
    )
    assert isinstance(app.engine, StreamEngine)
    config = app.engine.config
    assert (config.heartbeat_timeout, config.token_in_query, config.types) == (
        12.5,
        True,
        ("notification",),
    )


# -- keymap ----------------------------------------------------------------------------------


async def test_rebound_key_works_and_shows_in_help() -> None:
    items = [notification("a", "a"), notification("b", "b")]
    settings = Settings(keymap={"main.sort": "o", "inbox.down": "n,down"})
    app = make_app([CONNECTED, *received(items)], settings=settings)
    async with app.run_test() as pilot:
        await _loaded(pilot, 2)
        assert not app._notifications  # a clean keymap: no notice
        await pilot.press("s")
        assert app.main.inbox.order == "deadline"  # the old key does nothing now
        await pilot.press("o")
        assert app.main.inbox.order == "newest"
        first = app.main.inbox.cursor_id
        await pilot.press("n")
        assert app.main.inbox.cursor_id != first
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = {binding_id: keys for keys, _, binding_id in app.screen.rows}
        assert rows["main.sort"] == "o"
        assert "n" in rows["inbox.down"].split(" / ")


async def test_keymap_conflicts_and_unknown_ids_are_reported() -> None:
    settings = Settings(keymap={"main.sort": "q", "main.sortt": "x", "history.close": "ctrl+q"})
    app = make_app(settings=settings, config_path=Path("/cfg/config.toml"))
    async with app.run_test() as pilot:
        await pilot.pause()
        text = _messages(app)
        assert "keymap.main.sort: 'q' is also bound to main.quit" in text
        assert "keymap.main.sortt: no binding with this id; did you mean 'main.sort'?" in text
        assert "keymap.history.close" in text and "app.quit" in text
