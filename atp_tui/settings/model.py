"""Typed settings: the model, its validation, the token, and helpers the TUI uses.

`Settings` is the one model of everything a user can configure. Where values come from and how
they are combined lives in `atp_tui.settings.file` (`load_settings`, `save_settings`,
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

import dataclasses
import difflib
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from atp_tui.settings import checks
from atp_tui.settings.checks import Secret

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
    blocking: bool = False
    """Whether the commands stop on it (exit 2) rather than run without the setting: a bad
    flag, or a profile that is asked for and not defined (the top-level settings it would fall
    back to can be another environment's server)."""

    def __str__(self) -> str:
        if self.key:
            return f"{self.file}: {self.key}: {self.message}"
        return f"{self.file}: {self.message}"


@dataclass(frozen=True)
class Settings:
    """Everything a user can configure. `repr()` and `str()` never show the token.

    Immutable; every value is checked when it is made (`ValueError` naming the field), also by
    `replace`. Build one from loaded values with `from_mapping`.
    """

    server: str | None = None
    """ATP server base URL, http:// or https:// (env ATP_SERVER)."""
    token: Secret | None = None
    """The user token (env ATP_TOKEN). Prefer `token_command` or the environment."""
    token_command: list[str] | None = None
    """A command (argv) whose stdout is the token, e.g. a password manager (env
    ATP_TOKEN_COMMAND). A string is split with shlex; it is never run through a shell."""
    token_in_query: bool = False
    """Send the token as ?token= instead of the Authorization header (URLs end up in logs)."""
    insecure: bool = False
    """Allow plain http:// to a non-loopback server (sends the token in clear)."""
    heartbeat_timeout: float = 90.0
    """Reconnect when the stream has been silent this many seconds (env ATP_HEARTBEAT_TIMEOUT)."""
    types: list[str] = field(default_factory=list)
    """Event types to show: notification, status_update, error; empty = all (env ATP_TYPES,
    comma-separated)."""
    bell: Literal["off", "all", "high"] = "all"
    """Ring the bell for new requests: off, all, or high (metadata.priority high, critical or
    urgent) (env ATP_BELL)."""
    deadline_warning_minutes: float = 15.0
    """Mark a request as due soon this many minutes before its deadline (0 = never)."""
    default_sort: Literal["deadline", "newest"] = "deadline"
    """Inbox order at start: deadline (soonest first) or newest."""
    confirm_irreversible: bool = True
    """Ask before sending an answer that cannot be undone."""
    theme: str = "textual-dark"
    """Textual theme name (an unknown name falls back to the default theme in the TUI)."""
    low_bandwidth: bool = False
    """Write as little as possible to the terminal (slow SSH links): countdowns to the minute
    even near the deadline, no once-a-second clock tick (the screen wakes when a shown time
    changes), no animations, no cursor blink, plain ASCII borders (flag --low-bandwidth)."""
    hide_closed: bool = False
    """Start with closed items (answered, expired, withdrawn) hidden from the inbox; the
    `main.closed` key (`c`) shows and hides them."""
    glyphs: Literal["auto", "unicode", "ascii"] = "auto"
    """The inbox's and status bar's symbols: unicode (`○ ✓ ✗`), ascii (`o + x`), or auto
    (ascii on TERM=linux or a locale that is not UTF-8)."""
    notify: Literal["auto", "osc9", "osc777", "osc99", "bell", "off"] = "auto"
    """Desktop notifications through the terminal (they cross SSH): osc9 (iTerm2, WezTerm,
    Windows Terminal, foot), osc777 (urxvt, VTE, Ghostty), osc99 (kitty), bell, off, or auto
    (from TERM_PROGRAM, TERM, KITTY_WINDOW_ID…, else the bell). Inside tmux they need
    `set -g allow-passthrough on`."""
    notify_on: Literal["urgent", "all"] = "urgent"
    """Which new notifications make a desktop notification: urgent (metadata priority or
    urgency high/critical, or a deadline within the warning) or all. At most one every 10 s;
    the rest are folded into "N more"."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> key(s), comma-separated (Textual keymap), e.g. {"main.sort": "o"}."""
    quick_replies: dict[str, str] = field(default_factory=dict)
    """Name -> text, in order: canned answers the text answer dialog inserts at the cursor
    (`text.quick-replies`, ctrl+r). A profile's table replaces the top-level one."""
    state_dir: Path | None = None
    """Where the cursor, seen ids and cached inbox live (env ATP_STATE_DIR); None = the
    platform state dir. Relative to the config file's directory when set there."""

    def __post_init__(self) -> None:
        for name in CHECKS:
            try:
                checked = validate_setting(name, getattr(self, name))
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
            object.__setattr__(self, name, checked)  # frozen: the checked value replaces it

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        """Settings from field name -> value; an unknown name is a `ValueError` with a hint."""
        for name in values:
            if name not in CHECKS:
                raise ValueError(f"unknown setting {name!r}; {did_you_mean(name, FIELD_NAMES)}")
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` applied (and checked)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Field name -> value (the token stays a `Secret`)."""
        return {name: getattr(self, name) for name in FIELD_NAMES}


#: How each field is checked and normalised (`atp_tui.settings.checks`).
CHECKS: dict[str, checks.Check] = {
    "server": checks.optional(checks.server_url),
    "token": checks.optional(checks.token),
    "token_command": checks.optional(checks.command),
    "token_in_query": checks.boolean,
    "insecure": checks.boolean,
    "heartbeat_timeout": checks.number(greater_than=0),
    "types": checks.event_types(EVENT_TYPES),
    "bell": checks.one_of("off", "all", "high"),
    "deadline_warning_minutes": checks.number(at_least=0),
    "default_sort": checks.one_of("deadline", "newest"),
    "confirm_irreversible": checks.boolean,
    "theme": checks.non_empty_text,
    "low_bandwidth": checks.boolean,
    "hide_closed": checks.boolean,
    "glyphs": checks.one_of("auto", "unicode", "ascii"),
    "notify": checks.one_of("auto", "osc9", "osc777", "osc99", "bell", "off"),
    "notify_on": checks.one_of("urgent", "all"),
    "keymap": checks.keymap,
    "quick_replies": checks.quick_replies,
    "state_dir": checks.optional(checks.path),
}
FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in dataclasses.fields(Settings))
#: Field name -> default value.
DEFAULTS: dict[str, Any] = {
    spec.name: spec.default_factory() if spec.default is dataclasses.MISSING else spec.default  # type: ignore[operator]
    for spec in dataclasses.fields(Settings)
}


class TokenCommandError(Exception):
    """`token_command` could not produce a token; the message never contains its output."""


# --- validation, one key at a time ---------------------------------------------------------


def _with_value(name: str, value: Any, message: str) -> str:
    """`message` with the offending value, unless it names it already; never a secret."""
    if "(got " in message:
        return message
    if name in SECRET_FIELDS:
        shown = "<redacted>"
    else:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"{message} (got {shown})"


def validate_setting(name: str, value: Any) -> Any:
    """The checked value for one field; raises `ValueError` with a friendly message."""
    check = CHECKS.get(name)
    if check is None:
        raise ValueError(f"unknown setting; {did_you_mean(name, FIELD_NAMES)}")
    try:
        return check(value)
    except ValueError as error:
        raise ValueError(_with_value(name, value, str(error))) from None


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

# Write as little as possible to the terminal, for slow SSH links (flag --low-bandwidth):
# countdowns to the minute even near the deadline, no once-a-second clock, no animations,
# no cursor blink, plain ASCII borders.
low_bandwidth = false

# Start with closed items (answered, expired, withdrawn) hidden; `c` shows and hides them.
hide_closed = false

# Symbols in the inbox and status bar: "unicode" (○ ✓ ✗), "ascii" (o + x), or "auto" (ascii
# on TERM=linux or when the locale is not UTF-8).
glyphs = "auto"

# Desktop notifications through the terminal, also over SSH: "auto" (chosen from TERM_PROGRAM,
# TERM, KITTY_WINDOW_ID…, else the bell), "osc9" (iTerm2, WezTerm, Windows Terminal, foot),
# "osc777" (urxvt, VTE, Ghostty), "osc99" (kitty), "bell" or "off". Inside tmux they need
# `set -g allow-passthrough on` in tmux.conf.
notify = "auto"

# Which new notifications make one: "urgent" (priority/urgency high or critical, or a
# deadline within the warning) or "all". At most one every 10 s; the rest become "N more".
notify_on = "urgent"

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

# Quick replies: name = text. In a text answer, ctrl+r lists them and inserts the chosen one
# at the cursor; the settings screen (,) edits them. Write several lines between ''' quotes.
# At most 40 characters a name and 2000 a text. A profile's [profiles.NAME.quick_replies]
# replaces this table.
[quick_replies]
# ship = "Looks good, ship it."
# later = "Not now: the change freeze ends at 10:00. Ask me again after that."
# hold = '''
# Hold this for now.
# I will check the dashboards and answer within the hour.'''

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
