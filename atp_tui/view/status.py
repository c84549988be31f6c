"""Whether a notification is open or closed, and why: the one definition the UI uses.

A notification is *closed* once it takes no more answers: the server moved it to `responded`,
`completed`, `expired` or `invalidated`, or its deadline passed on the client's clock while the
server had not said so yet. Closed items sort after every open one, can be hidden, show no
running countdown and no "answer with 1–9" hint, and are not counted as unread. Plain
functions over the store's `StoredNotification` (no Textual), so the rules are tested without
an app and the inbox, the detail pane, the counts and Enter all agree.
"""

from __future__ import annotations

from datetime import datetime

from atp_tui.client.respond_outcome import RespondOutcome
from atp_tui.protocol.lifecycle import is_actionable
from atp_tui.store import StoredNotification

#: Server states that close a notification for good (`responded` is "answered").
CLOSED_STATUSES: frozenset[str] = frozenset({"responded", "completed", "expired", "invalidated"})


def effective_status(item: StoredNotification) -> str | None:
    """The item's lifecycle state: the merged status, else the one its payload carried."""
    return item.status or item.summary.status


def is_closed(item: StoredNotification, now: datetime) -> bool:
    """Whether the item takes no more answers at `now` (its state, or its deadline passed)."""
    return not is_actionable(effective_status(item), item.summary.deadline, now)


def item_actionable(item: StoredNotification, now: datetime) -> bool:
    """Whether the lifecycle (stored state and the client clock) still allows answers."""
    return not is_closed(item, now)


def closed_reason(item: StoredNotification, now: datetime) -> str:
    """Why an item takes no answers, e.g. `invalidated: replaced by a newer build`; "" when
    it is open."""
    status = effective_status(item)
    if status in CLOSED_STATUSES:
        if status == "responded":
            reason = item.status_reason or ""
            return reason if reason.startswith("answered") else f"answered {reason}".rstrip()
        return f"{status}: {item.status_reason}" if item.status_reason else str(status)
    if is_closed(item, now):
        return "expired: the deadline passed"
    return ""


def answer_cut_short(item: StoredNotification, now: datetime) -> RespondOutcome | None:
    """For `RespondClient.respond(closed=…)`, asked before each POST: the outcome an answer
    being sent to `item` ends with once the screen knows it expired (its state, or the client
    clock) or was withdrawn; `None` otherwise. An item shown answered is left to the server's
    reply and the check after it: the answer it shows may be this one, recorded before its
    reply was lost."""
    status = effective_status(item)
    # The messages follow the outcome's own word ("expired: the deadline passed; …").
    if status == "invalidated":
        return RespondOutcome("invalidated", item.status_reason or "withdrawn by the agent")
    if status == "expired":
        return RespondOutcome("expired", item.status_reason or "the server says so")
    if status not in CLOSED_STATUSES and is_closed(item, now):
        return RespondOutcome("expired", "the deadline passed")
    return None


def nothing_to_answer(item: StoredNotification, now: datetime) -> str:
    """What Enter on a closed item says instead of opening its actions, in one line:
    `expired 12m ago: nothing to answer`, `answered in the web UI: nothing to answer`.

    The moment is known for a deadline only (the store keeps no time for status changes), so
    only an expiry says how long ago it was.
    """
    status = effective_status(item)
    deadline = item.summary.deadline
    if status == "expired" or status not in CLOSED_STATUSES:  # by state, or by the clock
        if deadline is not None and deadline <= now:
            return f"expired {_ago(deadline, now)}: nothing to answer"
        return "expired: nothing to answer"
    return f"{closed_reason(item, now) or 'closed'}: nothing to answer"


def _ago(moment: datetime, now: datetime) -> str:
    """`just now`, `12 min ago`, `3 h ago`, `2 days ago` (whole units, cut)."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"
