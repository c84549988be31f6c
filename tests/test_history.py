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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from atp_tui.commands import history
from atp_tui.protocol.models import Notification
from atp_tui.server import RunningServer, ServerConfig
from atp_tui.store import Store
from atp_tui.store.db import DB_NAME
from atp_tui.view.history import handover

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
    # Past any answer: every answer, not an overflow's traceback.
    for huge in ("99999999999d", "3000000d", "1" + "0" * 400 + "s"):
        assert history.parse_since(huge) == history.LONGEST_WINDOW
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
    report = handover(store, now - timedelta(hours=8), now + timedelta(seconds=1))
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


def test_agent_text_in_the_markdown_handover_is_never_markdown() -> None:
    """A title `**bold** [docs](http://evil.example) <b>x</b>` became bold, a working link
    and HTML in a chat or ticket that renders the report (found by an independent QA
    pass); it is escaped, and reads as written."""
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    store = Store.in_memory()
    title = "**bold** [docs](http://evil.example) <b>x</b> ~~gone~~"
    store.add_notification(_note("a", title, now + timedelta(hours=2)), "1")
    report = handover(store, now - timedelta(hours=8), now + timedelta(seconds=1))
    markdown = history.format_handover_markdown(report)
    assert (
        "\\*\\*bold\\*\\* \\[docs\\](http://evil.example) \\<b\\>x\\</b\\> \\~\\~gone\\~\\~"
        in markdown
    )
    assert "**bold**" not in markdown and "[docs]" not in markdown


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


# -- issue #11: where each answer stands, in the agent's and the TUI's words --------------------


def _labelled(nid: str, title: str) -> Notification:
    """A notification with a choice, a binary, a multi-choice and a text action."""
    return Notification.model_validate(
        {
            "id": nid,
            "service": {"id": "s", "name": "deploy-bot"},
            "context": {"title": title},
            "actions": [
                {
                    "id": "region",
                    "label": "Region",
                    "response_type": "choice",
                    "options": [{"value": "euw1", "label": "eu-west-1"}],
                },
                {"id": "go", "label": "Deploy now?", "response_type": "binary"},
                {
                    "id": "features",
                    "label": "Features",
                    "response_type": "multi_choice",
                    "options": [{"value": "offline_mode", "label": "Offline mode"}, "dark"],
                },
                {"id": "pause", "label": "Pause and resume tonight", "response_type": "simple"},
            ],
            "status": "delivered",
        }
    )


def _answer_log(state_dir: Path) -> None:
    """Answers over the last three hours, as `respond` and the TUI leave them in the log."""
    from tests.conftest import FakeClock

    clock = FakeClock(start=datetime.now(UTC) - timedelta(hours=3))
    store = Store.open(state_dir, clock)
    try:
        for nid, title in (("a", "Old one"), ("b", "Killed"), ("c", "Quit"), ("d", "Lost")):
            store.add_notification(_labelled(nid, title), nid)
        store.add_notification(_labelled("e", "Second try"), "e")
        store.record_response("a", "region", "euw1", "sent", "answer sent")  # 3 h ago
        clock.offset = 3600
        store.record_response("b", "go", True, "sending")  # the process died mid-POST
        clock.offset = 9000
        store.record_response("c", "features", ["offline_mode", "dark"], "retrying", "503")
        clock.offset = 9600
        store.record_response("d", "pause", None, "unknown", "no reply and the check failed")
        clock.offset = 10200
        store.record_response("e", "go", False, "refused", "too late")
        store.record_response("e", "region", "euw1", "sent", "answer sent")
        clock.offset = 10500
        store.record_response("gone", "why", "x", "duplicate", "already answered here")
        store.record_response("gone", "why", "text\nfrom a shell", "refused", "no such action")
    finally:
        store.close()


