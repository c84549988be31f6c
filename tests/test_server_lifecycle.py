"""The reference server around the API: the expiry loop, the demo agents, logging without the
token, shutdown with open streams and the `run_server` entry point."""

from __future__ import annotations

import base64
import logging
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from atp_tui.protocol import Notification
from atp_tui.server import DemoAgents, RunningServer, ServerState
from tests.server_helpers import (
    AUTH,
    EVENTS,
    NOTIFICATIONS,
    RESPOND,
    ManualClock,
    add,
    eventually,
    fast_config,
    notification_body,
    open_stream,
)

# Expiry


async def test_the_expiry_loop_emits_expired(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server, deadline=server.state.now() + timedelta(seconds=0.3))
    async with open_stream(client) as (_, reader):
        frames = await reader.events(2)
    assert [frame.event for frame in frames] == ["notification", "status_update"]
    update = frames[1].json()
    assert update["notification_id"] == notification["id"]
    assert update["status"] == "expired" and update["reason"] == "deadline passed"
    assert update["timestamp"]


def test_expire_due_only_expires_open_notifications_past_their_deadline() -> None:
    clock = ManualClock()
    state = ServerState(now=clock)
    soon = state.add_notification(notification_body(deadline=clock() + timedelta(minutes=1)))
    later = state.add_notification(notification_body(deadline=clock() + timedelta(hours=1)))
    answered = state.add_notification(notification_body(deadline=clock() + timedelta(minutes=1)))
    never = state.add_notification(notification_body())
    state.respond(answered["id"], "ok", None)
    assert state.expire_due() == []
    clock.advance(61)
    assert state.expire_due() == [soon["id"]]
    assert state.expire_due() == []
    statuses = {n["id"]: n["status"] for n in state.notifications.values()}
    assert statuses == {
        soon["id"]: "expired",
        later["id"]: "delivered",
        answered["id"]: "responded",
        never["id"]: "delivered",
    }


# Demo agents


def test_demo_agents_cover_every_response_type_and_feature() -> None:
    clock = ManualClock()
    state = ServerState(now=clock)
    agents = DemoAgents(state, seed=7)
    seeded = agents.seed_inbox()
    assert len(seeded) >= 12
    assert {n["service"]["id"] for n in seeded} == {
        "deploy-bot",
        "db-guardian",
        "support-triage",
        "cost-watch",
        "release-notes",
    }
    actions = [action for n in seeded for action in n["actions"]]
    kinds = Counter(action["response_type"] for action in actions)
    assert set(kinds) == {"simple", "binary", "choice", "multi_choice", "text", "number", "date"}
    assert any("irreversible" in action.get("flags", []) for action in actions)
    assert all(
        set(a["options"]) == {"true_label", "false_label"}
        for a in actions
        if a["response_type"] == "binary"
    )
    multi = [a["constraints"] for a in actions if a["response_type"] == "multi_choice"]
    assert all("min_selections" in c and "max_selections" in c for c in multi)
    texts = [a["constraints"] for a in actions if a["response_type"] == "text"]
    assert any(c.get("multiline") for c in texts) and any(not c.get("multiline") for c in texts)
    assert all("placeholder" in c and "max_length" in c for c in texts)
    numbers = [a["constraints"] for a in actions if a["response_type"] == "number"]
    assert any(c.get("integer") for c in numbers) and any(not c.get("integer") for c in numbers)
    assert all({"min", "max", "step"} <= set(c) for c in numbers)
    dates = [a["constraints"] for a in actions if a["response_type"] == "date"]
    assert {c["include_time"] for c in dates} == {True, False}
    attachments = [a for n in seeded for a in n["context"].get("attachments", [])]
    assert any(a.get("uri") for a in attachments)
    text = [a for a in attachments if a.get("data")]
    assert text and text[0]["type"] == "text/plain"
    assert base64.b64decode(text[0]["data"]).decode().strip()
    parsed = [Notification.model_validate(n) for n in seeded]
    windows = [p.deadline - clock() for p in parsed if p.deadline is not None]
    assert timedelta(minutes=3) <= min(windows) <= timedelta(minutes=5)
    assert max(windows) == timedelta(hours=24)
    assert any(p.deadline is None for p in parsed)
    assert all(n["context"]["metadata"].get("priority") for n in seeded)
    assert all(p.timestamp is not None and p.timestamp < clock() for p in parsed)

    again = DemoAgents(ServerState(now=clock), seed=7).seed_inbox()
    assert again == seeded


