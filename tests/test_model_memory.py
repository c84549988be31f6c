"""The inbox's memory-saving measures keep behaviour: shared field sets and the action union.

`share_field_sets` lets long-lived notifications share their pydantic "fields set" objects;
the action union is a native tagged union (string discriminator) with an unknown-type
fallback. Both are performance measures (issue #5); these tests pin what must not change.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from atp_tui.protocol import Notification
from atp_tui.protocol.models import (
    ChoiceAction,
    UnknownAction,
    parse_action,
    share_field_sets,
)
from atp_tui.store import Store


def _body(nid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": nid,
        "service": {"id": "svc", "name": "Service"},
        "context": {"title": "t", "attachments": [{"type": "text/plain", "data": "eA=="}]},
        "actions": [
            {"id": "ok", "response_type": "simple"},
            {"id": "pick", "response_type": "choice", "options": ["a", {"value": "b"}]},
            {"id": "why", "response_type": "text", "constraints": {"max_length": 5}},
            {"id": "yes", "response_type": "binary"},
        ],
        **extra,
    }


def test_shared_field_sets_leave_every_value_and_dump_unchanged() -> None:
    one = Notification.model_validate(_body("n1"))
    two = Notification.model_validate(_body("n2"))
    before = one.model_dump(mode="json", exclude_unset=True)
    share_field_sets(one)
    share_field_sets(two)
    assert one.model_dump(mode="json", exclude_unset=True) == before
    assert one.__pydantic_fields_set__ is two.__pydantic_fields_set__
    assert one.context.__pydantic_fields_set__ is two.context.__pydantic_fields_set__
    pick_one, pick_two = one.actions[1], two.actions[1]
    assert isinstance(pick_one, ChoiceAction) and isinstance(pick_two, ChoiceAction)
    assert (
        pick_one.options[0].__pydantic_fields_set__ is pick_two.options[0].__pydantic_fields_set__
    )


def test_shared_field_sets_cannot_be_changed_through_one_model() -> None:
    one = share_field_sets(Notification.model_validate(_body("n1")))
    two = share_field_sets(Notification.model_validate(_body("n2")))
    with pytest.raises(ValidationError):
        one.status = "expired"  # type: ignore[misc]  # frozen: the shared set is not touched
    copied = one.model_copy(update={"status": "expired"})
    assert "status" in copied.__pydantic_fields_set__
    assert "status" not in two.__pydantic_fields_set__


def test_the_store_shares_sets(tmp_path: Path) -> None:
    """The inbox's store shares the sets, also for what it loads; `watch` keeps no models."""
    compact = Store.open(tmp_path / "a")
    plain = [Notification.model_validate(_body(nid)) for nid in ("n1", "n2")]
    for received in plain:
        compact.add_notification(received.model_copy(), received.id)
    shared = [item.notification.__pydantic_fields_set__ for item in compact.load_notifications()]
    assert shared[0] is shared[1]
    assert plain[0].__pydantic_fields_set__ is not plain[1].__pydantic_fields_set__
    compact.commit()
    compact.close()
    reopened = Store.open(tmp_path / "a")
    loaded = [item.notification for item in reopened.load_notifications()]
    assert loaded[0].__pydantic_fields_set__ is loaded[1].__pydantic_fields_set__
    assert loaded[0].model_dump(exclude={"id"}) == loaded[1].model_dump(exclude={"id"})


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_restores_the_garbage_collector_as_it_was(tmp_path: Path, enabled: bool) -> None:
    store = Store.open(tmp_path)
    store.add_notification(Notification.model_validate(_body("n1")), "e1")
    store.commit()
    store.close()
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        Store.open(tmp_path).close()
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_action_union_from_json_text_matches_python_input() -> None:
    """The native tagged union picks the same models from JSON text as from dicts."""
    body = _body(
        "n1",
        actions=[
            {"id": "s", "response_type": "select", "options": ["x"]},
            {"id": "u", "response_type": "signature"},
            {"id": "m", "label": "no type"},
            {"id": "bad", "response_type": "choice", "options": "not a list", "flags": 3},
            {"response_type": "simple"},  # no id: dropped
            {"id": "n", "response_type": 7},  # a type that is not text: dropped
        ],
    )
    from_json = Notification.model_validate_json(json.dumps(body))
    from_python = Notification.model_validate(body)
    kinds = [(type(a).__name__, a.id, a.response_type) for a in from_json.actions]
    assert kinds == [(type(a).__name__, a.id, a.response_type) for a in from_python.actions]
    assert kinds[:3] == [
        ("ChoiceAction", "s", "choice"),
        ("UnknownAction", "u", "signature"),
        ("UnknownAction", "m", "unknown"),
    ]


def test_a_known_type_that_fails_is_refused_not_shown_as_unknown() -> None:
    with pytest.raises(ValidationError):
        parse_action({"id": "n", "response_type": "number", "constraints": {"min": "x"}})
    assert isinstance(parse_action({"id": "q", "response_type": "quiz"}), UnknownAction)
