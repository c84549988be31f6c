"""`atp-tui status`: the TUI status bar's counts from the state dir, fast and offline."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from atp_tui.commands import status as status_command
from atp_tui.commands.status import (
    Unusual,
    build_report,
    full_settings,
    quick_settings,
    render,
    run_status,
    status_settings,
)
from atp_tui.protocol import Notification
from atp_tui.settings.locating import MAX_CONFIG_BYTES
from atp_tui.settings.paths import default_config_dir, default_state_dir
from atp_tui.store import DB_NAME, Store
from atp_tui.store.base import STREAM_ALIVE_KEY
from atp_tui.store.headless import HeadlessStore
from atp_tui.view.counting import InboxCounter
from atp_tui.view.snooze_board import SnoozeBoard
from tests.snapshots.harness import NOW, notification

WARNING = 900.0
SECOND = 1 / 60  # in the harness's minutes


def cases() -> list[tuple[Notification, str | None, bool]]:
    """(notification, a status_update to apply or None, read): every boundary the bar has."""
    minutes: list[float | None] = [
        None, -600, -10, -SECOND, 0, SECOND, 5, 15 - SECOND, 15, 15 + SECOND, 16, 600, 3000,
    ]  # fmt: skip
    items = []
    for n, deadline in enumerate(minutes):
        for status in ("delivered", "acknowledged", "created", "responded", "expired"):
            for update in (None, "invalidated"):
                read = (n + len(status)) % 3 == 0
                nid = f"n{n}-{status}-{update}"
                items.append(
                    (notification(nid, nid, deadline=deadline, status=status), update, read)
                )
    return items


def fill(store: Any, items: list[tuple[Notification, str | None, bool]]) -> None:
    for i, (item, update, read) in enumerate(items):
        store.add_notification(item, f"e{i}", raw_json=item.model_dump_json())
        if update:
            store.apply_status(item.id, update)
        if read and isinstance(store, Store):
            store.mark_read(item.id)
    store.commit()


def tui_counts(state_dir: Path, now: datetime) -> dict[str, int]:
    """What the TUI's status bar counts on this store."""
    store = Store.open(state_dir)
    try:
        counts = InboxCounter(WARNING).recount(store.load_notifications(), now)
    finally:
        store.close()
    return {"open": counts.open, "due": counts.expiring, "unread": counts.unread}


def status_counts(state_dir: Path, now: datetime) -> dict[str, int]:
    report = build_report(state_dir, now, WARNING)
    return {key: report[key] for key in ("open", "due", "unread")}


class TestCountsMatchTheTui:
    def test_on_the_tuis_store(self, tmp_path: Path) -> None:
        store = Store.open(tmp_path)
        fill(store, cases())
        store.close()
        for offset in (0, 0.4, 30, -30, 899, 901):  # moments around the boundaries too
            now = NOW + timedelta(seconds=offset)
            expected = tui_counts(tmp_path, now)
            assert status_counts(tmp_path, now) == expected, offset
        assert tui_counts(tmp_path, NOW)["due"] > 0 and tui_counts(tmp_path, NOW)["open"] > 0

    def test_on_a_store_watch_wrote_and_after_the_tui_opened_it(self, tmp_path: Path) -> None:
        store = HeadlessStore.open(tmp_path)
        fill(store, cases())
        # A payload as a server may write it: a deadline in another zone (NOW + 10 min).
        zoned = notification("zone", "zone", deadline=None).model_dump(mode="json")
        zoned["deadline"] = "2026-03-14T15:06:53+05:30"
        store.add_notification(Notification.model_validate(zoned), "ez", raw_json=json.dumps(zoned))
        store.commit()
        store.close()
        before = status_counts(tmp_path, NOW)  # from the payloads: no summaries yet
        assert before == tui_counts(tmp_path, NOW)  # the TUI opens it and makes summaries
        assert status_counts(tmp_path, NOW) == before

    def test_a_database_from_before_the_index(self, tmp_path: Path) -> None:
        store = Store.open(tmp_path)
        fill(store, cases())
        store.close()
        expected = tui_counts(tmp_path, NOW)
        with sqlite3.connect(tmp_path / DB_NAME) as db:  # as an older version left it
            for trigger in ("insert", "update", "delete"):
                db.execute(f"DROP TRIGGER inbox_index_{trigger}")
            db.execute("DROP TABLE inbox_index")
        assert status_counts(tmp_path, NOW) == expected  # from the payloads, slowly
        Store.open(tmp_path).close()  # the next open adds the index and fills it
        with sqlite3.connect(tmp_path / DB_NAME) as db:
            assert db.execute("SELECT COUNT(*) FROM inbox_index").fetchone()[0] == len(cases())
        assert status_counts(tmp_path, NOW) == expected


