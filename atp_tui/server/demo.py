"""Demo agents: a handful of named services that keep a demo inbox busy.

On start they seed one notification per template at once (so the inbox is never empty), then
send one every `interval` seconds on average; every fifth tick one of them withdraws an open
request. Given a seed, the content (ids included) is the same from run to run.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import timedelta
from typing import Any

from atp_tui.protocol.lifecycle import ACTIONABLE_STATES
from atp_tui.server.demo_content import DEMO_SERVICES, INVALIDATION_REASONS, TEMPLATES
from atp_tui.server.events import isoformat
from atp_tui.server.state import ServerState

#: Every fifth tick, an agent withdraws one of its open requests.
INVALIDATE_EVERY = 5


class DemoAgents:
    """Generates notifications from the demo services into a `ServerState`."""

    def __init__(self, state: ServerState, *, seed: int | None = None) -> None:
        self.state = state
        self.rng = random.Random(seed)
        self.ticks = 0
        self.sent: list[str] = []

    def register(self) -> None:
        """Register the demo services (once) under their names."""
        for service_id, name, description in DEMO_SERVICES:
            if service_id not in self.state.services:
                self.state.register_service(name, description=description, service_id=service_id)

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def send(self, template_index: int | None = None, *, age_minutes: float = 0) -> dict[str, Any]:
        """Send one notification from a template (random when not given)."""
        self.register()
        index = self.rng.randrange(len(TEMPLATES)) if template_index is None else template_index
        now = self.state.now()
        service_id, body = TEMPLATES[index](self.rng, now)
        body["id"] = self._new_id()
        if age_minutes:
            body["timestamp"] = isoformat(now - timedelta(minutes=age_minutes))
        notification = self.state.add_notification(body, service_id)
        self.sent.append(notification["id"])
        return notification

    def seed_inbox(self) -> list[dict[str, Any]]:
        """One notification per template, with creation times spread over the last hours."""
        ages = sorted((self.rng.uniform(1, 240) for _ in TEMPLATES), reverse=True)
        return [self.send(index, age_minutes=age) for index, age in enumerate(ages)]

    def invalidate_one(self) -> str | None:
        """Withdraw a random open demo notification; returns its id, if there was one."""
        open_ids = [
            notification_id
            for notification_id in self.sent
            if self.state.notifications[notification_id]["status"] in ACTIONABLE_STATES
        ]
        if not open_ids:
            return None
        chosen = self.rng.choice(open_ids)
        self.state.invalidate(chosen, self.rng.choice(INVALIDATION_REASONS))
        return chosen

    def tick(self) -> dict[str, Any]:
        """One step of the demo: a new notification, and now and then a withdrawal."""
        self.ticks += 1
        notification = self.send()
        if self.ticks % INVALIDATE_EVERY == 0:
            self.invalidate_one()
        return notification

    async def run(self, interval: float) -> None:
        """Seed the inbox, then tick forever at randomised intervals around `interval`."""
        self.seed_inbox()
        while True:
            await asyncio.sleep(interval * self.rng.uniform(0.5, 1.5))
            self.tick()
