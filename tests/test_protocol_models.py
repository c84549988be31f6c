"""The ATP wire format's models and `decode_event`: tolerance of odd but usable values, what is
rejected, and hostile or malformed event data.

ATP-PROTOCOL.md §1.1, §2 (notification); SSE-CLIENT-RULES.md §(e) cases 20–23 (bad JSON,
hostile JSON, odd values, unknown events).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from atp_tui.protocol import (
    ChoiceAction,
    MalformedEvent,
    Notification,
    Ping,
    ResponseValidationError,
    ServerError,
    SimpleAction,
    StatusUpdate,
    UnknownAction,
    decode_event,
    is_actionable,
    response_data_for,
)
from atp_tui.protocol.models import MAX_JSON_DEPTH, parse_action
from tests.hostile import notification
from tests.ids import short_id
from tests.protocol_helpers import NOW, SHAPE, _notification


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


ODD_ACTIONS: list[Any] = [
    {"id": "t1", "response_type": "text", "constraints": "none"},
    {"id": "t2", "response_type": "text", "constraints": None},
    {"id": "t3", "response_type": "text", "constraints": [1, 2]},
    {"id": "t4", "response_type": "text", "constraints": {"max_length": 9}},
    {"id": "t5", "response_type": "text", "constraints": {"max_length": -1}},
    {"id": "m1", "response_type": "multi_choice", "options": ["a"], "constraints": 3},
    {"id": "c1", "response_type": "select", "options": ["a", {"value": "b"}, 7, {"x": 1}]},
    {"id": "c2", "response_type": "choice", "options": [{"value": "v", "label": "L"}, None]},
]


@pytest.mark.parametrize("from_json", [True, False], ids=["json-text", "python-objects"])
def test_odd_constraints_and_options_read_the_same_from_text_and_objects(
    from_json: bool,
) -> None:
    """Case 22: constraints that are not an object mean none given; an object the model
    refuses drops its action; bare-string options are value and label; unusable options are
    left out; `select` is `choice`. The stream reads JSON text natively, the polling path
    reads Python objects: both give the same notification."""
    payload = notification("odd", actions=ODD_ACTIONS)
    parsed = (
        Notification.model_validate_json(json.dumps(payload))
        if from_json
        else Notification.model_validate(payload)
    )
    by_id = {action.id: action for action in parsed.actions}
    assert list(by_id) == ["t1", "t2", "t3", "t4", "m1", "c1", "c2"]
    assert by_id["t1"].constraints.max_length is None  # type: ignore[union-attr]
    assert by_id["t4"].constraints.max_length == 9  # type: ignore[union-attr]
    assert by_id["m1"].constraints.min_selections == 0  # type: ignore[union-attr]
    choice = by_id["c1"]
    assert isinstance(choice, ChoiceAction) and choice.response_type == "choice"
    assert [(o.value, o.label) for o in choice.options] == [("a", "a"), ("b", "")]
    assert [(o.value, o.label) for o in by_id["c2"].options] == [("v", "L")]  # type: ignore[union-attr]


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
