"""Command line: the TUI (default), `--demo`, `watch`, `respond`, `list`, `server`, ….

Imports are deferred to the chosen command so that `atp-tui watch` never loads Textual and the
TUI's first frame does not wait for modules it does not need yet.

Every command but the TUI runs with its terminal sinks guarded
(`atp_tui.protocol.text.TerminalSink`):
stderr always, stdout unless it carries `watch`'s JSON lines. Whatever is printed there is
neutralised (no escape sequence, control or bidi character reaches the terminal raw) and the
token is redacted (SSE-CLIENT-RULES.md 80, 82). The TUI is left alone: Textual owns the
terminal and its widgets sanitise what they show.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from atp_tui.client.urls import ConfigError
from atp_tui.commands.arguments import ArgumentsRejected as ArgumentsRejected  # re-exported
from atp_tui.commands.arguments import build_parser as build_parser  # re-exported
from atp_tui.commands.config import cli_overrides, run_config
from atp_tui.protocol.text import (
    EXIT_OUTPUT_FAILED,
    SECRETS,
    OutputError,
    discard_output,
    guarded_std_streams,
)

if TYPE_CHECKING:
    from atp_tui.settings.file import LoadedSettings

EXIT_USAGE = 2
#: Commands whose stdout is for programs, not people: not guarded (`format_event` escapes it).
_MACHINE_STDOUT = frozenset({"watch"})
#: Commands that run a server: its own token is theirs to print (the banner's connect line).
_SERVER_COMMANDS = frozenset({"server"})


class UsageError(Exception):
    """Bad arguments or configuration; exit status 2 with this message."""


def _load_settings(args: argparse.Namespace, *, warn: bool = True) -> LoadedSettings:
    """Settings from flags, env, profile and file; bad flags are usage errors, and so is a
    profile asked for and not defined (`ConfigProblem.blocking`).

    Other problems in the file or the environment do not block: they are printed (or, for the
    TUI, shown as a notice) and the defaults apply to the bad keys.
    """
    from atp_tui.settings.file import load_settings

    loaded = load_settings(
        config_path=getattr(args, "config", None),
        profile=getattr(args, "profile", None),
        env=os.environ,
        cli=cli_overrides(args),
    )
    for problem in loaded.problems:
        if problem.blocking:
            raise UsageError(str(problem))
        if warn:
            print(f"atp-tui: warning: {problem}", file=sys.stderr)
    if loaded.settings.token is not None:  # a token_command's is added once it has run
        SECRETS.add(loaded.settings.token.get_secret_value())
    return loaded


def _connection(loaded: LoadedSettings) -> tuple[str, str]:
    """The checked server URL and the token (running `token_command` if configured)."""
    from atp_tui.client.urls import ConfigError, check_server_url
    from atp_tui.settings import TokenCommandError, resolve_token

    settings = loaded.settings
    if not settings.server:
        raise UsageError(
            "no server: pass --server URL, set ATP_SERVER, or put server = in "
            f"{loaded.path} (atp-tui config init writes a starter file)"
        )
    try:
        token = resolve_token(settings)
    except TokenCommandError as error:
        raise UsageError(str(error)) from None
    if not token:
        raise UsageError("no token: set ATP_TOKEN, or token_command in the settings file")
    SECRETS.add(token)  # from here on, never printed (guarded streams redact it)
    try:
        return check_server_url(settings.server, allow_insecure=settings.insecure), token
    except ConfigError as error:
        raise UsageError(str(error)) from None


def _state_dir(loaded: LoadedSettings) -> Path:
    from atp_tui.settings.paths import default_state_dir

    return loaded.settings.state_dir or default_state_dir()


def _run_watch(args: argparse.Namespace) -> int:
    loaded = _load_settings(args)
    server, token = _connection(loaded)
    _prepare_connections()
    from atp_tui.client.stream import EngineConfig
    from atp_tui.commands.watch import DesktopOptions, run_watch

    settings = loaded.settings
    config = EngineConfig(
        server=server,
        token=token,
        types=tuple(settings.types),
        heartbeat_timeout=settings.heartbeat_timeout,
        token_in_query=settings.token_in_query,
    )
    desktop = None
    if args.desktop_notify:
        desktop = DesktopOptions(
            notify=settings.notify,
            notify_on=settings.notify_on,
            warning_seconds=settings.deadline_warning_minutes * 60,
        )
    # The streams are passed at call time: the defaults were bound when watch was imported.
    return asyncio.run(
        run_watch(config, _state_dir(loaded), out=sys.stdout, err=sys.stderr, desktop=desktop)
    )


def _run_status(args: argparse.Namespace) -> int:
    # `atp-tui status` takes the fast path (`atp_tui.__main__`); this is `python -m atp_tui.cli`.
    from atp_tui.commands.status import run_status

    return run_status(args)


def _run_respond(args: argparse.Namespace) -> int:
    loaded = _load_settings(args)
    server, token = _connection(loaded)
    _prepare_connections()
    from atp_tui.commands.respond import respond_once

    return asyncio.run(
        respond_once(
            server,
            token,
            args.notification_id,
            args.action_id,
            args.data,
            args.json,
            state_dir=_state_dir(loaded),
        )
    )


def _run_server(args: argparse.Namespace) -> int:
    from atp_tui.server import ServerConfig, run_server

    token = args.token or os.environ.get("ATP_TOKEN") or "demo-token"
    if not args.ping_interval > 0:
        raise UsageError("--ping-interval must be a positive number of seconds")
    config = ServerConfig(
        user_token=token, demo_agents=args.demo_agents, ping_interval=args.ping_interval
    )
    return run_server(args.host, args.port, config)


def _run_report(args: argparse.Namespace) -> int:
    """`history` and `handover`: read the store, print, never touch the network."""
    from atp_tui.commands import history
    from atp_tui.protocol.clock import SYSTEM_CLOCK

    try:
        window = history.parse_since(args.since)
    except ValueError as error:
        raise UsageError(str(error)) from None
    loaded = _load_settings(args)
    as_json = args.json if args.command == "history" else args.format == "json"
    return history.run_report(
        _state_dir(loaded),
        args.command,
        window,
        SYSTEM_CLOCK.now(),
        as_json=as_json,
        warning_seconds=loaded.settings.deadline_warning_minutes * 60,
    )


def _run_list(args: argparse.Namespace) -> int:
    """`list`: the cached inbox, from the state dir only."""
    from atp_tui.commands.list import run_list
    from atp_tui.protocol.clock import SYSTEM_CLOCK

    loaded = _load_settings(args)
    return run_list(
        _state_dir(loaded),
        as_json=args.json,
        only_open=args.state == "open",
        now=SYSTEM_CLOCK.now(),
    )


def _run_tui(args: argparse.Namespace) -> int:
    """The TUI: configuration problems become a notice inside it (they never block it)."""
    loaded = _load_settings(args, warn=False)
    connection = None if args.demo else _connection(loaded)
    _prepare_connections()
    from atp_tui.commands.tui import run_tui

    if connection is None:
        return run_tui(loaded, server=None, token=None, state_dir=args.state_dir, demo=True)
    server, token = connection
    return run_tui(loaded, server=server, token=token, state_dir=_state_dir(loaded), demo=False)


def _prepare_connections() -> None:
    """For a command about to connect (its settings read and checked): the TLS context is
    made in a thread from now on, beside the imports that follow (`atp_tui.client.tls`),
    not when the first client is made."""
    from atp_tui.client.tls import prepare_tls_context

    prepare_tls_context()


def _skip_httpx_command_line() -> None:
    """Keep `import httpx` from loading httpx's own command-line client.

    `httpx/__init__.py` imports `httpx._main` (click, rich.progress, pygments: ~30 ms of
    every start; `python bench/startup.py --imports` lists them) whenever those packages are
    installed, and falls back to a stub when that import fails. Nothing here uses
    `httpx.main`; a `None` entry in `sys.modules` makes the import fail at once.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _json_usage_error(message: str) -> None:
    """`respond --json`'s one object on stdout for an error before it could start."""
    from atp_tui.commands.respond import USAGE_OUTCOME, json_outcome

    print(json_outcome(USAGE_OUTCOME, message))


