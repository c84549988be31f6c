"""`atp-tui config path|show|check|init`, the `--config`/`--profile` options, `cli_overrides`."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from atp_tui.commands.config import (
    REDACTED,
    add_config_commands,
    add_config_file_options,
    cli_overrides,
    run_config,
)
from atp_tui.settings import STARTER_CONFIG
from atp_tui.settings.paths import default_config_dir

SECRET = "s3cr3t-token-value"
ROOT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    """A parser shaped like atp-tui's: top-level --config/--profile plus the config command."""
    top = argparse.ArgumentParser(prog="atp-tui")
    add_config_file_options(top, nested=False)
    top.add_argument("--server")
    top.add_argument("--heartbeat-timeout", type=float, default=None)
    top.add_argument("--insecure", action="store_true")
    add_config_commands(top.add_subparsers(dest="command"))
    return top


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    status = run_config(parser().parse_args(argv), env=env or {})
    out, err = capsys.readouterr()
    return status, out, err


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


class TestParser:
    @pytest.mark.parametrize(
        "argv",
        [
            ["--profile", "w", "--config", "c.toml", "config", "show"],
            ["config", "--profile", "w", "--config", "c.toml", "show"],
            ["config", "show", "--profile", "w", "--config", "c.toml"],
        ],
    )
    def test_config_and_profile_anywhere(self, argv: list[str]) -> None:
        args = parser().parse_args(argv)
        assert (args.command, args.config_command) == ("config", "show")
        assert (args.profile, args.config) == ("w", Path("c.toml"))

    def test_subcommand_is_required(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as caught:
            parser().parse_args(["config"])
        assert caught.value.code == 2
        assert "SUBCOMMAND" in capsys.readouterr().err

    def test_cli_overrides_only_what_was_given(self) -> None:
        assert cli_overrides(parser().parse_args(["config", "show"])) == {}
        flags = ["--server", "https://x.example", "--heartbeat-timeout", "5", "--insecure"]
        given = parser().parse_args([*flags, "config", "show"])
        assert cli_overrides(given) == {
            "server": "https://x.example",
            "heartbeat_timeout": 5.0,
            "insecure": True,
        }


class TestPath:
    def test_default(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(["config", "path"], capsys)
        assert status == 0
        assert out == f"{default_config_dir() / 'config.toml'}\n"

    def test_env_and_flag(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        env = {"ATP_TUI_CONFIG": str(tmp_path / "env.toml")}
        assert run(["config", "path"], capsys, env)[1] == f"{tmp_path / 'env.toml'}\n"
        argv = ["config", "path", "--config", str(tmp_path / "flag.toml")]
        assert run(argv, capsys, env)[1] == f"{tmp_path / 'flag.toml'}\n"


class TestInit:
    def test_writes_the_starter_file_privately(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(["config", "init"], capsys)
        path = default_config_dir() / "config.toml"
        assert status == 0 and str(path) in out
        assert path.read_text() == STARTER_CONFIG
        if os.name == "posix":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert run(["config", "check"], capsys) == (0, f"config OK: {path}\n", "")

    def test_refuses_to_overwrite_without_force(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(tmp_path / "c.toml", "bell = 'off'\n")
        status, out, err = run(["config", "init", "--config", str(path)], capsys)
        assert status == 1 and out == ""
        assert "already exists" in err and "--force" in err
        assert path.read_text() == "bell = 'off'\n"
        status, _, _ = run(["config", "init", "--force", "--config", str(path)], capsys)
        assert status == 0
        assert path.read_text() == STARTER_CONFIG


class TestShow:
    def test_redacts_the_token_and_names_sources(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(
            tmp_path / "c.toml",
            f'token = "{SECRET}"\nbell = "off"\n[profiles.w]\nserver = "https://w.example"\n'
            '[profiles.w.keymap]\n"main.sort" = "o"\n',
        )
        env = {"ATP_HEARTBEAT_TIMEOUT": "33"}
        argv = ["--server", "https://cli.example", "config", "show", "--config", str(path)]
        status, out, err = run([*argv, "--profile", "w"], capsys, env)
        assert status == 0 and err == ""
        assert SECRET not in out
        lines = out.splitlines()
        assert f'token = "{REDACTED}"  # file' in lines
        assert 'bell = "off"  # file' in lines
        assert 'server = "https://cli.example"  # cli' in lines
        assert "heartbeat_timeout = 33.0  # env" in lines
        assert "# token_command is not set  (default)" in lines
        assert "# profile: w" in lines
        assert "[keymap]  # profile w" in lines
        data = tomllib.loads(out)  # the output is itself valid TOML
        assert data["keymap"] == {"main.sort": "o"}
        assert data["token"] == REDACTED

    def test_env_token_is_redacted_and_problems_go_to_stderr(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(tmp_path / "c.toml", 'bell = "loud"\n')
        env = {"ATP_TOKEN": SECRET, "ATP_TOKEN_COMMAND": ""}
        status, out, err = run(["config", "show", "--config", str(path)], capsys, env)
        assert status == 0
        assert SECRET not in out + err
        assert f'token = "{REDACTED}"  # env' in out.splitlines()
        assert "bell: must be one of off, all, high" in err

    def test_lists_and_paths_on_one_line(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        env = {
            "ATP_TOKEN_COMMAND": "pass show 'atp/x y'",
            "ATP_TYPES": "error,notification",
            "ATP_STATE_DIR": str(tmp_path / "state"),
        }
        status, out, _ = run(["config", "show"], capsys, env)
        assert status == 0
        lines = out.splitlines()
        assert 'token_command = ["pass", "show", "atp/x y"]  # env' in lines
        assert 'types = ["error", "notification"]  # env' in lines
        assert tomllib.loads(out)["state_dir"] == str(tmp_path / "state")


class TestCheck:
    def test_problems_are_listed_and_exit_1(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(
            tmp_path / "c.toml",
            f'token = "{SECRET}"\nsever = "x"\n[profiles.work]\nbell = "loud"\n',
            0o644,
        )
        status, out, _ = run(
            ["config", "check", "--config", str(path), "--profile", "work"], capsys
        )
        assert status == 1
        lines = out.splitlines()
        assert len(lines) == 3
        assert any("sever: unknown setting; did you mean 'server'?" in line for line in lines)
        assert any("profiles.work.bell: must be one of off, all, high" in line for line in lines)
        assert any(f"chmod 600 {path}" in line for line in lines)
        assert SECRET not in out

    def test_syntax_error(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", "bell = 'off'\n[profiles\n")
        status, out, _ = run(["config", "check", "--config", str(path)], capsys)
        assert status == 1
        assert "line 2" in out

    def test_missing_token_command(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(tmp_path / "c.toml", 'token_command = "atp-no-such-tool-xyz show"\n')
        status, out, _ = run(["config", "check", "--config", str(path)], capsys)
        assert status == 1
        assert "token_command: 'atp-no-such-tool-xyz' is not an executable" in out

    def test_no_file_is_fine(self, capsys: pytest.CaptureFixture[str]) -> None:
        status, out, _ = run(["config", "check"], capsys)
        assert status == 0
        assert out.startswith("config OK: ") and "no file; using defaults" in out


class TestAsAProcess:
    """The module as the lead will call it: a real process, real environment."""

    def run_process(self, argv: list[str], home: Path) -> subprocess.CompletedProcess[str]:
        code = (
            "import argparse, sys\n"
            "from atp_tui.commands.config import add_config_commands, run_config\n"
            "parser = argparse.ArgumentParser()\n"
            "add_config_commands(parser.add_subparsers(dest='command'))\n"
            "status = run_config(parser.parse_args(sys.argv[1:]))\n"
            "assert not any(m.split('.')[0] in ('textual', 'httpx') for m in sys.modules)\n"
            "sys.exit(status)\n"
        )
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "ATP_TOKEN": SECRET,
        }
        return subprocess.run(
            [sys.executable, "-c", code, *argv],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=30,
            check=False,
        )

    def test_init_check_show(self, tmp_path: Path) -> None:
        init = self.run_process(["config", "init"], tmp_path)
        assert init.returncode == 0, init.stderr
        path = tmp_path / "config" / "atp-tui" / "config.toml"
        assert path.read_text() == STARTER_CONFIG
        # A profile that does not exist is a usage error, as for every command (issue #11
        # item 12; it used to be one of `check`'s findings, exit 1, "using no profile").
        check = self.run_process(["config", "check", "--profile", "nope"], tmp_path)
        assert check.returncode == 2
        assert check.stdout == ""
        assert check.stderr == (
            "atp-tui: error: command line: --profile: no profile named 'nope'; profiles in "
            "~/config/atp-tui/config.toml: staging, work\n"
        )
        show = self.run_process(["config", "show"], tmp_path)
        assert show.returncode == 0
        assert SECRET not in show.stdout + show.stderr
        assert f'token = "{REDACTED}"  # env' in show.stdout


class TestTmuxNote:
    """Inside tmux, `config check` says what desktop notifications need (issue #14)."""

    def test_inside_tmux(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = write_config(tmp_path / "c.toml", "")
        env = {"TMUX": "/tmp/tmux-1000/default,1,0"}
        status, out, _ = run(["--config", str(path), "config", "check"], capsys, env)
        assert status == 0
        assert "note: inside tmux, desktop notifications need `set -g allow-passthrough on`" in out

    def test_outside_tmux_or_notify_off(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write_config(tmp_path / "c.toml", "")
        assert "allow-passthrough" not in run(["--config", str(path), "config", "check"], capsys)[1]
        off = write_config(tmp_path / "off.toml", 'notify = "off"\n')
        tmux = {"TMUX": "/tmp/tmux-1000/default,1,0"}
        checked = run(["--config", str(off), "config", "check"], capsys, tmux)[1]
        assert "allow-passthrough" not in checked


class TestCheckEveryProfile:
    def test_a_profile_not_selected_is_checked_too(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`config check` promises every problem: a bad key in a profile nobody selected
        said `config OK` (it showed only with `--profile` naming it)."""
        path = write_config(
            tmp_path / "c.toml",
            '[profiles.x]\nserver = 5\n[profiles.y]\nbell = "loud"\n[profiles.ok]\nbell = "high"\n',
        )
        for selected in ([], ["--profile", "x"]):
            status, out, _ = run(["--config", str(path), *selected, "config", "check"], capsys)
            assert status == 1
            lines = out.splitlines()
            assert [line.split(": ")[1] for line in lines] == [
                "profiles.x.server",
                "profiles.y.bell",
            ]
