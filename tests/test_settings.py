"""Settings: precedence, profiles, bad files, permissions, token_command, atomic save, editing."""

from __future__ import annotations

import ast
import inspect
import os
import shlex
import stat
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import ClassVar

import pytest
import tomli_w

from atp_tui.settings import (
    FIELD_NAMES,
    STARTER_CONFIG,
    ConfigProblem,
    Settings,
    TokenCommandError,
    bell_rings,
    keymap_problems,
    resolve_token,
)
from atp_tui.settings.file import (
    LoadedSettings,
    config_path_for,
    display_path,
    load_settings,
    save_settings,
    update_settings_file,
    write_private_file,
)
from atp_tui.settings.paths import default_config_dir

SECRET = "s3cr3t-token-value"


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    """Write a config file with exactly `mode` (tests control the permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def load(
    path: Path,
    *,
    env: dict[str, str] | None = None,
    cli: dict[str, object] | None = None,
    profile: str | None = None,
) -> LoadedSettings:
    return load_settings(config_path=path, profile=profile, env=env or {}, cli=cli or {})


def keys_of(loaded: LoadedSettings) -> list[str]:
    return [problem.key for problem in loaded.problems]


def toml_line(key: str, value: object) -> str:
    """`key = value` in TOML (quoting a command or path correctly)."""
    return tomli_w.dumps({key: value})


def python_command(code: str) -> list[str]:
    return [sys.executable, "-c", code]


# --- the model ----------------------------------------------------------------------------


class TestModel:
    def test_every_field_has_a_docstring(self) -> None:
        # Read from the source: pydantic's use_attribute_docstrings would parse it on every
        # start (~30 ms before the first frame).
        body = ast.parse(textwrap.dedent(inspect.getsource(Settings))).body[0]
        assert isinstance(body, ast.ClassDef)
        documented = {
            statement.target.id
            for statement, following in zip(body.body, body.body[1:], strict=False)
            if isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
            and following.value.value.strip()
        }
        for name in FIELD_NAMES:
            assert name in documented, f"{name} has no docstring"

    def test_defaults(self) -> None:
        settings = Settings()
        assert settings.server is None and settings.token is None
        assert settings.token_command is None
        assert settings.heartbeat_timeout == 90.0
        assert settings.bell == "all"
        assert settings.types == []
        assert settings.deadline_warning_minutes == 15.0
        assert settings.default_sort == "deadline"
        assert settings.confirm_irreversible is True
        assert settings.theme == "textual-dark"
        assert settings.keymap == {}
        assert settings.state_dir is None
        assert settings.insecure is False and settings.token_in_query is False

    def test_unknown_field_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="sever"):
            Settings.from_mapping({"sever": "x"})

    def test_repr_and_str_never_show_the_token(self) -> None:
        settings = Settings(token=SECRET, server="https://atp.example.com")
        loaded = LoadedSettings(settings, Path("x.toml"), None)
        for text in (
            repr(settings),
            str(settings),
            repr(loaded),
            str(settings.as_dict()),
        ):
            assert SECRET not in text
        assert settings.token is not None and settings.token.get_secret_value() == SECRET

    def test_token_command_string_is_split_not_shelled(self) -> None:
        settings = Settings.from_mapping({"token_command": "pass show 'atp/my token'"})
        assert settings.token_command == ["pass", "show", "atp/my token"]

    def test_types_accept_a_comma_string_and_reject_unknown(self) -> None:
        assert Settings.from_mapping({"types": "notification, error"}).types == [
            "notification",
            "error",
        ]
        with pytest.raises(ValueError, match="ping"):
            Settings.from_mapping({"types": ["ping"]})

    def test_keymap_keys_are_normalised(self) -> None:
        settings = Settings.from_mapping({"keymap": {"main.sort": "o, ctrl+o"}})
        assert settings.keymap == {"main.sort": "o,ctrl+o"}

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("heartbeat_timeout", 0),
            ("heartbeat_timeout", True),
            ("heartbeat_timeout", float("inf")),
            ("deadline_warning_minutes", -1),
            ("bell", "loud"),
            ("default_sort", "oldest"),
            ("server", "ftp://example.com"),
            ("theme", ""),
            ("token_command", []),
            ("token", "two words"),
        ],
    )
    def test_invalid_values(self, name: str, value: object) -> None:
        with pytest.raises(ValueError):
            Settings.from_mapping({name: value})


# --- precedence -----------------------------------------------------------------------------


class TestPrecedence:
    # field, file value, profile value, env (var, value), cli value, expected for each level
    CASES: ClassVar[list[tuple[str, str, str, tuple[str, str], object, list[object]]]] = [
        (
            "server",
            '"https://file.example"',
            '"https://profile.example"',
            ("ATP_SERVER", "https://env.example"),
            "https://cli.example",
            [
                None,
                "https://file.example",
                "https://profile.example",
                "https://env.example",
                "https://cli.example",
            ],
        ),
        (
            "heartbeat_timeout",
            "10.0",
            "20",
            ("ATP_HEARTBEAT_TIMEOUT", "30"),
            40.0,
            [90.0, 10.0, 20.0, 30.0, 40.0],
        ),
        (
            "bell",
            '"off"',
            '"high"',
            ("ATP_BELL", "all"),
            "off",
            ["all", "off", "high", "all", "off"],
        ),
        (
            "types",
            '["error"]',
            '["status_update"]',
            ("ATP_TYPES", "notification,error"),
            "notification",
            [[], ["error"], ["status_update"], ["notification", "error"], ["notification"]],
        ),
    ]

    @pytest.mark.parametrize(
        ("name", "file_value", "profile_value", "env", "cli", "expected"), CASES
    )
    def test_five_levels(
        self,
        tmp_path: Path,
        name: str,
        file_value: str,
        profile_value: str,
        env: tuple[str, str],
        cli: object,
        expected: list[object],
    ) -> None:
        path = tmp_path / "config.toml"
        levels = [
            ({}, {}, None, "default"),
            ({}, {}, None, "file"),
            ({}, {}, "work", "profile work"),
            ({env[0]: env[1]}, {}, "work", "env"),
            ({env[0]: env[1]}, {name: cli}, "work", "cli"),
        ]
        for level, (environ, flags, profile, source) in enumerate(levels):
            text = "" if level == 0 else f"{name} = {file_value}\n[profiles.work]\n"
            if level >= 2:
                text += f"{name} = {profile_value}\n"
            write_config(path, text)
            loaded = load(path, env=environ, cli=flags, profile=profile)
            assert loaded.problems == []
            assert getattr(loaded.settings, name) == expected[level], source
            assert loaded.sources[name] == source

    def test_state_dir_levels_and_relative_paths(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "conf" / "config.toml",
            'state_dir = "state"\n[profiles.p]\nstate_dir = "~/p-state"\n',
        )
        assert load(path).settings.state_dir == tmp_path / "conf" / "state"
        assert load(path, profile="p").settings.state_dir == Path.home() / "p-state"
        env = {"ATP_STATE_DIR": str(tmp_path / "env")}
        assert load(path, env=env, profile="p").settings.state_dir == tmp_path / "env"
        flags = {"state_dir": tmp_path / "cli"}
        assert load(path, env=env, cli=flags).settings.state_dir == tmp_path / "cli"

    def test_flags_that_were_not_given_do_not_count(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.toml", "heartbeat_timeout = 12\n")
        loaded = load(path, cli={"heartbeat_timeout": None, "server": None})
        assert loaded.settings.heartbeat_timeout == 12
        assert loaded.sources["heartbeat_timeout"] == "file"

    def test_empty_environment_variable_counts_as_unset(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.toml", 'server = "https://file.example"\n')
        loaded = load(path, env={"ATP_SERVER": "", "ATP_BELL": "  "})
        assert loaded.settings.server == "https://file.example"
        assert loaded.problems == []

    def test_token_and_token_command_are_one_choice(self, tmp_path: Path) -> None:
        command = python_command("print('from-command')")
        path = write_config(
            tmp_path / "config.toml",
            toml_line("token", SECRET) + "[profiles.pm]\n" + toml_line("token_command", command),
        )
        plain = load(path)
        assert plain.settings.token is not None and plain.settings.token_command is None
        # The profile's command beats the top-level token...
        profiled = load(path, profile="pm")
        assert profiled.settings.token is None
        assert profiled.settings.token_command == command
        assert profiled.sources["token"] == "default"
        assert resolve_token(profiled.settings) == "from-command"
        # ...and ATP_TOKEN beats the profile's command.
        env_token = load(path, profile="pm", env={"ATP_TOKEN": "env-token"})
        assert env_token.settings.token_command is None
        assert resolve_token(env_token.settings) == "env-token"
        assert env_token.sources["token"] == "env"

    def test_token_and_token_command_in_one_table_is_a_problem(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "config.toml", f'token = "{SECRET}"\ntoken_command = "pass show x"\n'
        )
        loaded = load(path)
        assert keys_of(loaded) == ["token_command"]
        assert loaded.settings.token_command is None
        assert resolve_token(loaded.settings) == SECRET

    def test_profile_keymap_merges_over_top_level(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "config.toml",
            '[keymap]\n"main.sort" = "o"\n"main.quit" = "x"\n'
            '[profiles.work.keymap]\n"main.quit" = "ctrl+c"\n',
        )
        assert load(path).settings.keymap == {"main.sort": "o", "main.quit": "x"}
        loaded = load(path, profile="work")
        assert loaded.settings.keymap == {"main.sort": "o", "main.quit": "ctrl+c"}
        assert loaded.sources["keymap"] == "profile work"


class TestConfigPath:
    def test_default_path_is_in_the_platform_config_dir(self) -> None:
        loaded = load_settings(env={})
        assert loaded.path == default_config_dir() / "config.toml"
        assert loaded.problems == []
        assert loaded.settings == Settings()
        assert set(loaded.sources.values()) == {"default"}

    def test_env_names_the_file_and_the_flag_wins(self, tmp_path: Path) -> None:
        by_env = write_config(tmp_path / "env.toml", "bell = 'off'\n")
        by_flag = write_config(tmp_path / "flag.toml", "bell = 'high'\n")
        env = {"ATP_TUI_CONFIG": str(by_env)}
        assert load_settings(env=env).settings.bell == "off"
        assert load_settings(config_path=by_flag, env=env).settings.bell == "high"
        assert config_path_for(None, env) == (by_env, True)

    def test_missing_named_file_is_reported_default_one_is_not(self, tmp_path: Path) -> None:
        loaded = load(tmp_path / "nope.toml")
        assert len(loaded.problems) == 1
        assert "does not exist" in str(loaded.problems[0])
        assert "config init" in str(loaded.problems[0])
        assert load_settings(env={}).problems == []


# --- profiles -------------------------------------------------------------------------------

PROFILES = """\
server = "https://top.example"
default_profile = "work"

