"""The rows of the help screen: every binding with its live key and its stable id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from atp_tui.screens.answer_base import AnswerModal
from atp_tui.screens.away import AwayScreen
from atp_tui.screens.binary import BinaryModal
from atp_tui.screens.choice import ChoiceModal, _Options
from atp_tui.screens.confirm import ConfirmModal
from atp_tui.screens.help import HelpRow, HelpScreen
from atp_tui.screens.history import HistoryScreen
from atp_tui.screens.multi_choice import MultiChoiceModal, _Choices
from atp_tui.screens.quit_confirm import QuitConfirm
from atp_tui.screens.settings import SettingsScreen
from atp_tui.screens.text_answer import TextModal

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen

#: Dialog bindings listed after the live ones, in this order.
_DIALOGS = (
    AnswerModal,
    ConfirmModal,
    BinaryModal,
    ChoiceModal,
    _Options,
    _Choices,
    TextModal,
    QuitConfirm,
    SettingsScreen,
    HistoryScreen,
    AwayScreen,
)


def _bindings_of(owner: type) -> list[Binding]:
    found: list[Binding] = []
    for entry in getattr(owner, "BINDINGS", []):
        if isinstance(entry, Binding):
            found.append(entry)
    return found


def help_rows(screen: MainScreen) -> list[HelpRow]:
    """Live bindings of the main screen (with the inbox focused) first, then the dialogs'."""
    app = screen.app
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    keymap = app._keymap  # the user's keymap (applied as Textual applies it)
    for node in (screen.inbox, screen, app):
        bindings_map = node._bindings.copy()
        if keymap:
            bindings_map.apply_keymap(keymap)
        for key, bindings in bindings_map.key_to_bindings.items():
            for binding in bindings:
                if binding.system:
                    continue
                binding_id = binding.id or f"({binding.action})"
                keys.setdefault(binding_id, [])
                shown = app.get_key_display(binding.with_key(key))
                if shown not in keys[binding_id]:
                    keys[binding_id].append(shown)
                description = binding.description or binding.action
                if binding_id.startswith("main.answer-"):
                    description = f"Answer with action {binding_id.rsplit('-', 1)[1]}"
                descriptions.setdefault(binding_id, description)
    rows: list[HelpRow] = [
        (" / ".join(keys[binding_id]), descriptions[binding_id], binding_id)
        for binding_id in keys
        if not binding_id.startswith("(")
    ]
    rows.append(("ctrl+p", "Command palette (every action)", "(textual: command_palette)"))
    seen = {row[2] for row in rows}
    for owner in (*_DIALOGS, HelpScreen, MultiChoiceModal):
        for binding in _bindings_of(owner):
            if binding.id and binding.id not in seen:
                seen.add(binding.id)
                live = keymap.get(binding.id, binding.key)  # the user's keys when rebound
                shown = " / ".join(
                    app.get_key_display(binding.with_key(k.strip())) for k in live.split(",")
                )
                rows.append(
                    (shown, f"{owner.__name__.lstrip('_')}: {binding.description}", binding.id)
                )
    return rows
