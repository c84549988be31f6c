"""Building and running the TUI: the CLI's default command and `--demo`.

`run_tui` opens the store, builds the app through `atp_tui.app.build_app` (the same factory the
tests and the screenshot script use) with the loaded settings, and runs it. With `demo=True` it
first starts the reference server with demo agents in the same event loop, on a free loopback
port, with a random token and (unless a state dir is given) a temporary state directory.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import secrets
import signal
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from atp_tui.protocol.text import discard_output
from atp_tui.settings.file import LoadedSettings
from atp_tui.store import StateWriteError, Store

log = logging.getLogger(__name__)


async def _run(server: str, token: str, state_dir: Path, loaded: LoadedSettings) -> int:
    from atp_tui.app import build_app

    store = Store.open(state_dir)
    # The cached inbox lives as long as the app: out of the cyclic GC's reach from the start
    # (`client/heap.py` keeps it so after each stored batch), or its first full collections
    # scan all of it while the first frame waits (two, ≈ 90 ms, at 50,000 cached).
    gc.freeze()
    try:
        app = build_app(
            server=server,
            token=token,
            store=store,
            settings=loaded.settings,
            profile=loaded.profile,
            config_path=loaded.path,
            problems=loaded.problems,
        )
        with _terminating(app.exit, store.commit):
            await app.run_async()
        if app.return_code == EXIT_HUNG_UP:
            # The terminal is gone: the interpreter's last flush to it would fail (EIO) and
            # turn the exit status into 120.
            discard_output(sys.stdout)
            discard_output(sys.stderr)
        return app.return_code or 0
    finally:
        try:
            store.close()
        except StateWriteError as error:
            print(
                f"atp-tui: warning: {error} (the server replays what was not saved)",
                file=sys.stderr,
            )


#: The exit status after SIGTERM (128 + 15, as a shell reports a process it terminated).
EXIT_TERMINATED = 143
#: The exit status after SIGHUP (128 + 1): the terminal hung up (an SSH link dropped, a
#: closed terminal window, `tmux kill-session`).
EXIT_HUNG_UP = 129


#: After a hangup, how long Textual may take to end before the process ends without it.
HANGUP_GRACE = 5.0


@contextmanager
def _terminating(exit_app: Callable[..., object], save: Callable[[], None]) -> Iterator[None]:
    """SIGTERM (`kill`, a shutdown, a supervisor) and SIGHUP (the terminal hung up: an SSH
    link dropped) end the app as `q` does (`exit_app`: the app's `exit`, called with no result
    and `EXIT_TERMINATED` or `EXIT_HUNG_UP`): the terminal is given back (Python's default
    left it in the alternate screen with mouse reporting on and no cursor, unusable over SSH
    until `reset`), and the store commits what is queued and closes (the default ended the
    process in the middle of whatever it was doing).

    A hangup saves the store (`save`) and then asks the app to end, on the event loop; and it
    ends the process `HANGUP_GRACE` seconds later if that has not happened: Textual's shutdown
    writes to a terminal that is gone, and under `tmux kill-server` it could wait forever on its
    output queue (processes left running for an hour). That deadline is started by a plain
    signal handler, not the loop's, so it runs even while the loop is stuck in such a write
    (then what was not saved is replayed by the server at the next start)."""
    loop = asyncio.get_running_loop()

    def end_after_hangup() -> None:
        try:
            save()
        except StateWriteError as error:  # replayed by the server at the next start
            log.warning("state not saved at the hangup: %s", error)
        exit_app(None, EXIT_HUNG_UP)

    def hung_up(signum: int, frame: object) -> None:
        deadline = threading.Timer(HANGUP_GRACE, os._exit, (EXIT_HUNG_UP,))
        deadline.daemon = True
        deadline.start()
        loop.call_soon_threadsafe(end_after_hangup)

    try:
        loop.add_signal_handler(signal.SIGTERM, exit_app, None, EXIT_TERMINATED)
        previous = signal.signal(signal.SIGHUP, hung_up)
    except (NotImplementedError, RuntimeError, AttributeError, ValueError):  # no such signals
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGHUP, previous)


@asynccontextmanager
async def demo_server(state_dir: Path | None = None) -> AsyncIterator[tuple[str, str, Path]]:
    """The reference server with demo agents on a free loopback port, in this event loop.

    Yields `(url, token, state_dir)`: a random token, and `state_dir` or a temporary directory
    that is removed afterwards.
    """
    from atp_tui.server import RunningServer, ServerConfig

    token = secrets.token_urlsafe(24)
    config = ServerConfig(user_token=token, demo_agents=True)
    with tempfile.TemporaryDirectory(prefix="atp-tui-demo-") as temporary:
        async with RunningServer(config) as server:
            yield server.url, token, state_dir or Path(temporary)


async def _run_demo(state_dir: Path | None, loaded: LoadedSettings) -> int:
    async with demo_server(state_dir) as (url, token, directory):
        return await _run(url, token, directory, loaded)


def run_tui(
    loaded: LoadedSettings,
    *,
    server: str | None,
    token: str | None,
    state_dir: Path | None,
    demo: bool,
) -> int:
    """Run the TUI until the user quits; returns the exit status.

    `loaded` carries the settings, the config file path (the settings screen saves there), the
    active profile and the configuration problems (shown as a notice at start).
    """
    if demo:
        return asyncio.run(_run_demo(state_dir, loaded))
    if server is None or token is None or state_dir is None:
        raise ValueError("server, token and state_dir are required unless demo=True")
    return asyncio.run(_run(server, token, state_dir, loaded))