def tui_counts_with_snoozes(state_dir: Path, now: datetime) -> dict[str, int]:
    """What the TUI's status bar shows on this store after its first tick at `now`: snoozed
    items out of the counts (`SnoozeBoard.admit`), those whose time came back in (`due`)."""
    store = Store.open(state_dir)
    try:
        board = SnoozeBoard(store.snoozes(), WARNING)
        shown, _ = board.admit(store.load_notifications(), now)
        shown += board.due(now)
        counts = InboxCounter(WARNING).recount(shown, now)
    finally:
        store.close()
    return {
        "open": counts.open,
        "due": counts.expiring,
        "unread": counts.unread,
        "snoozed": board.count,
    }


class TestSnoozedCounts:
    def test_snoozed_items_leave_the_open_counts_as_in_the_tui(self, tmp_path: Path) -> None:
        store = Store.open(tmp_path)
        items = cases()
        fill(store, items)
        # Snooze every other item, some until soon, some far (clamped by their deadlines),
        # some already past, and an id no item has.
        untils = (NOW + timedelta(minutes=5), NOW + timedelta(hours=2), NOW - timedelta(minutes=1))
        for n, (note, _, _) in enumerate(items[::2]):
            store.snooze(note.id, untils[n % 3])
        store.snooze("unknown", NOW + timedelta(hours=1))
        store.close()
        for offset in (0, 0.4, 30, -30, 299, 301, 899, 901, 3600):
            now = NOW + timedelta(seconds=offset)
            expected = tui_counts_with_snoozes(tmp_path, now)
            report = build_report(tmp_path, now, WARNING)
            assert {key: report[key] for key in expected} == expected, offset
        assert tui_counts_with_snoozes(tmp_path, NOW)["snoozed"] > 0

    def test_on_a_store_watch_wrote_snoozed_from_the_tui(self, tmp_path: Path) -> None:
        store = HeadlessStore.open(tmp_path)
        fill(store, cases())
        store.close()
        store = Store.open(tmp_path)
        store.snooze("n12-delivered-None", NOW + timedelta(minutes=30))  # no summary written
        store._db.execute("UPDATE notifications SET summary = NULL")  # as watch leaves rows
        store.close()
        with sqlite3.connect(tmp_path / DB_NAME) as db:
            for trigger in ("insert", "update", "delete"):  # and from before the index
                db.execute(f"DROP TRIGGER inbox_index_{trigger}")
            db.execute("DROP TABLE inbox_index")
        assert build_report(tmp_path, NOW, WARNING)["snoozed"] == 1

    def test_a_state_dir_from_before_snoozes(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=None)
        with sqlite3.connect(tmp_path / DB_NAME) as db:
            db.execute("DROP TABLE snoozes")
        assert build_report(tmp_path, NOW, WARNING)["snoozed"] == 0

    def test_the_line_says_how_many_are_snoozed(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=NOW - timedelta(seconds=40))
        store = Store.open(tmp_path)
        store.snooze("o1", NOW + timedelta(minutes=15))  # open, read, deadline in 60 min
        store.snooze("o2", NOW + timedelta(minutes=15))  # open, unread, no deadline
        store.close()
        assert run(tmp_path, "plain") == "ATP 1 open · 1 unread · 1 due <15m · 2 snoozed\n"
        assert json.loads(run(tmp_path, "json"))["snoozed"] == 2
        later = NOW + timedelta(minutes=15)
        assert run(tmp_path, "plain", later) == "ATP 2 open · 1 unread · stale 15m\n"  # both back


def args(state_dir: Path, fmt: str = "plain") -> argparse.Namespace:
    return argparse.Namespace(format=fmt, state_dir=state_dir, config=None, profile=None)


def small_store(state_dir: Path, *, alive: datetime | None) -> None:
    """3 open (2 unread, 1 due within 15 min) and 1 answered."""
    store = Store.open(state_dir)
    for i, deadline in enumerate((5, 60, None)):
        store.add_notification(notification(f"o{i}", f"open {i}", deadline=deadline), f"e{i}")
    store.add_notification(notification("a", "answered", status="responded"), "ea")
    store.mark_read("o1")
    if alive is not None:
        store.note_stream_alive(alive)
    store.close()


def run(state_dir: Path, fmt: str, now: datetime = NOW) -> str:
    out = io.StringIO()
    assert run_status(args(state_dir, fmt), env={}, now=now, out=out) == 0
    return out.getvalue()


