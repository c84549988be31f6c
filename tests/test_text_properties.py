"""What `protocol/text.py` makes of any text: nothing a terminal acts on gets through.

The example tests (`tests/app/test_text.py`, `tests/test_terminal_sinks.py`) name the known
attacks; here `hypothesis` feeds every kind of character (C0, DEL, C1, bidi controls, line and
paragraph separators, invisible and format characters, lone surrogates, long runs of combining
marks) to each function that stands between server text and a terminal, and checks what comes
out. SSE-CLIENT-RULES.md §(e) 82; the brief: "never let agent-supplied text control the
terminal".
"""

from __future__ import annotations

import json
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from atp_tui.protocol.text import (
    MAX_COMBINING,
    escape_json_text,
    neutralize,
    sanitize,
    sanitize_lines,
    shorten,
)

#: Characters chosen to stress the filters, mixed with anything at all (surrogates included).
_NASTY = st.sampled_from(
    list("\x00\x07\x08\t\n\x0b\x0c\r\x1b\x7f\x85\x9b\x9c\u061c\u200b\u200e\u202e\u2028\u2029")
    + list("\u2066\u2069\ufeff\ufff9\ud800\udfff\U000e0001\u0301\u0302\u0303\u0304ae ;[]m")
    + list("\u0378\U000103ff\ufdd0\U0003fffe")
)
_TEXT = st.text(
    alphabet=st.one_of(_NASTY, _NASTY, st.characters(codec=None, exclude_categories=())),
    max_size=60,
)

#: What the widgets must never show: what a terminal acts on (C0 and C1 controls, DEL, bidi
#: controls), and what hides or reorders text (other format characters, line and paragraph
#: separators, lone surrogates).
_ACTIVE = "\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff"
_ONE_LINE_UNSAFE = re.compile(f"[{_ACTIVE}]")
#: The same where a line break and a TAB are kept (descriptions).
_MULTI_LINE_UNSAFE = re.compile(f"[{_ACTIVE}]".replace("\x00-\x1f", "\x00-\x08\x0b-\x1f"))
#: What a message printed to a terminal stream must not carry raw: C0 but TAB and LF, DEL, C1,
#: bidi controls, lone surrogates (`neutralize`'s contract).
_SINK_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: What JSON text printed to a terminal must not carry raw (`escape_json_text`'s contract;
#: TAB, LF and CR can only be whitespace between tokens there, never inside a string).
_JSON_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
_COMBINING = re.compile(f"[\u0300-\u036f]{{{MAX_COMBINING + 1},}}")


@given(_TEXT)
def test_no_unassigned_code_point_is_shown(text: str) -> None:
    """Their width is anyone's guess (Rich 1, `wcwidth` -1): the row around them shifts."""
    for shown in (sanitize(text), sanitize_lines(text)):
        assert not [char for char in shown if unicodedata.category(char) == "Cn"]


@given(_TEXT)
def test_one_line_text_holds_nothing_a_terminal_acts_on(text: str) -> None:
    shown = sanitize(text)
    assert _ONE_LINE_UNSAFE.search(shown) is None
    assert _COMBINING.search(shown) is None


@given(_TEXT)
def test_multi_line_text_keeps_only_newlines_and_tabs(text: str) -> None:
    shown = sanitize_lines(text)
    assert _MULTI_LINE_UNSAFE.search(shown) is None


@given(_TEXT, st.integers(1, 40))
def test_a_shortened_value_is_safe_and_short(text: str, limit: int) -> None:
    shown = shorten(text, limit)
    assert _ONE_LINE_UNSAFE.search(shown) is None
    assert len(shown) <= limit


@given(_TEXT)
def test_a_message_for_a_sink_keeps_its_lines_and_nothing_else(text: str) -> None:
    assert _SINK_UNSAFE.search(neutralize(text)) is None


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


@given(_JSON_VALUES)
def test_json_text_escaped_for_a_terminal_still_decodes_to_the_same_value(value: object) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        escaped = escape_json_text(text)
        assert json.loads(escaped) == json.loads(text)
        assert _JSON_UNSAFE.search(escaped) is None
