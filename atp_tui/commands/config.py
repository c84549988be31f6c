"""`atp-tui config path|show|check|init`: find, inspect, validate and create the settings file.

Also the glue the other commands use: `add_config_file_options` (`--config`, `--profile`) and
`cli_overrides` (the setting flags the user actually gave). Light imports only: no Textual, no
httpx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from atp_tui.settings import (
    CLI_SOURCE,
    DEFAULTS,
    FIELD_NAMES,
    SECRET_FIELDS,
    STARTER_CONFIG,
    ConfigProblem,
)
from atp_tui.settings.file import (
    LoadedSettings,
    config_path_for,
    display_path,
    load_settings,
    other_profile_problems,
    write_private_file,
)

REDACTED = "<redacted>"

_DESCRIPTION = """\
Settings come from, highest first: command-line flags, ATP_* environment variables
(ATP_SERVER, ATP_TOKEN, ATP_TOKEN_COMMAND, ATP_HEARTBEAT_TIMEOUT, ATP_TYPES, ATP_BELL,
ATP_STATE_DIR), the selected profile ([profiles.NAME]; --profile, ATP_PROFILE or
default_profile), the top-level values of the config file, and the defaults. The file is
config.toml in the platform config dir, or --config PATH / ATP_TUI_CONFIG."""


def add_config_file_options(parser: argparse.ArgumentParser, *, nested: bool = True) -> None:
    """Add `--config PATH` and `--profile NAME` to `parser`.

    On a subcommand (`nested`, the default) the options default to `argparse.SUPPRESS`, so a
    value given before the subcommand (`atp-tui --profile work config show`) is not
    overwritten by the subcommand's default. Use `nested=False` on the top-level parser (the
    defaults are then None). Read them with `getattr(args, "config", None)`.
    """
    default = argparse.SUPPRESS if nested else None
    parser.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        default=default,
        help="the settings file (env ATP_TUI_CONFIG; default: config.toml in the platform "
        "config dir)",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        help="use [profiles.NAME] from the settings file (env ATP_PROFILE; default: "
        "default_profile)",
    )


def add_config_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add `config` with `path`, `show`, `check` and `init [--force]` to `subparsers`."""
    config = subparsers.add_parser(
        "config",
        help="find, show, check or create the settings file",
        description="Find, show, check or create the settings file. " + _DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_file_options(config)
    commands = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    for name, text in (
        ("path", "print the settings file's path (whether or not it exists)"),
        ("show", "print the effective settings as TOML, secrets redacted, each with its source"),
        ("check", "report every problem in the configuration; exit status 1 if there is any"),
        ("init", "write a commented starter file (mode 0600)"),
    ):
        command = commands.add_parser(name, help=text, description=text[0].upper() + text[1:])
        add_config_file_options(command)
        if name == "init":
            command.add_argument(
                "--force", action="store_true", help="overwrite an existing settings file"
            )


def cli_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The settings the user gave as flags, keyed by field name, for `load_settings(cli=...)`.

    An attribute named like a setting counts when it is not None; a False that is also the
    field's default counts as "not given" (an unset `store_true` flag). So flags that mirror
    settings must default to None (e.g. `--heartbeat-timeout`), not to the setting's default.
    """
    given: dict[str, object] = {}
    for name in FIELD_NAMES:
        value = getattr(args, name, None)
        if value is None:
            continue
        if value is False and DEFAULTS[name] is False:
            continue
        given[name] = value
    return given


def _toml_value(name: str, value: Any) -> Any:
    if name in SECRET_FIELDS:
        return REDACTED
    if isinstance(value, Path):
        return str(value)
    return value


def _inline(value: Any) -> str:
    """A TOML value on one line (tomli-w spreads arrays over several)."""
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


#: Settings shown as tables at the end of `config show` (TOML puts tables after the keys).
_TABLES = ("keymap", "quick_replies")


def render_settings(loaded: LoadedSettings) -> str:
    """The effective settings as TOML, secrets redacted, each key's source as a comment."""
    shown = display_path(loaded.path)
    exists = "" if loaded.path.exists() else " (does not exist)"
    lines = [
        f"# settings file: {shown}{exists}",
        f"# profile: {loaded.profile or 'none'}",
    ]
    values = loaded.settings.as_dict()
    for name in FIELD_NAMES:
        if name in _TABLES:
            continue
        value, source = values[name], loaded.sources[name]
        if value is None:
            lines.append(f"# {name} is not set  ({source})")
            continue
        lines.append(f"{name} = {_inline(_toml_value(name, value))}  # {source}")
    for name in _TABLES:
        lines.append("")
        lines.append(f"[{name}]  # {loaded.sources[name]}")
        table = tomli_w.dumps(values[name], multiline_strings=True).rstrip("\n")
        if table:
            lines.append(table)
    return "\n".join(lines) + "\n"


def _extra_checks(loaded: LoadedSettings) -> list[ConfigProblem]:
    """What `check` adds to loading: a token_command that cannot be found (not run)."""
    command = loaded.settings.token_command
    if command and shutil.which(command[0]) is None:
        where = loaded.sources["token_command"]
        file = display_path(loaded.path) if where.startswith(("file", "profile")) else where
        message = f"{command[0]!r} is not an executable on PATH (or a path to one)"
        return [ConfigProblem(file, "token_command", message)]
    return []


def _tmux_note(loaded: LoadedSettings, env: Mapping[str, str]) -> None:
    """Inside tmux, say what desktop notifications need (a note: tmux's own config is not
    ours to read, so it cannot be a problem that fails the check)."""
    # Imported here: the view package loads the store, which no other config command needs.
    from atp_tui.view.terminal_notify import TMUX_PASSTHROUGH_HINT, in_tmux

    if in_tmux(env) and loaded.settings.notify not in ("off", "bell"):
        print(f"note: {TMUX_PASSTHROUGH_HINT}")


def _load(args: argparse.Namespace, env: Mapping[str, str]) -> LoadedSettings:
    return load_settings(
        config_path=getattr(args, "config", None),
        profile=getattr(args, "profile", None),
        env=env,
        cli=cli_overrides(args),
    )


def _init(path: Path, force: bool) -> int:
    if path.exists() and not force:
        print(
            f"atp-tui: {path} already exists; not overwriting it (use --force to replace it)",
            file=sys.stderr,
        )
        return 1
    try:
        write_private_file(path, STARTER_CONFIG.encode("utf-8"))
    except OSError as error:
        print(f"atp-tui: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


#: Exit status for a bad flag (`--profile nosuch`): the usage error of every command.
EXIT_USAGE = 2


def run_config(args: argparse.Namespace, *, env: Mapping[str, str] | None = None) -> int:
    """Run `atp-tui config SUBCOMMAND`; returns the exit status (0 ok, 1 problems/refused,
    2 a bad flag such as `--profile nosuch`, as for every other command; for `show`, also an
    `ATP_PROFILE` or `default_profile` naming no profile, which `check` lists and `path`
    leaves alone: they are how the user finds the file to fix)."""
    env = os.environ if env is None else env
    command = args.config_command
    if command == "init":
        path, _ = config_path_for(getattr(args, "config", None), env)
        return _init(path, bool(getattr(args, "force", False)))
    loaded = _load(args, env)
    flags = [problem for problem in loaded.problems if problem.file == CLI_SOURCE]
    if flags:
        # What the user typed cannot be applied: reporting on other settings than the ones
        # asked for would answer a different question (the other commands stop here too).
        print(f"atp-tui: error: {flags[0]}", file=sys.stderr)
        return EXIT_USAGE
    if command == "path":
        print(loaded.path)
        return 0
    if command == "show":
        stopping = [problem for problem in loaded.problems if problem.blocking]
        if stopping:
            # The settings shown would be ones no command runs with (they stop on this).
            print(f"atp-tui: error: {stopping[0]}", file=sys.stderr)
            return EXIT_USAGE
        sys.stdout.write(render_settings(loaded))
        for problem in loaded.problems:
            print(f"atp-tui: warning: {problem}", file=sys.stderr)
        return 0
    if command == "check":
        problems = loaded.problems + other_profile_problems(loaded) + _extra_checks(loaded)
        for problem in problems:
            print(problem)
        _tmux_note(loaded, env)
        if problems:
            return 1
        note = "" if loaded.path.exists() else " (no file; using defaults)"
        print(f"config OK: {loaded.path}{note}")
        return 0
    raise ValueError(f"unknown config command {command!r}")
