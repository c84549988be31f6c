"""A small, spec-exact, incremental Server-Sent Events decoder working on bytes.

It follows the WHATWG EventSource "interpret the event stream" algorithm (SSE-CLIENT-RULES.md,
groups C, D, E) and avoids httpx-sse's known deviations (H1-H11): exactly one leading BOM is
stripped, the body is always UTF-8, only CR/LF/CRLF end a line, `retry:` needs ASCII digits, a
block without data dispatches nothing (no phantom events), every event says whether it carried
its own `id:`, and memory is capped per event (G7).

It is on the hot path, so lines are split per chunk by C-level `bytes` methods, never by a
Python loop over bytes, and a partial line grows in a bytearray (amortised O(1) appends), so a
body fed one byte per chunk still costs linear time. Blocks in the shape ATP servers send
(`id:`, `event:`, one `data:` line, a blank line) are taken a block at a time from `memchr`
line ends; anything else goes line by line. Splitting the bytes at CR and LF before
decoding is safe because neither occurs inside a multibyte UTF-8 sequence; values are decoded
with errors="replace", so invalid bytes become U+FFFD and never raise.

Use one `SSEDecoder` per HTTP response body (F7) and pass the carried `last_event_id` to it. End
of stream needs no call: a partial block is simply dropped with the decoder (E7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

#: A little over ATP's 512 KB event limit: a block holding more than this is skipped (G7).
MAX_EVENT_BYTES: int = 512 * 1024 + 4096
#: The field names a block keeps the lines of (`data` and `event` lines, its own `id`), and
#: the most a partial line is buffered over the cap until its name is told.
_KEPT_NAMES = (b"data", b"event", b"id")
#: A single line longer than this, even one being discarded, aborts the stream (case 17).
MAX_LINE_BYTES: int = 16 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"
# `[0-9]` on a bytes pattern is ASCII only, so "١٢", "²", "+5", " 12" and "1_000" never match.
_DIGITS = re.compile(rb"[0-9]+")
# Beyond this the value is clamped: int() refuses strings over 4300 digits (CVE-2020-10735)
# and no reconnection time needs more than 18 digits anyway.
_RETRY_MAX_DIGITS = 18
_RETRY_CLAMP = 10**_RETRY_MAX_DIGITS - 1


class SSEEvent(NamedTuple):
    """One dispatched event (E3-E5): immutable, like `OversizedEvent`.

    A named tuple, not a frozen dataclass: one is made per event on the stream's hot path,
    and a frozen dataclass's `__init__` sets each field through `object.__setattr__`
    (0.48 µs an event against 0.22).
    """

    event: str  # event type; "message" when the event-type buffer was empty
    data: str  # data buffer with the single trailing LF removed
    last_event_id: str  # the source's last-event-id at dispatch (sticky, E5)
    own_id: bool  # True when this very block had a valid `id:` field (dedupe safely, H11)


@dataclass(frozen=True, slots=True)
class OversizedEvent:
    """A block over the size cap that was skipped without buffering it (G7)."""

    event_id: str | None  # the block's own id if it had one, else None
    size: int  # bytes seen in the block (at least the cap)


class LineTooLong(Exception):
    """One line exceeded the decoder's `max_line_bytes`; the stream should be dropped."""


def _split_field(line: bytes) -> tuple[bytes, bytes]:
    """Split a non-empty, non-comment line into (name, value) per D3/D4."""
    colon = line.find(b":")
    if colon < 0:
        return line, b""
    # Exactly one leading space goes (D3); slice once, the value may be large.
    skip = 2 if line[colon + 1 : colon + 2] == b" " else 1
    return line[:colon], line[colon + skip :]


