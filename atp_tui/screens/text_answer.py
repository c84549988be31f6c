"""Answer a `text` action: one line (Enter sends) or several (ctrl+s sends); ctrl+r inserts
one of the user's quick replies (`atp_tui.screens.quick_replies`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from atp_tui.protocol import TextAction
from atp_tui.protocol.text import sanitize
from atp_tui.screens.answer_base import AnswerModal

#: The binding that lists the quick replies (its keys may be changed in the keymap).
QUICK_REPLIES_ID = "text.quick-replies"
QUICK_REPLIES_KEY = "ctrl+r"


class TextModal(AnswerModal):
    """Free text, with the agent's placeholder and length limits.

    | Key | id | Action |
    |---|---|---|
    | `enter` | (input) | send a one-line answer |
    | `ctrl+s` | `text.send` | send (the only way for a multi-line answer) |
    | `ctrl+r` | `text.quick-replies` | pick a quick reply to insert (when there are any) |
    | `escape` | `modal.cancel` | cancel |
    """

    ANSWER_INPUT = "#text-answer"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Send", id="text.send"),
        Binding(QUICK_REPLIES_KEY, "quick_replies", "Quick replies", id=QUICK_REPLIES_ID),
    ]

    @property
    def multiline(self) -> bool:
        """Whether the action asks for a multi-line answer."""
        assert isinstance(self.action, TextAction)
        return self.action.constraints.multiline

    @property
    def quick_replies(self) -> Mapping[str, str]:
        """The user's quick replies (the app's current settings: the settings screen may have
        changed them since the start)."""
        settings = getattr(self.app, "settings", None)
        replies: Mapping[str, str] = getattr(settings, "quick_replies", {})
        return replies

    @property
    def HINT(self) -> str:  # type: ignore[override]
        """The key hint depends on the input kind, and names the quick replies' key only when
        there are quick replies."""
        parts = ["ctrl+s sends", "Enter starts a new line"] if self.multiline else ["Enter sends"]
        if self.quick_replies:
            keymap: Mapping[str, str] = getattr(self.app, "keymap", {})
            key = keymap.get(QUICK_REPLIES_ID, QUICK_REPLIES_KEY).split(",")[0]
            parts.append(f"{key} quick replies")
        return " · ".join([*parts, "Escape cancels"])

    def _limits(self) -> str:
        assert isinstance(self.action, TextAction)
        low, high = self.action.constraints.min_length, self.action.constraints.max_length
        if low and high is not None:
            return f"{low}–{high} characters"
        if high is not None:
            return f"at most {high} characters"
        if low:
            return f"at least {low} characters"
        return ""

    def compose_body(self) -> Iterable[Widget]:
        """An `Input`, or a `TextArea` for multi-line answers, and the length limits."""
        assert isinstance(self.action, TextAction)
        initial = self.initial if isinstance(self.initial, str) else ""
        placeholder = sanitize(self.action.constraints.placeholder or "", limit=200)
        if self.multiline:
            area = TextArea(initial, id="text-answer", soft_wrap=True, show_line_numbers=False)
            # Content, not a str: `TextArea` reads a str placeholder as markup, so the
            # agent's `[link=…]` wrote a hyperlink and `[/oops]` crashed the app.
            area.placeholder = Content(placeholder)
            yield area
        else:
            yield Input(initial, placeholder=placeholder, id="text-answer")
        limits = self._limits()
        yield Static(Text(limits, style="dim"), id="text-limits", markup=False)

    def _value(self) -> str:
        if self.multiline:
            return self.query_one("#text-answer", TextArea).text
        return self.query_one("#text-answer", Input).value

    def current_input(self) -> object:
        """What has been typed (re-validated as it changes once an error is shown)."""
        return self._value()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The quick replies' key does nothing without quick replies, or once closed."""
        if action == "quick_replies":
            return bool(self.quick_replies) and not self.closed
        return super().check_action(action, parameters)

    def action_quick_replies(self) -> None:
        """List the quick replies; the chosen one goes in at the cursor."""
        from atp_tui.screens.quick_replies import QuickReplyPicker, insert_reply

        def chosen(text: str | None) -> None:
            field: Input | TextArea = (
                self.query_one("#text-answer", TextArea)
                if self.multiline
                else self.query_one("#text-answer", Input)
            )
            if text is not None:
                insert_reply(field, text)
            field.focus()

        self.app.push_screen(QuickReplyPicker(self.quick_replies), chosen)

    def action_send(self) -> None:
        """Validate and send what was typed."""
        self.submit(self._value())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a one-line input sends."""
        event.stop()
        self.action_send()
