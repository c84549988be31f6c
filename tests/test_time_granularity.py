"""How precisely countdowns and ages are shown, and when that text next changes (issue #12).

Plain functions of `atp_tui.view.items`, no App: seconds only within the warning threshold,
minutes above it (and everywhere with `coarse`, the `low_bandwidth` setting), ages to the
minute; `*_changes_in` says when the shown text changes, which the low-bandwidth clock sleeps
until.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atp_tui.cli import build_parser
from atp_tui.commands.config import cli_overrides
from atp_tui.settings import Settings
from atp_tui.view.items import (
    age_changes_in,
    countdown_changes_in,
    countdown_step,
    countdown_text,
    format_age,
    format_countdown,
    format_minutes,
)

NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
WARNING = 900.0  # the default 15 minutes


def at(seconds: float) -> datetime:
    """A deadline `seconds` from `NOW`."""
    return NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("left", "step", "coarse_step"),
    [
        (30, 1, 60),
        (900, 1, 60),  # the threshold itself is within the warning
        (900.5, 60, 60),
        (3499, 60, 60),
        (86399, 60, 60),
        (86400, 3600, 3600),
    ],
)
def test_countdown_step(left: float, step: int, coarse_step: int) -> None:
    assert countdown_step(left, WARNING) == step
    assert countdown_step(left, WARNING, coarse=True) == coarse_step


@pytest.mark.parametrize(
    ("left", "shown", "coarse"),
    [
        (3492, "58m", "58m"),  # 58m12s: above the warning, to the minute
        (901, "15m", "15m"),
        (900, "15m00s", "15m"),  # within the warning: seconds (urgent), unless coarse
        (252, "4m12s", "4m"),
        (42, "42s", "<1m"),
        (3900, "1h05m", "1h05m"),
        (277_200, "3d05h", "3d05h"),
        (0, "expired", "expired"),
        (-5, "expired", "expired"),
    ],
)
def test_countdown_text(left: float, shown: str, coarse: str) -> None:
    assert countdown_text(at(left), NOW, WARNING) == shown
    assert countdown_text(at(left), NOW, WARNING, coarse=True) == coarse


def test_countdown_text_without_deadline_or_warning() -> None:
    assert countdown_text(None, NOW, WARNING) == "—"
    # A warning of 0 (never urgent): minutes down to the last one.
    assert countdown_text(at(42), NOW, 0.0) == "<1m"


def test_format_countdown_keeps_full_precision() -> None:
    """The exact form is unchanged (other code and tests rely on it)."""
    assert format_countdown(at(1200), NOW) == "20m00s"


def test_format_minutes_cuts_never_rounds_up() -> None:
    assert [format_minutes(s) for s in (59.9, 60, 119.9, 3599, 3600)] == [
        "<1m",
        "1m",
        "1m",
        "59m",
        "1h00m",
    ]


def test_countdown_changes_in_matches_the_text() -> None:
    """Just before the predicted moment the text is the same; just after, it differs."""
    for left in (3492.0, 3600.0, 1000.5, 930.0, 252.25, 42.0, 90_061.0):
        for coarse in (False, True):
            wait = countdown_changes_in(at(left), NOW, WARNING, coarse=coarse)
            assert wait is not None
            text = countdown_text(at(left), NOW, WARNING, coarse=coarse)
            before = NOW + timedelta(seconds=max(0.0, wait - 0.01))
            after = NOW + timedelta(seconds=wait + 0.01)
            assert countdown_text(at(left), before, WARNING, coarse=coarse) == text
            assert countdown_text(at(left), after, WARNING, coarse=coarse) != text


def test_countdown_changes_when_it_enters_the_warning() -> None:
    """Above the threshold the next change may be the switch to seconds, not a minute."""
    assert countdown_changes_in(at(930), NOW, WARNING) == pytest.approx(30)
    assert countdown_changes_in(at(930), NOW, WARNING, coarse=True) == pytest.approx(30)
    assert countdown_changes_in(at(950), NOW, WARNING) == pytest.approx(50)
    assert countdown_changes_in(at(950), NOW, WARNING, coarse=True) == pytest.approx(50)
    assert countdown_changes_in(at(4.5), NOW, WARNING) == pytest.approx(0.5)


def test_countdown_never_changes_once_expired_or_without_deadline() -> None:
    assert countdown_changes_in(at(-1), NOW, WARNING) is None
    assert countdown_changes_in(None, NOW, WARNING) is None


@pytest.mark.parametrize(
    ("ago", "shown", "changes_in"),
    [
        (0, "now", 60),
        (42, "now", 18),
        (59.5, "now", 0.5),
        (60, "1m", 60),
        (3599, "59m", 1),
        (7200, "2h", 3600),
        (2 * 86400 + 10, "2d", 86390),
    ],
)
def test_ages_to_the_minute(ago: float, shown: str, changes_in: float) -> None:
    created = NOW - timedelta(seconds=ago)
    assert format_age(created, NOW) == shown
    assert age_changes_in(created, NOW) == pytest.approx(changes_in)
    assert age_changes_in(None, NOW) is None


def test_low_bandwidth_setting_and_flag() -> None:
    assert Settings().low_bandwidth is False
    assert Settings(low_bandwidth="yes").low_bandwidth is True  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low_bandwidth"):
        Settings(low_bandwidth="sometimes")  # type: ignore[arg-type]
    given = cli_overrides(build_parser().parse_args(["--low-bandwidth"]))
    assert given["low_bandwidth"] is True
    assert "low_bandwidth" not in cli_overrides(build_parser().parse_args([]))
