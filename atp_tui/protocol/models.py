"""Pydantic models of ATP notifications and the other stream payloads (ATP-PROTOCOL.md §1–2).

Tolerant by design: unknown fields and flags are ignored, odd-but-harmless values get safe
fallbacks (a numeric title becomes text, an unparsable deadline becomes "no deadline"), and an
unknown `response_type` becomes an `UnknownAction` that is shown read-only. What cannot be made
safe (no id, no actions list, NaN numbers) fails validation and the event is reported malformed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    TypeAdapter,
    field_validator,
)
from pydantic_core import core_schema

from atp_tui.protocol.lenient import MAX_JSON_DEPTH as MAX_JSON_DEPTH
from atp_tui.protocol.lenient import (
    DropInvalid,
    Fallback,
    NativeFirst,
    NonEmptyText,
    ObjectOrEmpty,
    Text,
    coerce_text,
)
from atp_tui.protocol.lenient import needs_sanitizing as needs_sanitizing
from atp_tui.protocol.lenient import parse_timestamp as parse_timestamp
from atp_tui.protocol.lenient import sanitize_json as sanitize_json


class WireModel(BaseModel):
    """Base for wire payloads: ignores unknown fields, rejects NaN/Infinity, immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)


class Service(WireModel):
    """The agent ("service") that sent a notification."""

    id: Annotated[Text, Fallback("")] = ""
    name: Annotated[Text, Fallback("(unknown service)")] = "(unknown service)"
    icon: Annotated[NonEmptyText | None, Fallback(None)] = None


class Attachment(WireModel):
    """A file attached to a notification: inline base64 `data` or a `uri` (never fetched)."""

    type: Annotated[NonEmptyText, Fallback("application/octet-stream")] = "application/octet-stream"
    description: Annotated[NonEmptyText | None, Fallback(None)] = None
    uri: Annotated[NonEmptyText | None, Fallback(None)] = None
    data: Annotated[NonEmptyText | None, Fallback(None)] = None


class Context(WireModel):
    """What the agent asks: title, description, project, metadata and attachments."""

    title: Annotated[NonEmptyText, Fallback("(untitled)")] = "(untitled)"
    description: Annotated[Text, Fallback("")] = ""
    project: Annotated[NonEmptyText | None, Fallback(None)] = None
    metadata: Annotated[dict[str, Any] | None, Fallback(None)] = None
    attachments: Annotated[list[Annotated[Attachment, DropInvalid()]], Fallback(factory=list)] = (
        Field(default_factory=list)
    )


def _normalise_flags(value: object) -> frozenset[str]:
    """Flags may arrive as a list of names or an object of booleans; both become a set."""
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, dict):
        return frozenset(str(name) for name, on in value.items() if on is True)
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


Flags = Annotated[
    frozenset[str],
    NativeFirst(
        core_schema.frozenset_schema(core_schema.str_schema(strict=True)), _normalise_flags
    ),
]


class ActionBase(WireModel):
    """Fields every action has."""

    id: NonEmptyText
    label: Annotated[Text, Fallback("")] = ""
    flags: Flags = frozenset()

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

    true_label: Annotated[NonEmptyText, Fallback("Yes")] = "Yes"
    false_label: Annotated[NonEmptyText, Fallback("No")] = "No"


class BinaryAction(ActionBase):
    """A yes/no question: `response_data` is a boolean."""

    response_type: Literal["binary"] = "binary"
    options: Annotated[BinaryOptions, Fallback(factory=BinaryOptions)] = Field(
        default_factory=BinaryOptions
    )


class ChoiceOption(WireModel):
    """One option of a choice or multi_choice action."""

    value: Text
    label: Annotated[Text, Fallback("")] = ""

    @property
    def display_label(self) -> str:
        """The label, or the value when the agent gave none."""
        return self.label or self.value


def _option_from_text(value: object) -> ChoiceOption:
    """A bare string option is both its value and its label."""
    if not isinstance(value, str):
        raise ValueError("an option is an object or a string")
    return ChoiceOption(value=value, label=value)


