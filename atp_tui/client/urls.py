"""Server URL checks without httpx: what the CLI needs before anything touches the network.

Kept apart from `atp_tui.client.http` so that validating `--server` at start does not import
httpx (~95 ms): the TUI's first frame should not wait for the HTTP stack it uses only later.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """The connection settings cannot work; the message says what to change."""


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an IP literal, brackets allowed) is this machine."""
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, *, allow_insecure: bool = False) -> str:
    """Validate a server base URL and return it without a trailing slash.

    Plain `http://` is accepted for loopback hosts only, unless `allow_insecure` is set: a token
    sent in clear over a network can be read by anyone on the path.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"server URL {url!r} is not an http(s) URL; give one like https://atp.example.com"
        )
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname):
        raise ConfigError(
            f"server URL {url!r} uses plain http to a non-local host, which would send the token "
            "in clear; use https, or pass --insecure if you really mean it"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"server URL {url!r} must not carry a query or fragment")
    return url.strip().rstrip("/")
