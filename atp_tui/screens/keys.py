"""Which bindings are active together (scopes), for checking a user keymap for conflicts.

A key may mean different things on different screens; a conflict only matters between bindings
that are live at the same time. The main screen, the inbox and the app form one scope; each
dialog (with the bindings it inherits) is its own.
"""

from __future__ import annotations

from textual.binding import Binding

#: Scope name -> binding id -> default keys (comma-separated).
Scopes = dict[str, dict[str, str]]


def _bindings(*owners: type) -> dict[str, str]:
    """Binding id -> default keys (comma-separated) of the owners, inherited ones included."""
    found: dict[str, list[str]] = {}
    for owner in owners:
        merged = owner._merge_bindings()  # type: ignore[attr-defined]
        for key, bindings in merged.key_to_bindings.items():
            for binding in bindings:
                if isinstance(binding, Binding) and binding.id and not binding.system:
                    keys = found.setdefault(binding.id, [])
                    if key not in keys:
                        keys.append(key)
    return {binding_id: ",".join(keys) for binding_id, keys in found.items()}


def binding_scopes() -> Scopes:
    """Every scope of the app: its name -> binding id -> default keys."""
    from atp_tui.app import AtpApp
    from atp_tui.screens.away import AwayScreen
    from atp_tui.screens.binary import BinaryModal
    from atp_tui.screens.choice import ChoiceModal, _Options
    from atp_tui.screens.confirm import ConfirmModal
    from atp_tui.screens.date import DateModal
    from atp_tui.screens.help import HelpScreen
    from atp_tui.screens.history import HistoryScreen
    from atp_tui.screens.main import MainScreen
    from atp_tui.screens.multi_choice import MultiChoiceModal, _Choices
    from atp_tui.screens.number import NumberModal
    from atp_tui.screens.quit_confirm import QuitConfirm
    from atp_tui.screens.settings import SettingsScreen
    from atp_tui.screens.text_answer import TextModal
    from atp_tui.widgets.inbox import InboxList

    return {
        "main screen": _bindings(AtpApp, MainScreen, InboxList),
        "confirm dialog": _bindings(AtpApp, ConfirmModal),
        "yes/no dialog": _bindings(AtpApp, BinaryModal),
        "choice dialog": _bindings(AtpApp, ChoiceModal, _Options),
        "multiple-choice dialog": _bindings(AtpApp, MultiChoiceModal, _Choices),
        "number dialog": _bindings(AtpApp, NumberModal),
        "text dialog": _bindings(AtpApp, TextModal),
        "date dialog": _bindings(AtpApp, DateModal),
        "quit dialog": _bindings(AtpApp, QuitConfirm),
        "help": _bindings(AtpApp, HelpScreen),
        "history": _bindings(AtpApp, HistoryScreen),
        "settings": _bindings(AtpApp, SettingsScreen),
        "while you were away": _bindings(AtpApp, AwayScreen),
    }
