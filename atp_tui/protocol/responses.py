"""Turn a user's input for an action into `response_data`, or a human-readable reason why not.

`response_data_for` is the one entry point the TUI and `atp-tui respond` call: it accepts what a
person typed (strings) as well as already-typed JSON values. `validate_response_data` is the
strict check the reference server applies to what arrives on the wire.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from atp_tui.protocol.models import (
    Action,
    BinaryAction,
    ChoiceAction,
    DateAction,
    MultiChoiceAction,
    NumberAction,
    SimpleAction,
    TextAction,
    parse_timestamp,
)

#: The ATP error codes a validation failure maps to.
INVALID_RESPONSE_DATA = "INVALID_RESPONSE_DATA"
CONSTRAINT_VIOLATION = "CONSTRAINT_VIOLATION"

_TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0"})


class ResponseValidationError(ValueError):
    """The answer does not fit the action; `code` is the ATP error code it maps to."""

    def __init__(self, message: str, code: str = CONSTRAINT_VIOLATION) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _shape_error(message: str) -> ResponseValidationError:
    return ResponseValidationError(message, INVALID_RESPONSE_DATA)


def _parse_binary(action: BinaryAction, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip()
        if word.lower() in _TRUE_WORDS or word == action.options.true_label:
            return True
        if word.lower() in _FALSE_WORDS or word == action.options.false_label:
            return False
    raise _shape_error(
        f"answer {action.options.true_label!r} or {action.options.false_label!r} (true/false)"
    )


def _parse_choice(action: ChoiceAction | MultiChoiceAction, value: object) -> str:
    """One option value; a label is accepted for the value it names."""
    if not isinstance(value, str):
        raise _shape_error("the answer must be one option value (a string)")
    values = [option.value for option in action.options]
    if value in values:
        return value
    for option in action.options:
        if value == option.label:
            return option.value
    choices = ", ".join(values) or "(none offered)"
    raise ResponseValidationError(f"{value!r} is not one of the options: {choices}")


def _parse_multi(action: MultiChoiceAction, value: object) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise _shape_error("the answer must be a list of option values")
    chosen: list[str] = []
    for item in value:
        parsed = _parse_choice(action, item)
        if parsed in chosen:
            raise ResponseValidationError(f"{parsed!r} is selected twice")
        chosen.append(parsed)
    low = action.constraints.min_selections
    high = action.constraints.max_selections
    if len(chosen) < low:
        raise ResponseValidationError(f"select at least {low} (selected {len(chosen)})")
    if high is not None and len(chosen) > high:
        raise ResponseValidationError(f"select at most {high} (selected {len(chosen)})")
    return chosen


def _parse_text(action: TextAction, value: object) -> str:
    if not isinstance(value, str):
        raise _shape_error("the answer must be text")
    limits = action.constraints
    if not limits.multiline and ("\n" in value or "\r" in value):
        raise ResponseValidationError("the answer must be a single line")
    if limits.min_length is not None and len(value) < limits.min_length:
        raise ResponseValidationError(
            f"at least {limits.min_length} characters needed (got {len(value)})"
        )
    if limits.max_length is not None and len(value) > limits.max_length:
        raise ResponseValidationError(
            f"at most {limits.max_length} characters allowed (got {len(value)})"
        )
    return value


def _parse_number(action: NumberAction, value: object) -> int | float:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise _shape_error(f"{text!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _shape_error("the answer must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _shape_error("the answer must be a finite number")
    limits = action.constraints
    if limits.integer:
        if isinstance(value, float) and not value.is_integer():
            raise ResponseValidationError("the answer must be a whole number")
        value = int(value)
    if limits.min is not None and value < limits.min:
        raise ResponseValidationError(f"the answer must be at least {limits.min:g}")
    if limits.max is not None and value > limits.max:
        raise ResponseValidationError(f"the answer must be at most {limits.max:g}")
    if limits.step is not None:
        origin = limits.min if limits.min is not None else 0.0
        try:
            steps = (value - origin) / limits.step
        except OverflowError:  # an int beyond float range (e.g. 400 digits typed)
            raise ResponseValidationError("the answer is too large") from None
        if abs(steps - round(steps)) > 1e-9:
            raise ResponseValidationError(f"the answer must be a multiple of {limits.step:g}")
    return value


def _parse_date(action: DateAction, value: object) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    elif isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise _shape_error("the answer must be an ISO 8601 date")
    text = value.strip()
    include_time = action.constraints.include_time
    if include_time:
        moment = parse_timestamp(text)
        if moment is None:
            raise _shape_error(f"{text!r} is not an ISO 8601 date and time (2026-01-31T14:00Z)")
        lower: date | None = (
            parse_timestamp(action.constraints.min) if action.constraints.min else None
        )
        upper: date | None = (
            parse_timestamp(action.constraints.max) if action.constraints.max else None
        )
        answer: Any = moment
    else:
        try:
            answer = date.fromisoformat(text)
        except ValueError:
            raise _shape_error(f"{text!r} is not an ISO 8601 date (YYYY-MM-DD)") from None
        lower = _date_bound(action.constraints.min)
        upper = _date_bound(action.constraints.max)
    if lower is not None and answer < lower:
        raise ResponseValidationError(f"the date must be on or after {action.constraints.min}")
    if upper is not None and answer > upper:
        raise ResponseValidationError(f"the date must be on or before {action.constraints.max}")
    return str(answer.isoformat())


def _date_bound(text: str | None) -> date | None:
    """A date bound given as a date or a datetime; unparsable bounds are not enforced."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def response_data_for(action: Action, user_input: object) -> Any:
    """The `response_data` to send for `user_input` on `action`.

    Raises `ResponseValidationError` with a message fit to show next to the input.
    """
    if isinstance(action, SimpleAction):
        if user_input not in (None, ""):
            raise _shape_error("this action takes no answer data")
        return None
    if isinstance(action, BinaryAction):
        return _parse_binary(action, user_input)
    if isinstance(action, MultiChoiceAction):
        return _parse_multi(action, user_input)
    if isinstance(action, ChoiceAction):
        return _parse_choice(action, user_input)
    if isinstance(action, TextAction):
        return _parse_text(action, user_input)
    if isinstance(action, NumberAction):
        return _parse_number(action, user_input)
    if isinstance(action, DateAction):
        return _parse_date(action, user_input)
    raise ResponseValidationError(
        f"atp-tui cannot answer actions of type {action.response_type!r}; "
        "answer it where the agent expects it",
        INVALID_RESPONSE_DATA,
    )


def validate_response_data(action: Action, data: Any) -> Any:
    """Strictly check wire `response_data` against `action` (as the server does)."""
    if isinstance(action, BinaryAction) and not isinstance(data, bool):
        raise _shape_error("binary response_data must be true or false")
    if isinstance(action, NumberAction) and isinstance(data, str):
        raise _shape_error("number response_data must be a JSON number")
    if isinstance(action, ChoiceAction | MultiChoiceAction):
        expected = list if isinstance(action, MultiChoiceAction) else str
        if not isinstance(data, expected):
            raise _shape_error(
                f"{action.response_type} response_data must be a {expected.__name__}"
            )
        values = data if isinstance(data, list) else [data]
        known = {option.value for option in action.options}
        unknown = [value for value in values if value not in known]
        if unknown:
            raise ResponseValidationError(f"not an option: {unknown[0]!r}")
    if isinstance(action, SimpleAction) and data is not None:
        raise _shape_error("simple response_data must be null")
    return response_data_for(action, data)
