"""A sliding one-minute window per key, measured on the server's (injectable) clock."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from datetime import datetime

WINDOW_SECONDS = 60.0


class RateLimiter:
    """Allows `limit` hits per key within any 60-second window."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, limit: int) -> int | None:
        """Count one request; `None` when allowed, else the seconds to wait (at least 1)."""
        moment = self._now().timestamp()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= moment - WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= limit:
            return max(1, math.ceil(hits[0] + WINDOW_SECONDS - moment))
        hits.append(moment)
        return None

    def reset(self) -> None:
        """Forget every hit (tests use it between phases)."""
        self._hits.clear()
