"""Settings: bad config files never block start-up; each problem names the file, the key and
what was expected, and only the bad value falls back."""

from __future__ import annotations

from pathlib import Path

from atp_tui.settings import ConfigProblem, Settings
from atp_tui.settings.file import display_path
from tests.settings_helpers import SECRET, keys_of, load, write_config

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

    def test_what_is_not_a_settings_file_is_one_problem_at_once(self, tmp_path: Path) -> None:
        """`--config /dev/zero` filled the memory, a FIFO hung every command: a settings
        file is a regular file of at most 1 MiB, read without waiting."""
        import os

        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        big = tmp_path / "big.toml"
        big.write_text("# " + "x" * (1 << 20) + "\n")
        cases = {
            Path("/dev/zero"): "not a regular file",
            fifo: "not a regular file",
            tmp_path: "not a regular file",
            big: "larger than 1 MiB",
        }
        for path, reason in cases.items():
            loaded = load(path)
            assert loaded.settings == Settings()
            (problem,) = loaded.problems
            assert problem.message.startswith(reason), path

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
            "(got 'loud'); using the top-level value (or the default)"
        )
        assert loaded.settings.bell == "all"
        assert loaded.settings.server == "https://w.example"

    def test_bad_profile_value_falls_back_to_the_top_level(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", 'bell = "off"\n[profiles.w]\nbell = 3\n')
        loaded = load(path, profile="w")
        assert loaded.settings.bell == "off"
        assert keys_of(loaded) == ["profiles.w.bell"]
        # And the message says so: it said "using the default" (QA), while "off" applied.
        assert loaded.problems[0].message.endswith("using the top-level value (or the default)")

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
