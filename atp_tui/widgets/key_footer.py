"""The key footer: what Textual's `Footer` shows, drawn by one widget as one line.

Textual's `Footer` is a container of one `FooterKey` widget per key, all replaced (and each
styled three times as it mounts) on every bindings change: every focus change, every modal
pushed or popped. Here the same keys, in the same order, with the same key displays,
descriptions, spacing and theme colours, are one line of segments in one widget, rebuilt at
most once per refresh and repainted only when the line it shows changed.

Differences from `Footer`: no hover highlight (the keys are not widgets); the tooltip of the
key under the mouse is still shown. Horizontal scrolling of an over-long footer is gone: keys
that do not fit are cut off where the command palette key starts, as `Footer` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import groupby
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

#: The left border of the command palette key (`border-left: vkey` in `Footer`'s CSS).
PALETTE_BORDER = "▏"


@dataclass(frozen=True)
class FooterItem:
    """One key the footer shows, as `Footer` would make a `FooterKey` of it."""

    key: str
    """The key `app.simulate_key` presses when the item is clicked."""
    key_display: str
    description: str
    action: str
    disabled: bool = False
    tooltip: str = ""
    grouped: bool = False
    """Part of a binding group: shown as a key alone, the group's label after the group."""
    palette: bool = False
    """The command palette key, docked right."""


@dataclass(frozen=True)
class GroupLabel:
    """The description of a binding group, after its keys (`Footer`'s `FooterLabel`)."""

    text: str
    compact: bool


@dataclass(frozen=True)
class GroupStart:
    """Where a binding group's keys start (`Footer`'s `KeyGroup`)."""

    compact: bool


#: What the footer shows, left to right: keys, and the marks of binding groups.
FooterLine = tuple[FooterItem | GroupStart | GroupLabel, ...]


def footer_line(screen: Screen[object]) -> FooterLine:
    """The keys `Footer` would show for `screen`'s active bindings, in its order.

    One item per action (its first shown binding; other keys for the same action are left
    out, as `Footer` does), in the order the actions first appear. Consecutive actions of one
    binding group show as their keys alone between a `GroupStart` and the group's label; a
    group of one action shows as a plain key. The command palette key comes last.
    """
    app = screen.app
    active = screen.active_bindings
    first_per_action: dict[str, tuple[Binding, bool, str]] = {}
    for _node, binding, enabled, tooltip in active.values():
        if binding.show:
            first_per_action.setdefault(binding.action, (binding, enabled, tooltip))

    def item(binding: Binding, enabled: bool, tooltip: str, *, in_group: bool) -> FooterItem:
        return FooterItem(
            binding.key,
            app.get_key_display(binding),
            "" if in_group else binding.description,
            binding.action,
            disabled=not enabled,
            tooltip=(tooltip or binding.description) if in_group else tooltip,
            grouped=in_group,
        )

    line: list[FooterItem | GroupStart | GroupLabel] = []
    shown = list(first_per_action.values())
    for group, run in groupby(shown, key=lambda entry: entry[0].group):
        members = list(run)
        if group is None or len(members) == 1:
            line.extend(item(*member, in_group=False) for member in members)
            continue
        line.append(GroupStart(group.compact))
        line.extend(item(*member, in_group=True) for member in members)
        line.append(GroupLabel(group.description, group.compact))
    if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
        _node, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
        palette = item(binding, enabled, binding.tooltip, in_group=False)
        line.append(replace(palette, tooltip=binding.tooltip or binding.description, palette=True))
    return tuple(line)


@dataclass
class _Box:
    """A laid-out run of segments: one key, a group label or a row of them."""

    segments: list[Segment]
    hits: list[tuple[int, int, FooterItem]]
    """(start, end, item) of each key in the run, from its start."""
    margin_left: int = 0
    margin_right: int = 0
    hit_offset: int = 0
    """Where `hits` start in `segments` (a padding before them)."""

    @property
    def width(self) -> int:
        """Cells the run takes, margins excluded."""
        return sum(segment.cell_length for segment in self.segments)

    @classmethod
    def key(cls, item: FooterItem, key_style: Style, description_style: Style, margin: int) -> _Box:
        """A `FooterKey`: the key padded by a space each side, then its description and a
        space; a key without description is the key alone."""
        if item.description:
            segments = [
                Segment(f" {item.key_display} ", key_style),
                Segment(f"{item.description} ", description_style),
            ]
        else:
            segments = [Segment(item.key_display, key_style)]
        box = cls(segments, [], margin, margin)
        box.hits = [(0, box.width, item)]
        return box

    @classmethod
    def row(cls, boxes: list[_Box], background: Style) -> _Box:
        """`boxes` side by side, the margins between them collapsed, the outer ones kept."""
        segments: list[Segment] = []
        hits: list[tuple[int, int, FooterItem]] = []
        x = 0
        previous_margin: int | None = None
        for box in boxes:
            gap = (
                box.margin_left
                if previous_margin is None
                else max(previous_margin, box.margin_left)
            )
            if gap:
                segments.append(Segment(" " * gap, background))
                x += gap
            start = x + box.hit_offset
            hits.extend((start + begin, start + end, item) for begin, end, item in box.hits)
            segments.extend(box.segments)
            x += box.width
            previous_margin = box.margin_right
        if previous_margin:
            segments.append(Segment(" " * previous_margin, background))
        return cls(segments, hits)

    def hit_boxes(self) -> list[tuple[int, int, FooterItem]]:
        """Where each key of the run is, from the run's start."""
        return [
            (self.hit_offset + begin, self.hit_offset + end, item) for begin, end, item in self.hits
        ]


