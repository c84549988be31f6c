"""The event size cap judges a block the same whichever way its bytes are cut (G7).

A block is over the cap by the lines it keeps once they end: its `data:` lines, its `event:` and
its own `id:`, each counted whole (field name and line end). A partial line is counted the same
way, so a block a few bytes under the cap is never skipped because a read happened to end inside
its last line (an independent check found one notification lost that way), and a long comment
or an unknown field is dropped as it comes without taking the block with it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from atp_tui.client.sse_parser import MAX_EVENT_BYTES, OversizedEvent, SSEDecoder, SSEEvent
from tests.ids import short_id

#: A small cap keeps every cut of every block quick to try.
CAP = 1000
BEFORE = b"id: 1\ndata: a\n\n"
AFTER = b"data: after\n\n"


def _feed(body: bytes, cuts: Iterable[int], cap: int) -> list[SSEEvent | OversizedEvent]:
    """Feed `body` cut at `cuts`; the decoder never holds more than the cap and a field
    name (a line whose name is not told yet).

    A skipped block's `size` (what was seen of it, at least the cap) is left out: it tells
    where skipping began, which a cut may move; what is delivered must not move."""
    decoder = SSEDecoder("0", max_event_bytes=cap)
    out: list[SSEEvent | OversizedEvent] = []
    start = 0
    for cut in [*cuts, len(body)]:
        for event in decoder.feed(body[start:cut]):
            out.append(
                OversizedEvent(event.event_id, 0) if type(event) is OversizedEvent else event
            )
        start = cut
        assert decoder.buffered_bytes <= cap + len(b"event")
    return out


def _shapes(held: int) -> dict[str, bytes]:
    """Blocks whose kept lines (data, event, own id; each whole, with its line end) come to
    exactly `held` bytes, in several shapes."""
    usual = b"x" * (held - len(b"id: 7\nevent: notification\ndata: \n"))
    after_id = b"\nevent: notification\ndata: " + usual + b"\n\n"
    return {
        "usual": b"id: 7" + after_id,
        "no-space": b"id:7\nevent:notification\ndata:" + usual + b"xxx\n\n",
        "two-data-lines": b"id: 7\ndata: "
        + b"y" * (held - len(b"id: 7\ndata: \ndata: zzzzzzzzzz\n"))
        + b"\ndata: zzzzzzzzzz\n\n",
        "long-event": b"data: d\nevent: " + b"e" * (held - len(b"data: d\nevent: \n")) + b"\n\n",
        "long-id-last": b"data: d\nid: " + b"i" * (held - len(b"data: d\nid: \n")) + b"\n\n",
        "comment-inside": b"id: 7\n:" + b"c" * (3 * CAP) + after_id,
        "unknown-field": b"id: 7\nnote: " + b"n" * (3 * CAP) + after_id,
        "nul-id-inside": b"id: 7\nid: \0" + b"n" * (3 * CAP) + after_id,
    }


CASES = [(shape, held) for held in range(CAP - 8, CAP + 9) for shape in _shapes(held) if held > 20]


@pytest.mark.parametrize(("shape", "held"), CASES, ids=short_id)
def test_a_block_near_the_cap_is_judged_alike_for_every_cut(shape: str, held: int) -> None:
    block = _shapes(held)[shape]
    body = BEFORE + block + AFTER
    whole = _feed(body, [], CAP)
    kept = [event for event in whole if isinstance(event, SSEEvent)]
    if held <= CAP:
        assert len(kept) == 3 and not any(isinstance(e, OversizedEvent) for e in whole)
    else:
        assert len(kept) == 2 and isinstance(whole[1], OversizedEvent)
    for cut in range(len(BEFORE), len(BEFORE) + len(block) + 1):
        assert _feed(body, [cut], CAP) == whole, cut
    assert _feed(body, range(1, len(body)), CAP) == whole, "byte by byte"


@pytest.mark.parametrize(
    "body",
    [
        # An id line longer than the cap, after a block far under it (an independent check:
        # cut, the block was dropped; whole, the id was ignored and the block delivered).
        b"data:\nid: " + b"x" * 27 + b"\n\n",
        b"data: " + b"z" * 10 + b"\nid: " + b"7" * 40 + b"\n\n",
        # A second event or id replacing a short first, the block at the cap with both.
        b"event: aaaa\ndata: " + b"z" * 11 + b"\nevent: b\n\n",
        b"id: aaaa\ndata: " + b"z" * 13 + b"\nid: b\n\n",
        # An id line exactly as long as the cap (applied, its block over the cap).
        b"data: d\nid: " + b"i" * 26 + b"\n\n",
    ],
    ids=short_id,
)
def test_long_and_repeated_ids_and_events_are_judged_alike_for_every_cut(body: bytes) -> None:
    cap = 30
    body = BEFORE + body + AFTER
    whole = _feed(body, [], cap)
    for cut in range(len(body) + 1):
        assert _feed(body, [cut], cap) == whole, cut
    assert _feed(body, range(1, len(body)), cap) == whole, "byte by byte"


@pytest.mark.parametrize("over", range(-24, 25))
def test_a_notification_near_the_real_cap_is_judged_alike_when_a_read_ends_in_its_last_line(
    over: int,
) -> None:
    """The independent check's case: 64 KiB reads, the last one ending inside the data line
    (a block 2 to 5 bytes under the cap as the data was counted then was delivered whole and
    skipped when so cut)."""
    data = b"x" * (MAX_EVENT_BYTES + over - len(b"id: n1\nevent: notification\ndata: \n"))
    block = b"id: n1\nevent: notification\ndata: " + data + b"\n\n"
    body = BEFORE + block + AFTER
    whole = _feed(body, [], MAX_EVENT_BYTES)
    if over <= 0:
        assert [type(event) for event in whole] == [SSEEvent] * 3
        assert whole[1].data == data.decode()  # type: ignore[union-attr]
    else:
        assert whole[1] == OversizedEvent("n1", 0)
    end_of_data = len(BEFORE) + len(block) - 2
    for back in range(1, 12):
        cuts = [*range(64 * 1024, end_of_data - back, 64 * 1024), end_of_data - back]
        assert _feed(body, cuts, MAX_EVENT_BYTES) == whole, back


@pytest.mark.parametrize("length", range(CAP - 3, CAP + 4))
@pytest.mark.parametrize("oversized_block", [False, True], ids=["between-blocks", "in-a-skip"])
def test_a_retry_line_as_long_as_the_cap_is_applied_alike_for_every_cut(
    length: int, oversized_block: bool
) -> None:
    """A `retry:` line that would not fit in the cap is dropped unread, cut or whole (its
    digits would only be clamped); one that fits is applied, cut or whole."""
    line = b"retry: " + b"9" * (length - len(b"retry: "))
    skipped = b"data: " + b"s" * (2 * CAP) + b"\n" if oversized_block else b""
    body = BEFORE + skipped + line + b"\ndata: kept\n\n"
    expected_retry = 10**18 - 1 if length <= CAP else None
    for how, cuts in [
        ("whole", []),
        *((f"cut@{cut}", [cut]) for cut in range(len(body) - len(line) - 14, len(body))),
        ("byte by byte", range(1, len(body))),
    ]:
        decoder = SSEDecoder(max_event_bytes=CAP)
        events: list[SSEEvent | OversizedEvent] = []
        start = 0
        for cut in [*cuts, len(body)]:
            events.extend(decoder.feed(body[start:cut]))
            start = cut
        kept = [event.data for event in events if isinstance(event, SSEEvent)]
        assert kept == (["a"] if oversized_block else ["a", "kept"]), how
        assert decoder.retry_ms == expected_retry, how
