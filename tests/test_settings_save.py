"""Settings saving and editing: atomic private writes, symlinks, and `update_settings_file`
changing one key or profile while keeping the rest of the file."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from atp_tui.settings import resolve_token
from atp_tui.settings.file import save_settings, update_settings_file, write_private_file
from tests.settings_helpers import SECRET, load, write_config

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
