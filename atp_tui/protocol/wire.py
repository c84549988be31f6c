"""Turn an SSE event (name + data text) into a typed ATP payload, or say why it is malformed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from atp_tui.protocol.models import (
    Notification,
    Ping,
    ServerError,
    StatusUpdate,
    needs_sanitizing,
    sanitize_json,
)
from atp_tui.protocol.text import first_problem

EventName = Literal["notification", "status_update", "error", "ping"]

_MODELS: dict[str, type[Notification | StatusUpdate | ServerError | Ping]] = {
    "notification": Notification,
    "status_update": StatusUpdate,
    "error": ServerError,
    "ping": Ping,
}

#: The event names ATP defines; anything else is ignored (counted, not shown).
KNOWN_EVENTS: frozenset[str] = frozenset(_MODELS)


class MalformedEvent(ValueError):
    """An event whose data is not valid JSON or does not match its schema."""


@dataclass(frozen=True, slots=True)
class WireEvent:
    """A decoded ATP event: its name, its typed payload and its JSON object as one line."""

    name: EventName
    payload: Notification | StatusUpdate | ServerError | Ping
    #: The payload object as one line of JSON: the server's own text when it needed no change.
    raw_json: str
    _raw: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def raw(self) -> dict[str, Any]:
        """The payload as a JSON object (parsed on demand on the fast path)."""
        return self._raw if self._raw is not None else json.loads(self.raw_json)


_Model = TypeVar("_Model", bound=BaseModel)


def validate_decoded(model: type[_Model], value: object) -> _Model:
    """Validate JSON that was already decoded (and sanitised) as the stream's fast path
    validates text: from JSON, in pydantic's JSON mode.

    Python mode reads some values differently (a number where text is expected: `2.0` is
    "2.0" there, "2" from JSON), so one payload would read differently depending on whether
    the fast path, the careful one, polling or a fetch brought it, and its summary (made at
    ingest) could disagree with its detail (parsed again from the stored JSON text).
    Unsanitised input cannot crash it: a lone surrogate is written as an escape, which
    pydantic refuses (`ValidationError`); nesting too deep raises `RecursionError`.
    """
    return model.model_validate_json(json.dumps(value))


def _reject_constant(name: str) -> float:
    """`json` accepts NaN/Infinity by default; ATP payloads are strict JSON."""
    raise ValueError(f"non-standard JSON constant {name}")


def load_json_object(text: str) -> dict[str, Any]:
    """Parse strict JSON and require an object; raises `MalformedEvent` with the reason."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError as error:  # deeply nested input raises this, not ValueError
        raise MalformedEvent("JSON nested too deeply") from error
    except ValueError as error:
        raise MalformedEvent(f"invalid JSON: {error}") from error
    if not isinstance(value, dict):
        raise MalformedEvent(f"expected a JSON object, got {type(value).__name__}")
    return sanitize_json(value) if needs_sanitizing(text) else value  # type: ignore[return-value]


def unwrap(value: dict[str, Any]) -> dict[str, Any]:
    """Accept the WebSocket framing `{"type": ..., "data": {...}}` as well as the bare object."""
    inner = value.get("data")
    if set(value) == {"type", "data"} and isinstance(inner, dict):
        return inner
    return value


def _needs_slow_path(data: str) -> bool:
    """Whether JSON text needs the strict stdlib parser and sanitising before validation.

    Separate substring scans: a single alternation regex was measured five times as slow.
    `rfind` because CPython's backward search skips ahead more often on text than `in`
    does (a common letter in the needle stops the forward one): 0.8 µs for both on a
    1.5 KB payload, against 1.6. Each behind a test for its capital letter, a `memchr`
    (0.08 µs): text without an "N" holds no "NaN".
    """
    return (
        ("N" in data and data.rfind("NaN") >= 0)
        or ("I" in data and data.rfind("Infinity") >= 0)
        or needs_sanitizing(data)
    )


def _one_line(data: str) -> str:
    """Valid JSON text on one line: a raw LF can only be whitespace between tokens there."""
    # `in` first: most payloads have no LF, and the test is a memchr, the copy is not.
    return data.replace("\n", "") if "\n" in data else data


def decode_plain_notification(data: str) -> tuple[Notification, str] | None:
    """A `notification` event's data, on the hot path: the notification and its JSON text
    on one line, or `None` when it needs `decode_event`'s careful path.

    pydantic parses and validates the text in one native pass. Anything unusual (framing,
    NaN, surrogates, deep nesting, invalid JSON, a schema error) returns `None`, and
    `decode_event` then says what was wrong. Nothing is built but the two results: the
    stream calls this for every notification (`WireEvent` cost ≈ 0.7 µs more).
    """
    if _needs_slow_path(data):
        return None
    try:
        notification: Notification = _validate_notification_json(data)
    except ValidationError:
        return None
    return notification, _one_line(data)


#: `Notification.model_validate_json` without its Python wrapper (its keyword handling is
#: 1 µs of the 19 an event costs), for `decode_plain_notification` only.
_validate_notification_json = Notification.__pydantic_validator__.validate_json


def decode_event(name: str, data: str) -> WireEvent | None:
    """Decode one SSE event; `None` for an event name ATP does not define.

    Raises `MalformedEvent` when the data is not a valid payload for that event.
    """
    if name == "notification":
        plain = decode_plain_notification(data)
        if plain is not None:
            notification, raw_json = plain
            return WireEvent(name="notification", payload=notification, raw_json=raw_json)
    return decode_carefully(name, data)


def decode_carefully(name: str, data: str) -> WireEvent | None:
    """`decode_event` without the hot path, for data `decode_plain_notification` refused (or
    any other event): strict JSON, sanitised, then validated; says what was wrong.

    Raises `MalformedEvent` when the data is not a valid payload for that event.
    """
    model = _MODELS.get(name)
    if model is None:
        return None
    loaded = load_json_object(data)
    raw = unwrap(loaded)
    try:
        payload = validate_decoded(model, raw)
    except ValidationError as error:
        raise MalformedEvent(f"{name} payload invalid {first_problem(error)}") from error
    except RecursionError as error:
        raise MalformedEvent(f"{name} payload nested too deeply") from error
    if raw is loaded and not needs_sanitizing(data):
        raw_json = _one_line(data)
    else:
        raw_json = json.dumps(raw, separators=(",", ":"))
    return WireEvent(name=name, payload=payload, raw_json=raw_json, _raw=raw)  # type: ignore[arg-type]
