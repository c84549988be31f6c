"""`atp-tui status`: one short line for a tmux status line or a shell prompt.

`ATP 3 open · 2 unread · 1 due <15m · stale 4m`, read from the state dir that the TUI or
`watch` keeps: no network, no Textual, no pydantic, and no store (its import and its integrity
check cost more than the whole budget). tmux runs it every few seconds, so it must finish in
well under 100 ms with 50,000 cached notifications (`bench/status.py` measures it).

The counts are the TUI status bar's (`atp_tui.view.counting.tally`): open (an open state and a
deadline not passed: `is_actionable`), due (the deadline within the warning: `is_urgent`) and
unread among the open ones, leaving out the snoozed ones, which are counted apart (`snoozed`:
an open item with a row in the `snoozes` table whose time has not come by the TUI's rule,
`atp_tui.view.snooze.still_snoozed`; a handful of rows, decided in Python). SQLite does the
counting: rows far from any boundary (no deadline, or a deadline more than `MARGIN` away from
"now" and from "now + warning") are classified and counted in SQL; every row near a boundary,
or whose deadline SQLite cannot read, comes back to Python and is decided by `is_actionable`
and `is_urgent` themselves. The rows come from the
store's `inbox_index` table (state, deadline, read: kept by triggers), because reading them from
`notifications` walks past every payload (200 MB for 50,000) and took ≈ 600 ms; the rows `watch`
wrote have no summary, so their state and deadline come from the payload (`json_extract`).

"stale" comes from the meta value `stream_alive_at`, which the stream engine writes at most once
a minute while chunks (pings included) arrive: older than `STALE_AFTER`, no stream is feeding
this state dir (or it is stuck), so the counts may be out of date.

Settings: only the state dir and the deadline warning are needed. Loading every setting costs
≈ 70 ms of imports, so `quick_settings` reads those two with the same precedence (flag > env >
profile > file > default) and hands over to the full loader on anything unusual (an unreadable
file, a bad value, an unknown profile); a test checks both agree.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import sys
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from atp_tui.protocol.lifecycle import (
    ACTIONABLE_STATES,
    WARNING_SECONDS,
    is_actionable,
    is_urgent,
    parse_moment,
)
from atp_tui.protocol.text import EXIT_OUTPUT_FAILED, OutputError, discard_output, guard_stream
from atp_tui.view.snooze import still_snoozed

#: As `atp_tui.store.base.STREAM_ALIVE_KEY` (not imported: the store package loads too much).
STREAM_ALIVE_KEY = "stream_alive_at"
#: The engine writes `STREAM_ALIVE_KEY` at most once a minute (`ALIVE_EVERY`) and a quiet
#: stream pings every 15 s or so: older than this, nothing live is feeding the state dir.
STALE_AFTER = 150.0
#: Rows whose deadline is within this many seconds of a boundary are decided in Python.
MARGIN = 2.0
#: As `atp_tui.store.db.DB_NAME` and `atp_tui.settings` (a test checks they agree).
DB_NAME = "state.sqlite3"
APP_NAME = "atp-tui"
CONFIG_ENV = "ATP_TUI_CONFIG"
PROFILE_ENV = "ATP_PROFILE"
STATE_ENV = "ATP_STATE_DIR"
EXIT_USAGE = 2
#: As `atp_tui.settings.locating.MAX_CONFIG_BYTES` (a test checks they agree).
QUICK_CONFIG_BYTES = 1 << 20
EXIT_STATE_UNAVAILABLE = 4

Format = Literal["plain", "tmux", "json"]

_DAY = 86400.0
# Rows that are open for sure (their state is open and their deadline, if any, is more than
# `MARGIN` from a boundary) are counted by SQLite; the rest near a boundary, or whose deadline
# SQLite cannot read (`day` NULL), come back for `is_actionable` and `is_urgent` to decide.
_SURE = "(deadline IS NULL OR day > :calm OR (day > :due_from AND day < :due_to))"
_OPEN_STATE = "(state IS NULL OR state IN ({states}))"
_COUNT_QUERY = f"""
SELECT COUNT(*), SUM(read = 0), SUM(day > :due_from AND day < :due_to)
FROM ({{rows}}) WHERE {_OPEN_STATE} AND {_SURE}
"""
_CHECK_QUERY = f"""
SELECT deadline, read FROM ({{rows}})
WHERE {_OPEN_STATE} AND deadline IS NOT NULL AND (day IS NULL OR day >= :passed AND NOT {_SURE})
"""
#: The rows to count: the store's small `inbox_index` (kept by triggers, `atp_tui.store.db`).
_INDEX_ROWS = "SELECT id, state, deadline, day, read FROM inbox_index"
#: A database no store of this version opened yet has no index: the same from the payloads
#: (slow: it reads every payload), until the TUI or `watch` next opens it and adds the index.
_PAYLOAD_ROWS = """
SELECT id, state, deadline, julianday(deadline) AS day, read FROM (SELECT id,
    COALESCE(status, CASE WHEN summary IS NULL THEN json_extract(raw, '$.status')
                          ELSE json_extract(summary, '$[4]') END) AS state,
    CASE WHEN summary IS NULL THEN json_extract(raw, '$.deadline')
         ELSE json_extract(summary, '$[5]') END AS deadline,
    read
FROM notifications)
"""
#: The snoozed items with what the rule needs (`atp_tui.store.snoozes`: one row per snooze).
_SNOOZED_QUERY = """
SELECT s.until, r.state, r.deadline, r.read FROM snoozes AS s JOIN ({rows}) AS r ON r.id = s.id
"""


def _julian(moment: datetime) -> float:
    """`moment` as SQLite's `julianday` (days since noon, 24 November 4714 BC, UTC)."""
    return moment.timestamp() / _DAY + 2440587.5


