"""Who is calling: the user (client endpoints), the admin, or a registered service.

Tokens are compared in constant time and never logged or echoed back.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request

from atp_tui.server.errors import ServerValidationError
from atp_tui.server.state import ServerState, ServiceRecord

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="atp"'}


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _same(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def _refuse(message: str) -> ServerValidationError:
    return ServerValidationError("AUTH_INVALID_TOKEN", message, 401, _CHALLENGE)


def check_user(request: Request, state: ServerState) -> None:
    """Accept the user token from the header (preferred) or the `token` query parameter."""
    given = bearer_token(request)
    if given is None:
        given = request.query_params.get("token")
    if given is None:
        raise _refuse("a user token is required (Authorization: Bearer <token>)")
    if not _same(given, state.config.user_token):
        raise _refuse("the user token is not valid")


def check_admin(request: Request, state: ServerState) -> None:
    """Accept only the admin token, in the header."""
    if not _same(bearer_token(request), state.config.admin_token):
        raise _refuse("the admin token is missing or not valid")


def authenticated_service(request: Request, state: ServerState) -> ServiceRecord:
    """The service whose API key is the bearer token."""
    given = bearer_token(request)
    record = state.service_for_key(given) if given else None
    if record is None:
        raise _refuse("a valid service API key is required (Authorization: Bearer <key>)")
    return record


def enforce_rate_limit(state: ServerState, key: str, limit: int) -> None:
    """Count one request against `key`; raises the 429 refusal when over `limit` per minute."""
    wait = state.limiter.hit(key, limit)
    if wait is not None:
        raise ServerValidationError(
            "RATE_LIMIT_EXCEEDED",
            f"too many requests; retry after {wait} s",
            429,
            {"Retry-After": str(wait)},
        )
