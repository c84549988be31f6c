"""ATP response data (ATP-PROTOCOL.md §2 response types): `response_data_for` turning what the
user typed into wire values, and `validate_response_data`, the strict wire check.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from atp_tui.protocol import (
    BinaryAction,
    ChoiceAction,
    DateAction,
    MultiChoiceAction,
    NumberAction,
    ResponseValidationError,
    SimpleAction,
    TextAction,
    response_data_for,
    validate_response_data,
)
from atp_tui.protocol.models import parse_action
from tests.protocol_helpers import LIMIT, SHAPE

# -- response_data_for (§2 response types) ---------------------------------------------------


def _action(response_type: str, **fields: Any) -> Any:
    return parse_action({"id": "a", "label": "A", "response_type": response_type, **fields})


SIMPLE = _action("simple")
BINARY = _action("binary", options={"true_label": "Ship it", "false_label": "Hold"})
BINARY_DEFAULT = _action("binary")
CHOICE = _action(
    "choice", options=[{"value": "a", "label": "Alpha"}, {"value": "b", "label": "Beta"}]
)
MULTI = _action(
    "multi_choice",
    options=[
        {"value": "a", "label": "Alpha"},
        {"value": "b", "label": "Beta"},
        {"value": "c", "label": "Gamma"},
    ],
    constraints={"min_selections": 1, "max_selections": 2},
)
MULTI_FREE = _action("multi_choice", options=["a", "b"])
TEXT = _action("text", constraints={"min_length": 3, "max_length": 5})
TEXT_MULTILINE = _action("text", constraints={"multiline": True})
NUMBER = _action("number", constraints={"min": 1, "max": 10})
NUMBER_STEP = _action("number", constraints={"min": 0, "step": 0.5})
NUMBER_STEP_FROM_MIN = _action("number", constraints={"min": 1, "step": 2})
NUMBER_TENTHS = _action("number", constraints={"step": 0.1})
NUMBER_INT = _action("number", constraints={"integer": True})
NUMBER_FREE = _action("number")
DATE = _action("date", constraints={"min": "2026-01-01", "max": "2026-12-31"})
DATE_FREE = _action("date")
DATETIME = _action(
    "date",
    constraints={
        "include_time": True,
        "min": "2026-01-31T12:00:00Z",
        "max": "2026-02-28T12:00:00+01:00",
    },
)
DATETIME_FREE = _action("date", constraints={"include_time": True})

GOOD: list[tuple[str, Any, object, Any]] = [
    ("simple None", SIMPLE, None, None),
    ("simple empty", SIMPLE, "", None),
    ("binary True", BINARY, True, True),
    ("binary False", BINARY, False, False),
    ("binary true label", BINARY, "Ship it", True),
    ("binary false label", BINARY, "Hold", False),
    ("binary yes", BINARY, "yes", True),
    ("binary YES padded", BINARY, "  YES ", True),
    ("binary y", BINARY, "y", True),
    ("binary 1", BINARY, "1", True),
    ("binary true word", BINARY, "True", True),
    ("binary no", BINARY, "No", False),
    ("binary n", BINARY, "n", False),
    ("binary 0", BINARY, "0", False),
    ("binary false word", BINARY, "false", False),
    ("binary default labels", BINARY_DEFAULT, "Yes", True),
    ("choice value", CHOICE, "a", "a"),
    ("choice label", CHOICE, "Beta", "b"),
    ("multi values", MULTI, ["a", "c"], ["a", "c"]),
    ("multi labels", MULTI, ["Alpha", "Beta"], ["a", "b"]),
    ("multi comma string", MULTI, "a, Gamma", ["a", "c"]),
    ("multi comma string no spaces", MULTI, "b,c", ["b", "c"]),
    ("multi min boundary", MULTI, ["b"], ["b"]),
    ("multi empty allowed by default", MULTI_FREE, [], []),
    ("multi empty string", MULTI_FREE, "", []),
    ("text min boundary", TEXT, "abc", "abc"),
    ("text max boundary", TEXT, "abcde", "abcde"),
    ("text multiline", TEXT_MULTILINE, "line 1\nline 2", "line 1\nline 2"),
    ("text unicode", TEXT, "café", "café"),
    ("number int", NUMBER, 7, 7),
    ("number float", NUMBER, 2.5, 2.5),
    ("number string int", NUMBER, " 7 ", 7),
    ("number string float", NUMBER, "2.5", 2.5),
    ("number min boundary", NUMBER, 1, 1),
    ("number max boundary", NUMBER, "10", 10),
    ("number step", NUMBER_STEP, "1.5", 1.5),
    ("number step from min", NUMBER_STEP_FROM_MIN, 5, 5),
    ("number step tenths float error", NUMBER_TENTHS, 0.3, 0.3),
    ("number integer", NUMBER_INT, "3", 3),
    ("number integer from float", NUMBER_INT, 4.0, 4),
    ("number exponent", NUMBER_FREE, "1e3", 1000.0),
    ("number negative", NUMBER_FREE, "-2", -2),
    ("date", DATE, "2026-01-31", "2026-01-31"),
    ("date min boundary", DATE, "2026-01-01", "2026-01-01"),
    ("date max boundary", DATE, "2026-12-31", "2026-12-31"),
    ("date object", DATE_FREE, date(2026, 3, 1), "2026-03-01"),
    ("date padded", DATE_FREE, " 2026-03-01 ", "2026-03-01"),
    ("datetime Z", DATETIME, "2026-02-01T14:00Z", "2026-02-01T14:00:00+00:00"),
    ("datetime offset kept", DATETIME, "2026-02-01T14:00:00+02:00", "2026-02-01T14:00:00+02:00"),
    ("datetime min boundary", DATETIME, "2026-01-31T12:00:00Z", "2026-01-31T12:00:00+00:00"),
    ("datetime naive is UTC", DATETIME_FREE, "2026-02-01T14:00", "2026-02-01T14:00:00+00:00"),
    (
        "datetime fraction",
        DATETIME_FREE,
        "2026-02-01T14:00:00.25Z",
        "2026-02-01T14:00:00.250000+00:00",
    ),
    (
        "datetime object",
        DATETIME_FREE,
        datetime(2026, 2, 1, 14, 0, tzinfo=UTC),
        "2026-02-01T14:00:00+00:00",
    ),
]


@pytest.mark.parametrize(
    ("action", "value", "expected"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD]
)
def test_response_data_for_accepts_good_input(action: Any, value: object, expected: Any) -> None:
    """§2: what a person types (or a typed JSON value) becomes the wire `response_data`."""
    result = response_data_for(action, value)
    assert result == expected
    assert type(result) is type(expected)
    json.dumps(result, allow_nan=False)  # always strict JSON


BAD: list[tuple[str, Any, object, str]] = [
    ("simple with data", SIMPLE, "x", SHAPE),
    ("simple with false", SIMPLE, False, SHAPE),
    ("binary maybe", BINARY, "maybe", SHAPE),
    ("binary int", BINARY, 1, SHAPE),
    ("binary None", BINARY, None, SHAPE),
    ("binary label case", BINARY, "ship it", SHAPE),
    ("choice unknown", CHOICE, "z", LIMIT),
    ("choice empty", CHOICE, "", LIMIT),
    ("choice not text", CHOICE, 1, SHAPE),
    ("choice list", CHOICE, ["a"], SHAPE),
    ("multi below min", MULTI, [], LIMIT),
    ("multi empty string below min", MULTI, "", LIMIT),
    ("multi above max", MULTI, ["a", "b", "c"], LIMIT),
    ("multi duplicate", MULTI, ["a", "a"], LIMIT),
    ("multi duplicate via label", MULTI, ["a", "Alpha"], LIMIT),
    ("multi unknown", MULTI, ["a", "z"], LIMIT),
    ("multi comma unknown", MULTI, "a, z", LIMIT),
    ("multi item not text", MULTI, ["a", 2], SHAPE),
    ("multi object", MULTI, {"a": True}, SHAPE),
    ("multi None", MULTI, None, SHAPE),
    ("text too short", TEXT, "ab", LIMIT),
    ("text too long", TEXT, "abcdef", LIMIT),
    ("text newline", TEXT, "ab\ncd", LIMIT),
    ("text carriage return", TEXT, "ab\rcd", LIMIT),
    ("text not text", TEXT, 12345, SHAPE),
    ("text None", TEXT, None, SHAPE),
    ("number below min", NUMBER, 0, LIMIT),
    ("number above max", NUMBER, "10.5", LIMIT),
    ("number off step", NUMBER_STEP, 1.25, LIMIT),
    ("number off step from min", NUMBER_STEP_FROM_MIN, 4, LIMIT),
    ("number not whole", NUMBER_INT, 2.5, LIMIT),
    ("number not whole string", NUMBER_INT, "2.5", LIMIT),
    ("number words", NUMBER_FREE, "twelve", SHAPE),
    ("number empty", NUMBER_FREE, "", SHAPE),
    ("number bool", NUMBER_FREE, True, SHAPE),
    ("number None", NUMBER_FREE, None, SHAPE),
    ("number list", NUMBER_FREE, [1], SHAPE),
    ("number NaN float", NUMBER_FREE, float("nan"), SHAPE),
    ("number NaN string", NUMBER_FREE, "nan", SHAPE),
    ("number inf string", NUMBER_FREE, "inf", SHAPE),
    ("number -Infinity string", NUMBER_FREE, "-Infinity", SHAPE),
    ("number overflow to inf", NUMBER_FREE, "1e999", SHAPE),
    ("number huge int with step", NUMBER_STEP, "1" + "0" * 400, LIMIT),
    ("date not ISO", DATE_FREE, "31/01/2026", SHAPE),
    ("date words", DATE_FREE, "tomorrow", SHAPE),
    ("date empty", DATE_FREE, "  ", SHAPE),
    ("date number", DATE_FREE, 20260131, SHAPE),
    ("date with time when date only", DATE_FREE, "2026-01-31T10:00:00Z", SHAPE),
    ("date impossible", DATE_FREE, "2026-02-30", SHAPE),
    ("date before min", DATE, "2025-12-31", LIMIT),
    ("date after max", DATE, "2027-01-01", LIMIT),
    ("datetime garbage", DATETIME_FREE, "2026-02-01 at noon", SHAPE),
    ("datetime before min", DATETIME, "2026-01-31T11:59:59Z", LIMIT),
    ("datetime before min by offset", DATETIME, "2026-01-31T13:00:00+02:00", LIMIT),
    ("datetime after max", DATETIME, "2026-02-28T11:00:01Z", LIMIT),
]


@pytest.mark.parametrize(("action", "value", "code"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_response_data_for_rejects_bad_input_with_the_right_code(
    action: Any, value: object, code: str
) -> None:
    """§1.3 / §2: shape errors map to INVALID_RESPONSE_DATA, bounds to CONSTRAINT_VIOLATION."""
    with pytest.raises(ResponseValidationError) as caught:
        response_data_for(action, value)
    assert caught.value.code == code
    assert caught.value.message  # a reason fit to show next to the input
    assert str(caught.value) == caught.value.message


def test_choice_error_lists_the_options() -> None:
    """§2: validation happens before sending, with the reason shown inline."""
    with pytest.raises(ResponseValidationError, match="a, b"):
        response_data_for(CHOICE, "z")


def test_action_types_are_the_expected_classes() -> None:
    """Each response type parses to its own action class."""
    assert isinstance(SIMPLE, SimpleAction)
    assert isinstance(BINARY, BinaryAction)
    assert BINARY.options.true_label == "Ship it"
    assert BINARY_DEFAULT.options.true_label == "Yes"
    assert isinstance(CHOICE, ChoiceAction)
    assert isinstance(MULTI, MultiChoiceAction)
    assert isinstance(TEXT, TextAction)
    assert isinstance(NUMBER, NumberAction)
    assert isinstance(DATE, DateAction)


# -- validate_response_data: the strict wire check -------------------------------------------

STRICT_GOOD: list[tuple[str, Any, Any]] = [
    ("simple null", SIMPLE, None),
    ("binary bool", BINARY, True),
    ("choice value", CHOICE, "b"),
    ("multi list", MULTI, ["a", "b"]),
    ("text", TEXT, "abcd"),
    ("number", NUMBER, 3),
    ("number float", NUMBER, 3.5),
    ("date", DATE, "2026-06-01"),
    ("datetime", DATETIME, "2026-02-01T14:00:00Z"),
]


@pytest.mark.parametrize(
    ("action", "data"), [g[1:] for g in STRICT_GOOD], ids=[g[0] for g in STRICT_GOOD]
)
def test_validate_response_data_accepts_wire_values(action: Any, data: Any) -> None:
    """The server-side check accepts proper JSON values."""
    validate_response_data(action, data)


STRICT_BAD: list[tuple[str, Any, Any, str]] = [
    ("binary true string", BINARY, "true", SHAPE),
    ("binary label string", BINARY, "Ship it", SHAPE),
    ("binary int", BINARY, 1, SHAPE),
    ("binary null", BINARY, None, SHAPE),
    ("number as string", NUMBER, "5", SHAPE),
    ("number bool", NUMBER, False, SHAPE),
    ("number out of range", NUMBER, 11, LIMIT),
    ("choice list", CHOICE, ["a"], SHAPE),
    ("choice label", CHOICE, "Alpha", LIMIT),
    ("choice unknown", CHOICE, "z", LIMIT),
    ("choice number", CHOICE, 1, SHAPE),
    ("multi as string", MULTI, "a,b", SHAPE),
    ("multi single string", MULTI, "a", SHAPE),
    ("multi label", MULTI, ["Alpha"], LIMIT),
    ("multi too many", MULTI, ["a", "b", "c"], LIMIT),
    ("multi empty", MULTI, [], LIMIT),
    ("text number", TEXT, 1234, SHAPE),
    ("text too long", TEXT, "abcdefg", LIMIT),
    ("simple data", SIMPLE, {"x": 1}, SHAPE),
    ("date garbage", DATE, "soon", SHAPE),
    ("unknown type", _action("signature"), "x", SHAPE),
]


@pytest.mark.parametrize(
    ("action", "data", "code"), [b[1:] for b in STRICT_BAD], ids=[b[0] for b in STRICT_BAD]
)
def test_validate_response_data_is_strict(action: Any, data: Any, code: str) -> None:
    """The wire check refuses what `response_data_for` would coerce from typed text."""
    with pytest.raises(ResponseValidationError) as caught:
        validate_response_data(action, data)
    assert caught.value.code == code


def test_strict_simple_response_data_must_be_null() -> None:
    """§2: the server accepts only `null` for a simple action (the TUI's "" means no input)."""
    action = parse_action({"id": "ok", "response_type": "simple"})
    assert validate_response_data(action, None) is None
    with pytest.raises(ResponseValidationError) as caught:
        validate_response_data(action, "")
    assert caught.value.code == "INVALID_RESPONSE_DATA"
