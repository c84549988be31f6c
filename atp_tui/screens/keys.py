"""Which bindings are active together (scopes), for checking a user keymap for conflicts.

A key may mean different things on different screens; a conflict only matters between bindings
that are live at the same time. The main screen, the inbox and the app form one scope; each
dialog (with the bindings it inherits) is its own.
"""

from __future__ import annotations

from textual.binding import Binding

#: Scope name -> binding id -> default keys (comma-separated).
Scopes = dict[str, dict[str, str]]


def class_bindings(owner: type) -> list[Binding]:
    """Every binding `owner` declares, inherited ones first, one per key: read from the public
    `BINDINGS` class attributes with Textual's `Binding.make_bindings`."""
    found: list[Binding] = []
    for cls in reversed(owner.__mro__):
        declared = vars(cls).get("BINDINGS")
        if declared:
            found.extend(Binding.make_bindings(declared))
    return found


def _bindings(*owners: type) -> dict[str, str]:
    """Binding id -> default keys (comma-separated) of the owners, inherited ones included."""
    found: dict[str, list[str]] = {}
    for owner in owners:
        for binding in class_bindings(owner):
            if binding.id and not binding.system:
                keys = found.setdefault(binding.id, [])
                if binding.key not in keys:
                    keys.append(binding.key)
    return {binding_id: ",".join(keys) for binding_id, keys in found.items()}


def dialog_scopes() -> list[tuple[str, tuple[type, ...]]]:
    """Every dialog of the app, in the order the help screen lists them: its scope name and
    the classes whose bindings are live in it (the app's come on top). The one list that the
    keymap check and the help screen both read."""
    from atp_tui.screens.away import AwayScreen
    from atp_tui.screens.binary import BinaryModal
    from atp_tui.screens.bulk_confirm import BulkConfirm
    from atp_tui.screens.choice import ChoiceModal, _Options
    from atp_tui.screens.confirm import ConfirmModal
    from atp_tui.screens.date import DateModal
    from atp_tui.screens.help import HelpScreen
    from atp_tui.screens.history import HistoryScreen
    from atp_tui.screens.multi_choice import MultiChoiceModal, _Choices
    from atp_tui.screens.number import NumberModal
    from atp_tui.screens.quick_replies import QuickReplyPicker, _Replies
    from atp_tui.screens.quick_reply_editor import QuickRepliesEditor, QuickReplyForm
    from atp_tui.screens.quit_confirm import QuitConfirm
    from atp_tui.screens.settings import SettingsScreen
    from atp_tui.screens.snooze_menu import SnoozeMenu, _SnoozeOptions
    from atp_tui.screens.snoozed import SnoozedScreen, _SnoozedOptions
    from atp_tui.screens.text_answer import TextModal

    return [
        ("confirm dialog", (ConfirmModal,)),
        ("bulk answer confirmation", (BulkConfirm,)),
        ("yes/no dialog", (BinaryModal,)),
        ("choice dialog", (ChoiceModal, _Options)),
        ("multiple-choice dialog", (MultiChoiceModal, _Choices)),
        ("number dialog", (NumberModal,)),
        ("text dialog", (TextModal,)),
        ("quick reply list", (QuickReplyPicker, _Replies)),
        ("date dialog", (DateModal,)),
        ("quit dialog", (QuitConfirm,)),
        ("settings", (SettingsScreen,)),
        ("quick replies editor", (QuickRepliesEditor,)),
        ("quick reply form", (QuickReplyForm,)),
        ("history", (HistoryScreen,)),
        ("while you were away", (AwayScreen,)),
        ("snooze menu", (SnoozeMenu, _SnoozeOptions)),
        ("snoozed items", (SnoozedScreen, _SnoozedOptions)),
        ("help", (HelpScreen,)),
    ]


def binding_scopes() -> Scopes:
    """Every scope of the app: its name -> binding id -> default keys."""
    from atp_tui.app import AtpApp
    from atp_tui.screens.main import MainScreen
    from atp_tui.widgets.detail import ActionList
    from atp_tui.widgets.inbox import InboxList

    # The inbox and the action list are never focused together: a key may do a thing in each.
    scopes = {
        "main screen": _bindings(AtpApp, MainScreen, InboxList),
        "action list": _bindings(AtpApp, MainScreen, ActionList),
    }
    for name, owners in dialog_scopes():
        scopes[name] = _bindings(AtpApp, *owners)
    return scopes


