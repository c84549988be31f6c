"""The detail pane's parts, each updated in place and measured as the layout pass measures it.

A cursor key gives the pane another notification: other text of another height, another
number of actions. What it costs is mostly Textual's layout passes and the frames after
them (issue #12: "no screen-wide relayout for a detail-pane update"). The parts here keep that
to one pass and one frame:

* `DetailText` (a `Static`, literal text: `markup=False`) asks for a layout only when its
  height changes, and measures that height with the visual it will draw, so the layout pass
  finds it cached;
* `ActionList` keeps its options when the next notification has as many (new prompts and
  flags in place), has a scroll bar only when its options are taller than its `max-height`,
  and keeps its rendered options when only its height changed;
* `planned_height` tells the pane how tall a part is about to be, so it can decide its scroll
  bar before the layout pass rather than in a second one (`DetailPane._plan_scrollbar`).

Each shortcut falls back to Textual's own way (another pass) when it cannot tell; none changes
what is drawn.
"""

from __future__ import annotations

from typing import ClassVar, Self, cast

from rich._wrap import divide_line
from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from atp_tui.widgets.cropped_update import changed_cells
from atp_tui.widgets.quiet_layout import QuietLayout, QuietScrollView

#: What identifies what a part or an option draws (see `text_key`).
ShownKey = tuple[object, ...]


def text_key(text: Text) -> ShownKey:
    """What makes two `Text`s draw the same (rich's `==` ignores the base style)."""
    return (text.plain, str(text.style), tuple(text.spans))


