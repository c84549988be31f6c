"""What an answer says, in the words the agent offered: `Region: eu-west-1`, not `"euw1"`.

`history`, `handover` and `respond` show answers to people. The log keeps `response_data` as
it went on the wire (`true`, an option's value, a list of values), which means little to the
person on call; the action that was answered carries the labels to show instead. No Textual.

The result is untrusted agent and user text: every sink still neutralises it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from atp_tui.protocol.models import (
    Action,
    BinaryAction,
    ChoiceAction,
    ChoiceOption,
    MultiChoiceAction,
    TextAction,
)

#: Free text (a reason typed by a person) is cut to this many characters: it is a reminder
#: of what was said, shown in a one-line row, not the record (`--json` has it in full).
TEXT_LIMIT = 60
#: An answer with many options stops listing them past this length.
VALUE_LIMIT = 120
_SPACES = re.compile(r"\s+")


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    """`text` on one line (runs of white space as one space), cut to `limit` with `…`."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _value_words(value: Any) -> str:
    """A value without labels to name it: text as it is, yes/no, lists joined, no JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return ", ".join(_value_words(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def _option_label(options: list[ChoiceOption], value: Any) -> str:
    """The label of the option whose value this is (the value itself if none matches)."""
    for option in options:
        if option.value == value:
            return option.display_label
    return _value_words(value)


def value_label(action: Action | None, response_data: Any) -> str:
    """The answer's value in the agent's words: an option's label, a binary's yes/no label,
    the typed text (shortened), a number or date as written; `""` for none."""
    if response_data is None:
        return ""
    if isinstance(action, BinaryAction) and isinstance(response_data, bool):
        options = action.options
        return options.true_label if response_data else options.false_label
    if isinstance(action, MultiChoiceAction) and isinstance(response_data, list):
        chosen = ", ".join(_option_label(action.options, value) for value in response_data)
        return shorten(chosen, VALUE_LIMIT)
    if isinstance(action, ChoiceAction):
        return shorten(_option_label(action.options, response_data), VALUE_LIMIT)
    if isinstance(action, TextAction) or isinstance(response_data, str):
        return shorten(_value_words(response_data))
    return shorten(_value_words(response_data), VALUE_LIMIT)


def answer_label(action: Action | None, response_data: Any, action_id: str = "") -> str:
    """What was answered, e.g. `Pause and resume tonight`, `Region: eu-west-1`,
    `Why not: capacity is low tonight`, `Deploy now? Yes`.

    `action` is the action that was answered, `None` when the notification is no longer known
    here: then `action_id` names the action and the value is shown as plainly as it can be.
    """
    name = action_name(action, action_id)
    return join_label(name, value_label(action, response_data))


def action_name(action: Action | None, action_id: str = "") -> str:
    """The action's label (its id when it has none, or when it is not known here)."""
    return shorten(action.display_label if action is not None else action_id, VALUE_LIMIT)


def label_joiner(name: str) -> str:
    """What goes between an action's label and the value: a label that is a question or ends
    in a colon reads on with a space (`Deploy now? Yes`), any other takes a colon."""
    return " " if name.endswith(("?", ":", "!")) else ": "


def join_label(name: str, value: str) -> str:
    """`name` and `value` as one answer (`Region: eu-west-1`); either alone if the other is
    empty."""
    if not value or not name:
        return value or name
    return f"{name}{label_joiner(name)}{value}"
