"""`atp-tui respond` logs answers; `history` and `handover` report them (issue 4, item 7).

Also SSE-CLIENT-RULES.md case 84: a corrupt row in the responses log is reported and skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atp_tui import history
from atp_tui.protocol.models import Notification
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store
from atp_tui.store.db import DB_NAME

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


# -- case 84: a corrupt row in the responses log -------------------------------------------------


def _corrupt_rows(state_dir: Path, notification_id: str) -> None:
    """Rows another tool or a damaged disk could leave behind, written past the store."""
    with sqlite3.connect(state_dir / DB_NAME) as db:
        db.executemany(
            "INSERT INTO responses (notification_id, action_id, response_data, attempted_at,"
            " outcome, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (notification_id, "why", "{not json", "2026-11-28T12:00:00+00:00", "sent", ""),
                (notification_id, "why", '"x"', "yesterday", "failed", ""),
                (notification_id, "why", None, "2026-11-28T12:00:00+00:00", "failed", ""),
                (notification_id, "why", '"x"', b"\x00\xff", "failed", ""),
                (notification_id, "why", "[" * 50_000, "2026-11-28T12:00:00+00:00", "sent", ""),
            ],
        )


async def test_case_84_corrupt_response_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    """Case 84: `respond` and `history` keep working, one warning line per corrupt row.

    Before: `json.loads`/`fromisoformat` raised out of `Store.responses()`: both commands
    crashed with a traceback (and a corrupt "sent" row could block the answer for good).
    """
    async with RunningServer(ServerConfig(user_token=TOKEN)) as server:
        note = server.state.add_notification(
            {
                "context": {"title": "Roll back checkout?"},
                "actions": [{"id": "why", "label": "Reason", "response_type": "text"}],
            }
        )
        store = Store.open(tmp_path)  # creates the database the rows go into
        store.close()
        _corrupt_rows(tmp_path, note["id"])
        env = {"ATP_TOKEN": TOKEN, "ATP_SERVER": server.url}
        args = ("respond", note["id"], "why", "--data", "budget spent", "--state-dir")
        answered = await asyncio.to_thread(cli, *args, str(tmp_path), env=env)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.startswith("sent:")
    assert "Traceback" not in answered.stderr
    warnings = answered.stderr.splitlines()
    assert len(warnings) == 5, answered.stderr
    assert all(line.startswith("atp-tui: warning: skipped response log row") for line in warnings)
    assert "response_data is not JSON" in answered.stderr
    assert "attempted_at is not a date" in answered.stderr

    shown = cli("history", "--json", "--state-dir", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stderr
    assert len(shown.stderr.splitlines()) == 5
    entries = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [(e["title"], e["response_data"], e["outcome"]) for e in entries] == [
        ("Roll back checkout?", "budget spent", "sent")
    ]
    report = cli("handover", "--format", "md", "--state-dir", str(tmp_path))
    assert report.returncode == 0 and "Traceback" not in report.stderr
