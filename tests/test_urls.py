"""Server URL checks: plain http only to this machine (SSE-CLIENT-RULES.md case 66e and 81).

Case 81: `http://name.localhost` was taken for loopback by its spelling, so a name that
/etc/hosts or a DNS server sent elsewhere got the token in clear. Loopback is now decided by
what the name resolves to; the resolver is patched at `socket.getaddrinfo`, the operating-system
boundary (a test must not edit /etc/hosts), and `localhost` itself is resolved for real. Every
command (TUI, `watch`, `respond`) checks its URL through `cli._connection`, so testing
`check_server_url` covers them all.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from atp_tui.client.urls import ConfigError, check_server_url, is_loopback
from atp_tui.settings import Settings

#: TEST-NET-1 (RFC 5737): an address that is certainly not this machine.
ELSEWHERE = "192.0.2.10"


def answering(table: dict[str, list[str]]) -> Callable[..., list[tuple]]:
    """A `socket.getaddrinfo` stand-in answering from `table`; other names do not exist."""

    def getaddrinfo(host: str, *args: object, **kwargs: object) -> list[tuple]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, 0),
            )
            for address in table[host]
        ]

    return getaddrinfo


def test_81_localhost_name_resolving_elsewhere_is_refused_without_insecure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Case 81: a `.localhost` name counts as loopback only if all its addresses are loopback."""
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        answering(
            {
                "evil.localhost": [ELSEWHERE],
                "half.localhost": ["127.0.0.1", ELSEWHERE],
                "dev.localhost": ["127.0.0.1", "::1"],
            }
        ),
    )
    with pytest.raises(ConfigError) as refused:
        check_server_url("http://evil.localhost:8080")
    message = str(refused.value)
    assert f"evil.localhost resolves to {ELSEWHERE}" in message
    assert "--insecure" in message and "https" in message
    with pytest.raises(ConfigError, match=f"half.localhost resolves to {ELSEWHERE}"):
        check_server_url("http://half.localhost:8080")
    with pytest.raises(ConfigError, match="does not resolve"):
        check_server_url("http://nowhere.localhost:8080")
    # What stays allowed: a name that really is this machine, https, and an explicit --insecure.
    assert check_server_url("http://dev.localhost:8080/") == "http://dev.localhost:8080"
    assert check_server_url("https://evil.localhost:8443") == "https://evil.localhost:8443"
    assert check_server_url("http://evil.localhost:8080", allow_insecure=True)
    assert not is_loopback("evil.localhost")


def test_loopback_literals_and_the_real_localhost() -> None:
    """IP literals are judged without a lookup; `localhost` is resolved by the real resolver."""
    assert is_loopback("localhost")
    assert check_server_url("http://localhost:1") == "http://localhost:1"
    for host in ("127.0.0.1", "127.8.9.10", "[::1]", "::ffff:127.0.0.1"):
        assert is_loopback(host, resolve=lambda name: [ELSEWHERE]), host
    for host in ("10.0.0.1", "[2001:db8::1]", "0.0.0.0", "::ffff:10.0.0.1"):
        assert not is_loopback(host), host

    def no_lookup(name: str) -> list[str]:
        raise AssertionError(f"{name} should be refused without a DNS lookup")

    # Any other name is refused as before, without asking DNS (no network at start).
    with pytest.raises(ConfigError, match="not a local name"):
        check_server_url("http://example.com", resolve=no_lookup)
    with pytest.raises(ConfigError, match="not a loopback address"):
        check_server_url("http://10.0.0.1:8080")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:99999", "impossible port ('99999')"),
        ("http://127.0.0.1:0", "impossible port ('0')"),
        ("http://127.0.0.1:x", "impossible port ('x')"),
        ("http://127.0.0.1:8787/\x1b]0;PWN\x07", "spaces or control characters"),
        ("http://127.0.0.1:8787/a b", "spaces or control characters"),
        ("http://bob:hunter2@127.0.0.1:8787", "must not hold a user name or password"),
        ("http://bob@127.0.0.1:8787", "must not hold a user name or password"),
    ],
)
def test_a_url_that_cannot_be_used_is_refused_at_start(url: str, problem: str) -> None:
    """These passed the check, then every connection failed with "unexpected error
    (InvalidURL)" and retried forever; a user:password@ was sent as Basic auth instead of the
    token, and printed in every connection message. The password is never quoted back."""
    with pytest.raises(ConfigError) as refused:
        check_server_url(url)
    assert problem in str(refused.value)
    assert "hunter2" not in str(refused.value) and "bob" not in str(refused.value)
    with pytest.raises(ValueError) as invalid:
        Settings.from_mapping({"server": url})
    assert "hunter2" not in str(invalid.value)


def test_ports_one_to_65535_and_none_are_fine() -> None:
    for url in ("http://127.0.0.1:1", "http://127.0.0.1:65535", "http://127.0.0.1"):
        assert check_server_url(url) == url
