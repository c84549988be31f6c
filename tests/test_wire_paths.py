"""The two ways a `notification` event is decoded agree on every input.

`watch` and the engine decode a notification on a fast path (`decode_plain_notification`:
pydantic parses and validates the JSON text in one native pass) and fall back to the careful
one (`decode_carefully`: strict stdlib JSON, sanitised, validated from Python objects) for
anything it refuses. Were they to disagree, the same payload would be shown, stored and
deduplicated differently depending on which path took it: a notification lost, or one shown
twice. Here `hypothesis` generates payloads around the schema (odd types, missing and extra
fields, lenient spellings, framing, NaN, lone surrogates, deep nesting, numbers beyond a
double, pretty-printed text) and checks that whatever the fast path accepts, the careful path
accepts as the same notification, and that the fast path refuses whatever the careful one
rejects; and that polling and a fetch, which get the object already decoded, read it as the
stream does.

SSE-CLIENT-RULES.md §(e) cases 20–23 (bad JSON, hostile JSON, odd values).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atp_tui.client.events import NotificationReceived
from atp_tui.commands.watch import _json_id, format_event
from atp_tui.protocol.models import Notification, sanitize_json
from atp_tui.protocol.wire import (
    MalformedEvent,
    WireEvent,
    decode_carefully,
    decode_event,
    decode_plain_notification,
    validate_decoded,
)

#: Leaf markers replaced in the JSON text by what `json.dumps` cannot write (or writes
#: differently): a number beyond a double, a lone-surrogate escape inside a string.
_BIG = "@big@"
_SURROGATE = "@surrogate@"

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", " ", "\t", "\u202e", "\x1b[31m", 0.5, -0.0]),
)
_json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def _or_odd(plausible: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a plausible value, sometimes any JSON value at all."""
    return st.one_of(plausible, plausible, plausible, _json_values)


_moments = _or_odd(
    st.sampled_from(
        [
            "2026-11-28T10:00:00Z",
            "2026-11-28T10:00:00.123+02:00",
            "2026-11-28T10:00:00",
            "2026-11-28",
            "28/11/2026",
            "",
            1764324000,
            1764324000.5,
        ]
    )
)
_short_text = _or_odd(st.text(max_size=20))
_numbers = _or_odd(
    st.one_of(st.none(), st.integers(-3, 600), st.floats(-1e3, 1e3), st.text(max_size=3))
)

_constraints = _or_odd(
    st.fixed_dictionaries(
        {},
        optional={
            key: _numbers
            for key in (
                "min_length",
                "max_length",
                "min_selections",
                "max_selections",
                "min",
                "max",
                "step",
            )
        }
        | {
            "integer": _or_odd(st.booleans()),
            "include_time": _or_odd(st.booleans()),
            "multiline": _or_odd(st.booleans()),
            "placeholder": _short_text,
        },
    )
)
_option = st.one_of(
    st.text(max_size=8),
    st.fixed_dictionaries({"value": _short_text}, optional={"label": _short_text}),
    _json_values,
)
_options = _or_odd(
    st.one_of(
        st.lists(_option, max_size=4),
        st.fixed_dictionaries({}, optional={"true_label": _short_text, "false_label": _short_text}),
    )
)
_action = _or_odd(
    st.fixed_dictionaries(
        {"id": _or_odd(st.sampled_from(["approve", "reject", "x", "", " "]))},
        optional={
            "label": _short_text,
            "response_type": _or_odd(
                st.sampled_from(
                    [
                        "simple",
                        "binary",
                        "choice",
                        "select",
                        "multi_choice",
                        "text",
                        "number",
                        "date",
                        "signature",
                        "",
                    ]
                )
            ),
            "flags": _or_odd(st.lists(st.sampled_from(["irreversible", "primary", "x"]))),
            "options": _options,
            "constraints": _constraints,
            "extra": _json_values,
        },
    )
)
_attachment = _or_odd(
    st.fixed_dictionaries(
        {},
        optional={"type": _short_text, "description": _short_text, "uri": _short_text},
    )
)
_context = _or_odd(
    st.fixed_dictionaries(
        {},
        optional={
            "title": _short_text,
            "description": _short_text,
            "project": _short_text,
            "metadata": _or_odd(
                st.one_of(
                    st.dictionaries(st.text(max_size=6), _json_values, max_size=3),
                    st.integers(60, 70).map(lambda n: {"deep": _deep(n)}),
                )
            ),
            "attachments": _or_odd(st.lists(_attachment, max_size=2)),
        },
    )
)
_notification = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["n-1", "00000000-0000-4000-8000-000000000001", "é ✓"]),
        "actions": st.lists(_action, max_size=4),
    },
    optional={
        "version": _short_text,
        "timestamp": _moments,
        "deadline": _moments,
        "service": _or_odd(
            st.fixed_dictionaries({}, optional={"id": _short_text, "name": _short_text})
        ),
        "context": _context,
        "status": _or_odd(st.sampled_from(["pending", "delivered", "read", "responded", "x"])),
        "extra": _json_values,
    },
)
_odd_ids = st.one_of(st.sampled_from(["", " ", "\n"]), _json_values)
#: What strict JSON refuses or a double cannot hold, put in the metadata: NaN and Infinity
#: (bare tokens), a number beyond a double, a lone-surrogate escape.
_hostile_leaves = st.sampled_from([float("nan"), float("-inf"), _BIG, f"a{_SURROGATE}b"])


