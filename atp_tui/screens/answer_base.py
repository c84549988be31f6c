"""The shared frame of every answer modal: heading, context, input, live status, errors, Escape.

A modal names the action and the notification, collects the user's input, and turns it into
`response_data` with `atp_tui.protocol.response_data_for` (the same rules the server applies).
A validation error is shown inline and the input is kept; once shown, it follows the input as
the user corrects it, and clears when the input is valid. Escape always cancels without
sending. The modal never sends anything itself: it dismisses with a `ChosenAnswer` and the main
screen sends it, bound to the notification id captured when the key was pressed.

Layout: the heading is pinned on top, and the input, the live status line (time left, or why
the answer can no longer be sent), the error and the key hint are pinned at the bottom; only
the notification's title and description between them scroll. So at 60×18 a long description
never pushes the hint or an error out of sight.

While it is open the modal follows its notification (`follow`, `refresh_status`, called by
`atp_tui.screens.answering` on every clock tick and on every batch that changes the item):
when the deadline passes or a `status_update` closes the item, it says so at once and the send
keys and buttons are switched off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static, TextArea

from atp_tui.protocol import Action, Notification, ResponseValidationError, response_data_for
from atp_tui.protocol.clock import SYSTEM_CLOCK, Clock
from atp_tui.protocol.text import sanitize, sanitize_lines
from atp_tui.screens.quiet_focus import QuietFocus
from atp_tui.store import StoredNotification
from atp_tui.view.answer_status import AnswerStatus, answer_status

#: The longest description shown in a modal (the detail pane shows all of it).
DESCRIPTION_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class ChosenAnswer:
    """What a modal returns: validated `response_data` and the raw input (to prefill a retry)."""

    response_data: Any
    user_input: object = None


def literal(text: object, *, limit: int = 200) -> Content:
    """Server text as literal `Content` (for Button labels and similar markup-parsing slots)."""
    return Content(sanitize(text, limit=limit))


class _Dialog(VerticalScroll):
    """The dialog frame; what is not docked in it (title, description) scrolls.

    A Tab stop only when there is something to scroll, so that the keys can reach it then.
    """

    def allow_focus(self) -> bool:
        """Focusable (to scroll with the keys) only when there is something to scroll."""
        return self.max_scroll_y > 0


#: `current_input` of a modal without live validation (binary, choice, confirm).
NO_INPUT = object()


class AnswerModal(QuietFocus, ModalScreen[ChosenAnswer | None]):
    """Base class: subclasses fill `compose_body`, call `submit(user_input)` to finish.

    | Key | id | Action |
    |---|---|---|
    | `escape` | `modal.cancel` | close without sending |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="modal.cancel"),
    ]
    #: `-short` below 30 rows: tighter padding and shorter lists, so that everything pinned
    #: (input, status, error, hint) fits at 80×24 and 60×18.
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [  # type: ignore[misc]
        (0, "-short"),
        (30, "-tall"),
    ]

    #: The line under the body telling which keys send and cancel.
    HINT = "Enter sends · Escape cancels"
    #: The hint once the answer cannot be sent any more.
    CLOSED_HINT = "Escape closes"
    #: The selector of the input the answer is typed into (text, number, date), focused on
    #: mount. Keys typed right after the one that opened the modal wait until it has focus
    #: (`atp_tui.screens.key_order`), so they all land in it.
    ANSWER_INPUT: ClassVar[str | None] = None
    #: Actions that send (switched off, with the `.send-button` buttons, once closed).
    SEND_ACTIONS: ClassVar[frozenset[str]] = frozenset({"answer", "pick", "send", "confirm"})

    def __init__(self, notification: Notification, action: Action, initial: object = None) -> None:
        super().__init__(classes="answer-modal")
        self.notification = notification
        self.action = action
        self.initial = initial
        #: Validation errors shown on a send attempt so far (tests read it).
        self.errors: list[str] = []
        #: The error shown right now ("" when none): it follows the input once shown.
        self.error_text = ""
        #: The notification as the store knows it (status, deadline), kept current by the
        #: main screen through `follow`; `None` falls back to the notification's deadline.
        self.item: StoredNotification | None = None
        #: The live status line as last shown.
        self.status = AnswerStatus(False, "")
        self._status_drawn = False
        #: What the answer is for, when not this one notification (a bulk answer names how
        #: many items); shown instead of its title and description. Set before it is shown.
        self.subject: Text | None = None

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Heading; pinned input, status, error and hint; the title and description scroll."""
        heading = Text()
        heading.append(sanitize(self.action.display_label, limit=120), style="bold")
        heading.append(f"  ({self.action.response_type})", style="dim")
        if self.action.irreversible:
            heading.append("  irreversible", style="bold red")
        subject = Text("on: ", style="dim")
        subject.append(sanitize(self.notification.context.title, limit=300))
        subject.append(f"\nfrom {sanitize(self.notification.service.name, limit=80)}", style="dim")
        description = sanitize_lines(self.notification.context.description, limit=DESCRIPTION_LIMIT)
        if self.subject is not None:
            subject, description = self.subject, ""
        # The dialog is the scroll container; the heading and the pinned part are docked, so
        # only the title and description scroll (CSS `fr` heights cannot shrink one child of
        # an auto-height dialog to what the others leave).
        with _Dialog(id="dialog", classes="answer-dialog"):
            yield Static(heading, id="dialog-title", markup=False)
            with Vertical(id="dialog-pinned"):
                yield from self.compose_body()
                yield Static("", id="dialog-status", markup=False)
                yield Static("", id="dialog-error", markup=False)
                yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)
            yield Static(subject, id="dialog-subject", markup=False)
            if description.strip():
                yield Static(Text(description), id="dialog-description", markup=False)

    def compose_body(self) -> Iterable[Widget]:
        """The input widgets (override)."""
        return ()

    def on_mount(self) -> None:
        """Honour the app's cursor-blink setting (off in snapshot tests); focus the input."""
        blink = bool(getattr(self.app, "cursor_blink", True))
        for widget in self.query(Input):
            widget.cursor_blink = blink
        for area in self.query(TextArea):
            area.cursor_blink = blink
        self.refresh_status()
        if self.ANSWER_INPUT is not None:
            self.set_focus(self.query_one(self.ANSWER_INPUT))

    # -- the notification's time and state ------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The app's (injectable) clock."""
        clock: Clock = getattr(self.app, "clock", SYSTEM_CLOCK)
        return clock

    @property
    def closed(self) -> bool:
        """Whether the answer can no longer be sent (expired, withdrawn, answered elsewhere)."""
        return self.status.closed

    def follow(self, item: StoredNotification | None, now: datetime | None = None) -> None:
        """The main screen's news of the item (a status change, or the clock tick)."""
        if item is not None:
            self.item = item
        # Once `on_mount` has drawn it: a tick can come between the screen counting as
        # mounted and its status line being there (a loaded CI run met `NoMatches`).
        if self._status_drawn:
            self.refresh_status(now)

    def refresh_status(self, now: datetime | None = None) -> None:
        """Redraw the live line; on closing, switch off every way to send."""
        status = answer_status(self.item, self.notification.deadline, now or self.clock.now())
        if status == self.status and self._status_drawn:
            return  # most ticks change nothing while more than a minute is left
        self._status_drawn = True
        was_closed = self.closed
        self.status = status
        line = self.query_one("#dialog-status", Static)
        style = "bold red" if status.closed else ("bold yellow" if status.urgent else "dim")
        line.update(Text(status.text, style=style))
        line.display = bool(status.text)
        if status.closed and not was_closed:
            self._close()

    def _close(self) -> None:
        """The answer cannot be sent any more: say how to leave, and switch off sending."""
        self.add_class("-closed")
        self._display_error("")
        self.query_one("#dialog-hint", Static).update(Text(self.CLOSED_HINT, style="dim"))
        for button in self.query(".send-button").results(Button):
            button.disabled = True
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The send keys do nothing once the item is closed."""
        if action in self.SEND_ACTIONS and self.closed:
            return False
        return True

    # -- validation -----------------------------------------------------------------------

    def current_input(self) -> object:
        """What the input holds now, for live re-validation (`NO_INPUT`: none to check)."""
        return NO_INPUT

    def answer_for(self, user_input: object) -> ChosenAnswer:
        """The answer `user_input` makes, or `ResponseValidationError` saying why it is none.

        Subclasses that read the input their own way first (the date modal) override this.
        """
        return ChosenAnswer(response_data_for(self.action, user_input), user_input)

    def _display_error(self, message: str) -> None:
        self.error_text = message
        self.query_one("#dialog-error", Static).update(
            Text(sanitize(message, limit=300), style="bold red")
        )

    def show_error(self, message: str) -> None:
        """Show a validation error under the input (the input is left as it is)."""
        self.errors.append(message)
        self._display_error(message)

    def input_changed(self) -> None:
        """The input changed: an error on show follows it (updated, or cleared once valid)."""
        if not self.error_text or self.closed:
            return
        user_input = self.current_input()
        if user_input is NO_INPUT:
            return
        try:
            self.answer_for(user_input)
        except ResponseValidationError as error:
            self._display_error(error.message)
        else:
            self._display_error("")

    def on_input_changed(self, event: Input.Changed) -> None:
        """Typing in a one-line input."""
        self.input_changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Typing in a multi-line input."""
        self.input_changed()

    def submit(self, user_input: object) -> None:
        """Validate `user_input`; dismiss with the answer, or show why not and stay open."""
        if self.closed:  # Enter in an input still arrives here: the status line says why not
            self.app.bell()
            return
        try:
            chosen = self.answer_for(user_input)
        except ResponseValidationError as error:
            self.show_error(error.message)
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        """Close without sending."""
        self.dismiss(None)
