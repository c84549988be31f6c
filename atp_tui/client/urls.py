"""Server URL checks without httpx: what the CLI needs before it connects anywhere.

Kept apart from `atp_tui.client.http` so that validating `--server` at start does not import
httpx (~95 ms): the TUI's first frame should not wait for the HTTP stack it uses only later.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from atp_tui.settings.checks import url_problem

#: Looks a host name up: its addresses as text, or `OSError` (e.g. `socket.gaierror`).
Resolver = Callable[[str], Sequence[str]]


class ConfigError(ValueError):
    """The connection settings cannot work; the message says what to change."""


def resolve_host(host: str) -> list[str]:
    """Every address `host` resolves to for a TCP connection, as the connection would see it."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


#: Names that may stand for this machine; any other name is refused without a lookup.
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address `text` spells (brackets and an IPv6 zone allowed), or `None`."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def _is_loopback_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        # ::ffff:127.0.0.1 reaches 127.0.0.1, but `is_loopback` says no before Python 3.13.
        return address.ipv4_mapped.is_loopback
    return address is not None and address.is_loopback


def loopback_problem(host: str, resolve: Resolver = resolve_host) -> str | None:
    """`None` when `host` is this machine, else why it is not (for an error message).

    An IP literal counts when it is a loopback address. A name counts only when it is
    `localhost` or ends in `.localhost` *and* every address it resolves to is a loopback
    address: the `.localhost` rule is only a convention (RFC 6761), and /etc/hosts or a DNS
    server can send such a name anywhere (case 81). Other names are refused without a lookup.
    """
    literal = _ip(host)
    if literal is not None:
        return None if _is_loopback_ip(literal) else f"{host} is not a loopback address"
    name = host.lower().rstrip(".")
    if name not in _LOOPBACK_NAMES and not name.endswith(".localhost"):
        return f"{host} is not a local name"
    try:
        addresses = list(resolve(host))
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        return f"{host} does not resolve, so it cannot be checked to be this machine"
    others = sorted({address for address in addresses if not _is_loopback_ip(_ip(address))})
    if others:
        return f"{host} resolves to {', '.join(others[:3])}, not to this machine"
    return None


def is_loopback(host: str, resolve: Resolver = resolve_host) -> bool:
    """Whether `host` (an IP literal, brackets allowed, or a name) is this machine.

    A name is looked up with `resolve`: see `loopback_problem`.
    """
    return loopback_problem(host, resolve) is None


def check_server_url(
    url: str, *, allow_insecure: bool = False, resolve: Resolver = resolve_host
) -> str:
    """Validate a server base URL and return it without a trailing slash.

    Plain `http://` is accepted for loopback hosts only, unless `allow_insecure` is set: a token
    sent in clear over a network can be read by anyone on the path. Loopback means every
    address the host resolves to (through `resolve`) is a loopback address.
    """
    problem = url_problem(url.strip())
    if problem is not None:
        raise ConfigError(f"server URL {problem}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"server URL {url!r} is not an http(s) URL; give one like https://atp.example.com"
        )
    if parts.scheme == "http" and not allow_insecure:
        problem = loopback_problem(parts.hostname, resolve)
        if problem is not None:
            raise ConfigError(
                f"server URL {url!r} uses plain http, which would send the token in clear, "
                f"but {problem}; use https, or pass --insecure if you really mean it"
            )
    if parts.query or parts.fragment:
        raise ConfigError(f"server URL {url!r} must not carry a query or fragment")
    return url.strip().rstrip("/")