class TestFormats:
    def test_plain_and_tmux_when_stale(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=NOW - timedelta(minutes=4))
        assert run(tmp_path, "plain") == "ATP 3 open · 2 unread · 1 due <15m · stale 4m\n"
        assert run(tmp_path, "tmux") == (
            "ATP 3 open · 2 unread · #[fg=red,bold]1 due <15m#[default]"
            " · #[fg=yellow]stale 4m#[default]\n"
        )

    def test_live_stream_is_not_stale(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=NOW - timedelta(seconds=40))
        assert run(tmp_path, "plain") == "ATP 3 open · 2 unread · 1 due <15m\n"

    def test_json(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=NOW - timedelta(seconds=40))
        report = json.loads(run(tmp_path, "json"))
        assert report == {
            "cached": True,
            "open": 3,
            "due": 1,
            "unread": 2,
            "snoozed": 0,
            "warning_minutes": 15.0,
            "stream_alive_at": (NOW - timedelta(seconds=40)).isoformat(),
            "stale": False,
            "stale_seconds": 40.0,
        }

    def test_never_streamed_and_nothing_cached(self, tmp_path: Path) -> None:
        small_store(tmp_path / "cached", alive=None)
        assert run(tmp_path / "cached", "plain") == "ATP 3 open · 2 unread · 1 due <15m · stale\n"
        assert run(tmp_path / "empty", "plain") == "ATP –\n"
        assert json.loads(run(tmp_path / "empty", "json"))["cached"] is False

    def test_a_state_dir_that_is_a_file_is_unknown_not_empty(self, tmp_path: Path) -> None:
        """It said `ATP –` (nothing cached), exit 0, where every other command stops with
        exit 4 (found by an independent QA pass)."""
        afile = tmp_path / "afile"
        afile.write_text("x")
        out = io.StringIO()
        assert run_status(args(afile, "plain"), env={}, now=NOW, out=out) == 4
        assert out.getvalue() == "ATP ?\n"

    def test_a_state_dir_opened_but_never_fed_is_no_cache(self, tmp_path: Path) -> None:
        """`list` or `history` on a new state dir create its database: `status` then said
        "ATP 0 open · stale", an all-clear for an inbox it knows nothing of (found by an
        independent QA pass)."""
        Store.open(tmp_path).close()  # what `list` does on a new state dir
        assert run(tmp_path, "plain") == "ATP –\n"
        assert json.loads(run(tmp_path, "json"))["cached"] is False

    def test_render_quiet_inbox(self) -> None:
        report = {"cached": True, "open": 0, "due": 0, "unread": 0, "warning_minutes": 15.0,
                  "stale": False, "stale_seconds": 3.0}  # fmt: skip
        assert render(report, "tmux") == "ATP 0 open"


#: The `atp-tui status` process reports what it loaded (after printing its line).
_PROBE = """
import json, sys
sys.argv = ["atp-tui", "status", "--format", "json", "--state-dir", sys.argv[1]]
from atp_tui.__main__ import main
code = main()
heavy = ("pydantic", "textual", "httpx", "socket", "ssl", "asyncio", "atp_tui.store",
         "dataclasses")  # ≈ 15 ms on its own (`atp_tui.view.snooze` uses a NamedTuple)
print(json.dumps({"code": code, "loaded": sorted(
    name for name in sys.modules if name.split(".")[0] in heavy or name.startswith(heavy))}))
"""


def real_now() -> datetime:
    """The real clock, as a process has it (the harness's items are months in its past:
    only the one without a deadline is open, which keeps the comparison stable)."""
    return datetime.now(UTC)


