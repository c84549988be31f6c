"""The ATP wire format: notification models, response types, lifecycle rules (no Textual)."""

from atp_tui.protocol.lifecycle import (
    ACTIONABLE_STATES,
    TERMINAL_STATES,
    can_transition,
    is_actionable,
    merge_status,
)
from atp_tui.protocol.models import (
    Action,
    Attachment,
    BinaryAction,
    ChoiceAction,
    Context,
    DateAction,
    MultiChoiceAction,
    Notification,
    NumberAction,
    Ping,
    ServerError,
    Service,
    SimpleAction,
    StatusUpdate,
    TextAction,
    UnknownAction,
)
from atp_tui.protocol.responses import (
    ResponseValidationError,
    response_data_for,
    validate_response_data,
)
from atp_tui.protocol.wire import MalformedEvent, WireEvent, decode_event

__all__ = [
    "ACTIONABLE_STATES",
    "TERMINAL_STATES",
    "Action",
    "Attachment",
    "BinaryAction",
    "ChoiceAction",
    "Context",
    "DateAction",
    "MalformedEvent",
    "MultiChoiceAction",
    "Notification",
    "NumberAction",
    "Ping",
    "ResponseValidationError",
    "ServerError",
    "Service",
    "SimpleAction",
    "StatusUpdate",
    "TextAction",
    "UnknownAction",
    "WireEvent",
    "can_transition",
    "decode_event",
    "is_actionable",
    "merge_status",
    "response_data_for",
    "validate_response_data",
]
