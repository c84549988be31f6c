"""What an answer and its outcome are called (issue #11 items 4, 6, 12): headless unit tests.

`answer_label` turns `(action, response_data)` into the agent's words for every response type;
`atp_tui.protocol.outcomes` holds the outcome words the TUI and the commands share.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from atp_tui.client.events import ConnectionState
from atp_tui.protocol.labels import TEXT_LIMIT, answer_label, shorten, value_label
from atp_tui.protocol.models import Action, parse_action
from atp_tui.protocol.outcomes import PENDING_WORDS, outcome_text, outcome_words
from atp_tui.view.items import answer_from_outcome


def action(**fields: Any) -> Action:
    """One validated action (`id` defaults to `a`)."""
    return parse_action({"id": "a", **fields})


PAUSE = action(id="pause", label="Pause and resume tonight", response_type="simple")
DEPLOY = action(label="Deploy now?", response_type="binary")
GO = action(
    label="Go?", response_type="binary", options={"true_label": "Ship it", "false_label": "Hold"}
)
REGION = action(
    label="Region",
    response_type="choice",
    options=[{"value": "euw1", "label": "eu-west-1"}, {"value": "use1", "label": "us-east-1"}],
)
FEATURES = action(
    label="Features",
    response_type="multi_choice",
    options=[{"value": "offline_mode", "label": "Offline mode"}, "dark", {"value": "beta"}],
)
WHY = action(label="Why not", response_type="text")
REPLICAS = action(label="Replicas", response_type="number")
WHEN = action(label="When:", response_type="date")


@pytest.mark.parametrize(
    ("answered", "data", "expected"),
    [
        (PAUSE, None, "Pause and resume tonight"),
        (DEPLOY, True, "Deploy now? Yes"),
        (DEPLOY, False, "Deploy now? No"),
        (GO, True, "Go? Ship it"),
        (GO, False, "Go? Hold"),
        (REGION, "euw1", "Region: eu-west-1"),
        (REGION, "gone-option", "Region: gone-option"),
        (FEATURES, ["offline_mode", "dark"], "Features: Offline mode, dark"),
        (FEATURES, ["beta"], "Features: beta"),
        (FEATURES, [], "Features"),
        (WHY, "capacity is low tonight", "Why not: capacity is low tonight"),
        (REPLICAS, 5, "Replicas: 5"),
        (REPLICAS, 2.5, "Replicas: 2.5"),
        (WHEN, "2026-01-31", "When: 2026-01-31"),
        (action(response_type="simple"), None, "a"),  # no label: the id
    ],
)
def test_answer_label_per_response_type(answered: Action, data: Any, expected: str) -> None:
    assert answer_label(answered, data) == expected


def test_answer_label_never_shows_raw_wire_values() -> None:
    """Issue #11 item 6: no `true`, no option values, no JSON lists."""
    shown = [
        answer_label(DEPLOY, True),
        answer_label(REGION, "use1"),
        answer_label(FEATURES, ["offline_mode"]),
    ]
    assert shown == ["Deploy now? Yes", "Region: us-east-1", "Features: Offline mode"]
    assert not any(word in text for text in shown for word in ("true", "use1", '["', "offline_"))


def test_text_answers_are_shortened_to_one_line() -> None:
    long = "the error budget is spent\nand the on-call is asleep; " * 5
    label = answer_label(WHY, long)
    assert label.startswith("Why not: the error budget is spent and the on-call")
    assert "\n" not in label and label.endswith("…")
    assert len(label) == len("Why not: ") + TEXT_LIMIT
    assert shorten("  a \t b  ") == "a b"


def test_without_the_action_the_id_and_a_plain_value() -> None:
    """The notification is no longer in the local inbox: no labels, still no JSON."""
    assert answer_label(None, None, "pause") == "pause"
    assert answer_label(None, True, "go") == "go: yes"
    assert (
        answer_label(None, ["offline_mode", "dark"], "features") == "features: offline_mode, dark"
    )
    assert answer_label(None, {"k": 1}, "odd") == 'odd: {"k": 1}'
    assert value_label(None, None) == ""


def test_a_value_of_the_wrong_shape_is_still_shown_plainly() -> None:
    """A log row that does not fit the action (edited, an older action) is not hidden."""
    assert answer_label(DEPLOY, "maybe") == "Deploy now? maybe"
    assert answer_label(FEATURES, "dark") == "Features: dark"


# -- outcome words ------------------------------------------------------------------------------

AT = datetime(2026, 11, 28, 12, 0, 1, tzinfo=UTC)

#: What the inbox showed for each outcome before the words moved to `atp_tui.protocol.outcomes`.
TUI_TEXT = {
    "already_responded": "answered elsewhere",
    "expired": "expired: why",
    "invalidated": "invalidated: why",
    "not_found": "gone: why",
    "refused": "refused: why",
    "auth_refused": "refused: why",
    "failed": "failed: why",
    "unknown": "outcome unknown: why",
    "something_new": "failed: why",
}


@pytest.mark.parametrize(("kind", "expected"), sorted(TUI_TEXT.items()))
def test_the_tui_shows_what_it_showed(kind: str, expected: str) -> None:
    """The shared table did not restyle the inbox: same kind, same text."""
    assert outcome_text(kind, "why", AT) == expected
    assert answer_from_outcome(kind, "why", "a", AT).text == expected


def test_sent_reads_with_its_time_in_the_tui() -> None:
    expected = f"sent at {AT.astimezone().strftime('%H:%M:%S')}"
    assert answer_from_outcome("sent", "answer sent", "a", AT).text == expected


def test_command_words_are_the_tui_words() -> None:
    """`history`/`handover`/`respond` use the TUI's words; in-flight rows read as pending."""
    for kind, text in TUI_TEXT.items():
        assert text.startswith(outcome_words(kind))
    assert outcome_words("sending") == outcome_words("retrying") == PENDING_WORDS
    assert PENDING_WORDS.startswith("pending (not confirmed")
    assert outcome_words("unknown") == "outcome unknown"


# -- headless connection lines ------------------------------------------------------------------


def test_headless_describe_has_no_tui_key_hint() -> None:
    """`watch` prints these on stderr: "press r" means nothing there (issue #11 item 12)."""
    state = ConnectionState("failed", "server ended the stream (204); press r to retry")
    assert state.describe() == "failed: server ended the stream (204); press r to retry"
    headless = state.describe(headless=True)
    assert headless == "failed: server ended the stream (204); run the command again to retry"
    quiet = ConnectionState("reconnecting", "server closed", retry_in=6, attempt=2)
    assert quiet.describe(headless=True) == quiet.describe()
