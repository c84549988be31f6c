"""`atp_tui.protocol.text.sanitize`: untrusted strings become plain, one-row, visible text
(cases 63–65)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.text import Text

from atp_tui.protocol import text as text_module
from atp_tui.protocol.text import (
    MULTI_LINE_LIMIT,
    SINGLE_LINE_LIMIT,
    sanitize,
    sanitize_lines,
    shorten,
)

ESCAPES = [
    ("\x1b[2J", "␛[2J"),
    ("\x1b[31mred\x1b[0m", "␛[31mred␛[0m"),
    ("\x1b]0;owned\x07", "␛]0;owned␇"),
    ("\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇"),
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "␛]8;;http://evil␛\\link␛]8;;␛\\"),
    ("\x1bP+q\x1b\\", "␛P+q␛\\"),
    ("\x9b2J", "\\x9b2J"),
    ("\x9d0;t\x9c", "\\x9d0;t\\x9c"),
    ("a\x7fb\x08c", "a␡b␈c"),
    ("\x00nul", "␀nul"),
]


@pytest.mark.parametrize(("raw", "shown"), ESCAPES)
def test_terminal_escapes_become_visible(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


@pytest.mark.parametrize("raw", [raw for raw, _ in ESCAPES])
def test_no_control_character_survives(raw: str) -> None:
    for result in (sanitize(raw), sanitize_lines(raw)):
        assert not any(ord(c) < 0x20 and c not in "\n\t" for c in result)
        assert not any(0x7F <= ord(c) <= 0x9F for c in result)


@pytest.mark.parametrize(
    "char", list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
)
def test_bidi_controls_are_shown_not_obeyed(char: str) -> None:
    result = sanitize(f"approve{char}evil")
    assert char not in result
    assert f"\\u{ord(char):04x}" in result


def test_zero_width_and_invisible_characters_are_dropped() -> None:
    assert sanitize("Ap\u200bpr\u200dove\ufeff\u2060\u00ad\ufe0f") == "Approve"


@pytest.mark.parametrize("sep", ["\n", "\r", "\r\n", "\u2028", "\u2029", "\u0085"])
def test_single_line_folds_every_line_break(sep: str) -> None:
    result = sanitize(f"one{sep}two")
    assert "\n" not in result and "\r" not in result
    assert result.startswith("one␤") and result.endswith("two")
    assert len(Text(result).split()) == 1


@pytest.mark.parametrize("sep", ["\n", "\r\n", "\u2028", "\u2029", "\u0085"])
def test_multi_line_keeps_line_breaks_as_lf(sep: str) -> None:
    assert sanitize_lines(f"one{sep}two") == "one\ntwo"


def test_lone_carriage_return_cannot_overwrite_in_multi_line() -> None:
    assert sanitize_lines("safe\rEVIL") == "safe\nEVIL"


def test_tab_is_a_space_in_one_line_and_kept_in_many() -> None:
    assert sanitize("a\tb") == "a b"
    assert sanitize_lines("a\tb") == "a\tb"


def test_markup_is_left_literal_for_a_literal_renderer() -> None:
    raw = "[bold red]x[/] [@click=app.quit]y[/] [link=file:///etc/passwd]z[/link] \\"
    assert sanitize(raw) == raw
    assert Text(sanitize(raw)).plain == raw


def test_huge_strings_are_cut_with_a_count() -> None:
    result = sanitize("x" * 100_000)
    assert result.startswith("x" * SINGLE_LINE_LIMIT)
    assert result.endswith(f"… (+{100_000 - SINGLE_LINE_LIMIT:,} characters)")
    assert len(sanitize_lines("y" * 1_000_000)) < MULTI_LINE_LIMIT + 40


def test_combining_mark_stacks_are_trimmed() -> None:
    zalgo = "Z" + "\u0301" * 50 + "a" + "\u0300\u0301" + "lgo"
    result = sanitize(zalgo)
    assert result == "Z\u0301\u0301a\u0300\u0301lgo"


def test_lone_surrogates_cannot_crash_the_writer() -> None:
    result = sanitize("bad\ud800surrogate")
    result.encode("utf-8")
    assert "\\ud800" in result


def test_tag_characters_are_visible() -> None:
    assert "\\U000e0041" in sanitize("hi\U000e0041")


def test_cjk_emoji_and_plain_text_pass_through() -> None:
    for text in ("部署支付服务?", "Deploy 🚀 now", "café", "plain title"):
        assert sanitize(text) == text
        assert cell_len(sanitize(text)) == cell_len(text)


def test_non_strings_and_none() -> None:
    assert sanitize(None) == ""
    assert sanitize(42) == "42"
    assert sanitize({"a": "\x1b"}) == "{'a': '\\x1b'}"


def test_shorten_cuts_with_one_ellipsis_and_stays_safe() -> None:
    assert shorten("not now", 60) == "not now"
    assert shorten("x" * 60, 60) == "x" * 60
    assert shorten("x" * 61, 60) == "x" * 59 + "…"
    assert shorten("a\nb\x1b[2J", 60) == "a␤b␛[2J"
    assert shorten(None, 10) == ""


@pytest.mark.parametrize("unassigned", ["\u0378", "\U000103ff", "\U0003fffe", "\ufdd0"])
def test_unassigned_code_points_are_shown_as_escapes(unassigned: str) -> None:
    """Rich counts one cell for them, glibc's `wcwidth` -1 and tmux draws nothing: a row
    holding them was drawn short, its countdown and age landing columns off over stale
    cells. As an escape they are visible, one cell per character everywhere."""
    shown = sanitize(f"Deploy{unassigned * 20} now")
    assert unassigned not in shown
    assert shown.isascii()
    assert shown.startswith("Deploy\\") and shown.endswith(" now")


def test_the_token_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Server text that echoes the token (an error event, a withdrawal's reason, a title)
    shows it redacted, in every form a message would carry it, also where the cut falls
    inside it."""
    secrets = text_module.SecretRedactor()
    monkeypatch.setattr(text_module, "SECRETS", secrets)
    token = "SECRET-TOKEN-abc123XYZ"
    secrets.add(token)
    assert sanitize(f"slow down {token}") == "slow down [redacted]"
    assert token[:8] not in sanitize("x" * 10 + token, limit=16)
    assert "abc123" not in sanitize_lines(f"line one\n{token}\n")
    assert "abc123" not in sanitize("token=SECRET-TOKEN-abc123XYZ&x")
