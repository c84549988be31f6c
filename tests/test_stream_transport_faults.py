"""SSE-CLIENT-RULES.md §(g) cases 77, 78 and 79: hostile transports against a real `watch`.

Each case runs `atp-tui watch` as a subprocess against a byte-level server on 127.0.0.1 and ends
it with SIGTERM, because what the tester saw was a process: one that stayed "connecting" and
ignored SIGTERM (77), grew to 1.4 GB and took 40 s to exit (78), or stayed "connecting" for a
minute (79). "Exits within N s after SIGTERM" is a bounded wait for the exit, nothing else is
timed. Case 81 is in test_urls.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import ssl
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from atp_tui.client import stream as stream_module
from atp_tui.client.events import ConnectionChanged
from atp_tui.client.http import BodyRefused, aiter_body_pieces
from atp_tui.client.stream import EngineConfig, StreamEngine
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.engine_helpers import collect, has_state, make_engine, states
from tests.hostile import Conn, HostileServer, Script, frame, notification
from tests.test_stream_tls import certificate, self_signed  # noqa: F401 (fixtures)

TOKEN = "transport-secret-token"
#: What "exits promptly" means for SIGTERM (the rules' bound for case 78).
EXIT_AFTER_SIGTERM = 2.0
#: Peak resident memory allowed for `watch` fed a decompression bomb (it idles near 60 MB).
RSS_LIMIT_MB = 300


class Watch:
    """A running `atp-tui watch`: stdout JSON lines and stderr lines collected as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict] = []
        self.errors: list[str] = []
        self._readers = [
            asyncio.ensure_future(self._read_stdout()),
            asyncio.ensure_future(self._read_stderr()),
        ]

    @classmethod
    async def start(cls, url: str, state_dir: Path, *extra: str) -> Watch:
        """`atp-tui watch --server url` with the token in the environment."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "atp_tui.cli", "watch", "--server", url,
            "--state-dir", str(state_dir), *extra,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "ATP_TOKEN": TOKEN},
        )  # fmt: skip
        return cls(process)

    async def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(json.loads(line))

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.errors.append(line.decode("utf-8", "replace"))

    @property
    def stderr(self) -> str:
        """Everything written to stderr so far."""
        return "".join(self.errors)

    def notification_ids(self) -> list[str]:
        """Ids of the notifications printed so far."""
        return [line["data"]["id"] for line in self.lines if line["event"] == "notification"]

    async def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait for `condition` while the process runs; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.returncode is not None:
                raise AssertionError(f"watch exited ({self.process.returncode}) before {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s; stderr:\n{self.stderr}")
            await asyncio.sleep(0.05)

    def peak_rss_mb(self) -> float:
        """The process's peak resident set size so far (VmHWM), in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = next(line.split()[1] for line in status.splitlines() if line[:6] == "VmHWM:")
        return int(kilobytes) / 1024

    async def terminate(self, within: float = EXIT_AFTER_SIGTERM) -> int | None:
        """SIGTERM, then the exit status if it exits within `within` s (else kill it: None)."""
        code: int | None = None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        for reader in self._readers:
            with contextlib.suppress(ValueError):  # a line cut by the kill
                await reader
        return code


