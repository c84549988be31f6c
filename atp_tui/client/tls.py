"""The verifying TLS context every HTTP client here uses: made once, and ahead of need.

Loading the CA bundle costs ≈ 40 ms of CPU, and every client (each `respond`, the stream
engine, the respond client) would pay it again: the context is made once per value of the two
variables httpx reads (`SSL_CERT_FILE`, `SSL_CERT_DIR`), as httpx's `create_ssl_context` makes
it. `prepare_tls_context` starts that in a thread at a command's start: OpenSSL reads the
bundle with the GIL released, so it runs beside the imports that follow, not before the first
connection (measured: all of it hidden behind them).

Only the standard library and `certifi` (httpx's own CA bundle) are imported, here in the
caller's thread: the loading thread imports nothing, so it never waits on the import lock
the main thread holds.
"""

from __future__ import annotations

import functools
import os
import ssl
import threading

import certifi

from atp_tui.client.urls import ConfigError

_loading: threading.Thread | None = None


def _environment_key() -> tuple[str | None, str | None]:
    return os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")


@functools.lru_cache(maxsize=4)
def _context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's verifying context (`httpx.create_ssl_context()` with `trust_env`) for these
    `SSL_CERT_FILE` / `SSL_CERT_DIR` values: the file first, then the folder, else certifi's
    bundle."""
    if cert_file:
        return ssl.create_default_context(cafile=cert_file)
    if cert_dir:
        return ssl.create_default_context(capath=cert_dir)
    return ssl.create_default_context(cafile=certifi.where())


def prepare_tls_context() -> None:
    """Start making the context for the current environment in a thread; `tls_context`
    waits for it. Call it where a command starts, before its heavy imports."""
    global _loading
    if _loading is not None:
        return
    # Not a daemon: the interpreter waits for it at exit rather than ending under OpenSSL's
    # feet (a command that stopped at once crashed with SIGSEGV while the bundle loaded).
    _loading = threading.Thread(
        target=_load_ahead, args=_environment_key(), name="atp-tls-context", daemon=False
    )
    _loading.start()


def _load_ahead(cert_file: str | None, cert_dir: str | None) -> None:
    """The thread's work: make the context, so that `tls_context` finds it made."""
    try:
        _context_for(cert_file, cert_dir)
    except OSError:
        # Not cached: `tls_context` makes it again in the caller's thread, which reports
        # the failure (a thread's exception would only print a traceback).
        return


def tls_context() -> ssl.SSLContext:
    """The context for the current environment (waiting for `prepare_tls_context`'s thread
    if it is still loading). `ConfigError` when the CA certificates cannot be loaded."""
    if _loading is not None:
        _loading.join()
    cert_file, cert_dir = _environment_key()
    try:
        return _context_for(cert_file, cert_dir)
    except OSError as error:  # ssl.SSLError too: a file that is not PEM certificates
        if cert_file:
            where = f"SSL_CERT_FILE={cert_file}"
        elif cert_dir:
            where = f"SSL_CERT_DIR={cert_dir}"
        else:
            where = f"certifi's bundle ({certifi.where()})"
        raise ConfigError(
            f"cannot load the CA certificates from {where}: {error.strerror or error}; "
            "fix or unset that variable"
        ) from None
