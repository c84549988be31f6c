"""Settings of the reference ATP server: tokens, stream timing, limits and demo agents."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServerConfig:
    """Everything the reference server can be told; the defaults follow ATP-PROTOCOL.md."""

    user_token: str = "demo-token"
    """The one user's token, for the client endpoints (`Authorization: Bearer` or `?token=`)."""

    admin_token: str = "admin-token"
    """The token that may register services (`POST /api/v1/services`)."""

    ping_interval: float = 15.0
    """Seconds between `event: ping` frames on each open stream."""

    retry_ms: int = 3000
    """The `retry:` hint (milliseconds) sent at the start of each stream."""

    max_connections: int = 10
    """Concurrent SSE connections per user; one more gets 429 with `Retry-After`."""

    stream_retry_after: int = 5
    """The `Retry-After` (seconds) sent with a 429 for too many streams."""

    expiry_check_interval: float = 1.0
    """Seconds between sweeps that mark notifications past their deadline as expired."""

    demo_agents: bool = False
    """Run the demo agents: seed a dozen notifications, then send one every `demo_interval`."""

    demo_interval: float = 8.0
    """Mean seconds between demo notifications (each wait is randomised around it)."""

    demo_seed: int | None = None
    """Seed for the demo agents' random choices; `None` varies from run to run."""

    max_event_bytes: int = 512 * 1024
    """Largest notification (as one-line JSON) accepted; bigger submissions get 413."""

    event_log_limit: int = 100_000
    """How many events are retained for replay; older ones are dropped first."""

    poll_rate_limit: int = 60
    """Polling requests per minute per user (`GET /api/v1/client/notifications[/{id}]`)."""

    respond_rate_limit: int = 100
    """Responses per minute per user (`POST /api/v1/client/respond`)."""

    submit_rate_limit: int = 100
    """Notification submissions per minute per service."""

    status_update_rate_limit: int = 200
    """Status updates (`PATCH /api/v1/notifications/{id}`) per minute per service."""

    webhook_timeout: float = 5.0
    """Seconds a webhook delivery may take before it is abandoned (and logged)."""
