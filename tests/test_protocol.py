"""The ATP wire format: models, `decode_event`, lifecycle and response data.

ATP-PROTOCOL.md §1.1 (decisions), §2 (notification, response types), §3 (lifecycle);
SSE-CLIENT-RULES.md §(e) cases 20–23 (bad JSON, hostile JSON, odd values, unknown events),
31 (forward-only states) and 32 (deadlines).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from atp_tui.protocol import (
    ACTIONABLE_STATES,
    TERMINAL_STATES,
    BinaryAction,
    ChoiceAction,
    DateAction,
    MalformedEvent,
    MultiChoiceAction,
    Notification,
    NumberAction,
    Ping,
    ResponseValidationError,
    ServerError,
    SimpleAction,
    StatusUpdate,
    TextAction,
    UnknownAction,
    can_transition,
    decode_event,
    is_actionable,
    merge_status,
    response_data_for,
    validate_response_data,
)
from atp_tui.protocol.lifecycle import KNOWN_STATES
from atp_tui.protocol.models import MAX_JSON_DEPTH, parse_action
from atp_tui.protocol.responses import CONSTRAINT_VIOLATION, INVALID_RESPONSE_DATA
from tests.hostile import notification
from tests.ids import short_id

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SHAPE = INVALID_RESPONSE_DATA
LIMIT = CONSTRAINT_VIOLATION


def _notification(**extra: Any) -> Notification:
    return Notification.model_validate(notification("n1", **extra))


def _context(**fields: Any) -> dict[str, Any]:
    return {"title": "T", "description": "D", **fields}


# -- models: tolerance (case 22) -------------------------------------------------------------


def test_unknown_fields_are_ignored_everywhere() -> None:
    """§1.1 decision: unknown JSON fields are ignored at every level."""
    body = notification("n1")
    body["surprise"] = {"nested": [1, 2]}
    body["context"]["colour"] = "teal"
    body["service"]["owner"] = "ops"
    body["actions"][0]["tooltip"] = "press me"
    parsed = Notification.model_validate(body)
    assert parsed.id == "n1"
    assert not hasattr(parsed, "surprise")
    assert isinstance(parsed.actions[0], SimpleAction)
    assert parsed.service.name == "deploy-bot"


def test_numeric_title_is_coerced_to_text() -> None:
    """Case 22: a numeric title becomes text."""
    assert _notification(context=_context(title=42)).title == "42"
    assert _notification(context=_context(title=4.5)).title == "4.5"


@pytest.mark.parametrize("title", [None, "", [], {"a": 1}])
def test_missing_or_unusable_title_gets_a_fallback(title: object) -> None:
    """Case 22: a missing title is shown with a safe fallback."""
    context = {"description": "D"} if title is None else _context(title=title)
    assert _notification(context=context).title == "(untitled)"


def test_context_that_is_not_an_object_falls_back() -> None:
    """Case 22: `context: "text"` does not crash; defaults are used."""
    parsed = _notification(context="just text")
    assert parsed.title == "(untitled)"
    assert parsed.context.description == ""


@pytest.mark.parametrize("deadline", ["next tuesday", "2026-13-45T99:00:00Z", "", 17, [], None])
def test_unparsable_deadline_means_no_deadline(deadline: object) -> None:
    """Case 22: a deadline that is not ISO 8601 becomes "no deadline", not a rejection."""
    parsed = _notification(deadline=deadline)
    assert parsed.deadline is None
    assert is_actionable(parsed.status, parsed.deadline, NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28T10:00:00Z", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        ("2026-11-28T10:00:00z", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        ("2026-11-28T15:30:00+05:30", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        ("2026-11-28T05:00:00-05:00", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        (
            "2026-11-28T10:00:00.123456Z",
            datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC),
        ),
        ("2026-11-28T10:00:00.5+00:00", datetime(2026, 11, 28, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-28T10:00:00", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        ("2026-11-28 10:00:00", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_with_offsets_fractions_and_naive_values_parse(
    text: str, expected: datetime
) -> None:
    """Case 32: offsets and fractional seconds parse; a naive value is taken as UTC."""
    parsed = _notification(deadline=text, timestamp=text)
    assert parsed.deadline == expected
    assert parsed.deadline.tzinfo is not None
    assert parsed.timestamp == expected
    # Comparing with the (aware) client clock never raises.
    assert (parsed.deadline < NOW) is True


def test_deadline_a_hundred_years_out_does_not_overflow() -> None:
    """Case 32: a deadline 100 years out parses and leaves the notification actionable."""
    parsed = _notification(deadline="2126-11-28T10:00:00Z")
    assert parsed.deadline is not None and parsed.deadline.year == 2126
    assert is_actionable("delivered", parsed.deadline, NOW)
    assert (parsed.deadline - NOW).days > 36_000
    far = _notification(deadline="9999-12-31T23:59:59.999999Z")
    assert is_actionable("delivered", far.deadline, NOW)


@pytest.mark.parametrize(
    ("flags", "irreversible"),
    [
        (["irreversible"], True),
        (["irreversible", 3, None, "future-flag"], True),
        ({"irreversible": True, "other": False}, True),
        ({"irreversible": False}, False),
        ({"irreversible": "yes"}, False),
        ("irreversible", True),
        ([], False),
        (None, False),
        (17, False),
    ],
)
def test_flags_as_list_or_object(flags: object, irreversible: bool) -> None:
    """§2: flags arrive as a list of names or an object of booleans; unknown flags ignored."""
    action = parse_action({"id": "a", "label": "A", "response_type": "simple", "flags": flags})
    assert action.irreversible is irreversible


def test_unknown_response_type_becomes_a_read_only_action() -> None:
    """§2 / case 22: an unknown `response_type` is kept, read-only, never guessed at."""
    parsed = _notification(
        actions=[
            {"id": "x", "label": "Sign", "response_type": "signature", "options": {"k": 1}},
            {"id": "y", "label": "Missing type"},
            {"id": "z", "label": "Odd", "response_type": 7},
        ]
    )
    # A non-text response_type is a broken action, dropped like any other.
    assert [action.id for action in parsed.actions] == ["x", "y"]
    assert [type(action) for action in parsed.actions] == [UnknownAction] * 2
    assert parsed.actions[0].response_type == "signature"
    assert parsed.actions[0].options == {"k": 1}
    with pytest.raises(ResponseValidationError) as caught:
        response_data_for(parsed.actions[0], "anything")
    assert caught.value.code == SHAPE


def test_select_is_an_alias_of_choice() -> None:
    """§2 decision: `select` (used by one guide) is parsed as `choice`."""
    action = parse_action(
        {
            "id": "pick",
            "response_type": "select",
            "options": [{"value": "a", "label": "Alpha"}, "b"],
        }
    )
    assert isinstance(action, ChoiceAction)
    assert action.response_type == "choice"
    assert [option.value for option in action.options] == ["a", "b"]
    assert response_data_for(action, "Alpha") == "a"


def test_a_broken_action_is_dropped_and_the_others_stay() -> None:
    """Case 22: one unusable action does not hide the rest."""
    parsed = _notification(
        actions=[
            {"id": "ok", "label": "OK", "response_type": "simple"},
            {"label": "no id", "response_type": "simple"},
            {"id": "", "response_type": "simple"},
            "not an object",
            None,
            {"id": "num", "response_type": "number", "constraints": {"step": -1}},
            {"id": "yes", "label": "Yes?", "response_type": "binary"},
        ]
    )
    assert [action.id for action in parsed.actions] == ["ok", "yes"]
    assert parsed.action("yes") is parsed.actions[1]
    assert parsed.action("missing") is None


def test_empty_actions_list_is_accepted() -> None:
    """Case 22: `actions: []` is shown (read-only), not rejected."""
    assert _notification(actions=[]).actions == []


@pytest.mark.parametrize("bad_id", [None, "", "   ", 123, ["n1"]])
def test_notification_without_a_usable_id_is_rejected(bad_id: object) -> None:
    """Case 20: without an id a notification cannot be deduplicated or answered."""
    body = notification("n1")
    if bad_id is None:
        del body["id"]
    else:
        body["id"] = bad_id
    with pytest.raises(ValidationError):
        Notification.model_validate(body)


def test_actions_that_are_not_a_list_are_rejected() -> None:
    """Module contract: an `actions` value that is not a list cannot be made safe."""
    with pytest.raises(ValidationError):
        Notification.model_validate(notification("n1", actions={"id": "ok"}))


def test_priority_is_read_from_metadata() -> None:
    """§2: `priority` is not a wire field; it comes from `metadata.priority`."""
    assert _notification(context=_context(metadata={"priority": "high"})).priority == "high"
    assert _notification(context=_context(metadata={"priority": {"x": 1}})).priority is None
    assert _notification(context=_context(metadata="not an object")).context.metadata is None


def test_lone_surrogates_are_replaced_so_the_text_can_be_encoded() -> None:
    """Case 21: `\\ud800` escapes are legal JSON but not encodable UTF-8; they become U+FFFD."""
    data = json.dumps(
        notification("n1", context=_context(title="a\ud800b", metadata={"k\udc00": "\udfff"}))
    )
    event = decode_event("notification", data)
    assert event is not None
    payload = event.payload
    assert isinstance(payload, Notification)
    assert payload.title == "a\ufffdb"
    assert payload.context.metadata == {"k\ufffd": "\ufffd"}
    payload.model_dump_json().encode("utf-8")  # must not raise
    update = decode_event(
        "status_update",
        json.dumps({"notification_id": "n1", "status": "expired", "reason": "\ud800"}),
    )
    assert update is not None and update.payload.reason == "\ufffd"


def test_deep_metadata_is_cut_off_so_it_can_be_stored() -> None:
    """Case 21: nesting Python's `json` accepts (900 levels) is cut to a depth pydantic stores."""
    depth = 900
    data = '{"id":"n1","actions":[],"context":{"metadata":{"a":' + "[" * depth + "]" * depth + "}}}"
    event = decode_event("notification", data)
    assert event is not None
    payload = event.payload
    assert isinstance(payload, Notification)
    dumped = payload.model_dump_json()  # pydantic refuses ~255+ levels: must not raise
    assert Notification.model_validate_json(dumped).id == "n1"  # and reads back (limit ~200)
    assert dumped.count("[") <= MAX_JSON_DEPTH


