"""Desktop notifications through the terminal: the exact bytes, tmux, sanitising, the limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from atp_tui.view.terminal_notify import (
    Alert,
    AlertLimiter,
    choose_protocol,
    in_tmux,
    is_urgent_notification,
    sequence,
    wants_alert,
    wrap_tmux,
)

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
ALERT = Alert("ATP: deploy-bot", "Deploy payments-api?")


class TestSequences:
    def test_osc9(self) -> None:
        assert sequence(ALERT, "osc9") == b"\x1b]9;ATP: deploy-bot: Deploy payments-api?\x07"

    def test_osc777(self) -> None:
        assert (
            sequence(ALERT, "osc777") == b"\x1b]777;notify;ATP: deploy-bot;Deploy payments-api?\x07"
        )

    def test_osc99(self) -> None:
        assert sequence(ALERT, "osc99") == (
            b"\x1b]99;i=atp:d=0;ATP: deploy-bot\x1b\\"
            b"\x1b]99;i=atp:p=body;Deploy payments-api?\x1b\\"
        )

    def test_bell(self) -> None:
        assert sequence(ALERT, "bell") == b"\x07"
        assert sequence(ALERT, "bell", tmux=True) == b"\x07"  # tmux rings it itself

    def test_tmux_passthrough_doubles_every_escape(self) -> None:
        assert sequence(ALERT, "osc9", tmux=True) == (
            b"\x1bPtmux;\x1b\x1b]9;ATP: deploy-bot: Deploy payments-api?\x07\x1b\\"
        )
        assert sequence(ALERT, "osc99", tmux=True) == (
            b"\x1bPtmux;\x1b\x1b]99;i=atp:d=0;ATP: deploy-bot\x1b\x1b\\"
            b"\x1b\x1b]99;i=atp:p=body;Deploy payments-api?\x1b\x1b\\\x1b\\"
        )
        assert wrap_tmux(b"x") == b"\x1bPtmux;x\x1b\\"

    @pytest.mark.parametrize("protocol", ["osc9", "osc777", "osc99"])
    def test_an_evil_title_cannot_end_the_sequence(self, protocol: str) -> None:
        evil = Alert("svc;\x1b]0;pwned\x07", "a;b\x1b\\\x07\x9b2J\u202eevil\x1b[2J;c\r\nd")
        data = sequence(evil, protocol)  # type: ignore[arg-type]
        text = data.decode("utf-8")
        framing = {"osc9": 1, "osc777": 3, "osc99": 4}[protocol]
        # Only the sequence's own framing: its ESCs, BELs and separators, nothing from the text.
        assert text.count("\x1b") == (1 if protocol != "osc99" else 4)
        assert text.count("\x07") == (1 if protocol != "osc99" else 0)
        assert text.count(";") == framing
        for control in ("\x9b", "\u202e", "\r", "\n"):
            assert control not in text
        assert "pwned" in text and "evil" in text  # shown, neutralised, not dropped

    def test_the_evil_title_exactly(self) -> None:
        evil = Alert("svc;\x1b]0;pwned\x07", "a;b\u202ec")
        assert sequence(evil, "osc777") == (
            "\x1b]777;notify;svc ␛]0 pwned␇;a b\\u202ec\x07".encode()
        )

    def test_long_text_is_cut(self) -> None:
        data = sequence(Alert("s" * 500, "t" * 5000), "osc9")
        assert len(data) < 400


class TestChoosingTheProtocol:
    @pytest.mark.parametrize(
        ("env", "expected"),
        [
            ({"TERM_PROGRAM": "WezTerm"}, "osc9"),
            ({"TERM_PROGRAM": "iTerm.app"}, "osc9"),
            ({"WT_SESSION": "x", "TERM": "xterm-256color"}, "osc9"),
            ({"TERM": "foot"}, "osc9"),
            ({"KITTY_WINDOW_ID": "1", "TERM": "xterm-kitty"}, "osc99"),
            ({"TERM": "xterm-kitty"}, "osc99"),
            ({"TERM": "rxvt-unicode-256color"}, "osc777"),
            ({"VTE_VERSION": "7600", "TERM": "xterm-256color"}, "osc777"),
            ({"TERM_PROGRAM": "ghostty", "TERM": "xterm-ghostty"}, "osc777"),
            ({"TERM": "xterm-256color"}, "bell"),
            ({}, "bell"),
            # Inside tmux TERM_PROGRAM names tmux; the outer terminal's variables remain.
            ({"TERM_PROGRAM": "tmux", "TMUX": "/tmp/t,1,0", "WEZTERM_PANE": "3"}, "osc9"),
            ({"TERM_PROGRAM": "tmux", "TMUX": "/tmp/t,1,0", "TERM": "tmux-256color"}, "bell"),
        ],
    )
    def test_auto(self, env: dict[str, str], expected: str) -> None:
        assert choose_protocol("auto", env) == expected

    def test_explicit_and_off(self) -> None:
        assert choose_protocol("osc777", {"TERM_PROGRAM": "WezTerm"}) == "osc777"
        assert choose_protocol("bell", {"KITTY_WINDOW_ID": "1"}) == "bell"
        assert choose_protocol("off", {"TERM_PROGRAM": "WezTerm"}) is None

    def test_tmux_from_env(self) -> None:
        assert in_tmux({"TMUX": "/tmp/tmux-1000/default,123,0"})
        assert not in_tmux({"TERM_PROGRAM": "tmux"})


class TestUrgency:
    @pytest.mark.parametrize(
        "metadata",
        [{"priority": "high"}, {"priority": " CRITICAL "}, {"urgency": "critical"}],
    )
    def test_metadata(self, metadata: dict[str, str]) -> None:
        assert is_urgent_notification(metadata, None, NOW)

    def test_not_urgent(self) -> None:
        assert not is_urgent_notification({"priority": "low"}, None, NOW)
        assert not is_urgent_notification({"priority": 5}, None, NOW)
        assert not is_urgent_notification(None, NOW + timedelta(hours=2), NOW)

    def test_deadline_within_the_warning(self) -> None:
        assert is_urgent_notification(None, NOW + timedelta(minutes=10), NOW, 900)
        assert not is_urgent_notification(None, NOW + timedelta(minutes=10), NOW, 300)
        assert not is_urgent_notification(None, NOW - timedelta(minutes=1), NOW, 900)

    def test_notify_on(self) -> None:
        assert wants_alert("all", None, None, NOW)
        assert not wants_alert("urgent", None, None, NOW)
        assert wants_alert("urgent", {"priority": "high"}, None, NOW)


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TestAlertLimiter:
    def test_a_replay_of_10000_is_the_first_and_one_summary(self) -> None:
        clock = FakeClock()
        limiter = AlertLimiter(10.0, clock)
        shown = [limiter.offer("svc", f"item {n}") for n in range(10_000)]
        sent = [alert for alert in shown if alert is not None]
        assert sent == [Alert("ATP: svc", "item 0")]
        assert limiter.folded == 9_999
        assert limiter.next_flush_at == 110.0
        assert limiter.flush() is None  # not yet: the interval has not passed
        clock.now = 110.0
        assert limiter.flush() == Alert("ATP", "9,999 more notifications need attention")
        assert limiter.flush() is None and limiter.next_flush_at is None

    def test_spread_out_arrivals_each_show(self) -> None:
        clock = FakeClock()
        limiter = AlertLimiter(10.0, clock)
        for n in range(3):
            assert limiter.offer("svc", f"item {n}") == Alert("ATP: svc", f"item {n}")
            clock.now += 10.0

    def test_a_later_arrival_carries_the_folded_count(self) -> None:
        clock = FakeClock()
        limiter = AlertLimiter(10.0, clock)
        limiter.offer("svc", "first")
        limiter.offer("svc", "second")
        clock.now += 11
        assert limiter.offer("svc", "third") == Alert("ATP: svc", "third (+1 more)")
        assert limiter.folded == 0
