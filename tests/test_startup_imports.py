"""What the TUI's first frame waits for: not pydantic, not httpx, not the stream engine.

Importing pydantic and building the notification models (~150 ms), httpx (~50 ms) and the
engine would otherwise come before the first frame (`bench/startup.py` measures it). The CLI,
the settings, the store (empty) and the app object are what the first frame needs; the models
and the engine are loaded when the stream starts or a cached notification is read. Checked in
a fresh interpreter, as a user's start is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Must not be loaded before the first frame (a prefix matches submodules too).
DEFERRED = ("pydantic", "httpx", "atp_tui.protocol.models", "atp_tui.client.stream")

_PROBE = r"""
import json, sys, tempfile
from pathlib import Path

from atp_tui.cli import _skip_httpx_command_line
from atp_tui.launch import run_tui  # noqa: F401  (what `atp-tui` imports)
from atp_tui.app import build_app
from atp_tui.settings_file import load_settings
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


def test_the_first_frame_does_not_wait_for_pydantic_httpx_or_the_engine(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path), json.dumps(DEFERRED)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["early"] == [], f"loaded before the first frame: {report['early'][:8]}"
    assert report["engine"] == "StreamEngine"
