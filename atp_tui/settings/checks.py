"""How each setting's value is checked and normalised (stdlib only).

One function per kind of value; each returns the normalised value or raises `ValueError` with
a message that says what is allowed ("must be ..."); `atp_tui.settings.validate_setting` adds
the offending value. Values come from TOML, environment variables (always text) and flags, so
the checks accept what a person would write: `"30"` for a number, `"yes"` for a boolean, a
comma-separated string for a list.

Why not pydantic here: importing it (and building a model) costs ~150 ms before the TUI's first
frame, and the settings are needed before it; the notification models, which need pydantic's
speed, are imported later.
"""

from __future__ import annotations

import math
import shlex
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: A check: the normalised value, or `ValueError("must be ...")`.
Check = Callable[[Any], Any]

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


class Secret:
    """A secret string: `str()` and `repr()` show stars, `get_secret_value()` the text."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def blank_to_none(value: Any) -> Any:
    """Treat "" (and whitespace) as "not set", like an empty environment variable."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def optional(check: Check) -> Check:
    """`check`, letting None (and blank text) through as None."""

    def checked(value: Any) -> Any:
        value = blank_to_none(value)
        return None if value is None else check(value)

    return checked


def text(value: Any) -> str:
    """A string, stripped."""
    if not isinstance(value, str):
        raise ValueError("must be a valid string")
    return value.strip()


def non_empty_text(value: Any) -> str:
    """A string with something in it, stripped."""
    checked = text(value)
    if not checked:
        raise ValueError("must not be empty")
    return checked


def boolean(value: Any) -> bool:
    """True/false, also written as 1/0, yes/no, on/off, true/false (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError("must be a valid boolean, unable to interpret input")


def number(*, greater_than: float | None = None, at_least: float | None = None) -> Check:
    """A finite number (int, float or numeric text) within the bounds, as a float."""

    def checked(value: Any) -> float:
        if isinstance(value, bool):  # `true` is not 1.0
            raise ValueError("must be a number")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError("must be a number") from None
        if not isinstance(value, int | float):
            raise ValueError("must be a number")
        result = float(value)
        if not math.isfinite(result):
            raise ValueError("must be a finite number")
        if greater_than is not None and not result > greater_than:
            raise ValueError(f"must be greater than {greater_than:g}")
        if at_least is not None and not result >= at_least:
            raise ValueError(f"must be greater than or equal to {at_least:g}")
        return result

    return checked


def one_of(*choices: str) -> Check:
    """One of `choices` (exactly)."""

    def checked(value: Any) -> str:
        if isinstance(value, str) and value.strip() in choices:
            return value.strip()
        raise ValueError(f"must be one of {', '.join(choices)}")

    return checked


def text_list(value: Any) -> list[str]:
    """A list of strings (a tuple is taken as a list)."""
    if not isinstance(value, list | tuple):
        raise ValueError("must be a valid list")
    if not all(isinstance(item, str) for item in value):
        raise ValueError("each item must be a valid string")
    return list(value)


def path(value: Any) -> Path:
    """A path, `~` expanded."""
    if isinstance(value, str):
        value = Path(value.strip())
    if not isinstance(value, Path):
        raise ValueError("must be a path (a string)")
    return value.expanduser()


def url_problem(url: str) -> str | None:
    """What makes `url` unusable as a server URL whatever its scheme, or `None`: a user name
    or password in it, spaces or control characters, an impossible port. The text never
    quotes what is before an `@` (a password)."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        # httpx would send it as Basic auth instead of the token, and every connection
        # message would print it.
        host = parts.netloc.rpartition("@")[2]
        return (
            f"must not hold a user name or password (got '{parts.scheme}://…@{host}'): give "
            f"{parts.scheme}://{host} and the token in ATP_TOKEN or token_command"
        )
    if any(character.isspace() or not character.isprintable() for character in url):
        return "contains spaces or control characters; give a URL like https://atp.example.com"
    try:
        port = parts.port
    except ValueError:  # not a number, or beyond 65535
        port = 0
    if port == 0:
        shown = parts.netloc.rpartition(":")[2]
        return f"has an impossible port ({shown!r}); ports go from 1 to 65535"
    return None


def server_url(value: Any) -> str:
    """An http:// or https:// URL with a host (and nothing `url_problem` refuses)."""
    url = text(value)
    problem = url_problem(url)
    if problem is not None:
        raise ValueError(problem)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        bare = value.strip()
        if bare and "://" not in bare and not bare.startswith("/"):
            # `127.0.0.1:8787`, `atp.example.com`: say which URL was probably meant rather
            # than guess a scheme (plain http would send the token in clear).
            raise ValueError(
                f"has no scheme (got {bare!r}): write https://{bare}, or http://{bare} for "
                "a server on this machine"
            )
        raise ValueError("must be an http:// or https:// URL, e.g. https://atp.example.com")
    return url


