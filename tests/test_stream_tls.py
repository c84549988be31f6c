"""Case 49 and part of 46: certificate failures and https → http redirects over local TLS."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from atp_tui.client.events import ConnectionChanged
from tests.engine_helpers import collect, has_state, make_engine
from tests.hostile import Conn, HostileServer
from tests.watch_helpers import watch_command, watch_env


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh self-signed certificate for 127.0.0.1 (key beside it); nobody trusts it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder: Path = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem"


@pytest.fixture
def self_signed(certificate: Path) -> ssl.SSLContext:
    """A server-side TLS context using `certificate`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, certificate.with_name("key.pem"))
    return context


async def test_untrusted_certificate_is_a_clear_error_retried_at_the_cap(
    self_signed: ssl.SSLContext, fake_clock
) -> None:
    """Case 49: "certificate problem", verification stays on, waits at the 30 s cap."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.hang()

    async with HostileServer(script, self_signed) as server:
        events = await collect(
            make_engine(server.url, clock=fake_clock), has_state("reconnecting", 2)
        )
    waits = [
        e.state
        for e in events
        if isinstance(e, ConnectionChanged) and e.state.kind == "reconnecting"
    ]
    assert "certificate" in waits[0].detail
    assert [state.retry_in for state in waits] == [30.0, 30.0]
    assert not any(e.state.kind == "connected" for e in events if isinstance(e, ConnectionChanged))


async def test_trusted_local_ca_works_and_https_to_http_redirect_is_refused(
    self_signed: ssl.SSLContext, certificate: Path, fake_clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cases 46 and 49: a CA trusted through explicit local config (SSL_CERT_FILE) connects;
    a redirect from https to plain http is refused, never followed."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))

    async def plain(conn: Conn) -> None:
        await conn.send_head()
        await conn.hang()

    async with HostileServer(plain) as insecure:

        async def tls(conn: Conn) -> None:
            if conn.request.index == 0:
                await conn.send_head()
                await conn.write(": hello\n\n")
            else:
                target = insecure.url + "/api/v1/client/events"
                await conn.send_response(307, b"", headers={"Location": target})

        async with HostileServer(tls, self_signed) as server:
            events = await collect(
                make_engine(server.url, clock=fake_clock), has_state("reconnecting", 2)
            )
    details = [e.state.detail for e in events if isinstance(e, ConnectionChanged)]
    assert "connected" in [e.state.kind for e in events if isinstance(e, ConnectionChanged)]
    assert any("refused a redirect from https to http" in detail for detail in details), details
    assert insecure.requests == []


async def test_trust_set_after_a_first_client_is_honoured(
    self_signed: ssl.SSLContext, certificate: Path, fake_clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verifying TLS context is made once per process, but per `SSL_CERT_FILE` value: a CA
    trusted after a first client was made (the default bundle, which refuses this certificate)
    is honoured by the next client, and dropping it refuses again."""

    async def script(conn: Conn) -> None:
        await conn.send_head()
        await conn.write(": hello\n\n")
        await conn.hang()

    def kinds(events: list) -> list[str]:
        return [e.state.kind for e in events if isinstance(e, ConnectionChanged)]

    async with HostileServer(script, self_signed) as server:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        refused = await collect(
            make_engine(server.url, clock=fake_clock), has_state("reconnecting", 1)
        )
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        trusted = await collect(make_engine(server.url, clock=fake_clock), has_state("connected"))
        monkeypatch.delenv("SSL_CERT_FILE")
        refused_again = await collect(
            make_engine(server.url, clock=fake_clock), has_state("reconnecting", 1)
        )
    assert "connected" not in kinds(refused)
    assert "connected" in kinds(trusted)
    assert "connected" not in kinds(refused_again)


@pytest.mark.parametrize("bundle", ["missing", "not PEM"])
@pytest.mark.parametrize("command", ["watch", "respond"])
def test_ca_certificates_that_cannot_be_loaded_are_one_line_and_exit_2(
    tmp_path: Path, bundle: str, command: str
) -> None:
    """`SSL_CERT_FILE` naming nothing, or a file that holds no certificate: one line that
    names the variable and what to do, exit 2; no traceback (the context is made in a
    thread, whose failure printed one, then the caller's another)."""
    cert_file = tmp_path / "bundle.pem"
    if bundle == "not PEM":
        cert_file.write_text("garbage\n")
    argv = watch_command("https://127.0.0.1:9", tmp_path / "state")
    if command == "respond":
        argv = [*argv[:3], "respond", "--server", "https://127.0.0.1:9", "n1", "ok"]
        argv += ["--state-dir", str(tmp_path / "state")]
    done = subprocess.run(
        argv,
        capture_output=True,
        env={**watch_env(), "SSL_CERT_FILE": str(cert_file)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("atp-tui: error: cannot load the CA certificates from SSL_CERT_FILE")
    assert "fix or unset" in lines[0]
