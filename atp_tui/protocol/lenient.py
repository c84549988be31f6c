"""Tolerant validation building blocks for the wire models (see `atp_tui.protocol.models`).

JSON sanitising for what pydantic cannot store (lone surrogates, deep nesting), lenient
timestamp parsing, and schema helpers that express leniency in pydantic-core itself (a field
that fails falls back to its default, a list item that fails is dropped, a native check before
a Python fallback), so the hot path runs no Python validators for well-formed input.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import core_schema

#: JSON nested deeper than this (inside free-form fields such as `metadata`) is cut off and
#: replaced by null. Python's `json` accepts ~1000 levels, but pydantic's JSON writer refuses
#: more than ~255 and its reader more than ~200, so deeper values could not be stored.
MAX_JSON_DEPTH = 64

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: A `\uD800`–`\uDFFF` escape in JSON text, the only way a lone surrogate gets in.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def needs_sanitizing(text: str) -> bool:
    """Cheap pre-check on JSON text: could `sanitize_json` change what it decodes to?

    Both scans run in C; the walk they guard would cost more than validating the payload.
    """
    # A surrogate escape needs a backslash: its absence is one memchr, the regex is a scan.
    return ("\\" in text and _SURROGATE_ESCAPE.search(text) is not None) or (
        text.count("[") + text.count("{") > MAX_JSON_DEPTH
    )


def sanitize_json(value: object, depth: int = 0) -> object:
    """A copy of decoded JSON that can always be re-encoded and stored.

    Lone UTF-16 surrogates (legal `\\ud800` escapes in JSON, but not encodable as UTF-8)
    become U+FFFD, and containers nested deeper than `MAX_JSON_DEPTH` become `None`. Applied
    where JSON enters (event decoding, polling), not in the models: a per-model walk would
    repeat for every nesting level.
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        if depth >= MAX_JSON_DEPTH:
            return None
        return {
            sanitize_json(key, depth): sanitize_json(item, depth + 1) for key, item in value.items()
        }
    if isinstance(value, list):
        if depth >= MAX_JSON_DEPTH:
            return None
        return [sanitize_json(item, depth + 1) for item in value]
    return value


def parse_timestamp(value: object) -> datetime | None:
    """Parse an ISO 8601 timestamp leniently; `None` when it is not one.

    Accepts `Z`, offsets and fractional seconds; a naive value is taken as UTC so that
    comparisons with the client clock never raise.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def coerce_text(value: object, fallback: str = "") -> str:
    """Coerce a scalar to text; anything else becomes `fallback`."""
    if value is None:
        return fallback
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return fallback


# -- native leniency -------------------------------------------------------------------------
# The notification models run on the stream's hot path, so their tolerance is expressed in
# pydantic-core's own schema instead of Python validators: a field that fails falls back to its
# default (`Fallback`), a list item that fails is dropped (`DropInvalid`), and numbers are read
# as text where a string is expected (`Text`). Python runs only where no native form exists.


class Fallback:
    """On a validation error, use `default` (or `factory()`) instead of failing the model."""

    def __init__(self, default: object = None, *, factory: Any = None) -> None:
        self._default = default
        self._factory = factory

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        if self._factory is not None:
            return core_schema.with_default_schema(
                schema, default_factory=self._factory, on_error="default"
            )
        return core_schema.with_default_schema(schema, default=self._default, on_error="default")


class DropInvalid:
    """In a list: an item that fails validation is left out instead of failing the list."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_default_schema(handler(source), on_error="omit")


class _Text:
    """A string field that also accepts JSON numbers (a numeric title is shown as text)."""

    def __init__(self, min_length: int | None = None) -> None:
        self._min_length = min_length

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.str_schema(coerce_numbers_to_str=True, min_length=self._min_length)


Text = Annotated[str, _Text()]
NonEmptyText = Annotated[str, _Text(min_length=1)]


class ObjectOrEmpty:
    """A model field (constraints, options) where anything that is not an object means "none
    given": the model's defaults. An object the model refuses still fails the field.

    The object is validated natively; Python runs only for input that is not one (a
    `BeforeValidator` ran for every action on the stream's hot path).
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def none_given(value: object) -> object:
            if isinstance(value, dict | BaseModel):
                raise ValueError(f"not a valid {source.__name__}")
            return source()

        fallback = core_schema.no_info_plain_validator_function(none_given)
        return core_schema.union_schema([handler(source), fallback], mode="left_to_right")


class NativeFirst:
    """Validate natively with `native`; only input it refuses goes through Python `fallback`.

    The common shape of a field (a list of flag names, an RFC 3339 timestamp with an offset)
    then costs no Python call on the hot path; odd shapes keep their lenient handling.
    """

    def __init__(self, native: core_schema.CoreSchema | None, fallback: Any) -> None:
        #: `None`: the annotated type's own schema (a model's, say).
        self._native = native
        self._fallback = fallback

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        native = handler(source) if self._native is None else self._native
        fallback = core_schema.no_info_plain_validator_function(self._fallback)
        return core_schema.union_schema([native, fallback], mode="left_to_right")