def test_demo_ticks_add_notifications_and_sometimes_withdraw_one() -> None:
    state = ServerState()
    agents = DemoAgents(state, seed=3)
    agents.seed_inbox()
    for _ in range(10):
        agents.tick()
    assert len(state.notifications) == len(agents.sent) == 13 + 10
    withdrawn = [e.data for e in state.log if e.data.get("status") == "invalidated"]
    assert len(withdrawn) == 2 and all(update["reason"] for update in withdrawn)


async def test_demo_agents_run_inside_the_server() -> None:
    config = fast_config(demo_agents=True, demo_interval=0.05, demo_seed=1)
    async with RunningServer(config) as server:
        await eventually(lambda: len(server.state.notifications) >= 12)
        seeded = len(server.state.notifications)
        await eventually(lambda: len(server.state.notifications) > seeded + 2)


# Logging, shutdown and the CLI entry point


async def test_no_log_line_contains_the_token(caplog: pytest.LogCaptureFixture) -> None:
    secret = "sekrit-token-4242"
    caplog.set_level(logging.DEBUG)
    async with RunningServer(fast_config(user_token=secret)) as server:
        notification = add(server)
        query = {"token": secret}
        async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
            async with open_stream(http, params=query) as (response, reader):
                assert response.status_code == 200
                await reader.next_frame()
            await http.get(NOTIFICATIONS, params=query)
            await http.get(f"{NOTIFICATIONS}/{notification['id']}", params=query)
            body = {"notification_id": notification["id"], "action_id": "ok", "response_data": 1}
            await http.post(RESPOND, params=query, json=body)
            await http.get(NOTIFICATIONS, params={"token": f"{secret}-wrong"})
            await http.get(NOTIFICATIONS, headers={"Authorization": f"Bearer {secret}"})
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    lines = [record.getMessage() for record in server_records]
    assert any(line.startswith(f"GET {NOTIFICATIONS} 200") for line in lines), lines
    assert any(line.startswith(f"GET {EVENTS} 200") for line in lines), lines
    for record in server_records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")
    assert secret not in caplog.text.replace("token=" + secret, "")  # httpx's own lines aside


async def test_stopping_with_an_open_stream_is_quick() -> None:
    server = RunningServer(fast_config(ping_interval=30))
    await server.__aenter__()
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
        async with open_stream(http) as (_, reader):
            await reader.next_frame()
            started = time.monotonic()
            await server.__aexit__(None, None, None)
            elapsed = time.monotonic() - started
            assert await reader.to_end() == []
    assert elapsed < 1.0
    assert server.state.open_streams == 0


def test_run_server_prints_a_banner_and_exits_zero_on_ctrl_c() -> None:
    token = "banner-token-77"
    code = (
        "import sys\n"
        "from atp_tui.server import ServerConfig, run_server\n"
        f"sys.exit(run_server('127.0.0.1', 0, ServerConfig(user_token={token!r})))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        banner = process.stdout.readline() if process.stdout else ""
        url = next(word for word in banner.split() if word.startswith("http://")).rstrip(";")
        deadline = time.monotonic() + 5
        while True:
            try:
                response = httpx.get(f"{url}{NOTIFICATIONS}", params={"token": token})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert response.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert banner.count(token) == 1
    assert token not in out and token not in err
    assert f"GET {NOTIFICATIONS} 200" in err


def test_the_server_package_does_not_import_textual() -> None:
    code = "import sys, atp_tui.server; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
