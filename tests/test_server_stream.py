"""The reference server's SSE stream, run for real on 127.0.0.1 and driven with httpx: framing,
replay and resume, type filters, pings, stream slots, injected faults and the event log."""

from __future__ import annotations

import time

import httpx
import pytest

from atp_tui.server import RunningServer
from atp_tui.server.events import EventLog
from tests.server_helpers import (
    AUTH,
    EVENTS,
    ManualClock,
    add,
    error_code,
    eventually,
    fast_config,
    open_stream,
)

# SSE stream


async def test_stream_starts_with_retry_and_sends_one_line_json_events(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    first = add(server, title="first")
    second = add(server, title="line one\nline two")
    async with open_stream(client) as (response, reader):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        hello = await reader.next_frame()
        assert hello.retry == 3000 and hello.event is None
        frames = await reader.events(2)
    assert [frame.event for frame in frames] == ["notification", "notification"]
    assert [frame.json() for frame in frames] == [first, second]
    assert frames[1].json()["context"]["title"] == "line one\nline two"
    seqs = [int(frame.id.split("-")[1]) for frame in frames if frame.id]
    assert seqs == sorted(seqs) and len(set(seqs)) == 2
    assert all(frame.id and frame.id.split("-")[0].isdigit() for frame in frames)


async def test_live_events_follow_the_replay(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    add(server, title="old")
    async with open_stream(client) as (_, reader):
        assert [f.json()["context"]["title"] for f in await reader.events(1)] == ["old"]
        add(server, title="new")
        (frame,) = await reader.events(1)
    assert frame.json()["context"]["title"] == "new"


async def test_resume_replays_only_what_follows_the_last_event_id(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    titles = ["one", "two", "three"]
    for title in titles:
        add(server, title=title)
    ids = [event.id for event in server.state.log]

    async def replayed(params: dict[str, str], headers: dict[str, str]) -> list[str]:
        async with open_stream(client, params=params, headers=headers) as (_, reader):
            return [frame.json()["context"]["title"] for frame in await reader.until_ping()]

    assert await replayed({}, {"Last-Event-ID": ids[0]}) == ["two", "three"]
    assert await replayed({"last_event_id": ids[1]}, {}) == ["three"]
    # The header wins when both are given.
    assert await replayed({"last_event_id": ids[1]}, {"Last-Event-ID": ids[0]}) == ["two", "three"]
    assert await replayed({}, {"Last-Event-ID": ids[2]}) == []
    # An unknown id (a restarted server) and no id at all replay everything retained.
    assert await replayed({}, {"Last-Event-ID": "1-999999"}) == titles
    assert await replayed({}, {}) == titles
    records = server.state.stream_requests
    assert records[0]["last_event_id_header"] == ids[0]
    assert records[2]["last_event_id_query"] == ids[1]
    assert records[2]["resumed_from"] == ids[0]
    assert records[4]["resumed_from"] is None
    assert all(record["authorization"] and not record["query_token"] for record in records)


async def test_full_replay_includes_later_status_updates(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    server.state.respond(notification["id"], "ok", None)
    async with open_stream(client) as (_, reader):
        frames = await reader.until_ping()
    assert [frame.event for frame in frames] == ["notification", "status_update"]
    assert frames[0].json()["status"] == "delivered"
    update = frames[1].json()
    assert update["notification_id"] == notification["id"]
    assert update["status"] == "responded" and update["timestamp"]


async def test_types_filters_event_names_but_pings_still_arrive(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    notification = add(server)
    server.state.invalidate(notification["id"], "superseded")
    params = {"types": "status_update"}
    async with open_stream(client, params=params) as (_, reader):
        frames = await reader.until_ping()
    assert [frame.event for frame in frames] == ["status_update"]
    assert frames[0].json()["reason"] == "superseded"


async def test_pings_come_at_the_configured_interval_without_ids(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as (_, reader):
        await reader.next_frame()  # retry
        started = time.monotonic()
        pings = [await reader.next_frame() for _ in range(3)]
        elapsed = time.monotonic() - started
    assert [ping.event for ping in pings] == ["ping"] * 3
    assert all(ping.id is None and ping.json()["timestamp"] for ping in pings)
    # Never sooner than the configured 0.2 s apart; the upper bound only tells the configured
    # interval from the 15 s default (a loaded machine delays pings, never hastens them).
    assert 0.4 < elapsed < 10


async def test_eleventh_stream_gets_429_and_slots_are_given_back(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
        streams = []
        for _ in range(10):
            context = open_stream(http)
            response, reader = await context.__aenter__()
            assert response.status_code == 200
            await reader.next_frame()
            streams.append((context, reader))  # a dropped reader closes its stream
        assert server.state.open_streams == 10
        refused = await http.get(EVENTS)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "5"
        assert error_code(refused) == "RATE_LIMIT_EXCEEDED"
        await streams.pop()[0].__aexit__(None, None, None)
        await eventually(lambda: server.state.open_streams == 9)
        async with open_stream(http) as (response, _):
            assert response.status_code == 200
        for context, _ in streams:
            await context.__aexit__(None, None, None)
    await eventually(lambda: server.state.open_streams == 0)
    assert server.state.max_open_streams == 10


async def test_a_client_disconnect_frees_its_stream(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as (_, reader):
        await reader.next_frame()
        assert server.state.open_streams == 1
    await eventually(lambda: server.state.open_streams == 0)
    assert not server.state._subscribers


async def test_close_streams_ends_open_streams(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    async with open_stream(client) as (_, reader):
        await reader.next_frame()
        server.state.close_streams()
        assert await reader.to_end() == []
    await eventually(lambda: server.state.open_streams == 0)


async def test_stream_faults_answer_with_the_injected_status(
    server: RunningServer, client: httpx.AsyncClient
) -> None:
    server.state.stream_faults.extend([503, 404, 0])
    unavailable = await client.get(EVENTS)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "1"
    assert (await client.get(EVENTS)).status_code == 404
    with pytest.raises(httpx.TransportError):
        await client.get(EVENTS)
    async with open_stream(client) as (response, _):
        assert response.status_code == 200


async def test_the_log_keeps_only_the_newest_events() -> None:
    async with RunningServer(fast_config(event_log_limit=5)) as server:
        notifications = [add(server, title="n0")]
        first_id = server.state.log.after(0)[0].id
        notifications += [add(server, title=f"n{index}") for index in range(1, 12)]
        assert server.state.log.seq_of(first_id) is None
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            forgotten = {"Last-Event-ID": first_id}
            async with open_stream(http, headers=forgotten) as (_, reader):
                titles = [frame.json()["context"]["title"] for frame in await reader.until_ping()]
    assert titles == [n["context"]["title"] for n in notifications[-5:]]


def test_event_log_ids_positions_and_trimming() -> None:
    clock = ManualClock()
    log = EventLog(limit=3)
    events = [log.append("ping", {"n": index}, clock()) for index in range(5)]
    assert [event.id for event in events][:2] == [
        f"{int(clock().timestamp())}-1",
        f"{int(clock().timestamp())}-2",
    ]
    assert [event.data["n"] for event in log] == [2, 3, 4]
    assert log.seq_of(events[0].id) is None
    assert log.seq_of(events[3].id) == 4
    assert [event.data["n"] for event in log.after(4)] == [4]
    assert events[4].frame == f'id: {events[4].id}\nevent: ping\ndata: {{"n":4}}\n\n'


async def test_a_new_event_wakes_a_waiting_stream_at_once() -> None:
    async with RunningServer(fast_config(ping_interval=30)) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, timeout=5) as http:
            async with open_stream(http) as (_, reader):
                await reader.next_frame()
                started = time.monotonic()
                add(server)
                await reader.events(1)
                elapsed = time.monotonic() - started
    assert elapsed < 1.0  # not at the next ping, 30 s away
