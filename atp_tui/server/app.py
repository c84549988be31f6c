"""The Starlette application: routes, JSON error pages, access log, background loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atp_tui.server import client_api, service_api
from atp_tui.server.config import ServerConfig
from atp_tui.server.demo import DemoAgents
from atp_tui.server.errors import error_response
from atp_tui.server.sse import events_endpoint
from atp_tui.server.state import ServerState

logger = logging.getLogger("atp_tui.server")
access_logger = logging.getLogger("atp_tui.server.access")

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


class AccessLogMiddleware:
    """One log line per request: method, path (never the query string: it may hold a token)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                access_logger.info("%s %s %d", scope["method"], scope["path"], message["status"])
            await send(message)

        await self.app(scope, receive, send_logged)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes and methods get the same JSON error body as everything else."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = _HTTP_CODES.get(status, "HTTP_ERROR")
    return error_response(status, code, f"{request.method} {request.url.path}: {code.lower()}")


async def expiry_loop(state: ServerState) -> None:
    """Expire notifications whose deadline passed, every `expiry_check_interval` seconds."""
    while True:
        state.expire_due()
        await asyncio.sleep(state.config.expiry_check_interval)


def create_app(config: ServerConfig | None = None, state: ServerState | None = None) -> Starlette:
    """Build the ASGI app; `app.state.atp` is the `ServerState`.

    The expiry loop and (when `config.demo_agents`) the demo agents run during the lifespan.
    When both are given, `config` replaces the state's own config.
    """
    if state is None:
        state = ServerState(config)
    elif config is not None:
        state.apply_config(config)
    routes = [
        Route("/api/v1/client/events", events_endpoint, methods=["GET"]),
        Route("/api/v1/client/notifications", client_api.list_notifications, methods=["GET"]),
        Route(
            "/api/v1/client/notifications/{notification_id}",
            client_api.get_notification,
            methods=["GET"],
        ),
        Route("/api/v1/client/respond", client_api.respond, methods=["POST"]),
        Route("/api/v1/services", service_api.register_service, methods=["POST"]),
        Route("/api/v1/notifications", service_api.submit_notification, methods=["POST"]),
        Route(
            "/api/v1/notifications/{notification_id}",
            service_api.update_notification,
            methods=["PATCH"],
        ),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tasks: list[asyncio.Task[Any]] = [asyncio.create_task(expiry_loop(state))]
        if state.config.demo_agents:
            agents = DemoAgents(state, seed=state.config.demo_seed)
            tasks.append(asyncio.create_task(agents.run(state.config.demo_interval)))
        try:
            yield
        finally:
            state.begin_shutdown()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await state.cancel_background()

    app = Starlette(
        routes=routes,
        middleware=[Middleware(AccessLogMiddleware)],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.atp = state
    return app
