"""Where the settings file is, and reading it: its path (shown with `~`), its bytes (a
regular file of a settings file's size, whatever the path names), its TOML, and who besides
its owner can touch it. `atp_tui.settings.file` loads it (and re-exports these names).
"""

from __future__ import annotations

import os
import shlex
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atp_tui.settings.model import ConfigProblem
from atp_tui.settings.paths import default_config_dir

CONFIG_FILE_NAME = "config.toml"
#: Environment variable naming the config file (`--config PATH` wins over it).
CONFIG_ENV = "ATP_TUI_CONFIG"


def display_path(path: Path) -> str:
    """The path as people read it: the home directory shortened to `~`."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def config_path_for(
    config_path: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[Path, bool]:
    """The config file to use and whether the user named it (`--config` or `ATP_TUI_CONFIG`).

    Precedence: `config_path` (the `--config` flag) > `ATP_TUI_CONFIG` > the platform config
    dir's `config.toml`. `~` is expanded.
    """
    env = os.environ if env is None else env
    if config_path is not None:
        return Path(config_path).expanduser(), True
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), True
    return default_config_dir() / CONFIG_FILE_NAME, False


#: A settings file is a few KB; more is not one (`--config /dev/zero` filled the memory).
MAX_CONFIG_BYTES = 1 << 20


class _NotASettingsFile(Exception):
    """The path is not a regular file of a settings file's size."""


def _read_small_file(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_CONFIG_BYTES`; `_NotASettingsFile` for a
    FIFO, a device or a directory (opened without waiting: a FIFO used to hang the command)
    or a larger file; `OSError` when it cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotASettingsFile("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_CONFIG_BYTES:
        raise _NotASettingsFile(f"larger than {MAX_CONFIG_BYTES >> 20} MiB")
    return raw


def read_config_file(path: Path, *, explicit: bool) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """The parsed TOML document, or `{}` and a problem when it cannot be read or parsed.

    A missing file is not a problem unless the user named it (`explicit`): then it probably
    is a typo.
    """
    shown = display_path(path)
    try:
        raw = _read_small_file(path)
    except _NotASettingsFile as error:
        return {}, [ConfigProblem(shown, "", f"{error}; is it the right file? using defaults")]
    except FileNotFoundError:
        if not explicit:
            return {}, []
        fix = f"create it with: atp-tui config init --config {shlex.quote(str(path))}"
        return {}, [ConfigProblem(shown, "", f"file does not exist; {fix}")]
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return {}, [ConfigProblem(shown, "", f"cannot read the file ({reason}); using defaults")]
    try:
        return tomllib.loads(raw.decode("utf-8")), []
    except UnicodeDecodeError:
        return {}, [ConfigProblem(shown, "", "not UTF-8 text; using defaults for everything")]
    except tomllib.TOMLDecodeError as error:
        # The message ends with "(at line L, column C)" on every supported Python.
        message = f"TOML syntax error: {error}; using defaults for everything until it is fixed"
        return {}, [ConfigProblem(shown, "", message)]


@dataclass(frozen=True)
class FileAccess:
    """Who besides the owner can touch the config file (all False when it does not exist)."""

    readable_by_others: bool
    """Group or other have any permission bit (`st_mode & 0o077`, netrc's rule)."""
    writable_by_others: bool
    """Group or other may write it (`st_mode & 0o022`): they could change what we run."""
    foreign_owner: int | None
    """The owner's uid when it is not the current user, else None."""


def file_access(path: Path) -> FileAccess:
    """Check the config file the way Python's `netrc` `_security_check` does (POSIX only)."""
    if os.name != "posix":
        return FileAccess(False, False, None)
    try:
        info = path.stat()
    except OSError:
        return FileAccess(False, False, None)
    owner = info.st_uid if info.st_uid != os.getuid() else None
    return FileAccess(
        readable_by_others=bool(info.st_mode & 0o077),
        writable_by_others=bool(info.st_mode & 0o022),
        foreign_owner=owner,
    )


def refusal(path: Path, access: FileAccess, key: str) -> ConfigProblem | None:
    """Why `key` (a token or a token_command) from this file must not be used; None if safe.

    A token must not be readable by others (netrc's rule). A token_command is not a secret,
    so a world-readable file is fine, but whoever can write the file chooses what we run.
    """
    quoted = shlex.quote(str(path))
    is_token = key.rsplit(".", 1)[-1] == "token"
    holds = (
        "holds a token, so the token is not used"
        if is_token
        else ("names a token_command, so it is not run")
    )
    if access.foreign_owner is not None:
        message = (
            f"{path.name} is owned by another user (uid {access.foreign_owner}) and {holds}; "
            f"make your own copy: cp {quoted} {quoted}.mine && mv -f {quoted}.mine {quoted} "
            f"&& chmod 600 {quoted}"
        )
    elif access.readable_by_others if is_token else access.writable_by_others:
        who = "readable" if is_token else "writable"
        message = f"{path.name} is {who} by other users and {holds}; run: chmod 600 {quoted}"
    else:
        return None
    return ConfigProblem(display_path(path), key, message)
