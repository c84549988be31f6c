"""Whatever the client accepts as an answer, the server accepts as sent: on generated actions
and typed input.

`response_data_for` turns what the user typed (a label for a value, "yes", "2, 3", " 42 ",
an ISO date) into the `response_data` the client POSTs; `validate_response_data` is the
server's strict check of that JSON (the reference server runs it). An answer the client
let through and the server refused would reach the user as a refusal after sending, at the
worst moment; so for any action (every response type, odd and tight constraints) and any
input, whatever the client sends must come back unchanged from the server's check after a
trip through JSON. ATP-PROTOCOL.md §2 (response types).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from atp_tui.protocol import ResponseValidationError
from atp_tui.protocol.models import parse_action
from atp_tui.protocol.responses import response_data_for, validate_response_data

_WORDS = st.sampled_from(["a", "b", "Yes", "No", "1h", "1 day", "x, y", " a ", "é", ""])
_OPTIONS = st.lists(
    st.fixed_dictionaries({"value": _WORDS}, optional={"label": _WORDS}), max_size=4
)
_BOUNDS = st.one_of(st.none(), st.integers(-5, 50), st.floats(-5, 50, allow_nan=False))
_DATES = st.one_of(
    st.none(), st.sampled_from(["2026-01-31", "2026-02-01T10:00:00Z", "2026-01-31T23:30:00+02:00"])
)
_ACTIONS = st.one_of(
    st.fixed_dictionaries({"response_type": st.just("simple")}),
    st.fixed_dictionaries(
        {"response_type": st.just("binary")},
        optional={"options": st.fixed_dictionaries({"true_label": _WORDS, "false_label": _WORDS})},
    ),
    st.fixed_dictionaries(
        {"response_type": st.sampled_from(["choice", "select"]), "options": _OPTIONS}
    ),
    st.fixed_dictionaries(
        {"response_type": st.just("multi_choice"), "options": _OPTIONS},
        optional={
            "constraints": st.fixed_dictionaries(
                {},
                optional={
                    "min_selections": st.integers(0, 3),
                    "max_selections": st.integers(0, 4),
                },
            )
        },
    ),
    st.fixed_dictionaries(
        {"response_type": st.just("text")},
        optional={
            "constraints": st.fixed_dictionaries(
                {},
                optional={
                    "min_length": st.integers(0, 5),
                    "max_length": st.integers(0, 12),
                    "multiline": st.booleans(),
                },
            )
        },
    ),
    st.fixed_dictionaries(
        {"response_type": st.just("number")},
        optional={
            "constraints": st.fixed_dictionaries(
                {},
                optional={
                    "min": _BOUNDS,
                    "max": _BOUNDS,
                    "step": st.sampled_from([0.1, 0.25, 0.5, 1, 2.5, 3]),
                    "integer": st.booleans(),
                },
            )
        },
    ),
    st.fixed_dictionaries(
        {"response_type": st.just("date")},
        optional={
            "constraints": st.fixed_dictionaries(
                {}, optional={"min": _DATES, "max": _DATES, "include_time": st.booleans()}
            )
        },
    ),
)
#: What a user types or picks: text of every sort (numbers, dates, option words, lists).
_INPUTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 60),
    st.floats(-10, 60, allow_nan=False),
    _WORDS,
    st.lists(_WORDS, max_size=4),
    st.sampled_from(
        [
            " 42 ",
            "2.5",
            "1e1",
            "-0",
            "0.30000000000000004",
            "1_000",
            "2026-01-31",
            "2026-02-01T10:00:00Z",
            "2026-01-31T23:30+02:00",
            "yes",
            "true",
            "a, b",
            "a\nb",
            "a\rb",
        ]
    ),
    st.text(max_size=14),
)


def _likely_inputs(fields: dict[str, Any]) -> st.SearchStrategy[object]:
    """Input a user would type for this action (so that most answers get through), mixed
    with anything at all."""
    kind = fields["response_type"]
    options = fields.get("options")
    words = [
        word
        for option in (options if isinstance(options, list) else [])
        for word in (option.get("value"), option.get("label"))
        if isinstance(word, str)
    ]
    if kind in ("choice", "select") and words:
        likely: st.SearchStrategy[object] = st.sampled_from(words)
    elif kind == "multi_choice" and words:
        picks = st.lists(st.sampled_from(words), max_size=4, unique=True)
        likely = st.one_of(picks, picks.map(", ".join))
    elif kind == "number":
        likely = st.one_of(
            st.integers(-10, 60),
            st.floats(-10, 60, allow_nan=False),
            st.decimals(-10, 60, places=2).map(str),
        )
    elif kind == "date":
        likely = st.one_of(
            st.dates().map(lambda day: day.isoformat()),
            st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
            st.sampled_from(["2026-01-31", "2026-02-01T00:00:00Z", "2026-01-31T23:59:59-01:00"]),
        )
    elif kind == "binary":
        labels = [w for w in (fields.get("options") or {}).values() if isinstance(w, str)]
        likely = st.sampled_from([True, False, "yes", "No", " true ", *labels])
    elif kind == "simple":
        likely = st.sampled_from([None, ""])
    else:
        likely = st.text(max_size=14)
    return st.one_of(likely, likely, _INPUTS)


@settings(max_examples=400)
@given(st.data())
def test_what_the_client_sends_the_server_accepts_unchanged(data: st.DataObject) -> None:
    fields = data.draw(_ACTIONS)
    action = parse_action({"id": "act", "label": "Act", **fields})
    typed = data.draw(_likely_inputs(fields))
    try:
        answer = response_data_for(action, typed)
    except ResponseValidationError:
        return  # refused before sending, with a message next to the input
    sent = json.loads(json.dumps(answer))
    assert validate_response_data(action, sent) == sent
