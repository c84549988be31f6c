"""Error bodies of the reference server: `{"error": {"code", "message", "request_id"}}`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


class ServerValidationError(Exception):
    """A request the server refuses: the ATP error `code`, a readable `message`, an HTTP status."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.headers = dict(headers or {})


def new_request_id() -> str:
    """A short id that names one request in an error body (and nowhere secret)."""
    return f"req_{uuid.uuid4().hex[:16]}"


def error_response(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The JSON error response every endpoint uses."""
    body = {"error": {"code": code, "message": message, "request_id": new_request_id()}}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def response_for(error: ServerValidationError) -> JSONResponse:
    """The error response for a refused request."""
    return error_response(error.status, error.code, error.message, error.headers)


async def read_json(request: Request) -> Any:
    """The request body parsed as strict JSON; 400 `INVALID_REQUEST` when it is not JSON."""
    raw = await request.body()
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ServerValidationError("INVALID_REQUEST", "the body is not valid JSON", 400) from None
    ensure_encodable(value)
    return value


def ensure_encodable(value: Any) -> None:
    """Refuse JSON that cannot be re-encoded as UTF-8.

    A `\\ud800` escape decodes to a lone surrogate; stored, it would break every later
    response or stream that carries it.
    """
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        message = "the body contains a lone UTF-16 surrogate escape"
        raise ServerValidationError("INVALID_REQUEST", message, 400) from None
    except (ValueError, RecursionError):
        raise ServerValidationError("INVALID_REQUEST", "the body is not valid JSON", 400) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")
