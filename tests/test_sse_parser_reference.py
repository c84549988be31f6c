"""`SSEDecoder` against a plain transcription of the WHATWG algorithm, on generated streams.

The decoder is tuned for the hot path (bytes split per chunk in C, prefix tests for the usual
`data: `/`id: `/`event: ` lines, one data line decoded without a join), so it is checked here
against the specification's own steps written the slow, obvious way: decode the whole body as
UTF-8 (one BOM stripped), split it into lines at CRLF, LF or CR, interpret each line. Streams are
generated from every kind of line (odd spellings, comments, `id` with NUL, `retry` that is not
digits, invalid UTF-8, a second BOM, CR/LF/CRLF endings) and fed cut at arbitrary points: every
cut must give the spec's events, ids and retry, in order; nothing lost, nothing doubled.

SSE-CLIENT-RULES.md groups C, D, E.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from atp_tui.client.sse_parser import SSEDecoder, SSEEvent

_RETRY_CLAMP = 10**18 - 1


@dataclass
class _Reference:
    """The WHATWG "interpret an event stream" steps, transcribed without optimisation."""

    last_event_id: str = ""
    retry_ms: int | None = None

    def run(self, body: bytes) -> list[SSEEvent]:
        text = body.decode("utf-8", "replace")
        if text.startswith("\ufeff"):  # UTF-8 decode strips one leading BOM
            text = text[1:]
        lines = re.split("\r\n|\r|\n", text)
        lines.pop()  # the last piece is a partial line (or empty): never interpreted
        events: list[SSEEvent] = []
        data, event_type, id_buffer, own_id = "", "", self.last_event_id, False
        for line in lines:
            if line == "":
                self.last_event_id = id_buffer
                if data == "":
                    event_type, own_id = "", False
                    continue
                events.append(SSEEvent(event_type or "message", data[:-1], id_buffer, own_id))
                data, event_type, own_id = "", "", False
                continue
            if line.startswith(":"):
                continue
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "data":
                data += value + "\n"
            elif name == "event":
                event_type = value
            elif name == "id":
                if "\0" not in value:
                    id_buffer, own_id = value, True
            elif name == "retry":
                if value and all("0" <= char <= "9" for char in value):
                    self.retry_ms = min(
                        int(value[:19]) if len(value) > 18 else int(value), _RETRY_CLAMP
                    )
        return events


_values = st.one_of(
    st.text(max_size=12).filter(lambda value: "\r" not in value and "\n" not in value),
    st.sampled_from(["", " ", "  two", ":", "a:b", "é✓", "\0", "x\0y", "\ufeff"]),
)
_digits = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["", "007", "1" * 25, "12a", " 12", "+5", "١٢", "1_000", "²"]),
)


@st.composite
def _line(draw: st.DrawFn) -> bytes:
    kind = draw(
        st.sampled_from(
            [
                "data",
                "data",
                "data",
                "blank",
                "blank",
                "id",
                "event",
                "retry",
                "comment",
                "bare",
                "other",
                "invalid utf-8",
            ]
        )
    )
    space = draw(st.sampled_from(["", " ", "  "]))
    if kind == "blank":
        return b""
    if kind == "comment":
        return b":" + draw(_values).encode()
    if kind == "bare":  # a field name alone: its value is empty
        return draw(st.sampled_from([b"data", b"id", b"event", b"retry", b"DATA", b" data"]))
    if kind == "other":
        name = draw(st.sampled_from(["Data", "ID", "eventx", "x", "", "dat"]))
        return f"{name}:{space}{draw(_values)}".encode()
    if kind == "invalid utf-8":
        name = draw(st.sampled_from(["data", "id", "event"]))
        junk = draw(st.sampled_from([b"\xff", b"\xe2\x82", b"\xc3", b"\xed\xa0\x80", b"\x80x"]))
        return f"{name}:{space}".encode() + junk + draw(_values).encode()
    value = draw(_digits) if kind == "retry" else draw(_values)
    return f"{kind}:{space}{value}".encode()


@st.composite
def _body(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(_line(), max_size=30))
    endings = st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"])
    body = b"".join(line + draw(endings) for line in lines)
    if draw(st.booleans()):
        body += draw(_line())  # a partial last line: dropped at the end of the stream
    return draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"])) + body


@st.composite
def _cuts(draw: st.DrawFn, body: bytes) -> list[bytes]:
    points = sorted(set(draw(st.lists(st.integers(0, len(body)), max_size=12))))
    edges = [0, *points, len(body)]
    return [body[start:end] for start, end in itertools.pairwise(edges)]


@settings(max_examples=int(os.environ.get("SSE_REFERENCE_EXAMPLES", "500")), deadline=None)
@given(st.data())
def test_any_stream_cut_anywhere_decodes_as_the_specification_says(data: st.DataObject) -> None:
    _decodes_as_the_specification_says(data, data.draw(_body()))


def _decodes_as_the_specification_says(data: st.DataObject, body: bytes) -> None:
    """`body` cut at points drawn from `data` gives the reference's events, last id and
    retry, and every complete line is counted (the watchdog's liveness signal)."""
    chunks = data.draw(_cuts(body))
    carried = data.draw(st.sampled_from(["", "carried-7"]))
    decoder = SSEDecoder(carried)
    events: list[object] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    reference = _Reference(last_event_id=carried)
    assert events == reference.run(body)
    assert decoder.last_event_id == reference.last_event_id
    assert decoder.retry_ms == reference.retry_ms
    complete_lines = len(re.split(b"\r\n|\r|\n", body)) - 1
    assert decoder.lines_completed == complete_lines


@st.composite
def _usual_block(draw: st.DrawFn) -> bytes:
    """A block as ATP servers send it, `id:`, `event:`, one `data:` line, a blank line: the
    decoder takes these a block at a time (`SSEDecoder._usual_blocks`). Values include NUL,
    empty ones and invalid UTF-8, which that path must decode as the line path does, or
    leave to it."""
    fields = []
    for name in ("id", "event", "data"):
        value = draw(_values).encode()
        if draw(st.integers(0, 9)) == 0:
            value += draw(st.sampled_from([b"\xff", b"\xe2\x82", b"\xed\xa0\x80"]))
        fields.append(name.encode() + b": " + value + b"\n")
    return b"".join(fields) + b"\n"


@st.composite
def _served_body(draw: st.DrawFn) -> bytes:
    """Mostly usual blocks, now and then other lines (a comment, `retry:`, a second data
    line, a stray blank line), with LF endings and sometimes CRLF."""
    parts = draw(
        st.lists(
            st.one_of(_usual_block(), _usual_block(), _usual_block(), _line().map(b"%b\n".__mod__)),
            max_size=20,
        )
    )
    body = b"".join(parts)
    if draw(st.integers(0, 4)) == 0:
        body = body.replace(b"\n", b"\r\n")
    return body + draw(st.sampled_from([b"", b"id: 9\nevent: x\nda", b"data: partial"]))


@settings(max_examples=int(os.environ.get("SSE_REFERENCE_EXAMPLES", "500")), deadline=None)
@given(st.data())
def test_usual_blocks_cut_anywhere_decode_as_the_specification_says(data: st.DataObject) -> None:
    """The block-at-a-time path gives the specification's events, ids and line count, however
    the stream is cut and whatever other lines come between its blocks."""
    _decodes_as_the_specification_says(data, data.draw(_served_body()))


def test_a_body_of_usual_blocks_is_taken_a_block_at_a_time() -> None:
    """Whole chunks of usual blocks never go line by line (what makes the path worth
    having), and the events and counts are the line path's."""
    body = b"".join(
        b'id: %d\nevent: notification\ndata: {"n": %d}\n\n' % (n, n) for n in range(100)
    )
    decoder = SSEDecoder()
    lines_fed: list[int] = []
    feed_lines = decoder._feed_lines

    def counting(chunk: bytes, out: list[object]) -> None:
        lines_fed.append(chunk.count(b"\n"))
        feed_lines(chunk, out)  # type: ignore[arg-type]

    decoder._feed_lines = counting  # type: ignore[method-assign]
    events = [*decoder.feed(body[:1000]), *decoder.feed(body[1000:])]
    assert [event.last_event_id for event in events] == [str(n) for n in range(100)]
    assert all(event.event == "notification" and event.own_id for event in events)
    assert decoder.lines_completed == 400
    # Only the block cut by the chunk boundary went line by line: its two pieces.
    assert sum(lines_fed) <= 4
