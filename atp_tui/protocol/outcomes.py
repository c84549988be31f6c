"""What an answer's outcome is called, in the TUI and on the command line alike (no Textual).

The response log (`Store.responses()`) holds the respond client's outcome kinds (`sent`,
`already_responded`, `unknown`, …) and two in-flight ones: `sending` (written before every POST
and replaced by the outcome once it is known) and `retrying`. A `sending` or `retrying` row that
is the last one for a notification was left by a process that ended mid-answer: the POST may
have reached the server, so the next answer checks with the server before it sends.

One table of words here keeps the inbox (`atp_tui.view.items`), `history`, `handover` and
`respond` from drifting apart: a person reading the shell output and the TUI sees the same word
for the same thing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

#: What the answer state of an item is, as the TUI tells its rows apart.
AnswerKind = Literal["pending", "retrying", "sent", "elsewhere", "refused", "failed", "closed"]

#: Response-log outcomes (the respond client's kinds) and the answer state each one means.
OUTCOME_KINDS: dict[str, AnswerKind] = {
    "sent": "sent",
    "already_responded": "elsewhere",
    "expired": "closed",
    "invalidated": "closed",
    "not_found": "closed",
    "refused": "refused",
    "auth_refused": "refused",
    "failed": "failed",
    # Not blocking: the respond client checks with the server before it sends again.
    "unknown": "failed",
}

#: Log rows of an answer still on its way: the outcome is not known yet.
IN_FLIGHT_OUTCOMES = frozenset({"sending", "retrying"})
#: Outcomes after which the server may hold an answer this client never heard about.
UNSETTLED_OUTCOMES = IN_FLIGHT_OUTCOMES | {"unknown"}

#: How a trailing `sending`/`retrying` row reads once the process that wrote it has ended.
PENDING_WORDS = "pending (not confirmed: the next answer checks with the server first)"

#: The words for each outcome: those of the TUI's answer line (`outcome_text`), without the
#: server's message. Kinds not listed read as `failed`, as the TUI shows them.
OUTCOME_WORDS: dict[str, str] = {
    "sent": "sent",
    "already_responded": "answered elsewhere",
    "expired": "expired",
    "invalidated": "invalidated",
    "not_found": "gone",
    "refused": "refused",
    "auth_refused": "refused",
    "failed": "failed",
    "unknown": "outcome unknown",
    "sending": PENDING_WORDS,
    "retrying": PENDING_WORDS,
}


def outcome_words(kind: str) -> str:
    """The words for a response-log outcome, e.g. `answered elsewhere`, `outcome unknown`."""
    return OUTCOME_WORDS.get(kind, "failed")


def outcome_text(kind: str, message: str, at: datetime) -> str:
    """The TUI's answer line for a final outcome: `sent at 14:02:11`, `gone: no such id`, …

    A kind that is not a final outcome reads as a failure, as it always has in the inbox.
    """
    words = outcome_words(kind) if kind in OUTCOME_KINDS else "failed"
    if kind == "sent":
        return f"sent at {at.astimezone().strftime('%H:%M:%S')}"
    if kind == "already_responded":
        return words
    return f"{words}: {message}"
