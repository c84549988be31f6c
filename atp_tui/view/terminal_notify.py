"""Desktop notifications through the terminal: escape sequences that cross SSH and tmux.

A terminal that supports it turns an OSC sequence into a desktop notification, and because the
sequence travels in the output stream it works over SSH with nothing installed on the remote
side. Which sequence, from the environment (`choose_protocol`):

- OSC 9 (`ESC ] 9 ; text BEL`): iTerm2, WezTerm, Windows Terminal, foot, …
- OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`): urxvt, VTE terminals, Ghostty
- OSC 99 (`ESC ] 99 ; metadata ; payload ESC \\`): kitty
- the bell (BEL) where none is known: most terminals mark the tab or window.

Inside tmux a sequence reaches the outer terminal only through tmux's passthrough
(`ESC P tmux; … ESC \\`, every ESC inside doubled), which needs `set -g allow-passthrough on`.

Everything here is plain data and pure functions (no Textual, no I/O): the TUI writes the bytes
through its driver, `watch --notify` to the controlling terminal. Server text is untrusted: it
goes through `sanitize` (no control character, so nothing can end the sequence early) and loses
`;`, the sequences' separator. `AlertLimiter` keeps a replay of 10,000 notifications from
becoming 10,000 desktop pop-ups.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from atp_tui.protocol.text import sanitize
from atp_tui.settings.model import HIGH_PRIORITIES
from atp_tui.view.items import WARNING_SECONDS, is_urgent

if TYPE_CHECKING:
    from atp_tui.protocol.models import Notification

NotifyProtocol = Literal["osc9", "osc777", "osc99", "bell"]
NotifySetting = Literal["auto", "osc9", "osc777", "osc99", "bell", "off"]

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"
#: The longest title and body put in a sequence: a notification is a glance, not a page.
TITLE_LIMIT = 60
BODY_LIMIT = 120
#: Seconds between two desktop notifications; what arrives in between is folded into one.
DEFAULT_INTERVAL = 10.0
#: `metadata` keys whose value may mark a notification as urgent (`HIGH_PRIORITIES`).
URGENCY_KEYS = ("priority", "urgency")

#: `TERM_PROGRAM` values of terminals that show OSC 9 (tmux replaces it with "tmux").
_OSC9_PROGRAMS = frozenset({"iterm.app", "wezterm", "warpterminal"})
_OSC777_PROGRAMS = frozenset({"ghostty"})


def choose_protocol(setting: str, env: Mapping[str, str]) -> NotifyProtocol | None:
    """The sequence to use under the `notify` setting; `None` for "off".

    "auto" looks at the environment the terminal sets (`KITTY_WINDOW_ID`, `TERM_PROGRAM`,
    `TERM`, `WT_SESSION`, `VTE_VERSION`, …) and falls back to the bell. Inside tmux
    `TERM_PROGRAM` names tmux, but the variables the outer terminal set when tmux started
    (`KITTY_WINDOW_ID`, `WEZTERM_PANE`, `ITERM_SESSION_ID`, …) are usually still there.
    """
    if setting == "off":
        return None
    if setting in ("osc9", "osc777", "osc99", "bell"):
        return setting  # type: ignore[return-value]
    term = env.get("TERM", "").lower()
    program = env.get("TERM_PROGRAM", "").lower()
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return "osc99"
    if program in _OSC777_PROGRAMS or term == "xterm-ghostty" or env.get("GHOSTTY_RESOURCES_DIR"):
        return "osc777"
    if (
        program in _OSC9_PROGRAMS
        or env.get("WEZTERM_PANE")
        or env.get("ITERM_SESSION_ID")
        or env.get("WT_SESSION")  # Windows Terminal
        or term.startswith("foot")
    ):
        return "osc9"
    if term.startswith("rxvt") or env.get("VTE_VERSION"):
        return "osc777"
    return "bell"


def in_tmux(env: Mapping[str, str]) -> bool:
    """Whether we run inside tmux (`$TMUX` is set): sequences need its passthrough."""
    return bool(env.get("TMUX"))


def clean(text: object, limit: int) -> str:
    """Server text made safe inside a sequence: one line, no control or bidi character
    (`sanitize` shows them as placeholders), no `;` (the separator), at most `limit` long."""
    return sanitize(text, limit=limit).replace(";", " ")


@dataclass(frozen=True, slots=True)
class Alert:
    """One desktop notification: a short title (the service) and a body (the title)."""

    title: str
    body: str


def alert_for(service: str, title: str, *, more: int = 0) -> Alert:
    """The alert for one notification, with how many others were folded into it."""
    body = title if not more else f"{title} (+{more:,} more)"
    return Alert(f"ATP: {service}", body)


def summary_alert(count: int) -> Alert:
    """The alert standing for `count` notifications that were not shown one by one."""
    noun = "notification" if count == 1 else "notifications"
    return Alert("ATP", f"{count:,} more {noun} need attention")


def sequence(alert: Alert, protocol: NotifyProtocol, *, tmux: bool = False) -> bytes:
    """The bytes that show `alert` under `protocol` (wrapped for tmux when `tmux`)."""
    title = clean(alert.title, TITLE_LIMIT)
    body = clean(alert.body, BODY_LIMIT)
    if protocol == "bell":
        # tmux handles a bell itself (its `bell-action`): no passthrough needed.
        return BEL.encode()
    if protocol == "osc9":
        text = f"{ESC}]9;{title}: {body}{BEL}"
    elif protocol == "osc777":
        text = f"{ESC}]777;notify;{title};{body}{BEL}"
    else:
        # kitty: the title, then the body (`p=body`) of the same notification id; `d=0`
        # says more parts follow. Terminated by ST, as kitty's documentation writes it.
        text = f"{ESC}]99;i=atp:d=0;{title}{ST}{ESC}]99;i=atp:p=body;{body}{ST}"
    data = text.encode("utf-8")
    return wrap_tmux(data) if tmux else data


def wrap_tmux(data: bytes) -> bytes:
    """`data` in tmux's passthrough: `ESC P tmux;` + data with every ESC doubled + `ESC \\`."""
    return b"\x1bPtmux;" + data.replace(b"\x1b", b"\x1b\x1b") + b"\x1b\\"


