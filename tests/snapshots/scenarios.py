"""The scenes shared by the snapshot tests and `screenshots/make_screenshots.py`.

Each scene is a name, a function building the app, and the keys to press before the shot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from atp_tui.app import AtpApp
from atp_tui.client.events import ConnectionChanged, ConnectionState, StatusChanged
from atp_tui.client.respond import RespondOutcome
from atp_tui.screens.away import AwayScreen
from atp_tui.settings import Settings
from atp_tui.store import Store
from tests.snapshots.harness import (
    APPROVE,
    CONNECTED,
    INJECTION_TITLES,
    NOW,
    FrozenClock,
    inbox_items,
    make_app,
    notification,
    received,
)

SIZES = {"60x18": (60, 18), "80x24": (80, 24), "140x40": (140, 40)}


@dataclass(frozen=True)
class Scene:
    """One screenshot: how to build the app and what to press first."""

    build: Callable[[], AtpApp]
    press: tuple[str, ...] = ()
    settle: Callable[[AtpApp], bool] = field(default=lambda app: True)
    push: tuple[Any, ...] = ()
    """Engine events delivered after the first batch (live updates)."""
    environ: tuple[tuple[str, str], ...] = ()
    """Process environment variables set while the app is built (Textual reads `NO_COLOR`
    from `os.environ` itself)."""


def _inbox(*extra: Any, outcomes: list[RespondOutcome] | None = None) -> AtpApp:
    return make_app([CONNECTED, *received(inbox_items()), *extra], outcomes=outcomes)


def _inbox_env(env: dict[str, str]) -> AtpApp:
    return make_app([CONNECTED, *received(inbox_items())], env=env)


#: An irreversible yes/no (db-guardian's fail-over in the demo).
FAILOVER = {
    "id": "failover",
    "label": "Fail over now?",
    "response_type": "binary",
    "options": {"true_label": "Fail over", "false_label": "Wait"},
    "flags": ["irreversible"],
}


def _failover() -> AtpApp:
    """The inbox with an irreversible yes/no on top (the soonest deadline)."""
    replica = notification(
        "n-failover",
        "Replica eu-west-2 of orders-db is 95 s behind",
        service="db-guardian",
        project="orders-db",
        deadline=2,
        description="Failing over promotes eu-west-1 and cannot be undone automatically.",
        actions=[FAILOVER],
    )
    return make_app([CONNECTED, *received([replica, *inbox_items()])])


def _loaded(app: AtpApp) -> bool:
    return app.batches >= 1


def _injection() -> AtpApp:
    items = [
        notification(f"x{i}", title, deadline=5 + i, service="[red]svc[/]", project="\x1b[2J")
        for i, title in enumerate(INJECTION_TITLES)
    ]
    items[0] = notification(
        "x0",
        INJECTION_TITLES[0],
        deadline=5,
        service="[red]svc[/]",
        project="\x1b[2J",
        description="[/]\x1b]52;c;ZXZpbA==\x07 [@click=app.quit]quit[/] \u202eevil\nnext line",
        metadata={"[b]key[/b]": "[@click=app.quit]v[/]"},
    )
    return make_app([CONNECTED, *received(items)])


#: A rollback question with a description longer than a small screen (it must scroll, while the
#: input, the error and the hint stay in sight).
ROLLBACK_DESCRIPTION = "\n".join(
    [
        "Error rate on checkout rose from 0.2% to 4.1% within six minutes of the 2.14.3 rollout.",
        "",
        "What the agent checked:",
        *(
            f"- {check}"
            for check in (
                "payments-api pods: 12/12 ready, no restarts",
                "p99 latency: 310 ms (was 180 ms)",
                "the card processor status page: all green",
                "feature flag checkout_v2: on for 50% of traffic since 09:12",
                "database: replication lag 0.4 s, no locks",
                "the last three deploys of payments-api: all clean",
            )
        ),
        "",
        "Rolling back takes about four minutes and drops in-flight sessions.",
        "If you hold, the agent watches the error rate and asks again at 5%.",
    ]
)
WHY_HOLD = {
    "id": "why",
    "label": "Hold: why?",
    "response_type": "text",
    "constraints": {"min_length": 20, "placeholder": "what should the agent watch?"},
}
#: A maintenance window: a date and time with bounds (shown in local time, here UTC).
WINDOW = {
    "id": "window",
    "label": "Maintenance window",
    "response_type": "date",
    "constraints": {
        "include_time": True,
        "min": "2026-03-14T12:00:00Z",
        "max": "2026-03-21T18:00:00Z",
    },
}


def _rollback() -> AtpApp:
    """The inbox with the rollback question on top (the soonest deadline)."""
    rollback = notification(
        "n-rollback",
        "Roll back payments-api 2.14.3? Checkout errors at 4.1%",
        service="deploy-bot",
        deadline=1.5,
        description=ROLLBACK_DESCRIPTION,
        actions=[APPROVE, WHY_HOLD, WINDOW],
    )
    return make_app([CONNECTED, *received([rollback, *inbox_items()])])


REFUSED = RespondOutcome("refused", "replicas above the team quota (CONSTRAINT_VIOLATION)", 422)

CONFIG_PATH = Path("/home/oncall/.config/atp-tui/config.toml")


def _settings(server: str | None = "https://atp.work.example") -> AtpApp:
    """Scenes must never save: `settings_error` types an invalid value (nothing is written)."""
    return make_app(
        [CONNECTED, *received(inbox_items())],
        config_path=CONFIG_PATH,
        profile="work",
        settings=Settings(server=server, bell="high"),
    )


#: The quick replies of the quick reply scenes (a long one, a multi-line one, markup as text).
QUICK_REPLIES = {
    "ship": "Looks good, ship it.",
    "freeze": "Not now: the change freeze ends at 10:00. Ask me again after that, please.",
    "hold": "Hold this for now.\nI will check the dashboards and answer within the hour.",
    "[b]markup[/b]": "[red]stays literal[/red]",
}


def _quick_inbox() -> AtpApp:
    return make_app(
        [CONNECTED, *received(inbox_items())], settings=Settings(quick_replies=QUICK_REPLIES)
    )


def _quick_settings() -> AtpApp:
    """Scenes must never save (see `_settings`)."""
    return make_app(
        [CONNECTED, *received(inbox_items())],
        config_path=CONFIG_PATH,
        settings=Settings(server="https://atp.work.example", quick_replies=QUICK_REPLIES),
    )


def _history() -> AtpApp:
    """Answers logged over the last hour (their own clock), then the inbox they belong to."""
    log_clock = FrozenClock(NOW - timedelta(minutes=70))
    store = Store.in_memory(log_clock)
    answers = [
        ("n-budget", "approve", None, "sent", "answer sent"),
        ("n-migrate", "reply", "after the 10:00 freeze, please", "sent", "answer sent"),
        ("n-promote", "replicas", 40, "refused", "replicas above the team quota"),
        ("n-promote", "replicas", 8, "sent", "answer sent"),
        ("n-gone", "approve", None, "already_responded", "answered in the web UI"),
    ]
    for nid, action, data, outcome, detail in answers:
        log_clock.advance(11 * 60)
        store.record_response(nid, action, data, outcome, detail)
    return make_app([CONNECTED, *received(inbox_items())], store=store)


def _away() -> AtpApp:
    """A cached inbox from 45 minutes ago; the reconnect replays what happened since."""
    cache_clock = FrozenClock(NOW - timedelta(minutes=45))
    store = Store.in_memory(cache_clock)
    rotate = notification("n-rotate", "Rotate the staging TLS certificate?", deadline=-10)
    cached = [*inbox_items()[:4], rotate]
    for index, item in enumerate(cached):
        store.add_notification(item, f"c{index}")
    store.commit()
    replay = [
        CONNECTED,
        *received(inbox_items()[4:]),
        *received([notification("n-hotfix", "Ship hotfix 2.14.4 to canary?", deadline=20)]),
        StatusChanged("n-migrate", "invalidated", "superseded by 0043_orders_index", "e30"),
        StatusChanged("n-refund", "responded", "answered by j.doe in the web UI", "e31"),
    ]
    return make_app(replay, store=store)


def _with_closed(**options: Any) -> AtpApp:
    """The usual inbox plus an answered, an expired and a withdrawn item (sorted last)."""
    closed = [
        notification(
            "n-answered",
            "Restart the flaky ingest worker?",
            service="ops-bot",
            project="ingest",
            created=-20,
            deadline=25,
            status="responded",
        ),
        notification(
            "n-expired",
            "Rotate the staging TLS certificate?",
            service="cert-watch",
            project="staging",
            created=-90,
            deadline=-12,
        ),
        notification(
            "n-withdrawn",
            "Scale checkout to 12 replicas?",
            service="autoscaler",
            project="checkout",
            created=-8,
            deadline=15,
            status="invalidated",
        ),
    ]
    return make_app([CONNECTED, *received([*closed, *inbox_items()])], **options)


#: A console that cannot draw Unicode (the glyph set falls back to ASCII).
LINUX_CONSOLE = {"TERM": "linux", "LANG": "en_US.UTF-8"}
#: NO_COLOR set (https://no-color.org): colour must carry no meaning.
NO_COLOR = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "NO_COLOR": "1"}


#: Bulk answers: approve every canary deploy at once (issue #14, item 4).
CANARY_APPROVE = {"id": "approve", "label": "Approve", "response_type": "simple"}
CANARY_APPROVE_FLAGGED = {**CANARY_APPROVE, "flags": ["irreversible"]}
CANARY_HOLD = {"id": "hold", "label": "Hold", "response_type": "simple"}
#: What the server says to some of them (the others are sent).
BULK_OUTCOMES = [
    RespondOutcome("sent", "answer sent"),
    RespondOutcome("refused", "canary 3 is frozen (CONSTRAINT_VIOLATION)", 422),
    RespondOutcome("expired", "the notification's deadline has passed", 409),
]


def _canaries(**options: Any) -> AtpApp:
    """Twelve canary deploys (two whose promotion cannot be undone), one asking another
    question and one already expired: what `*` and `1` are for."""
    services = ("deploy-bot", "rollout-bot", "canary-ctl")
    items = [
        notification(
            f"n-canary-{i}",
            f"Promote canary {i} of payments-api 2.14.3 to 25%?",
            service=services[i % 3],
            project="payments",
            created=-30 + i,
            deadline=20 + 3 * i,
            actions=[CANARY_APPROVE_FLAGGED if i in (2, 7) else CANARY_APPROVE, CANARY_HOLD],
        )
        for i in range(12)
    ]
    items.append(
        notification(
            "n-canary-yesno",
            "Roll canary 12 back?",
            service="rollout-bot",
            deadline=50,
            actions=[FAILOVER],
        )
    )
    items.append(
        notification("n-canary-late", "Promote canary 13 to 25%?", deadline=-3, created=-40)
    )
    return make_app([CONNECTED, *received(items)], **options)


#: NO_COLOR and a console without Unicode: the marks must still show.
PLAIN_CONSOLE = {"TERM": "linux", "LANG": "C.UTF-8", "NO_COLOR": "1"}


def _away_shown(app: AtpApp) -> bool:
    return isinstance(app.screen, AwayScreen)


SCENES: dict[str, Scene] = {
    "connecting_empty": Scene(lambda: make_app()),
    "inbox_detail": Scene(_inbox, settle=_loaded),
    "confirm_irreversible": Scene(_inbox, ("1",), _loaded),
    "confirm_irreversible_binary": Scene(_failover, ("1", "1"), _loaded),
    "text_modal": Scene(_inbox, ("2", *"not now"), _loaded),
    "binary_modal": Scene(_inbox, ("3",), _loaded),
    "choice_modal": Scene(_inbox, ("4", "down"), _loaded),
    "multi_choice_modal": Scene(_inbox, ("5", "space", "down", "space"), _loaded),
    "number_modal_error": Scene(_inbox, ("6", "9", "9", "enter"), _loaded),
    "date_modal": Scene(_inbox, ("7", *"2026-05"), _loaded),
    "long_text_error": Scene(_rollback, ("2", *"later", "enter"), _loaded),
    "date_time_refused": Scene(_rollback, ("3", *"2026-03-22 09:00", "enter"), _loaded),
    "refused_answer": Scene(lambda: _inbox(outcomes=[REFUSED]), ("6", "1", "2", "enter"), _loaded),
    "invalidated_item": Scene(
        _inbox,
        settle=_loaded,
        push=(StatusChanged("n-promote", "invalidated", "replaced by build 2.14.4", "e9"),),
    ),
    "reconnecting": Scene(
        lambda: _inbox(
            ConnectionChanged(ConnectionState("reconnecting", "server closed the stream", 6.0, 3))
        ),
        settle=_loaded,
    ),
    "credentials_refused": Scene(
        lambda: make_app(
            [
                ConnectionChanged(
                    ConnectionState(
                        "auth_refused", "token refused by the server (401 AUTH_INVALID_TOKEN)"
                    )
                )
            ]
        ),
        settle=_loaded,
    ),
    "help": Scene(_inbox, ("question_mark",), _loaded),
    "settings": Scene(_settings, ("comma",), _loaded),
    "settings_error": Scene(lambda: _settings(None), ("comma", *"ftp://atp", "ctrl+s"), _loaded),
    "history": Scene(_history, ("H",), _loaded),
    "quick_reply_picker": Scene(_quick_inbox, ("2", *"ok, ", "ctrl+r", "down"), _loaded),
    "quick_reply_inserted": Scene(_quick_inbox, ("2", *"ok, ", "ctrl+r", "2"), _loaded),
    "quick_replies_editor": Scene(_quick_settings, ("comma", "ctrl+r", "down"), _loaded),
    "quick_reply_form": Scene(_quick_settings, ("comma", "ctrl+r", "down", "down", "e"), _loaded),
    "away_summary": Scene(_away, settle=_away_shown),
    "injection_titles": Scene(_injection, settle=_loaded),
    "closed_last": Scene(_with_closed, settle=_loaded),
    "closed_hidden": Scene(_with_closed, ("c",), _loaded),
    "no_color_inbox": Scene(
        lambda: _with_closed(env=NO_COLOR), settle=_loaded, environ=(("NO_COLOR", "1"),)
    ),
    "ascii_inbox": Scene(lambda: _with_closed(env=LINUX_CONSOLE), settle=_loaded),
    "marks": Scene(_inbox, ("space", "j", "j", "space", "j", "space", "k"), _loaded),
    "marks_plain": Scene(
        lambda: _inbox_env(PLAIN_CONSOLE),
        ("space", "j", "j", "space", "j", "space", "k"),
        _loaded,
        environ=(("NO_COLOR", "1"),),
    ),
    "bulk_confirm": Scene(_canaries, ("asterisk", "1"), _loaded),
    "bulk_results": Scene(
        lambda: _canaries(outcomes=list(BULK_OUTCOMES)), ("asterisk", "1", "y"), _loaded
    ),
    # n-budget (deadline in 10 h): all three choices.
    "snooze_menu": Scene(_inbox, ("j", "j", "j", "z"), _loaded),
    # n-budget for 15 min, then n-refund (no deadline: 15 min or 1 h) for 1 h, then the list.
    "snoozed_list": Scene(_inbox, ("j", "j", "j", "z", "1", "z", "2", "Z"), _loaded),
}


async def settle(pilot: Any, scene: Scene) -> None:
    """Wait until the scene's data arrived and answers finished, then press its keys."""
    app = pilot.app
    # Generous caps: each loop ends as soon as its condition holds, and a loaded CI machine
    # must not turn a slow first frame into a snapshot of a half-loaded screen.
    for _ in range(1000):
        if scene.settle(app):
            break
        await pilot.pause(0.01)
    await pilot.pause()
    if scene.push:
        batches = app.batches
        app.engine.push(*scene.push)
        for _ in range(1000):
            if app.batches > batches:
                break
            await pilot.pause(0.01)
    for key in scene.press:
        await pilot.press(key)
    for _ in range(
        1000
    ):  # every key applied (`atp_tui.screens.key_order`), the app settled after it
        if app.key_order.idle:
            break
        await pilot.pause(0.01)
    for _ in range(50):
        if not app.main.answering.pending_count:
            break
        await asyncio.sleep(0.01)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
