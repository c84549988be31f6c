"""Checks on what services submit: the notification body and each of its actions.

Shape problems are 400s (`MISSING_REQUIRED_FIELD`, `INVALID_RESPONSE_TYPE`, `MALFORMED_ACTION`,
`INVALID_REQUEST`); constraints that cannot be satisfied or make no sense are 422
`CONSTRAINT_VIOLATION`. Actions are parsed with the same models the client uses, so whatever the
server accepts the client can show.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from atp_tui.protocol.models import (
    KNOWN_RESPONSE_TYPES,
    Action,
    BinaryAction,
    ChoiceAction,
    DateAction,
    MultiChoiceAction,
    NumberAction,
    TextAction,
    parse_action,
    parse_timestamp,
)
from atp_tui.server.errors import ServerValidationError

#: Response types a service may use: the seven, plus `select` (an alias of `choice`).
ACCEPTED_RESPONSE_TYPES: frozenset[str] = KNOWN_RESPONSE_TYPES | {"select"}


def _missing(message: str) -> ServerValidationError:
    return ServerValidationError("MISSING_REQUIRED_FIELD", message, 400)


def _invalid(message: str) -> ServerValidationError:
    return ServerValidationError("INVALID_REQUEST", message, 400)


def _malformed(message: str) -> ServerValidationError:
    return ServerValidationError("MALFORMED_ACTION", message, 400)


def _constraint(message: str) -> ServerValidationError:
    return ServerValidationError("CONSTRAINT_VIOLATION", message, 422)


def validate_submission(body: object) -> list[Action]:
    """Check a submitted notification body; returns its parsed actions or raises."""
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    if "id" in body and (not isinstance(body["id"], str) or not body["id"].strip()):
        raise _invalid("id, when given, must be a non-empty string")
    _check_context(body.get("context"))
    deadline = body.get("deadline")
    if deadline is not None and parse_timestamp(deadline) is None:
        raise _invalid("deadline must be an ISO 8601 date-time")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        raise _missing("actions is required (a non-empty list)")
    parsed = [_check_action(index, raw) for index, raw in enumerate(actions)]
    ids = [action.id for action in parsed]
    duplicates = sorted({action_id for action_id in ids if ids.count(action_id) > 1})
    if duplicates:
        raise _malformed(f"action ids must be unique; repeated: {', '.join(duplicates)}")
    return parsed


def _check_context(context: object) -> None:
    if not isinstance(context, dict):
        raise _missing("context is required (an object with a title)")
    title = context.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _missing("context.title is required")
    for key in ("description", "project"):
        if context.get(key) is not None and not isinstance(context[key], str):
            raise _invalid(f"context.{key} must be a string")
    metadata = context.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise _invalid("context.metadata must be an object")
    attachments = context.get("attachments")
    if attachments is None:
        return
    if not isinstance(attachments, list):
        raise _invalid("context.attachments must be a list")
    for index, attachment in enumerate(attachments):
        _check_attachment(index, attachment)


def _check_attachment(index: int, attachment: object) -> None:
    where = f"context.attachments[{index}]"
    if not isinstance(attachment, dict) or not isinstance(attachment.get("type"), str):
        raise _invalid(f"{where} must be an object with a MIME type")
    uri, data = attachment.get("uri"), attachment.get("data")
    if not isinstance(uri, str) and not isinstance(data, str):
        raise _invalid(f"{where} needs a uri or base64 data")
    if isinstance(data, str):
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(f"{where}.data is not valid base64") from None


def _check_action(index: int, raw: object) -> Action:
    where = f"actions[{index}]"
    if not isinstance(raw, dict):
        raise _malformed(f"{where} must be an object")
    kind = raw.get("response_type")
    if kind is None:
        raise _missing(f"{where}.response_type is required")
    if kind not in ACCEPTED_RESPONSE_TYPES:
        known = ", ".join(sorted(KNOWN_RESPONSE_TYPES))
        raise ServerValidationError(
            "INVALID_RESPONSE_TYPE", f"{where}.response_type {kind!r} is not one of: {known}", 400
        )
    if "constraints" in raw and raw["constraints"] is not None:
        if not isinstance(raw["constraints"], dict):
            raise _constraint(f"{where}.constraints must be an object")
    try:
        action = parse_action(raw)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(part) for part in first["loc"]]
        detail = f"{where}.{'.'.join(loc[1:]) or 'id'}: {first['msg']}"
        if "constraints" in loc:
            raise _constraint(detail) from None
        raise _malformed(detail) from None
    _check_options(where, action, raw)
    _check_constraints(where, action)
    return action


def _check_options(where: str, action: Action, raw: dict[str, Any]) -> None:
    if isinstance(action, BinaryAction):
        options = raw.get("options")
        labels = (
            [options.get(key) for key in ("true_label", "false_label")]
            if isinstance(options, dict)
            else []
        )
        if len(labels) != 2 or not all(isinstance(label, str) and label for label in labels):
            raise _malformed(f"{where}: a binary action needs options.true_label and false_label")
    elif isinstance(action, ChoiceAction | MultiChoiceAction):
        options = raw.get("options")
        if not isinstance(options, list) or not options:
            raise _malformed(f"{where}: a {action.response_type} action needs a list of options")
        if len(action.options) != len(options):
            raise _malformed(f"{where}: every option must be a string or a {{value, label}} object")
        values = [option.value for option in action.options]
        if len(set(values)) != len(values):
            raise _malformed(f"{where}: option values must be unique")


def _check_constraints(where: str, action: Action) -> None:
    if isinstance(action, MultiChoiceAction):
        fewest, most = action.constraints.min_selections, action.constraints.max_selections
        if most is not None and most < 1:
            raise _constraint(f"{where}: max_selections must be at least 1")
        if most is not None and fewest > most:
            raise _constraint(f"{where}: min_selections ({fewest}) exceeds max_selections ({most})")
        if fewest > len(action.options):
            raise _constraint(f"{where}: min_selections ({fewest}) exceeds the number of options")
    elif isinstance(action, TextAction):
        shortest, longest = action.constraints.min_length, action.constraints.max_length
        if shortest is not None and longest is not None and shortest > longest:
            raise _constraint(f"{where}: min_length ({shortest}) exceeds max_length ({longest})")
    elif isinstance(action, NumberAction):
        least, greatest = action.constraints.min, action.constraints.max
        if least is not None and greatest is not None and least > greatest:
            raise _constraint(f"{where}: min ({least:g}) exceeds max ({greatest:g})")
    elif isinstance(action, DateAction):
        earliest, latest = (
            _date_bound(where, name, value, action.constraints.include_time)
            for name, value in (("min", action.constraints.min), ("max", action.constraints.max))
        )
        if earliest is not None and latest is not None and earliest > latest:
            raise _constraint(f"{where}: the date min exceeds the date max")


def _date_bound(
    where: str, name: str, value: str | None, include_time: bool
) -> date | datetime | None:
    if value is None:
        return None
    if include_time:
        moment = parse_timestamp(value)
        if moment is None:
            raise _constraint(f"{where}: constraints.{name} is not an ISO 8601 date-time")
        return moment
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise _constraint(f"{where}: constraints.{name} is not an ISO 8601 date") from None
