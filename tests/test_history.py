"""`atp-tui respond` logs answers; `history` and `handover` report them (issue 4, item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atp_tui import history
from atp_tui.protocol.models import Notification
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store

TOKEN = "hist-token"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "atp_tui.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_parse_since() -> None:
    assert history.parse_since("8h") == timedelta(hours=8)
    assert history.parse_since("30m") == timedelta(minutes=30)
    assert history.parse_since("2d") == timedelta(days=2)
    with pytest.raises(ValueError, match="30m, 8h or 2d"):
        history.parse_since("yesterday")


def _note(nid: str, title: str, deadline: datetime | None = None) -> Notification:
    return Notification.model_validate(
        {
            "id": nid,
            "deadline": deadline.isoformat() if deadline else None,
            "service": {"id": "s", "name": "deploy-bot"},
            "context": {"title": title, "project": "shop"},
            "actions": [
                {"id": "go", "label": "Go", "response_type": "simple"},
                {"id": "why", "label": "Why not", "response_type": "text"},
            ],
            "status": "delivered",
        }
    )


def test_handover_lists_open_items_decisions_and_failures() -> None:
    now = datetime.now(UTC)
    store = Store.in_memory()
    store.add_notification(_note("a", "Later", now + timedelta(hours=5)), "1")
    store.add_notification(_note("b", "Soon", now + timedelta(minutes=5)), "2")
    store.add_notification(_note("c", "Answered", now + timedelta(hours=1)), "3")
    store.add_notification(_note("d", "Refused | pipe", None), "4")
    store.apply_status("c", "responded")
    store.record_response("c", "why", "capacity is low tonight", "sent", "answer sent")
    store.record_response("d", "go", None, "retrying", "server answered 503")
    store.record_response("d", "go", None, "failed", "not sent after 4 attempts")
    report = history.handover(store, now - timedelta(hours=8), now + timedelta(seconds=1))
    assert [item["title"] for item in report["open"]] == ["Soon", "Later", "Refused | pipe"]
    assert [(d["title"], d["action"], d["response_data"]) for d in report["decisions"]] == [
        ("Answered", "Why not", "capacity is low tonight")
    ]
    assert [(d["title"], d["outcome"]) for d in report["not_sent"]] == [
        ("Refused | pipe", "failed")
    ]
    markdown = history.format_handover_markdown(report)
    assert "→ **Why not**: capacity is low tonight" in markdown
    assert "Refused \\| pipe" in markdown
    assert "retrying" not in markdown


async def test_respond_then_history_and_handover_from_the_shell(tmp_path: Path) -> None:
    """Done when: `handover --format md` lists the answers given, with reasons."""
    import asyncio

    async with RunningServer(ServerConfig(user_token=TOKEN)) as server:
        note = server.state.add_notification(
            {
                "context": {"title": "Roll back checkout?"},
                "actions": [{"id": "why", "label": "Reason", "response_type": "text"}],
            }
        )
        env = {"ATP_TOKEN": TOKEN, "ATP_SERVER": server.url}
        args = (
            "respond",
            note["id"],
            "why",
            "--data",
            "error budget spent",
            "--state-dir",
            str(tmp_path),
        )
        answered = await asyncio.to_thread(cli, *args, env=env)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.startswith("sent")
    shown = cli("history", "--json", "--state-dir", str(tmp_path))
    entry = json.loads(shown.stdout.splitlines()[0])
    assert (entry["title"], entry["response_data"], entry["outcome"]) == (
        "Roll back checkout?",
        "error budget spent",
        "sent",
    )
    report = cli("handover", "--format", "md", "--state-dir", str(tmp_path))
    assert report.returncode == 0
    assert "Roll back checkout? → **Reason**: error budget spent" in report.stdout
    again = cli("history", "--since", "soon", "--state-dir", str(tmp_path))
    assert again.returncode == 2 and "30m, 8h or 2d" in again.stderr
