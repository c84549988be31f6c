"""Editing the quick replies from the settings screen: the list, and the form for one reply.

The list (`QuickRepliesEditor`) adds (`a`), edits (Enter or `e`) and removes (`d`) replies, and
goes back to the settings form with the edited replies (Escape), or saves them at once
(ctrl+s, like the form). Nothing is written by these screens: the settings screen saves the
replies with the other settings, through `update_settings_file`, so one Cancel there undoes
every edit. Each reply is checked with the settings file's own rules
(`atp_tui.settings.checks.quick_reply_name` and `quick_reply_text`) before it is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea

from atp_tui.protocol.text import sanitize
from atp_tui.screens.quick_replies import reply_options
from atp_tui.screens.quiet_focus import QuietFocus
from atp_tui.settings.checks import quick_reply_name, quick_reply_text


@dataclass(frozen=True)
class EditedReplies:
    """What the list returns: the replies as edited, and whether to save now (ctrl+s)."""

    replies: dict[str, str]
    save: bool = False


class QuickReplyForm(QuietFocus, ModalScreen[tuple[str, str] | None]):
    """One reply's name and text; dismisses with both, checked, or None.

    | Key | id | Action |
    |---|---|---|
    | `ctrl+s` | `reply.done` | check and keep the reply |
    | `escape` | `reply.cancel` | close, the reply unchanged |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "done", "Done", id="reply.done"),
        Binding("escape", "cancel", "Cancel", id="reply.cancel"),
    ]
    HINT = "ctrl+s done · Tab next field · Escape cancels"

    def __init__(
        self, name: str = "", text: str = "", *, taken: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(classes="answer-modal")
        self.reply_name = name
        self.reply_text = text
        #: The other replies' names (a name may be used once).
        self.taken = taken

    def compose(self) -> ComposeResult:
        """Title, the name, the text, an error line and the key hint."""
        title = "Edit quick reply" if self.reply_name else "New quick reply"
        with Vertical(id="dialog", classes="reply-form-dialog"):
            yield Static(Text(title, style="bold"), id="dialog-title", markup=False)
            with Horizontal(classes="settings-row"):
                yield Label("Name", classes="reply-label", markup=False)
                yield Input(self.reply_name, compact=True, id="reply-name", placeholder="ship")
            yield Label("Text", classes="reply-label", markup=False)
            area = TextArea(self.reply_text, id="reply-text", soft_wrap=True, compact=True)
            area.placeholder = "Looks good, ship it."
            yield area
            yield Static("", id="dialog-error", markup=False)
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """Honour the app's cursor blink; start in the name (a new reply) or the text."""
        blink = bool(getattr(self.app, "cursor_blink", True))
        self.query_one(Input).cursor_blink = blink
        self.query_one(TextArea).cursor_blink = blink
        self.query_one("#reply-text" if self.reply_name else "#reply-name").focus()

    def action_done(self) -> None:
        """Keep the reply when its name and text are valid; else say what to fix."""
        field = "#reply-name"
        try:
            name = quick_reply_name(self.query_one(field, Input).value)
            if name in self.taken:
                raise ValueError(f"the name {name!r} is taken by another reply; choose another")
            field = "#reply-text"
            text = quick_reply_text(self.query_one(field, TextArea).text)
        except ValueError as error:
            message = sanitize(str(error), limit=300)
            message = message[:1].upper() + message[1:]
            self.query_one("#dialog-error", Static).update(Text(message, style="bold red"))
            self.query_one(field).focus()
            return
        self.dismiss((name, text))

    def action_cancel(self) -> None:
        """Close, keeping the reply as it was."""
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the name goes on to the text."""
        event.stop()
        self.query_one("#reply-text").focus()


class QuickRepliesEditor(QuietFocus, ModalScreen[EditedReplies]):
    """The quick replies as a list to add to, edit and remove from.

    | Key | id | Action |
    |---|---|---|
    | `a` | `replies.add` | add a reply |
    | `e` (and `enter`, the list's) | `replies.edit` | edit the highlighted reply |
    | `d` / `delete` | `replies.remove` | remove the highlighted reply |
    | `escape` | `replies.back` | back to the settings (edits kept, not saved) |
    | `ctrl+s` | `replies.save` | back to the settings and save |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="replies.add"),
        Binding("e", "edit", "Edit", id="replies.edit"),
        Binding("d,delete", "remove", "Remove", id="replies.remove"),
        Binding("escape", "back", "Back", id="replies.back"),
        Binding("ctrl+s", "save", "Save", id="replies.save"),
    ]
    HINT = "a adds · Enter edits · d removes · Escape back to the settings · ctrl+s saves"

    def __init__(self, replies: Mapping[str, str]) -> None:
        super().__init__(classes="answer-modal")
        self.replies = dict(replies)

    def compose(self) -> ComposeResult:
        """Title, the replies (or how to add one), the key hint."""
        with Vertical(id="dialog", classes="quick-dialog"):
            yield Static(Text("Quick replies", style="bold"), id="dialog-title", markup=False)
            yield OptionList(id="quick-replies")
            yield Static("", id="quick-replies-empty", markup=False)
            yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)

    def on_mount(self) -> None:
        """List the replies; focus the list."""
        self._show(0)
        self.query_one(OptionList).focus()

    def _show(self, highlight: int | None) -> None:
        """Redraw the list from `replies`, highlighting row `highlight` (clamped)."""
        rows = self.query_one(OptionList)
        rows.clear_options()
        rows.add_options(reply_options(self.replies))
        rows.display = bool(self.replies)
        empty = self.query_one("#quick-replies-empty", Static)
        empty.display = not self.replies
        empty.update(Text("No quick replies yet: a adds one.", style="italic"))
        if self.replies and highlight is not None:
            rows.highlighted = max(0, min(highlight, len(self.replies) - 1))

    def _highlighted(self) -> tuple[int, str] | None:
        """The highlighted row and its reply's name, or None."""
        index = self.query_one(OptionList).highlighted
        names = list(self.replies)
        if index is None or not 0 <= index < len(names):
            return None
        return index, names[index]

    def action_add(self) -> None:
        """A new reply, added at the end."""

        def added(reply: tuple[str, str] | None) -> None:
            if reply is not None:
                self.replies[reply[0]] = reply[1]
                self._show(len(self.replies) - 1)

        self.app.push_screen(QuickReplyForm(taken=frozenset(self.replies)), added)

    def action_edit(self) -> None:
        """Edit the highlighted reply; it keeps its place (and number) when renamed."""
        current = self._highlighted()
        if current is None:
            return
        index, old = current

        def edited(reply: tuple[str, str] | None) -> None:
            if reply is None:
                return
            items = list(self.replies.items())
            items[index] = reply
            self.replies = dict(items)
            self._show(index)

        others = frozenset(name for name in self.replies if name != old)
        self.app.push_screen(QuickReplyForm(old, self.replies[old], taken=others), edited)

    def action_remove(self) -> None:
        """Remove the highlighted reply (Cancel in the settings brings it back)."""
        current = self._highlighted()
        if current is not None:
            index, name = current
            del self.replies[name]
            self._show(index)

    def action_back(self) -> None:
        """Back to the settings form with the edits (saved with the other settings)."""
        self.dismiss(EditedReplies(self.replies))

    def action_save(self) -> None:
        """Back to the settings form, and save."""
        self.dismiss(EditedReplies(self.replies, save=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on a reply edits it."""
        event.stop()
        self.action_edit()
