"""The commands agree with each other (issue #11 items 6 and 12), as real `atp-tui` processes.

`respond` names the notification and the answer in its outcome line, and with `--json` prints
exactly one JSON object on stdout whatever happens; `--profile nosuch` is the same one-line
usage error (exit 2) for every command; a `--server` without a scheme says which URL to write;
output that cannot be written (a full disk) is one line and exit 74.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from atp_tui.server import RunningServer, ServerConfig
from tests.server_helpers import ALL_ACTIONS

TOKEN = "consistency-token"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `atp-tui` to completion (no terminal: the TUI never gets to start in these)."""
    return subprocess.run(
        [sys.executable, "-m", "atp_tui.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "ATP_TOKEN": TOKEN, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def one_json_object(stdout: str) -> dict[str, object]:
    """stdout holds exactly one line, a JSON object with an outcome and a message."""
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    found = json.loads(lines[0])
    assert isinstance(found, dict) and {"outcome", "message"} <= found.keys(), found
    return found


# -- respond ------------------------------------------------------------------------------------


async def test_respond_names_the_notification_and_the_answer(tmp_path: Path) -> None:
    """Before: `sent: answer sent`, nothing about what was answered."""
    state = ("--state-dir", str(tmp_path))
    async with RunningServer(ServerConfig(user_token=TOKEN)) as server:
        pick = server.state.add_notification(
            {"context": {"title": "Deploy payments-api?"}, "actions": ALL_ACTIONS}
        )
        many = server.state.add_notification(
            {"context": {"title": "Which features?"}, "actions": ALL_ACTIONS}
        )
        env = {"ATP_SERVER": server.url}
        chosen = await asyncio.to_thread(
            cli, "respond", pick["id"], "pick", "--data", "b", *state, env=env
        )
        json_run = await asyncio.to_thread(
            cli, "respond", many["id"], "many", "--data", '["x","z"]', "--json", *state, env=env
        )
        again = await asyncio.to_thread(
            cli, "respond", pick["id"], "pick", "--data", "a", *state, env=env
        )
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout == "sent: Deploy payments-api? → Pick one: B — answer sent\n"
    assert json_run.returncode == 0, json_run.stderr
    sent = one_json_object(json_run.stdout)
    assert (sent["outcome"], sent["title"], sent["answer"]) == (
        "sent",
        "Which features?",
        "Pick some: X, z",
    )
    assert again.returncode == 1
    assert again.stdout.startswith("not sent (duplicate): Deploy payments-api? → Pick one: A — ")
    shown = cli("history", "--state-dir", str(tmp_path))
    assert "Deploy payments-api? → Pick one: B" in shown.stdout
    assert "Which features? → Pick some: X, z" in shown.stdout


async def test_respond_json_prints_one_object_for_every_error(tmp_path: Path) -> None:
    """Item 12: a script reading `respond --json` always gets an object (errors went to stderr
    only, and argparse's usage text too)."""
    async with RunningServer(ServerConfig(user_token=TOKEN)) as server:
        note = server.state.add_notification(
            {"context": {"title": "Roll back?"}, "actions": ALL_ACTIONS}
        )
        nid = note["id"]
        env = {"ATP_SERVER": server.url}
        runs = {
            "not_found": ("respond", "no-such-id", "ok", "--json"),
            "no_action": ("respond", nid, "nope", "--json"),
            "bad_answer": ("respond", nid, "count", "--data", "99", "--json"),
            "auth": ("respond", nid, "ok", "--json"),
            "state": ("respond", nid, "ok", "--json", "--state-dir", str(tmp_path / "file")),
        }
        (tmp_path / "file").write_text("not a directory")
        results = {}
        for name, args in runs.items():
            extra = {"ATP_TOKEN": "wrong-token"} if name == "auth" else {}
            results[name] = await asyncio.to_thread(cli, *args, env={**env, **extra})
    results["usage"] = cli("respond", "n1", "ok", "--json")  # no server configured
    results["argparse"] = cli("respond", "--json")  # the ids are missing
    results["profile"] = cli("respond", "n1", "ok", "--json", "--profile", "nosuch")
    expected = {
        "not_found": ("not_found", 1),
        "no_action": ("invalid", 2),
        "bad_answer": ("invalid", 2),
        "auth": ("auth_refused", 3),
        "state": ("state_unavailable", 4),
        "usage": ("usage", 2),
        "argparse": ("usage", 2),
        "profile": ("usage", 2),
    }
    for name, (outcome, status) in expected.items():
        result = results[name]
        assert result.returncode == status, (name, result.stdout, result.stderr)
        found = one_json_object(result.stdout)
        assert found["outcome"] == outcome, (name, found)
        assert found["message"], name
        assert "Traceback" not in result.stderr, name
    assert "the following arguments are required" in str(
        one_json_object(results["argparse"].stdout)
    )


# -- the same usage error everywhere ------------------------------------------------------------

#: Every command that reads settings; the TUI is first (it stops before it draws anything).
COMMANDS = [
    (),
    ("watch",),
    ("respond", "n1", "ok"),
    ("list",),
    ("history",),
    ("handover",),
    ("config", "show"),
    ("config", "check"),
    ("config", "path"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tui")
def test_an_unknown_profile_is_the_same_one_line_error_everywhere(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """Item 12. Before: exit 2 for some commands, a warning and exit 0 for `config show`,
    a finding and exit 1 for `config check`, and a message ending "using no profile"."""
    result = cli(*command, "--profile", "nosuch", env={"ATP_SERVER": "http://127.0.0.1:9"})
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("atp-tui: error: command line: --profile: no profile named")
    assert "using no profile" not in lines[0]


#: The profile asked for from the environment or the file: (env, settings file, key named).
_PROFILE_ELSEWHERE = {
    "ATP_PROFILE": ({"ATP_PROFILE": "prdo"}, '[profiles.prod]\nserver = "http://127.0.0.1:9"\n'),
    "default_profile": ({}, 'default_profile = "prdo"\n[profiles.prod]\n'),
}


@pytest.mark.parametrize("where", sorted(_PROFILE_ELSEWHERE))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tui")
def test_a_profile_asked_for_in_the_environment_or_the_file_that_names_none_stops_too(
    command: tuple[str, ...], where: str, tmp_path: Path
) -> None:
    """`ATP_PROFILE=prdo` (a typo) used to be a warning, and the command went on with the
    top-level settings: `watch`, the TUI and `respond` on another environment's server.
    `config path` still names the file to fix, and `config check` lists it as a finding."""
    env, text = _PROFILE_ELSEWHERE[where]
    config = tmp_path / "config.toml"
    config.write_text(text)
    result = cli(
        "--config",
        str(config),
        *command,
        env={**env, "ATP_SERVER": "http://127.0.0.1:9", "ATP_STATE_DIR": str(tmp_path)},
    )
    expected = f"{where}: no profile named 'prdo'; did you mean 'prod'? profiles in "
    if command == ("config", "path"):
        assert (result.returncode, result.stdout) == (0, f"{config}\n"), result
    elif command == ("config", "check"):
        assert result.returncode == 1, result
        assert expected in result.stdout
    else:
        assert result.returncode == 2, result
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("atp-tui: error: ") and expected in lines[0], lines


@pytest.mark.parametrize("fast_path", [True, False], ids=["atp-tui status", "atp_tui.cli status"])
def test_status_with_an_unknown_profile_is_the_same_error_and_a_question_mark(
    fast_path: bool, tmp_path: Path
) -> None:
    """`status` once printed the default state dir's counts and exit 0: a typo in a tmux
    line showed another environment's inbox. Its stdout is a status bar's: `ATP ?`."""
    entry = ["atp_tui"] if fast_path else ["atp_tui.cli"]
    result = subprocess.run(
        [sys.executable, "-m", *entry, "status", "--profile", "nosuch"],
        capture_output=True,
        text=True,
        env={**os.environ, "ATP_STATE_DIR": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2, result
    assert result.stdout == "ATP ?\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("atp-tui: error: command line: --profile: no profile named")


@pytest.mark.parametrize("command", [(), ("watch",), ("respond", "n1", "ok")], ids=str)
def test_a_server_without_a_scheme_says_what_to_write(command: tuple[str, ...]) -> None:
    """Item 12: `--server 127.0.0.1:8787` said "must be an http(s) URL …; ignoring it"."""
    result = cli(*command, "--server", "127.0.0.1:8787")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "atp-tui: error: command line: --server: has no scheme (got '127.0.0.1:8787'): write "
        "https://127.0.0.1:8787, or http://127.0.0.1:8787 for a server on this machine\n"
    )


#: Every command that takes the connection options, with the arguments it needs.
_CONNECTED_COMMANDS = (("watch",), ("respond", "n1", "ok"))
#: Every command that reads a state dir.
_STATE_COMMANDS = (
    ("watch",),
    ("respond", "n1", "ok"),
    ("list",),
    ("history",),
    ("handover",),
    ("status",),
)


@pytest.mark.parametrize("command", _STATE_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("before", [True, False], ids=["before", "after"])
def test_a_state_dir_given_before_or_after_the_command_is_used(
    command: tuple[str, ...], before: bool
) -> None:
    """`atp-tui --state-dir X list` once read the default state dir: the subcommand's own
    `--state-dir`, not given, replaced the one given before it."""
    from atp_tui.cli import build_parser

    flag = ("--state-dir", "/chosen")
    argv = [*flag, *command] if before else [*command, *flag]
    assert build_parser().parse_args(argv).state_dir == Path("/chosen")


@pytest.mark.parametrize("command", _CONNECTED_COMMANDS, ids=lambda c: c[0])
def test_connection_options_before_the_command_are_kept(command: tuple[str, ...]) -> None:
    """`atp-tui --server URL respond …` must answer on URL, not on `ATP_SERVER`'s server."""
    from atp_tui.cli import build_parser

    args = build_parser().parse_args(
        ["--server", "https://chosen.example", "--token", "T", "--insecure", *command]
    )
    assert (args.server, args.token, args.insecure) == ("https://chosen.example", "T", True)
    neither = build_parser().parse_args(list(command))
    assert (neither.server, neither.token, neither.insecure) == (None, None, False)


def test_settings_file_options_before_status_are_kept() -> None:
    """`atp-tui --config F --profile P status` (the CLI's path, not the fast one) once read
    the default file and profile: `status`'s own options, not given, replaced them."""
    from atp_tui.cli import build_parser

    args = build_parser().parse_args(["--config", "/chosen.toml", "--profile", "work", "status"])
    assert (args.config, args.profile) == (Path("/chosen.toml"), "work")


@pytest.mark.parametrize(
    "command",
    [("list", "--state", "all"), ("history",), ("handover",), ("status",), ("config", "show")],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize("entry", ["atp_tui", "atp_tui.cli"], ids=["atp-tui", "atp_tui.cli"])
def test_output_that_cannot_be_written_is_one_line_and_exit_74(
    command: tuple[str, ...], entry: str, tmp_path: Path
) -> None:
    """`atp-tui list > file` on a full disk (`/dev/full` fails every write as such a disk
    does) was a traceback and exit 1."""
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", entry, *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "ATP_STATE_DIR": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
    assert result.returncode == 74, result.stderr
    assert result.stderr == "atp-tui: error: cannot write to stdout (No space left on device)\n"


@pytest.mark.parametrize(
    "command", [("list", "--state", "all"), ("history",), ("handover",), ("status",)], ids=str
)
def test_an_output_that_cannot_encode_our_punctuation_gets_plain_text(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """`LANG=C` or `PYTHONIOENCODING=ascii`: `·`, `→`, `—` and the like were a
    `UnicodeEncodeError` traceback."""
    from atp_tui.store import Store

    store = Store.open(tmp_path)
    store.record_response("n1", "ok", None, "sent")
    store.close()
    result = subprocess.run(
        [sys.executable, "-m", "atp_tui.cli", *command, "--state-dir", str(tmp_path)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii", "XDG_CONFIG_HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    result.stdout.decode("ascii")  # nothing but ASCII came out


@pytest.mark.parametrize("value", ["127.0.0.1:19599", "ftp://127.0.0.1:19599"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tui")
def test_a_bad_server_in_the_environment_stops_every_command(
    command: tuple[str, ...], value: str, tmp_path: Path
) -> None:
    """`ATP_SERVER` without a scheme (or not http) was a warning, "ignoring it", and the
    command went on with the file's server: `respond` sent the answer to another server
    (found by an independent QA pass). It stops as a bad `--server` does."""
    config = tmp_path / "config.toml"
    config.write_text('server = "http://127.0.0.1:9"\n')
    result = cli(
        "--config",
        str(config),
        *command,
        env={"ATP_SERVER": value, "ATP_TOKEN": "tok-1234", "ATP_STATE_DIR": str(tmp_path)},
    )
    if command == ("config", "path"):
        assert (result.returncode, result.stdout) == (0, f"{config}\n"), result
    elif command == ("config", "check"):
        assert result.returncode == 1, result
        assert "ATP_SERVER" in result.stdout
    else:
        assert result.returncode == 2, result
        assert result.stdout == ""
        assert "ATP_SERVER" in result.stderr and "fix it or unset it" in result.stderr
