"""`wrapped_height` counts the lines Textual wraps a literal text into (the detail pane
measures its parts with it: issue #12, a cursor key at 50k items)."""

from __future__ import annotations

import random

from textual.content import Content

from atp_tui.widgets.detail_parts import wrapped_height

WORDS = [
    "a",
    "deploy",
    "2.1.0",
    "über",
    "日本語のテキスト",
    "—",
    "https://example.com/a/b?c=d",
    "x" * 90,
]


def texts() -> list[str]:
    """Varied texts: short and long words, wide characters, blank lines, runs of spaces,
    leading and trailing spaces and newlines."""
    rng = random.Random(12)
    out = ["", "\n", "one", "one\n", "\n\nthree blank\n\n", "  leading", "trailing  ", "a   b"]
    for _ in range(300):
        lines = []
        for _ in range(rng.randint(1, 8)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(0, 30))]
            lines.append((" " * rng.randint(1, 3)).join(words))
        out.append("\n".join(lines) + ("\n" if rng.random() < 0.2 else ""))
    return out


def test_wrapped_height_is_the_height_textual_gives_a_content() -> None:
    for text in texts():
        for width in (1, 2, 5, 13, 40, 57, 80, 200):
            expected = Content(text).get_height({}, width)
            assert wrapped_height(text, width) == expected, (text, width)