def token(value: Any) -> Secret:
    """The user token: no spaces or control characters (they would break the header)."""
    if isinstance(value, Secret):
        value = value.get_secret_value()
    value = text(value)
    if any(char.isspace() or not char.isprintable() for char in value):
        raise ValueError("must not contain spaces or control characters")
    return Secret(value)


def command(value: Any) -> list[str] | None:
    """An argv list; a string is split like a shell would (never run through one)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = shlex.split(value)
        except ValueError as error:
            raise ValueError(f"cannot split the command: {error}") from None
    argv = text_list(value)
    if not argv or not argv[0].strip():
        raise ValueError('must name a command, e.g. ["pass", "show", "atp/token"]')
    return argv


def event_types(known: tuple[str, ...]) -> Check:
    """A list (or comma-separated string) of `known` event types, without repeats."""

    def checked(value: Any) -> list[str]:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        items = text_list(value)
        unknown = [item for item in items if item not in known]
        if unknown:
            raise ValueError(f"must be a list of {', '.join(known)} (got {unknown[0]!r})")
        return list(dict.fromkeys(items))

    return checked


def keymap(value: Any) -> dict[str, str]:
    """Binding id -> keys separated by commas, each key without spaces; ids and keys stripped."""
    if not isinstance(value, Mapping):
        raise ValueError("must be a table of binding id = keys")
    normalised: dict[str, str] = {}
    for binding_id, keys in value.items():
        if not isinstance(binding_id, str) or not binding_id.strip():
            raise ValueError("binding ids must not be empty")
        if not isinstance(keys, str):
            raise ValueError(f'{binding_id}: must be keys in a string, e.g. "ctrl+r,f5"')
        parts = [part.strip() for part in keys.split(",")]
        if not all(parts) or any(" " in part for part in parts):
            raise ValueError(
                f'{binding_id}: must be keys separated by commas, e.g. "ctrl+r,f5" (got {keys!r})'
            )
        normalised[binding_id.strip()] = ",".join(parts)  # Textual does not strip
    return normalised


#: The longest quick reply name: it is shown in a one-line list beside the text's first line.
QUICK_REPLY_NAME_LIMIT = 40
#: The longest quick reply text (an answer's own `max_length` still applies when it is sent).
QUICK_REPLY_TEXT_LIMIT = 2000
_EXAMPLE = 'ship = "Looks good, ship it."'


def _control_character(value: str, allowed: str = "") -> str | None:
    """The first control character in `value` (as U+XXXX) that is not in `allowed`, or None."""
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in allowed:
            return f"U+{ord(char):04X}"
    return None


def quick_reply_name(value: Any) -> str:
    """A quick reply's name: short, one line, no control characters; stripped."""
    if not isinstance(value, str):
        raise ValueError(f"the name must be text (got {value!r})")
    name = value.strip()
    if not name:
        raise ValueError(f'the name is empty; write one before the "=", e.g. {_EXAMPLE}')
    bad = _control_character(name)
    if bad:
        raise ValueError(f"the name contains a control character ({bad}); remove it")
    if len(name) > QUICK_REPLY_NAME_LIMIT:
        raise ValueError(
            f"the name is {len(name)} characters long; shorten it to at most "
            f"{QUICK_REPLY_NAME_LIMIT} (the text after the = may be long)"
        )
    return name


def quick_reply_text(value: Any) -> str:
    """A quick reply's text: non-empty, at most `QUICK_REPLY_TEXT_LIMIT` characters, no
    control characters but line breaks and tabs. CRLF becomes LF; line breaks at the start
    and the end are dropped (those of a multi-line string's opening and closing quotes)."""
    if not isinstance(value, str):
        raise ValueError(f"the text must be in quotes, e.g. {_EXAMPLE} (got {value!r})")
    text = value.replace("\r\n", "\n").strip("\n")
    if not text.strip():
        raise ValueError("the text is empty; write the reply after the =, or remove the line")
    bad = _control_character(text, allowed="\n\t")
    if bad:
        raise ValueError(
            f"the text contains a control character ({bad}); remove it (line breaks and tabs "
            "are fine)"
        )
    if len(text) > QUICK_REPLY_TEXT_LIMIT:
        raise ValueError(
            f"the text is {len(text)} characters long; shorten it to at most "
            f"{QUICK_REPLY_TEXT_LIMIT}"
        )
    return text


def quick_replies(value: Any) -> dict[str, str]:
    """Name -> text, in the file's order (`quick_reply_name`, `quick_reply_text`); each name
    once (after stripping). A message about one reply starts with its name and a colon."""
    if not isinstance(value, Mapping):
        raise ValueError(f"must be a table of name = text: a [quick_replies] line, then {_EXAMPLE}")
    normalised: dict[str, str] = {}
    for raw_name, raw_text in value.items():
        label = raw_name if isinstance(raw_name, str) else repr(raw_name)
        try:
            name = quick_reply_name(raw_name)
            text = quick_reply_text(raw_text)
        except ValueError as error:
            raise ValueError(f"{label}: {error}") from None
        if name in normalised:
            raise ValueError(f"{label}: the name {name!r} is used twice; rename or remove one")
        normalised[name] = text
    return normalised
