"""Settings: the token's security (a token in a file others can read is refused) and
`token_command` (run without a shell, its failures named without echoing its output)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from atp_tui.settings import Settings, TokenCommandError, resolve_token
from tests.settings_helpers import SECRET, keys_of, load, python_command, toml_line, write_config

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
