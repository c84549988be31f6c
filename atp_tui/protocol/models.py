"""Pydantic models of ATP notifications and the other stream payloads (ATP-PROTOCOL.md §1–2).

Tolerant by design: unknown fields and flags are ignored, odd-but-harmless values get safe
fallbacks (a numeric title becomes text, an unparsable deadline becomes "no deadline"), and an
unknown `response_type` becomes an `UnknownAction` that is shown read-only. What cannot be made
safe (no id, no actions list, NaN numbers) fails validation and the event is reported malformed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

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
    return _SURROGATE_ESCAPE.search(text) is not None or (
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


class WireModel(BaseModel):
    """Base for wire payloads: ignores unknown fields, rejects NaN/Infinity, immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)


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


def _text(value: object, fallback: str = "") -> str:
    """Coerce a scalar to text; anything else becomes `fallback`."""
    if value is None:
        return fallback
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return fallback


class Service(WireModel):
    """The agent ("service") that sent a notification."""

    id: str = ""
    name: str = "(unknown service)"
    icon: str | None = None

    @field_validator("id", "name", mode="before")
    @classmethod
    def _coerce_text(cls, value: object) -> str:
        return _text(value, "(unknown service)")

    @field_validator("icon", mode="before")
    @classmethod
    def _coerce_icon(cls, value: object) -> str | None:
        return _text(value) or None


class Attachment(WireModel):
    """A file attached to a notification: inline base64 `data` or a `uri` (never fetched)."""

    type: str = "application/octet-stream"
    description: str | None = None
    uri: str | None = None
    data: str | None = None

    @field_validator("type", "description", "uri", "data", mode="before")
    @classmethod
    def _coerce_text(cls, value: object) -> str | None:
        return _text(value) or None


class Context(WireModel):
    """What the agent asks: title, description, project, metadata and attachments."""

    title: str = "(untitled)"
    description: str = ""
    project: str | None = None
    metadata: dict[str, Any] | None = None
    attachments: list[Attachment] = Field(default_factory=list)

    @field_validator("title", mode="before")
    @classmethod
    def _coerce_title(cls, value: object) -> str:
        return _text(value) or "(untitled)"

    @field_validator("description", mode="before")
    @classmethod
    def _coerce_description(cls, value: object) -> str:
        return _text(value)

    @field_validator("project", mode="before")
    @classmethod
    def _coerce_project(cls, value: object) -> str | None:
        return _text(value) or None

    @field_validator("metadata", mode="before")
    @classmethod
    def _only_objects(cls, value: object) -> dict[str, Any] | None:
        return value if isinstance(value, dict) else None

    @field_validator("attachments", mode="before")
    @classmethod
    def _only_object_items(cls, value: object) -> list[Any]:
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _normalise_flags(value: object) -> frozenset[str]:
    """Flags may arrive as a list of names or an object of booleans; both become a set."""
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, dict):
        return frozenset(str(name) for name, on in value.items() if on is True)
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


class ActionBase(WireModel):
    """Fields every action has."""

    id: str
    label: str = ""
    flags: frozenset[str] = frozenset()

    @field_validator("id", mode="before")
    @classmethod
    def _id_is_text(cls, value: object) -> str:
        text = _text(value)
        if not text:
            raise ValueError("action id must be a non-empty string")
        return text

    @field_validator("label", mode="before")
    @classmethod
    def _coerce_label(cls, value: object) -> str:
        return _text(value)

    @field_validator("flags", mode="before")
    @classmethod
    def _coerce_flags(cls, value: object) -> frozenset[str]:
        return _normalise_flags(value)

    @property
    def irreversible(self) -> bool:
        """Whether the user must confirm before this action is sent."""
        return "irreversible" in self.flags

    @property
    def display_label(self) -> str:
        """The label, or the id when the agent gave none."""
        return self.label or self.id


class SimpleAction(ActionBase):
    """A button: `response_data` is null."""

    response_type: Literal["simple"] = "simple"


class BinaryOptions(WireModel):
    """The two labels of a binary action."""

    true_label: str = "Yes"
    false_label: str = "No"


