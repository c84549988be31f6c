"""Settings: the model (fields, defaults, validation, the token never shown), the starter config
file and the helpers (`bell_rings`, `keymap_problems`)."""

from __future__ import annotations

import ast
import inspect
import textwrap
import tomllib
from pathlib import Path

import pytest

from atp_tui.settings import FIELD_NAMES, STARTER_CONFIG, Settings, bell_rings, keymap_problems
from atp_tui.settings.file import LoadedSettings
from tests.settings_helpers import SECRET, load, write_config

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
