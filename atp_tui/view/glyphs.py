"""Which characters and emphasis the terminal can show: decided once, at start.

A Linux console (`TERM=linux`) or a locale that is not UTF-8 draws `○ ✓ ✗ ⊘ ●` as boxes or
question marks, so those get an ASCII glyph set; the `glyphs` setting forces either set. With
`NO_COLOR` set, or on a 16-colour terminal, colour cannot carry meaning: urgency is shown by a
glyph and by bold/reverse as well (`plain_colour`). Both are plain functions of the
environment and the locale's encoding (no Textual), so they are tested without a terminal;
the app calls them once and hands the result down to the widgets.
"""

from __future__ import annotations

import locale
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

GlyphSetting = Literal["auto", "unicode", "ascii"]


@dataclass(frozen=True, slots=True)
class GlyphSet:
    """The characters the inbox, its legend and the status bar draw with."""

    name: Literal["unicode", "ascii"]
    #: Display state (`atp_tui.view.items.DisplayState`) -> one-cell glyph.
    states: dict[str, str] = field(hash=False)
    #: The unread mark (one cell).
    unread: str
    #: Put before a countdown within the warning threshold, so urgency shows without colour.
    urgent: str
    #: Marks text cut to fit.
    ellipsis: str
    #: Between parts of a line (`3 open · 1 expiring`).
    separator: str
    #: Before the status bar's counts.
    divider: str
    #: Connection state -> glyph in the status bar.
    connection: dict[str, str] = field(hash=False)
    #: The range of the answer keys, as shown in hints (`1–9`).
    digits: str
    #: The countdown column of an item without a deadline.
    no_deadline: str
    #: The mark of a row marked for a bulk answer (Space), next to the state glyph.
    marked: str


UNICODE = GlyphSet(
    name="unicode",
    states={
        "open": "○",
        "pending": "…",
        "answered": "✓",
        "completed": "✓",
        "refused": "!",
        "expired": "✗",
        "invalidated": "⊘",
        "gone": "⊘",
    },
    unread="●",
    urgent="!",
    ellipsis="…",
    separator="·",
    divider="│",
    connection={
        "connecting": "◌",
        "connected": "●",
        "reconnecting": "◌",
        "offline": "○",
        "polling": "◐",
        "auth_refused": "✗",
        "failed": "✗",
        "stopped": "■",
    },
    digits="1–9",
    no_deadline="—",
    marked="◆",
)

ASCII = GlyphSet(
    name="ascii",
    states={
        "open": "o",
        "pending": "~",
        "answered": "+",
        "completed": "+",
        "refused": "!",
        "expired": "x",
        "invalidated": "-",
        "gone": "-",
    },
    unread="*",
    urgent="!",
    ellipsis="~",
    separator="-",
    divider="|",
    connection={
        "connecting": "~",
        "connected": "*",
        "reconnecting": "~",
        "offline": "o",
        "polling": "%",
        "auth_refused": "x",
        "failed": "x",
        "stopped": "#",
    },
    digits="1-9",
    no_deadline="-",
    marked="#",
)

#: What each state glyph means, most useful first (the legend shows as many as fit); the
#: words are the rows' own ("withdrawn" is the protocol's `invalidated`).
LEGEND_WORDS: tuple[tuple[str, str], ...] = (
    ("open", "open"),
    ("answered", "answered"),
    ("expired", "expired"),
    ("invalidated", "withdrawn"),
    ("refused", "refused"),
    ("pending", "sending"),
)

#: Terminals known to have no Unicode font (the Linux virtual console draws 512 glyphs).
_ASCII_TERMS = frozenset({"linux", "vt100", "vt102", "vt220", "dumb"})


def locale_encoding(env: Mapping[str, str], fallback: str | None = None) -> str:
    """The character encoding of the user's locale, from `LC_ALL` > `LC_CTYPE` > `LANG`.

    `C`/`POSIX` means ASCII. Without any of them, `fallback` (default: what Python's locale
    module reports).
    """
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name, "")
        if value:
            if value in ("C", "POSIX"):
                return "ascii"
            _, _, tail = value.partition(".")
            return tail.partition("@")[0] or "ascii"
    return fallback or locale.getpreferredencoding(False)


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8mb4")


def choose_glyphs(setting: str, env: Mapping[str, str], encoding: str | None = None) -> GlyphSet:
    """The glyph set for this terminal: `setting` "unicode"/"ascii" wins; "auto" picks ASCII
    on `TERM=linux` (and other consoles without Unicode fonts) or a locale that is not UTF-8.

    `encoding` is the locale's encoding (default: `locale_encoding(env)`).
    """
    if setting == "unicode":
        return UNICODE
    if setting == "ascii":
        return ASCII
    if env.get("TERM", "") in _ASCII_TERMS:
        return ASCII
    return UNICODE if _is_utf8(encoding or locale_encoding(env)) else ASCII


def plain_colour(env: Mapping[str, str]) -> bool:
    """Whether colour cannot be relied on to carry meaning: `NO_COLOR` is set (any value,
    as Textual reads it), or the terminal has 16 colours or fewer (by `TERM` and `COLORTERM`,
    as Rich decides), where Textual's theme colours collapse onto a few ANSI ones.
    """
    if "NO_COLOR" in env:
        return True
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return False
    term = env.get("TERM", "").lower()
    if not term:
        return False  # not a terminal we can judge (tests, some Windows consoles): assume colour
    return not any(mark in term for mark in ("256", "truecolor", "direct", "kitty", "ghostty"))