class BinaryAction(ActionBase):
    """A yes/no question: `response_data` is a boolean."""

    response_type: Literal["binary"] = "binary"
    options: BinaryOptions = Field(default_factory=BinaryOptions)

    @field_validator("options", mode="before")
    @classmethod
    def _default_options(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class ChoiceOption(WireModel):
    """One option of a choice or multi_choice action."""

    value: str
    label: str = ""

    @property
    def display_label(self) -> str:
        """The label, or the value when the agent gave none."""
        return self.label or self.value


def _coerce_options(value: object) -> list[dict[str, Any]]:
    """Options as `{value, label}` objects; bare strings are accepted as both."""
    if not isinstance(value, list):
        return []
    options: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, str):
            options.append({"value": item, "label": item})
        elif isinstance(item, dict) and isinstance(item.get("value"), str | int | float):
            options.append({"value": str(item["value"]), "label": _text(item.get("label"))})
    return options


class ChoiceAction(ActionBase):
    """Pick one option: `response_data` is the chosen value. `select` is an alias."""

    response_type: Literal["choice"] = "choice"
    options: list[ChoiceOption] = Field(default_factory=list)

    @field_validator("response_type", mode="before")
    @classmethod
    def _select_alias(cls, value: object) -> object:
        return "choice" if value == "select" else value

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: object) -> list[dict[str, Any]]:
        return _coerce_options(value)


class MultiChoiceConstraints(WireModel):
    """Bounds on how many options a multi_choice answer selects."""

    min_selections: int = Field(default=0, ge=0)
    max_selections: int | None = Field(default=None, ge=0)


