"""Running the server: in the current event loop (tests, embedding) or blocking (the CLI).

uvicorn's access log is off (it would print query strings, and `?token=` may be in one) and its
logging config is left alone; our own access lines carry the path only. On shutdown every open
stream is ended first, so stopping never waits for clients to hang up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import socket
import sys
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from atp_tui.server.app import create_app
from atp_tui.server.config import ServerConfig
from atp_tui.server.state import ServerState

#: Seconds uvicorn waits for responses to finish at shutdown before cancelling them.
GRACEFUL_SHUTDOWN_SECONDS = 0.5

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class _Server(uvicorn.Server):
    """uvicorn with two additions: end our streams at shutdown, and drop a connection."""

    def __init__(
        self, config: uvicorn.Config, state: ServerState | None, *, embedded: bool
    ) -> None:
        super().__init__(config)
        self._state = state
        self._embedded = embedded

    async def main_loop(self) -> None:
        """uvicorn's tick loop, but woken at once by `request_exit` instead of polling only."""
        self._exit_requested = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.1):
                    await self._exit_requested.wait()

    def request_exit(self) -> None:
        """Ask the server to stop (from the event loop it runs in)."""
        self.should_exit = True
        event = getattr(self, "_exit_requested", None)
        if event is not None:
            event.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Embedded servers leave the host's signal handlers alone."""
        if self._embedded:
            yield
            return
        with super().capture_signals():
            yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """End every stream, then let uvicorn close connections and run the lifespan end."""
        if self._state is not None:
            self._state.begin_shutdown()
        await super().shutdown(sockets)

    def drop_connection(self, client: Any) -> bool:
        """Abort the TCP connection of the client at address `client` (no reply is sent)."""
        for connection in list(self.server_state.connections):
            if getattr(connection, "client", None) == client:
                connection.transport.abort()
                return True
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port` (port 0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP (not 0): asyncio only sets TCP_NODELAY on accepted sockets
    # that say so, and without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _uvicorn_config(app: ASGIApp) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,  # type: ignore[arg-type]  # a float works
    )


class AsgiServer:
    """Serve any ASGI app with uvicorn as a task of the current event loop (async context)."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        state: ServerState | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.url = ""
        self._state = state
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> AsgiServer:
        sock = bind_socket(self.host, self.port)
        self.url = _url(self.host, sock)
        server = _Server(_uvicorn_config(self.app), self._state, embedded=True)
        self._server = server
        if self._state is not None:
            self._state.connection_dropper = server.drop_connection
        self._task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if self._task.done():
                self._task.result()  # raises what went wrong
                raise RuntimeError("the server stopped during startup")
            await asyncio.sleep(0.005)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is None or self._task is None:
            return
        self._server.request_exit()
        done, _ = await asyncio.wait({self._task}, timeout=2.0)
        if not done:
            self._server.force_exit = True
            done, _ = await asyncio.wait({self._task}, timeout=1.0)
        if not done:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._state is not None:
            self._state.connection_dropper = None


class RunningServer:
    """The reference ATP server on a free local port, for tests and embedding.

    `async with RunningServer(ServerConfig(ping_interval=0.1)) as server:` then talk to
    `server.url`; `server.state` is the live `ServerState`.
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        state: ServerState | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.config = config or (state.config if state is not None else ServerConfig())
        self.state = state or ServerState(self.config)
        self.app = create_app(self.config, self.state)
        self._server = AsgiServer(self.app, host, port, state=self.state)

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321` (set once entered)."""
        return self._server.url

    async def __aenter__(self) -> RunningServer:
        await self._server.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._server.__aexit__(exc_type, exc, traceback)


def _configure_logging() -> None:
    """Concise log lines on stderr, unless the host application configured logging."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )


def banner(host: str, sock: socket.socket, config: ServerConfig) -> str:
    """The one startup line: where the server listens and the command that connects to it."""
    url = _url(host, sock)
    wildcard = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
    target = _url(wildcard.get(host, host), sock)
    insecure = "" if wildcard.get(host, host) in _LOOPBACK else " --insecure"
    demo = " with demo agents" if config.demo_agents else ""
    command = f"atp-tui --server {target} --token {shlex.quote(config.user_token)}{insecure}"
    return f"ATP reference server{demo} listening on {url}; connect with: {command}  (Ctrl-C stops)"


def run_server(host: str, port: int, config: ServerConfig) -> int:
    """Serve until Ctrl-C (blocking); prints one banner line. Returns the exit status."""
    _configure_logging()
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)  # the banner says it all
    state = ServerState(config)
    app = create_app(config, state)
    try:
        sock = bind_socket(host, port)
    except OSError as error:
        print(f"atp-tui server: cannot listen on {host}:{port}: {error}", file=sys.stderr)
        return 1
    print(banner(host, sock, config), flush=True)
    server = _Server(_uvicorn_config(app), state, embedded=False)
    state.connection_dropper = server.drop_connection
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    return 0
