"""`respond` against hostile servers and a damaged response log: SSE-CLIENT-RULES.md (g).

Case 75 (a redirect on `POST /respond` is never followed and never counts as sent), case 76 (a
POST whose reply never comes is "unknown" and reconciled with a GET before anything is sent
again; every request has a deadline), case 77 (an unparseable `Location` is a one-line error),
case 80 (the token never appears in a message) and case 83 (a notification GET that returns
HTML, `null`, deep nesting or no id is a one-line error with a non-zero exit). Case 84 (a
corrupt responses row) is in `tests/test_history.py`.

Every server is real and on 127.0.0.1: `tests.hostile.HostileServer` for the faults, the
reference server for normal behaviour. Backoff waits go through `FakeClock` (instant); the
request deadline is made short instead of waiting out the real 30 s.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from atp_tui.client.respond import RespondClient
from atp_tui.commands.respond import EXIT_NOT_SENT, EXIT_SENT, EXIT_UNKNOWN, respond_once
from atp_tui.protocol.models import Notification
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import Conn, HostileServer, notification

TOKEN = "tok-SECRET-83c1d0e5"
NID = "n1"
#: Short enough to keep the tests quick, long enough for a loopback reply on a busy machine.
DEADLINE = 0.5

Step = Callable[[Conn], Awaitable[None]]


def reply(
    status: int,
    body: dict[str, Any] | bytes | str = b"",
    content_type: str = "application/json",
    **headers: str,
) -> Step:
    """A step that answers with `status` and `body`."""

    async def step(conn: Conn) -> None:
        await conn.send_response(status, body, content_type, headers=headers)

    return step


def redirect(status: int, location: str) -> Step:
    """A redirect to `location` (a small HTML body, as login proxies send)."""
    return reply(status, b"<html>moved</html>", Location=location)


async def hang(conn: Conn) -> None:
    """Never answer (the request was read in full)."""
    await conn.hang()


async def trickle_headers(conn: Conn) -> None:
    """Start a reply and send its headers one byte at a time, never finishing them."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10_000:
        conn.writer.write(bytes([byte]))
        await conn.writer.drain()
        await asyncio.sleep(0.02)


def shows(status: str, nid: str = NID) -> Step:
    """GET /notifications/{id}: the notification in `status`."""
    return reply(200, notification(nid, status=status))


OK = reply(
    200, {"notification_id": NID, "status": "responded", "responded_at": "2026-11-28T12:00:01Z"}
)


class Plan:
    """One step per POST and per GET (in each list the last one repeats); records bodies."""

    def __init__(self, posts: list[Step], gets: list[Step] | None = None) -> None:
        self.posts = posts
        self.gets = gets or [shows("delivered")]
        self.bodies: list[bytes] = []
        self.get_count = 0

    async def __call__(self, conn: Conn) -> None:
        if conn.request.method == "POST":
            length = int(conn.request.headers.get("content-length", "0"))
            self.bodies.append(await conn.reader.readexactly(length))
            await self.posts[min(len(self.bodies), len(self.posts)) - 1](conn)
        else:
            self.get_count += 1
            await self.gets[min(self.get_count, len(self.gets)) - 1](conn)


def _store(clock: FakeClock) -> Store:
    store = Store.in_memory(clock)
    store.add_notification(Notification.model_validate(notification(NID)), "1")
    store.commit()
    return store


def _client(url: str, store: Store | None, clock: FakeClock, **kw: Any) -> RespondClient:
    return RespondClient(url, TOKEN, store, clock=clock, request_deadline=DEADLINE, **kw)


def _outcomes(store: Store) -> list[str]:
    return [attempt.outcome for attempt in store.responses(NID)]


def _methods(server: HostileServer) -> list[str]:
    return [request.method for request in server.requests]