class TestProcess:
    def test_no_pydantic_textual_or_network_modules(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=None)
        result = subprocess.run(
            [sys.executable, "-c", _PROBE, str(tmp_path)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        status_line, probe = result.stdout.strip().splitlines()
        assert json.loads(status_line) == json.loads(run(tmp_path, "json", now=real_now()))
        assert json.loads(probe) == {"code": 0, "loaded": []}

    def test_the_installed_command(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=None)
        executable = Path(sys.executable).parent / "atp-tui"
        if not executable.exists():
            pytest.skip("atp-tui is not installed next to this interpreter")
        result = subprocess.run(
            [str(executable), "status", "--state-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout == run(tmp_path, "plain", now=real_now())

    def test_through_the_cli_module_too(self, tmp_path: Path) -> None:
        small_store(tmp_path, alive=None)
        result = subprocess.run(
            [sys.executable, "-m", "atp_tui.cli", "status", "--state-dir", str(tmp_path)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout == run(tmp_path, "plain", now=real_now())

    def test_a_relative_state_dir_is_read(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`--state-dir s2` and `--state-dir .` were a traceback (`as_uri` of a relative
        path), in every shell prompt that runs `atp-tui status`."""
        small_store(tmp_path / "s2", alive=NOW)
        monkeypatch.chdir(tmp_path)
        assert run(Path("s2"), "plain") == "ATP 3 open · 2 unread · 1 due <15m\n"
        monkeypatch.chdir(tmp_path / "s2")
        assert run(Path("."), "plain") == "ATP 3 open · 2 unread · 1 due <15m\n"

    def test_an_unreadable_state_is_exit_4(self, tmp_path: Path) -> None:
        (tmp_path / DB_NAME).write_bytes(b"not a database" * 100)
        out = io.StringIO()
        assert run_status(args(tmp_path), env={}, now=NOW, out=out) == 4
        assert out.getvalue() == "ATP ?\n"


class TestSettings:
    @pytest.mark.parametrize(
        ("text", "env", "flags"),
        [
            ("", {}, {}),
            ("deadline_warning_minutes = 5\n", {}, {}),
            ('state_dir = "here"\ndeadline_warning_minutes = 2.5\n', {}, {}),
            ('default_profile = "w"\n[profiles.w]\nstate_dir = "/w"\n'
             "deadline_warning_minutes = 1\n", {}, {}),
            ('[profiles.w]\nstate_dir = "/w"\n', {"ATP_PROFILE": "w"}, {}),
            ('[profiles.w]\nstate_dir = "/w"\n', {}, {"profile": "w"}),
            ('state_dir = "/file"\n', {"ATP_STATE_DIR": "/env"}, {}),
            ('state_dir = "/file"\n', {"ATP_STATE_DIR": "/env"}, {"state_dir": Path("/flag")}),
            ('deadline_warning_minutes = "7"\n', {}, {}),  # text: the full loader's job
            ("deadline_warning_minutes = -1\n", {}, {}),  # refused: the default
            ("this is not toml", {}, {}),
        ],
    )  # fmt: skip
    def test_the_quick_read_agrees_with_the_loader(
        self, tmp_path: Path, text: str, env: dict[str, str], flags: dict[str, Any]
    ) -> None:
        path = tmp_path / "config.toml"
        path.write_text(text)
        options = {"config": path, "profile": None, "state_dir": None, **flags}
        full = full_settings(**options, env=env)
        try:
            quick = quick_settings(**options, env=env)
        except Unusual:
            quick = full  # handed over: what the command uses is the loader's
        assert quick == full
        assert status_settings(**options, env=env) == full

    @pytest.mark.parametrize("fmt", ["plain", "json"])
    def test_a_profile_flag_that_names_no_profile_is_exit_2_as_for_every_command(
        self, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Not the counts of the state dir the flag did not ask for (another environment's)."""
        path = tmp_path / "config.toml"
        path.write_text('[profiles.prod]\nstate_dir = "/prod"\n')
        small_store(tmp_path, alive=NOW)
        options = argparse.Namespace(format=fmt, state_dir=tmp_path, config=path, profile="prdo")
        out = io.StringIO()
        assert run_status(options, env={}, now=NOW, out=out) == 2
        line = out.getvalue()
        if fmt == "plain":
            assert line == "ATP ?\n"
        else:
            assert "no profile named 'prdo'" in json.loads(line)["error"]
        assert "no profile named 'prdo'; did you mean 'prod'?" in capsys.readouterr().err

    @pytest.mark.parametrize(
        ("text", "env", "where"),
        [
            ('[profiles.prod]\nstate_dir = "/prod"\n', {"ATP_PROFILE": "prdo"}, "ATP_PROFILE"),
            ('default_profile = "prdo"\n[profiles.prod]\n', {}, "default_profile"),
            ('default_profile = "prod"\n[profiles]\nprod = 3\n', {}, "profiles.prod"),
        ],
    )
    def test_a_profile_asked_for_elsewhere_that_names_none_is_exit_2_too(
        self,
        tmp_path: Path,
        text: str,
        env: dict[str, str],
        where: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """From the environment or the file, as from the flag: the top-level state dir is
        another environment's (it used to count it, with a warning no prompt shows)."""
        path = tmp_path / "config.toml"
        path.write_text(text)
        small_store(tmp_path, alive=NOW)
        options = argparse.Namespace(format="plain", state_dir=None, config=path, profile=None)
        out = io.StringIO()
        assert run_status(options, env=env, now=NOW, out=out) == 2
        assert out.getvalue() == "ATP ?\n"
        assert f"{where}: " in capsys.readouterr().err
        with pytest.raises(status_command.SettingsNotApplied):
            status_settings(config=path, profile=None, state_dir=None, env=env)

    def test_defaults_and_names_agree_with_the_store_and_settings(self) -> None:
        assert status_command.DB_NAME == DB_NAME
        assert status_command.QUICK_CONFIG_BYTES == MAX_CONFIG_BYTES
        assert status_command.STREAM_ALIVE_KEY == STREAM_ALIVE_KEY
        assert status_command._platform_dir("state") == default_state_dir()
        assert status_command._platform_dir("config") == default_config_dir()
