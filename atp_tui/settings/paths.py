"""Where atp-tui keeps its files: the platform's state and config directories."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "atp-tui"


def default_state_dir() -> Path:
    """The per-user state directory (the SQLite store lives here)."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    """The per-user config directory (`config.toml`)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