def test_status_update_ping_and_error_models() -> None:
    """§1.1: the other payloads, with lenient timestamps and text fields."""
    update = StatusUpdate.model_validate(
        {"notification_id": "n1", "status": "expired", "reason": 5, "timestamp": "garbage"}
    )
    assert (update.reason, update.timestamp) == ("5", None)
    assert Ping.model_validate({"timestamp": "2026-11-28T10:00:00Z"}).timestamp is not None
    error = ServerError.model_validate({"code": "RATE_LIMIT_EXCEEDED", "message": None})
    assert (error.code, error.message) == ("RATE_LIMIT_EXCEEDED", "")


# -- decode_event (cases 20, 21, 23) ---------------------------------------------------------


def test_decode_event_parses_a_notification() -> None:
    """§1.1: the `notification` event carries the bare object."""
    event = decode_event("notification", json.dumps(notification("n1")))
    assert event is not None
    assert event.name == "notification"
    assert isinstance(event.payload, Notification)
    assert event.payload.id == "n1"
    assert event.raw["id"] == "n1"


@pytest.mark.parametrize(
    ("name", "inner", "model"),
    [
        ("notification", notification("n1"), Notification),
        ("status_update", {"notification_id": "n1", "status": "expired"}, StatusUpdate),
        ("error", {"code": "RATE_LIMIT_EXCEEDED", "message": "slow"}, ServerError),
        ("ping", {"timestamp": "2026-11-28T10:00:00Z"}, Ping),
    ],
)
def test_decode_event_unwraps_websocket_framing(
    name: str, inner: dict[str, Any], model: type
) -> None:
    """§1.1 decision: `{"type": ..., "data": {...}}` is unwrapped."""
    event = decode_event(name, json.dumps({"type": name, "data": inner}))
    assert event is not None
    assert isinstance(event.payload, model)
    assert event.raw == inner