class SSEDecoder:
    """Incremental decoder for one response body: `feed()` bytes, get events back."""

    def __init__(
        self,
        last_event_id: str = "",
        *,
        max_event_bytes: int = MAX_EVENT_BYTES,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        #: Committed last-event-id: updated at every dispatch point (E1), never by a partial block.
        self.last_event_id: str = last_event_id
        #: The last valid `retry:` value in milliseconds, or None when none was seen.
        self.retry_ms: int | None = None
        #: Complete lines seen (blank, comment or field): the engine's liveness signal (G6).
        self.lines_completed: int = 0
        self._max_event = max_event_bytes
        self._max_line = max_line_bytes
        self._bom: bytes | None = b""  # bytes of a possible BOM seen so far; None once decided
        self._cr_pending = False  # the previous chunk ended in CR: a leading LF is its pair
        # The current partial line. A bytearray grows in amortised O(1) per append, so a line
        # fed one byte per chunk costs linear time and one byte of memory per byte.
        self._pending = bytearray()
        self._skipping = False  # the current partial line overflowed and is being dropped
        self._skip_len = 0  # its length so far, for the line cap
        # Block state. _block_len counts the lines the block keeps (data, event, own id),
        # each whole (field name and line end), so that a partial line compares alike (G7).
        self._data: list[bytes] = []
        self._block_len = 0
        self._event = b""
        self._id = last_event_id  # the last-event-id buffer
        self._own_id = False
        self._id_len = 0  # bytes of this block's own id line, counted in _block_len
        self._event_len = 0  # bytes of its event line, counted in _block_len
        self._discarding = False  # the block went over the cap: count, don't buffer
        self._discard_size = 0

    @property
    def buffered_bytes(self) -> int:
        """Bytes currently held for the stream: partial line plus the block's buffers."""
        return len(self._pending) + self._block_len + len(self._bom or b"")

    def close(self) -> None:
        """No-op: at end of stream a partial block is just dropped (E7)."""

    def feed(self, chunk: bytes) -> list[SSEEvent | OversizedEvent]:
        """Decode one chunk of the body; returns the events (and skipped blocks) it completes.

        Raises `LineTooLong` when a line exceeds `max_line_bytes`; the decoder is then unusable
        and nothing from that chunk is returned (the cursor was not moved past it, so a replay
        after the reconnect brings its events back).
        """
        if self._bom is not None:
            # Strip exactly one BOM at the start of the body (C2), even split byte by byte.
            chunk = self._bom + chunk
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._bom = chunk
                return []
            self._bom = None
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if self._cr_pending and chunk:
            self._cr_pending = False
            if chunk[0] == 10:  # the LF of a CRLF split across chunks: one line end (C3)
                chunk = chunk[1:]
        if not chunk:
            return []
        out: list[SSEEvent | OversizedEvent] = []
        if b"\r" in chunk:
            self._feed_lines(chunk, out)
            return out
        # LF-only: whole blocks in the usual shape are taken a block at a time. Up to the end
        # of a block begun in an earlier chunk, and from the first block in another shape,
        # line by line: each piece ends where a line ends, so the pieces decode as the whole.
        start = 0
        if not self._between_blocks():
            first = chunk.find(b"\n\n")
            if first < 0:
                self._feed_lines(chunk, out)
                return out
            start = first + 2
            self._feed_lines(chunk[:start], out)
        if self._between_blocks():
            start = self._usual_blocks(chunk, start, out)
        if start < len(chunk):
            self._feed_lines(chunk[start:] if start else chunk, out)
        return out

    def _between_blocks(self) -> bool:
        """Whether nothing of a line or a block is held: the next byte starts a block."""
        return not (
            self._pending
            or self._skipping
            or self._discarding
            or self._data
            or self._event
            or self._own_id
            or self._block_len
        )

    def _usual_blocks(self, chunk: bytes, start: int, out: list[SSEEvent | OversizedEvent]) -> int:
        """Decode the blocks from `start` that are `id: I`, `event: E`, `data: D` lines and a
        blank line (what ATP servers send), in one step each; returns where the first block
        in another shape (or the unfinished last one) begins, for the line-by-line path.

        Each step is what the line path does with those four lines (E1-E6): one event, the
        id committed, four lines counted. Anything else (an id with NUL, a second data line,
        a comment, `retry:`, a block near the size cap) stops it.
        """
        find, begins = chunk.find, chunk.startswith
        size, cap = len(chunk), self._max_event
        event_id = self._id
        blocks = 0
        # Line ends are found one at a time (`memchr`): a search for b"\n\n" is not one,
        # and scanning each payload for it cost more than the line path's split.
        while begins(b"id: ", start):
            id_end = find(b"\n", start)
            if id_end < 0 or not begins(b"event: ", id_end + 1):
                break
            event_end = find(b"\n", id_end + 1)
            if event_end < 0 or not begins(b"data: ", event_end + 1):
                break
            end = find(b"\n", event_end + 1)
            # The block counts as the line path counts it: its three lines, ends included.
            if end < 0 or end + 1 >= size or chunk[end + 1] != 10 or end + 1 - start > cap:
                break
            if find(b"\0", start, id_end) >= 0:
                break
            event = chunk[id_end + 8 : event_end]
            event_id = chunk[start + 4 : id_end].decode("utf-8", "replace")
            out.append(
                SSEEvent(
                    event.decode("utf-8", "replace") if event else "message",
                    chunk[event_end + 7 : end].decode("utf-8", "replace"),
                    event_id,
                    True,
                )
            )
            blocks += 1
            start = end + 2
        if blocks:
            self.lines_completed += 4 * blocks
            self._id = self.last_event_id = event_id
        return start

    def _feed_lines(self, chunk: bytes, out: list[SSEEvent | OversizedEvent]) -> None:
        """Decode `chunk` line by line (the general path), appending its events to `out`."""
        if b"\r" in chunk:
            # bytes.splitlines() breaks at exactly CRLF, LF and CR (never at VT, FF, 0x1C-0x1E or
            # 0x85, unlike str.splitlines()): the spec's line ends (C3), in one C-level pass.
            lines = chunk.splitlines()
            if chunk[-1] == 13:
                tail = b""
                # This CR already ended its line; an LF starting the next chunk is its pair.
                self._cr_pending = True
            elif chunk[-1] == 10:
                tail = b""
            else:
                tail = lines.pop()
        else:  # the common LF-only chunk: split() is a little faster and leaves the tail
            lines = chunk.split(b"\n")
            tail = lines.pop()
        carried = self._skip_len if self._skipping else len(self._pending)
        if carried + len(chunk) > self._max_line:
            self._check_line_lengths(carried, lines, tail)
        if lines:
            self.lines_completed += len(lines)
            start = 0
            if self._skipping:
                # The first line ends the overflowed one: count it, never interpret it.
                self._skipping = False
                if self._discarding:
                    self._discard_size += self._skip_len + len(lines[0]) + 1
                self._skip_len = 0
                start = 1
            elif self._pending:
                self._pending += lines[0]
                lines[0] = bytes(self._pending)
                self._pending = bytearray()
            n = len(lines)
            while start < n:
                if self._discarding:
                    start = self._discard_lines(lines, start, out)
                else:
                    start = self._normal_lines(lines, start, out)
        if tail:
            if self._skipping:
                self._skip_len += len(tail)
            else:
                self._pending += tail
                if len(self._pending) + self._block_len > self._max_event:
                    self._over_the_cap_partly()

    def _over_the_cap_partly(self) -> None:
        """The partial line and the block are over the cap: keep memory at the cap.

        Lines are counted whole, field name and line end, so a line the block keeps (data,
        event, its own id) puts the block over the cap now exactly when it will once it ends:
        the block is skipped now, as it would be then, and a cut inside its last line never
        changes what is delivered. A line the block does not keep (a comment, an ignored or
        unknown field, `retry:`) is dropped as it comes and the block goes on. A second
        `event:` or `id:` replaces the block's first: the first's count goes at once. A
        line whose name is cut before its colon is buffered until it can be told (a name
        at most over the cap). The one line that cannot be told in time, an id whose NUL
        comes after the block went over the cap, skips the block where whole it would be
        ignored; that needs a block within one line of 512 KB and an id with a NUL.
        """
        line = self._pending
        if b":" not in line and any(name.startswith(line) for name in _KEPT_NAMES):
            return  # not told yet: at most `len(b"event")` bytes over the cap
        if line.startswith(b"event:") and self._event_len:
            self._block_len -= self._event_len  # replaced whatever this line holds
            self._event_len, self._event = 0, b""
        elif line.startswith(b"id:") and self._id_len and line.find(b"\0") < 0:
            self._block_len -= self._id_len  # replaced unless a NUL is still to come
            self._id_len = 0
        if len(line) + self._block_len <= self._max_event:
            return
        if self._block_keeps(line) and not self._discarding:
            self._start_discard()
            if len(line) <= self._max_event:
                return  # still read when it ends: `_discard_lines` takes an id from it
        self._skipping = True
        self._skip_len = len(line)
        self._pending = bytearray()

    @staticmethod
    def _block_keeps(line: bytearray) -> bool:
        """Whether the partial `line`, its name told, is one the block keeps and counts."""
        if line.startswith((b"data:", b"event:")):
            return True
        # An id longer than the cap puts the block over it (and is not read).
        return line.startswith(b"id:") and line.find(b"\0") < 0

    def _check_line_lengths(self, carried: int, lines: list[bytes], tail: bytes) -> None:
        """Raise LineTooLong if any line touched by this chunk is over the line cap."""
        first = carried + len(lines[0] if lines else tail)
        longest = max(first, max(map(len, lines[1:]), default=0), len(tail) if lines else 0)
        if longest > self._max_line:
            raise LineTooLong(
                f"SSE line of {longest} bytes exceeds the {self._max_line}-byte line limit"
            )

    def _normal_lines(
        self, lines: list[bytes], start: int, out: list[SSEEvent | OversizedEvent]
    ) -> int:
        """Interpret lines from index `start`; return where to continue (past a discard start).

        This is the hot path: block state lives in locals and is written back on exit.
        """
        data = self._data
        cap = self._max_event
        block_len, event, event_id = self._block_len, self._event, self._id
        own_id, id_len, event_len = self._own_id, self._id_len, self._event_len
        committed = self.last_event_id
        resume = len(lines)
        # enumerate over the list beats indexing in a while loop on this path.
        for pos, line in enumerate(lines[start:] if start else lines, start + 1):
            if not line:
                # Dispatch (E1-E6): commit the id even when nothing is delivered (E1, E2).
                committed = event_id
                if data:
                    out.append(
                        SSEEvent(
                            event.decode("utf-8", "replace") if event else "message",
                            # One data line (the usual) is decoded without a copy first.
                            (data[0] if len(data) == 1 else b"\n".join(data)).decode(
                                "utf-8", "replace"
                            ),
                            event_id,
                            own_id,
                        )
                    )
                    data.clear()
                block_len = id_len = event_len = 0
                event = b""
                own_id = False
                continue
            # The three fields an ATP event has, in their usual spelling, first: one prefix
            # test each instead of finding the colon and slicing the name and the space.
            if line.startswith(b"data: "):
                name, value = b"data", line[6:]
            elif line.startswith(b"id: "):
                name, value = b"id", line[4:]
            elif line.startswith(b"event: "):
                name, value = b"event", line[7:]
            elif line[0] == 58:  # ":" starts a comment (D2)
                continue
            # _split_field() inlined: a call per line costs measurably on this path.
            elif (colon := line.find(b":")) < 0:
                # No colon: the whole line is the name, the value is empty (D4).
                name, value = line, b""
            else:
                name = line[:colon]
                # Exactly one leading space goes (D3); slice once, the value may be large.
                if line[colon + 1 : colon + 2] == b" ":
                    value = line[colon + 2 :]
                else:
                    value = line[colon + 1 :]
            # A kept line counts whole, field name and line end: a partial line compares
            # alike (`_over_the_cap_partly`).
            if name == b"data":
                data.append(value)
                block_len += len(line) + 1
            elif name == b"event":
                block_len += len(line) + 1 - event_len
                event, event_len = value, len(line) + 1
            elif name == b"id":
                if b"\0" in value:  # an id with NUL is ignored entirely (D6)
                    continue
                block_len += len(line) + 1 - id_len
                id_len = len(line) + 1
                # A line over the cap puts its block over it and is not read (G7): cut by
                # a read, it is not kept to be read either.
                if len(line) <= cap:
                    event_id = value.decode("utf-8", "replace")
                    own_id = True
            elif name == b"retry":
                # A line that long is dropped unread when a read ends inside it (G7); whole,
                # it is dropped alike, so a cut never changes what is applied.
                if len(line) + block_len <= cap:
                    self._set_retry(value)
                continue
            else:
                continue
            if block_len > cap:
                resume = pos
                break
        self._block_len, self._event, self._id = block_len, event, event_id
        self._own_id, self._id_len, self._event_len = own_id, id_len, event_len
        self.last_event_id = committed
        if block_len > cap:
            self._start_discard()
        return resume

    def _discard_lines(
        self, lines: list[bytes], i: int, out: list[SSEEvent | OversizedEvent]
    ) -> int:
        """Skip an oversized block's lines, honouring `id:`/`retry:`; return the resume index."""
        n = len(lines)
        while i < n:
            line = lines[i]
            i += 1
            if not line:
                self.last_event_id = self._id  # E1: the cursor moves past the skipped block
                event_id = self._id if self._own_id else None
                out.append(OversizedEvent(event_id, self._discard_size))
                self._discarding = False
                self._discard_size = 0
                self._own_id = False
                return i
            self._discard_size += len(line) + 1
            if line[0] == 58:
                continue
            name, value = _split_field(line)
            if name == b"id" and b"\0" not in value and len(line) <= self._max_event:
                self._id = value.decode("utf-8", "replace")
                self._own_id = True
            elif name == b"retry" and len(line) <= self._max_event:  # as in _normal_lines
                self._set_retry(value)
        return n

    def _start_discard(self) -> None:
        """The block went over the cap: drop its buffers and only count from now on."""
        self._discarding = True
        self._discard_size = self._block_len
        self._data.clear()
        self._block_len = self._id_len = self._event_len = 0
        self._event = b""

    def _set_retry(self, value: bytes) -> None:
        """Apply `retry:` only for ASCII digits, read as decimal (D6)."""
        if _DIGITS.fullmatch(value):
            digits = value.lstrip(b"0") or b"0"
            self.retry_ms = int(digits) if len(digits) <= _RETRY_MAX_DIGITS else _RETRY_CLAMP
