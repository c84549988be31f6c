"""`respond` writes its answer log first: a full disk (case 72) or a row that cannot be written
sends nothing, and a process killed while its POST is out is checked next time (case 76).
Case 84 (a corrupt responses row) is in `tests/test_history.py`.

Every server is real and on 127.0.0.1 (`tests.hostile.HostileServer`). Backoff waits go
through `FakeClock` (instant); the request deadline is made short instead of waiting out the
real 30 s.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from atp_tui.commands.respond import EXIT_SENT, respond_once
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer
from tests.respond_faults_helpers import NID, OK, TOKEN, Plan, _client, _outcomes, _store, shows

# -- the answer log comes first: a full disk, a process killed while its POST is out -------


async def test_case_72_respond_on_a_full_disk_sends_nothing(tmp_path: Path) -> None:
    """Its state cannot be opened (disk full): exit 4, one line, no POST; the healthy
    database is left alone (it used to be moved aside, and the duplicate guard with it)."""
    from tests.watch_helpers import fill, tmpfs

    plan = Plan([OK])
    with tmpfs(tmp_path / "fs", "1m") as fs:
        store = Store.open(fs / "state")
        store.record_response(NID, "ok", None, "sent")
        store.close()
        fill(fs)
        async with HostileServer(plan) as server:
            for _ in range(3):
                code = await respond_once(
                    server.url, TOKEN, NID, "ok", None, state_dir=fs / "state"
                )
                assert code == 4
        assert not list((fs / "state").glob("*.corrupt-*"))
    assert plan.bodies == []


async def test_an_answer_that_cannot_be_logged_first_is_not_sent(fake_clock: FakeClock) -> None:
    """The `sending` row is written before the POST; when it cannot be, nothing is sent."""
    from atp_tui.store.db import StateWriteError

    plan = Plan([OK])
    store = _store(fake_clock)

    def refuse(*args: object, **kwargs: object) -> int:
        raise StateWriteError("cannot save state (database or disk is full)")

    store.record_response = refuse  # type: ignore[method-assign]
    async with HostileServer(plan) as server:
        outcome = await _client(server.url, store, fake_clock).respond(NID, "ok", None)
    assert outcome.kind == "failed"
    assert "could not be recorded first" in outcome.message
    assert plan.bodies == []


async def test_case_76_a_process_killed_while_its_post_is_out_is_checked_next_time(
    tmp_path: Path,
) -> None:
    """kill -9 while the POST waits for its reply; the next `respond` finds the `sending` row,
    asks the server (which shows it answered) and sends nothing again."""
    import os
    import signal
    import sys

    posted = asyncio.Event()

    async def post_then_hang(conn: Conn) -> None:
        posted.set()
        await conn.hang()

    plan = Plan([post_then_hang], gets=[shows("delivered"), shows("responded")])
    async with HostileServer(plan) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "atp_tui.cli",
            "respond",
            NID,
            "ok",
            "--server",
            server.url,
            "--state-dir",
            str(tmp_path),
            env={**os.environ, "ATP_TOKEN": TOKEN},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await asyncio.wait_for(posted.wait(), 30)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        code = await respond_once(server.url, TOKEN, NID, "ok", None, state_dir=tmp_path)
    assert code == EXIT_SENT
    assert len(plan.bodies) == 1
    assert plan.get_count == 3  # each run's fetch, then the check
    store = Store.open(tmp_path)
    # The killed run's row stays as it was (history skips it); the check's outcome follows.
    assert _outcomes(store) == ["sending", "sent"]
    store.close()


async def test_respond_whose_answer_log_fills_up_exits_4_with_one_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The state dir opens, then its file system is full when the `sending` row is written:
    nothing sent, exit 4 (`state_unavailable`, as the README says for a full disk), and the
    cause said once (it was exit 1, `failed`, with the cause twice)."""
    import json

    from tests.watch_helpers import fill, tmpfs

    plan = Plan([OK])
    with tmpfs(tmp_path / "fs", "1m") as fs:
        store = Store.open(fs / "state")
        store.close()
        async with HostileServer(plan) as server:
            original = Store.open

            def open_then_fill(*args: object, **kwargs: object) -> Store:
                opened = original(*args, **kwargs)  # type: ignore[arg-type]
                fill(fs)
                return opened

            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(Store, "open", open_then_fill)
                code = await respond_once(
                    server.url, TOKEN, NID, "ok", None, True, state_dir=fs / "state"
                )
    assert code == 4
    printed = json.loads(capsys.readouterr().out)
    assert printed["outcome"] == "state_unavailable"
    assert str(printed["message"]).count("full") == 1, printed
    assert plan.bodies == []