def is_urgent_notification(
    metadata: Mapping[str, Any] | None,
    deadline: datetime | None,
    now: datetime,
    warning_seconds: float = WARNING_SECONDS,
) -> bool:
    """Urgent: `metadata.priority` or `metadata.urgency` is high/critical/urgent (as for the
    bell), or the deadline is within the warning threshold (the inbox's own `is_urgent`)."""
    if metadata:
        for key in URGENCY_KEYS:
            value = metadata.get(key)
            if isinstance(value, str) and value.strip().lower() in HIGH_PRIORITIES:
                return True
    return is_urgent(deadline, now, warning_seconds)


def wants_alert(
    notify_on: str,
    metadata: Mapping[str, Any] | None,
    deadline: datetime | None,
    now: datetime,
    warning_seconds: float = WARNING_SECONDS,
) -> bool:
    """Whether a new, open notification deserves a desktop notification under `notify_on`
    ("all", or "urgent": only `is_urgent_notification` ones)."""
    if notify_on == "all":
        return True
    return is_urgent_notification(metadata, deadline, now, warning_seconds)


class AlertLimiter:
    """At most one alert per `interval` seconds; the rest are folded into "N more".

    The first notification is shown at once. Those arriving within the next `interval` are
    counted, and `flush()` (call it when `next_flush_at` comes) shows one summary for them. A
    notification offered after the interval carries the folded count with it instead. So a
    replay of 10,000 is two alerts: the first, then "9,999 more". `clock` is monotonic seconds,
    injectable for tests.
    """

    def __init__(
        self, interval: float = DEFAULT_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        #: Monotonic seconds (a fake in tests).
        self.clock = clock
        self._next_allowed = float("-inf")
        self._folded = 0

    @property
    def folded(self) -> int:
        """How many notifications wait to be summarised."""
        return self._folded

    @property
    def next_flush_at(self) -> float | None:
        """When `flush()` will have a summary to give (`None`: nothing is folded)."""
        return self._next_allowed if self._folded else None

    def offer(self, service: str, title: str) -> Alert | None:
        """The alert to show now for this notification, or `None` when it was folded."""
        now = self.clock()
        if now < self._next_allowed:
            self._folded += 1
            return None
        alert = alert_for(service, title, more=self._folded)
        self._folded = 0
        self._next_allowed = now + self.interval
        return alert

    def flush(self) -> Alert | None:
        """The summary of the folded notifications, once the interval has passed."""
        now = self.clock()
        if not self._folded or now < self._next_allowed:
            return None
        alert = summary_alert(self._folded)
        self._folded = 0
        self._next_allowed = now + self.interval
        return alert


@dataclass(frozen=True, slots=True)
class Arrival:
    """A new, open notification as the notifier needs it (all server text, unsanitised)."""

    service: str
    title: str
    metadata: Mapping[str, Any] | None
    deadline: datetime | None

    @classmethod
    def of(cls, notification: Notification) -> Arrival:
        """What the notifier needs of a received notification."""
        return cls(
            notification.service.name,
            notification.context.title,
            notification.context.metadata,
            notification.deadline,
        )


class TerminalNotifier:
    """Chooses, limits and writes desktop notifications for new notifications.

    `write` takes the bytes (the TUI's driver, `watch`'s controlling terminal); `clock` is
    monotonic seconds. `configure` applies changed settings (the TUI's settings screen).
    """

    def __init__(
        self,
        write: Callable[[bytes], None],
        env: Mapping[str, str],
        *,
        notify: str = "auto",
        notify_on: str = "urgent",
        warning_seconds: float = WARNING_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._write = write
        self._env = env
        self._tmux = in_tmux(env)
        self.limiter = AlertLimiter(interval, clock)
        self.protocol: NotifyProtocol | None = None
        self.notify_on = notify_on
        self.warning_seconds = warning_seconds
        self.configure(notify, notify_on, warning_seconds)

    def configure(self, notify: str, notify_on: str, warning_seconds: float) -> None:
        """Use these settings from now on."""
        self.protocol = choose_protocol(notify, self._env)
        self.notify_on = notify_on
        self.warning_seconds = warning_seconds

    def arrived(
        self,
        arrivals: Iterable[Arrival],
        now: datetime,
        *,
        bell_rang: bool = False,
        every: bool = False,
    ) -> int:
        """Offer a batch of new, open notifications; returns how many alerts were written
        (0 or 1: the first that qualifies, the rest fold into the limiter's count).

        `bell_rang`: the caller rang the bell for this batch already, so a "bell" protocol
        does not ring it twice. `every`: each one qualifies whatever `notify_on` says
        (snoozed items coming back: the user asked to be reminded of them)."""
        if self.protocol is None:
            return 0
        written = 0
        for arrival in arrivals:
            if not every and not wants_alert(
                self.notify_on, arrival.metadata, arrival.deadline, now, self.warning_seconds
            ):
                continue
            alert = self.limiter.offer(arrival.service, arrival.title)
            if alert is not None and not (self.protocol == "bell" and bell_rang):
                self._write(sequence(alert, self.protocol, tmux=self._tmux))
                written += 1
        return written

    def flush(self) -> float | None:
        """Write the folded notifications' summary when it is due; returns the seconds until
        the next one is due (`None`: nothing is folded)."""
        if self.protocol is not None:
            alert = self.limiter.flush()
            if alert is not None:
                self._write(sequence(alert, self.protocol, tmux=self._tmux))
        due = self.limiter.next_flush_at
        return None if due is None else max(0.0, due - self.limiter.clock())


#: What `config check` says inside tmux (and the README repeats).
TMUX_PASSTHROUGH_HINT = (
    "inside tmux, desktop notifications need `set -g allow-passthrough on` in tmux.conf "
    "(tmux 3.3 or later)"
)