#: Options as `{value, label}` objects or bare strings (only those reach Python); unusable
#: entries are dropped.
Options = Annotated[
    list[
        Annotated[
            ChoiceOption,
            NativeFirst(None, _option_from_text),
            DropInvalid(),
        ]
    ],
    Fallback(factory=list),
]


class ChoiceAction(ActionBase):
    """Pick one option: `response_data` is the chosen value. `select` is an alias."""

    #: `select` becomes `choice` (the tag already chose this model); only it reaches Python.
    response_type: Annotated[
        Literal["choice"], NativeFirst(core_schema.literal_schema(["choice"]), lambda v: "choice")
    ] = "choice"
    options: Options = Field(default_factory=list)


class MultiChoiceConstraints(WireModel):
    """Bounds on how many options a multi_choice answer selects."""

    min_selections: int = Field(default=0, ge=0)
    max_selections: int | None = Field(default=None, ge=0)


class MultiChoiceAction(ActionBase):
    """Pick several options: `response_data` is the list of chosen values."""

    response_type: Literal["multi_choice"] = "multi_choice"
    options: Options = Field(default_factory=list)
    constraints: Annotated[MultiChoiceConstraints, ObjectOrEmpty()] = Field(
        default_factory=MultiChoiceConstraints
    )


class TextConstraints(WireModel):
    """Hints and bounds for a text answer."""

    placeholder: str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    multiline: bool = False


class TextAction(ActionBase):
    """A free-text answer: `response_data` is a string."""

    response_type: Literal["text"] = "text"
    constraints: Annotated[TextConstraints, ObjectOrEmpty()] = Field(
        default_factory=TextConstraints
    )


class NumberConstraints(WireModel):
    """Bounds for a numeric answer."""

    min: float | None = None
    max: float | None = None
    step: float | None = Field(default=None, gt=0)
    integer: bool = False


class NumberAction(ActionBase):
    """A numeric answer: `response_data` is a JSON number."""

    response_type: Literal["number"] = "number"
    constraints: Annotated[NumberConstraints, ObjectOrEmpty()] = Field(
        default_factory=NumberConstraints
    )


class DateConstraints(WireModel):
    """Bounds for a date answer; `include_time` asks for a datetime."""

    min: str | None = None
    max: str | None = None
    include_time: bool = False


class DateAction(ActionBase):
    """A date (or datetime) answer: `response_data` is an ISO 8601 string."""

    response_type: Literal["date"] = "date"
    constraints: Annotated[DateConstraints, ObjectOrEmpty()] = Field(
        default_factory=DateConstraints
    )


KNOWN_RESPONSE_TYPES: frozenset[str] = frozenset(
    {"simple", "binary", "choice", "multi_choice", "text", "number", "date"}
)
#: Tags that select a known model (`select` is an alias of `choice`).
_KNOWN_TAGS = KNOWN_RESPONSE_TYPES | {"select"}


def _not_a_known_type(value: str) -> str:
    """An action of a known type that failed its own model is dropped, not shown as unknown."""
    if value in _KNOWN_TAGS:
        raise ValueError(f"not a valid {value} action")
    return value


class UnknownAction(ActionBase):
    """An action of a type atp-tui does not know: shown read-only, never answered."""

    response_type: Annotated[str, AfterValidator(_not_a_known_type)] = "unknown"
    options: Any = None
    constraints: Any = None


