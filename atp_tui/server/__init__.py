"""The reference ATP server (starlette + uvicorn, in-memory) and its demo agents (no Textual).

`create_app` builds the ASGI app around a `ServerState`; `RunningServer` runs it on a free local
port inside the current event loop (tests); `run_server` serves until Ctrl-C (the CLI).
"""

from atp_tui.server.app import create_app
from atp_tui.server.config import ServerConfig
from atp_tui.server.demo import DemoAgents
from atp_tui.server.errors import ServerValidationError
from atp_tui.server.runner import AsgiServer, RunningServer, run_server
from atp_tui.server.state import ServerState, ServiceRecord
from atp_tui.server.webhook import verify_signature

__all__ = [
    "AsgiServer",
    "DemoAgents",
    "RunningServer",
    "ServerConfig",
    "ServerState",
    "ServerValidationError",
    "ServiceRecord",
    "create_app",
    "run_server",
    "verify_signature",
]