async def _run_cli(
    url: str, state_dir: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """`respond NID ok [args]` in-process with short deadlines; (status, stdout, stderr)."""
    raw = args[0] if args else None
    code = await respond_once(
        url,
        TOKEN,
        NID,
        "ok",
        raw,
        state_dir=state_dir,
        clock=FakeClock(jitter=0.0),
        request_deadline=DEADLINE,
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- case 75: redirects on the POST ------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_case_75_a_redirect_on_the_post_is_refused_never_followed_never_sent(
    status: int, fake_clock: FakeClock
) -> None:
    """Case 75: "refused: redirected to …", no body to the other origin, a retry still goes.

    Before: httpx followed it; a 302/303 to a login page came back 200 and was logged
    "sent" (a retry was then refused as a duplicate), and a 307/308 carried the answer to the
    other origin.
    """
    elsewhere = Plan([OK])
    async with HostileServer(elsewhere) as other:
        plan = Plan([redirect(status, f"{other.url}/api/v1/client/respond"), OK])
        store = _store(fake_clock)
        async with HostileServer(plan) as server:
            client = _client(server.url, store, fake_clock)
            try:
                outcome = await client.respond(NID, "ok", None)
                assert outcome.kind == "refused" and not outcome.ok
                assert outcome.message.startswith(f"redirected to {other.url}/api/v1/client/")
                assert f"HTTP {status}" in outcome.message
                assert other.requests == []  # nothing followed, no body anywhere else
                assert len(plan.bodies) == 1
                assert _outcomes(store) == ["refused"]
                assert store.get(NID).status == "delivered"
                # Not counted as sent, so a later answer is not refused as a duplicate.
                again = await client.respond(NID, "ok", None)
            finally:
                await client.aclose()
    assert again.kind == "sent"
    assert _outcomes(store) == ["refused", "sent"]
    assert fake_clock.sleeps == []


async def test_case_75_respond_command_reports_the_login_redirect_and_allows_a_retry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 75 from the shell: exit 1, "refused: redirected to /login", logged as refused;
    the next run sends (it was reported `sent: answer sent`, exit 0, then blocked)."""
    plan = Plan([redirect(302, "/login?next=%1b[2J\x1b]0;pwned\x07" + TOKEN), OK])
    async with HostileServer(plan) as server:
        first = await _run_cli(server.url, tmp_path, capsys)
        second = await _run_cli(server.url, tmp_path, capsys)
    code, out, err = first
    assert code == EXIT_NOT_SENT, (out, err)
    # The outcome line names the notification and the answer first (issue #11 item 12).
    assert out.startswith("refused: Decision n1 → OK — redirected to /login?next=")
    assert "\x1b" not in out and "\x07" not in out  # neutralised
    assert TOKEN not in out
    assert out.count("\n") == 1 and err == ""
    assert second[0] == EXIT_SENT and second[1].startswith("sent:")
    store = Store.open(tmp_path)
    try:
        assert _outcomes(store) == ["refused", "sent"]
        assert all(TOKEN not in attempt.detail for attempt in store.responses())
    finally:
        store.close()


# -- case 77 (respond side): an unparseable Location ---------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for 127.0.0.1 (key beside it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder: Path = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-subj", "/CN=127.0.0.1"),
            *("-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem"


@pytest.mark.parametrize(
    ("location", "expected"),
    [("http://[::1", "an unparseable location"), ("http://127.0.0.1:9/x", "plain http")],
)
async def test_case_75_77_a_bad_redirect_over_https_is_refused_in_one_line(
    location: str, expected: str, certificate: Path, fake_clock: FakeClock
) -> None:
    """Cases 75, 77: over https the shared client inspects `Location` before anything else;
    an unparseable one (httpx.InvalidURL, it used to escape as a traceback) or a downgrade
    to http is a refusal naming it, not a crash and not "sent"."""
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(certificate, certificate.with_name("key.pem"))
    trusting = ssl.create_default_context(cafile=str(certificate))
    plan = Plan([redirect(302, location)])
    store = _store(fake_clock)
    async with HostileServer(plan, ssl_context=server_side) as server:
        client = _client(
            server.url, store, fake_clock, transport=httpx.AsyncHTTPTransport(verify=trusting)
        )
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "refused"
    assert outcome.message.startswith("redirected to ") and expected in outcome.message
    assert "\n" not in outcome.message
    assert _outcomes(store) == ["refused"] and len(plan.bodies) == 1


# -- case 76: no reply to the POST ---------------------------------------------------------------


async def test_case_76_a_post_never_answered_is_unknown_and_reconciled_before_any_resend(
    fake_clock: FakeClock,
) -> None:
    """Case 76: the POST went out and no reply came; the GET fails too → "unknown", one POST.

    Before: four POSTs over ~88 s, then "not sent" although the server may have it. Then a
    later attempt (same log, new client, as a second `respond` run) checks first: still open
    → sent once; already answered → nothing posted; the check failing again → still unknown.
    """
    first = Plan([hang], gets=[hang])
    store = _store(fake_clock)
    async with HostileServer(first) as server:
        client = _client(server.url, store, fake_clock)
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "unknown" and not outcome.ok
    assert len(first.bodies) == 1  # never posted again without a check in between
    assert _methods(server) == ["POST", "GET"]
    assert "may or may not have been recorded" in outcome.message
    assert _outcomes(store)[-1] == "unknown"
    assert store.get(NID).status == "delivered"  # kept pending, not marked answered

    # The check fails again: stays unknown, nothing posted.
    still_down = Plan([OK], gets=[reply(503, b"")])
    async with HostileServer(still_down) as server:
        client = _client(server.url, store, fake_clock)
        try:
            again = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert again.kind == "unknown" and still_down.bodies == []
    assert _methods(server) == ["GET"]

    # The server shows it answered (our first POST landed): sent, without a second POST.
    answered = Plan([OK], gets=[shows("responded")])
    async with HostileServer(answered) as server:
        client = _client(server.url, store, fake_clock)
        try:
            confirmed = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert confirmed.kind == "sent" and answered.bodies == []
    assert _methods(server) == ["GET"]
    assert _outcomes(store)[-2:] == ["unknown", "sent"]
    assert store.get(NID).status == "responded"


async def test_case_76_after_unknown_a_still_open_notification_is_answered_once(
    fake_clock: FakeClock,
) -> None:
    """Case 76: a reset after the body and a failed check → unknown; the next attempt's GET
    shows the notification open, so it is safe to send: exactly one more POST."""

    async def reset(conn: Conn) -> None:
        conn.reset()

    first = Plan([reset], gets=[reply(502, b"")])
    store = _store(fake_clock)
    async with HostileServer(first) as server:
        client = _client(server.url, store, fake_clock)
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "unknown" and len(first.bodies) == 1
    second = Plan([OK], gets=[shows("delivered")])
    async with HostileServer(second) as server:
        client = _client(server.url, store, fake_clock)
        try:
            sent = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert sent.kind == "sent"
    assert _methods(server) == ["GET", "POST"]
    assert _outcomes(store) == ["retrying", "unknown", "sent"]


async def test_case_76_trickled_headers_hit_the_deadline_and_respond_ends(
    fake_clock: FakeClock,
) -> None:
    """Case 76 (and 79's rule for respond): headers trickled a byte at a time never trip a
    read timeout; the whole-request deadline ends the POST and the GET, the outcome is
    unknown, and nothing is posted twice. Before, `respond` hung for more than 90 s."""
    plan = Plan([trickle_headers], gets=[trickle_headers])
    store = _store(fake_clock)
    async with HostileServer(plan) as server:
        client = _client(server.url, store, fake_clock)
        try:
            # A guard against a hang only (20× the deadline); the assertions are below.
            async with asyncio.timeout(40 * DEADLINE):
                outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "unknown"
    assert len(plan.bodies) == 1
    assert f"no complete reply within {DEADLINE:g} s" in outcome.message


async def test_case_76_a_connect_error_is_a_plain_failure_and_retried_without_a_check(
    fake_clock: FakeClock,
) -> None:
    """Case 76: nothing was sent when the connection was refused, so retrying needs no GET
    and the outcome is "failed", not "unknown"."""
    async with HostileServer(Plan([OK])) as server:
        url = server.url  # closed again below: nothing listens there any more
    client = _client(url, _store(fake_clock), fake_clock, max_attempts=2)
    try:
        outcome = await client.respond(NID, "ok", None)
    finally:
        await client.aclose()
    assert outcome.kind == "failed"
    assert fake_clock.sleeps == [1.0]


async def test_case_76_retries_stop_within_the_total_budget(fake_clock: FakeClock) -> None:
    """Case 76: a server that keeps answering 503 is retried only while the budget lasts
    (here 20 s of backoff, counted on the fake clock), not for `max_attempts` alone."""
    plan = Plan([reply(503, b"")])
    store = _store(fake_clock)
    async with HostileServer(plan) as server:
        client = _client(server.url, store, fake_clock, max_attempts=50, retry_budget=20.0)
        try:
            outcome = await client.respond(NID, "ok", None)
        finally:
            await client.aclose()
    assert outcome.kind == "failed"
    assert sum(fake_clock.sleeps) + DEADLINE <= 20.0
    assert len(plan.bodies) == len(fake_clock.sleeps) + 1 < 50


async def test_case_76_respond_command_exits_5_when_the_outcome_is_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 76 from the shell: "outcome unknown: …" and exit status 5 (not 0 "sent", not 1 "not
    sent"); the next run checks first and, the server showing it answered, exits 0."""
    gets = [shows("delivered"), hang, shows("responded")]
    plan = Plan([hang], gets=gets)
    async with HostileServer(plan) as server:
        code, out, err = await _run_cli(server.url, tmp_path, capsys)
        assert code == EXIT_UNKNOWN, (out, err)
        # The TUI's words for it (issue #11 items 4 and 12), then what was answered.
        assert out.startswith("outcome unknown: Decision n1 → OK — ") and err == ""
        code, out, err = await _run_cli(server.url, tmp_path, capsys)
    assert code == EXIT_SENT, (out, err)
    assert out.startswith("sent: ") and "got through" in out
    assert len(plan.bodies) == 1


# -- case 83: a notification GET that is not a notification ------------------------------------


_DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (reply(200, "<html><body>Sign in</body></html>", content_type="text/html"), "not JSON"),
        (reply(200, b"null"), "null"),
        (reply(200, _DEEP), "nested too deeply"),
        (reply(200, {"context": {"title": "no id"}, "actions": []}), "not a valid notification"),
        (reply(200, notification("someone-else")), "someone-else instead"),
        (reply(200, b"{" * 10 + b'"id": "n1"'), "not JSON"),
        (reply(403, {"code": "DENIED", "message": f"token {TOKEN} may not read this"}), "403"),
        (redirect(302, "http://[::1"), "unparseable location"),
        (trickle_headers, "no complete reply"),
        (reply(200, b" " * (2 * 1024 * 1024)), "larger than 1024 KB"),
    ],
    ids=[
        *("html", "null", "deep", "no-id", "other-id", "broken-json", "403-echo", "bad-loc"),
        *("slow", "huge"),
    ],
)
async def test_case_83_a_bad_notification_get_is_one_line_and_a_non_zero_exit(
    step: Step, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Case 83 (and 80): one line on stderr naming the problem, exit 1, no traceback, no
    token, nothing posted. Before: tracebacks for HTML, `null`, deep nesting and a missing
    id, and the 403 body's token printed as is."""
    plan = Plan([OK], gets=[step])
    async with HostileServer(plan) as server:
        code, out, err = await _run_cli(server.url, tmp_path, capsys)
    assert code == EXIT_NOT_SENT
    assert out == ""
    assert err.startswith("atp-tui: ") and err.count("\n") == 1, err
    assert expected in err
    assert "Traceback" not in err and TOKEN not in err
    assert plan.bodies == []


# -- the answer log comes first: a full disk, a process killed while its POST is out -------


async def test_case_72_respond_on_a_full_disk_sends_nothing(tmp_path: Path) -> None:
    """Its state cannot be opened (disk full): exit 4, one line, no POST; the healthy
    database is left alone (it used to be moved aside, and the duplicate guard with it)."""
    from tests.watch_helpers import fill, tmpfs

    plan = Plan([OK])
    with tmpfs(tmp_path / "fs", "1m") as fs:
        store = Store.open(fs / "state")
        store.record_response(NID, "ok", None, "sent")
        store.close()
        fill(fs)
        async with HostileServer(plan) as server:
            for _ in range(3):
                code = await respond_once(
                    server.url, TOKEN, NID, "ok", None, state_dir=fs / "state"
                )
                assert code == 4
        assert not list((fs / "state").glob("*.corrupt-*"))
    assert plan.bodies == []


async def test_an_answer_that_cannot_be_logged_first_is_not_sent(fake_clock: FakeClock) -> None:
    """The `sending` row is written before the POST; when it cannot be, nothing is sent."""
    from atp_tui.store.db import StateWriteError

    plan = Plan([OK])
    store = _store(fake_clock)

    def refuse(*args: object, **kwargs: object) -> int:
        raise StateWriteError("cannot save state (database or disk is full)")

    store.record_response = refuse  # type: ignore[method-assign]
    async with HostileServer(plan) as server:
        outcome = await _client(server.url, store, fake_clock).respond(NID, "ok", None)
    assert outcome.kind == "failed"
    assert "could not be recorded first" in outcome.message
    assert plan.bodies == []


async def test_case_76_a_process_killed_while_its_post_is_out_is_checked_next_time(
    tmp_path: Path,
) -> None:
    """kill -9 while the POST waits for its reply; the next `respond` finds the `sending` row,
    asks the server (which shows it answered) and sends nothing again."""
    import os
    import signal
    import sys

    posted = asyncio.Event()

    async def post_then_hang(conn: Conn) -> None:
        posted.set()
        await conn.hang()

    plan = Plan([post_then_hang], gets=[shows("delivered"), shows("responded")])
    async with HostileServer(plan) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "atp_tui.cli",
            "respond",
            NID,
            "ok",
            "--server",
            server.url,
            "--state-dir",
            str(tmp_path),
            env={**os.environ, "ATP_TOKEN": TOKEN},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await asyncio.wait_for(posted.wait(), 30)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        code = await respond_once(server.url, TOKEN, NID, "ok", None, state_dir=tmp_path)
    assert code == EXIT_SENT
    assert len(plan.bodies) == 1
    assert plan.get_count == 3  # each run's fetch, then the check
    store = Store.open(tmp_path)
    # The killed run's row stays as it was (history skips it); the check's outcome follows.
    assert _outcomes(store) == ["sending", "sent"]
    store.close()