def _dispatch(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one command; usage errors become exit status 2, Ctrl-C a quiet exit 0 (130 for
    `respond`, which has said what became of its answer)."""
    try:
        status = handler(args)
        sys.stdout.flush()  # a write that fails (a full disk) fails here, not at exit
        return status
    except OutputError as error:
        # `atp-tui list > file` on a full disk: one line, not a traceback. As for a closed
        # pipe, stdout goes to /dev/null so the interpreter's last flush cannot fail again.
        discard_output(sys.__stdout__ or sys.stdout)
        print(f"atp-tui: error: {error}", file=sys.stderr)
        return EXIT_OUTPUT_FAILED
    except (UsageError, ConfigError) as error:
        # ConfigError: a setting found unusable only once the command ran (the CA
        # certificates it names cannot be loaded, say).
        print(f"atp-tui: error: {error}", file=sys.stderr)
        if args.command == "respond" and args.json:
            _json_usage_error(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if args.command == "respond":
            from atp_tui.commands.respond import EXIT_INTERRUPTED

            return EXIT_INTERRUPTED  # its exit status says what became of the answer
        return 0
    except BrokenPipeError:
        # `atp-tui list | head`: the reader has what it wanted. As `watch` does, no traceback;
        # stdout goes to /dev/null so the interpreter's last flush cannot fail again.
        discard_output(sys.__stdout__ or sys.stdout)
        return 0


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether a command line argparse refused asked for `respond --json` (a guess from the
    words: the parse that would tell did not finish)."""
    words = list(argv)
    return "respond" in words and "--json" in words[words.index("respond") :]


def _known_secrets(args: argparse.Namespace) -> None:
    """Register the token from the flags and the environment before anything is printed."""
    if args.command in _SERVER_COMMANDS:
        return
    SECRETS.add(getattr(args, "token", None))
    SECRETS.add(os.environ.get("ATP_TOKEN"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `atp-tui` command; returns the exit status."""
    _skip_httpx_command_line()
    parser = build_parser()
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parser.parse_args(words)
    except ArgumentsRejected as error:
        with guarded_std_streams():
            sys.stderr.write(error.usage)
            print(f"{error.prog}: error: {error.message}", file=sys.stderr)
            if _wants_json(words):
                _json_usage_error(error.message)
        return EXIT_USAGE
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        "watch": _run_watch,
        "respond": _run_respond,
        "list": _run_list,
        "status": _run_status,
        "server": _run_server,
        "config": run_config,
        "history": _run_report,
        "handover": _run_report,
    }
    handler = handlers.get(args.command)
    if handler is None:  # the TUI: Textual owns the terminal, its streams are not wrapped
        return _dispatch(_run_tui, args)
    _known_secrets(args)
    with guarded_std_streams(stdout=args.command not in _MACHINE_STDOUT):
        return _dispatch(handler, args)


if __name__ == "__main__":
    sys.exit(main())
