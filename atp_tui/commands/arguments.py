"""The command line's arguments: every command, its options and its help.

`build_parser` makes the parser `atp_tui.cli.main` reads; a refusal raises `ArgumentsRejected`
(the text argparse would print) instead of exiting, so `main` can say it the way the command's
output wants it (a JSON object for `respond --json`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from atp_tui import __version__
from atp_tui.commands.config import add_config_commands, add_config_file_options

_CONNECTION_HELP = """\
connection options fall back to the environment: ATP_SERVER, ATP_TOKEN. Prefer ATP_TOKEN over
--token: a token on the command line ends up in shell history and `ps` output."""


class ArgumentsRejected(Exception):
    """argparse refused the command line; `main` prints it as argparse would, and as a JSON
    object too for `respond --json`, whose stdout is one object whatever happens."""

    def __init__(self, message: str, usage: str, prog: str) -> None:
        super().__init__(message)
        self.message, self.usage, self.prog = message, usage, prog


class _Parser(argparse.ArgumentParser):
    """argparse's parser, raising `ArgumentsRejected` instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        """Hand the refusal to `main` (the same text argparse prints)."""
        raise ArgumentsRejected(message, self.format_usage(), self.prog)


def _add_connection_options(
    parser: argparse.ArgumentParser, *, state: bool = True, nested: bool = True
) -> None:
    # On a subcommand (`nested`) an option not given must not overwrite the same option given
    # before the subcommand (`atp-tui --state-dir X list`): argparse lets a subparser's
    # defaults replace what the main parser read, so they are SUPPRESS there.
    unset = argparse.SUPPRESS if nested else None
    off = argparse.SUPPRESS if nested else False
    parser.add_argument(
        "--server", metavar="URL", default=unset, help="ATP server base URL (env ATP_SERVER)"
    )
    parser.add_argument(
        "--token", metavar="TOKEN", default=unset, help="user token (env ATP_TOKEN)"
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        default=off,
        help="allow plain http:// to a non-loopback server (sends the token in clear)",
    )
    if state:
        parser.add_argument(
            "--state-dir",
            metavar="DIR",
            type=Path,
            default=unset,
            help="where the cursor, seen ids and cached inbox live (default: the platform "
            "state dir)",
        )
        parser.add_argument(
            "--heartbeat-timeout",
            metavar="SECONDS",
            type=float,
            default=unset,
            help="reconnect when no line arrived for this long (default 90, must be > 0)",
        )
        parser.add_argument(
            "--token-in-query",
            action="store_true",
            default=off,
            help="send the token as ?token= instead of the Authorization header (only for "
            "proxies that strip headers: URLs end up in logs)",
        )
    add_config_file_options(parser, nested=nested)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = _Parser(
        prog="atp-tui",
        description="A terminal client for the Agent Triage Protocol: see and answer AI "
        "agents' decision requests. Without a command, opens the interactive inbox.",
        epilog=_CONNECTION_HELP,
    )
    parser.add_argument("--version", action="version", version=f"atp-tui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in reference server with demo agents and open the inbox on it",
    )
    parser.add_argument(
        "--low-bandwidth",
        action="store_true",
        help="write as little as possible to the terminal (slow SSH links): minute-granular "
        "countdowns, no per-second clock, no animations, ASCII borders",
    )
    _add_connection_options(parser, nested=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    watch = commands.add_parser(
        "watch",
        help="print events as JSON lines (headless, for scripts)",
        description="Subscribe to the event stream and print one JSON object per line on "
        'stdout for each notification, status_update and error: {"event", "id", "data"}. '
        "A notification is printed at most once, also across restarts with the same state "
        "dir. Connection states go to stderr. Exit status: 0 on SIGINT/SIGTERM/SIGHUP, 1 when the "
        "server says to stop, 2 usage error, 3 credentials refused, 4 the state dir cannot be "
        "opened or written, 74 stdout cannot be written (a full disk).",
        epilog=_CONNECTION_HELP,
    )
    _add_connection_options(watch)
    watch.add_argument(
        "--types",
        metavar="a,b",
        help="only these event types (comma-separated: notification,status_update,error)",
    )
    watch.add_argument(
        "--notify",
        action="store_true",
        # Not `notify`: that name is the setting, which `cli_overrides` would take it for.
        dest="desktop_notify",
        help="also make a desktop notification for new open ones (settings notify and "
        "notify_on), written to the controlling terminal /dev/tty, never to stdout",
    )

    from atp_tui.commands.status import DESCRIPTION as STATUS_DESCRIPTION
    from atp_tui.commands.status import add_status_options

    status = commands.add_parser(
        "status",
        help="one line for a tmux status line or a shell prompt (no network)",
        description=STATUS_DESCRIPTION,
    )
    add_status_options(status, nested=True)

    respond = commands.add_parser(
        "respond",
        help="answer one notification from the shell",
        description="Answer a notification: fetches it, validates the answer against the "
        "action, sends it once and prints the outcome. Exit status: 0 sent, 1 refused or "
        "failed, 2 usage or validation error, 3 credentials refused, 4 state dir unusable "
        "(disk full, read-only: nothing sent), 5 outcome unknown (the reply was lost and "
        "checking failed; run it again: it checks before sending).",
        epilog=_CONNECTION_HELP,
    )
    respond.add_argument("notification_id", metavar="NOTIFICATION_ID")
    respond.add_argument("action_id", metavar="ACTION_ID")
    respond.add_argument(
        "--data",
        metavar="JSON",
        help='the answer: JSON (true, 5, ["a","b"], "text") or plain text for text and '
        "choice actions; omit for simple actions",
    )
    respond.add_argument("--json", action="store_true", help="print the outcome as JSON")
    respond.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="where the answer is logged (for history)",
    )
    _add_connection_options(respond, state=False)

    listing = commands.add_parser(
        "list",
        help="print the cached inbox (ids for respond), newest first, without the network",
        description="Print the inbox cached in the state dir by watch or the TUI: id, state, "
        "deadline, service and title, newest first. Reads no network. Exit status: 0, 2 "
        "usage error, 4 the state dir cannot be opened.",
    )
    listing.add_argument(
        "--state",
        choices=("open", "all"),
        default="open",
        help="open: only those that still take an answer (default); all: every cached one",
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument(
        "--state-dir",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="the state dir to read",
    )
    add_config_file_options(listing)

    server = commands.add_parser(
        "server",
        help="run the reference ATP server (for demos and tests)",
        description="Run the in-memory reference ATP server (starlette + uvicorn).",
    )
    server.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 = any)")
    server.add_argument(
        "--token",
        default=None,
        help="the user token clients must present (env ATP_TOKEN; default demo-token)",
    )
    server.add_argument("--demo-agents", action="store_true", help="send demo notifications")
    server.add_argument(
        "--ping-interval", type=float, default=15.0, help="seconds between pings (default 15)"
    )
    for name, summary in (
        (
            "history",
            "show where each answer given from this machine stands, newest first (pending "
            "and unknown ones whatever --since says)",
        ),
        (
            "handover",
            "write a shift handover report (open items, decisions, pending answers, failures)",
        ),
    ):
        report = commands.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + "."
        )
        report.add_argument("--since", default="8h", help="how far back: 30m, 8h, 2d (default 8h)")
        if name == "history":
            report.add_argument("--json", action="store_true", help="one JSON object per line")
        else:
            report.add_argument("--format", choices=("md", "json"), default="md")
        report.add_argument(
            "--state-dir",
            metavar="DIR",
            type=Path,
            default=argparse.SUPPRESS,
            help="the state dir to read",
        )
        add_config_file_options(report)
    add_config_commands(commands)
    return parser