def tls_for(
    scheme: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> ssl.SSLContext | None:
    """The server TLS context for `scheme`, its CA trusted by child processes (SSL_CERT_FILE)."""
    if scheme == "http":
        return None
    monkeypatch.setenv("SSL_CERT_FILE", str(request.getfixturevalue("certificate")))
    return request.getfixturevalue("self_signed")


# -- case 77 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["https", "http"])
async def test_77_unparseable_location_backs_off_and_sigterm_works(
    scheme: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Case 77: a redirect to `http://[::1` is a failed attempt with a clear reason, retried
    with backoff; SIGTERM ends `watch` at once (it used to hang in "connecting", deaf to it)."""

    async def script(conn: Conn) -> None:
        await conn.send_response(302, b"", headers={"Location": "http://[::1"})

    async with HostileServer(script, tls_for(scheme, request, monkeypatch)) as server:
        watch = await Watch.start(server.url, tmp_path)
        try:
            await watch.until(
                lambda: len(server.requests) >= 2 and "unparseable Location" in watch.stderr,
                timeout=20,
                what="second attempt after the broken redirect",
            )
        finally:
            code = await watch.terminate()
    assert code == 0, watch.stderr
    assert "reconnecting in" in watch.stderr
    assert "redirect (302) to an unparseable Location header" in watch.stderr
    assert "Traceback" not in watch.stderr and TOKEN not in watch.stderr


class Exploding(httpx.AsyncBaseTransport):
    """A transport failing with an exception no httpx caller expects (not an HTTPError)."""

    def __init__(self) -> None:
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise RuntimeError("not a network error")


async def test_77_any_failure_of_the_reader_is_a_failed_attempt(fake_clock) -> None:
    """Case 77's cause: whatever the reader task raises settles the attempt (before, only
    httpx errors and OSErrors did, and anything else left the engine waiting forever)."""
    transport = Exploding()
    engine = StreamEngine(
        EngineConfig(server="http://127.0.0.1:9", token=TOKEN),
        Store.in_memory(),
        clock=fake_clock,
        transport=transport,
        jitter=False,
    )
    events = await collect(engine, has_state("reconnecting", 2), timeout=5)
    details = [
        e.state.detail
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "reconnecting"
    ]
    assert details == ["unexpected error (RuntimeError)"] * 2
    assert transport.calls == 2


# -- case 78 -----------------------------------------------------------------------------------


class GzipBody:
    """A gzip body assembled from segments, each ended by a full flush.

    A full flush resets the compressor, so the same segment always compresses to the same
    bytes: a MiB repeated a thousand times is compressed once, and the result is byte for byte
    what an honest compressor would send (the gzip trailer never comes: the body is endless).
    """

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        self.header = self._compressor.compress(b"") + self._compressor.flush(zlib.Z_FULL_FLUSH)
        self._done: dict[bytes, bytes] = {}

    def segment(self, data: bytes) -> bytes:
        """`data` compressed (memoised)."""
        if data not in self._done:
            self._done[data] = self._compressor.compress(data) + self._compressor.flush(
                zlib.Z_FULL_FLUSH
            )
        return self._done[data]


def encoded(body: bytes, encoding: str) -> bytes:
    """`body` as a server would send it with `Content-Encoding: encoding`."""
    if encoding == "gzip":
        return zlib.compress(body, wbits=16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "corrupt-gzip":
        return encoded(body, "gzip")[:10] + b"\xff" * 64  # the header, then no valid block
    return body


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate", "corrupt-gzip", "br"])
async def test_78_body_pieces_are_bounded_and_exact(encoding: str) -> None:
    """The decoder behind case 78: every piece is at most the limit, the pieces add up to the
    body exactly (also where zlib's output stops right at the limit), and a body we cannot
    inflate is refused with a reason rather than passed on."""
    # Incompressible bytes and long runs, so pieces end both inside and at the end of input.
    body = os.urandom(50_000) + b"\n" * 300_000 + os.urandom(7_000)

    async def script(conn: Conn) -> None:
        name = encoding.removeprefix("corrupt-")
        await conn.send_response(
            200, encoded(body, encoding), "text/plain", {"Content-Encoding": name}
        )

    async with HostileServer(script) as server, httpx.AsyncClient() as client:
        async with client.stream("GET", server.url) as response:
            pieces: list[bytes] = []
            try:
                async for piece in aiter_body_pieces(response, piece=1000):
                    pieces.append(piece)
            except BodyRefused as error:
                refused = str(error)
            else:
                refused = ""
    if encoding in ("corrupt-gzip", "br"):
        assert ("corrupt gzip" if encoding == "corrupt-gzip" else "unsupported") in refused
        return
    assert not refused
    assert max(map(len, pieces)) <= 1000
    assert b"".join(pieces) == body


MIB = 1 << 20
#: 1 MiB of 1 KiB comment lines: each completes a line (it feeds the watchdog) and is dropped.
COMMENTS = (b":" + b"x" * 1022 + b"\n") * 1024
NEWLINES = b"\n" * MIB
#: A line that never ends.
ENDLESS_LINE = b"x" * MIB


@pytest.mark.parametrize(
    ("junk", "before"),
    [
        pytest.param(COMMENTS, 512, id="512MiB-of-comment-lines"),
        pytest.param(NEWLINES, 16, id="newline-flood"),
        pytest.param(ENDLESS_LINE, 0, id="one-giant-line"),
    ],
)
async def test_78_gzip_bomb_is_inflated_in_bounded_pieces(
    junk: bytes, before: int, tmp_path: Path
) -> None:
    """Case 78: a server that ignores `Accept-Encoding: identity` and sends a gzip body of a
    few hundred KB that inflates to GBs. `watch` keeps its memory bounded, still reads what
    follows the junk (or drops the endless line at the line cap and reconnects), and exits
    within 2 s of SIGTERM while it is still being fed."""
    gzip = GzipBody()
    event = frame(notification("n1"), event_id="1").encode()
    accept_encodings: list[str | None] = []

    async def script(conn: Conn) -> None:
        accept_encodings.append(conn.request.headers.get("accept-encoding"))
        await conn.send_head(headers={"Content-Encoding": "gzip"})
        conn.writer.write(gzip.header)
        for _ in range(before):
            conn.writer.write(gzip.segment(junk))
            await conn.writer.drain()
        if junk is not ENDLESS_LINE:
            conn.writer.write(gzip.segment(event))
        while not conn.writer.is_closing():  # then junk until the client goes away
            conn.writer.write(gzip.segment(junk))
            await conn.writer.drain()

    async with HostileServer(script) as server:
        watch = await Watch.start(server.url, tmp_path)
        try:
            if junk is ENDLESS_LINE:
                await watch.until(
                    lambda: len(server.requests) >= 2, timeout=30, what="reconnect at the line cap"
                )
            else:
                await watch.until(
                    lambda: watch.notification_ids() == ["n1"], timeout=60, what="n1 after junk"
                )
            peak = watch.peak_rss_mb()
        finally:
            code = await watch.terminate()
    assert code == 0, f"no exit within {EXIT_AFTER_SIGTERM} s of SIGTERM (killed)"
    assert peak < RSS_LIMIT_MB, f"peak RSS {peak:.0f} MB"
    assert accept_encodings[0] == "identity"
    if junk is ENDLESS_LINE:
        assert "line limit" in watch.stderr, watch.stderr
    assert "Traceback" not in watch.stderr


# -- case 79 -----------------------------------------------------------------------------------


def trickled_headers(pause: float) -> Script:
    """Response headers a byte every `pause` s (every turn of the event loop at 0): every read
    is quick, the whole never ends."""

    async def script(conn: Conn) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        pad = b"X-Pad: " + b"a" * 10_000
        for byte in head + pad:
            conn.writer.write(bytes([byte]))
            await conn.writer.drain()
            await asyncio.sleep(pause)

    return script


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_79_trickled_headers_hit_the_open_deadline_in_the_engine(
    scheme: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    virtual_clock: FakeClock,
) -> None:
    """Case 79 in the engine, with the production heartbeat and slack on the fake clock:
    headers trickled a byte every turn of the event loop (dozens of reads, each far within
    httpx's per-read timeout of heartbeat + 15 s) end at heartbeat + slack, with the reason,
    and each attempt is followed by a reconnect with backoff; never `connected`. The real-time
    version is the `watch` process test below."""
    ssl_context = tls_for(scheme, request, monkeypatch)
    async with HostileServer(trickled_headers(0), ssl_context) as server:
        engine = make_engine(server.url, clock=virtual_clock, heartbeat=90.0)
        events = await collect(engine, has_state("reconnecting", 2))
    reconnecting = [
        e.state
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "reconnecting"
    ]
    assert [state.detail for state in reconnecting] == ["no response headers within 100 s"] * 2
    assert [(state.attempt, state.retry_in) for state in reconnecting] == [(1, 3.0), (2, 6.0)]
    assert virtual_clock.timeouts == [90.0 + stream_module.OPEN_DEADLINE_SLACK] * 2
    assert virtual_clock.sleeps == [3.0]  # the second attempt came after the first wait
    assert len(server.requests) == 2
    assert "connected" not in states(events)


async def test_79_trickled_headers_in_a_real_watch_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Case 79 as the tester saw it, over TLS: response headers trickled a byte every half
    second end at the open-phase deadline, heartbeat + 10 s, with a clear reason and a
    reconnect with backoff; SIGTERM mid-trickle ends `watch` at once."""
    ssl_context = tls_for("https", request, monkeypatch)
    async with HostileServer(trickled_headers(0.5), ssl_context) as server:
        watch = await Watch.start(server.url, tmp_path, "--heartbeat-timeout", "1")
        try:
            await watch.until(lambda: len(server.requests) >= 2, timeout=30, what="second attempt")
        finally:
            code = await watch.terminate()
    assert code == 0, f"no exit within {EXIT_AFTER_SIGTERM} s of SIGTERM (killed)"
    assert "no response headers within 11 s" in watch.stderr, watch.stderr
    assert "reconnecting in" in watch.stderr
    assert "atp-tui: connected" not in watch.stderr


# -- every phase: stop() ends events() whatever the network does -----------------------------


async def trickle(conn: Conn, data: bytes, pause: float = 0.2) -> None:
    """Send `data` a byte at a time: each read is quick, the whole never completes."""
    for byte in data:
        conn.writer.write(bytes([byte]))
        await conn.writer.drain()
        await asyncio.sleep(pause)


@pytest.mark.parametrize("phase", ["headers", "error-body", "poll"])
async def test_stop_ends_events_promptly_in_a_trickled_phase(phase: str) -> None:
    """`stop()` (what SIGTERM calls) ends `events()` within 2 s while a phase is being
    trickled: the stream's headers, a 500's body, or a polling answer (before, a trickled
    poll held the engine, and with it `watch`, until the server let go)."""
    head_500 = b"HTTP/1.1 500 X\r\nContent-Type: application/json\r\nContent-Length: 99999\r\n\r\n"
    poll_head = head_500.replace(b"500", b"200")

    async def script(conn: Conn) -> None:
        if phase == "headers":
            await trickle(conn, b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 10_000)
        elif phase == "error-body":
            conn.writer.write(head_500)
            await trickle(conn, b'{"error": ' + b" " * 10_000)
        elif conn.request.path.endswith("/events"):
            await conn.send_response(404, b"")
        else:
            conn.writer.write(poll_head)
            await trickle(conn, b'{"notifications": ' + b" " * 10_000)

    async with HostileServer(script) as server:
        engine = make_engine(server.url, heartbeat=60.0)  # deadlines far off: stop() must act
        events: list = []

        async def run() -> None:
            async for event in engine.events():
                events.append(event)

        task = asyncio.ensure_future(run())
        wanted = 2 if phase == "poll" else 1
        async with asyncio.timeout(10):
            while len(server.requests) < wanted:
                await asyncio.sleep(0.05)
        engine.stop()
        try:
            await asyncio.wait_for(task, EXIT_AFTER_SIGTERM)
        except TimeoutError:
            raise AssertionError(f"events() still running 2 s after stop(): {events}") from None
