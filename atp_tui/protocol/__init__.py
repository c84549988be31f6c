"""The ATP wire format: notification models, response types, lifecycle rules (no Textual).

The lifecycle rules are imported at once; the models (pydantic, ~30 ms to build) and what
depends on them are imported on first use, so that the TUI's first frame does not wait for
them when there is nothing cached to show.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from atp_tui.protocol.lifecycle import (
    ACTIONABLE_STATES,
    TERMINAL_STATES,
    can_transition,
    is_actionable,
    merge_status,
)

if TYPE_CHECKING:
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

#: Lazily imported name -> the module that defines it.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "Action",
            "Attachment",
            "BinaryAction",
            "ChoiceAction",
            "Context",
            "DateAction",
            "MultiChoiceAction",
            "Notification",
            "NumberAction",
            "Ping",
            "ServerError",
            "Service",
            "SimpleAction",
            "StatusUpdate",
            "TextAction",
            "UnknownAction",
        ),
        "atp_tui.protocol.models",
    ),
    **dict.fromkeys(
        ("ResponseValidationError", "response_data_for", "validate_response_data"),
        "atp_tui.protocol.responses",
    ),
    **dict.fromkeys(("MalformedEvent", "WireEvent", "decode_event"), "atp_tui.protocol.wire"),
}


def __getattr__(name: str) -> Any:
    """Import a model (or what depends on the models) on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