@st.composite
def _event_data(draw: st.DrawFn) -> str:
    """A notification event's data: JSON text, sometimes odd at the top, framed, hostile or
    pretty-printed (one in ten or so each, so that most payloads get as far as the schema)."""
    payload: Any = draw(_notification)
    rarely = st.integers(0, 9).map(lambda n: n == 7)  # not 0: hypothesis favours it
    if draw(rarely):
        payload["id"] = draw(_odd_ids)
    if draw(rarely):
        payload["actions"] = draw(_json_values)
    if draw(rarely):
        context = payload.get("context")
        target = context if isinstance(context, dict) else payload
        target["metadata"] = {"h": draw(_hostile_leaves)}
    if draw(rarely):
        payload = {"type": "notification", "data": payload}  # the WebSocket framing
    text = json.dumps(
        payload,
        ensure_ascii=draw(st.booleans()),
        indent=2 if draw(rarely) else None,
    )
    return text.replace(f'"{_BIG}"', "1e999").replace(_SURROGATE, "\\ud800")


def _careful(data: str) -> WireEvent | MalformedEvent:
    try:
        event = decode_carefully("notification", data)
    except MalformedEvent as error:
        return error
    assert event is not None  # a name ATP defines
    return event


@settings(
    max_examples=int(os.environ.get("WIRE_PATH_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_event_data())
@example(
    json.dumps({"id": "n-1", "context": {"metadata": {"x": "@big@"}}}).replace('"@big@"', "1e999")
)
@example('{"id": "n-1", "context": {"title": "a\\ud800b"}}')
@example('{"id": "n-1", "actions": [{"id": "a", "response_type": "select", "options": ["x"]}]}')
@example('{"id": "n-1", "actions": [], "version": 0.0}')  # was "0" on one path, "0.0" on the other
def test_the_fast_path_accepts_only_what_the_careful_path_reads_the_same(data: str) -> None:
    fast = decode_plain_notification(data)
    careful = _careful(data)
    if fast is not None:
        notification, raw_json = fast
        assert isinstance(careful, WireEvent), f"fast path accepted what careful rejects: {careful}"
        assert careful.payload == notification
        assert "\n" not in raw_json
        assert json.loads(raw_json) == json.loads(careful.raw_json)
    # The composition the stream uses gives the careful path's answer either way.
    try:
        decoded = decode_event("notification", data)
    except MalformedEvent as error:
        assert isinstance(careful, MalformedEvent)
        assert str(error) == str(careful)
    else:
        assert isinstance(careful, WireEvent) and decoded is not None
        assert decoded.payload == careful.payload
        assert json.loads(decoded.raw_json) == json.loads(careful.raw_json)
        # Polling and a fetch read the same object (in a list, in a reply) as the stream does.
        loaded = json.loads(data)
        if loaded.get("type") != "notification":  # not framed: the object itself
            assert validate_decoded(Notification, sanitize_json(loaded)) == careful.payload


def test_a_number_sent_as_text_reads_the_same_whichever_path_took_it() -> None:
    """A float where text is expected was "2000" from JSON text and "2000.0" from decoded
    objects: a notification that merely mentions "Infinity" (the careful path), or came by
    polling, read differently from the same one on the fast path, and its row (the summary,
    made at ingest) differently from its detail pane (parsed again from the stored text)."""
    fields = '"id": "n-1", "version": 2.0, "actions": [{"id": "a", "response_type": "choice",'
    fields += ' "options": [{"value": 1.5, "label": 2e3}]}]'
    plain = decode_event("notification", "{" + fields + ', "context": {"title": 2e3}}')
    careful = decode_event(
        "notification", "{" + fields + ', "context": {"title": 2e3, "description": "Infinity"}}'
    )
    assert plain is not None and careful is not None
    expected = plain.payload
    assert isinstance(expected, Notification) and isinstance(careful.payload, Notification)
    stored = Notification.model_validate_json(careful.raw_json)  # the detail pane's parse
    polled = validate_decoded(Notification, sanitize_json(json.loads(careful.raw_json)))
    assert expected.context.title == "2000"  # pydantic's reading of a JSON number, everywhere
    for notification in (careful.payload, stored, polled):
        assert notification.version == expected.version
        assert notification.context.title == expected.context.title
        assert notification.actions == expected.actions


#: What a terminal acts on (SSE-CLIENT-RULES.md 82): C0 but TAB, DEL, C1, bidi controls, and
#: the line and paragraph separators.
_TERMINAL_ACTIVE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)


@settings(max_examples=int(os.environ.get("WIRE_PATH_EXAMPLES", "400")), deadline=None)
@given(_event_data(), st.sampled_from(["1", "evt-\u202e", "id\x1b[2J"]))
def test_the_line_watch_prints_is_the_payload_and_nothing_a_terminal_acts_on(
    data: str, event_id: str
) -> None:
    """Whichever path decoded it, `watch`'s line for a notification is one line of JSON that
    holds the payload as the server sent it (`escape_parsed_json_text`'s shortcut for
    ASCII text included) and no character a terminal would act on."""
    try:
        decoded = decode_event("notification", data)
    except MalformedEvent:
        return
    assert decoded is not None and isinstance(decoded.payload, Notification)
    event = NotificationReceived(decoded.payload, event_id, {}, decoded.raw_json)
    line = format_event(event)
    assert line is not None
    assert _TERMINAL_ACTIVE.search(line) is None
    printed = json.loads(line)
    assert printed["id"] == event_id
    assert printed["data"] == json.loads(decoded.raw_json)


@given(st.none() | st.text() | st.sampled_from(['"', "\\", "\x7f", "a b", "/", "\x1b[2J", "é"]))
def test_an_event_id_is_quoted_as_json_dumps_quotes_it(event_id: str | None) -> None:
    """`watch`'s short way to quote an event id (printable ASCII with no quote or backslash
    is its own JSON text between quotes) gives exactly `json.dumps`'s text for any id."""
    assert _json_id(event_id) == json.dumps(event_id)