def test_decode_event_does_not_unwrap_objects_that_merely_have_data() -> None:
    """Only the exact `{type, data}` framing is unwrapped: a `data` field alongside others stays."""
    body = {**notification("n1"), "type": "x", "data": {"id": "other"}}
    event = decode_event("notification", json.dumps(body))
    assert event is not None and event.payload.id == "n1"


@pytest.mark.parametrize("name", ["foo", "NOTIFICATION", "message", "", "notification "])
def test_unknown_event_names_decode_to_none(name: str) -> None:
    """Case 23: an unknown event name is ignored, even with a valid payload."""
    assert decode_event(name, json.dumps(notification("n1"))) is None


@pytest.mark.parametrize(
    "data",
    [
        '{"id":',
        "null",
        "[]",
        '"text"',
        "42",
        "plain text",
        "",
        '{"id": "n1", "actions": []',
        '{"id": "n1", "actions": [], "context": {"metadata": {"x": NaN}}}',
        '{"id": "n1", "actions": [], "context": {"metadata": {"x": Infinity}}}',
        '{"id": "n1", "actions": [], "context": {"metadata": {"x": -Infinity}}}',
        '{"id": "n1", "actions": [{"id": "a", "response_type": "number",'
        ' "constraints": {"min": NaN}}]}',
        '{"id": "n1\x0b", "actions": []}',
    ],
)
def test_malformed_notification_data_raises_malformed_event(data: str) -> None:
    """Cases 20–21: invalid JSON, non-objects and NaN/Infinity are `MalformedEvent`."""
    with pytest.raises(MalformedEvent):
        decode_event("notification", data)


