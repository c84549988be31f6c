"""A `date` answer as a person types it, in their local time zone (no Textual).

The wire wants ISO 8601 (`2026-12-05` or `2026-12-05T03:00:00+01:00`), but at 3 a.m. nobody
wants to work out their UTC offset. `read_date_answer` takes what the date modal's input holds:

- a local date and time, `2026-12-05 03:00` (or with a `T`), in the system's local zone;
- `today` / `tomorrow`, with a time (`tomorrow 03:00`) when the action wants one;
- a moment relative to now, `+2h`, `+1h30m`, `+3d`, `+1w` (also `in 2h`);
- ISO 8601 with an offset or `Z`, `2026-12-05T03:00+01:00`, taken as the moment it names.

It returns the ISO text to send (a local offset, never a guessed one) and the same moment in
local words, or raises `DateInputError` saying why the text is refused: not a date, not a real
day, a time for a date-only action (or none for one that needs it), a local time skipped by a
daylight-saving change, or outside the action's bounds, which are named in local time too.
"now" is always passed in, so the app's injectable clock (and a frozen one in tests) decides
what "today" and "+2h" mean. The local zone is the process's (`TZ`, then `/etc/localtime`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from atp_tui.protocol.lenient import parse_timestamp

#: What the modal suggests, per kind of action (also the examples in "not a date" messages).
EXAMPLES_WITH_TIME = "2026-12-05 03:00, tomorrow 03:00, +2h or 2026-12-05T03:00+01:00"
EXAMPLES_DATE_ONLY = "2026-12-05, today, tomorrow or +3d"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
#: A local date and time without an offset: `2026-12-05 03:00`, `2026-12-05T3:00:30`.
_LOCAL_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ Tt](\d{1,2}:\d{2}(?::\d{2})?)$")
_DAY_WORD = re.compile(r"^(today|tomorrow)(?:\s+(.+))?$")
_RELATIVE = re.compile(r"^(?:\+|in\s+)\s*((?:\d+\s*[a-z]+\s*)+)$")
_RELATIVE_PART = re.compile(r"(\d+)\s*([a-z]+)")
#: Units of a relative answer -> seconds per unit (whole words too: `in 2 hours`).
_UNITS: dict[str, int] = {
    **dict.fromkeys(("w", "wk", "week", "weeks"), 7 * 86400),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
}
#: The longest relative answer (a typo like `+20000d` should be refused, not overflow).
_MAX_RELATIVE = timedelta(days=3660)


class DateInputError(ValueError):
    """The typed text is not an acceptable answer; `message` says why, in the user's terms."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class DateAnswer:
    """A typed date accepted: what to send and what it means locally."""

    #: ISO 8601 for `response_data`: `YYYY-MM-DD`, or a date and time with the local offset.
    value: str
    #: The same in local words, e.g. `Sat 2026-12-05 03:00` (for a preview and for a retry).
    local: str


@dataclass(frozen=True, slots=True)
class LocalZone:
    """The system's local time zone as the user should read it."""

    #: An IANA name (`Europe/Berlin`) when the system names one, else the abbreviation (`CET`).
    name: str
    #: The offset from UTC at the moment it was asked for.
    offset: timedelta

    def label(self) -> str:
        """`Europe/Berlin (UTC+01:00)`."""
        return f"{self.name} ({format_offset(self.offset)})"


