"""Shared helpers for the `test_settings_*` modules: config files with exact permissions, a
loader with an explicit environment and flags, and a token that must never be echoed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import tomli_w

from atp_tui.settings.file import LoadedSettings, load_settings

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
    """Load `path` with only the given environment and flags (never the host's)."""
    return load_settings(config_path=path, profile=profile, env=env or {}, cli=cli or {})


def keys_of(loaded: LoadedSettings) -> list[str]:
    """The keys of the problems found while loading, in order."""
    return [problem.key for problem in loaded.problems]


def toml_line(key: str, value: object) -> str:
    """`key = value` in TOML (quoting a command or path correctly)."""
    return tomli_w.dumps({key: value})


def python_command(code: str) -> list[str]:
    """A `token_command` that runs `code` with this Python."""
    return [sys.executable, "-c", code]
