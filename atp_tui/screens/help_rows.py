"""The rows of the help screen: every binding with its live key, what it does in the user's
words (`atp_tui.screens.keys.KEY_WORDS`) and its stable id."""

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
from atp_tui.screens.keys import key_words, numbered_family
from atp_tui.screens.multi_choice import MultiChoiceModal, _Choices
from atp_tui.screens.quick_replies import QuickReplyPicker, _Replies
from atp_tui.screens.quick_reply_editor import QuickRepliesEditor, QuickReplyForm
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
    QuickReplyPicker,
    _Replies,
    QuitConfirm,
    SettingsScreen,
    QuickRepliesEditor,
    QuickReplyForm,
    HistoryScreen,
    AwayScreen,
)


def _bindings_of(owner: type) -> list[Binding]:
    found: list[Binding] = []
    for entry in getattr(owner, "BINDINGS", []):
        if isinstance(entry, Binding):
            found.append(entry)
    return found


def _one_row_per_family(rows: list[HelpRow]) -> list[HelpRow]:
    """The nine `main.answer-N` (and `choice.pick-N`) rows as one: `1–9`, what they do, and
    `main.answer-1 … main.answer-9`, where the first of them was. A family rebound to other
    keys than its digits is listed row by row."""
    families: dict[str, list[HelpRow]] = {}
    for row in rows:
        family = numbered_family(row[2])
        if family is not None:
            families.setdefault(family, []).append(row)
    result: list[HelpRow] = []
    for row in rows:
        family = numbered_family(row[2])
        if family is None:
            result.append(row)
            continue
        members = families[family]
        if row is not members[0]:
            continue  # listed with the first of its family
        if [member[0] for member in members] == [str(n) for n in range(1, len(members) + 1)]:
            keys = f"1–{len(members)}" if len(members) > 1 else "1"
            result.append((keys, row[1], f"{members[0][2]} … {members[-1][2]}"))
        else:
            result.extend(members)
    return result


def help_rows(screen: MainScreen) -> list[HelpRow]:
    """Live bindings of the main screen (with the inbox focused) first, then the dialogs',
    each described in the user's words (`KEY_WORDS`), the 1–9 families as one row."""
    app = screen.app
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    keymap = screen.atp.keymap  # the user's keymap (applied as Textual applies it)
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
                description = key_words(binding_id, binding.description or binding.action)
                descriptions.setdefault(binding_id, description)
    rows: list[HelpRow] = [
        (" / ".join(keys[binding_id]), descriptions[binding_id], binding_id)
        for binding_id in keys
        if not binding_id.startswith("(")
    ]
    rows.append(("ctrl+p", "Command palette: every action by name", "(textual: command_palette)"))
    seen = {row[2] for row in rows}
    for owner in (*_DIALOGS, HelpScreen, MultiChoiceModal):
        for binding in _bindings_of(owner):
            if binding.id and binding.id not in seen:
                seen.add(binding.id)
                live = keymap.get(binding.id, binding.key)  # the user's keys when rebound
                shown = " / ".join(
                    app.get_key_display(binding.with_key(k.strip())) for k in live.split(",")
                )
                rows.append((shown, key_words(binding.id, binding.description), binding.id))
    return _one_row_per_family(rows)
