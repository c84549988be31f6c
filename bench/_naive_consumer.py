"""The baseline: the obvious client, httpx-sse + pydantic, printing one JSON line per event."""

from __future__ import annotations

import sys
from typing import Any

import httpx
import httpx_sse
from pydantic import BaseModel


class Service(BaseModel):
    id: str
    name: str


class Context(BaseModel):
    title: str
    description: str = ""
    project: str | None = None
    metadata: dict[str, Any] | None = None


class Action(BaseModel):
    id: str
    label: str
    response_type: str
    options: Any = None
    constraints: Any = None
    flags: list[str] = []


class Notification(BaseModel):
    id: str
    version: str
    timestamp: str
    deadline: str | None = None
    service: Service
    context: Context
    actions: list[Action]
    status: str | None = None


def main(url: str, count: int) -> None:
    seen = 0
    out = sys.stdout
    with httpx.Client(timeout=None) as client:
        with httpx_sse.connect_sse(client, "GET", url + "/api/v1/client/events") as source:
            for event in source.iter_sse():
                if event.event != "notification":
                    continue
                note = Notification.model_validate_json(event.data)
                out.write(
                    f'{{"event":"notification","id":"{event.id}","data":{note.model_dump_json()}}}\n'
                )
                seen += 1
                if seen == count:
                    break
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
