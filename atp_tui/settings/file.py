"""The settings file: loading it with profiles/env/flags (finding and reading it:
`atp_tui.settings.locating`), and writing it safely.

`load_settings` applies the precedence documented in `atp_tui.settings` (flag > `ATP_*` env >
profile > top-level file values > defaults). `token` and `token_command` are one choice: the
highest level that sets either wins and the other is dropped, so `ATP_TOKEN` beats a profile's
`token_command` and vice versa. A profile's `keymap` is merged over the top-level `[keymap]`;
its `quick_replies` replace the top-level `[quick_replies]`, like any other setting.

Bad configuration never blocks the pager: `load_settings` always returns valid settings. Each
bad key falls back to the level below (ultimately its default) and yields a `ConfigProblem`
naming the file, the key and a fix.

`update_settings_file` changes some keys and writes the file again through
`atp_tui.settings.writing` (atomic, mode 0600). No Textual, no httpx.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atp_tui.settings import checks
from atp_tui.settings.locating import CONFIG_ENV as CONFIG_ENV
from atp_tui.settings.locating import CONFIG_FILE_NAME as CONFIG_FILE_NAME
from atp_tui.settings.locating import FileAccess as FileAccess
from atp_tui.settings.locating import config_path_for as config_path_for
from atp_tui.settings.locating import display_path as display_path
from atp_tui.settings.locating import file_access as file_access
from atp_tui.settings.locating import read_config_file as read_config_file
from atp_tui.settings.locating import refusal as refusal
from atp_tui.settings.model import (
    CLI_SOURCE,
    ENV_SOURCE,
    ENV_VARS,
    FIELD_NAMES,
    PROFILE_ENV,
    ConfigProblem,
    Settings,
    did_you_mean,
    validate_setting,
)
from atp_tui.settings.writing import save_settings as save_settings
from atp_tui.settings.writing import write_private_file as write_private_file

_FILE_META_KEYS = ("default_profile", "profiles")


# --- loading --------------------------------------------------------------------------------


@dataclass
class LoadedSettings:
    """The result of `load_settings`: the settings and how they came about."""

    settings: Settings
    """The effective settings (always valid)."""
    path: Path
    """The config file that was (or would have been) read."""
    profile: str | None
    """The profile that was applied, or None."""
    problems: list[ConfigProblem] = field(default_factory=list)
    """Everything that was wrong, in file order; empty when the configuration is clean."""
    sources: dict[str, str] = field(default_factory=dict)
    """Field -> "cli", "env", "profile NAME", "file" or "default"."""


@dataclass
class _Layer:
    """One precedence level: validated values and where each came from."""

    source: str  # "file", "profile NAME", "env", "cli"
    values: dict[str, Any] = field(default_factory=dict)


def _toml_key(name: str) -> str:
    """`name` as it is written in a TOML file: bare when it can be, else in quotes."""
    if name and all(char.isascii() and (char.isalnum() or char in "-_") for char in name):
        return name
    return json.dumps(name, ensure_ascii=False)


def _quick_reply(name: str, text: object) -> dict[str, str]:
    """One `[quick_replies]` entry, checked (messages without the table's "(got ...)")."""
    return checks.quick_replies({name: text})


#: Tables checked entry by entry: key -> (entry name, value) -> the checked entry.
_TABLES: dict[str, Callable[[str, Any], dict[str, str]]] = {
    "keymap": lambda binding_id, keys: validate_setting("keymap", {binding_id: keys}),
    "quick_replies": _quick_reply,
}


def _check_entries(key: str, table: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """A checked table's entries, checked one by one: (the good ones, checked; the refused
    ones' names with why). A quick reply whose name is used above it is refused too."""
    entries: dict[str, str] = {}
    refused: dict[str, str] = {}
    for entry, value in table.items():
        try:
            checked = _TABLES[key](entry, value)
            if key == "quick_replies" and checked.keys() & entries.keys():
                raise ValueError(f"{entry}: {entry.strip()!r} is used above; rename or remove one")
            entries.update(checked)
        except ValueError as error:
            refused[entry] = str(error).removeprefix(f"{entry}: ")
    return entries, refused


def _unreadable_entries(
    key: str, written: object, replacement: Mapping[str, Any]
) -> dict[str, Any]:
    """The entries of the file's `key` table that the loader refused, and the settings screen
    therefore never showed, except those `replacement` now defines: kept as written when the
    table is saved from the screen. The user could not see them, so could not have meant to
    delete them, and the next start reports them again.
    """
    if key not in _TABLES or not isinstance(written, Mapping):
        return {}
    _, refused = _check_entries(key, written)
    return {
        entry: written[entry]
        for entry in refused
        if entry not in replacement and entry.strip() not in replacement
    }


def _table_layer(
    table: Mapping[str, Any],
    *,
    source: str,
    prefix: str,
    file: str,
    problems: list[ConfigProblem],
    meta_keys: tuple[str, ...] = (),
) -> _Layer:
    """Validate a TOML table's setting keys one by one; bad ones are reported and skipped."""
    layer = _Layer(source)
    for key, value in table.items():
        dotted = prefix + key
        if key in meta_keys:
            continue
        if key not in FIELD_NAMES:
            hint = did_you_mean(key, FIELD_NAMES + meta_keys)
            problems.append(ConfigProblem(file, dotted, f"unknown setting; {hint}"))
            continue
        if key in _TABLES and isinstance(value, Mapping):
            # One bad entry drops that entry only, reported under its own dotted key.
            entries, refused = _check_entries(key, value)
            for entry, message in refused.items():
                shown = entry if key == "keymap" else _toml_key(entry)
                problems.append(ConfigProblem(file, f"{dotted}.{shown}", message))
            layer.values[key] = entries
            continue
        try:
            layer.values[key] = validate_setting(key, value)
        except ValueError as error:
            # In a profile, the value below it applies: said "using the default" when the
            # top-level value was used (bell "off", not the default "all"; found by QA).
            below = "the top-level value (or the default)" if prefix else "the default"
            problems.append(ConfigProblem(file, dotted, f"{error}; using {below}"))
    return layer


def other_profile_problems(loaded: LoadedSettings) -> list[ConfigProblem]:
    """The problems of the profiles `loaded` did not apply (loading checks only the selected
    one; `config check` reports every problem). An unreadable file has none to add."""
    data, _ = read_config_file(loaded.path, explicit=False)
    profiles = data.get("profiles")
    if not isinstance(profiles, Mapping):
        return []
    problems: list[ConfigProblem] = []
    shown = display_path(loaded.path)
    for name, table in profiles.items():
        if name != loaded.profile and isinstance(table, Mapping):
            prefix = f"profiles.{name}."
            _table_layer(table, source=name, prefix=prefix, file=shown, problems=problems)
    return problems


def _select_profile(
    data: Mapping[str, Any],
    *,
    flag: str | None,
    env: Mapping[str, str],
    file: str,
    problems: list[ConfigProblem],
) -> tuple[str | None, Mapping[str, Any]]:
    """The profile to apply and its table: `--profile` > `ATP_PROFILE` > `default_profile`."""
    profiles = data.get("profiles", {})
    if not isinstance(profiles, Mapping):
        problems.append(ConfigProblem(file, "profiles", "must be tables: [profiles.NAME]"))
        profiles = {}
    default = data.get("default_profile")
    if default is not None and not isinstance(default, str):
        problems.append(
            ConfigProblem(file, "default_profile", f"must be a profile name (got {default!r})")
        )
        default = None
    if flag:
        name, key, where = flag, "--profile", CLI_SOURCE
    elif env.get(PROFILE_ENV):
        name, key, where = env[PROFILE_ENV], PROFILE_ENV, ENV_SOURCE
    elif default:
        name, key, where = default, "default_profile", file
    else:
        return None, {}
    table = profiles.get(name)
    if isinstance(table, Mapping):
        return name, table
    # A profile asked for and not usable stops the commands, whoever asked (the flag, the
    # environment or the file): the top-level settings are often another environment's.
    if table is not None:
        problems.append(
            ConfigProblem(
                file, f"profiles.{name}", "must be a table: [profiles.NAME]", blocking=True
            )
        )
        return None, {}
    names = sorted(str(profile) for profile in profiles)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    known = f"profiles in {file}: {', '.join(names)}" if names else f"{file} defines no profiles"
    problems.append(
        ConfigProblem(where, key, f"no profile named {name!r}; {hint}{known}", blocking=True)
    )
    return None, {}


#: Settings that say which server, which credentials, which state: a bad value of one in the
#: environment stops every command (as a bad flag does). Ignored, the file's value was used
#: instead: `ATP_SERVER=host:port` without a scheme had `respond` send the answer to another
#: server, with only a warning (found by an independent QA pass).
_WHERE_SETTINGS = frozenset({"server", "token", "token_command", "state_dir"})


def _env_layer(env: Mapping[str, str], problems: list[ConfigProblem]) -> _Layer:
    layer = _Layer("env")
    for variable, name in ENV_VARS.items():
        raw = env.get(variable, "")
        if not raw.strip():
            continue  # an empty variable counts as unset
        try:
            layer.values[name] = validate_setting(name, raw)
        except ValueError as error:
            if name in _WHERE_SETTINGS:
                problem = ConfigProblem(
                    ENV_SOURCE, variable, f"{error}; fix it or unset it", blocking=True
                )
            else:
                problem = ConfigProblem(ENV_SOURCE, variable, f"{error}; ignoring it")
            problems.append(problem)
    return layer


def _cli_layer(cli: Mapping[str, object], problems: list[ConfigProblem]) -> _Layer:
    layer = _Layer("cli")
    for name, value in cli.items():
        if name not in FIELD_NAMES:
            raise ValueError(f"load_settings: {name!r} is not a setting")
        if value is None:
            continue
        try:
            layer.values[name] = validate_setting(name, value)
        except ValueError as error:
            # No "ignoring it": a bad flag is a usage error, the command does not run.
            flag = "--" + name.replace("_", "-")
            problems.append(ConfigProblem(CLI_SOURCE, flag, str(error), blocking=True))
    return layer


def _refuse_unsafe(
    layers: list[_Layer], path: Path, prefixes: Mapping[str, str], problems: list[ConfigProblem]
) -> None:
    """Drop a token from a file others can read, a command from a file others can write."""
    access = file_access(path)
    for layer in layers:
        for key in ("token", "token_command"):
            problem = refusal(path, access, prefixes[layer.source] + key)
            if key in layer.values and problem:
                del layer.values[key]
                problems.append(problem)


def load_settings(
    *,
    config_path: Path | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, object] | None = None,
) -> LoadedSettings:
    """Load the effective settings; never raises for bad configuration (see the module doc).

    `config_path` is `--config` (else `ATP_TUI_CONFIG`, else the platform config dir);
    `profile` is `--profile`; `env` defaults to `os.environ`; `cli` holds only the flags the
    user gave, keyed by field name (None values are ignored). A relative `state_dir` in the
    file is taken relative to the file's directory.
    """
    env = os.environ if env is None else env
    path, explicit = config_path_for(config_path, env)
    shown = display_path(path)
    data, problems = read_config_file(path, explicit=explicit)

    top = _table_layer(
        data, source="file", prefix="", file=shown, problems=problems, meta_keys=_FILE_META_KEYS
    )
    name, table = _select_profile(data, flag=profile, env=env, file=shown, problems=problems)
    file_layers = [top]
    prefixes = {"file": ""}
    if name is not None:
        source = f"profile {name}"
        prefixes[source] = f"profiles.{name}."
        file_layers.append(
            _table_layer(
                table, source=source, prefix=prefixes[source], file=shown, problems=problems
            )
        )
    for layer in file_layers:
        if "token" in layer.values and "token_command" in layer.values:
            del layer.values["token_command"]
            problems.append(
                ConfigProblem(
                    shown,
                    prefixes[layer.source] + "token_command",
                    "set either token or token_command, not both; using token",
                )
            )
        state_dir = layer.values.get("state_dir")
        if state_dir is not None and not state_dir.is_absolute():
            layer.values["state_dir"] = path.parent / state_dir
    _refuse_unsafe(file_layers, path, prefixes, problems)
    layers = [*file_layers, _env_layer(env, problems), _cli_layer(cli or {}, problems)]

    merged: dict[str, Any] = {}
    sources = dict.fromkeys(FIELD_NAMES, "default")
    for layer in layers:
        for key, value in layer.values.items():
            if key == "keymap":
                merged["keymap"] = {**merged.get("keymap", {}), **value}
            else:
                merged[key] = value
            sources[key] = layer.source
        # token and token_command are one choice: a higher level setting one drops the other.
        for key, other in (("token", "token_command"), ("token_command", "token")):
            if key in layer.values and other not in layer.values:
                merged.pop(other, None)
                sources[other] = "default"
    settings = Settings.from_mapping(merged)
    return LoadedSettings(settings, path, name, problems, sources)


# --- saving ---------------------------------------------------------------------------------


def update_settings_file(
    path: Path, changes: Mapping[str, object], profile: str | None = None
) -> None:
    """Apply `changes` to the file at `path` (or to `[profiles.PROFILE]`) and save it.

    Everything else in the file is kept: other keys, profiles, unknown keys. A value of None
    removes the key (back to the level below). `keymap` replaces that table's keymap;
    `default_profile` may be changed at the top level. Every change is validated first; any
    invalid change raises `ValueError` listing them all, and nothing is written. Saving
    rewrites the file: comments and formatting are lost. A file with a TOML syntax error is
    not touched (`ValueError`): fixing it by hand keeps the user's text.
    """
    data, problems = read_config_file(path, explicit=False)
    if problems:
        raise ValueError(f"not saving: {problems[0]}")
    errors: list[str] = []
    validated: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "default_profile" and profile is None:
            if value is not None and (not isinstance(value, str) or not value):
                errors.append(f"default_profile: must be a profile name (got {value!r})")
            validated[key] = value
            continue
        if key not in FIELD_NAMES:
            errors.append(f"{key}: unknown setting; {did_you_mean(key, FIELD_NAMES)}")
            continue
        if value is None:
            validated[key] = None
            continue
        try:
            validated[key] = validate_setting(key, value)
        except ValueError as error:
            errors.append(f"{key}: {error}")
    if errors:
        raise ValueError("invalid settings, nothing saved: " + "; ".join(errors))
    target: dict[str, Any] = data
    if profile is not None:
        profiles = data.setdefault("profiles", {})
        if not isinstance(profiles, dict):
            raise ValueError("not saving: 'profiles' in the file is not a table")
        target = profiles.setdefault(profile, {})
        if not isinstance(target, dict):
            raise ValueError(f"not saving: 'profiles.{profile}' in the file is not a table")
    for key, value in validated.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, Mapping):
            target[key] = {**value, **_unreadable_entries(key, target.get(key), value)}
        else:
            target[key] = value
    save_settings(path, data)
