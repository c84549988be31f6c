"""The detail pane: everything about the selected notification, and its numbered actions.

Every server string is sanitised (`atp_tui.protocol.text`) and rendered as a literal
`rich.text.Text`; nothing here parses markup. The actions are an `OptionList`: highlight one
and press Enter (or click it) to answer; options are disabled once the notification takes no
answers.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from atp_tui.protocol.text import sanitize, sanitize_lines
from atp_tui.store import StoredNotification
from atp_tui.view.glyphs import UNICODE
from atp_tui.view.items import (
    WARNING_SECONDS,
    AnswerState,
    age_changes_in,
    closed_reason,
    countdown_changes_in,
    countdown_text,
    created_at,
    format_age,
    is_urgent,
    item_actionable,
)
from atp_tui.widgets.detail_metadata import metadata_cells, metadata_table, metadata_text
from atp_tui.widgets.detail_parts import ActionList as ActionList  # the screen's import
from atp_tui.widgets.detail_parts import DetailText, planned_height, set_text
from atp_tui.widgets.quiet_layout import QuietLayout

if TYPE_CHECKING:
    from atp_tui.protocol.models import Action, Attachment

#: Inline attachment data decoded at most (base64 characters); the rest is described.
ATTACHMENT_DECODE_LIMIT = 64 * 1024
#: Decoded attachment text shown at most (characters).
ATTACHMENT_TEXT_LIMIT = 4000

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/yaml")


def describe_action(action: Action) -> str:
    """The type and flags of an action in a few words, e.g. `text · max 200 · irreversible`."""
    # Imported here: an action to describe means the models are loaded already.
    from atp_tui.protocol.models import (
        BinaryAction,
        ChoiceAction,
        DateAction,
        MultiChoiceAction,
        NumberAction,
        TextAction,
        UnknownAction,
    )

    parts: list[str] = [action.response_type]
    if isinstance(action, BinaryAction):
        parts.append(f"{action.options.true_label} / {action.options.false_label}")
    elif isinstance(action, MultiChoiceAction):
        low, high = action.constraints.min_selections, action.constraints.max_selections
        parts.append(f"{len(action.options)} options, pick {low}–{high if high else 'any'}")
    elif isinstance(action, ChoiceAction):
        parts.append(f"{len(action.options)} options")
    elif isinstance(action, TextAction):
        text_limits = action.constraints
        if text_limits.multiline:
            parts.append("multi-line")
        if text_limits.max_length is not None:
            parts.append(f"max {text_limits.max_length}")
    elif isinstance(action, NumberAction):
        number_limits = action.constraints
        if number_limits.min is not None or number_limits.max is not None:
            least = "" if number_limits.min is None else f"{number_limits.min:g}"
            greatest = "" if number_limits.max is None else f"{number_limits.max:g}"
            parts.append(f"{least}…{greatest}")
        if number_limits.integer:
            parts.append("whole")
    elif isinstance(action, DateAction):
        parts.append("date and time" if action.constraints.include_time else "date")
    elif isinstance(action, UnknownAction):
        parts.append("read-only: atp-tui cannot answer this type")
    if action.irreversible:
        parts.append("irreversible")
    return " · ".join(sanitize(part, limit=80) for part in parts)


def describe_attachment(attachment: Attachment) -> Text:
    """One attachment: text shown decoded (capped), binary described, a `uri` never fetched."""
    kind = sanitize(attachment.type, limit=80)
    label = sanitize(attachment.description or "", limit=200)
    head = Text("• ")
    head.append(label or "(attachment)", style="bold")
    head.append(f"  {kind}", style="dim")
    if attachment.uri:
        head.append("\n  link (not fetched): ")
        head.append(sanitize(attachment.uri, limit=400), style="underline")
    if attachment.data:
        encoded = attachment.data[:ATTACHMENT_DECODE_LIMIT]
        try:
            raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=False)
        except (binascii.Error, ValueError):
            head.append("\n  inline data that is not valid base64 (not shown)", style="dim")
            return head
        cut = len(attachment.data) > ATTACHMENT_DECODE_LIMIT
        size = f"{len(raw):,} bytes" + (" shown of more" if cut else "")
        text = _as_text(raw, attachment.type)
        if text is None:
            head.append(f"\n  binary data, {size} (not shown)", style="dim")
        else:
            head.append(f"  ({size})", style="dim")
            body = sanitize_lines(text, limit=ATTACHMENT_TEXT_LIMIT)
            head.append("\n")
            head.append(Text("  " + body.replace("\n", "\n  ")))
    return head


def _as_text(raw: bytes, mime: str) -> str | None:
    """The bytes as text when they are (by type, or cleanly decodable UTF-8 without NULs)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if mime.startswith(_TEXT_TYPES):
            return raw.decode("utf-8", errors="replace")
        return None
    if "\x00" in text and not mime.startswith(_TEXT_TYPES):
        return None
    return text


