"""Issue #11 rules without an app: what "closed" means, where it sorts, which glyphs and
emphasis the terminal gets (decided from the environment and the locale)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atp_tui.protocol.models import Notification
from atp_tui.store import StoredNotification
from atp_tui.view.glyphs import ASCII, UNICODE, choose_glyphs, locale_encoding, plain_colour
from atp_tui.view.order import sort_key
from atp_tui.view.status import (
    answer_cut_short,
    closed_reason,
    effective_status,
    is_closed,
    nothing_to_answer,
)
from tests.hostile import notification

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _item(
    nid: str,
    deadline: float | None,
    status: str | None = "delivered",
    *,
    created: float = -5,
    reason: str | None = None,
) -> StoredNotification:
    """An item whose deadline and creation are minutes from `NOW`."""
    body = notification(nid)
    body["deadline"] = (NOW + timedelta(minutes=deadline)).isoformat() if deadline else None
    body["timestamp"] = (NOW + timedelta(minutes=created)).isoformat()
    model = Notification.model_validate(body)
    return StoredNotification.holding(model, status, reason, NOW, nid, False)


class TestClosed:
    """One definition of closed: the server's state, or the deadline on the client clock."""

    @pytest.mark.parametrize("status", ["responded", "completed", "expired", "invalidated"])
    def test_closed_states(self, status: str) -> None:
        assert is_closed(_item("n", 30, status), NOW)

    @pytest.mark.parametrize("status", ["created", "delivered", "acknowledged", None])
    def test_open_states_until_the_deadline(self, status: str | None) -> None:
        assert not is_closed(_item("n", 30, status), NOW)
        assert is_closed(_item("n", 30, status), NOW + timedelta(minutes=30))
        assert not is_closed(_item("n", None, status), NOW + timedelta(days=999))

    def test_an_answer_being_retried_is_cut_short_by_expiry_or_withdrawal(self) -> None:
        """What the respond client asks before each retry (`answer_cut_short`)."""
        assert answer_cut_short(_item("n", 30), NOW) is None
        by_clock = answer_cut_short(_item("n", 30), NOW + timedelta(minutes=31))
        assert by_clock is not None and by_clock.kind == "expired"
        # Shown after the outcome's own word: "expired: the deadline passed", not twice.
        assert by_clock.message == "the deadline passed"
        withdrawn = answer_cut_short(_item("n", 30, "invalidated", reason="superseded"), NOW)
        assert withdrawn is not None and withdrawn.kind == "invalidated"
        assert "superseded" in withdrawn.message
        # Shown answered: maybe by this very answer, its reply lost; the server decides.
        assert answer_cut_short(_item("n", 30, "responded"), NOW) is None

    def test_effective_status_falls_back_to_the_payload(self) -> None:
        item = _item("n", 30, None)
        assert effective_status(item) == item.summary.status

    def test_enter_on_a_closed_item_says_why_in_words(self) -> None:
        expired = _item("n", -12)
        assert nothing_to_answer(expired, NOW) == "expired 12 min ago: nothing to answer"
        by_server = _item("n", -90, "expired")
        assert nothing_to_answer(by_server, NOW) == "expired 1 h ago: nothing to answer"
        answered = _item("n", 30, "responded", reason="answered in the web UI")
        assert nothing_to_answer(answered, NOW) == "answered in the web UI: nothing to answer"
        withdrawn = _item("n", 30, "invalidated", reason="superseded")
        assert nothing_to_answer(withdrawn, NOW) == "invalidated: superseded: nothing to answer"
        assert closed_reason(_item("n", 30), NOW) == ""


class TestSortKey:
    """Closed items sort after every open one, in both orders."""

    def _order(self, order: str) -> list[str]:
        items = [
            _item("open-late", 300, created=-50),
            _item("answered-soon", 1, "responded", created=-1),
            _item("open-soon", 10, created=-40),
            _item("expired-by-clock", -3, created=-2),
            _item("withdrawn", 5, "invalidated", created=-3),
            _item("open-none", None, created=-30),
        ]
        keyed = sorted(items, key=lambda item: sort_key(item, order, NOW))  # type: ignore[arg-type]
        return [item.summary.id for item in keyed]

    def test_deadline_order(self) -> None:
        assert self._order("deadline") == [
            "open-soon",
            "open-late",
            "open-none",
            "expired-by-clock",
            "answered-soon",
            "withdrawn",
        ]

    def test_newest_first(self) -> None:
        assert self._order("newest") == [
            "open-none",
            "open-soon",
            "open-late",
            "answered-soon",
            "expired-by-clock",
            "withdrawn",
        ]


class TestGlyphs:
    """The glyph set and the plain-colour decision, from env and locale only."""

    @pytest.mark.parametrize(
        ("env", "expected"),
        [
            ({"LANG": "en_US.UTF-8", "TERM": "xterm-256color"}, UNICODE),
            ({"LANG": "en_US.UTF-8", "TERM": "linux"}, ASCII),
            ({"LANG": "C", "TERM": "xterm-256color"}, ASCII),
            ({"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, ASCII),
            ({"LC_CTYPE": "de_DE.ISO-8859-1", "LANG": "en_US.UTF-8"}, ASCII),
            ({"LC_ALL": "C.utf8", "TERM": "screen"}, UNICODE),
            ({"LANG": "sr_RS.UTF-8@latin"}, UNICODE),
        ],
    )
    def test_auto(self, env: dict[str, str], expected: object) -> None:
        assert choose_glyphs("auto", env) is expected

    def test_without_locale_variables_the_fallback_decides(self) -> None:
        assert choose_glyphs("auto", {}, "UTF-8") is UNICODE
        assert choose_glyphs("auto", {}, "ANSI_X3.4-1968") is ASCII
        assert locale_encoding({}, "cp1252") == "cp1252"

    def test_the_setting_wins(self) -> None:
        assert choose_glyphs("unicode", {"TERM": "linux", "LANG": "C"}) is UNICODE
        assert choose_glyphs("ascii", {"LANG": "en_US.UTF-8"}) is ASCII

    def test_ascii_set_is_ascii_and_one_cell(self) -> None:
        for glyph in (*ASCII.states.values(), *ASCII.connection.values()):
            assert glyph.isascii() and len(glyph) == 1
        texts = (ASCII.unread, ASCII.urgent, ASCII.ellipsis, ASCII.separator, ASCII.divider)
        assert all(text.isascii() for text in (*texts, ASCII.digits, ASCII.no_deadline))

    def test_every_display_state_has_a_glyph_in_both_sets(self) -> None:
        assert set(ASCII.states) == set(UNICODE.states)
        assert len(set(UNICODE.states.values())) >= 6  # distinct enough to tell apart

    @pytest.mark.parametrize(
        ("env", "plain"),
        [
            ({"NO_COLOR": ""}, True),
            ({"NO_COLOR": "1", "COLORTERM": "truecolor"}, True),
            ({"TERM": "xterm"}, True),
            ({"TERM": "linux"}, True),
            ({"TERM": "xterm-256color"}, False),
            ({"TERM": "xterm", "COLORTERM": "truecolor"}, False),
            ({}, False),
        ],
    )
    def test_plain_colour(self, env: dict[str, str], plain: bool) -> None:
        assert plain_colour(env) is plain
