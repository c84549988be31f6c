"""`watch`'s commits in their own process (`atp_tui.store.commit_process`), for real.

`HeadlessStore.begin_commit` hands a commit to a child process and `finish_commit` waits for
it: the rows are the ones the in-line commit writes; a failed commit is held apart (never
merged with changes queued after it, whose lines were not written yet) and tried again; a
commit process that is gone is replaced by commits in line; a terminal's Ctrl-C (SIGINT to
the whole process group) stops `watch` cleanly and leaves no commit process behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from atp_tui.store import DB_NAME, StateWriteError
from atp_tui.store.commit_process import CommitProcess, CommitProcessError
from atp_tui.store.db import WAL_FILE_LIMIT_BYTES
from atp_tui.store.headless import HeadlessStore
from tests.conftest import FakeClock
from tests.hostile import HostileServer, notification
from tests.store_helpers import _n, _peek, refuse_inserts
from tests.store_helpers import notification_rows as _rows
from tests.watch_helpers import burst_script, complete_ids, expected, watch_command, watch_env


def _meta(state_dir: Path) -> dict[str, str]:
    return dict(_peek(state_dir, "SELECT key, value FROM meta"))


def _session(store: HeadlessStore, commit: Any) -> None:
    """New ids (one with non-ASCII text), a repeat with a newer state, a status change."""
    store.add_notification(_n("n1"), "1", raw_json='{"id":"n1","t":"é ✓ \\u001b"}')
    store.add_notification(_n("n2", status="created"), "2")
    store.remember_event("1")
    store.remember_event("2")
    store.set_cursor("2")
    commit(store)
    store.add_notification(_n("n2", status="expired"), "3")
    store.apply_status("n1", "responded", "answered here")
    store.add_notification(_n("n3"), None)
    store.remember_event("3")
    store.set_cursor("3")
    commit(store)


def _begun(store: HeadlessStore) -> None:
    store.begin_commit()
    store.finish_commit()


def test_the_commit_process_writes_the_rows_the_in_line_commit_writes(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    in_line = HeadlessStore.open(tmp_path / "in-line", fake_clock)
    _session(in_line, HeadlessStore.commit)
    in_line.close()
    process = HeadlessStore.open(tmp_path / "process", fake_clock)
    process.start_writer()
    _session(process, _begun)
    process.close()
    assert _rows(tmp_path / "process") == _rows(tmp_path / "in-line")
    assert [row[0] for row in _rows(tmp_path / "process")] == ["n1", "n2", "n3"]
    assert _rows(tmp_path / "process")[0][1] == '{"id":"n1","t":"é ✓ \\u001b"}'
    assert _meta(tmp_path / "process")["cursor"] == "3"
    reopened = HeadlessStore.open(tmp_path / "process", fake_clock)
    assert reopened.event_seen("3") and reopened.has_notification("n3")
    reopened.close()


def test_a_failed_commit_is_held_apart_and_tried_again_alone(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    """The process's commit fails (SQLite refuses): `finish_commit` says so; the changes
    queued since are not written with it when it is tried again."""
    store = HeadlessStore.open(tmp_path, fake_clock)
    store.start_writer()
    refuse = refuse_inserts(tmp_path, "database or disk is full", when="NEW.id = 'n1'")
    store.add_notification(_n("n1"), "1")
    store.set_cursor("1")
    store.begin_commit()
    store.add_notification(_n("n2"), "2")  # the next chunk, parsed meanwhile
    store.set_cursor("2")
    with pytest.raises(StateWriteError, match="database or disk is full"):
        store.finish_commit()
    assert _rows(tmp_path) == []
    with pytest.raises(StateWriteError):
        store.finish_commit()  # still refused: still held
    refuse.execute("DROP TRIGGER refuse")
    refuse.commit()
    refuse.close()
    store.finish_commit()
    assert [row[0] for row in _rows(tmp_path)] == ["n1"]
    assert _meta(tmp_path)["cursor"] == "1"  # not "2": that chunk was not printed yet
    store.begin_commit()
    store.finish_commit()
    assert [row[0] for row in _rows(tmp_path)] == ["n1", "n2"]
    assert _meta(tmp_path)["cursor"] == "2"
    store.close()


def test_a_failed_commit_abandoned_at_the_stop_is_committed_with_the_rest(
    tmp_path: Path, fake_clock: FakeClock
) -> None:
    store = HeadlessStore.open(tmp_path, fake_clock)
    store.start_writer()
    refuse = refuse_inserts(tmp_path, "disk I/O error")
    store.add_notification(_n("n1"), "1")
    store.begin_commit()
    with pytest.raises(StateWriteError):
        store.finish_commit()
    store.add_notification(_n("n2"), "2")
    store.abandon_commit()
    with pytest.raises(StateWriteError):
        store.commit()  # everything, still refused: all of it stays queued
    refuse.execute("DROP TRIGGER refuse")
    refuse.commit()
    refuse.close()
    store.close()
    rows = _rows(tmp_path)
    assert [row[0] for row in rows] == ["n1", "n2"]
    assert all(row[4] for row in rows)  # both kept their arrival time: both were new


def test_a_commit_process_that_is_gone_is_replaced_by_commits_in_line(
    tmp_path: Path, fake_clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = HeadlessStore.open(tmp_path, fake_clock)
    store.start_writer()
    store.add_notification(_n("n1"), "1")
    store.begin_commit()
    store.finish_commit()
    child = store._writer._process  # type: ignore[union-attr]
    assert child is not None
    child.kill()
    child.wait()
    store.add_notification(_n("n2"), "2")
    store.begin_commit()
    store.finish_commit()  # no error: written in line
    assert "committing in line from now on" in caplog.text
    store.add_notification(_n("n3"), "3")
    store.begin_commit()
    store.finish_commit()
    store.close()
    assert [row[0] for row in _rows(tmp_path)] == ["n1", "n2", "n3"]


def test_a_commit_process_whose_setup_fails_ends_and_is_reported_gone(tmp_path: Path) -> None:
    """Its setup refused (here: not SQL): the child ends without a word, and the first commit
    handed to it comes back as gone, which `HeadlessStore` answers by committing in line."""
    HeadlessStore.open(tmp_path).close()
    child = CommitProcess(str(tmp_path / DB_NAME), ["THIS IS NOT SQL"])
    child.start(([], [], [], {}, 10))
    with pytest.raises(CommitProcessError) as raised:
        child.wait()
    assert raised.value.gone
    child.close()


def _commit_processes(state_dir: Path) -> list[int]:
    """Process ids of the commit processes still running for `state_dir`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if b"commit_process.py" in argv and str(state_dir).encode() in argv:
            found.append(int(entry.name))
    return found


