"""Shared HTTP plumbing for the stream, polling and respond clients: paths, headers, errors.

The token only ever travels in the `Authorization` header (httpx redacts it in reprs and never
logs headers), unless the user explicitly enables the query form for a proxy that strips headers.
"""

from __future__ import annotations

import json
import socket
import ssl
import zlib
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import httpx

from atp_tui import __version__
from atp_tui.client.tls import tls_context
from atp_tui.client.urls import ConfigError as ConfigError  # re-exported
from atp_tui.client.urls import check_server_url as check_server_url  # re-exported
from atp_tui.protocol.models import ServerError

_E = TypeVar("_E", bound=BaseException)

EVENTS_PATH = "/api/v1/client/events"
NOTIFICATIONS_PATH = "/api/v1/client/notifications"
RESPOND_PATH = "/api/v1/client/respond"

USER_AGENT = f"atp-tui/{__version__}"

#: Seconds for the TCP connect and the TLS handshake (SSE-CLIENT-RULES.md, "Backoff policy").
CONNECT_TIMEOUT = 10.0
#: The most bytes of a response body handed on at once, however much the server compressed it.
BODY_PIECE_BYTES = 64 * 1024


class InsecureRedirect(httpx.RequestError):
    """A redirect from https to plain http, which we never follow."""


class BrokenRedirect(httpx.RequestError):
    """A redirect whose `Location` cannot be parsed or used (case 77)."""


class BodyRefused(httpx.DecodingError):
    """A response body we will not decode: an unsupported or corrupt `Content-Encoding`."""


async def _check_redirect(response: httpx.Response) -> None:
    """Response hook: refuse a redirect whose target is unusable or downgrades https to http.

    httpx runs response hooks before it builds the redirect request, so the target is computed
    from `Location` here. An unparseable `Location` must surface as an `httpx.RequestError`:
    httpx's own `InvalidURL` is not an `HTTPError`, and a valid-looking URL with an impossible
    port makes the connect raise an `ExceptionGroup`; callers that catch `httpx.HTTPError`
    would let either escape (case 77).
    """
    location = response.headers.get("location")
    if not response.is_redirect or not location:
        return
    status = response.status_code
    try:
        target = response.url.join(location)
        port = target.port
    except (httpx.InvalidURL, ValueError):
        # The Location text stays out of the message: it is the server's, and may echo a query.
        raise BrokenRedirect(
            f"redirect ({status}) to an unparseable Location header; fix the server or its proxy",
            request=response.request,
        ) from None
    if port is not None and not 0 < port < 65536:
        raise BrokenRedirect(
            f"redirect ({status}) to an impossible port ({port}); fix the server or its proxy",
            request=response.request,
        )
    if response.url.scheme == "https" and target.scheme == "http":
        raise InsecureRedirect(
            f"refused a redirect from https to http ({target.host}); fix the server URL",
            request=response.request,
        )