def count(db: sqlite3.Connection, now: datetime, warning_seconds: float) -> dict[str, int]:
    """The status bar's counts at `now`: open, due (expiring) and unread among open."""
    states = sorted(ACTIONABLE_STATES)
    margin = MARGIN / _DAY
    today = _julian(now)
    warning = max(warning_seconds, 0.0) / _DAY
    params: dict[str, Any] = {
        "passed": today - margin,
        "calm": today + warning + margin,
        # Without a warning window wider than the margins, every near row is checked.
        "due_from": today + margin,
        "due_to": today + warning - margin,
    }
    params.update({f"s{i}": state for i, state in enumerate(states)})
    tables = {
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name IN ('inbox_index', 'snoozes')"
        )
    }
    rows = _INDEX_ROWS if "inbox_index" in tables else _PAYLOAD_ROWS
    names = ", ".join(f":s{i}" for i in range(len(states)))
    opened, unread, due = db.execute(
        _COUNT_QUERY.replace("{rows}", rows).replace("{states}", names), params
    ).fetchone()
    opened, unread, due = opened or 0, unread or 0, due or 0
    for deadline_text, read in db.execute(
        _CHECK_QUERY.replace("{rows}", rows).replace("{states}", names), params
    ):
        deadline = parse_moment(deadline_text)
        # The state was checked in SQL; the deadline is decided by the TUI's own rules.
        if not is_actionable(None, deadline, now):
            continue
        opened += 1
        unread += 0 if read else 1
        due += int(is_urgent(deadline, now, warning_seconds))
    snoozed = 0
    if "snoozes" in tables:  # a state dir no TUI of this version has opened has none
        for until_text, state, deadline_text, read in db.execute(
            _SNOOZED_QUERY.replace("{rows}", rows)
        ):
            deadline, until = parse_moment(deadline_text), parse_moment(until_text)
            if state is not None and state not in ACTIONABLE_STATES:
                continue
            if until is None or not is_actionable(None, deadline, now):
                continue
            if still_snoozed(until, deadline, now, warning_seconds):
                # Counted as open above: moved from the open counts to `snoozed`.
                snoozed += 1
                opened -= 1
                unread -= 0 if read else 1
                due -= int(is_urgent(deadline, now, warning_seconds))
    return {"open": opened, "due": due, "unread": unread, "snoozed": snoozed}


