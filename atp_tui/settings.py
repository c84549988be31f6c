"""Typed settings: the model, its validation, the token, and helpers the TUI uses.

`Settings` is the one model of everything a user can configure. Where values come from and how
they are combined lives in `atp_tui.settings_file` (`load_settings`, `save_settings`,
`update_settings_file`); the precedence, highest first, is:

1. a command-line flag the user gave (`--server`, `--heartbeat-timeout`, ...);
2. an `ATP_*` environment variable (see `ENV_VARS`);
3. the selected profile, `[profiles.NAME]` (`--profile` > `ATP_PROFILE` > `default_profile`);
4. the top-level values of `config.toml`;
5. the defaults below.

`STARTER_CONFIG` is the commented example file (`atp-tui config init`). No Textual, no httpx:
the CLI's `config` commands import this without loading the TUI.
"""

from __future__ import annotations

import difflib
import shlex
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

#: Event types a user can filter on (`ping` is the stream's heartbeat, never shown).
EVENT_TYPES: tuple[str, ...] = ("notification", "status_update", "error")
#: `metadata.priority` values that ring the bell when `bell = "high"` (case-insensitive).
HIGH_PRIORITIES: frozenset[str] = frozenset({"high", "critical", "urgent"})
#: `ConfigProblem.file` for problems with environment variables and flags.
ENV_SOURCE = "environment"
CLI_SOURCE = "command line"
#: Environment variable -> setting. `ATP_PROFILE` selects a profile instead.
ENV_VARS: dict[str, str] = {
    "ATP_SERVER": "server",
    "ATP_TOKEN": "token",
    "ATP_TOKEN_COMMAND": "token_command",
    "ATP_HEARTBEAT_TIMEOUT": "heartbeat_timeout",
    "ATP_TYPES": "types",
    "ATP_BELL": "bell",
    "ATP_STATE_DIR": "state_dir",
}
PROFILE_ENV = "ATP_PROFILE"
TOKEN_COMMAND_TIMEOUT = 10.0
#: Fields whose values never appear in messages, `repr()` or `config show`.
SECRET_FIELDS = frozenset({"token"})


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration: where (file), which key, and what to do."""

    file: str
    """The file's path (`~` for the home dir), or "environment" / "command line"."""
    key: str
    """The dotted key (`profiles.work.bell`), env var or flag; empty for whole-file problems."""
    message: str
    """What is wrong and what is allowed or how to fix it."""

    def __str__(self) -> str:
        if self.key:
            return f"{self.file}: {self.key}: {self.message}"
        return f"{self.file}: {self.message}"