class _ActionUnion:
    """The action union as a native tagged union on `response_type`, unknown types last.

    A string discriminator lets pydantic-core pick the model straight from the JSON text; a
    callable discriminator would turn every action into Python objects first (it cost a
    third of a notification's validation). Anything the tagged union refuses (no or an
    unknown `response_type`) is tried as `UnknownAction`, which refuses known types.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        models: dict[str, type[ActionBase]] = {
            "simple": SimpleAction,
            "binary": BinaryAction,
            "choice": ChoiceAction,
            "select": ChoiceAction,
            "multi_choice": MultiChoiceAction,
            "text": TextAction,
            "number": NumberAction,
            "date": DateAction,
        }
        choices = {tag: handler.generate_schema(model) for tag, model in models.items()}
        known = core_schema.tagged_union_schema(choices, discriminator="response_type")
        unknown = handler.generate_schema(UnknownAction)
        return core_schema.union_schema([known, unknown], mode="left_to_right")


Action = Annotated[
    SimpleAction
    | BinaryAction
    | ChoiceAction
    | MultiChoiceAction
    | TextAction
    | NumberAction
    | DateAction
    | UnknownAction,
    _ActionUnion(),
]

ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)


def parse_action(value: object) -> Action:
    """Validate one action; raises `pydantic.ValidationError` when it cannot be used."""
    return ACTION_ADAPTER.validate_python(value)


#: Strict mode: an aware RFC 3339 string from JSON; everything else (naive, date-only,
#: padded, Python objects) goes through `parse_timestamp`.
Timestamp = Annotated[
    datetime | None,
    NativeFirst(
        core_schema.datetime_schema(strict=True, tz_constraint="aware"),
        lambda value: parse_timestamp(value),
    ),
]


class Notification(WireModel):
    """A decision request from an agent, as delivered to clients (ATP-PROTOCOL.md §2)."""

    id: Annotated[str, StringConstraints(pattern=r"\S")]
    version: Annotated[Text, Fallback("1.0")] = "1.0"
    timestamp: Timestamp = None
    deadline: Timestamp = None
    service: Annotated[Service, Fallback(factory=Service)] = Field(default_factory=Service)
    context: Annotated[Context, Fallback(factory=Context)] = Field(default_factory=Context)
    #: One unusable action is dropped; the others stay. Not a list at all → invalid.
    actions: list[Annotated[Action, DropInvalid()]] = Field(default_factory=list)
    status: Annotated[NonEmptyText | None, Fallback(None)] = None

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


#: One set object per distinct "fields set" (see `share_field_sets`).
_SHARED_FIELD_SETS: dict[frozenset[str], set[str]] = {}


def _share(model: BaseModel) -> None:
    fields = model.__pydantic_fields_set__
    shared = _SHARED_FIELD_SETS.setdefault(frozenset(fields), fields)
    if shared is not fields:
        object.__setattr__(model, "__pydantic_fields_set__", shared)


def share_field_sets(notification: Notification) -> Notification:
    """Let the notification's models share their `__pydantic_fields_set__` with equal ones.

    Each pydantic instance carries its own set of the field names it was given: about 2.4 KB
    of a 7 KB notification, the same few sets over and over. An inbox of 50,000 keeps them
    all, so long-lived notifications share one set per distinct value (returns the
    notification). Safe because wire models are frozen (nothing adds to the set in place)
    and `model_copy` copies the set before changing it.
    """
    _share(notification)
    _share(notification.service)
    context = notification.context
    _share(context)
    for attachment in context.attachments:
        _share(attachment)
    for action in notification.actions:
        _share(action)
        fields = action.__dict__  # not getattr: a missing attribute costs pydantic ~3 µs
        options = fields.get("options")
        if isinstance(options, list):
            for option in options:
                if isinstance(option, BaseModel):
                    _share(option)
        elif isinstance(options, BaseModel):
            _share(options)
        constraints = fields.get("constraints")
        if isinstance(constraints, BaseModel):
            _share(constraints)
    return notification


class StatusUpdate(WireModel):
    """A lifecycle change of a notification, from the `status_update` event."""

    notification_id: str
    status: str
    reason: str | None = None
    timestamp: datetime | None = None

    @field_validator("reason", mode="before")
    @classmethod
    def _coerce_reason(cls, value: object) -> str | None:
        return coerce_text(value) or None

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
        return coerce_text(value)


class Ping(WireModel):
    """A server heartbeat."""

    timestamp: datetime | None = None

    @field_validator("timestamp", mode="before")
    @classmethod
    def _lenient_time(cls, value: object) -> datetime | None:
        return parse_timestamp(value)
