"""What an answer's POST can end in (`RespondOutcome`), and what each outcome does to the
stored notification. Shared by the respond client and the test stand-ins that script it, so
the table has one definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from atp_tui.protocol.lifecycle import ACTIONABLE_STATES
from atp_tui.protocol.text import sanitize

OutcomeKind = Literal[
    "sent",
    "already_responded",
    "expired",
    "invalidated",
    "not_found",
    "refused",
    "auth_refused",
    "failed",
    "unknown",
    "duplicate",
]

#: The lifecycle state an outcome moves the notification to, with the reason shown.
STATE_FOR_OUTCOME: dict[str, tuple[str, str]] = {
    "sent": ("responded", "answered here"),
    "already_responded": ("responded", "answered elsewhere"),
    "expired": ("expired", "deadline passed"),
    "invalidated": ("invalidated", "withdrawn by the agent"),
    # Answers to it are refused from then on (`blocks_answering`): closed everywhere, not an
    # open row that no key can answer (the detail pane, the counts, `list`, `status`).
    "not_found": ("invalidated", "gone: the server no longer has it"),
}

#: The outcome of a `409` by its error code (§1.3); any other code is `refused`.
CONFLICT_OUTCOMES: dict[str, OutcomeKind] = {
    "NOTIFICATION_ALREADY_RESPONDED": "already_responded",
    "NOTIFICATION_EXPIRED": "expired",
    "NOTIFICATION_INVALIDATED": "invalidated",
}


@dataclass(frozen=True, slots=True)
class RespondOutcome:
    """How an answer ended; `message` is fit to show to the user."""

    kind: OutcomeKind
    message: str
    status_code: int | None = None
    responded_at: str | None = None
    #: Nothing was sent because the answer log could not be written first (disk full,
    #: read-only): `respond` exits 4 then, as for a state dir it cannot open.
    state_unavailable: bool = False

    @property
    def ok(self) -> bool:
        """Whether the server has our answer."""
        return self.kind == "sent"


#: Lifecycle states that mean the server holds an answer.
ANSWERED_STATES = frozenset({"responded", "completed"})


def maybe_recorded(status: int) -> bool:
    """Whether a reply with this HTTP status may hide an answer the server recorded: a 408 (a
    proxy's timeout) and every 5xx (a proxy's 502/504 in front of it, or the server failing
    after its commit: a 500 after the answer was stored was then retried, refused as already
    answered, and shown "answered elsewhere"). Each is followed by a check before anything is
    sent again."""
    return status == 408 or status >= 500


def checked_outcome(status: str | None, after: str) -> RespondOutcome | None:
    """What the notification's state, fetched to check an uncertain answer, says became of
    it; `None` when it is still open (the answer did not land). `after` says what made it
    uncertain (`after a lost reply`, `after a 503`)."""
    if status in ANSWERED_STATES:
        return RespondOutcome("sent", f"answer confirmed {after}")
    if status == "expired":
        return RespondOutcome("expired", f"deadline passed (checked {after})")
    if status == "invalidated":
        return RespondOutcome("invalidated", f"withdrawn by the agent (checked {after})")
    if status in ACTIONABLE_STATES:
        return None
    shown = f"as {sanitize(status, limit=40)!r}" if status else "without a status"
    return RespondOutcome("unknown", f"the server shows the notification {shown}")
