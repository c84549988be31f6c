"""Date answers typed in local time (`atp_tui.protocol.date_input`), under a frozen "now".

Every test runs in Europe/Berlin (UTC+01:00 in winter, +02:00 in summer), pinned with `TZ` and
`time.tzset()` and restored afterwards, so the results do not depend on the machine's zone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from atp_tui.protocol.date_input import (
    DateInputError,
    describe_date_bounds,
    format_offset,
    local_zone,
    parse_date_input,
    read_date_answer,
)

#: Thursday 2026-12-03, 21:30 in Berlin.
NOW = datetime(2026, 12, 3, 20, 30, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Europe/Berlin for the test, and whatever it was afterwards."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("2026-12-05 03:00", "2026-12-05T03:00:00+01:00"),
        ("2026-12-05T03:00", "2026-12-05T03:00:00+01:00"),
        ("  2026-12-05   3:00:30 ", "2026-12-05T03:00:30+01:00"),
        ("tomorrow 03:00", "2026-12-04T03:00:00+01:00"),
        ("Tomorrow 3:00", "2026-12-04T03:00:00+01:00"),
        ("today 23:15", "2026-12-03T23:15:00+01:00"),
        ("+2h", "2026-12-03T23:30:00+01:00"),
        ("+1h30m", "2026-12-03T23:00:00+01:00"),
        ("in 2 hours", "2026-12-03T23:30:00+01:00"),
        ("+1d", "2026-12-04T21:30:00+01:00"),
        ("2026-12-05T03:00+01:00", "2026-12-05T03:00:00+01:00"),
        ("2026-12-05T02:00Z", "2026-12-05T02:00:00+00:00"),
        ("2026-12-05t02:00z", "2026-12-05T02:00:00+00:00"),
        ("2026-12-05T03:00:00-05:00", "2026-12-05T03:00:00-05:00"),
        ("2026-07-01 12:00", "2026-07-01T12:00:00+02:00"),  # summer time that day
    ],
)
def test_date_and_time_in_local_time(typed: str, sent: str) -> None:
    answer = read_date_answer(typed, include_time=True, now=NOW)
    assert answer.value == sent
    assert datetime.fromisoformat(answer.value) == datetime.fromisoformat(sent)


def test_the_local_words_name_the_moment_in_local_time() -> None:
    assert read_date_answer("2026-12-05T02:00Z", include_time=True, now=NOW).local == (
        "Sat 2026-12-05 03:00"
    )
    assert read_date_answer("tomorrow", include_time=False, now=NOW).local == "Fri 2026-12-04"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("2026-12-05", "2026-12-05"),
        ("today", "2026-12-03"),
        ("tomorrow", "2026-12-04"),
        ("+3d", "2026-12-06"),
        ("+1w", "2026-12-10"),
    ],
)
def test_date_only(typed: str, sent: str) -> None:
    assert read_date_answer(typed, include_time=False, now=NOW).value == sent


def test_today_is_the_local_day_not_the_utc_one() -> None:
    """23:30 UTC on the 3rd is already the 4th in Berlin."""
    late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    assert parse_date_input("today", include_time=False, now=late) == date(2026, 12, 4)


@pytest.mark.parametrize(
    ("typed", "include_time", "reason"),
    [
        ("", True, "type a date and a time"),
        ("tomorow 03:00", True, "'tomorow 03:00' is not a date: try 2026-12-05 03:00"),
        ("next friday", False, "'next friday' is not a date: try 2026-12-05, today"),
        ("2026-02-30", False, "2026-02-30 is not a real date (day is out of range for month)"),
        ("2026-02-30 03:00", True, "2026-02-30 is not a real date"),
        ("2026-12-05 25:00", True, "'25:00' is not a time of day (00:00 to 23:59)"),
        ("tomorrow noon", True, "'noon' is not a time of day: write it as 03:00 or 15:30"),
        ("2026-12-05", True, "add a time of day: 2026-12-05 09:00, for example"),
        ("tomorrow", True, "add a time of day: tomorrow 09:00, for example"),
        ("2026-12-05 03:00", False, "a date without a time of day: type 2026-12-05 only"),
        ("2026-12-05T03:00+01:00", False, "a date without a time of day: type 2026-12-05 only"),
        ("tomorrow 03:00", False, "this answer is a date without a time of day: tomorrow"),
        ("+2h", False, "count in days or weeks (+3d, +1w)"),
        ("+2y", True, "'y' is not a unit: use w, d, h or m"),
        ("+99999d", True, "more than ten years from now"),
        ("2026-03-29 02:30", True, "2026-03-29 02:30 does not exist in Europe/Berlin"),
    ],
)
def test_refused_with_a_reason(typed: str, include_time: bool, reason: str) -> None:
    with pytest.raises(DateInputError) as refused:
        read_date_answer(typed, include_time=include_time, now=NOW)
    assert reason in refused.value.message


def test_bounds_are_checked_and_named_in_local_time() -> None:
    lower, upper = "2026-12-04T08:00:00Z", "2026-12-10T17:00:00Z"
    with pytest.raises(DateInputError) as early:
        read_date_answer("tomorrow 08:59", include_time=True, now=NOW, lower=lower, upper=upper)
    assert early.value.message == (
        "too early: Fri 2026-12-04 08:59 is before Fri 2026-12-04 09:00, the earliest"
    )
    with pytest.raises(DateInputError) as late:
        read_date_answer("+2w", include_time=True, now=NOW, lower=lower, upper=upper)
    assert late.value.message == (
        "too late: Thu 2026-12-17 21:30 is after Thu 2026-12-10 18:00, the latest"
    )
    inside = read_date_answer("tomorrow 09:00", include_time=True, now=NOW, lower=lower)
    assert inside.value == "2026-12-04T09:00:00+01:00"


def test_date_only_bounds() -> None:
    with pytest.raises(DateInputError) as early:
        read_date_answer("today", include_time=False, now=NOW, lower="2026-12-04")
    assert early.value.message == "too early: Thu 2026-12-03 is before Fri 2026-12-04, the earliest"
    assert read_date_answer("+1d", include_time=False, now=NOW, lower="2026-12-04").value == (
        "2026-12-04"
    )


def test_describe_bounds() -> None:
    assert describe_date_bounds("2026-12-04T08:00Z", "2026-12-10T17:00Z", include_time=True) == (
        "from Fri 2026-12-04 09:00 to Thu 2026-12-10 18:00"
    )
    assert describe_date_bounds("2026-03-14", None, include_time=False) == "from Sat 2026-03-14"
    assert describe_date_bounds(None, "2026-04-30", include_time=False) == "until Thu 2026-04-30"
    assert describe_date_bounds(None, "garbage", include_time=True) == ""


def test_local_zone_names_the_zone_and_its_offset(tmp_path: Path) -> None:
    assert local_zone(NOW).label() == "Europe/Berlin (UTC+01:00)"
    summer = datetime(2026, 7, 1, tzinfo=UTC)
    assert local_zone(summer).label() == "Europe/Berlin (UTC+02:00)"
    # Without TZ, the /etc/localtime link names the zone; without either, the abbreviation.
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert local_zone(NOW, environ={}, localtime=link).name == "Europe/Berlin"
    assert local_zone(NOW, environ={}, localtime=tmp_path / "missing").name == "CET"
    assert local_zone(NOW, environ={"TZ": "CET-1"}, localtime=link).name == "CET"


def test_format_offset() -> None:
    assert format_offset(timedelta(hours=-3, minutes=-30)) == "UTC-03:30"
    assert format_offset(timedelta(0)) == "UTC+00:00"
