"""Tests for the spec-exact SSE decoder (SSE-CLIENT-RULES.md C, D, E, F7, G7; cases 1-19).

The vector table is derived from the web-platform-tests `eventsource/format-*` cases and from
httpx-sse's known deviations (H1-H11). Every vector runs whole, split in two at every byte
position, and one byte per chunk, and must give identical results each way.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pytest

from atp_tui.client.sse_parser import (
    MAX_EVENT_BYTES,
    MAX_LINE_BYTES,
    LineTooLong,
    OversizedEvent,
    SSEDecoder,
    SSEEvent,
)
from tests.ids import short_id

BOM = "\ufeff".encode()
Ev = tuple[str, str, str, bool]  # (event, data, last_event_id, own_id)


@dataclass(frozen=True)
class Vector:
    """One input body and everything the decoder must report for it."""

    name: str
    body: bytes
    events: list[Ev]
    last_id: str = ""
    retry: int | None = None
    initial_id: str = ""


def msg(data: str, last_id: str = "", own: bool = False, event: str = "message") -> Ev:
    return (event, data, last_id, own)


def retry_vector(value: bytes, expected: int | None) -> Vector:
    name = f"retry-{value!r}" if len(value) <= 20 else f"retry-{value[:3]!r}x{len(value)}"
    return Vector(name, b"retry:" + value + b"\ndata:x\n\n", [msg("x")], retry=expected)


LONG = b"x" * 2048
VECTORS: list[Vector] = [
    # format-bom / format-bom-2 / H4: exactly one leading BOM is stripped.
    Vector("bom", BOM + b"data:1\n\n" + BOM + b"data:2\n\ndata:3\n\n", [msg("1"), msg("3")]),
    Vector("bom-2", BOM + BOM + b"data:1\n\ndata:2\n\ndata:3\n\n", [msg("2"), msg("3")]),
    Vector("bom-H4", BOM + b"data: 1\n\ndata: 2\n\n", [msg("1"), msg("2")]),
    Vector("bom-partial-is-text", b"\xef\xbbdata: 1\n\ndata: 2\n\n", [msg("2")]),
    Vector(
        "comments",
        b"data:1\r:\0\n:\r\ndata:2\n:" + LONG + b"\rdata:3\n:data:fail\r:" + LONG + b"\ndata:4\n\n",
        [msg("1\n2\n3\n4")],
    ),
    # format-data-before-final-empty-line (E7): the partial block and its id are dropped.
    Vector(
        "data-before-final-empty-line",
        b"retry:1000\ndata:test1\n\nid:test\ndata:test2",
        [msg("test1")],
        retry=1000,
    ),
    Vector(
        "case-1-close-mid-event",
        b'id: 41\ndata: {"id":"n41"}\n\nid: 42\ndata: {"id":"n42","ti',
        [msg('{"id":"n41"}', "41", True)],
        last_id="41",
    ),
    Vector("case-2-close-inside-char", b'data: "caf\xc3', []),
    Vector(
        "field-data", b"data:\n\ndata\ndata\n\ndata:test\n\n", [msg(""), msg("\n"), msg("test")]
    ),
    Vector(
        "field-event",
        b"event:test\ndata:x\n\ndata:x\n\n",
        [msg("x", event="test"), msg("x")],
    ),
    Vector("field-event-empty", b"event: \ndata:data\n\n", [msg("data")]),
    Vector("field-event-last-wins", b"event: a\nevent: b\ndata: x\n\n", [msg("x", event="b")]),
    Vector(
        "field-id",
        b"id: 1\ndata: a\n\nid: 2\x00x\ndata: b\n\nid:\ndata: c\n\nid: 9\n\nid\ndata: d\n\n",
        [msg("a", "1", True), msg("b", "1", False), msg("c", "", True), msg("d", "", True)],
    ),
    Vector(
        "field-id-nul-anywhere",
        b"id: 7\n\nid: \x00\ndata: a\n\nid: a\x00b\ndata: b\n\n",
        [msg("a", "7", False), msg("b", "7", False)],
        last_id="7",
    ),
    Vector(
        "field-id-2-sticky-H11",
        b"id: 1\ndata: a\n\ndata: b\n\n",
        [msg("a", "1", True), msg("b", "1", False)],
        last_id="1",
    ),
    Vector(
        "field-id-2-carried",
        b"data: c\n\nid: 2\ndata: d\n\n",
        [msg("c", "1", False), msg("d", "2", True)],
        last_id="2",
        initial_id="1",
    ),
    Vector(
        "field-id-3-reset-carried",
        b"id:\n\ndata: c\n\n",
        [msg("c", "", False)],
        initial_id="1",
    ),
    Vector(
        "case-11-odd-ids",
        "id: é…\ndata: a\n\nid: <&= #\ndata: b\n\n".encode() + b"id: " + b"i" * 255 + b"\n\n",
        [msg("a", "é…", True), msg("b", "<&= #", True)],
        last_id="i" * 255,
    ),
    Vector(
        "field-parsing",
        b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\r"
        b"data:\r\n data:32\ndata:4\n\n",
        [msg("\0\n 2\n1\n3\n\n4")],
    ),
    Vector("field-parsing-tab", b"data:\ttest\ndata:  x\n\n", [msg("\ttest\n x")]),
    Vector(
        "case-13-unknown-fields",
        b"Data: no\nID: 3\nevent : no\n data:x\nfoo:bar\nbareword\nRetry: 5\ndata: yes\n\n",
        [msg("yes")],
    ),
    Vector(
        "field-unknown",
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
        [msg("test\n\ntest")],
    ),
    Vector(
        "leading-space", b"data:\x20test\r\ndata\r\ndata:  test\r\n\r\n", [msg("test\n\n test")]
    ),
    Vector("newlines-crlf", b"data:test\r\ndata\ndata:test\r\n\r\n", [msg("test\n\ntest")]),
    Vector("newlines-cr", b"data:a\rdata:b\r\rdata:c\r\r", [msg("a\nb"), msg("c")]),
    Vector("newlines-lf", b"data:a\ndata:b\n\ndata:c\n\n", [msg("a\nb"), msg("c")]),
    Vector(
        "newlines-mixed",
        b"data:a\rdata:b\r\ndata:c\n\r\ndata:d\n\rdata:e\r\r\n",
        [msg("a\nb\nc"), msg("d"), msg("e")],
    ),
    Vector("newlines-lf-cr-is-two", b"data:x\n\rdata:y\r\n\n", [msg("x"), msg("y")]),
    Vector("null-character", b"data:\0\n\n", [msg("\0")]),
    Vector("null-in-event", b"event:a\0b\ndata:x\n\n", [msg("x", event="a\0b")]),
    Vector("utf-8", "data:ok…\n\n".encode(), [msg("ok…")]),
    Vector("utf-8-4-byte", "data: é😀中\n\n".encode(), [msg("é😀中")]),
    Vector("utf-8-invalid", b"data: \xff\xfe\xc3(\xe2\x82\n\n", [msg("\ufffd\ufffd\ufffd(\ufffd")]),
    Vector(
        "case-7-separators-do-not-split",
        "data: a\u2028b\u2029c\u0085d\x0be\x0cf\x1cg\x1dh\x1ei\n\n".encode(),
        [msg("a\u2028b\u2029c\u0085d\x0be\x0cf\x1cg\x1dh\x1ei")],
    ),
    Vector("raw-0x85-0x0b-bytes", b"data: a\x85b\x0bc\n\n", [msg("a\ufffdb\x0bc")]),
    Vector("later-bom-is-text", b"data: 1\n\n" + BOM + b"data: 2\n\n", [msg("1")]),
    # httpx-sse phantom events (H1-H3) and case 9: blocks without data dispatch nothing.
    Vector("H1-ping-after-id", b"id: 1\ndata: a\n\n: ping\n\n", [msg("a", "1", True)], "1"),
    Vector("H2-extra-blank-lines", b"id: 7\ndata: a\n\n\n\n", [msg("a", "7", True)], "7"),
    Vector("H3-id-only", b"id: 5\n\n", [], "5"),
    Vector("H3-retry-only", b"retry: 3000\n\n", [], retry=3000),
    Vector("H3-event-only", b"event: ping\n\ndata: x\n\n", [msg("x")]),
    Vector(
        "case-8-keepalives",
        b"id: 1\ndata: a\n\n" + b": ping\n\n" * 100 + b"\n\n\n",
        [msg("a", "1", True)],
        "1",
    ),
    Vector(
        "case-9-blocks-without-data",
        b"id: 50\n\nevent: notification\n\nretry: 4000\n\n",
        [],
        "50",
        retry=4000,
    ),
    Vector("retry-last-valid-wins", b"retry: 100\nretry: x\nretry:200\n\n", [], retry=200),
    retry_vector(b"5000", 5000),
    retry_vector(b"03000", 3000),
    retry_vector(b"0", 0),
    retry_vector(b" 12", 12),  # `retry: 12`: the one leading space is the separator
    retry_vector(b"99999999999", 99999999999),
    retry_vector(b"0" * 5000 + b"7", 7),
    retry_vector(b"9" * 5000, 10**18 - 1),  # clamped instead of int()'s 4300-digit ValueError
    *(
        retry_vector(value, None)
        for value in (
            b"-1",
            b"+5",
            b"1_000",
            "١٢".encode(),
            "²".encode(),
            "１２".encode(),
            b"1e3",
            b"  12",
            b"12 ",
            b"1000x",
            b"",
            b"0x10",
            b"1.5",
        )
    ),
    Vector("retry-no-colon", b"retry\ndata:x\n\n", [msg("x")]),
]


def chunkings(body: bytes) -> Iterable[tuple[str, list[bytes]]]:
    """The three ways every vector is fed: whole, every two-way split, byte by byte."""
    yield "whole", [body]
    for cut in range(len(body) + 1):
        yield f"split@{cut}", [body[:cut], body[cut:]]
    yield "bytewise", [body[i : i + 1] for i in range(len(body))]


def run(chunks: Iterable[bytes], decoder: SSEDecoder) -> list[SSEEvent | OversizedEvent]:
    out: list[SSEEvent | OversizedEvent] = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def as_tuples(events: list[SSEEvent | OversizedEvent]) -> list[Ev]:
    assert all(isinstance(e, SSEEvent) for e in events)
    return [(e.event, e.data, e.last_event_id, e.own_id) for e in events]  # type: ignore[union-attr]


def expected_lines(body: bytes) -> int:
    """An independent oracle for lines_completed: count CRLF, CR and LF (CRLF once)."""
    return len(re.findall(rb"\r\n|\r|\n", body))


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_vector_every_chunking(vector: Vector) -> None:
    for how, chunks in chunkings(vector.body):
        decoder = SSEDecoder(vector.initial_id)
        events = as_tuples(run(chunks, decoder))
        assert events == vector.events, how
        assert decoder.last_event_id == vector.last_id, how
        assert decoder.retry_ms == vector.retry, how
        assert decoder.lines_completed == expected_lines(vector.body), how


def test_events_are_frozen_and_typed() -> None:
    (event,) = SSEDecoder().feed(b"event: notification\nid: 3\ndata: {}\n\n")
    assert event == SSEEvent("notification", "{}", "3", True)
    with pytest.raises(AttributeError):
        event.data = "x"  # type: ignore[misc]


def test_defaults() -> None:
    assert MAX_EVENT_BYTES == 512 * 1024 + 4096
    assert MAX_LINE_BYTES == 16 * 1024 * 1024
    decoder = SSEDecoder()
    assert (decoder.last_event_id, decoder.retry_ms, decoder.lines_completed) == ("", None, 0)
    assert decoder.buffered_bytes == 0
    decoder.close()


def test_fresh_decoder_per_response_strips_bom_again() -> None:
    """F7/case 5: the BOM is stripped on the second connection too; only the id carries."""
    first = SSEDecoder()
    assert as_tuples(first.feed(BOM + b"id: 1\ndata: a\n\n")) == [msg("a", "1", True)]
    second = SSEDecoder(first.last_event_id)
    assert as_tuples(run([b"\xef", b"\xbb", b"\xbfdata: b\n\n"], second)) == [msg("b", "1")]


def test_partial_line_held_without_dispatch() -> None:
    """C5/E7: nothing is dispatched and no id committed until the blank line arrives."""
    decoder = SSEDecoder("0")
    assert decoder.feed(b"id: 9\ndata: par") == []
    assert decoder.last_event_id == "0"
    assert decoder.buffered_bytes > 0
    assert as_tuples(decoder.feed(b"tial\n\n")) == [msg("partial", "9", True)]
    assert decoder.last_event_id == "9"
    assert decoder.buffered_bytes == 0


def test_trickle_never_completing_a_line_does_not_count() -> None:
    """Cases 17/53: a partial line is no liveness signal."""
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n")
    assert decoder.lines_completed == 1
    for byte in b"data: slow" * 50:
        assert decoder.feed(bytes([byte])) == []
    assert decoder.lines_completed == 1
    assert decoder.buffered_bytes <= 600


def test_lines_completed_counts_comments_and_blank_lines() -> None:
    decoder = SSEDecoder()
    decoder.feed(b": ping\n\n\r\n:x\r")
    assert decoder.lines_completed == 4
    decoder.feed(b"\n")  # the LF of a split CRLF is not another line
    assert decoder.lines_completed == 4
    decoder.feed(b"\r\n")
    assert decoder.lines_completed == 5


def test_many_events_coarse_then_fine_chunking() -> None:
    """Case 14: 100 events in one chunk, 100 one byte per chunk: 200 in order."""
    decoder = SSEDecoder()
    first = b"".join(
        b'id: %d\nevent: notification\ndata: {"n": %d}\n\n' % (i, i) for i in range(100)
    )
    second = b"".join(b"id: %d\r\ndata: %d\r\n\r\n" % (i, i) for i in range(100, 200))
    events = run([first, *(second[i : i + 1] for i in range(len(second)))], decoder)
    assert [e.last_event_id for e in events] == [str(i) for i in range(200)]  # type: ignore[union-attr]
    assert all(isinstance(e, SSEEvent) and e.own_id for e in events)
    assert decoder.last_event_id == "199"


# --- size caps (G7, cases 16, 17) -------------------------------------------------------------

CHUNK = 64 * 1024


def feed_checked(
    decoder: SSEDecoder, body: bytes, step: int = CHUNK, cap: int = MAX_EVENT_BYTES
) -> list[SSEEvent | OversizedEvent]:
    """Feed in `step`-byte chunks, checking the memory bound after every feed."""
    out: list[SSEEvent | OversizedEvent] = []
    for i in range(0, len(body), step):
        out.extend(decoder.feed(body[i : i + step]))
        assert decoder.buffered_bytes <= cap + step
    return out


@pytest.mark.parametrize("whole", [False, True], ids=["64k-chunks", "one-chunk"])
@pytest.mark.parametrize("size", [600 * 1024, 10 * 1024 * 1024])
@pytest.mark.parametrize("shape", ["one-line", "many-lines", "id-after-data"])
def test_oversized_event_is_skipped_and_cursor_advances(size: int, shape: str, whole: bool) -> None:
    if shape == "one-line":
        block = b"id: big\ndata: " + b"x" * size + b"\n\n"
    elif shape == "many-lines":
        line = b"data: " + b"y" * 1018 + b"\n"
        block = b"id: big\nevent: notification\n" + line * (size // 1024) + b"\n"
    else:
        block = b"data: " + b"z" * size + b"\nid: big\n\n"
    decoder = SSEDecoder("prev")
    body = b"id: 1\ndata: a\n\n" + block + b"data: after\n\n"
    events = feed_checked(decoder, body, step=len(body) if whole else CHUNK)
    assert len(events) == 3
    assert as_tuples(events[:1]) == [msg("a", "1", True)]
    skipped = events[1]
    assert isinstance(skipped, OversizedEvent)
    assert skipped.event_id == "big"
    assert MAX_EVENT_BYTES <= skipped.size <= len(block)
    assert as_tuples(events[2:]) == [msg("after", "big")]
    assert decoder.last_event_id == "big"
    assert decoder.buffered_bytes == 0


def test_oversized_event_without_id_keeps_sticky_id() -> None:
    decoder = SSEDecoder("7")
    events = feed_checked(decoder, b"data: " + b"x" * (700 * 1024) + b"\n\nid: 8\ndata: ok\n\n")
    assert events[0] == OversizedEvent(None, events[0].size)
    assert as_tuples(events[1:]) == [msg("ok", "8", True)]


def test_oversized_event_fed_bytewise_stays_bounded() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    body = b"id: x\n" + b"data: " + b"q" * 3000 + b"\n\ndata: ok\n\n"
    events = feed_checked(decoder, body, step=1, cap=1000)
    assert events[0] == OversizedEvent("x", events[0].size)
    assert events[0].size >= 1000
    assert as_tuples(events[1:]) == [msg("ok", "x")]


def test_oversized_event_then_eof_commits_nothing() -> None:
    decoder = SSEDecoder("1")
    assert feed_checked(decoder, b"id: 2\ndata: " + b"x" * (600 * 1024)) == []
    assert decoder.last_event_id == "1"
    assert decoder.buffered_bytes <= MAX_EVENT_BYTES


def test_event_just_under_cap_is_delivered() -> None:
    """Case 15: an event just under 512 KB goes through."""
    data = "x" * (512 * 1024 - 100)
    events = feed_checked(SSEDecoder(), b"id: 1\ndata: " + data.encode() + b"\n\n")
    assert as_tuples(events) == [msg(data, "1", True)]


@pytest.mark.parametrize(
    "prefix", [b"data: ", b":", b"", b"id: 1\ndata: " + b"x" * 700_000 + b"\n"], ids=short_id
)
def test_line_over_cap_raises(prefix: bytes) -> None:
    """Case 17: a line with no LF, ever (data, comment or bare), trips the line cap."""
    decoder = SSEDecoder(max_line_bytes=1024 * 1024)
    with pytest.raises(LineTooLong, match=r"\d+ bytes"):
        feed_checked(decoder, prefix + b"x" * (2 * 1024 * 1024))


def test_long_line_in_one_chunk_raises() -> None:
    decoder = SSEDecoder(max_line_bytes=1000)
    decoder.feed(b"data: ok\n")
    with pytest.raises(LineTooLong):
        decoder.feed(b"data: " + b"x" * 2000 + b"\n\n")


def test_line_exactly_at_line_cap_is_fine() -> None:
    decoder = SSEDecoder(max_line_bytes=1000)
    events = decoder.feed(b"data: " + b"x" * 994 + b"\n\n")
    assert len(events) == 1


def test_garbage_then_valid_events() -> None:
    """Case 3: 64 KiB of random bytes never raise; events after a blank-line resync arrive."""
    rng = random.Random(20240607)
    alphabet = [b"\0", b"\xff", b"\r", b":", b"\n", b"data:", b"id:", b"retry:", b" ", b"\xc3"]
    garbage = bytearray(rng.randbytes(48 * 1024))
    while len(garbage) < 64 * 1024:
        garbage += rng.choice(alphabet)
    valid = b"".join(b'id: v%d\ndata: {"ok": %d}\n\n' % (i, i) for i in range(3))
    body = bytes(garbage) + b"\n\n" + valid
    for step in (1, 7, 4096, len(body)):
        decoder = SSEDecoder()
        events = feed_checked(decoder, body, step=step)
        assert as_tuples(events[-3:]) == [msg(f'{{"ok": {i}}}', f"v{i}", True) for i in range(3)]
        assert decoder.last_event_id == "v2"


def test_linear_time_for_one_byte_chunks() -> None:
    """Case 19: a 400 KB event fed 1 byte per chunk costs linear time (no quadratic joins).

    Against a single-chunk send the ratio measures Python's per-call cost (~1 us per feed), not
    the parser's growth, so compare like with like: same number of feeds, and 4x the size.
    """

    def best_time(body: bytes) -> float:
        best = float("inf")
        for _ in range(3):
            decoder = SSEDecoder()
            start = time.perf_counter()
            for i in range(len(body)):
                decoder.feed(body[i : i + 1])
            best = min(best, time.perf_counter() - start)
        return best

    big = b"data: " + b"x" * 400_000 + b"\n\n"
    small_events = (b"data: abcdefgh\n\n" * 25_001)[: len(big)]
    quarter = b"data: " + b"x" * 100_000 + b"\n\n"
    t_big, t_small, t_quarter = best_time(big), best_time(small_events), best_time(quarter)
    assert t_big < 10 * t_small
    assert t_big < 10 * t_quarter  # linear gives about 4x; quadratic would give about 16x
