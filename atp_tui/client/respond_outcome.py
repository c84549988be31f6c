"""What an answer's POST can end in (`RespondOutcome`), and what each outcome does to the
stored notification. Shared by the respond client and the test stand-ins that script it, so
the table has one definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