def format_offset(offset: timedelta) -> str:
    """`UTC+01:00`, `UTC-03:30`, `UTC+00:00`."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _zone_name(environ: dict[str, str] | os._Environ[str], localtime: Path) -> str | None:
    """The IANA name of the local zone, from `TZ` or the `/etc/localtime` link, if either says."""
    tz = environ.get("TZ", "").lstrip(":")
    if tz:
        # `TZ=Europe/Berlin` names a zone; `TZ=CET-1CEST` (POSIX rules) does not.
        return tz if "/" in tz or tz.isalpha() else None
    try:
        target = str(localtime.resolve())
    except OSError:
        return None
    _, found, name = target.partition("/zoneinfo/")
    return name if found and name else None


def local_zone(
    now: datetime,
    *,
    environ: dict[str, str] | os._Environ[str] = os.environ,
    localtime: Path = Path("/etc/localtime"),
) -> LocalZone:
    """The local zone at `now` (the offset changes with daylight saving time)."""
    local = now.astimezone()
    offset = local.utcoffset() or timedelta(0)
    return LocalZone(_zone_name(environ, localtime) or local.tzname() or "local time", offset)


def format_local(moment: datetime) -> str:
    """A moment in local time as the modal shows it: `Sat 2026-12-05 03:00` (seconds if any)."""
    local = moment.astimezone()
    text = local.strftime("%a %Y-%m-%d %H:%M")
    return f"{text}:{local.second:02d}" if local.second else text


def _local_time(day: date, clock: str, *, zone_name: str) -> datetime:
    """`day` at `clock` (`03:00`) in the local zone; refused when it is no time of day."""
    match = _TIME.match(clock.strip())
    if match is None:
        raise DateInputError(f"{clock.strip()!r} is not a time of day: write it as 03:00 or 15:30")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateInputError(f"{clock.strip()!r} is not a time of day (00:00 to 23:59)")
    return _localize(datetime(day.year, day.month, day.day, hour, minute, second), zone_name)


def _localize(naive: datetime, zone_name: str) -> datetime:
    """A wall-clock time in the local zone; refused when the zone skips it (clocks go forward)."""
    aware = naive.astimezone()  # a naive datetime is taken as local time here
    if aware.replace(tzinfo=None) != naive:
        raise DateInputError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_name}: the clocks skip it "
            "(daylight saving time); pick a time an hour later"
        )
    return aware


def _relative(amount: str, *, include_time: bool, now: datetime) -> datetime | date:
    """`2h`, `1h30m`, `3d`: now plus that much (whole minutes), or today plus days."""
    total = 0
    for count, unit in _RELATIVE_PART.findall(amount):
        seconds = _UNITS.get(unit)
        if seconds is None:
            raise DateInputError(f"{unit!r} is not a unit: use w, d, h or m (+2h, +1h30m, +3d)")
        if not include_time and seconds < 86400:
            raise DateInputError(
                "this answer is a date without a time of day: count in days or weeks (+3d, +1w)"
            )
        total += int(count) * seconds
    delta = timedelta(seconds=total)
    if delta > _MAX_RELATIVE:
        raise DateInputError("that is more than ten years from now")
    if not include_time:
        return now.astimezone().date() + delta
    # Whole minutes: "+2h" means about then, and a seconds field would only distract.
    return (now + delta).astimezone().replace(second=0, microsecond=0)


def _absolute(text: str, *, include_time: bool, zone_name: str) -> datetime | date:
    """An ISO 8601 date, a local date and time, or a date and time with an offset."""
    if _DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as error:
            raise DateInputError(f"{text} is not a real date ({error})") from None
        if include_time:
            raise DateInputError(f"add a time of day: {text} 09:00, for example")
        return day
    if match := _LOCAL_DATE_TIME.match(text):
        if not include_time:
            raise DateInputError(
                f"this answer is a date without a time of day: type {match[1]} only"
            )
        try:
            day = date.fromisoformat(match[1])
        except ValueError as error:
            raise DateInputError(f"{match[1]} is not a real date ({error})") from None
        return _local_time(day, match[2], zone_name=zone_name)
    iso = text.upper()
    try:
        moment = datetime.fromisoformat(iso[:-1] + "+00:00" if iso.endswith("Z") else iso)
    except ValueError as error:
        if _DATE.match(text[:10]) and "range" in str(error):
            raise DateInputError(f"{text} is not a real date or time ({error})") from None
        examples = EXAMPLES_WITH_TIME if include_time else EXAMPLES_DATE_ONLY
        raise DateInputError(f"{text!r} is not a date: try {examples}") from None
    if not include_time:
        raise DateInputError(
            f"this answer is a date without a time of day: type {moment:%Y-%m-%d} only"
        )
    if moment.tzinfo is None:  # e.g. with fractions of a second: still local time
        return _localize(moment, zone_name)
    return moment


def parse_date_input(text: str, *, include_time: bool, now: datetime) -> datetime | date:
    """What `text` means: an aware datetime (`include_time`) or a date; see the module doc."""
    typed = " ".join(text.split())
    cleaned = typed.lower()
    if not cleaned:
        raise DateInputError("type a date" + (" and a time" if include_time else ""))
    zone_name = local_zone(now).name
    if match := _RELATIVE.match(cleaned):
        return _relative(match[1], include_time=include_time, now=now)
    if match := _DAY_WORD.match(cleaned):
        day = now.astimezone().date() + timedelta(days=1 if match[1] == "tomorrow" else 0)
        if not include_time:
            if match[2]:
                raise DateInputError(f"this answer is a date without a time of day: {match[1]}")
            return day
        if not match[2]:
            raise DateInputError(f"add a time of day: {match[1]} 09:00, for example")
        return _local_time(day, match[2], zone_name=zone_name)
    return _absolute(typed, include_time=include_time, zone_name=zone_name)


def _bound(text: str | None, *, include_time: bool) -> datetime | date | None:
    """A bound as the protocol reads it (`atp_tui.protocol.responses`): unparsable is none."""
    if not text:
        return None
    if include_time:
        return parse_timestamp(text)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _shown(value: datetime | date) -> str:
    """A bound or answer in the user's terms: a date as is, a moment in local time."""
    if isinstance(value, datetime):
        return format_local(value)
    return value.strftime("%a %Y-%m-%d")


def describe_date_bounds(lower: str | None, upper: str | None, *, include_time: bool) -> str:
    """The bounds in local time: `from Sat 2026-03-14 10:00 to …`, `until …`, or ``."""
    low = _bound(lower, include_time=include_time)
    high = _bound(upper, include_time=include_time)
    if low is not None and high is not None:
        return f"from {_shown(low)} to {_shown(high)}"
    if low is not None:
        return f"from {_shown(low)}"
    if high is not None:
        return f"until {_shown(high)}"
    return ""


def read_date_answer(
    text: str,
    *,
    include_time: bool,
    now: datetime,
    lower: str | None = None,
    upper: str | None = None,
) -> DateAnswer:
    """Parse `text` (local time) and check it against the action's bounds (see the module doc)."""
    value = parse_date_input(text, include_time=include_time, now=now)
    low = _bound(lower, include_time=include_time)
    high = _bound(upper, include_time=include_time)
    # Comparisons are between two aware datetimes or two dates: `_bound` follows `include_time`.
    if low is not None and value < low:
        raise DateInputError(f"too early: {_shown(value)} is before {_shown(low)}, the earliest")
    if high is not None and value > high:
        raise DateInputError(f"too late: {_shown(value)} is after {_shown(high)}, the latest")
    return DateAnswer(value.isoformat(), _shown(value))
