"""`atp-tui respond`: answer one notification from a shell, validated like the TUI does."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

from atp_tui.client.http import describe_transport_error
from atp_tui.client.respond import CredentialsRefused, RespondClient
from atp_tui.protocol.models import ChoiceAction, TextAction
from atp_tui.protocol.responses import ResponseValidationError, response_data_for
from atp_tui.store import Store

EXIT_SENT = 0
EXIT_NOT_SENT = 1
EXIT_INVALID = 2
EXIT_AUTH = 3


def _user_input(raw: str | None, action: object) -> Any:
    """The answer as typed: JSON when it parses, else the text itself (for text/choice)."""
    if raw is None:
        return None
    if isinstance(action, TextAction | ChoiceAction):
        # Text answers are text: `--data 42` for a text action means the string "42".
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        return value if isinstance(value, str) else raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _report(kind: str, message: str, as_json: bool, **extra: Any) -> None:
    if as_json:
        print(json.dumps({"outcome": kind, "message": message, **extra}))
    else:
        print(f"{kind}: {message}")


async def respond_once(
    server: str,
    token: str,
    notification_id: str,
    action_id: str,
    raw_data: str | None,
    as_json: bool = False,
    *,
    state_dir: Path | None = None,
) -> int:
    """Fetch, validate, send once; print the outcome; return the exit status.

    With a `state_dir` the answer is logged in the store there (history, handover) and an
    answer this machine already got through is never sent again.
    """
    store = Store.open(state_dir) if state_dir is not None else None
    client = RespondClient(server, token, store)
    try:
        try:
            notification = await client.fetch_notification(notification_id)
        except CredentialsRefused as error:
            print(f"atp-tui: {error}", file=sys.stderr)
            return EXIT_AUTH
        except LookupError as error:
            print(f"atp-tui: {error}", file=sys.stderr)
            return EXIT_NOT_SENT
        except httpx.HTTPError as error:
            print(
                f"atp-tui: cannot reach the server: {describe_transport_error(error)}",
                file=sys.stderr,
            )
            return EXIT_NOT_SENT
        action = notification.action(action_id)
        if action is None:
            ids = ", ".join(a.id for a in notification.actions) or "(none)"
            print(
                f"atp-tui: notification {notification_id} has no action {action_id!r}; "
                f"its actions are: {ids}",
                file=sys.stderr,
            )
            return EXIT_INVALID
        try:
            data = response_data_for(action, _user_input(raw_data, action))
        except ResponseValidationError as error:
            print(f"atp-tui: invalid answer for {action_id!r}: {error.message}", file=sys.stderr)
            return EXIT_INVALID
        if store is not None:
            store.add_notification(notification, None)
        outcome = await client.respond(notification_id, action_id, data)
        _report(outcome.kind, outcome.message, as_json, responded_at=outcome.responded_at)
        if outcome.ok:
            return EXIT_SENT
        return EXIT_AUTH if outcome.kind == "auth_refused" else EXIT_NOT_SENT
    finally:
        await client.aclose()
        if store is not None:
            store.close()
