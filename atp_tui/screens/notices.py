"""What the main screen tells the user in passing: toasts for server errors and engine notices,
the away summary offered after a replay, the inbox's placeholder line. Server text goes through
`sanitize` and every toast is `markup=False`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atp_tui.protocol.text import sanitize
from atp_tui.screens import dialogs

if TYPE_CHECKING:
    from atp_tui.client.events import EngineNotice
    from atp_tui.protocol.models import ServerError
    from atp_tui.screens.main import MainScreen
    from atp_tui.view.catchup import AwaySummary


def server_error(screen: MainScreen, error: ServerError) -> None:
    """An `error` event from the server, as an error toast."""
    screen.notify(
        sanitize(f"{error.code}: {error.message}", limit=300),
        title="Server error",
        severity="error",
        markup=False,
    )


def engine_notice(screen: MainScreen, notice: EngineNotice) -> None:
    """A notice of the engine's: saving state failed (shown long, until a notice says it works
    again), it works again, or an event id could not be resumed from."""
    screen.notify(
        sanitize(notice.message, limit=400),
        title="State" if notice.severity != "warning" else "Stream",
        severity="information" if notice.severity == "info" else notice.severity,
        markup=False,
        timeout=60 if notice.severity == "error" else 8,
    )


def away(screen: MainScreen, summary: AwaySummary) -> None:
    """Show what happened during a gap, or offer it when a dialog is open (never cover one)."""
    if screen.app.screen is screen:
        dialogs.show_away(screen, summary)
    else:
        screen.notify(
            f"While you were away: {summary.headline()}. Press w to see the list.",
            markup=False,
            timeout=15,
        )


def placeholder_of(screen: MainScreen) -> str:
    """`placeholder` for the screen's inbox and connection as they are now."""
    inbox = screen.inbox
    hidden = inbox.hidden_count if inbox.total else 0
    return placeholder(
        screen.connection.kind, inbox.total, bool(inbox.filter_text), hidden, screen.atp.host,
        snoozed=screen.snoozing.count,
    )  # fmt: skip


def placeholder(
    kind: str, total: int, filtering: bool, hidden: int, host: str, *, snoozed: int = 0
) -> str:
    """The line an empty inbox shows: why it is empty and what to do."""
    if snoozed and not (total and filtering):
        closed = f", {hidden} closed hidden (c shows them)" if total and hidden else ""
        return f"Nothing open here: {snoozed} snoozed (Z lists them){closed}."
    if total and filtering:
        return "No notification matches the filter (Escape clears it)."
    if total and hidden:
        return f"Nothing open. {hidden} closed hidden (c shows them)."
    if kind == "auth_refused":
        return "Credentials refused: check the token, then restart (or press r)."
    if kind in ("connecting", "reconnecting"):
        return f"No notifications yet. Connecting to {sanitize(host, limit=80)}…"
    return "No notifications yet. They appear here as agents send them."
