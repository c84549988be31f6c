"""Fault injection for tests: answer the next requests with chosen statuses, or hang up.

`ServerState.respond_faults` and `ServerState.stream_faults` hold status codes consumed one per
request. A non-zero code is answered with that status and a plain error body (`Retry-After: 1`
on 429/503). Code 0 closes the TCP connection without a reply: the runner gives the state a
`connection_dropper` that aborts the transport of the client's address inside uvicorn.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from atp_tui.server.errors import error_response
from atp_tui.server.state import ServerState

logger = logging.getLogger(__name__)

_CODES = {429: "RATE_LIMIT_EXCEEDED", 503: "SERVICE_UNAVAILABLE", 500: "INTERNAL_ERROR"}


def fault_response(status: int) -> Response:
    """The injected error reply for `status`."""
    headers = {"Retry-After": "1"} if status in (429, 503) else None
    code = _CODES.get(status, "INJECTED_FAULT")
    return error_response(status, code, f"injected fault {status}", headers)


class _UnfinishedResponse(Response):
    """Starts a response and never finishes it, so the server closes the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )


async def drop_connection(request: Request, state: ServerState) -> Response:
    """Close the client's connection without any reply (the reply is "lost").

    Without a `connection_dropper` (an ASGI server other than our runner), or when the
    connection cannot be found, the fallback starts a response and abandons it: the client
    sees headers and then a closed connection, which is also a lost reply.
    """
    dropper = state.connection_dropper
    if dropper is not None and dropper(request.scope.get("client")):
        await asyncio.sleep(0)  # let the transport report the loss before anything is sent
        return Response(status_code=204)
    logger.debug("connection dropper unavailable; abandoning the response instead")
    return _UnfinishedResponse()
