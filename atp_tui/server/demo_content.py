"""What the demo agents ask: realistic notification templates covering every response type.

Each template takes a `random.Random` and the current time and returns `(service_id, body)`.
Together they cover simple (some irreversible), binary, choice, multi_choice, text (single line
and multiline), number (integer and fractional), date (with and without time), deadlines from
3 minutes to 24 hours (and none), metadata, an inline text attachment and a `uri` attachment.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from atp_tui.server.events import isoformat

Body = tuple[str, dict[str, Any]]
Template = Callable[[random.Random, datetime], Body]

#: The demo services: id, display name, description.
DEMO_SERVICES: list[tuple[str, str, str]] = [
    ("deploy-bot", "deploy-bot", "Rolls out builds and watches canaries"),
    ("db-guardian", "db-guardian", "Watches database health and migrations"),
    ("support-triage", "support-triage", "Routes and drafts answers to support tickets"),
    ("cost-watch", "cost-watch", "Flags cloud spend against budgets"),
    ("release-notes", "release-notes", "Prepares release notes and schedules"),
]

IRREVERSIBLE = ["irreversible"]


def _at(now: datetime, minutes: float) -> str:
    return isoformat(now + timedelta(minutes=minutes))


def _version(rng: random.Random) -> str:
    return f"{rng.randint(1, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"


def _context(title: str, description: str, project: str, **metadata: Any) -> dict[str, Any]:
    return {"title": title, "description": description, "project": project, "metadata": metadata}


def _action(action_id: str, label: str, response_type: str, **fields: Any) -> dict[str, Any]:
    return {"id": action_id, "label": label, "response_type": response_type, **fields}


def _options(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"value": value, "label": label} for value, label in pairs]


def _body(
    service: str, context: dict[str, Any], actions: list[dict[str, Any]], deadline: str | None
) -> Body:
    body: dict[str, Any] = {"context": context, "actions": actions}
    if deadline is not None:
        body["deadline"] = deadline
    return service, body


def promote_build(rng: random.Random, now: datetime) -> Body:
    """deploy-bot: promote a build to production (simple, irreversible, text attachment)."""
    service = rng.choice(["payments-api", "checkout", "search-indexer"])
    version = _version(rng)
    diff = (
        f"{service} {version}\n {rng.randint(3, 40)} files changed, "
        f"{rng.randint(20, 900)} insertions(+), {rng.randint(5, 300)} deletions(-)\n"
        " - retry budget for upstream calls raised from 2 to 3\n"
        " - new index on orders(created_at)\n"
    )
    context = _context(
        f"Promote {service} {version} to production?",
        f"Staging has been green for {rng.randint(2, 20)} hours. "
        "The rollout takes about 12 minutes and cannot be paused once started.",
        service,
        priority="high",
        environment="production",
        version=version,
        commit=f"{rng.getrandbits(28):07x}",
    )
    data = base64.b64encode(diff.encode()).decode()
    context["attachments"] = [{"type": "text/plain", "description": "diff summary", "data": data}]
    actions = [
        _action("promote", "Promote now", "simple", flags=IRREVERSIBLE),
        _action("defer", "Wait for the next window", "simple"),
    ]
    return _body("deploy-bot", context, actions, _at(now, rng.choice([30, 45, 90])))


def canary_check(rng: random.Random, now: datetime) -> Body:
    """deploy-bot: continue a canary rollout (binary, short deadline)."""
    rate = round(rng.uniform(0.2, 2.5), 2)
    context = _context(
        f"Canary at 5% shows a {rate}% error rate. Continue the rollout?",
        "The baseline error rate is 0.3%. Rolling back takes about 2 minutes.",
        "web-frontend",
        priority="urgent",
        environment="production",
        error_rate=f"{rate}%",
        version=_version(rng),
    )
    labels = {"true_label": "Continue rollout", "false_label": "Roll back"}
    actions = [_action("continue", "Continue the rollout?", "binary", options=labels)]
    return _body("deploy-bot", context, actions, _at(now, rng.choice([3, 5, 10])))


def slow_migration(rng: random.Random, now: datetime) -> Body:
    """db-guardian: a long-running migration (choice)."""
    context = _context(
        f"Migration 0042 has been running for {rng.randint(12, 70)} minutes on orders-db",
        "It holds a lock on the orders table; checkout latency p99 is up 4x.",
        "orders-db",
        priority="high",
        environment="production",
        table_size="182 GB",
    )
    options = _options(
        ("wait", "Let it finish"),
        ("pause", "Pause and resume tonight"),
        ("kill", "Kill it and roll back"),
    )
    actions = [_action("decide", "What should I do?", "choice", options=options)]
    return _body("db-guardian", context, actions, _at(now, 15))


def unused_indexes(rng: random.Random, now: datetime) -> Body:
    """db-guardian: drop unused indexes (multi_choice with bounds, no deadline)."""
    names = ["idx_orders_legacy_ref", "idx_users_fax", "idx_events_tmp", "idx_carts_v1"]
    context = _context(
        "Drop unused indexes on analytics-db?",
        f"These indexes have had no reads in {rng.randint(30, 120)} days and use "
        f"{rng.randint(20, 90)} GB.",
        "analytics-db",
        priority="low",
        environment="production",
    )
    bounds = {"min_selections": 1, "max_selections": 3}
    options = _options(*((name, name) for name in names))
    actions = [
        _action("drop", "Indexes to drop", "multi_choice", options=options, constraints=bounds),
        _action("keep_all", "Keep them all", "simple"),
    ]
    return _body("db-guardian", context, actions, None)


def maintenance_window(rng: random.Random, now: datetime) -> Body:
    """db-guardian: pick a maintenance window (date with time)."""
    context = _context(
        "Schedule the PostgreSQL 16 upgrade for users-db",
        "Expect about 20 minutes of read-only mode. Pick a start time in the next two weeks.",
        "users-db",
        priority="normal",
        environment="production",
        downtime="~20 min read-only",
    )
    bounds = {"include_time": True, "min": _at(now, 60), "max": _at(now, 14 * 24 * 60)}
    actions = [_action("when", "Start the upgrade at", "date", constraints=bounds)]
    return _body("db-guardian", context, actions, _at(now, 24 * 60))


def replica_lag(rng: random.Random, now: datetime) -> Body:
    """db-guardian: fail over a lagging replica (binary, irreversible) or tune the alert."""
    lag = rng.randint(20, 180)
    context = _context(
        f"Replica eu-west-2 of orders-db is {lag} s behind",
        "Reads routed to it are stale. Failing over promotes eu-west-1 and cannot be undone "
        "automatically.",
        "orders-db",
        priority="urgent" if lag > 90 else "high",
        environment="production",
        lag_seconds=lag,
    )
    labels = {"true_label": "Fail over", "false_label": "Wait"}
    bounds = {"min": 5, "max": 300, "step": 5, "integer": True}
    actions = [
        _action("failover", "Fail over now?", "binary", options=labels, flags=IRREVERSIBLE),
        _action("threshold", "Alert threshold (seconds)", "number", constraints=bounds),
    ]
    return _body("db-guardian", context, actions, _at(now, 5))


def refund_request(rng: random.Random, now: datetime) -> Body:
    """support-triage: a refund decision (choice plus a single-line text note)."""
    amount = rng.choice([49, 120, 240, 860])
    context = _context(
        f"Ticket #{rng.randint(4000, 9999)}: customer asks for a ${amount} refund",
        "Annual plan, renewed 9 days ago; the customer says the renewal reminder never arrived.",
        "helpdesk",
        priority="normal",
        customer_tier=rng.choice(["pro", "team", "enterprise"]),
        cost=f"${amount}",
    )
    options = _options(("full", "Full refund"), ("partial", "Refund 50%"), ("deny", "Decline"))
    note = {"placeholder": "Short, friendly, one line", "max_length": 280}
    actions = [
        _action("refund", "Refund", "choice", options=options),
        _action("note", "Note to the customer", "text", constraints=note),
    ]
    return _body("support-triage", context, actions, _at(now, 4 * 60))


def escalated_reply(rng: random.Random, now: datetime) -> Body:
    """support-triage: write a reply (multiline text with length bounds)."""
    context = _context(
        f"Escalated ticket #{rng.randint(4000, 9999)} needs a human reply",
        "The customer lost two days of data after an import; my draft was flagged as too "
        "technical. Please write the reply.",
        "helpdesk",
        priority="high",
        customer_tier="enterprise",
    )
    bounds = {
        "multiline": True,
        "min_length": 20,
        "max_length": 2000,
        "placeholder": "Dear customer, ...",
    }
    actions = [
        _action("reply", "Reply", "text", constraints=bounds),
        _action("handover", "Hand over to the account manager", "simple"),
    ]
    return _body("support-triage", context, actions, _at(now, 120))


def gpu_budget(rng: random.Random, now: datetime) -> Body:
    """cost-watch: set a spending cap (integer number with step)."""
    context = _context(
        f"GPU spend is {rng.randint(15, 60)}% over the monthly budget",
        "Training jobs in ml-platform drove the increase. Set a new hard cap or keep the "
        "current one.",
        "ml-platform",
        priority="high",
        cost=f"${rng.randint(21, 40)},{rng.randint(100, 999)}",
        budget="$20,000",
    )
    bounds = {"min": 1000, "max": 50000, "step": 500, "integer": True}
    actions = [
        _action("cap", "New monthly cap (USD)", "number", constraints=bounds),
        _action("keep", "Keep the current cap", "simple"),
    ]
    return _body("cost-watch", context, actions, _at(now, 8 * 60))


def idle_cluster(rng: random.Random, now: datetime) -> Body:
    """cost-watch: shut down an idle cluster (simple, one irreversible)."""
    name = rng.choice(["staging-eu", "perf-lab", "demo-us"])
    context = _context(
        f"Cluster {name} has been idle for {rng.randint(3, 9)} days",
        "Shutting it down deletes its node pools; persistent volumes are kept.",
        name,
        priority="low",
        environment="staging",
        cost=f"${rng.randint(30, 140)}/day",
    )
    actions = [
        _action("shutdown", "Shut down now", "simple", flags=IRREVERSIBLE),
        _action("snooze", "Keep it 24 h more", "simple"),
    ]
    return _body("cost-watch", context, actions, _at(now, 60))


def sampling_rate(rng: random.Random, now: datetime) -> Body:
    """cost-watch: a fractional number (trace sampling rate), no deadline."""
    context = _context(
        "Tracing costs doubled this week; lower the sampling rate?",
        "The current rate is 0.5. Each 0.1 costs about $400 per month.",
        "observability",
        priority="normal",
        cost="$2,100/month",
    )
    bounds = {"min": 0, "max": 1, "step": 0.05}
    actions = [_action("rate", "Sampling rate", "number", constraints=bounds)]
    return _body("cost-watch", context, actions, None)


def release_date(rng: random.Random, now: datetime) -> Body:
    """release-notes: a release date (date without time) and a one-line title."""
    version = f"5.{rng.randint(2, 9)}"
    context = _context(
        f"Pick the release date for mobile app {version}",
        "QA signs off on Thursday; store review takes one to three days.",
        "mobile-app",
        priority="normal",
        version=version,
    )
    earliest = (now + timedelta(days=2)).date().isoformat()
    title = {"placeholder": "e.g. Faster sync", "max_length": 80}
    actions = [
        _action("date", "Release on", "date", constraints={"include_time": False, "min": earliest}),
        _action("title", "Release title", "text", constraints=title),
    ]
    return _body("release-notes", context, actions, None)


def release_highlights(rng: random.Random, now: datetime) -> Body:
    """release-notes: choose highlights (multi_choice, uri attachment)."""
    version = f"5.{rng.randint(2, 9)}"
    context = _context(
        f"Which highlights go into the {version} release notes?",
        "Pick two to four; the rest go under 'Other changes'.",
        "mobile-app",
        priority="low",
        version=version,
    )
    draft = f"https://docs.example.com/releases/{version}/draft"
    context["attachments"] = [
        {"type": "text/html", "description": "draft release notes", "uri": draft}
    ]
    names = ["Offline mode", "Faster sync", "Dark theme", "Widgets", "Accessibility fixes"]
    options = _options(*((name.lower().replace(" ", "_"), name) for name in names))
    bounds = {"min_selections": 2, "max_selections": 4}
    actions = [
        _action("highlights", "Highlights", "multi_choice", options=options, constraints=bounds)
    ]
    return _body("release-notes", context, actions, _at(now, 24 * 60))


#: Every template, in the order the demo inbox is seeded.
TEMPLATES: list[Template] = [
    promote_build,
    canary_check,
    slow_migration,
    unused_indexes,
    maintenance_window,
    replica_lag,
    refund_request,
    escalated_reply,
    gpu_budget,
    idle_cluster,
    sampling_rate,
    release_date,
    release_highlights,
]

#: Reasons a demo agent gives when it withdraws a request.
INVALIDATION_REASONS = [
    "resolved automatically",
    "superseded by a newer request",
    "the issue cleared on its own",
    "handled by another on-call engineer",
]