async def _watch(url: str, state: Path, **options: Any) -> asyncio.subprocess.Process:
    """A real `atp-tui watch` on `url` and `state`, its stdout and stderr piped."""
    return await asyncio.create_subprocess_exec(
        *watch_command(url, state),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=watch_env(),
        **options,
    )


async def test_ctrl_c_to_the_process_group_stops_watch_and_its_commit_process(
    tmp_path: Path,
) -> None:
    """A terminal's Ctrl-C reaches every process of the group: `watch` commits and exits 0,
    the commit process (in its own session) is closed by it, and nothing is lost."""
    state = tmp_path / "state"
    async with HostileServer(burst_script(600, per_write=100, pause=0.0)) as server:
        process = await _watch(server.url, state, start_new_session=True)
        assert process.stdout is not None
        lines = [await process.stdout.readline() for _ in range(300)]
        assert _commit_processes(state)
        os.killpg(process.pid, signal.SIGINT)
        out, err = await process.communicate()
        assert process.returncode == 0, err
        assert b"Traceback" not in err
        printed = [i for i in complete_ids(b"".join(lines) + out) if not i.startswith("end-")]
    assert not _commit_processes(state)
    stored = [row[0] for row in _rows(state) if not row[0].startswith("end-")]
    assert printed == stored  # every printed line committed, nothing more
    assert stored == expected(600)[: len(stored)]


async def test_a_commit_process_killed_mid_burst_loses_nothing_and_watch_says_so(
    tmp_path: Path,
) -> None:
    """SIGKILL to the commit process while `watch` streams: `watch` says so in one
    `atp-tui: warning:` line, commits in line from then on, and prints and stores every
    notification once."""
    state = tmp_path / "state"
    async with HostileServer(burst_script(600, per_write=50, pause=0.02)) as server:
        process = await _watch(server.url, state)
        assert process.stdout is not None
        lines = [await process.stdout.readline() for _ in range(100)]
        (child,) = _commit_processes(state)
        os.kill(child, signal.SIGKILL)
        while not complete_ids(lines[-1]) or not complete_ids(lines[-1])[0].startswith("end-"):
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, "watch ended before the burst's last notification"
            lines.append(line)
        process.send_signal(signal.SIGTERM)
        out, err = await process.communicate()
    assert process.returncode == 0, err
    printed = complete_ids(b"".join(lines) + out)
    assert printed == [*expected(600), "end-0"]
    assert [row[0] for row in _rows(state)] == printed
    said = [line for line in err.decode().splitlines() if "commit process" in line]
    assert len(said) == 1, err
    assert said[0].startswith("atp-tui: warning: the commit process ended")
    assert said[0].endswith(": committing in line from now on")


def test_after_a_burst_and_its_checkpoint_the_wal_file_is_cut_back(tmp_path: Path) -> None:
    """A burst's WAL grows past `WAL_FILE_LIMIT_BYTES`; once the quiet-time checkpoint has
    copied it, the next commit starts the WAL again and cuts the file back (it stayed on
    disk at its peak size: 118 MB after 30,000 notifications, found by an independent
    check)."""
    store = HeadlessStore.open(tmp_path)
    store.start_writer()
    wal = tmp_path / f"{DB_NAME}-wal"
    big = "x" * 60_000
    for batch in range(8):
        for n in range(50):
            nid = f"n{batch}-{n}"
            raw = json.dumps({**notification(nid), "padding": big})
            store.add_notification(_n(nid), nid, raw_json=raw)
        store.begin_commit()
        store.finish_commit()
    assert wal.stat().st_size > WAL_FILE_LIMIT_BYTES
    store.checkpoint()  # what `watch` does once the stream is quiet
    store.add_notification(_n("after"), "after")
    store.begin_commit()
    store.finish_commit()
    assert wal.stat().st_size <= WAL_FILE_LIMIT_BYTES
    store.close()
    assert len(_rows(tmp_path)) == 401
