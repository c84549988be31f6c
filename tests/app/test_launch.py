"""`atp-tui --demo` and the launcher: the demo server and the app on one event loop."""

from __future__ import annotations

from atp_tui.app import build_app
from atp_tui.launch import demo_server
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
