"""`atp-tui list`: the cached inbox, newest first, no network (issue #11 item 7).

Real processes on state dirs filled through the store, as `watch` and the TUI fill them; one
flow takes an id from `list --json` to `respond` against the reference server.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from atp_tui.protocol.models import Notification
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store
from tests.test_terminal_sinks import HOSTILE, VISIBLE, assert_terminal_safe

TOKEN = "list-token"
NOW = datetime.now(UTC)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run `atp-tui`; bytes, so that the terminal-safety check sees exactly what was written."""
    return subprocess.run(
        [sys.executable, "-m", "atp_tui.cli", *args],
        capture_output=True,
        env={**os.environ, "ATP_TOKEN": TOKEN, **(env or {})},
        timeout=60,
    )


def _note(nid: str, title: str, minutes_ago: int, **extra: Any) -> Notification:
    return Notification.model_validate(
        {
            "id": nid,
            "timestamp": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
            "service": {"id": "s", "name": "deploy-bot"},
            "context": {"title": title},
            "actions": [{"id": "ok", "label": "OK", "response_type": "simple"}],
            "status": "delivered",
            **extra,
        }
    )


def _inbox(state_dir: Path) -> None:
    """Five notifications, three still open, created at different times."""
    store = Store.open(state_dir)
    try:
        store.add_notification(_note("old-open", "Oldest open", 50), "1")
        store.add_notification(
            _note("soon", "Due soon", 10, deadline=(NOW + timedelta(minutes=5)).isoformat()), "2"
        )
        store.add_notification(_note("answered", "Answered one", 5), "3")
        store.apply_status("answered", "responded", "answered here")
        store.add_notification(
            _note("late", "Deadline passed", 40, deadline=(NOW - timedelta(minutes=1)).isoformat()),
            "4",
        )
        store.add_notification(_note("new-open", "Newest open", 1), "5")
    finally:
        store.close()


def test_list_prints_open_items_newest_first(tmp_path: Path) -> None:
    _inbox(tmp_path)
    shown = cli("list", "--state-dir", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    rows = shown.stdout.decode().splitlines()
    assert rows[0].split() == ["ID", "STATE", "DEADLINE", "SERVICE", "TITLE"]
    assert [row.split()[0] for row in rows[1:]] == ["new-open", "soon", "old-open"]
    soon = rows[2]
    deadline = (NOW + timedelta(minutes=5)).astimezone().strftime("%Y-%m-%d %H:%M")
    assert soon.split()[1:] == ["open", *deadline.split(), "deploy-bot", "Due", "soon"]
    assert rows[1].split()[2] == "—"  # no deadline

    every = cli("list", "--state", "all", "--json", "--state-dir", str(tmp_path))
    assert every.returncode == 0, every.stderr
    items = [json.loads(line) for line in every.stdout.decode().splitlines()]
    assert [(item["id"], item["state"]) for item in items] == [
        ("new-open", "open"),
        ("answered", "answered"),
        ("soon", "open"),
        ("late", "expired"),
        ("old-open", "open"),
    ]
    assert set(items[0]) == {"id", "state", "deadline", "created", "service", "project", "title"}


def test_list_without_a_cached_inbox_says_so(tmp_path: Path) -> None:
    shown = cli("list", "--state-dir", str(tmp_path / "fresh"))
    assert shown.returncode == 0
    assert shown.stdout.decode().startswith("no cached inbox in ")
    quiet = cli("list", "--json", "--state-dir", str(tmp_path / "fresh"))
    assert quiet.returncode == 0
    assert quiet.stdout == b""  # JSON lines only, none
    assert b"no cached inbox" in quiet.stderr


def test_list_when_nothing_is_open_says_how_many_are_cached(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.add_notification(_note("done", "Done", 3), "1")
    store.apply_status("done", "completed")
    store.close()
    shown = cli("list", "--state-dir", str(tmp_path))
    assert shown.stdout.decode() == "nothing open (1 cached: --state all lists them)\n"


def test_list_on_an_unusable_state_dir_is_exit_4(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    shown = cli("list", "--state-dir", str(tmp_path / "file"))
    assert shown.returncode == 4
    assert shown.stdout == b""
    assert len(shown.stderr.splitlines()) == 1 and shown.stderr.startswith(b"atp-tui: error: ")


def test_case_80_82_list_stdout(tmp_path: Path) -> None:
    """Titles, services and ids are server text: one row each, escapes visible, JSON exact."""
    store = Store.open(tmp_path)
    try:
        note = _note("h1", f"Title {HOSTILE}\nFAKE  open  row", 1)
        raw = note.model_dump(mode="json")
        raw["service"]["name"] = f"svc{HOSTILE}"
        store.add_notification(Notification.model_validate(raw), "1")
    finally:
        store.close()
    shown = cli("list", "--state-dir", str(tmp_path))
    text = assert_terminal_safe(shown.stdout)
    rows = text.splitlines()
    assert len(rows) == 2, rows  # the line break did not fake a row
    assert f"Title {VISIBLE}" in rows[1]
    lines = cli("list", "--json", "--state-dir", str(tmp_path))
    item = json.loads(assert_terminal_safe(lines.stdout))
    assert item["title"] == f"Title {HOSTILE}\nFAKE  open  row"
    assert item["service"] == f"svc{HOSTILE}"


async def test_an_id_from_list_answers_with_respond(tmp_path: Path) -> None:
    """The point of `list`: `respond` without digging through `watch` output."""
    async with RunningServer(ServerConfig(user_token=TOKEN)) as server:
        note = server.state.add_notification(
            {
                "context": {"title": "Restart the queue?"},
                "actions": [{"id": "ok", "label": "Restart now", "response_type": "simple"}],
            }
        )
        store = Store.open(tmp_path)
        store.add_notification(Notification.model_validate(note), "1")
        store.close()
        listed = await asyncio.to_thread(cli, "list", "--json", "--state-dir", str(tmp_path))
        nid = json.loads(listed.stdout)["id"]
        env = {"ATP_SERVER": server.url}
        answered = await asyncio.to_thread(
            cli, "respond", nid, "ok", "--state-dir", str(tmp_path), env=env
        )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.decode() == "sent: Restart the queue? → Restart now — answer sent\n"
    after = cli("list", "--state-dir", str(tmp_path))
    assert after.stdout.decode().startswith("nothing open (1 cached")
