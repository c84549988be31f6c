"""The one confirmation of a bulk answer: every item it goes to, and the ones it skips.

The heading names the action and the value in the user's words (“Region: eu-west-1”) and how
many items get it. The list names each item by title and service, flags those whose action
cannot be undone with `!` (a character, so it shows without colour or Unicode), then names the
skipped ones with the reason first. Only the list scrolls: the heading, the note, the buttons
and the hint stay in sight down to 60×18, whatever the number of items. Cancel has the focus,
so a stray Enter cancels; `y` sends.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from atp_tui.protocol.text import shorten
from atp_tui.screens.answer_base import _Dialog
from atp_tui.screens.quiet_focus import QuietFocus
from atp_tui.view.marks import BulkPlan, item_words

#: How a line of the list starts: irreversible, or not.
IRREVERSIBLE_MARK = "! "
PLAIN_MARK = "  "


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class BulkConfirm(QuietFocus, ModalScreen[bool]):
    """Asks once before a bulk answer; dismisses with whether to send.

    | Key | id | Action |
    |---|---|---|
    | `y` | `bulk.yes` | send to every listed item |
    | `n` / `escape` | `bulk.no` | cancel: nothing is sent |
    | `j` / `down`, `k` / `up` | `bulk.down` / `bulk.up` | scroll the list |
    | `enter` | (button) | press the focused button: Cancel, unless Tab moved to Send |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Send", id="bulk.yes"),
        Binding("n,escape", "cancel", "Cancel", id="bulk.no"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="bulk.down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="bulk.up"),
    ]
    #: As the answer modals: tighter below 30 rows, so the pinned part fits at 60×18.
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [  # type: ignore[misc]
        (0, "-short"),
        (30, "-tall"),
    ]
    HINT = "y sends · n or Escape cancels · j/k scroll"

    def __init__(self, plan: BulkPlan, words: str | None) -> None:
        """`words` is the value in the user's words (`None` for a simple action)."""
        super().__init__(classes="answer-modal bulk-modal")
        self.plan = plan
        self.words = words
        self._answered = False

    def heading(self) -> Text:
        """“Answer 12 items with “Region: eu-west-1”?”"""
        what = shorten(self.plan.chosen.display_label, 40)
        if self.words is not None:
            what = f"{what}: {shorten(self.words, 40)}"
        if not self.plan.targets:
            return Text(f"No marked item can take “{what}” now", style="bold")
        heading = Text(f"Answer {_plural(len(self.plan.targets), 'item')} with ", style="bold")
        heading.append(f"“{what}”", style="bold")
        heading.append("?", style="bold")
        return heading

    def listing(self) -> Text:
        """One line per item: the targets (irreversible ones flagged), then the skipped."""
        lines = Text(no_wrap=True, overflow="ellipsis")
        lines.append(f"Goes to ({len(self.plan.targets)}):\n", style="dim")
        for target in self.plan.targets:
            if target.irreversible:
                lines.append(IRREVERSIBLE_MARK, style="bold red")
            else:
                lines.append(PLAIN_MARK)
            lines.append(item_words(target.item) + "\n")
        if self.plan.skipped:
            lines.append(f"Skipped, not sent ({len(self.plan.skipped)}):\n", style="dim")
            for skip in self.plan.skipped:
                lines.append(PLAIN_MARK)
                lines.append(f"{shorten(skip.reason, 60)}: ", style="italic")
                lines.append(item_words(skip.item) + "\n", style="dim")
        lines.rstrip()
        return lines

    def note(self) -> Text:
        """What cannot be undone, and how many are skipped."""
        note = Text()
        irreversible = self.plan.irreversible
        if irreversible:
            note.append(
                f"! {irreversible} of {len(self.plan.targets)} cannot be undone.",
                style="bold red",
            )
        if self.plan.skipped:
            note.append(" " if irreversible else "")
            note.append(f"{len(self.plan.skipped)} skipped (listed).", style="dim")
        return note

    def compose(self) -> ComposeResult:
        """Heading on top; note, buttons and hint at the bottom; the list scrolls between."""
        with _Dialog(id="dialog", classes="answer-dialog bulk-dialog"):
            yield Static(self.heading(), id="dialog-title", markup=False)
            with Vertical(id="dialog-pinned"):
                note = Static(self.note(), id="bulk-note", markup=False)
                note.display = bool(self.note().plain)
                yield note
                with Horizontal(classes="dialog-buttons"):
                    yield Button(
                        f"Send {len(self.plan.targets)} (y)",
                        id="bulk-yes",
                        variant="error",
                        classes="send-button",
                    )
                    yield Button("Cancel (n)", id="bulk-no")
                yield Static(Text(self.HINT, style="dim"), id="dialog-hint", markup=False)
            yield Static(self.listing(), id="bulk-list", markup=False)

    def replan(self, plan: BulkPlan) -> None:
        """The items changed while the dialog is open (one expired, was withdrawn or answered
        elsewhere): show the plan made again, so no dead item is listed as a target; with no
        target left, Send is off."""
        if not self.is_mounted or self._answered:
            return
        self.plan = plan
        self.query_one("#dialog-title", Static).update(self.heading())
        note = self.query_one("#bulk-note", Static)
        note.update(self.note())
        note.display = bool(self.note().plain)
        send = self.query_one("#bulk-yes", Button)
        send.label = f"Send {len(plan.targets)} (y)"
        send.disabled = not plan.targets
        self.query_one("#bulk-list", Static).update(self.listing())

    def on_mount(self) -> None:
        """Cancel has the focus: Enter alone never sends to a dozen items."""
        self.query_one("#bulk-no", Button).focus()

    def action_scroll(self, lines: int) -> None:
        """Scroll the list while the focus stays on the buttons."""
        dialog = self.query_one("#dialog", _Dialog)
        dialog.scroll_relative(y=lines, animate=False)

    def action_confirm(self) -> None:
        """Send (once: a second `y` finds the dialog gone or already answered); nothing while
        no item can take the answer any more."""
        if not self._answered and self.plan.targets:
            self._answered = True
            self.dismiss(True)

    def action_cancel(self) -> None:
        """Close without sending."""
        if not self._answered:
            self._answered = True
            self.dismiss(False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Enter on the focused button, or a click."""
        event.stop()
        if event.button.id == "bulk-yes":
            self.action_confirm()
        else:
            self.action_cancel()
