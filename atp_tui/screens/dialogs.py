"""The main screen's dialogs, each imported when it is first opened.

None of these is needed for the first frame, so the main screen does not import them: the
import happens on the key press that opens one (a few milliseconds, once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen
    from atp_tui.view.catchup import AwaySummary


def show_away(screen: MainScreen, summary: AwaySummary) -> None:
    """The "while you were away" list."""
    from atp_tui.screens.away import AwayScreen

    screen.app.push_screen(AwayScreen(summary))


def show_history(screen: MainScreen) -> None:
    """This user's answers from the response log, newest first."""
    from atp_tui.screens.history import EPOCH, HistoryScreen
    from atp_tui.view.history import history

    screen.app.push_screen(HistoryScreen(history(screen.atp.store, EPOCH)))


def show_help(screen: MainScreen) -> None:
    """Every binding with its live key and id."""
    from atp_tui.screens.help import HelpScreen

    screen.app.push_screen(HelpScreen(screen.help_rows()))


def edit_settings(screen: MainScreen) -> None:
    """The settings screen; saved changes apply at once where they can."""
    from atp_tui.screens.settings import SettingsScreen
    from atp_tui.settings.file import display_path

    app = screen.atp
    settings_screen = SettingsScreen(
        app.settings,
        path=app.config_path,
        profile=app.profile,
        themes=sorted(app.available_themes),
        cursor_blink=app.cursor_blink,
    )

    def saved(changes: dict[str, Any] | None) -> None:
        if not changes:
            return
        app.settings = app.settings.replace(**changes)
        if "theme" in changes:
            app.apply_theme(app.settings.theme)
        screen.apply_settings()
        screen.tick()
        where = display_path(app.config_path) if app.config_path else "the settings file"
        screen.notify(f"Saved {', '.join(changes)} to {where}.", markup=False)

    screen.app.push_screen(settings_screen, saved)


def confirm_quit(screen: MainScreen, pending: int) -> None:
    """Ask before quitting while `pending` answers are still being sent."""
    from atp_tui.screens.quit_confirm import QuitConfirm

    def done(quit_now: bool | None) -> None:
        if quit_now:
            screen.app.exit(0)

    screen.app.push_screen(QuitConfirm(pending), done)
