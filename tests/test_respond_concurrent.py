"""Two `atp-tui respond` at once on one state dir send one answer (`store/answer_locks.py`).

Both looked in the answer log before either wrote its `sending` row, and both POSTed: the
server refused the second as answered elsewhere, and `history` and `handover` then showed that
refusal instead of the answer sent (the last row won). Real processes, a real server whose
POST takes a moment, so that the two overlap.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from atp_tui.store import Store
from tests.hostile import Conn, HostileServer, notification
from tests.respond_faults_helpers import NID, TOKEN

SLOW_POST = 0.5


async def slow_post(conn: Conn) -> None:
    """The notification for a GET; a POST answered after `SLOW_POST` s."""
    if conn.request.method == "GET":
        await conn.send_response(200, notification(NID))
        return
    length = int(conn.request.headers.get("content-length", "0"))
    await conn.reader.readexactly(length)
    await asyncio.sleep(SLOW_POST)
    await conn.send_response(
        200, {"notification_id": NID, "status": "responded", "responded_at": "2026-11-28T12:00:01Z"}
    )


async def cli(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "atp_tui.cli",
        *args,
        env={**os.environ, "ATP_TOKEN": TOKEN},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_two_responds_at_once_send_once_and_history_shows_the_answer(
    tmp_path: Path,
) -> None:
    state = str(tmp_path / "state")
    async with HostileServer(slow_post) as server:
        command = ("respond", NID, "ok", "--json", "--server", server.url, "--state-dir", state)
        results = await asyncio.gather(cli(*command), cli(*command))
        posts = [request for request in server.requests if request.method == "POST"]
    assert len(posts) == 1, results
    outcomes = sorted(json.loads(out)["outcome"] for _, out in results)
    assert outcomes == ["duplicate", "sent"], results
    assert sorted(code for code, _ in results) == [0, 1]
    code, history = await cli("history", "--json", "--state-dir", state)
    assert code == 0
    entries = [json.loads(line) for line in history.splitlines()]
    assert [entry["outcome"] for entry in entries] == ["sent"], history


def test_a_later_refusal_does_not_hide_the_answer_sent(tmp_path: Path) -> None:
    """Logs from before the lock (or from another machine's state copied here): the row
    `sent` stands in `history`, `handover` and the TUI's answer state."""
    from datetime import UTC, datetime

    from atp_tui.view.history import latest_answers
    from atp_tui.view.items import answers_from_log

    store = Store.open(tmp_path)
    try:
        store.record_response(NID, "ok", None, "sent")
        store.record_response(NID, "ok", None, "already_responded", "answered elsewhere")
        attempts = store.responses(NID)
        assert answers_from_log(attempts)[NID].kind == "sent"
        since = datetime(2000, 1, 1, tzinfo=UTC)
        assert [entry.attempt.outcome for entry in latest_answers(store, since)] == ["sent"]
    finally:
        store.close()