class MultiChoiceAction(ActionBase):
    """Pick several options: `response_data` is the list of chosen values."""

    response_type: Literal["multi_choice"] = "multi_choice"
    options: list[ChoiceOption] = Field(default_factory=list)
    constraints: MultiChoiceConstraints = Field(default_factory=MultiChoiceConstraints)

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, value: object) -> list[dict[str, Any]]:
        return _coerce_options(value)

    @field_validator("constraints", mode="before")
    @classmethod
    def _default_constraints(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class TextConstraints(WireModel):
    """Hints and bounds for a text answer."""

    placeholder: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    multiline: bool = False


class TextAction(ActionBase):
    """A free-text answer: `response_data` is a string."""

    response_type: Literal["text"] = "text"
    constraints: TextConstraints = Field(default_factory=TextConstraints)

    @field_validator("constraints", mode="before")
    @classmethod
    def _default_constraints(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class NumberConstraints(WireModel):
    """Bounds for a numeric answer."""

    min: float | None = None
    max: float | None = None
    step: float | None = Field(default=None, gt=0)
    integer: bool = False


class NumberAction(ActionBase):
    """A numeric answer: `response_data` is a JSON number."""

    response_type: Literal["number"] = "number"
    constraints: NumberConstraints = Field(default_factory=NumberConstraints)

    @field_validator("constraints", mode="before")
    @classmethod
    def _default_constraints(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class DateConstraints(WireModel):
    """Bounds for a date answer; `include_time` asks for a datetime."""

    min: str | None = None
    max: str | None = None
    include_time: bool = False


class DateAction(ActionBase):
    """A date (or datetime) answer: `response_data` is an ISO 8601 string."""

    response_type: Literal["date"] = "date"
    constraints: DateConstraints = Field(default_factory=DateConstraints)

    @field_validator("constraints", mode="before")
    @classmethod
    def _default_constraints(cls, value: object) -> object:
        return value if isinstance(value, dict) else {}


class UnknownAction(ActionBase):
    """An action of a type atp-tui does not know: shown read-only, never answered."""

    response_type: str = "unknown"
    options: Any = None
    constraints: Any = None


KNOWN_RESPONSE_TYPES: frozenset[str] = frozenset(
    {"simple", "binary", "choice", "multi_choice", "text", "number", "date"}
)


def _action_tag(value: object) -> str:
    """The union member for an action: its `response_type`, with `select` → `choice`."""
    kind = (
        value.get("response_type")
        if isinstance(value, dict)
        else getattr(value, "response_type", None)
    )
    if kind == "select":
        return "choice"
    return kind if isinstance(kind, str) and kind in KNOWN_RESPONSE_TYPES else "unknown"


Action = Annotated[
    Annotated[SimpleAction, Tag("simple")]
    | Annotated[BinaryAction, Tag("binary")]
    | Annotated[ChoiceAction, Tag("choice")]
    | Annotated[MultiChoiceAction, Tag("multi_choice")]
    | Annotated[TextAction, Tag("text")]
    | Annotated[NumberAction, Tag("number")]
    | Annotated[DateAction, Tag("date")]
    | Annotated[UnknownAction, Tag("unknown")],
    Discriminator(_action_tag),
]

ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)


def parse_action(value: object) -> Action:
    """Validate one action; raises `pydantic.ValidationError` when it cannot be used."""
    return ACTION_ADAPTER.validate_python(value)


class Notification(WireModel):
    """A decision request from an agent, as delivered to clients (ATP-PROTOCOL.md §2)."""

    id: str
    version: str = "1.0"
    timestamp: datetime | None = None
    deadline: datetime | None = None
    service: Service = Field(default_factory=Service)
    context: Context = Field(default_factory=Context)
    actions: list[Action] = Field(default_factory=list)
    status: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_is_text(cls, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("notification id must be a non-empty string")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _coerce_version(cls, value: object) -> str:
        return _text(value, "1.0")

    @field_validator("timestamp", "deadline", mode="before")
    @classmethod
    def _lenient_time(cls, value: object) -> datetime | None:
        return parse_timestamp(value)

    @field_validator("service", "context", mode="before")
    @classmethod
    def _objects_only(cls, value: object) -> object:
        return value if isinstance(value, dict | BaseModel) else {}

    @field_validator("actions", mode="wrap")
    @classmethod
    def _usable_actions(cls, value: object, handler: ValidatorFunctionWrapHandler) -> list[Any]:
        """Keep every action that validates; one broken action does not hide the rest.

        The whole list is validated in one native pass first (the common case); only when that
        fails is each action tried on its own.
        """
        if not isinstance(value, list):
            raise ValueError("actions must be a list")
        try:
            return handler(value)
        except ValidationError:
            pass
        usable: list[Any] = []
        for item in value:
            try:
                usable.append(parse_action(item))
            except ValidationError:
                continue
        return usable

    @field_validator("status", mode="before")
    @classmethod
    def _coerce_status(cls, value: object) -> str | None:
        return value if isinstance(value, str) and value else None

    @property
    def title(self) -> str:
        """Shortcut for `context.title`."""
        return self.context.title

    @property
    def priority(self) -> str | None:
        """`metadata.priority` when the agent set one (it is not a wire field)."""
        metadata = self.context.metadata or {}
        value = metadata.get("priority")
        return str(value) if isinstance(value, str | int) else None

    def action(self, action_id: str) -> Action | None:
        """The action with this id, if any."""
        return next((action for action in self.actions if action.id == action_id), None)


class StatusUpdate(WireModel):
    """A lifecycle change of a notification, from the `status_update` event."""

    notification_id: str
    status: str
    reason: str | None = None
    timestamp: datetime | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _coerce_reason(cls, value: object) -> str | None:
        return _text(value) or None

    @field_validator("timestamp", mode="before")
    @classmethod
    def _lenient_time(cls, value: object) -> datetime | None:
        return parse_timestamp(value)


class ServerError(WireModel):
    """An `error` event, or an error body of a REST call."""

    code: str = "UNKNOWN_ERROR"
    message: str = ""
    request_id: str | None = None
    details: Any = None

    @field_validator("code", "message", mode="before")
    @classmethod
    def _coerce_text(cls, value: object) -> str:
        return _text(value)


class Ping(WireModel):
    """A server heartbeat."""

    timestamp: datetime | None = None

    @field_validator("timestamp", mode="before")
    @classmethod
    def _lenient_time(cls, value: object) -> datetime | None:
        return parse_timestamp(value)