class DetailText(QuietLayout, Static):
    """A part of the pane: literal text (`markup=False`), laid out in one pass, rendered
    down to the last line on screen.

    Textual renders every line of a `Static` when any one is needed, and the pane shows the
    first twenty-odd lines of a description that may be sixty: the lines below the pane are
    rendered only when scrolled to (a `Content`'s first lines are the same whatever the
    height it is rendered for)."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id, markup=False)
        # No links: the text is literal (`markup=False`, sanitised). With them on, Textual
        # copies every rendered line once more to style the links it might hold.
        self.set_reactive(Widget.auto_links, False)
        #: What `set_text` last showed: (key, lines, width); lines -1 when not measured.
        self.shown: tuple[object, int, int] | None = None
        #: The lines rendered so far and what they were rendered from.
        self._lines: list[Strip] = []
        self._lines_from: tuple[object, ...] | None = None
        self._all_lines = False  # every line of the text is in `_lines`
        #: The last line (exclusive) the frame being painted needs.
        self._wanted = 0
        #: A Rich renderable's lines as measured, and what they were rendered from.
        self._rich_lines: tuple[object, tuple[object, ...], list[Strip]] | None = None
        #: (text, the width it needs, what to show when narrower): see `set_text`'s `narrow`.
        self.forms: tuple[Text, int, RenderableType] | None = None
        #: While `set_text` swaps the text: a whole repaint is held back (it repaints the
        #: cells that changed instead).
        self._holding_repaint = False
        self._showing_narrow = False

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The height at `width`, measured without formatting the text twice.

        Textual measures a text by wrapping and styling every line (then renders it again),
        and a Rich renderable (the metadata table) by rendering it (then renders it again to
        draw it). A literal text's height is counted from where its lines wrap alone
        (`wrapped_height`); a renderable's lines are kept from the measure for `render_line`.
        """
        self._pick_form(width)
        if width <= 0 or self._content_height_cache[0] == width:
            return super().get_content_height(container, viewport, width)
        visual = self.visual
        if isinstance(visual, Content):
            if "\t" in visual.plain or not _wraps_plainly(self):
                return super().get_content_height(container, viewport, width)
            height = wrapped_height(visual.plain, width)
        else:
            strips = Visual.to_strips(self, visual, width, None, self.visual_style)
            self._rich_lines = (visual, self._rich_source(width), strips)
            height = len(strips)
        self._content_height_cache = (width, height)
        return height

    def _pick_form(self, width: int) -> None:
        """Show the text, or what stands for it when it is wider than `width` (measured
        first, in the layout pass, at every new width)."""
        if self.forms is None or width <= 0:
            return
        text, needs, narrow = self.forms
        if (width < needs) != self._showing_narrow:
            self._showing_narrow = width < needs
            self.update(narrow if self._showing_narrow else text, layout=False)

    def _rich_source(self, width: int) -> tuple[object, ...]:
        return (width, self.visual_style, self.text_selection)

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        """Textual's refresh, except a whole repaint while `set_text` swaps the text: then
        only its bookkeeping (cached sizes and styles), with no cell marked dirty."""
        if self._holding_repaint and not (regions or layout or recompose):
            regions = (Region(0, 0, 0, 0),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Render the lines in `crop` (noting how far down they go)."""
        self._wanted = crop.bottom
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """Line `y`, rendering the text down to the lowest line this frame paints."""
        visual = self.visual
        width, height = self.size
        if not isinstance(visual, Content):
            kept = self._rich_lines
            if kept is None or kept[0] is not visual or kept[1] != self._rich_source(width):
                return super().render_line(y)
            if y < len(kept[2]):
                return kept[2][y]
            return Strip.blank(width, self.visual_style.rich_style)
        source = (visual, width, height, self.visual_style, self.text_selection)
        if source != self._lines_from:
            self._lines, self._lines_from, self._all_lines = [], source, False
        lines = self._lines
        if y >= len(lines) and not self._all_lines:
            wanted = min(height, max(y + 1, self._wanted))
            # Each line of the text wraps on its own into one screen line or more: the first
            # `wanted` of them are all the first `wanted` screen lines can come from.
            cut = -1
            for _ in range(wanted):
                cut = visual.plain.find("\n", cut + 1)
                if cut < 0:
                    break
            shown = visual if cut < 0 else visual[:cut]
            lines[:] = Visual.to_strips(self, shown, width, wanted, self.visual_style)
            self._all_lines = wanted == height or (cut < 0 and len(lines) < wanted)
        if y < len(lines):
            return lines[y]
        return Strip.blank(width, self.visual_style.rich_style)


def _wraps_plainly(widget: Widget) -> bool:
    """Whether `widget`'s text wraps at words, folds long words and has no line padding (as
    `wrapped_height` counts)."""
    styles = widget.styles
    return styles.text_wrap == "wrap" and styles.text_overflow == "fold" and not styles.line_pad


def wrapped_height(plain: str, width: int) -> int:
    """The lines `plain` (no tabs) takes at `width`, wrapped as a `Content` wraps it: each
    line on its own, at word boundaries, words longer than the width folded."""
    return sum(len(divide_line(line, width, fold=True)) + 1 for line in plain.split("\n"))


def set_text(
    static: DetailText,
    text: RenderableType,
    key: object = None,
    narrow: tuple[int, RenderableType] | None = None,
) -> None:
    """Update `static` only when its content differs, and lay out only when its height changes.

    `Static.update` lays out the whole screen by default; on every cursor move that is most of
    the cost of a key, so content that takes as many lines as the shown one only repaints.
    `key` identifies content that is not a `Text` (which is keyed by what it draws).
    `narrow` is (the width `text` needs, what `static` shows instead when it is narrower).
    """
    key = text_key(text) if key is None and isinstance(text, Text) else key
    old = static.shown
    if old is not None and old[0] == key:
        return
    if narrow is not None and isinstance(text, Text):
        static.forms = (text, *narrow)
    else:
        static.forms = None
    static._showing_narrow = False
    before = _shown_lines(static) if old is not None else None
    static._holding_repaint = before is not None
    try:
        static.update(text, layout=False)
    finally:
        static._holding_repaint = False
    width = static.content_size.width
    # Measured as the layout pass measures it: it then finds the height cached.
    lines = static.get_content_height(Size(0, 0), Size(0, 0), width) if width > 0 else -1
    if old is None or lines < 0 or old[1:] != (lines, width):
        # Repainted by `update` unless held back; keeps the height.
        static.refresh(layout=True, repaint=before is not None)
    elif before is not None:
        _repaint_changed(static, before)
    static.shown = (key, lines, width)


#: A part this short (the times, the state) is repainted only in the cells that changed when
#: its text does: each second of an urgent countdown then writes a few cells over SSH, not
#: both lines. Longer ones (a description) are repainted whole: comparing would render them.
_COMPARED_LINES = 4


def _shown_lines(static: DetailText) -> list[Strip] | None:
    """The lines `static` shows now, when it is short enough to compare (`_COMPARED_LINES`)."""
    height = static.content_size.height
    if not 0 < height <= _COMPARED_LINES or not static.is_mounted:
        return None
    return [static.render_line(y) for y in range(height)]


def _repaint_changed(static: DetailText, before: list[Strip]) -> None:
    """Repaint the cells of `static` that differ from `before` (same height and width)."""
    for y, old in enumerate(before):
        span = changed_cells(old, static.render_line(y))
        if span is not None:
            static.refresh(Region(span[0], y, span[1] - span[0], 1))


class ActionList(QuietScrollView, OptionList):
    """The selected notification's actions, numbered like the `1`–`9` keys; `j`/`k` move as
    in the inbox (as well as the arrow keys)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next action", show=False, id="actions.down"),
        Binding("k", "cursor_up", "Previous action", show=False, id="actions.up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(Widget.auto_links, False)  # literal prompts: see `DetailText`
        #: What the options last showed, so an item with the same actions keeps them as they are.
        self.shown_key: tuple[ShownKey, ...] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Drop the options rendered at another width while the layout pass places the list.

        `OptionList` keeps its rendered options by option and style, not width, and drops
        them in its `Resize` handler, which runs after the frame that follows the pass: that
        frame painted them at the old width and the handler's repaint took a second frame (the
        pane and every part in it, on every key that shows or hides the pane's scroll bar).
        Dropped here, the one frame paints them at the new width; it repaints the whole list
        anyway, as its geometry changed."""
        if size.width != self.size.width:
            self._option_render_cache.clear()
            self._line_cache.clear()
        return super()._size_updated(size, virtual_size, container_size, layout)

    def action_select(self) -> None:
        """Enter: answer with the highlighted action; with none highlighted (the item changed
        and its highlight went), say so rather than do nothing in silence."""
        if self.highlighted is None and self.option_count:
            self.notify(
                "Nothing was sent: no action is highlighted (the item changed). "
                "Pick one with j/k or the arrows, or press its number.",
                severity="warning",
                markup=False,
            )
            return
        super().action_select()

    def on_blur(self, event: events.Blur) -> None:
        """Leaving the list for another widget (Escape or Tab to the inbox, a click) drops its
        highlight: a dimmed one stayed beside the inbox's cursor, two highlights at once (an
        independent check). The terminal losing focus (nothing focused then) or a dialog
        over the screen keeps it: the list takes the focus back with it."""
        focused = self.screen.focused
        if focused is not None and focused is not self and self.highlighted is not None:
            self.highlighted = None

    def on_resize(self, event: events.Resize) -> None:
        """Keep `OptionList` from dropping its rendered options and repainting: a new width
        dropped them in `_size_updated` already, and a new height leaves them as they are
        (the list grows and shrinks with each notification's actions)."""
        event.prevent_default()

    @property
    def option_lines(self) -> int:
        """The lines the options take at the list's width (as last measured)."""
        return self.virtual_size.height

    def expect_width(self, change: int) -> None:
        """The list is about to be laid out `change` cells wider: take the virtual size it
        will measure then, as its lines do not change. (An option list measures it while it
        paints, after the layout pass, and a new one asks for another pass.)"""
        size = self.virtual_size
        if size.width:
            self.set_reactive(ActionList.virtual_size, Size(size.width + change, size.height))

    def show_options(self, options: list[Option]) -> None:
        """Show `options`: nothing to do when they draw as the shown ones do (common: one
        agent asks alike), in place when there are as many, else a refill."""
        key = tuple((text_key(cast(Text, o.prompt)), o.id, o.disabled) for o in options)
        if key == self.shown_key:
            return
        if self.shown_key is not None and len(key) == len(self.shown_key):
            self._refill_in_place(options, self.shown_key, key)
        else:
            self._fill(options)
        self.shown_key = key

    def clear(self) -> None:
        """No options (nothing is selected)."""
        self.clear_options()
        self.shown_key = None

    def _fill(self, options: list[Option]) -> None:
        """Replace all options, keeping the highlight's index (if there are as many).

        The list has a scroll bar only when its options are taller than its `max-height`
        (`-scrolls`): while it grows to fit them, Textual would show one for a moment and
        lay the pane out twice more to take it away."""
        highlighted = self.highlighted
        most = self._most_lines()
        self.set_class(most is None or len(options) > most, "-scrolls")
        self.clear_options()
        self.add_options(options)
        if most is not None and self.option_lines > most:
            self.add_class("-scrolls")  # prompts that wrap
        if highlighted is not None and highlighted < len(options):
            self.highlighted = highlighted

    def _refill_in_place(
        self, options: list[Option], old: tuple[ShownKey, ...], new: tuple[ShownKey, ...]
    ) -> None:
        """Show `options` in the options held (as many): new prompts and disabled flags, the
        same ids, the highlight on the same row.

        What refilling ends with, without its cost: `clear_options` + `add_options` change
        the list's height to nothing and back, so the pane is laid out (and repainted) two or
        three times a cursor key; an option keeps its height here unless its prompt wraps
        differently, which the list then lays out itself."""
        for index, (option, was, now) in enumerate(zip(options, old, new, strict=True)):
            if was[0] != now[0]:
                self.replace_option_prompt_at_index(index, option.prompt)
            if was[2] != now[2]:
                # Not `disable_option_at_index`: that moves the highlight off a disabled
                # option, which refilling (the highlight kept by its index) never did.
                self.get_option_at_index(index).disabled = option.disabled
                self.refresh()
        if not self.has_class("-scrolls"):
            # New prompts may wrap past the limit; their heights are known after the refresh.
            self.call_after_refresh(self._scroll_when_taller)

    def _scroll_when_taller(self) -> None:
        most = self._most_lines()
        if most is not None and self.option_lines > most:
            self.add_class("-scrolls")

    def _most_lines(self) -> int | None:
        """The list's `max-height` in lines, if it has one in cells."""
        limit = self.styles.max_height
        return int(limit.value) if limit is not None and limit.is_cells else None


def planned_height(child: Widget) -> int | None:
    """The height `child` will be laid out at, from what it was just given; None if unknown."""
    if isinstance(child, DetailText):
        shown = child.shown
        if shown is None or shown[2] != child.content_size.width:
            # Not given anything since the last layout at this width, which measured it.
            return child.outer_size.height
        return None if shown[1] < 0 else shown[1] + child.styles.gutter.height
    if isinstance(child, ActionList):
        limit = child.styles.max_height
        if limit is None or not limit.is_cells or child.styles.gutter.height:
            return None
        return min(child.option_lines, int(limit.value))
    return None
