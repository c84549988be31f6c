"""Short, readable test ids for parametrised cases whose values are long.

Pytest spells a string or bytes parameter out in full in the node id: a 700 KB prefix made a
700 KB test id, in every report line, `-k` match and xdist message. `short_id` keeps short
values as pytest would show them and abbreviates long ones as their start and their length.
"""

from __future__ import annotations

#: Values up to this many characters keep pytest's own id.
LIMIT = 40


def short_id(value: object) -> str | None:
    """A test id for `value`: `None` (pytest's default) when short, else start + length."""
    if isinstance(value, bytes):
        text = value.decode("latin-1")
    elif isinstance(value, str):
        text = value
    else:
        return None
    if len(text) <= LIMIT:
        return None
    start = text[:16].encode("unicode_escape").decode("ascii")
    return f"{start}...{len(text)}chars"
