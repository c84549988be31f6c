"""The status bar: connection state in words and a glyph, server host, last event age, counts
(open items only, and how many are marked for a bulk answer) and the inbox's sort order."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.widgets import Static

from atp_tui.client.events import ConnectionState
from atp_tui.protocol.text import sanitize
from atp_tui.view.counting import Counts
from atp_tui.view.glyphs import UNICODE, GlyphSet
from atp_tui.view.items import format_age
from atp_tui.widgets.cropped_update import differing_span

#: Words and style per connection state (the glyph comes from the glyph set). Every state is
#: named in words, so none is told by its colour alone.
_LOOK: dict[str, tuple[str, str]] = {
    "connecting": ("connecting", "yellow"),
    "connected": ("connected", "green"),
    "reconnecting": ("reconnecting", "yellow"),
    "offline": ("offline", "red"),
    "polling": ("polling fallback", "yellow"),
    "auth_refused": ("credentials refused", "bold red"),
    "failed": ("stopped", "bold red"),
    "stopped": ("stopped", "dim"),
}
#: How the status bar names each sort order.
ORDER_WORDS = {"deadline": "sorted by deadline", "newest": "newest first"}
#: The same where the line is short of room (no longer than the other: at 80 columns "newest
#: first" was the one word too many, and the order went unsaid).
SHORT_ORDER_WORDS = {"deadline": "by deadline", "newest": "newest"}


def connection_words(
    state: ConnectionState, waited: float, *, coarse: bool = False, glyphs: GlyphSet = UNICODE
) -> tuple[str, str, str]:
    """Glyph, text and style for a connection state; `waited` is seconds since it arrived.

    `coarse` (the `low_bandwidth` setting) leaves out the seconds until the next attempt,
    which would redraw the bar every second while the link is down.
    """
    kind = _shown_kind(state)
    words, style = _LOOK.get(kind, (kind, ""))
    glyph = glyphs.connection.get(kind, "?")
    if kind in ("reconnecting", "offline") and state.retry_in is not None:
        left = max(0.0, state.retry_in - waited)
        when = "" if coarse else f" in {int(left + 0.999)} s"
        words += f"{when} (attempt {state.attempt})"
    return glyph, words, style


def _shown_kind(state: ConnectionState) -> str:
    """The state the bar names: `reconnecting` after an attempt that could not reach the
    server is `offline`."""
    return "offline" if state.kind == "reconnecting" and state.offline else state.kind


def state_words(state: ConnectionState) -> str:
    """The state's name alone, without the retry countdown (`offline`), for narrow bars."""
    kind = _shown_kind(state)
    return _LOOK.get(kind, (kind, ""))[0]