class KeyFooter(Widget, can_focus=False):
    """The screen's keys in one line, as Textual's `Footer` shows them, in one widget.

    The line is recomputed at most once per refresh however many `bindings_updated` signals
    arrive in it (a focus change or a modal sends several), and repainted only when it differs
    from the line shown.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer-key--key",
        "footer-key--description",
        "footer-key--border",
    }
    # The colours of `Footer` and `FooterKey` (textual/widgets/_footer.py), from the same
    # theme variables; the spacing is drawn in `render_line`.
    DEFAULT_CSS = """
    KeyFooter {
        color: $footer-foreground;
        background: $footer-background;
        dock: bottom;
        height: 1;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer-key--border {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._change_pending = False
        self._line: FooterLine = ()
        #: (start, end, item) of each key drawn, for clicks and tooltips.
        self._hit_boxes: list[tuple[int, int, FooterItem]] = []

    @property
    def items(self) -> tuple[FooterItem, ...]:
        """The keys shown now, left to right (the command palette key last)."""
        return tuple(item for item in self._line if isinstance(item, FooterItem))

    def on_mount(self) -> None:
        """Follow the screen's bindings, as `Footer` does."""
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        """Stop following the screen's bindings."""
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Take the first change of this refresh; later ones are covered by it."""
        if self._change_pending:
            return
        self._change_pending = True
        self.call_after_refresh(self._take_change, screen)

    def _take_change(self, screen: Screen[object]) -> None:
        self._change_pending = False
        # `Footer` ignores changes while the app is unfocused: focus coming back sends one.
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.show(footer_line(screen))

    def show(self, line: FooterLine) -> None:
        """Show `line`; nothing is repainted when it is the line already shown."""
        if line == self._line:
            return
        self._line = line
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """The footer line: keys from the left, the command palette key docked right."""
        width = self.size.width
        background = Style(bgcolor=self.rich_style.bgcolor)
        if y != 0 or not self._line:
            return Strip([Segment(" " * width, background)], width)
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        dim = Style(dim=True)
        palette = next(
            (item for item in self._line if isinstance(item, FooterItem) and item.palette), None
        )
        palette_segments = (
            self._palette_segments(palette, key_style, description_style, background)
            if palette is not None
            else []
        )
        palette_width = sum(segment.cell_length for segment in palette_segments)
        keys_width = max(0, width - palette_width)

        # `Footer` lays its children out horizontally; margins between neighbours collapse
        # (the larger wins), as in Textual's horizontal layout.
        boxes: list[_Box] = []
        group: list[_Box] = []
        group_compact = False
        for entry in self._line:
            if isinstance(entry, GroupStart):
                group, group_compact = [], entry.compact
            elif isinstance(entry, GroupLabel):
                # The group's keys in a `KeyGroup`: keys apart by a margin of 1, or side by
                # side after a padding of 1 and before a margin of 1 when compact.
                keys = _Box.row(group, background)
                if group_compact:
                    keys = _Box([Segment(" ", background), *keys.segments], keys.hits, 0, 1, 1)
                boxes.append(keys)
                boxes.append(_Box([Segment(entry.text, description_style)], [], 0, 1))
            elif entry.palette:
                continue
            else:
                styles = (key_style, description_style)
                if entry.disabled:  # `FooterKey.-disabled`: text-style dim
                    styles = (key_style + dim, description_style + dim)
                margin = 0 if group_compact or not entry.grouped else 1
                box = _Box.key(entry, *styles, margin)
                if entry.grouped:
                    group.append(box)
                else:
                    boxes.append(box)
        row = _Box.row(boxes, background)
        segments = row.segments
        hit_boxes = row.hit_boxes()
        line = Strip(segments).crop_extend(0, keys_width, background)
        if palette is not None:
            line = Strip.join([line, Strip(palette_segments)]).crop(0, width)
        # Keys cut off by the palette key are clickable as far as they show.
        self._hit_boxes = [
            (start, min(end, keys_width), item)
            for start, end, item in hit_boxes
            if start < keys_width
        ]
        if palette is not None:
            self._hit_boxes.append((keys_width, width, palette))
        return line

    def _palette_segments(
        self, item: FooterItem, key_style: Style, description_style: Style, background: Style
    ) -> list[Segment]:
        """The command palette key: a `FooterKey` in its compact style, padded right, with a
        left border (its `-command-palette` rules in `Footer`'s CSS)."""
        border = self.get_component_rich_style("footer-key--border")
        if item.disabled:
            key_style += Style(dim=True)
            description_style += Style(dim=True)
        segments = [Segment(PALETTE_BORDER, border), Segment(item.key_display, key_style)]
        if item.description:
            segments.append(Segment(f" {item.description}", description_style))
        segments.append(Segment(" ", background))
        return segments

    # -- mouse -----------------------------------------------------------------------------

    def _item_at(self, x: int) -> FooterItem | None:
        for start, end, item in self._hit_boxes:
            if start <= x < end:
                return item
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A click on a key presses it, as on a `FooterKey`; a disabled key rings the bell."""
        item = self._item_at(event.x)
        if item is None:
            return
        if item.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(item.key)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The tooltip of the key under the mouse (a `FooterKey`'s own tooltip)."""
        item = self._item_at(event.x)
        tooltip = item.tooltip if item is not None else None
        if tooltip != self.tooltip:
            self.tooltip = tooltip or None
