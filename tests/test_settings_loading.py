"""Settings loading: precedence of defaults, file, profile, environment and flags; the config
path; profiles."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from atp_tui.settings import Settings, resolve_token
from atp_tui.settings.file import config_path_for, display_path, load_settings
from atp_tui.settings.paths import default_config_dir
from tests.settings_helpers import SECRET, keys_of, load, python_command, toml_line, write_config

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