def make_http_client(
    *,
    read_timeout: float | None = 30.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An httpx client with our timeouts; httpx's 5 s default would kill quiet streams."""
    verify: ssl.SSLContext | bool = True
    if transport is None:  # a given transport brings its own TLS settings
        verify = tls_context()
    return httpx.AsyncClient(
        verify=verify,
        timeout=httpx.Timeout(
            connect=CONNECT_TIMEOUT, read=read_timeout, write=5.0, pool=CONNECT_TIMEOUT
        ),
        follow_redirects=True,
        max_redirects=10,
        headers={"User-Agent": USER_AGENT},
        event_hooks={"response": [_check_redirect]},
        transport=transport,
    )


def auth_headers(token: str) -> dict[str, str]:
    """The bearer header for a user token."""
    return {"Authorization": f"Bearer {token}"}


def is_event_stream(content_type: str | None) -> bool:
    """Whether a Content-Type's MIME essence is `text/event-stream` (parameters ignored)."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "text/event-stream"


#: `Content-Encoding` values we decode ourselves, with the zlib window bits for each
#: (32 + MAX_WBITS accepts a zlib or a gzip header, as servers disagree on what deflate means).
_ZLIB_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": 32 + zlib.MAX_WBITS,
}


def body_encoding(response: httpx.Response) -> str | None:
    """The response's compression (`gzip`, `x-gzip`, `deflate`) or `None` for a plain body.

    Raises `BodyRefused` for anything else, a list of encodings included: decoding each layer
    in bounded pieces is more than a stream that asked for `identity` should need.
    """
    value: str = response.headers.get("content-encoding", "").strip().lower()
    if value in ("", "identity"):
        return None
    if value in _ZLIB_WBITS:
        return value
    raise BodyRefused(
        f"server sent an unsupported Content-Encoding ({value[:40]!r}); "
        "atp-tui asks for an uncompressed stream",
        request=response.request,
    )


async def aiter_body_pieces(
    response: httpx.Response, piece: int = BODY_PIECE_BYTES
) -> AsyncIterator[bytes]:
    """The decoded body in pieces of at most `piece` bytes, however much it was compressed.

    httpx's own decoders inflate each network read in one go, so 64 KiB of gzip-compressed
    newlines become 64 MB at once (case 78). Here zlib's `max_length` bounds every piece, so
    whatever consumes them (the SSE decoder and its line and event caps) sees decompressed
    data exactly as it would see raw bytes. Corrupt compressed data raises `BodyRefused`.
    """
    encoding = body_encoding(response)
    if encoding is None:
        async for chunk in response.aiter_raw():
            if len(chunk) <= piece:
                yield chunk
                continue
            for start in range(0, len(chunk), piece):
                yield chunk[start : start + piece]
        return
    inflater = zlib.decompressobj(_ZLIB_WBITS[encoding])
    async for chunk in response.aiter_raw():
        data = chunk
        while not inflater.eof:
            try:
                out = inflater.decompress(data, piece)
            except zlib.error as error:
                raise BodyRefused(
                    f"server sent a corrupt {encoding} body ({error})", request=response.request
                ) from None
            if out:
                yield out
            data = inflater.unconsumed_tail
            # A piece cut at the limit may leave output inside zlib even when no input is
            # left, so only a short piece with no input left means "this chunk is done".
            if not data and len(out) < piece:
                break


def parse_error_body(response: httpx.Response, content: bytes | None = None) -> ServerError:
    """The ATP error of a response, bare or wrapped in `{"error": ...}`; a stand-in if none.

    `content` is the body when it was read separately (a streamed response).
    """
    if content is None:
        content = response.content
    try:
        body: Any = json.loads(content) if content else None
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict) and ("code" in body or "message" in body):
        try:
            return ServerError.model_validate(body)
        except ValueError:
            pass
    return ServerError(code=f"HTTP_{response.status_code}", message=response.reason_phrase or "")


def _cause_of_type(error: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of `kind` in `error`'s cause/context chain (httpx wraps OSErrors)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def describe_transport_error(error: BaseException) -> str:
    """A short human description of a network failure (never includes the URL's query)."""
    if isinstance(error, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(error, httpx.ConnectError):
        text = str(error).lower()
        if "certificate" in text or "ssl" in text or "tls" in text:
            return f"certificate problem: {error}"
        lookup = _cause_of_type(error, socket.gaierror)
        if lookup is not None and lookup.errno == socket.EAI_AGAIN:
            return "DNS lookup failed (the resolver did not answer)"
        if lookup is not None or "name or service" in text or "nodename" in text:
            return "server name not found (DNS)"
        if "refused" in text:
            return "connection refused"
        return "cannot connect"
    if isinstance(error, httpx.ReadTimeout):
        return "read timed out"
    if isinstance(error, httpx.RemoteProtocolError):
        return "server closed the connection"
    if isinstance(error, httpx.ReadError):
        return "connection reset"
    if isinstance(error, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(error, InsecureRedirect | BrokenRedirect | BodyRefused):
        return str(error)
    if not isinstance(error, httpx.HTTPError | OSError):
        # Not a network failure at all: name it, never its text (it may quote a URL).
        return f"unexpected error ({type(error).__name__})"
    return type(error).__name__


def is_certificate_error(error: BaseException) -> bool:
    """TLS verification failures are not transient: retry only at the cap interval."""
    return isinstance(error, httpx.ConnectError) and "certificate" in str(error).lower()
