"""What the inbox reads of every notification, without the full model (no pydantic needed).

A parsed `Notification` is ≈ 4.6 KB of pydantic objects; an inbox of 50,000 kept them all and
used ≈ 330 MB. Every row, its sort key, the filter and the status bar's counts need only a few
fields: those are a `NotificationSummary` (≈ 0.3 KB). The full model is parsed from the stored
JSON when something needs it (the detail pane, an answer) and a few recent ones are cached
(`Store`). The summary is taken from the validated model, so it shows exactly what the model
would (fallback titles, numbers as text, lenient timestamps), and it is stored next to the
payload so that opening a cached inbox needs neither pydantic nor validation.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

#: How much of the description the summary keeps: what the inbox filter searches.
DESCRIPTION_HEAD = 280


def shared_text(text: str | None) -> str | None:
    """One string object per distinct service, project and status across the whole inbox
    (a fleet has a few of each, 50,000 copies of them cost ≈ 7 MB; the same for the stored
    states and their reasons)."""
    return sys.intern(text) if type(text) is str else text


@dataclass(frozen=True, slots=True)
class NotificationSummary:
    """The fields of a notification that the inbox shows, sorts, filters and counts by."""

    id: str
    title: str
    service: str
    project: str | None
    #: The payload's own `status` field (the client's merged state is kept beside it).
    status: str | None
    deadline: datetime | None
    timestamp: datetime | None
    #: The start of the description, for the filter (`DESCRIPTION_HEAD` characters); `None`
    #: where a store left it in its database (`from_json(keep_head=False)`): the largest
    #: part of a summary with long descriptions, and only the filter reads it.
    description_head: str | None

    @classmethod
    def of(cls, notification: Notification) -> NotificationSummary:
        """The summary of a validated notification."""
        context = notification.context
        return cls(
            notification.id,
            context.title,
            sys.intern(notification.service.name),
            shared_text(context.project),
            shared_text(notification.status),
            notification.deadline,
            notification.timestamp,
            context.description[:DESCRIPTION_HEAD],
        )

    def shows_as(self, other: NotificationSummary) -> bool:
        """Whether `other` shows as this summary does: the same content (its `status` aside:
        a state is the lifecycle's to move), the description head too unless this one left
        it in the database (`from_json(keep_head=False)`)."""
        head = other.description_head if self.description_head is not None else None
        return self == replace(other, status=self.status, description_head=head)

    def to_json(self) -> str:
        """One line of JSON, stored beside the payload (`from_json` reads it back); only a
        summary that holds its description head can be written."""
        if self.description_head is None:
            raise ValueError(f"the summary of {self.id!r} does not hold its description head")
        return json.dumps(
            [
                self.id,
                self.title,
                self.service,
                self.project,
                self.status,
                self.deadline.isoformat() if self.deadline else None,
                self.timestamp.isoformat() if self.timestamp else None,
                self.description_head,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def from_json(
        cls, text: str, *, known_id: str | None = None, keep_head: bool = True
    ) -> NotificationSummary:
        """Read `to_json`'s text; `ValueError` when it is not one (the payload is parsed then).

        `known_id`: the id the caller already holds (the row's key); an equal id in the text
        shares that string rather than keeping a second copy (≈ 4 MB at 60,000 items).
        `keep_head=False` checks the description head but leaves it out (`None`): a store
        reads it again when the filter needs it (≈ 16–26 MB at 50,000 items).
        """
        try:
            fields = json.loads(text)
            nid, title, service, project, status, deadline, timestamp, head = fields
            if known_id is not None and nid == known_id:
                nid = known_id
            summary = cls(
                nid,
                title,
                shared_text(service) or "",
                shared_text(project),
                shared_text(status),
                datetime.fromisoformat(deadline) if deadline else None,
                datetime.fromisoformat(timestamp) if timestamp else None,
                head if keep_head else None,
            )
        except (TypeError, ValueError) as error:  # JSONDecodeError is a ValueError
            raise ValueError(f"unreadable notification summary: {error}") from error
        texts = (summary.id, summary.title, summary.service, head)
        optional = (summary.project, summary.status)
        if not all(isinstance(value, str) for value in texts) or not all(
            value is None or isinstance(value, str) for value in optional
        ):
            raise ValueError("unreadable notification summary: a field has the wrong type")
        return summary