def test_schema_errors_are_malformed_events_naming_the_field() -> None:
    """Case 20: a JSON object that fails the schema is reported with where it failed."""
    with pytest.raises(MalformedEvent, match="id"):
        decode_event("notification", json.dumps({"actions": []}))
    with pytest.raises(MalformedEvent):
        decode_event("status_update", json.dumps({"notification_id": "n1"}))


@pytest.mark.parametrize(
    "data",
    ["[" * 100_000, '{"a":' * 100_000, '{"id": "n1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"],
    ids=short_id,
)
def test_hostile_nesting_is_malformed_not_recursion_error(data: str) -> None:
    """Case 21: 100,000 nested `[` raise `RecursionError` in `json`; it must be caught."""
    with pytest.raises(MalformedEvent, match="nested too deeply"):
        decode_event("notification", data)


def test_duplicate_keys_do_not_crash() -> None:
    """Case 21: duplicate keys (last wins in Python) never crash the decoder."""
    event = decode_event("notification", '{"id": "n1", "id": "n2", "actions": []}')
    assert event is not None and isinstance(event.payload, Notification)


# -- lifecycle (case 31, §3) -----------------------------------------------------------------

ORDER = ["created", "delivered", "acknowledged", "responded"]


def _expected_transition(current: str | None, new: str) -> bool:
    """The forward-only graph of ATP-PROTOCOL.md §3, written out independently."""
    if new not in KNOWN_STATES:
        return False
    if current is None or current not in KNOWN_STATES:
        return True
    if current in TERMINAL_STATES:
        return False
    if current == "responded":
        return new == "completed"
    # created/delivered/acknowledged: any later step, or a terminal state.
    return new in TERMINAL_STATES or ORDER.index(new) > ORDER.index(current)


ALL_STATES = sorted(KNOWN_STATES)


@pytest.mark.parametrize("current", [None, "mystery", *ALL_STATES])
@pytest.mark.parametrize("new", [*ALL_STATES, "mystery", "", "RESPONDED"])
def test_transition_table(current: str | None, new: str) -> None:
    """§3 / case 31: states only move forward; unknown states are never entered."""
    assert can_transition(current, new) is _expected_transition(current, new)
    assert merge_status(current, new) == (new if _expected_transition(current, new) else current)


def test_transition_table_spot_checks() -> None:
    """Case 31: the examples the spec names, spelled out."""
    assert not can_transition("responded", "delivered")
    assert not can_transition("responded", "expired")
    assert not can_transition("responded", "invalidated")
    assert can_transition("responded", "completed")
    assert not can_transition("delivered", "delivered")
    assert can_transition("created", "acknowledged")
    assert can_transition("acknowledged", "expired")
    for terminal in ("expired", "invalidated", "completed"):
        assert not any(can_transition(terminal, state) for state in KNOWN_STATES)


def test_known_state_sets() -> None:
    """§3: the actionable and terminal states."""
    assert frozenset({"created", "delivered", "acknowledged"}) == ACTIONABLE_STATES
    assert frozenset({"completed", "expired", "invalidated"}) == TERMINAL_STATES


@pytest.mark.parametrize(
    ("status", "deadline", "expected"),
    [
        ("created", None, True),
        ("delivered", None, True),
        ("acknowledged", None, True),
        (None, None, True),
        ("delivered", NOW + timedelta(seconds=1), True),
        ("delivered", NOW, False),
        ("delivered", NOW - timedelta(seconds=1), False),
        ("delivered", NOW - timedelta(days=365), False),
        ("responded", None, False),
        ("completed", NOW + timedelta(days=1), False),
        ("expired", NOW + timedelta(days=1), False),
        ("invalidated", None, False),
        ("mystery", None, False),
    ],
)
def test_is_actionable(status: str | None, deadline: datetime | None, expected: bool) -> None:
    """§3 / case 32: actions only in an open state and before the deadline on `now`."""
    assert is_actionable(status, deadline, NOW) is expected


def test_deadline_past_on_arrival_is_not_actionable() -> None:
    """Case 32: a deadline already past (or a client clock running ahead) disables actions."""
    parsed = _notification(deadline="2026-11-28T11:59:59.999Z")
    assert not is_actionable(parsed.status, parsed.deadline, NOW)
    assert is_actionable(parsed.status, parsed.deadline, NOW - timedelta(minutes=1))


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
