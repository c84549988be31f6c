"""`respond` against hostile replies, SSE-CLIENT-RULES.md (g): a redirect on `POST /respond` is
never followed and never counts as sent (case 75), an unparseable `Location` is a one-line
error (case 77), and a notification GET that returns HTML, `null`, deep nesting or no id is a
one-line error with a non-zero exit (case 83); the token never appears in a message (case 80).

Every server is real and on 127.0.0.1 (`tests.hostile.HostileServer`). Backoff waits go
through `FakeClock` (instant); the request deadline is made short instead of waiting out the
real 30 s.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from atp_tui.commands.respond import EXIT_NOT_SENT, EXIT_SENT
from atp_tui.store import Store
from tests.conftest import FakeClock
from tests.hostile import HostileServer, notification
from tests.respond_faults_helpers import (
    NID,
    OK,
    TOKEN,
    Plan,
    Step,
    _client,
    _outcomes,
    _run_cli,
    _store,
    redirect,
    reply,
    trickle_headers,
)

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
