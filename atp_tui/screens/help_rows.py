"""The rows of the help screen: every binding with its live key, what it does in the user's
words (`atp_tui.screens.keys.KEY_WORDS`) and its stable id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding, BindingsMap

from atp_tui.screens.help import HelpRow
from atp_tui.screens.keys import class_bindings, dialog_scopes, key_words, numbered_family
from atp_tui.widgets.detail import ActionList

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from atp_tui.screens.main import MainScreen


def _live_bindings(node: DOMNode, keymap: dict[str, str]) -> BindingsMap:
    """The bindings `node` declares (its class's public `BINDINGS`, inherited ones included),
    with the user's keymap applied the way Textual applies it."""
    bindings_map = BindingsMap(class_bindings(type(node)))
    if keymap:
        bindings_map.apply_keymap(keymap)
    return bindings_map


def _dialog_bindings() -> dict[str, tuple[str, list[str]]]:
    """Binding id -> (description, default keys) of every dialog, in `dialog_scopes` order."""
    found: dict[str, tuple[str, list[str]]] = {}
    for _, owners in dialog_scopes():
        for owner in owners:
            for binding in class_bindings(owner):
                if binding.id and not binding.system:
                    keys = found.setdefault(binding.id, (binding.description, []))[1]
                    if binding.key not in keys:
                        keys.append(binding.key)
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
    """Live bindings of the main screen (the inbox's and the screen's, then the action list's)
    first, then the dialogs', each described in the user's words (`KEY_WORDS`), the 1–9
    families as one row."""
    app = screen.app
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    keymap = screen.atp.keymap  # the user's keymap (applied as Textual applies it)
    for node in (screen.inbox, screen, screen.query_one(ActionList), app):
        bindings_map = _live_bindings(node, keymap)
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
    for binding_id, (description, default_keys) in _dialog_bindings().items():
        if binding_id in seen:
            continue
        seen.add(binding_id)
        live = keymap[binding_id].split(",") if binding_id in keymap else default_keys
        shown = " / ".join(app.get_key_display(Binding(key.strip(), "")) for key in live)
        rows.append((shown, key_words(binding_id, description), binding_id))
    return _one_row_per_family(rows)
