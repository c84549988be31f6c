"""Reading one notification from `GET /api/v1/client/notifications/{id}` (cases 80, 83).

`atp-tui respond` validates an answer against what this returns, and the respond client asks it
whether a lost answer got through. Whatever the server sends (an HTML login page, `null`, JSON
nested 100,000 deep, an object without an id, a body echoing the token) ends as a notification
or as one `LookupError` whose message is a single terminal-safe line naming what was wrong and
what to check; never as a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pydantic import ValidationError

from atp_tui.client.exchange import Exchange
from atp_tui.client.http import parse_error_body
from atp_tui.protocol.models import Notification, sanitize_json
from atp_tui.protocol.text import sanitize
from atp_tui.protocol.wire import validate_decoded

#: Bytes of a reply read at most (a notification event is at most 512 KB).
MAX_REPLY_BYTES = 1024 * 1024

_FIX = "check the server URL and any proxy in front of the server"


class CredentialsRefused(LookupError):
    """The server refused the token (401) while fetching a notification."""


class NotificationNotFound(LookupError):
    """The server says the notification does not exist (404)."""


class NotificationUnavailable(LookupError):
    """The notification could not be fetched or is not one; the message says why, on one line."""


def _json_kind(value: object) -> str:
    """How a JSON value that is not an object is named in an error."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    return "a number"


def read_notification(
    exchange: Exchange, notification_id: str, clean: Callable[[str], str]
) -> Notification:
    """The notification a GET returned, or a `LookupError` saying why there is none.

    Raises `CredentialsRefused` (401), `NotificationNotFound` (404) or
    `NotificationUnavailable` (unreachable, no reply in time, another status, or a reply that is
    not this notification). `clean` redacts the token and makes a message terminal-safe; every
    message goes through it because error bodies may echo the request's headers.
    """
    what = f"notification {sanitize(notification_id, limit=80)}"
    response = exchange.response
    if exchange.redirect is not None:
        raise NotificationUnavailable(
            clean(f"cannot fetch {what}: redirected to {exchange.redirect}; check the server URL")
        )
    if response is None:
        raise NotificationUnavailable(clean(f"cannot fetch {what}: {exchange.error}"))
    status = response.status_code
    if status == 404:
        raise NotificationNotFound(clean(f"{what} not found on the server"))
    if status == 401:
        error = parse_error_body(response, exchange.content)
        raise CredentialsRefused(
            clean(
                f"cannot fetch {what}: the server refused the token (401 {error.code}); "
                "check ATP_TOKEN or the settings file"
            )
        )
    if status != 200:
        error = parse_error_body(response, exchange.content)
        raise NotificationUnavailable(
            clean(f"cannot fetch {what}: {status} {error.code} {error.message}".rstrip())
        )
    if exchange.error:
        raise NotificationUnavailable(
            clean(f"cannot fetch {what}: the reply was cut short ({exchange.error})")
        )
    try:
        return _parse(exchange, notification_id, what)
    except NotificationUnavailable as error:
        raise NotificationUnavailable(clean(str(error))) from None


def _parse(exchange: Exchange, notification_id: str, what: str) -> Notification:
    """The notification in a 200 reply's body; `NotificationUnavailable` saying what is wrong."""
    if exchange.truncated:
        raise NotificationUnavailable(
            f"cannot read {what}: the server's reply is larger than "
            f"{MAX_REPLY_BYTES // 1024} KB; {_FIX}"
        )
    try:
        body = json.loads(exchange.content)
    except RecursionError:
        raise NotificationUnavailable(
            f"cannot read {what}: the server's reply is nested too deeply; {_FIX}"
        ) from None
    except ValueError:
        start = exchange.content[:40].decode("utf-8", "replace").strip()
        raise NotificationUnavailable(
            f"cannot read {what}: the server's reply is not JSON (it starts {start!r}); {_FIX}"
        ) from None
    if not isinstance(body, dict):
        raise NotificationUnavailable(
            f"cannot read {what}: the server sent {_json_kind(body)}, not a notification; {_FIX}"
        )
    try:
        # Sanitised (lone surrogates, deep nesting) and read as the stream reads it.
        notification = validate_decoded(Notification, sanitize_json(body))
    except RecursionError:
        raise NotificationUnavailable(
            f"cannot read {what}: the server's reply is nested too deeply; {_FIX}"
        ) from None
    except ValidationError as error:
        problems = error.errors()
        first = problems[0] if problems else None
        where = ".".join(str(part) for part in first["loc"]) if first else ""
        reason = first["msg"] if first else "invalid"
        raise NotificationUnavailable(
            f"cannot read {what}: the server's reply is not a valid notification "
            f"({where or 'the object'}: {reason}); {_FIX}"
        ) from None
    if notification.id != notification_id:
        raise NotificationUnavailable(
            f"cannot read {what}: the server sent notification "
            f"{sanitize(notification.id, limit=80)} instead; {_FIX}"
        )
    return notification
