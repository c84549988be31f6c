"""`atp-tui --demo` and the launcher: the demo server and the app on one event loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from atp_tui.app import build_app
from atp_tui.commands.tui import demo_server
from atp_tui.store import Store
from tests.app.conftest import wait_for


async def test_demo_server_fills_the_inbox_and_answers_go_through() -> None:
    async with demo_server() as (url, token, state_dir):
        store = Store.open(state_dir)
        app = build_app(server=url, token=token, store=store, bell_on_new=False)
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_for(pilot, lambda: app.main.inbox.row_count >= 5, timeout=10)
            assert app.main.connection.kind == "connected"
            assert app.main.inbox.cursor_id is not None
        store.close()
        assert (state_dir / "state.sqlite3").exists()


def test_cli_hands_the_loaded_settings_to_run_tui(tmp_path: Path, monkeypatch: Any) -> None:
    """`atp-tui` loads the config (problems included, not printed) and passes all of it on."""
    from atp_tui import cli
    from atp_tui.commands import tui as launch

    config = tmp_path / "config.toml"
    config.write_text(
        'bell = "loud"\n[profiles.work]\nserver = "http://127.0.0.1:9"\ndefault_sort = "newest"\n'
    )
    config.chmod(0o600)
    seen: dict[str, Any] = {}

    def fake_run_tui(loaded: Any, **kwargs: Any) -> int:
        seen.update(kwargs, loaded=loaded)
        return 0

    monkeypatch.setattr(launch, "run_tui", fake_run_tui)
    monkeypatch.setenv("ATP_TOKEN", "tok")
    assert cli.main(["--config", str(config), "--profile", "work"]) == 0
    loaded = seen["loaded"]
    assert loaded.profile == "work" and loaded.path == config
    assert loaded.settings.default_sort == "newest"
    assert [problem.key for problem in loaded.problems] == ["bell"]
    assert seen["server"] == "http://127.0.0.1:9" and seen["token"] == "tok"
    assert seen["demo"] is False