#: What each binding does, in the user's words: the help screen and the command palette say
#: this rather than the binding's class-internal description ("Cancel" of "AnswerModal").
#: A binding missing here falls back to its own description.
KEY_WORDS: dict[str, str] = {
    "main.actions": "Go to the selected item's actions (Enter on one answers with it)",
    "main.answer": "Answer the selected item with its action 1–9",
    "main.mark": "Mark or unmark the selected item for a bulk answer",
    "main.mark-all": "Mark every shown item that can be answered, or unmark",
    "main.unmark-all": "Unmark every item",
    "main.filter": "Filter by title, service, project or description",
    "main.back": "Clear the filter and go back to the inbox",
    "main.sort": "Sort by deadline or newest first",
    "main.closed": "Hide or show closed items (answered, expired, withdrawn)",
    "main.snooze": "Snooze the selected item (15 min, 1 h, near its deadline)",
    "main.snoozed": "List the snoozed items (wake one now from there)",
    "main.reconnect": "Reconnect to the server now",
    "main.away": "Show what happened while you were away",
    "main.history": "Show your answers and what became of them",
    "main.settings": "Change the settings",
    "main.help": "Show the keys",
    "main.quit": "Quit",
    "app.quit": "Quit, from any screen",
    "inbox.down": "Next item",
    "inbox.up": "Previous item",
    "inbox.top": "First item",
    "inbox.bottom": "Last item",
    "inbox.page-down": "A page of items down",
    "inbox.page-up": "A page of items up",
    "actions.down": "Actions (after Enter): next action",
    "actions.up": "Actions (after Enter): previous action",
    "modal.cancel": "Answer dialog: cancel, nothing is sent",
    "confirm.yes": "Asked to confirm: send the answer",
    "confirm.no": "Asked to confirm: do not send",
    "bulk.yes": "Bulk answer: send to every listed item",
    "bulk.no": "Bulk answer: cancel, nothing is sent",
    "bulk.down": "Bulk answer: scroll the list down",
    "bulk.up": "Bulk answer: scroll the list up",
    "binary.true": "Yes/no question: the first answer",
    "binary.false": "Yes/no question: the second answer",
    "choice.pick": "Choice: pick option 1–9",
    "multi-choice.send": "Multiple choice: send the ticked options",
    "text.send": "Text answer: send",
    "text.quick-replies": "Text answer: insert one of your quick replies (when you have some)",
    "quick.pick": "Quick replies: insert reply 1–9 at the cursor",
    "quick.down": "Quick replies: next reply",
    "quick.up": "Quick replies: previous reply",
    "quick.close": "Quick replies: close, nothing inserted",
    "quit.yes": "Asked whether to quit: quit",
    "quit.no": "Asked whether to quit: stay",
    "settings.save": "Settings: save",
    "settings.cancel": "Settings: close without saving",
    "settings.quick-replies": "Settings: add, edit and remove your quick replies",
    "replies.add": "Settings, quick replies: add one",
    "replies.edit": "Settings, quick replies: edit the highlighted one",
    "replies.remove": "Settings, quick replies: remove the highlighted one",
    "replies.back": "Settings, quick replies: back to the settings (not saved yet)",
    "replies.save": "Settings, quick replies: save them with the settings",
    "reply.done": "Settings, one quick reply: keep it",
    "reply.cancel": "Settings, one quick reply: close, unchanged",
    "history.close": "History: close",
    "away.close": "While you were away: close",
    "help.close": "Keys: close",
    "snooze.15m": "Snooze menu: 15 minutes",
    "snooze.1h": "Snooze menu: 1 hour",
    "snooze.deadline": "Snooze menu: until shortly before its deadline",
    "snooze.down": "Snooze menu: next choice",
    "snooze.up": "Snooze menu: previous choice",
    "snooze.cancel": "Snooze menu: do not snooze",
    "snoozed.wake": "Snoozed items: bring the highlighted one back now",
    "snoozed.down": "Snoozed items: next",
    "snoozed.up": "Snoozed items: previous",
    "snoozed.close": "Snoozed items: close",
}

#: Numbered bindings shown as one row (`main.answer-1` … `main.answer-9`): their shared id.
NUMBERED = ("main.answer-", "choice.pick-", "quick.pick-")


def numbered_family(binding_id: str) -> str | None:
    """`main.answer` for `main.answer-3` (one of the 1–9 families), else `None`."""
    for prefix in NUMBERED:
        if binding_id.startswith(prefix) and binding_id[len(prefix) :].isdigit():
            return prefix[:-1]
    return None


def key_words(binding_id: str, fallback: str) -> str:
    """What the binding does in the user's words (`fallback`: the binding's description)."""
    return KEY_WORDS.get(numbered_family(binding_id) or binding_id, fallback)
