"""Untrusted text: make server-provided strings safe to put in front of a terminal.

Everything a server sends (titles, descriptions, service names, reasons, metadata, error
messages) is attacker-controlled from the terminal's point of view (SSE-CLIENT-RULES.md 63–65).
`sanitize` turns such a string into one that

- contains no control characters: C0 (except TAB/LF where allowed) and DEL become the Unicode
  "control pictures" (`␛`, `␇`, `␡`, …), C1 (U+0080–U+009F) becomes a visible `\\x9b`, so an
  ANSI/OSC sequence shows as `␛[2J` / `␛]0;title␇` and never reaches the terminal raw;
- contains no bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C): they are
  shown as `\\u202e` so a Trojan-Source title cannot reorder what you read;
- contains no invisible characters (zero-width spaces and joiners, BOM, soft hyphen, variation
  selectors): they are dropped, so text cannot hide in them or throw off column widths;
- keeps at most two combining marks per character (no "Zalgo" stacks over other rows);
- stays on one row in single-line contexts (LF, CR, U+2028, U+2029, U+0085 become `␤`);
- is bounded in length (an ellipsis and the count of dropped characters mark the cut);
- has no lone surrogates (they would crash the terminal writer).

The result is still *plain text*: render it with `Text(...)`/`Content(...)` or `markup=False`,
never through markup. This module does not import Textual.
"""

from __future__ import annotations

import re

#: Default cap for one-line strings (titles, names): longer ones cannot be read in a row anyway.
SINGLE_LINE_LIMIT = 500
#: Default cap for multi-line strings (descriptions, attachments).
MULTI_LINE_LIMIT = 20_000
#: Combining marks kept after one base character.
MAX_COMBINING = 2

_NEWLINE_MARK = "␤"
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d"
    "\ufe0e\ufe0f"
)
_LINE_BREAKS = frozenset("\n\r\u0085\u2028\u2029")

#: Every character that needs attention; text without any of them takes the fast path.
_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)
#: A run of combining marks longer than `MAX_COMBINING` (the common "Zalgo" blocks).
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING_RUN = re.compile(f"[{_MARKS}]{{{MAX_COMBINING + 1},}}")


def _escape(char: str) -> str:
    """A visible, literal spelling of one character, like Python's `repr` uses."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _replace(char: str, single_line: bool) -> str:
    """What one suspect character becomes."""
    code = ord(char)
    if char in _LINE_BREAKS:
        return _NEWLINE_MARK if single_line else "\n"
    if char == "\t":
        return " " if single_line else "\t"
    if code < 0x20:
        return chr(0x2400 + code)  # the "control pictures": ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "␡"
    if char in _INVISIBLE:
        return ""
    return _escape(char)  # C1, bidi controls, other format characters, lone surrogates


def _substitute(match: re.Match[str], single_line: bool) -> str:
    return _replace(match.group(0), single_line)


def sanitize(text: object, *, single_line: bool = True, limit: int | None = None) -> str:
    """A copy of `text` that is safe to show in a terminal widget (see the module docstring).

    `single_line` folds line breaks into `␤` and TAB into a space; otherwise CRLF and the
    Unicode line separators become `\\n` and TAB is kept. `limit` caps the length (default 500
    for single-line, 20,000 for multi-line). Non-strings are converted with `str()`; `None` is "".
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if limit is None:
        limit = SINGLE_LINE_LIMIT if single_line else MULTI_LINE_LIMIT
    dropped = 0
    if len(text) > limit:
        dropped = len(text) - limit
        text = text[:limit]
    if not single_line and "\r" in text:
        text = text.replace("\r\n", "\n")
    if _SUSPECT.search(text) is not None:
        text = _SUSPECT.sub(lambda match: _substitute(match, single_line), text)
    text = _COMBINING_RUN.sub(lambda match: match.group(0)[:MAX_COMBINING], text)
    if dropped:
        text += f"… (+{dropped:,} characters)"
    return text


def sanitize_lines(text: object, *, limit: int | None = None) -> str:
    """`sanitize` for multi-line text (descriptions, attachments)."""
    return sanitize(text, single_line=False, limit=limit)


def shorten(text: object, limit: int) -> str:
    """`sanitize`d one-line text of at most `limit` characters, ending in `…` when cut.

    For a value quoted inside a sentence (a confirmation), where `sanitize`'s own marker with
    the count of dropped characters would be longer than the value.
    """
    raw = "" if text is None else str(text)
    clean = sanitize(raw[: limit + 1])  # enough to know whether it is cut
    if len(raw) <= limit and len(clean) <= limit:
        return clean
    return clean[: max(limit - 1, 0)] + "…"
