"""One connection attempt's verdict: what a response that is not a stream means, and what the
engine does next (retry with backoff, poll, stop for new credentials, stop, retry slowly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import httpx

from atp_tui.client.backoff import parse_retry_after
from atp_tui.client.http import (
    aiter_body_pieces,
    describe_transport_error,
    is_certificate_error,
    is_event_stream,
    parse_error_body,
)

#: Statuses that mean "this server has no SSE endpoint": fall back to polling.
NO_SSE_STATUSES = frozenset({404, 405, 406, 410})
#: How much of a non-stream response body is read for its error message.
ERROR_BODY_LIMIT = 64 * 1024


class Next(StrEnum):
    """What the engine does after an attempt ended."""

    RETRY = "retry"  # reconnect after the backoff delay (at least `Outcome.floor`)
    POLL = "poll"  # no SSE here: poll the REST endpoint
    AUTH = "auth"  # credentials refused: wait for new ones
    FAIL = "fail"  # the server said stop: manual retry only
    CAP = "cap"  # not transient (a certificate): retry at the backoff cap only


@dataclass(frozen=True, slots=True)
class Outcome:
    """Why a connection attempt ended, and what the engine should do next."""

    kind: Next
    detail: str = ""
    #: The least wait before the next attempt (a server's `Retry-After`).
    floor: float = 0.0
    #: The attempt could not reach the server at all (DNS, refused, connect timeout).
    offline: bool = False


async def read_head_of_body(response: httpx.Response) -> bytes:
    """The start of a response body, bounded: an error page can be arbitrarily large (and
    compressed: it is inflated in bounded pieces too)."""
    pieces: list[bytes] = []
    size = 0
    try:
        async for chunk in aiter_body_pieces(response):
            pieces.append(chunk)
            size += len(chunk)
            if size >= ERROR_BODY_LIMIT:
                break
    except httpx.DecodingError:
        # An error page we cannot inflate: the status alone decides what happens next.
        pass
    return b"".join(pieces)[:ERROR_BODY_LIMIT]


def classify_response(response: httpx.Response, body: bytes, now: datetime) -> Outcome | None:
    """`None` when the response opens a stream; otherwise what to do instead."""
    status = response.status_code
    content_type = response.headers.get("content-type")
    if status == 200 and is_event_stream(content_type):
        return None
    if status == 200:
        return Outcome(Next.POLL, f"unexpected content type {content_type or '(none)'!r}")
    if status in (401, 403):
        error = parse_error_body(response, body)
        what = "token refused" if status == 401 else "access forbidden"
        return Outcome(Next.AUTH, f"{what} by the server ({status} {error.code}): check the token")
    if status in NO_SSE_STATUSES:
        return Outcome(Next.POLL, f"events endpoint answered {status}")
    if 200 <= status < 300:
        return Outcome(Next.FAIL, f"server ended the stream ({status}); press r to retry")
    if 300 <= status < 400:
        return Outcome(Next.RETRY, f"redirect ({status}) without a usable Location header")
    floor = 0.0
    if status in (429, 503):
        floor = parse_retry_after(response.headers.get("retry-after"), now) or 0.0
    error = parse_error_body(response, body)
    detail = f"server answered {status} {error.code}"
    if floor:
        detail += f", asked to wait {floor:.0f} s"
    return Outcome(Next.RETRY, detail, floor)


def classify_transport_error(error: BaseException) -> Outcome:
    """What to do after the attempt failed before any response (B1): retry; slowly after a
    certificate error (not transient); marked offline when the server was not reached."""
    detail = describe_transport_error(error)
    if is_certificate_error(error):
        return Outcome(Next.CAP, detail)
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return Outcome(Next.RETRY, f"offline: {detail}", offline=True)
    return Outcome(Next.RETRY, detail)