def _blank_to_none(value: Any) -> Any:
    """Treat "" (and whitespace) as "not set", like an empty environment variable."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


class Settings(BaseModel):
    """Everything a user can configure. `repr()` and `str()` never show the token."""

    model_config = ConfigDict(
        use_attribute_docstrings=True, extra="forbid", validate_assignment=True
    )

    server: str | None = None
    """ATP server base URL, http:// or https:// (env ATP_SERVER)."""
    token: SecretStr | None = None
    """The user token (env ATP_TOKEN). Prefer `token_command` or the environment."""
    token_command: list[str] | None = None
    """A command (argv) whose stdout is the token, e.g. a password manager (env
    ATP_TOKEN_COMMAND). A string is split with shlex; it is never run through a shell."""
    token_in_query: bool = False
    """Send the token as ?token= instead of the Authorization header (URLs end up in logs)."""
    insecure: bool = False
    """Allow plain http:// to a non-loopback server (sends the token in clear)."""
    heartbeat_timeout: float = Field(default=90.0, gt=0, allow_inf_nan=False)
    """Reconnect when the stream has been silent this many seconds (env ATP_HEARTBEAT_TIMEOUT)."""
    types: list[str] = Field(default_factory=list)
    """Event types to show: notification, status_update, error; empty = all (env ATP_TYPES,
    comma-separated)."""
    bell: Literal["off", "all", "high"] = "all"
    """Ring the bell for new requests: off, all, or high (metadata.priority high, critical or
    urgent) (env ATP_BELL)."""
    deadline_warning_minutes: float = Field(default=15.0, ge=0, allow_inf_nan=False)
    """Mark a request as due soon this many minutes before its deadline (0 = never)."""
    default_sort: Literal["deadline", "newest"] = "deadline"
    """Inbox order at start: deadline (soonest first) or newest."""
    confirm_irreversible: bool = True
    """Ask before sending an answer that cannot be undone."""
    theme: str = Field(default="textual-dark", min_length=1)
    """Textual theme name (an unknown name falls back to the default theme in the TUI)."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id -> key(s), comma-separated (Textual keymap), e.g. {"main.sort": "o"}."""
    state_dir: Path | None = None
    """Where the cursor, seen ids and cached inbox live (env ATP_STATE_DIR); None = the
    platform state dir. Relative to the config file's directory when set there."""

    @field_validator("server", mode="before")
    @classmethod
    def _check_server(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if isinstance(value, str):
            value = value.strip()
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("must be an http:// or https:// URL, e.g. https://atp.example.com")
        return value

    @field_validator("token", "state_dir", mode="before")
    @classmethod
    def _strip_blank(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        return value.strip() if isinstance(value, str) else value

    @field_validator("heartbeat_timeout", "deadline_warning_minutes", mode="before")
    @classmethod
    def _no_bool_numbers(cls, value: Any) -> Any:
        if isinstance(value, bool):  # pydantic's lax mode would read `true` as 1.0
            raise ValueError("must be a number")
        return value

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        # A space or control character would break (or smuggle) the Authorization header.
        if value is not None and any(
            char.isspace() or not char.isprintable() for char in value.get_secret_value()
        ):
            raise ValueError("must not contain spaces or control characters")
        return value

    @field_validator("token_command", mode="before")
    @classmethod
    def _split_command(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = shlex.split(value)
            except ValueError as error:
                raise ValueError(f"cannot split the command: {error}") from None
        if isinstance(value, list) and (not value or not str(value[0]).strip()):
            raise ValueError('must name a command, e.g. ["pass", "show", "atp/token"]')
        return value

    @field_validator("types", mode="before")
    @classmethod
    def _split_types(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("types")
    @classmethod
    def _check_types(cls, value: list[str]) -> list[str]:
        unknown = [item for item in value if item not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"must be a list of {', '.join(EVENT_TYPES)} (got {unknown[0]!r})")
        return list(dict.fromkeys(value))

    @field_validator("theme", mode="before")
    @classmethod
    def _strip_theme(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("keymap")
    @classmethod
    def _check_keymap(cls, value: dict[str, str]) -> dict[str, str]:
        normalised: dict[str, str] = {}
        for binding_id, keys in value.items():
            if not binding_id.strip():
                raise ValueError("binding ids must not be empty")
            parts = [part.strip() for part in keys.split(",")]
            if not all(parts) or any(" " in part for part in parts):
                raise ValueError(
                    f'{binding_id}: must be keys separated by commas, e.g. "ctrl+r,f5" '
                    f"(got {keys!r})"
                )
            normalised[binding_id.strip()] = ",".join(parts)  # Textual does not strip
        return normalised

    @field_validator("state_dir")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


FIELD_NAMES: tuple[str, ...] = tuple(Settings.model_fields)


class TokenCommandError(Exception):
    """`token_command` could not produce a token; the message never contains its output."""


# --- validation, one key at a time ---------------------------------------------------------


def _allowed(name: str) -> tuple[str, ...] | None:
    """The choices of a Literal field (possibly inside Optional), else None."""
    annotation = Settings.model_fields[name].annotation
    if get_origin(annotation) is Literal:
        return tuple(str(choice) for choice in get_args(annotation))
    return None


def _shown(name: str, value: Any) -> str:
    """The offending value for a message: never a secret, never a wall of text."""
    if name in SECRET_FIELDS:
        return "<redacted>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(name: str, value: Any, error: ValidationError) -> str:
    """A one-line message saying what is allowed, from pydantic's first error."""
    first = error.errors(include_url=False)[0]
    choices = _allowed(name)
    if first["type"] == "literal_error" and choices:
        return f"must be one of {', '.join(choices)} (got {_shown(name, value)})"
    message = str(first["msg"])
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        return message if "(got " in message else f"{message} (got {_shown(name, value)})"
    if first["type"] == "path_type":
        message = "must be a path (a string)"
    message = message.replace("Input should be", "must be", 1)
    location = first["loc"]
    if len(location) > 1 and isinstance(location[1], int):
        message = f"each item {message}"
    return f"{message} (got {_shown(name, value)})"


def validate_setting(name: str, value: Any) -> Any:
    """The validated value for one field; raises `ValueError` with a friendly message."""
    try:
        validated = Settings.model_validate({name: value})
    except ValidationError as error:
        raise ValueError(_describe(name, value, error)) from None
    return getattr(validated, name)


def did_you_mean(key: str, choices: Iterable[str]) -> str:
    """A hint for a misspelt key: the closest choice, or the list of choices."""
    names = list(choices)
    close = difflib.get_close_matches(key, names, n=1)
    return f"did you mean {close[0]!r}?" if close else "known settings: " + ", ".join(names)


# --- the token ------------------------------------------------------------------------------


def resolve_token(settings: Settings, *, timeout: float = TOKEN_COMMAND_TIMEOUT) -> str | None:
    """The token: `settings.token`, else the output of `token_command`, else None.

    The command runs without a shell (`shell=False`, argv as given), with captured output and
    a timeout; the first line of its stripped stdout is the token (`pass show` prints the
    password first). Raises `TokenCommandError` naming the command and the cause, never the
    output.
    """
    if settings.token is not None:
        return settings.token.get_secret_value()
    if not settings.token_command:
        return None
    argv = list(settings.token_command)
    name = argv[0]
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, shell=False, check=False
        )
    except FileNotFoundError:
        raise TokenCommandError(f"token_command: {name!r} not found") from None
    except subprocess.TimeoutExpired:
        raise TokenCommandError(
            f"token_command: {name!r} did not finish within {timeout:g} s"
        ) from None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise TokenCommandError(f"token_command: cannot run {name!r} ({reason})") from None
    if result.returncode != 0:
        raise TokenCommandError(f"token_command: {name!r} exited with status {result.returncode}")
    lines = (result.stdout or "").strip().splitlines()
    token = lines[0].strip() if lines else ""
    if not token:
        raise TokenCommandError(f"token_command: {name!r} printed nothing")
    return token


# --- helpers for the TUI --------------------------------------------------------------------


def bell_rings(bell: str, metadata: Mapping[str, Any] | None) -> bool:
    """Whether a new notification rings the bell under the `bell` setting."""
    if bell == "all":
        return True
    if bell != "high" or not metadata:
        return False
    priority = metadata.get("priority")
    return isinstance(priority, str) and priority.strip().lower() in HIGH_PRIORITIES


def keymap_problems(
    keymap: Mapping[str, str], scopes: Mapping[str, Mapping[str, str]], *, file: str
) -> list[ConfigProblem]:
    """Unknown binding ids and key conflicts in a user keymap, as problems (never dropped).

    `scopes` maps a scope name (e.g. "main screen") to the bindings active together in it:
    binding id -> default key string. A conflict is a key bound to two ids in one scope after
    the keymap is applied, where at least one of them was rebound by the user.
    """
    problems: list[ConfigProblem] = []
    known = {binding_id for bindings in scopes.values() for binding_id in bindings}
    for binding_id in keymap:
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                ConfigProblem(file, f"keymap.{binding_id}", f"no binding with this id{hint}")
            )
    reported: set[tuple[str, str]] = set()
    for scope, bindings in scopes.items():
        owners: dict[str, list[str]] = {}
        for binding_id, default in bindings.items():
            for key in keymap.get(binding_id, default).split(","):
                owners.setdefault(key.strip(), []).append(binding_id)
        for key, ids in owners.items():
            rebound = [binding_id for binding_id in ids if binding_id in keymap]
            if len(ids) < 2 or not rebound:
                continue
            for binding_id in rebound:
                others = [other for other in ids if other != binding_id]
                if (binding_id, key) in reported:
                    continue
                reported.add((binding_id, key))
                message = f"{key!r} is also bound to {', '.join(others)} (in {scope})"
                problems.append(ConfigProblem(file, f"keymap.{binding_id}", message))
    return problems


STARTER_CONFIG = """\
# atp-tui configuration (TOML). Written by `atp-tui config init`.
#
# Precedence, highest first: command-line flag > ATP_* environment variable > the selected
# profile > the top-level values in this file > built-in defaults.
# `atp-tui config show` prints the effective settings and where each came from;
# `atp-tui config check` reports mistakes. Saving from the TUI's settings screen rewrites this
# file without these comments.
#
# This file may hold a token, so keep it private (mode 0600); atp-tui ignores a token in a
# file that other users can read.

# ATP server base URL (env ATP_SERVER). http:// is refused for non-loopback servers unless
# `insecure = true`.
# server = "https://atp.example.com"

# Your user token (env ATP_TOKEN). Better: let a password manager print it (below).
# token = "..."

# A command whose standard output is the token (env ATP_TOKEN_COMMAND). Run directly, never
# through a shell; a string is split like a shell would, but pipes, `;` and `$VAR` are not
# interpreted. Set either token or token_command.
# token_command = ["pass", "show", "atp/token"]

# Send the token as ?token= instead of the Authorization header. Only for proxies that strip
# headers: URLs end up in logs.
token_in_query = false

# Allow plain http:// to a non-loopback server (sends the token in clear).
insecure = false

# Reconnect when the stream has been silent this many seconds (> 0).
heartbeat_timeout = 90.0

# Which events to show: any of "notification", "status_update", "error". Empty = all.
types = []

# Ring the terminal bell for new requests: "off", "all", or "high" (only priority
# high / critical / urgent).
bell = "all"

# Mark a request as due soon this many minutes before its deadline (0 = never).
deadline_warning_minutes = 15.0

# Inbox order: "deadline" (soonest first) or "newest".
default_sort = "deadline"

# Ask for confirmation before sending an answer that cannot be undone.
confirm_irreversible = true

# Textual theme name, e.g. "textual-dark", "textual-light", "nord", "gruvbox".
theme = "textual-dark"

# Where the cursor, seen ids and cached inbox live (env ATP_STATE_DIR). Default: the platform
# state dir. A relative path is relative to this file's directory.
# state_dir = "~/.local/state/atp-tui"

# The profile used when neither --profile nor ATP_PROFILE picks one.
# default_profile = "work"

# Key bindings: binding id = key, or several keys separated by commas. `atp-tui`'s help
# screen (?) lists the binding ids and the live keys.
[keymap]
# "main.sort" = "o"
# "main.reconnect" = "ctrl+r,f5"

# Profiles hold any of the settings above; select one with --profile NAME or ATP_PROFILE.
# A profile's [profiles.NAME.keymap] is merged over [keymap].
[profiles.work]
server = "https://atp.work.example"
token_command = ["pass", "show", "atp/work"]
bell = "high"

[profiles.staging]
server = "https://atp.staging.example"
heartbeat_timeout = 30.0
default_sort = "newest"

[profiles.staging.keymap]
# "main.quit" = "ctrl+c"
"""