def stream_alive_at(db: sqlite3.Connection) -> datetime | None:
    """When a live stream last fed this state (`None`: never recorded)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (STREAM_ALIVE_KEY,)).fetchone()
    return parse_moment(row[0]) if row else None


def _ago(seconds: float) -> str:
    """`45s`, `4m`, `3h`, `2d`: the largest whole unit."""
    seconds = max(0, int(seconds))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def render(report: Mapping[str, Any], fmt: Format) -> str:
    """The line to print (no trailing newline). Only numbers: no server text is shown."""
    if fmt == "json":
        return json.dumps(report, separators=(",", ":"))
    if not report["cached"]:
        return "ATP –"
    minutes = f"{report['warning_minutes']:g}"
    tmux = fmt == "tmux"
    parts = [f"ATP {report['open']} open"]
    if report["unread"]:
        parts.append(f"{report['unread']} unread")
    if report["due"]:
        text = f"{report['due']} due <{minutes}m"
        parts.append(f"#[fg=red,bold]{text}#[default]" if tmux else text)
    if report.get("snoozed"):
        parts.append(f"{report['snoozed']} snoozed")
    if report["stale"]:
        age = report["stale_seconds"]
        text = "stale" if age is None else f"stale {_ago(age)}"
        parts.append(f"#[fg=yellow]{text}#[default]" if tmux else text)
    return " · ".join(parts)


def build_report(state_dir: Path, now: datetime, warning_seconds: float) -> dict[str, Any]:
    """Everything `status` prints, read from `state_dir` (`sqlite3.Error` when unreadable)."""
    path = state_dir / DB_NAME
    report: dict[str, Any] = {
        "cached": False,
        "open": 0,
        "due": 0,
        "unread": 0,
        "snoozed": 0,
        "warning_minutes": warning_seconds / 60,
        "stream_alive_at": None,
        "stale": True,
        "stale_seconds": None,
    }
    if not path.exists():
        if state_dir.exists() and not state_dir.is_dir():
            # Not "nothing cached": no state can be kept there (`list` and the others stop).
            raise sqlite3.OperationalError(f"{state_dir} is not a directory")
        return report
    # Read-only, and no integrity check (the store does that when it opens): just counting.
    # A URI needs an absolute path (`--state-dir .`, `ATP_STATE_DIR=state`).
    db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    try:
        db.execute("PRAGMA busy_timeout=2000")  # a commit in progress: wait, briefly
        report.update(count(db, now, warning_seconds))
        alive = stream_alive_at(db)
        # A database that never held a notification nor met a stream is no cache: `list`
        # or `history` on a new state dir create one, and `status` then said "0 open", an
        # all-clear for an inbox it knows nothing of (found by an independent QA pass).
        held = db.execute("SELECT EXISTS (SELECT 1 FROM notifications)").fetchone()[0]
        report["cached"] = alive is not None or bool(held)
    finally:
        db.close()
    if alive is not None:
        age = (now - alive).total_seconds()
        report.update(stream_alive_at=alive.isoformat(), stale=age > STALE_AFTER, stale_seconds=age)
    return report


# --- settings: the two this command needs -----------------------------------------------------


def _platform_dir(kind: Literal["state", "config"]) -> Path:
    import platformdirs  # as `atp_tui.settings.paths` does (a test checks they agree)

    if kind == "state":
        return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


class Unusual(Exception):
    """The quick read met something only the full loader reports well."""


class SettingsNotApplied(Exception):
    """A setting that stops every command (`ConfigProblem.blocking`: `--profile nosuch`, or
    an `ATP_PROFILE` or `default_profile` naming no profile): an error, not counts read from
    a state dir that was not asked for (another environment's)."""


def _warning_value(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise Unusual
    return float(value) * 60


def quick_settings(
    *,
    config: Path | None,
    profile: str | None,
    state_dir: Path | None,
    env: Mapping[str, str],
) -> tuple[Path, float]:
    """The state dir and the warning (seconds), with `load_settings`' precedence; `Unusual`
    when the file or a value needs the full loader (which also says what is wrong)."""
    if config is not None:
        path = config.expanduser()
    elif env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV]).expanduser()
    else:
        path = _platform_dir("config") / "config.toml"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > QUICK_CONFIG_BYTES:
            raise Unusual  # a FIFO would hang, /dev/zero fill the memory: the loader says so
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        data = {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise Unusual from None
    layers: list[Mapping[str, Any]] = [data]
    name = profile or env.get(PROFILE_ENV) or data.get("default_profile")
    if name:
        profiles = data.get("profiles")
        table = profiles.get(name) if isinstance(profiles, dict) else None
        if not isinstance(name, str) or not isinstance(table, dict):
            raise Unusual
        layers.append(table)
    chosen_dir: Path | None = None
    warning = WARNING_SECONDS
    for layer in layers:
        if "deadline_warning_minutes" in layer:
            warning = _warning_value(layer["deadline_warning_minutes"])
        if "state_dir" in layer:
            value = layer["state_dir"]
            if not isinstance(value, str):
                raise Unusual
            chosen_dir = path.parent / Path(value.strip()).expanduser()
    if env.get(STATE_ENV, "").strip():
        chosen_dir = Path(env[STATE_ENV].strip()).expanduser()
    if state_dir is not None:
        chosen_dir = state_dir.expanduser()
    return chosen_dir or _platform_dir("state"), warning


def full_settings(
    *, config: Path | None, profile: str | None, state_dir: Path | None, env: Mapping[str, str]
) -> tuple[Path, float]:
    """The same two values from the full loader (slower; reports no warning: a status line
    has no room for them, `atp-tui config check` is where they are read). A setting that
    stops the commands raises `SettingsNotApplied`."""
    from atp_tui.settings.file import load_settings

    cli = {"state_dir": state_dir} if state_dir is not None else {}
    loaded = load_settings(config_path=config, profile=profile, env=env, cli=cli)
    for problem in loaded.problems:
        if problem.blocking:
            raise SettingsNotApplied(str(problem))
    settings = loaded.settings
    return (
        settings.state_dir or _platform_dir("state"),
        settings.deadline_warning_minutes * 60,
    )


def status_settings(
    *, config: Path | None, profile: str | None, state_dir: Path | None, env: Mapping[str, str]
) -> tuple[Path, float]:
    """The state dir and the warning (seconds): `quick_settings`, else `full_settings`."""
    try:
        return quick_settings(config=config, profile=profile, state_dir=state_dir, env=env)
    except Unusual:
        return full_settings(config=config, profile=profile, state_dir=state_dir, env=env)


# --- the command --------------------------------------------------------------------------------


def _parse(argv: Sequence[str]) -> Any:
    import argparse

    parser = argparse.ArgumentParser(prog="atp-tui status", description=DESCRIPTION)
    add_status_options(parser)
    return parser.parse_args(list(argv))


DESCRIPTION = (
    "One line for a tmux status line or a shell prompt, from the cached state (no network): "
    "open items, unread, due within the warning, snoozed, and 'stale' when no live stream has "
    "fed the state dir for a while. e.g. `ATP 3 open · 1 due <15m · 1 snoozed · stale 2m`."
)


def add_status_options(parser: Any, *, nested: bool = False) -> None:
    """`status`'s options (also registered on the main parser, for `atp-tui --help`).

    `nested`: on the main parser's subcommand, where `--state-dir`, `--config` and
    `--profile` may come before `status` (`atp-tui --state-dir X status`); argparse lets a
    subparser's defaults replace what the main parser read, so theirs are SUPPRESS there.
    """
    parser.add_argument(
        "--format",
        choices=("plain", "tmux", "json"),
        default="plain",
        help="plain text, tmux (#[fg=…] colours) or one JSON object",
    )
    from argparse import SUPPRESS  # here: the fast path's imports stay small until parsing

    unset = SUPPRESS if nested else None
    parser.add_argument(
        "--state-dir", metavar="DIR", type=Path, default=unset, help="the state dir to read"
    )
    parser.add_argument(
        "--config", metavar="PATH", type=Path, default=unset, help="the settings file"
    )
    parser.add_argument("--profile", metavar="NAME", default=unset, help="the settings profile")


def run_status(
    args: Any,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """Print the status line; 0, 2 for a flag that cannot be applied, or 4 when the state
    dir cannot be read. On an error the line is `ATP ?` (or a JSON `error`): a status bar
    shows that something needs looking at, stderr says what."""
    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    try:
        state_dir, warning = status_settings(
            config=args.config, profile=args.profile, state_dir=args.state_dir, env=env
        )
    except SettingsNotApplied as error:
        return _unknown(args.format, out, str(error), f"atp-tui: error: {error}", EXIT_USAGE)
    moment = now or datetime.now(UTC)
    try:
        report = build_report(state_dir, moment, warning)
    except sqlite3.Error as error:
        return _unknown(
            args.format,
            out,
            f"cannot read the state: {error}",
            f"atp-tui: cannot read {state_dir / DB_NAME}: {error}",
            EXIT_STATE_UNAVAILABLE,
        )
    print(render(report, args.format), file=out)
    return 0


def _unknown(fmt: Format, out: TextIO, reason: str, message: str, status: int) -> int:
    """The line for counts that cannot be given, the message on stderr; returns `status`."""
    print(json.dumps({"error": reason}) if fmt == "json" else "ATP ?", file=out)
    print(message, file=sys.stderr)
    return status


def main(argv: Sequence[str]) -> int:
    """`atp-tui status …` on the fast path (`atp_tui.__main__`): this module's imports only.
    Its output failing is one line and exit 74, as for every command (`atp_tui.cli`)."""
    out = guard_stream(sys.stdout)
    try:
        status = run_status(_parse(argv), out=out)
        out.flush()
    except BrokenPipeError:
        discard_output(sys.stdout)
        return 0
    except OutputError as error:
        discard_output(sys.stdout)
        print(f"atp-tui: error: {error}", file=sys.stderr)
        return EXIT_OUTPUT_FAILED
    return status
