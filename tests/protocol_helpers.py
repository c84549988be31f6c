"""Shared values for the `test_protocol_*` modules: a fixed moment, the two error codes of
response data, and a parsed notification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from atp_tui.protocol import Notification
from atp_tui.protocol.responses import CONSTRAINT_VIOLATION, INVALID_RESPONSE_DATA
from tests.hostile import notification

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SHAPE = INVALID_RESPONSE_DATA
LIMIT = CONSTRAINT_VIOLATION


def _notification(**extra: Any) -> Notification:
    """Notification "n1" (`tests.hostile.notification` with `extra`), parsed."""
    return Notification.model_validate(notification("n1", **extra))
