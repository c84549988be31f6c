"""Messages that cross the widget tree (widget-local ones are nested in their widget)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class ActionChosen(Message):
    """The user picked action number `number` (1-based) of notification `notification_id`."""

    notification_id: str
    number: int