@dataclass(frozen=True, slots=True)
class _Shown:
    """What the pane last rendered, to skip work when nothing changed."""

    item: StoredNotification | None
    answer: AnswerState | None
    actionable: bool


class DetailPane(QuietLayout, VerticalScroll):
    """Title, service, project, times, description, metadata, attachments, actions."""

    @dataclass
    class ActionChosen(Message):
        """The user picked action `number` (1-based) of notification `notification_id` in
        the pane (Enter on it, or a click)."""

        notification_id: str
        number: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: _Shown | None = None  # nothing rendered yet
        self.notification_id: str | None = None
        #: Deadlines closer than this many seconds are drawn in red (the settings' threshold).
        self.warning_seconds = WARNING_SECONDS
        #: Countdowns to the minute even within the warning (the `low_bandwidth` setting).
        self.coarse_time = False
        #: The symbols to draw with (decided at start: `atp_tui.view.glyphs`).
        self.glyphs = UNICODE
        self._item: StoredNotification | None = None
        #: The item whose actions the action list shows.
        self._actions_of: str | None = None

    def allow_focus(self) -> bool:
        """Only a pane with something to scroll takes the focus: Tab onto one that cannot
        move showed no focus anywhere and took every key (an independent check)."""
        return self.max_scroll_y > 0

    @property
    def offers_answers(self) -> bool:
        """Whether the shown item's actions can be chosen (it is open and not expired)."""
        return self._shown is not None and self._shown.actionable

    def content_changed(self) -> None:
        """The shown item came again with other content (`NotificationUpdated`): draw it anew
        at the next `show`, its action highlight dropped. Its summary can stay the same (new
        actions, a description past its head), and the pane kept showing the old actions
        while the keys answered with the new ones (an independent check)."""
        self._shown = None
        self._actions_of = None

    def compose(self) -> ComposeResult:
        """The pane's parts; all filled by `show`."""
        yield DetailText(id="detail-title")
        yield DetailText(id="detail-meta")
        yield DetailText(id="detail-state")
        yield DetailText("Actions", id="detail-actions-label")
        yield ActionList(id="detail-actions")
        yield DetailText(id="detail-description")
        yield DetailText(id="detail-extra")

    def show(
        self, item: StoredNotification | None, answer: AnswerState | None, now: datetime
    ) -> None:
        """Show `item` (or the empty state); cheap when only the clock moved."""
        actionable = item is not None and item_actionable(item, now)
        shown = _Shown(item, answer, actionable)
        self._item = item
        self.notification_id = item.summary.id if item is not None else None
        self.set_class(item is None, "-empty")
        if shown != self._shown:
            self._render_static(item)
            self._render_actions(item, actionable)
        self._render_times(item, answer, now)
        self._shown = shown
        self._plan_scrollbar()

    def _plan_scrollbar(self) -> None:
        """Show or hide the scroll bar now, as the layout pass about to run will decide.

        Textual lays the parts out at the pane's present width, then shows or hides the scroll
        bar for their height, which changes the width: every part is laid out and painted
        again, in a second pass and frame (half the cursor keys, between a short and a long
        notification). Deciding it here, from the heights the parts were just given, makes
        that one pass. The decision holds at either width (narrower text is only taller); when
        a height is unknown (not measured yet, parts shown or hidden) Textual decides, as
        before, in a second pass.
        """
        shown = [child for child in self.children if child.display]
        if not shown or self.has_class("-empty") != (self._item is None):
            return
        # The parts' extent as last laid out (the virtual size is never less than the pane).
        height = shown[-1].virtual_region_with_margin.bottom
        if not height:
            return
        for child in shown:
            planned = planned_height(child)
            if planned is None:
                return
            height += planned - child.outer_size.height
        scrolls = height > self.container_size.height
        if scrolls != self.show_vertical_scrollbar and self.styles.overflow_y == "auto":
            self.show_vertical_scrollbar = scrolls
            self.vertical_scrollbar.display = scrolls
            bar = self.styles.scrollbar_size_vertical
            self.query_one(ActionList).expect_width(-bar if scrolls else bar)

    def _render_static(self, item: StoredNotification | None) -> None:
        title = self.query_one("#detail-title", DetailText)
        description = self.query_one("#detail-description", DetailText)
        extra = self.query_one("#detail-extra", DetailText)
        if item is None:
            set_text(title, Text("Nothing selected"))
            set_text(
                description, Text("Notifications appear here when an agent asks for a decision.")
            )
            set_text(extra, Text(""))
            return
        notification = item.notification
        context = notification.context
        set_text(title, Text(sanitize(context.title, limit=1000), style="bold"))
        set_text(description, Text(sanitize_lines(context.description)))
        cells = metadata_cells(context.metadata) if context.metadata else []
        parts: list[RenderableType] = []
        if cells:
            parts += [Text("Metadata", style="bold underline"), metadata_table(cells), Text("")]
        if context.attachments:
            parts.append(Text("Attachments", style="bold underline"))
            parts += [describe_attachment(attachment) for attachment in context.attachments[:20]]
            parts.append(Text(""))
        # Keyed by its source: the rendered table is not comparable.
        content = Group(*parts) if parts else Text("")
        key = ("extra", context.metadata, context.attachments)
        plain = metadata_text(cells) if cells and not context.attachments else None
        if plain is None:
            set_text(extra, content, key)
            return
        # The same lines as literal text while the table fits (see `detail_metadata`).
        rows, needs = plain
        text = Text.assemble(Text("Metadata", style="bold underline"), "\n", rows, "\n")
        set_text(extra, text, narrow=(needs, content))

    def _render_actions(self, item: StoredNotification | None, actionable: bool) -> None:
        actions = self.query_one(ActionList)
        if item is None:
            actions.clear()
            return
        if item.summary.id != self._actions_of and actions.highlighted is not None:
            # A highlight is one item's: kept for the next (whose actions looked alike), Enter
            # Enter there sent the action picked on the one before (an independent check).
            actions.highlighted = None
        self._actions_of = item.summary.id
        from atp_tui.protocol.models import UnknownAction  # loaded: an item is shown

        options: list[Option] = []
        for number, action in enumerate(item.notification.actions, start=1):
            prompt = Text(f"{number}  " if number <= 9 else "   ")
            prompt.append(sanitize(action.display_label, limit=120), style="bold")
            prompt.append(f"  {describe_action(action)}", style="dim")
            disabled = not actionable or isinstance(action, UnknownAction)
            options.append(Option(prompt, id=f"action-{number}", disabled=disabled))
        if not options:
            options.append(Option(Text("(this notification offers no actions)"), disabled=True))
        actions.show_options(options)

    def _render_times(
        self, item: StoredNotification | None, answer: AnswerState | None, now: datetime
    ) -> None:
        meta = self.query_one("#detail-meta", DetailText)
        state = self.query_one("#detail-state", DetailText)
        if item is None:
            set_text(meta, Text(""))
            set_text(state, Text(""))
            return
        notification = item.notification
        line = Text()
        line.append(sanitize(notification.service.name, limit=80), style="bold")
        if notification.context.project:
            line.append(" · ")
            line.append(sanitize(notification.context.project, limit=80))
        created = created_at(item)
        line.append(f" · created {created.astimezone().strftime('%Y-%m-%d %H:%M:%S')}")
        age = format_age(created, now)
        line.append(" (just now)" if age == "now" else f" ({age} ago)", style="dim")
        deadline = notification.deadline
        reason = closed_reason(item, now)
        line.append("\nDeadline: ")
        if deadline is None:
            line.append("none")
        elif reason:  # closed: the deadline no longer counts down (nothing is due)
            line.append(deadline.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
            line.append(" (closed)", style="dim")
        else:
            countdown = countdown_text(deadline, now, self.warning_seconds, coarse=self.coarse_time)
            urgent = is_urgent(deadline, now, self.warning_seconds)
            # Bold and a mark as well as red: urgency must show without colour too.
            style = "bold red" if urgent else ""
            mark = f"{self.glyphs.urgent} " if urgent else ""
            line.append(f"{mark}in {countdown}", style=style)
            line.append(f" ({deadline.astimezone().strftime('%Y-%m-%d %H:%M:%S')})", style="dim")
        if notification.priority:
            line.append("  Priority: ")
            line.append(sanitize(notification.priority, limit=40), style="bold")
        set_text(meta, line)
        status = Text()
        if reason:
            status.append("Closed: ", style="bold")
            status.append(sanitize(reason, limit=300))
            status.append(" (actions disabled)", style="dim")
        else:
            status.append("Open", style="bold")
            dot, digits = self.glyphs.separator, self.glyphs.digits
            hint = f" {dot} answer with {digits}, or highlight an action and press Enter"
            status.append(hint, style="dim")
        if answer is not None:
            style = {"refused": "bold red", "failed": "bold red", "sent": "bold green"}.get(
                answer.kind, "bold"
            )
            status.append("\nAnswer: ", style="bold")
            if answer.words:
                status.append(f"“{sanitize(answer.words, limit=130)}” ")
            status.append(sanitize(answer.text, limit=300), style=style)
        set_text(state, status)

    def changes_in(self, now: datetime) -> float | None:
        """Seconds until the shown times (age, countdown) change; `None` if they never do."""
        item = self._item
        if item is None:
            return None
        changes = [age_changes_in(created_at(item), now)]
        if not closed_reason(item, now):
            deadline = item.summary.deadline
            warning = self.warning_seconds
            changes.append(countdown_changes_in(deadline, now, warning, coarse=self.coarse_time))
        return min((change for change in changes if change is not None), default=None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on an action answers it."""
        event.stop()
        option_id = event.option.id or ""
        if self.notification_id is not None and option_id.startswith("action-"):
            number = int(option_id.removeprefix("action-"))
            self.post_message(DetailPane.ActionChosen(self.notification_id, number))
