"""What the stream engine yields: typed ATP events and connection-state changes (no Textual)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the models are imported with the engine, not before the first frame
    from atp_tui.protocol.models import Notification, ServerError

ConnectionKind = Literal[
    "connecting",  # opening a stream (first attempt or after a wait)
    "connected",  # a 200 text/event-stream response is being read
    "reconnecting",  # waiting `retry_in` seconds before attempt number `attempt`
    "polling",  # the server has no SSE: polling the REST endpoint, retrying SSE now and then
    "auth_refused",  # 401/403: stopped until the user gives new credentials
    "failed",  # the server said stop (204, other 2xx) or polling failed too; manual retry only
    "stopped",  # the engine was stopped by its owner
]


#: A TUI key hint in an engine detail ("press r to retry"): meaningless without the TUI.
_KEY_HINT = re.compile(r"\bpress \S+ to (\w+)")
#: What replaces it headless: the command ends on these states, so it is run again.
_HEADLESS_HINT = r"run the command again to \1"


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """The engine's connection state, with what a person needs to understand it."""

    kind: ConnectionKind
    detail: str = ""
    retry_in: float | None = None
    attempt: int = 0
    #: The last attempt could not reach the server at all (DNS, refused, connect timeout).
    offline: bool = False

    def describe(self, *, headless: bool = False) -> str:
        """One human-readable line, e.g. `reconnecting in 6 s (attempt 2): server closed`.

        The engine's details are written for the TUI ("press r to retry"); `headless` (for
        `watch`'s stderr) puts what a shell user can do in place of the key.
        """
        if self.kind == "reconnecting":
            wait = f"{self.retry_in:.0f} s" if self.retry_in is not None else "a moment"
            text = f"reconnecting in {wait} (attempt {self.attempt})"
        else:
            text = self.kind.replace("_", " ")
        detail = _KEY_HINT.sub(_HEADLESS_HINT, self.detail) if headless else self.detail
        return f"{text}: {detail}" if detail else text


@dataclass(slots=True)
class NotificationReceived:
    """A notification seen for the first time (already stored; never yielded twice).

    Not frozen, unlike the other events, though no one changes it: one is made per
    notification on the stream's hot path, and a frozen dataclass's `__init__` sets each
    field through `object.__setattr__` (1.3 µs an event against 0.4).
    """

    notification: Notification
    event_id: str | None
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    #: The payload as one line of JSON ("" when it came from polling).
    raw_json: str = field(repr=False, compare=False, default="")


@dataclass(frozen=True, slots=True)
class NotificationUpdated:
    """A known notification came again with other content (the server re-sent it, changed:
    a new title, deadline or actions). The store holds the new copy; a screen shows it again.
    Never a second arrival: `watch` prints nothing for it (an id is printed once)."""

    notification_id: str
    event_id: str | None


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """A `status_update` that moved a known notification forward (already stored)."""

    notification_id: str
    status: str
    reason: str | None
    event_id: str | None
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServerErrorReceived:
    """An `error` event from the server, to show as a banner."""

    error: ServerError
    event_id: str | None
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventSkipped:
    """An event that could not be used (malformed JSON, wrong schema, oversized)."""

    reason: str
    event_id: str | None


NoticeSeverity = Literal["info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class EngineNotice:
    """Something the user should know that is not an ATP event: state that cannot be saved
    (an error until a later notice says it is saved again), an event id unusable as a cursor."""

    message: str
    severity: NoticeSeverity = "warning"


@dataclass(frozen=True, slots=True)
class ConnectionChanged:
    """The connection state changed."""

    state: ConnectionState


EngineEvent = (
    NotificationReceived
    | NotificationUpdated
    | StatusChanged
    | ServerErrorReceived
    | EventSkipped
    | EngineNotice
    | ConnectionChanged
)
