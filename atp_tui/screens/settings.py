"""The settings screen: edit the common settings, validate them, save them to the config file.

The quick replies are edited in a list of their own (`atp_tui.screens.quick_reply_editor`),
opened from the form's "Quick replies" row; they are saved with the other settings.

Saving goes through `update_settings_file`, which rewrites the whole file (comments and
formatting are lost, and the screen says so) and writes into `[profiles.NAME]` when a profile
is active. Only the values the user changed are written, so a server given by a flag or an
environment variable does not end up pinned in the file.

| Key | id | Action |
|---|---|---|
| `ctrl+s` | `settings.save` | validate and save |
| `ctrl+r` | `settings.quick-replies` | add, edit and remove the quick replies |
| `escape` | `settings.cancel` | close without saving |
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from atp_tui.protocol.text import sanitize
from atp_tui.screens.quiet_focus import QuietFocus
from atp_tui.settings import Settings, validate_setting
from atp_tui.settings.file import display_path, update_settings_file

if TYPE_CHECKING:
    from atp_tui.screens.quick_reply_editor import EditedReplies

#: The fields on the screen, in order, with their labels.
FIELDS: tuple[tuple[str, str], ...] = (
    ("server", "Server URL"),
    ("bell", "Bell"),
    ("deadline_warning_minutes", "Deadline warning (min)"),
    ("default_sort", "Default sort"),
    ("confirm_irreversible", "Confirm irreversible"),
    ("theme", "Theme"),
    ("heartbeat_timeout", "Heartbeat timeout (s)"),
)
_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "bell": [
        ("all: every new request", "all"),
        ("high: priority high/critical/urgent", "high"),
        ("off", "off"),
    ],
    "default_sort": [("deadline: soonest first", "deadline"), ("newest first", "newest")],
    "confirm_irreversible": [("yes: ask before sending", True), ("no: send at once", False)],
}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class SettingsScreen(QuietFocus, ModalScreen[dict[str, Any] | None]):
    """A form over the common settings; dismisses with the saved changes (or None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="settings.save"),
        Binding("ctrl+r", "quick_replies", "Quick replies", id="settings.quick-replies"),
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        path: Path | None,
        profile: str | None,
        themes: list[str],
        cursor_blink: bool = True,
    ) -> None:
        super().__init__(classes="answer-modal")
        self.settings = settings
        self.path = path
        self.profile = profile
        self.themes = themes if settings.theme in themes else [settings.theme, *themes]
        self.cursor_blink = cursor_blink
        #: The quick replies as edited so far (saved with the other settings).
        self.quick_replies = dict(settings.quick_replies)

    def _field(self, name: str) -> Widget:
        value = getattr(self.settings, name)
        if name in _CHOICES:
            return Select(
                _CHOICES[name], value=value, allow_blank=False, compact=True, id=f"field-{name}"
            )
        if name == "theme":
            options = [(theme, theme) for theme in self.themes]
            return Select(options, value=value, allow_blank=False, compact=True, id="field-theme")
        field = Input(_text(value), compact=True, id=f"field-{name}")
        field.cursor_blink = self.cursor_blink
        return field

    def compose(self) -> ComposeResult:
        """Title, one row per field with an error line under it, the file note, buttons."""
        title = Text("Settings", style="bold")
        if self.profile:
            title.append(f"  profile {sanitize(self.profile, limit=40)}", style="dim")
        with Vertical(id="dialog", classes="settings-dialog"):
            yield Static(title, id="dialog-title", markup=False)
            with VerticalScroll(id="settings-fields"):
                for name, label in FIELDS:
                    with Horizontal(classes="settings-row"):
                        yield Label(label, classes="settings-label", markup=False)
                        yield self._field(name)
                    error = Static("", id=f"error-{name}", classes="settings-error", markup=False)
                    error.display = False
                    yield error
                with Horizontal(classes="settings-row"):
                    yield Label(
                        "Quick replies", classes="settings-label -before-button", markup=False
                    )
                    yield Button(self._replies_label(), id="settings-quick-replies", compact=True)
            yield Static(self._note(), id="settings-note", markup=False)
            yield Static("", id="dialog-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="settings-save", variant="primary", compact=True)
                yield Button("Cancel (Esc)", id="settings-cancel", compact=True)

    def _replies_label(self) -> Content:
        """The quick replies' row: how many there are, whether edited, and what Enter does."""
        count = len(self.quick_replies)
        shown = {0: "none", 1: "1 reply"}.get(count, f"{count} replies")
        edited = " (edited, not saved)" if self._replies_changed() else ""
        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        key = keymap.get("settings.quick-replies", "ctrl+r").split(",")[0]
        return Content(f"{shown}{edited} · {key} to {'edit' if count else 'add'}")

    def _replies_changed(self) -> bool:
        """Whether the quick replies differ from the saved ones (order included)."""
        return list(self.quick_replies.items()) != list(self.settings.quick_replies.items())

    def action_quick_replies(self) -> None:
        """The list of quick replies; back here with the edits (ctrl+s there saves too)."""
        from atp_tui.screens.quick_reply_editor import QuickRepliesEditor

        def edited(result: EditedReplies | None) -> None:
            if result is None:
                return
            self.quick_replies = dict(result.replies)
            self.query_one("#settings-quick-replies", Button).label = self._replies_label()
            if result.save:
                self.action_save()

        self.app.push_screen(QuickRepliesEditor(self.quick_replies), edited)

    def _note(self) -> Text:
        if self.path is None:
            return Text("No settings file: changes cannot be saved.", style="yellow")
        where = f"[profiles.{self.profile}] in " if self.profile else ""
        note = Text("Saving rewrites ")
        note.append(f"{where}{display_path(self.path)}", style="bold")
        note.append(" (its comments are lost); server and heartbeat apply at the next start.")
        return note

    def on_mount(self) -> None:
        """Start in the first field."""
        self.query_one("#field-server").focus()

    def values(self) -> dict[str, Any]:
        """The raw values in the form (strings for text fields)."""
        raw: dict[str, Any] = {}
        for name, _ in FIELDS:
            widget = self.query_one(f"#field-{name}")
            raw[name] = widget.value if isinstance(widget, (Input, Select)) else None
        return raw

    def validate(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The changed values (validated) and an error message per invalid field."""
        changes: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, raw in self.values().items():
            try:
                value = validate_setting(name, raw)
            except ValueError as error:
                errors[name] = str(error)
                continue
            if value != getattr(self.settings, name):
                changes[name] = value
        if self._replies_changed():
            changes["quick_replies"] = dict(self.quick_replies)
        return changes, errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, _ in FIELDS:
            line = self.query_one(f"#error-{name}", Static)
            line.display = name in errors
            line.update(Text(f"↳ {sanitize(errors.get(name, ''), limit=200)}", style="red"))

    def action_save(self) -> None:
        """Validate every field; save the changes when all are valid (inputs are kept)."""
        changes, errors = self.validate()
        self._show_errors(errors)
        message = self.query_one("#dialog-error", Static)
        message.add_class("-shown")
        if errors:
            message.update(Text("Fix the fields marked in red; nothing was saved.", style="red"))
            self.query_one(f"#field-{next(iter(errors))}").focus()
            return
        if not changes:
            self.dismiss({})
            return
        if self.path is None:
            message.update(Text("No settings file to save to.", style="red"))
            return
        try:
            update_settings_file(self.path, changes, profile=self.profile)
        except (ValueError, OSError) as error:
            message.update(Text(sanitize(f"Not saved: {error}", limit=400), style="red"))
            return
        self.dismiss(changes)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save or Cancel clicked."""
        event.stop()
        if event.button.id == "settings-save":
            self.action_save()
        elif event.button.id == "settings-quick-replies":
            self.action_quick_replies()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field moves on (Save is ctrl+s or the button)."""
        event.stop()
        self.focus_next()
