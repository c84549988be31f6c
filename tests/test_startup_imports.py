"""What the TUI's first frame waits for: not pydantic, not httpx, not the stream engine.

Importing pydantic and building the notification models (~250 ms), httpx (~50 ms) and the
engine would otherwise come before the first frame (`bench/startup.py` measures it). The CLI,
the settings, the store (its rows' summaries) and the app object are what the first frame
needs; the models and the engine are loaded when the stream starts or a notification's payload
is parsed. Checked in a fresh interpreter, as a user's start is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

#: Must not be loaded before the first frame (a prefix matches submodules too).
DEFERRED = ("pydantic", "httpx", "atp_tui.protocol.models", "atp_tui.client.stream")

_PROBE = r"""
import json, sys, tempfile
from pathlib import Path

from atp_tui.cli import _skip_httpx_command_line
from atp_tui.commands.tui import run_tui  # noqa: F401  (what `atp-tui` imports)
from atp_tui.app import build_app
from atp_tui.settings.file import load_settings
from atp_tui.store import Store

_skip_httpx_command_line()
loaded = load_settings(config_path=Path(sys.argv[1]) / "none.toml", env={}, cli={})
store = Store.open(Path(sys.argv[1]) / "state")
app = build_app(server="http://127.0.0.1:9", token="t", store=store, settings=loaded.settings)
deferred = tuple(json.loads(sys.argv[2]))
loaded_early = sorted(
    name for name in sys.modules
    if sys.modules[name] is not None and name.startswith(deferred)
)
# The engine is made on first use (after the first frame); using it loads what it needs.
engine_type = type(app.engine).__name__
print(json.dumps({"early": loaded_early, "engine": engine_type}))
"""


def _run_probe(probe: str, folder: Path, deferred: tuple[str, ...]) -> dict[str, Any]:
    """Run a probe script in a fresh interpreter; its last output line is a JSON report."""
    result = subprocess.run(
        [sys.executable, "-c", probe, str(folder), json.dumps(deferred)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_first_frame_does_not_wait_for_pydantic_httpx_or_the_engine(tmp_path: Path) -> None:
    report = _run_probe(_PROBE, tmp_path, DEFERRED)
    assert report["early"] == [], f"loaded before the first frame: {report['early'][:8]}"
    assert report["engine"] == "StreamEngine"


_CACHED_PROBE = r"""
import asyncio, json, sys
from pathlib import Path

from atp_tui.app import build_app
from atp_tui.store import Store

store = Store.open(Path(sys.argv[1]))
app = build_app(
    server="http://127.0.0.1:9", token="t", store=store, cursor_blink=False, bell_on_new=False
)
deferred = tuple(json.loads(sys.argv[2]))
seen = {}
original = app._display


def display(screen, renderable):
    if renderable is not None and "early" not in seen:
        seen["early"] = sorted(name for name in sys.modules if name.startswith(deferred))
        seen["rows"] = app.main.inbox.row_count
    original(screen, renderable)


app._display = display


async def main():
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(50):
            if app.main.detail.notification_id is not None:
                break
            await pilot.pause(0.1)
        seen["detail"] = app.main.detail.notification_id


asyncio.run(main())
print(json.dumps(seen))
"""


def test_a_cached_inbox_is_drawn_before_pydantic_loads(tmp_path: Path) -> None:
    """Cached rows come from their stored summaries; the selected one's payload is parsed
    just after the first frame, which is when pydantic is imported."""
    from atp_tui.protocol.models import Notification
    from atp_tui.store import Store
    from tests.hostile import notification

    store = Store.open(tmp_path)
    for nid in ("n1", "n2", "n3"):
        store.add_notification(Notification.model_validate(notification(nid)), nid)
    store.close()
    deferred = ("pydantic", "atp_tui.protocol.models")
    report = _run_probe(_CACHED_PROBE, tmp_path, deferred)
    assert report["rows"] == 3
    assert report["early"] == [], f"loaded before the first frame: {report['early'][:8]}"
    assert report["detail"] is not None  # and the detail pane filled in right after
