"""One bounded HTTP exchange for the respond client (SSE-CLIENT-RULES.md cases 75–77, 79).

`bounded_exchange` sends one request and never raises for network trouble: it returns what
happened as an `Exchange`. Three promises:

- **It ends.** One deadline covers connect, TLS, the request, the reply's headers and its body;
  httpx's own timeouts are per phase (a server trickling one header byte a second never trips
  a read timeout), so an `asyncio.timeout` bounds the whole of it.
- **It says whether the answer may have arrived.** httpcore's `trace` extension reports when the
  request body starts to go out; a failure before that (refused connection, a deadline hit
  while connecting) sent nothing and may be retried freely, a failure after it leaves the
  outcome unknown (`maybe_delivered`).
- **It reads at most `max_bytes` of the reply** (decompressed), so a huge or endless body costs
  neither memory nor more than the deadline.

Redirects are followed only when the caller asks (`follow_redirects`): the respond POST never
follows one (case 75), and a redirect httpx cannot even build (an unparseable `Location`, or the
shared client's refusal of https → http) comes back as `redirect`, never as an exception.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from atp_tui.client.http import (
    BrokenRedirect,
    InsecureRedirect,
    aiter_body_pieces,
    auth_headers,
    describe_transport_error,
)

#: The prefix httpx gives a redirect whose `Location` it cannot parse.
_BAD_LOCATION = "invalid url in location header"


@dataclass(slots=True)
class Exchange:
    """What one request came to; `response` is set when the reply's headers arrived."""

    response: httpx.Response | None = None
    #: The reply body as read (at most the cap; possibly cut short by the deadline or an error).
    content: bytes = b""
    #: Whether the body was longer than the cap (only its start is in `content`).
    truncated: bool = False
    #: Why no (complete) reply arrived, in words fit for the user; "" when all went well.
    error: str = ""
    #: Whether the request body may have reached the server although no reply came back.
    maybe_delivered: bool = False
    #: A redirect that was refused before any request followed it, described for the user.
    redirect: str | None = None


class _Progress:
    """Follows httpcore's trace events for one request: has the body started going out, and
    which `Location` did the last reply name?"""

    def __init__(self) -> None:
        self.traced = False
        self.body_started = False
        self.location: str | None = None

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        self.traced = True
        # "http11.send_request_body.started" (or http2's): from here on the server may hold
        # the whole request even if we never hear back.
        if "send_request_body" in event:
            self.body_started = True
        elif event.endswith("receive_response_headers.complete"):
            # Kept because httpx may reject a `Location` before we see the response (it
            # builds the next request even when not following): the user is told what it was.
            self.location = _location_of(info.get("return_value"))

    def maybe_sent(self, error: BaseException) -> bool:
        """Whether a request that failed with `error` may have reached the server."""
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return False  # no connection, nothing written
        if self.traced:
            return self.body_started
        # A transport that does not trace (a test double): assume the worst.
        return True


def _location_of(head: object) -> str | None:
    """The `Location` in httpcore's (version, status, reason, headers) reply head, if any."""
    if not isinstance(head, tuple) or len(head) != 4 or not isinstance(head[3], list):
        return None
    for pair in head[3]:
        if isinstance(pair, tuple) and len(pair) == 2 and bytes(pair[0]).lower() == b"location":
            return bytes(pair[1]).decode("latin-1")
    return None


def _unparseable(location: str | None) -> str:
    """How a redirect to a `Location` httpx cannot parse is described (raw; callers sanitize)."""
    return f"{location} (an unparseable location)" if location else "an unparseable location"


async def read_capped(response: httpx.Response, max_bytes: int, into: bytearray) -> bool:
    """Append the body to `into`, stopping at `max_bytes` (decompressed); whether it was cut.

    Appending to the caller's buffer (not returning bytes) keeps what arrived when the
    deadline cancels the read half-way.
    """
    async for chunk in aiter_body_pieces(response):  # inflated in bounded pieces (case 78)
        room = max_bytes - len(into)
        if len(chunk) > room:
            into += chunk[:room]
            return True
        into += chunk
    return False


async def bounded_exchange(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    token: str,
    payload: Any = None,
    follow_redirects: bool,
    deadline: float,
    max_bytes: int,
) -> Exchange:
    """Send one request with a deadline for all of it; see the module docstring."""
    result = Exchange()
    progress = _Progress()
    body = bytearray()
    try:
        request = client.build_request(
            method,
            url,
            json=payload,
            headers=auth_headers(token),
            extensions={"trace": progress},
        )
    except httpx.InvalidURL as error:  # an id or server URL httpx cannot encode
        result.error = f"invalid URL ({error})"
        return result
    try:
        async with asyncio.timeout(deadline):
            response = await client.send(request, stream=True, follow_redirects=follow_redirects)
            result.response = response
            try:
                result.truncated = await read_capped(response, max_bytes, body)
            finally:
                await response.aclose()
    except TimeoutError:
        result.error = f"no complete reply within {deadline:g} s"
        result.maybe_delivered = result.response is None and progress.maybe_sent(TimeoutError())
    except InsecureRedirect:
        # The shared client's hook refuses https → http before any request follows it.
        where = progress.location or "an http:// address"
        result.redirect = f"{where} (plain http, never followed from https)"
    except (httpx.InvalidURL, BrokenRedirect):
        # Raised while resolving a `Location` (our URLs are checked before any request): by
        # httpx itself, or by the shared client's hook (case 77), even when not following.
        result.redirect = _unparseable(progress.location)
    except httpx.HTTPError as error:
        if _BAD_LOCATION in str(error).lower():
            result.redirect = _unparseable(progress.location)
        else:
            result.error = describe_transport_error(error)
            result.maybe_delivered = result.response is None and progress.maybe_sent(error)
    finally:
        result.content = bytes(body)
    return result
