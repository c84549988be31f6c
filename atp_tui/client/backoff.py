"""Reconnection delays: server `retry:` base, doubling with jitter, a cap, and `Retry-After` floors.

Policy (SSE-CLIENT-RULES.md, "Backoff policy"): base = server `retry:` (default 3 s) clamped to
[0.5 s, 60 s]; ×2 per failed attempt; cap 30 s; jitter subtracts a uniform 0–50 %. Only progress
(a connection that delivered a new event, or stayed up 60 s) resets the attempt count: a `retry:`
changes the base but never resets it, so a server that hints `retry: 0` and hangs up at once
cannot make us spin.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from atp_tui.protocol.clock import Clock

DEFAULT_BASE = 3.0
MIN_BASE = 0.5
MAX_BASE = 60.0
CAP = 30.0
#: `Retry-After` values beyond this are clamped (a server asking for a day is shown 10 min).
RETRY_AFTER_CAP = 600.0
#: A connection that stayed up this long counts as progress.
STABLE_AFTER = 60.0


class Backoff:
    """Computes the wait before the next connection attempt."""

    def __init__(self, clock: Clock, *, base: float = DEFAULT_BASE, jitter: bool = True) -> None:
        self._clock = clock
        self._jitter = jitter
        self.base = base
        self.attempt = 0

    def set_retry_ms(self, retry_ms: int) -> None:
        """Apply a server `retry:` hint as the new base (clamped); the attempt count stays."""
        self.base = min(MAX_BASE, max(MIN_BASE, retry_ms / 1000))

    def reset(self) -> None:
        """Progress was made: the next wait is back to the base."""
        self.attempt = 0

    def next_delay(self, floor: float = 0.0) -> float:
        """The wait before the next attempt, counting this as one more failure.

        `floor` is a `Retry-After` the server asked for; it is never shortened.
        """
        ceiling = max(CAP, self.base)
        delay = min(ceiling, self.base * 2 ** min(self.attempt, 16))
        if self._jitter:
            delay -= delay * 0.5 * self._clock.random()
        self.attempt += 1
        return float(max(delay, min(floor, RETRY_AFTER_CAP)))

    def cap_delay(self) -> float:
        """The wait for failures that retrying soon cannot fix (certificate errors)."""
        self.attempt += 1
        return max(CAP, self.base)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or `None`.

    Negative or garbage values give `None` (fall back to the backoff); huge ones are capped.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), RETRY_AFTER_CAP)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - now).total_seconds()
    return min(seconds, RETRY_AFTER_CAP) if seconds >= 0 else None