def test_history_shows_pending_and_unknown_answers_newest_first(tmp_path: Path) -> None:
    """Items 4, 6, 12: answers still on their way when atp-tui stopped are never hidden (also
    outside --since); one row per notification, its last state, newest first, in the TUI's
    outcome words and the agent's labels.

    Before: "no answers in this period" while rows were `retrying`, oldest first, raw data
    (`true`, `["offline_mode", "dark"]`)."""
    _answer_log(tmp_path)
    shown = cli("history", "--since", "1h", "--state-dir", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    rows = shown.stdout.splitlines()
    pending = "pending (not confirmed: the next answer checks with the server first)"
    expected = [
        ("refused", "(not in the local inbox) → why: text from a shell (no such action)"),
        ("sent", "Second try → Region: eu-west-1"),
        ("outcome unknown", "Lost → Pause and resume tonight (no reply and the check failed)"),
        (pending, "Quit → Features: Offline mode, dark (503)"),
        (pending, "Killed → Deploy now? Yes"),
    ]
    assert len(rows) == len(expected), rows
    for row, (words, rest) in zip(rows, expected, strict=True):
        assert row[18:].startswith(words), row
        assert row.endswith(rest), row
    assert "true" not in shown.stdout and "offline_mode" not in shown.stdout

    lines = cli("history", "--json", "--since", "1h", "--state-dir", str(tmp_path))
    entries = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [(e["notification_id"], e["outcome"]) for e in entries] == [
        ("gone", "refused"),
        ("e", "sent"),
        ("d", "unknown"),
        ("c", "retrying"),
        ("b", "sending"),
    ]
    assert entries[3]["answer"] == "Features: Offline mode, dark"
    assert entries[3]["response_data"] == ["offline_mode", "dark"]  # the wire value, for scripts
    assert entries[4]["outcome_words"] == pending

    everything = cli("history", "--since", "1d", "--state-dir", str(tmp_path))
    assert everything.stdout.splitlines()[-1].endswith("Old one → Region: eu-west-1")


def test_handover_lists_pending_answers_with_their_labels(tmp_path: Path) -> None:
    _answer_log(tmp_path)
    report = cli("handover", "--since", "1h", "--state-dir", str(tmp_path))
    assert report.returncode == 0, report.stderr
    text = report.stdout
    decisions = text.split("## Decisions")[1].split("##")[0]
    assert "Second try → **Region**: eu-west-1" in decisions
    pending = text.split("## Pending, not confirmed (2)")[1].split("##")[0]
    assert "Quit → **Features**: Offline mode, dark (503)" in pending
    assert "Killed → **Deploy now?** Yes" in pending
    failed = text.split("## Refused, failed or unknown (2)")[1]
    assert "Lost → **Pause and resume tonight**: outcome unknown (no reply" in failed
    assert "(not in the local inbox) → **why**: text from a shell: refused" in failed
    assert "- nothing open" not in text  # five cached notifications are open
    data = json.loads(cli("handover", "--format", "json", "--state-dir", str(tmp_path)).stdout)
    assert data["inbox_cached"] is True
    assert [e["notification_id"] for e in data["pending"]] == ["c", "b"]


def test_handover_without_a_cached_inbox_says_so(tmp_path: Path) -> None:
    """Item 7: a state dir nothing was received into does not claim "nothing open"."""
    report = cli("handover", "--state-dir", str(tmp_path / "fresh"))
    assert report.returncode == 0, report.stderr
    assert "nothing open" not in report.stdout
    assert "- no cached inbox in this state dir" in report.stdout
    data = json.loads(
        cli("handover", "--format", "json", "--state-dir", str(tmp_path / "fresh")).stdout
    )
    assert (data["inbox_cached"], data["open"], data["pending"]) == (False, [], [])
    empty = cli("history", "--state-dir", str(tmp_path / "fresh"))
    assert empty.stdout == "no answers in this period\n"


def test_handover_counts_snoozed_items_and_says_when_each_is_back() -> None:
    now = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    store = Store.in_memory()
    store.add_notification(_note("a", "Later", now + timedelta(hours=5)), "1")
    store.add_notification(_note("b", "Soon", now + timedelta(minutes=40)), "2")
    store.add_notification(_note("c", "Past its time", None), "3")
    store.add_notification(_note("d", "Withdrawn", None), "4")
    store.apply_status("d", "invalidated")
    store.snooze("a", now + timedelta(hours=1))
    store.snooze("b", now + timedelta(hours=1))  # back 15 min before its deadline
    store.snooze("c", now - timedelta(minutes=1))  # its time came: not snoozed
    store.snooze("d", now + timedelta(hours=1))  # closed: not snoozed
    report = handover(store, now - timedelta(hours=8), now)
    assert report["snoozed"] == 2
    assert {item["title"]: item["snoozed_until"] for item in report["open"]} == {
        "Soon": (now + timedelta(minutes=25)).isoformat(),
        "Later": (now + timedelta(hours=1)).isoformat(),
        "Past its time": None,
    }
    markdown = history.format_handover_markdown(report)
    assert "## Open (3, 2 snoozed), soonest deadline first" in markdown
    local = lambda moment: moment.astimezone().strftime("%Y-%m-%d %H:%M")  # noqa: E731
    due, back = local(now + timedelta(minutes=40)), local(now + timedelta(minutes=25))
    soon = f"**Soon** (deploy-bot / shop), deadline {due}, snoozed until {back}"
    assert soon in markdown
    # A wider warning (the setting) brings "Soon" back sooner, as in the TUI and `status`.
    wide = handover(store, now - timedelta(hours=8), now, warning_seconds=45 * 60)
    assert wide["snoozed"] == 1


def test_handover_open_list_uses_the_state_the_payload_carried() -> None:
    """An item stored with `status: expired` in its payload (a replay, or `watch` storing it
    as received) and no status event since is closed, as in the TUI, `list` and `status`:
    handover must not hand it to the next person as open."""
    now = datetime.now(UTC)
    store = Store.in_memory()
    store.add_notification(_note("a", "Still open", now + timedelta(hours=1)), "1")
    closed = _note("b", "Expired on the server", now + timedelta(hours=1))
    store.add_notification(closed.model_copy(update={"status": "expired"}), "2")
    report = handover(store, now - timedelta(hours=8), now)
    assert [item["title"] for item in report["open"]] == ["Still open"]


def test_handover_from_the_shell_counts_snoozed_items(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    store = Store.open(tmp_path)
    store.add_notification(_note("a", "Later", now + timedelta(hours=5)), "1")
    store.add_notification(_note("b", "Soon", now + timedelta(hours=2)), "2")
    store.snooze("b", now + timedelta(hours=1))
    store.close()
    result = cli("handover", "--state-dir", str(tmp_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["snoozed"] == 1
    assert [item["title"] for item in report["open"] if item["snoozed_until"]] == ["Soon"]
    markdown = cli("handover", "--state-dir", str(tmp_path)).stdout
    assert "## Open (2, 1 snoozed)" in markdown


def test_the_markdown_handover_is_in_local_time_with_the_zone_and_dates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Times were UTC with no zone said, and decisions had no day (found by an independent
    QA pass): in Tokyo a decision made at 01:04 on the 6th read "16:04"."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        now = datetime(2026, 12, 5, 16, 4, tzinfo=UTC)
        store = Store.in_memory()
        store.add_notification(_note("c", "Answered", now + timedelta(hours=1)), "1")
        store.apply_status("c", "responded")
        store.record_response("c", "why", "low capacity", "sent", "answer sent")
        report = handover(store, now - timedelta(hours=8), now + timedelta(minutes=1))
        report["decisions"][0]["at"] = now.isoformat()
        markdown = history.format_handover_markdown(report)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert markdown.startswith("# atp-tui handover (2026-12-06 01:05 JST)")
    assert "- 2026-12-06 01:04 Answered → **Why not**: low capacity" in markdown