class StatusBar(Static):
    """One line at the top; the screen calls `show` on every tick and event, and the bar is
    repainted only when its text changed (a repaint is ≈ 0.5 KB over SSH)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        #: Variants of the line, most complete first; `render` shows the first that fits.
        self._variants: list[Text] = [Text()]
        #: What the variants draw (rich's `Text ==` ignores styles), to skip equal redraws.
        self._drawn: tuple[object, ...] = ()
        #: Minute-granular and without retry seconds (the `low_bandwidth` setting).
        self.coarse = False
        #: The symbols to draw with (decided at start: `atp_tui.view.glyphs`).
        self.glyphs = UNICODE

    def show(
        self,
        state: ConnectionState,
        waited: float,
        host: str,
        last_event: datetime | None,
        now: datetime,
        counts: Counts,
        *,
        profile: str | None = None,
        stale: bool = False,
        order: str = "deadline",
        hidden: int | None = None,
        marked: int = 0,
        snoozed: int = 0,
    ) -> None:
        """Redraw from the given state (all server text is sanitised here).

        `profile` is the active settings profile; `stale` says the inbox is the cached one;
        `order` is the inbox's sort order; `hidden` how many closed items are hidden (`None`:
        closed items are shown); `marked` how many items are marked for a bulk answer (said
        with the counts, which stay when the line is short: a bulk answer goes to all of them);
        `snoozed` how many items are snoozed (out of the list).
        """
        glyph, words, style = connection_words(
            state, waited, coarse=self.coarse, glyphs=self.glyphs
        )
        self.set_class(state.kind in ("auth_refused", "failed"), "-error")
        self.set_class(state.kind == "connected", "-ok")
        dot = self.glyphs.separator
        head, brief = Text(), Text()  # brief: the state without its retry, for narrow lines
        head.append(f"{glyph} {words}", style=style)
        brief.append(f"{glyph} {state_words(state)}", style=style)
        if stale:
            head.append(f" {dot} stale cache", style="bold yellow")
            brief.append(f" {dot} stale", style="bold yellow")
        detail = Text()
        if state.detail and state.kind != "connected":
            # "offline in 6 s (attempt 2)" already says it: not ": offline: cannot connect".
            said = state.detail.removeprefix("offline: ") if state.offline else state.detail
            detail.append(f": {sanitize(said, limit=120)}", style="dim")
        where = Text("  ")
        where.append(sanitize(host, limit=60), style="bold")
        if profile:
            where.append(f" [{sanitize(profile, limit=30)}]", style="cyan")
        age = Text("  last event ", style="dim")
        if last_event is None:
            since = "none"
        else:
            since = format_age(last_event, now)
            since = "just now" if since == "now" else f"{since} ago"
        age.append(since, style="dim")
        tail = self._counts(counts, self.glyphs)
        if marked:
            tail.append(f" {dot} ")
            tail.append(f"{self.glyphs.marked} {marked} marked", style="bold reverse")
        if snoozed:
            tail.append(f" {dot} {snoozed} snoozed", style="bold")
        view, short = Text(f" {dot} ", style="dim"), Text(f" {dot} ", style="dim")
        view.append(ORDER_WORDS.get(order, order), style="dim")
        short.append(SHORT_ORDER_WORDS.get(order, order), style="dim")
        hidden_only = Text(style="dim")
        if hidden is not None:
            view.append(f" {dot} {hidden} closed hidden", style="dim")
            short.append(f" {dot} {hidden} hidden", style="dim")
            hidden_only.append(f" {dot} {hidden} hidden")
        # Drop the least useful parts first when the terminal is narrow: the detail, the age,
        # then the sort order's long words, then the order itself (the rows show it; that
        # closed items are hidden they cannot); the server and profile before the sort order;
        # the counts last.
        variants = [
            Text.assemble(head, *parts)
            for parts in (
                (detail, where, age, tail, view),
                (detail, where, tail, view),
                (where, tail, view),
                (where, tail, short),
                (where, tail, hidden_only),
                (where, tail),
                (tail, view),
                (tail, short),
                (tail,),
            )
        ]
        # Narrower still: the counts stay, the state shortened ("○ offline"), then its glyph.
        variants += [Text.assemble(brief, tail), Text.assemble(Text(glyph, style=style), tail)]
        drawn = tuple((line.plain, str(line.style), tuple(line.spans)) for line in variants)
        if drawn != self._drawn:
            width = self.content_region.width
            before = _fitting(self._variants, width)
            self._variants, self._drawn = variants, drawn
            span = changed_cells(before, _fitting(variants, width), width)
            if span is None or not self.is_mounted:
                self.refresh()
            elif span[1] > span[0]:  # else: only a variant too wide to be shown changed
                self.refresh(Region(span[0], 0, span[1] - span[0], 1))

    def render(self) -> Text:
        """The most complete variant that fits the width the bar has now.

        Chosen here rather than in `show`: `show` may run before the first layout, when the
        width is not known yet, and a resize must re-fit without waiting for the next event.
        """
        return _fitting(self._variants, self.content_region.width)

    @staticmethod
    def _counts(counts: Counts, glyphs: GlyphSet) -> Text:
        """`│ 3 open · 1 expiring · 2 unread`: bold when non-zero, not only red."""
        line = Text()
        line.append(f"  {glyphs.divider} ", style="dim")
        line.append(f"{counts.open} open", style="bold")
        line.append(f" {glyphs.separator} ")
        line.append(f"{counts.expiring} expiring", style="bold red" if counts.expiring else "")
        line.append(f" {glyphs.separator} ")
        line.append(f"{counts.unread} unread", style="bold" if counts.unread else "")
        return line


def _fitting(variants: list[Text], width: int) -> Text:
    """The first (most complete) of `variants` that fits in `width` cells, else the last."""
    for line in variants:
        if line.cell_len <= width:
            return line
    return variants[-1]


def changed_cells(before: Text, after: Text, width: int) -> tuple[int, int] | None:
    """The cells `(start, stop)` in which two lines of a bar `width` cells wide differ, so
    that only they are repainted (the whole bar is ≈ 0.5 KB over SSH, and most changes are a
    number or a word: "3m ago" → "4m ago"); `None`: repaint it all (a character wider than
    one cell, a line wider than the bar, or no width yet)."""
    if width <= 0 or max(before.cell_len, after.cell_len) > width:
        return None  # no width yet, or a line wrapped where it does not fit: all of it
    cells = [_cells(line, width) for line in (before, after)]
    if cells[0] is None or cells[1] is None:
        return None
    span = differing_span(cells[0], cells[1])
    return (0, 0) if span is None else span


def _cells(line: Text, width: int) -> list[tuple[str, str]] | None:
    """Each of the `width` cells of `line` as (character, style); `None` if a character is
    not one cell wide."""
    plain = line.plain
    if cell_len(plain) != len(plain):
        return None
    styles = [[str(line.style)] for _ in plain]
    for span in line.spans:
        for index in range(span.start, min(span.end, len(plain))):
            styles[index].append(str(span.style))
    cells = [(char, "+".join(style)) for char, style in zip(plain, styles, strict=True)]
    return (cells + [(" ", "")] * width)[:width]