[profiles.work]
server = "https://work.example"

[profiles.staging]
server = "https://staging.example"
"""


class TestProfiles:
    def test_default_profile_applies(self, tmp_path: Path) -> None:
        loaded = load(write_config(tmp_path / "c.toml", PROFILES))
        assert loaded.profile == "work"
        assert loaded.settings.server == "https://work.example"

    def test_env_beats_default_profile_and_flag_beats_env(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", PROFILES)
        by_env = load(path, env={"ATP_PROFILE": "staging"})
        assert (by_env.profile, by_env.settings.server) == ("staging", "https://staging.example")
        by_flag = load(path, env={"ATP_PROFILE": "staging"}, profile="work")
        assert (by_flag.profile, by_flag.settings.server) == ("work", "https://work.example")

    def test_unknown_profile_lists_profiles_and_applies_none(self, tmp_path: Path) -> None:
        loaded = load(write_config(tmp_path / "c.toml", PROFILES), profile="wrok")
        assert loaded.profile is None
        assert loaded.settings.server == "https://top.example"
        (problem,) = loaded.problems
        assert problem.key == "--profile"
        assert "did you mean 'work'?" in problem.message
        assert "staging, work" in problem.message

    def test_unknown_default_profile_names_the_file(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'default_profile = "home"\n')
        (problem,) = load(path).problems
        assert problem.file == display_path(path)
        assert problem.key == "default_profile"
        assert "defines no profiles" in problem.message

    def test_unknown_env_profile(self, tmp_path: Path) -> None:
        loaded = load(write_config(tmp_path / "c.toml", PROFILES), env={"ATP_PROFILE": "x"})
        assert keys_of(loaded) == ["ATP_PROFILE"]
        assert loaded.profile is None

    def test_profile_that_is_not_a_table(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", "[profiles]\nwork = 3\n")
        loaded = load(path, profile="work")
        assert keys_of(loaded) == ["profiles.work"]
        assert loaded.profile is None


# --- bad files never block ------------------------------------------------------------------


class TestBadFiles:
    def test_syntax_error_gives_defaults_and_line(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'bell = "off"\nserver = \n')
        loaded = load(path)
        assert loaded.settings == Settings()
        (problem,) = loaded.problems
        assert problem.file == display_path(path)
        assert "line 2" in problem.message
        assert str(problem).startswith(display_path(path) + ": ")

    def test_invalid_values_fall_back_one_key_at_a_time(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "c.toml",
            'bell = "loud"\nheartbeat_timeout = "soon"\ntypes = ["ping"]\ntheme = "nord"\n'
            'server = "https://ok.example"\n',
        )
        loaded = load(path)
        settings = loaded.settings
        assert (settings.bell, settings.heartbeat_timeout, settings.types) == ("all", 90.0, [])
        assert (settings.theme, settings.server) == ("nord", "https://ok.example")
        assert keys_of(loaded) == ["bell", "heartbeat_timeout", "types"]
        bell = str(loaded.problems[0])
        assert bell.startswith(f"{display_path(path)}: bell: must be one of off, all, high")
        assert "(got 'loud')" in bell
        assert "notification, status_update, error" in loaded.problems[2].message

    def test_invalid_profile_value_names_the_dotted_key(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "c.toml", '[profiles.work]\nbell = "loud"\nserver = "https://w.example"\n'
        )
        loaded = load(path, profile="work")
        assert str(loaded.problems[0]) == (
            f"{display_path(path)}: profiles.work.bell: must be one of off, all, high "
            "(got 'loud'); using the default"
        )
        assert loaded.settings.bell == "all"
        assert loaded.settings.server == "https://w.example"

    def test_bad_profile_value_falls_back_to_the_top_level(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'bell = "off"\n[profiles.w]\nbell = 3\n')
        loaded = load(path, profile="w")
        assert loaded.settings.bell == "off"
        assert keys_of(loaded) == ["profiles.w.bell"]

    def test_unknown_keys_suggest_a_name(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "c.toml",
            'sever = "https://x.example"\ndefault_profil = "w"\n[profiles.w]\nhartbeat = 5\n'
            "zzzzqqq = 1\n",
        )
        loaded = load(path, profile="w")
        messages = {problem.key: problem.message for problem in loaded.problems}
        assert "did you mean 'server'?" in messages["sever"]
        assert "did you mean 'default_profile'?" in messages["default_profil"]
        assert "did you mean 'heartbeat_timeout'?" in messages["profiles.w.hartbeat"]
        assert "known settings:" in messages["profiles.w.zzzzqqq"]
        assert loaded.settings == Settings()

    def test_bad_keymap_entry_drops_only_that_entry(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "c.toml", '[keymap]\n"main.sort" = "o"\n"main.quit" = 5\n"x" = "a b"\n'
        )
        loaded = load(path)
        assert loaded.settings.keymap == {"main.sort": "o"}
        assert keys_of(loaded) == ["keymap.main.quit", "keymap.x"]

    def test_bad_environment_and_flags_are_reported_and_ignored(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'bell = "off"\nheartbeat_timeout = 5\n')
        loaded = load(
            path,
            env={"ATP_BELL": "loud", "ATP_TYPES": "notification,pings"},
            cli={"heartbeat_timeout": -1},
        )
        assert loaded.settings.bell == "off"
        assert loaded.settings.heartbeat_timeout == 5
        assert [(p.file, p.key) for p in loaded.problems] == [
            ("environment", "ATP_TYPES"),
            ("environment", "ATP_BELL"),
            ("command line", "--heartbeat-timeout"),
        ]

    def test_invalid_token_value_is_never_echoed(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", f'token = "{SECRET} x"\n')
        loaded = load(path)
        assert loaded.settings.token is None
        assert keys_of(loaded) == ["token"]
        assert SECRET not in str(loaded.problems[0])

    def test_wrong_types_say_what_is_expected(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "c.toml",
            "heartbeat_timeout = true\nstate_dir = 5\ntoken_command = [1]\ninsecure = 2\n",
        )
        loaded = load(path)
        assert loaded.settings == Settings()
        assert [problem.message for problem in loaded.problems] == [
            "must be a number (got True); using the default",
            "must be a path (a string) (got 5); using the default",
            "each item must be a valid string (got [1]); using the default",
            "must be a valid boolean, unable to interpret input (got 2); using the default",
        ]

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "c.toml"
        path.write_bytes(b'bell = "\xff"\n')
        loaded = load(path)
        assert loaded.settings == Settings()
        assert "UTF-8" in loaded.problems[0].message

    def test_wrong_shape_of_profiles(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'profiles = "work"\ndefault_profile = 1\n')
        assert keys_of(load(path)) == ["profiles", "default_profile"]

    def test_problem_str_without_key(self) -> None:
        assert str(ConfigProblem("f.toml", "", "broken")) == "f.toml: broken"
        assert str(ConfigProblem("f.toml", "a.b", "bad")) == "f.toml: a.b: bad"


# --- token security -------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
class TestTokenFilePermissions:
    def test_private_file_token_is_used(self, tmp_path: Path) -> None:
        loaded = load(write_config(tmp_path / "c.toml", f'token = "{SECRET}"\n', 0o600))
        assert loaded.problems == []
        assert resolve_token(loaded.settings) == SECRET

    @pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
    def test_token_in_a_file_others_can_read_is_refused(self, tmp_path: Path, mode: int) -> None:
        path = write_config(tmp_path / "c.toml", f'token = "{SECRET}"\nbell = "off"\n', mode)
        loaded = load(path)
        assert loaded.settings.token is None
        assert loaded.settings.bell == "off"  # the rest of the file still applies
        (problem,) = loaded.problems
        assert "readable by other users" in problem.message
        assert f"chmod 600 {path}" in problem.message
        assert SECRET not in str(problem)

    def test_profile_token_refused_too_and_env_still_works(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", f'[profiles.w]\ntoken = "{SECRET}"\n', 0o644)
        loaded = load(path, profile="w", env={"ATP_TOKEN": "env-token"})
        assert keys_of(loaded) == ["profiles.w.token"]
        assert resolve_token(loaded.settings) == "env-token"

    def test_file_owned_by_another_user_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write_config(tmp_path / "c.toml", f'token = "{SECRET}"\n', 0o600)
        real_uid = os.getuid()
        monkeypatch.setattr(os, "getuid", lambda: real_uid + 1)
        loaded = load(path)
        assert loaded.settings.token is None
        assert "owned by another user" in loaded.problems[0].message

    def test_token_command_from_a_world_readable_file_is_fine(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'token_command = ["pass", "show", "x"]\n', 0o644)
        loaded = load(path)
        assert loaded.problems == []
        assert loaded.settings.token_command == ["pass", "show", "x"]

    def test_token_command_from_a_group_writable_file_is_refused(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'token_command = ["pass", "show", "x"]\n', 0o664)
        loaded = load(path)
        assert loaded.settings.token_command is None
        assert "writable by other users" in loaded.problems[0].message


# --- token_command --------------------------------------------------------------------------


class TestTokenCommand:
    def test_no_token_at_all(self) -> None:
        assert resolve_token(Settings()) is None

    def test_output_is_stripped_and_first_line_used(self) -> None:
        settings = Settings(token_command=python_command("print('  tok-1  \\nmetadata: x')"))
        assert resolve_token(settings) == "tok-1"

    def test_string_command_from_toml(self, tmp_path: Path) -> None:
        command = shlex.join(python_command("print('tok-2')"))
        path = write_config(tmp_path / "c.toml", toml_line("token_command", command))
        loaded = load(path)
        assert loaded.problems == []
        assert resolve_token(loaded.settings) == "tok-2"

    def test_never_through_a_shell(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        marker = tmp_path / "pwned"
        command = shlex.join(python_command("print('tok-3')")) + f" ; touch {marker} ; echo pwned"
        calls: list[dict[str, object]] = []
        real_run = subprocess.run

        def spy(*args: object, **kwargs: object) -> object:
            calls.append(kwargs)
            return real_run(*args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(subprocess, "run", spy)
        settings = Settings.from_mapping({"token_command": command})
        assert resolve_token(settings) == "tok-3"
        assert not marker.exists()
        assert calls[0]["shell"] is False

    def test_non_zero_exit_names_the_command_not_the_output(self) -> None:
        code = (
            f"import sys; print({SECRET!r}); print('oops {SECRET}', file=sys.stderr); sys.exit(3)"
        )
        with pytest.raises(TokenCommandError) as caught:
            resolve_token(Settings(token_command=python_command(code)))
        message = str(caught.value)
        assert "status 3" in message and repr(sys.executable) in message
        assert SECRET not in message

    def test_not_found(self) -> None:
        with pytest.raises(TokenCommandError, match="not found"):
            resolve_token(Settings(token_command=["atp-no-such-password-manager-xyz"]))

    def test_timeout(self) -> None:
        settings = Settings(token_command=python_command("import time; time.sleep(10)"))
        with pytest.raises(TokenCommandError, match=r"did not finish within 0\.5 s"):
            resolve_token(settings, timeout=0.5)

    def test_empty_output(self) -> None:
        with pytest.raises(TokenCommandError, match="printed nothing"):
            resolve_token(Settings(token_command=python_command("print('   ')")))


# --- saving ---------------------------------------------------------------------------------


class TestSave:
    def test_atomic_private_write(self, tmp_path: Path) -> None:
        path = tmp_path / "new" / "atp-tui" / "config.toml"
        values = {
            "server": "https://atp.example.com",
            "token": SECRET,
            "heartbeat_timeout": 30.0,
            "types": ["notification"],
            "state_dir": tmp_path / "state",
            "profiles": {"work": {"bell": "high", "keymap": {"main.sort": "o"}}},
        }
        old_umask = os.umask(0)  # a loose umask must not widen anything
        try:
            save_settings(path, values)
        finally:
            os.umask(old_umask)
        if os.name == "posix":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        data = tomllib.loads(path.read_text())
        assert data == {**values, "state_dir": str(tmp_path / "state")}
        assert os.listdir(path.parent) == ["config.toml"]
        loaded = load(path, profile="work")
        assert loaded.problems == []
        assert resolve_token(loaded.settings) == SECRET

    def test_replaces_an_existing_file(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "config.toml", "bell = 'off'\n", 0o644)
        save_settings(path, {"bell": "high"})
        assert tomllib.loads(path.read_text()) == {"bell": "high"}
        if os.name == "posix":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert os.listdir(tmp_path) == ["config.toml"]

    @pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
    def test_existing_directory_mode_is_left_alone(self, tmp_path: Path) -> None:
        directory = tmp_path / "shared"
        directory.mkdir(mode=0o755)
        os.chmod(directory, 0o755)
        save_settings(directory / "config.toml", {"bell": "off"})
        assert stat.S_IMODE(directory.stat().st_mode) == 0o755

    def test_failed_write_keeps_the_old_file_and_no_temp(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write_config(tmp_path / "config.toml", "bell = 'off'\n")

        def broken_replace(*args: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", broken_replace)
        with pytest.raises(OSError):
            save_settings(path, {"bell": "high"})
        assert path.read_text() == "bell = 'off'\n"
        assert os.listdir(tmp_path) == ["config.toml"]

    @pytest.mark.skipif(os.name != "posix", reason="symlinks")
    def test_symlinked_file_is_written_through(self, tmp_path: Path) -> None:
        target = write_config(tmp_path / "dotfiles" / "atp.toml", "bell = 'off'\n")
        link = tmp_path / "config.toml"
        link.symlink_to(target)
        write_private_file(link, b"bell = 'high'\n")
        assert link.is_symlink()
        assert target.read_text() == "bell = 'high'\n"

    def test_none_values_are_left_out(self, tmp_path: Path) -> None:
        path = tmp_path / "c.toml"
        save_settings(path, {"server": None, "bell": "off"})
        assert tomllib.loads(path.read_text()) == {"bell": "off"}


class TestUpdate:
    ORIGINAL = (
        'server = "https://top.example"\nmystery = 1\ndefault_profile = "work"\n'
        '[profiles.work]\nserver = "https://work.example"\n'
        '[profiles.staging]\nbell = "off"\n'
    )

    def test_top_level_change_keeps_everything_else(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", self.ORIGINAL)
        update_settings_file(path, {"bell": "high", "heartbeat_timeout": "45"})
        data = tomllib.loads(path.read_text())
        assert data["bell"] == "high" and data["heartbeat_timeout"] == 45.0
        assert data["mystery"] == 1 and data["default_profile"] == "work"
        assert data["profiles"] == {
            "work": {"server": "https://work.example"},
            "staging": {"bell": "off"},
        }

    def test_profile_change_and_removal(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", self.ORIGINAL)
        update_settings_file(path, {"theme": "nord", "server": None}, profile="work")
        update_settings_file(path, {"bell": "all"}, profile="new")
        data = tomllib.loads(path.read_text())
        assert data["profiles"]["work"] == {"theme": "nord"}
        assert data["profiles"]["new"] == {"bell": "all"}
        assert data["server"] == "https://top.example"
        loaded = load(path)  # default_profile = work, now without its own server
        assert loaded.settings.server == "https://top.example"
        assert loaded.settings.theme == "nord"

    @pytest.mark.parametrize(
        ("changes", "expected"),
        [
            ({"bell": "loud"}, "bell: must be one of off, all, high"),
            ({"sever": "https://x.example"}, "did you mean 'server'?"),
            ({"theme": "nord", "heartbeat_timeout": 0}, "heartbeat_timeout"),
        ],
    )
    def test_invalid_changes_write_nothing(
        self, tmp_path: Path, changes: dict[str, object], expected: str
    ) -> None:
        path = write_config(tmp_path / "c.toml", self.ORIGINAL)
        before = path.stat()
        with pytest.raises(ValueError, match=expected):
            update_settings_file(path, changes)
        assert path.read_text() == self.ORIGINAL
        assert path.stat().st_mtime_ns == before.st_mtime_ns
        assert os.listdir(tmp_path) == ["c.toml"]

    def test_broken_file_is_not_overwritten(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", "bell = \n# my notes\n")
        with pytest.raises(ValueError, match="not saving"):
            update_settings_file(path, {"bell": "off"})
        assert path.read_text() == "bell = \n# my notes\n"

    def test_creates_a_missing_file_privately(self, tmp_path: Path) -> None:
        path = tmp_path / "fresh" / "config.toml"
        update_settings_file(path, {"token": SECRET, "keymap": {"main.sort": " o "}})
        assert tomllib.loads(path.read_text()) == {"token": SECRET, "keymap": {"main.sort": "o"}}
        if os.name == "posix":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert resolve_token(load(path).settings) == SECRET


# --- the starter file and helpers ----------------------------------------------------------


class TestStarterConfig:
    def test_parses_without_problems_and_gives_defaults(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", STARTER_CONFIG)
        loaded = load(path)
        assert loaded.problems == []
        assert loaded.settings == Settings()

    @pytest.mark.parametrize("profile", ["work", "staging"])
    def test_example_profiles_are_valid(self, tmp_path: Path, profile: str) -> None:
        loaded = load(write_config(tmp_path / "c.toml", STARTER_CONFIG), profile=profile)
        assert loaded.problems == []
        assert loaded.profile == profile
        assert loaded.settings.server is not None

    def test_mentions_every_setting(self) -> None:
        data = tomllib.loads(STARTER_CONFIG)
        assert "keymap" in data and {"work", "staging"} <= set(data["profiles"])
        for name in FIELD_NAMES:
            assert f"{name} =" in STARTER_CONFIG or f"[{name}]" in STARTER_CONFIG, name


class TestHelpers:
    @pytest.mark.parametrize(
        ("bell", "metadata", "rings"),
        [
            ("all", None, True),
            ("off", {"priority": "urgent"}, False),
            ("high", {"priority": "High"}, True),
            ("high", {"priority": "critical"}, True),
            ("high", {"priority": "normal"}, False),
            ("high", {}, False),
            ("high", {"priority": 5}, False),
        ],
    )
    def test_bell_rings(self, bell: str, metadata: dict[str, object] | None, rings: bool) -> None:
        assert bell_rings(bell, metadata) is rings

    def test_keymap_problems_unknown_ids_and_conflicts(self) -> None:
        scopes = {
            "main screen": {"main.sort": "s", "main.reconnect": "r", "app.quit": "ctrl+q"},
            "help screen": {"help.close": "escape,q", "app.quit": "ctrl+q"},
        }
        keymap = {"main.sort": "r", "main.srot": "o", "help.close": "escape"}
        problems = keymap_problems(keymap, scopes, file="c.toml")
        assert [(p.key, p.message) for p in problems] == [
            ("keymap.main.srot", "no binding with this id; did you mean 'main.sort'?"),
            ("keymap.main.sort", "'r' is also bound to main.reconnect (in main screen)"),
        ]
        assert keymap_problems({}, scopes, file="c.toml") == []
