"""Every terminal sink of every command is untrusted-text-safe (SSE-CLIENT-RULES.md 80, 82).

Real `atp-tui` processes against hostile servers whose bodies, titles, ids and headers carry an
OSC window-title write, a screen clear, an 8-bit CSI (U+009B), a bidi override and the token.
Nothing of it may reach stdout or stderr raw: escapes show as the UI's visible placeholders,
the token as `[redacted]`, and `watch`'s JSON lines still decode to exactly the server's data.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from atp_tui import cli
from atp_tui.client.http import EVENTS_PATH, NOTIFICATIONS_PATH
from atp_tui.protocol import text
from atp_tui.protocol.models import Notification
from atp_tui.store import Store
from tests.hostile import Conn, HostileServer, frame, notification

TOKEN = "sink-secret-token-80"
#: OSC 0 (window title) ended by BEL, CSI screen clear, 8-bit CSI, right-to-left override.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e"
#: How `sanitize` (and so every guarded sink) shows the start of `HOSTILE`.
VISIBLE = "␛]0;pwned␇␛[2J"
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def assert_terminal_safe(data: bytes, *, token: str | None = TOKEN) -> str:
    """The output as text, after checking that a terminal would act on none of it.

    Strict UTF-8 decoding fails on a raw 0x9B (or any lone C1) byte; the decoded text must hold
    no C0 but LF/TAB, no DEL, no C1, no bidi control, and not the token.
    """
    decoded = data.decode("utf-8")
    unsafe = sorted(
        {
            f"U+{ord(char):04X}"
            for char in decoded
            if (ord(char) < 0x20 and char not in "\n\t")
            or 0x7F <= ord(char) <= 0x9F
            or char in _BIDI
        }
    )
    assert not unsafe, f"raw control characters reached the terminal: {unsafe}\n{decoded!r}"
    if token is not None:
        assert token not in decoded, f"the token was printed: {decoded!r}"
    return decoded


async def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run `atp-tui` with `ATP_TOKEN` set; its exit status, stdout and stderr bytes."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "atp_tui.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "ATP_TOKEN": TOKEN, **(env or {})},
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stdout, stderr


def hostile_error(code: str = "NOPE") -> dict[str, Any]:
    """An ATP error body whose code and message carry escapes and echo the token."""
    return {
        "error": {
            "code": f"{code}{HOSTILE}",
            "message": f"{HOSTILE}you sent Authorization: Bearer {TOKEN}",
        }
    }


# -- watch ---------------------------------------------------------------------------------------


async def test_case_80_82_watch_stderr_403_echoing_the_token(tmp_path: Path) -> None:
    """A 403 whose error code holds escapes and the token: the state line shows neither raw."""

    async def script(conn: Conn) -> None:
        await conn.send_response(403, {"error": {"code": f"{HOSTILE}{TOKEN}", "message": "x"}})

    async with HostileServer(script) as server:
        code, stdout, stderr = await run_cli(
            "watch", "--server", server.url, "--state-dir", str(tmp_path)
        )
    assert code == 3
    assert stdout == b""
    shown = assert_terminal_safe(stderr)
    assert "access forbidden" in shown
    assert VISIBLE in shown and "[redacted]" in shown


async def test_case_80_82_watch_stderr_500_body_and_oversized_event_id(tmp_path: Path) -> None:
    """A 500 error code, then an oversized event whose `id:` carries escapes and the token."""
    event_id = f"big{HOSTILE}{TOKEN}"

    async def script(conn: Conn) -> None:
        if conn.request.index == 0:
            await conn.send_response(500, hostile_error("BROKEN"))
            return
        await conn.send_head()
        big = f"id: {event_id}\nevent: notification\ndata: {'x' * (600 * 1024)}\n\n"
        await conn.write(big.encode(), chunk=64 * 1024)
        await conn.write(frame(notification("n1"), event_id="1"))
        await conn.hang()

    async with HostileServer(script) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "atp_tui.cli", "watch", "--server", server.url,
            "--state-dir", str(tmp_path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "ATP_TOKEN": TOKEN},
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        process.send_signal(signal.SIGTERM)
        rest, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0
    assert json.loads(line)["data"]["id"] == "n1"
    assert_terminal_safe(line + rest)
    shown = assert_terminal_safe(stderr)
    assert "server answered 500 BROKEN␛]0;pwned␇" in shown
    assert f"oversized event skipped (id big{VISIBLE}" in shown
    assert "[redacted]" in shown


async def test_case_82_watch_stderr_polling_failure_content_type(tmp_path: Path) -> None:
    """No SSE, and the polling endpoint answers HTML whose Content-Type holds a raw 0x9B byte
    and a UTF-8 bidi override (ESC cannot pass: the HTTP parser refuses it in a header)."""
    content_type = b"text/html; q=\x9b31m\xe2\x80\xae"

    async def script(conn: Conn) -> None:
        body = b"<html>not ATP</html>"
        conn.writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
        )
        await conn.writer.drain()

    async with HostileServer(script) as server:
        code, stdout, stderr = await run_cli(
            "watch", "--server", server.url, "--state-dir", str(tmp_path)
        )
    assert code == 1
    assert stdout == b""
    assert {request.path for request in server.requests} == {EVENTS_PATH, NOTIFICATIONS_PATH}
    shown = assert_terminal_safe(stderr)
    assert "polling failed too: notifications endpoint did not answer JSON (text/html" in shown
    assert "\\x9b31m" in shown


async def test_case_82_watch_stdout_json_escapes_c1_bidi_and_del(tmp_path: Path) -> None:
    """The server's own JSON text is printed, but with C1, bidi and DEL as `\\uXXXX`: still
    valid JSON that decodes to exactly what the server sent."""
    sent = [
        notification("n1", f"Deploy {HOSTILE} now"),
        notification("n2", "plain title"),
        {
            **notification("n3", "rm \u2066-rf\u2069 /\x7f"),
            "service": {"id": "svc", "name": "deploy\u200f-bot\u0085\u2028"},
        },
    ]

    async def script(conn: Conn) -> None:
        await conn.send_head()
        # ensure_ascii=False: C1, bidi and DEL travel raw (UTF-8); ESC and BEL as \u001b, \u0007
        await conn.write("".join(frame(item, event_id=str(i)) for i, item in enumerate(sent)))
        await conn.hang()

    async with HostileServer(script) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "atp_tui.cli", "watch", "--server", server.url,
            "--state-dir", str(tmp_path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "ATP_TOKEN": TOKEN},
        )  # fmt: skip
        assert process.stdout is not None
        lines = [await asyncio.wait_for(process.stdout.readline(), 30) for _ in sent]
        process.send_signal(signal.SIGTERM)
        rest, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0
    assert_terminal_safe(b"".join(lines) + rest)
    assert_terminal_safe(stderr)
    printed = [json.loads(line) for line in lines]
    assert [line["data"] for line in printed] == sent
    assert len(b"".join(lines).splitlines()) == len(sent)  # no line separator split a line


# -- respond -------------------------------------------------------------------------------------


class RespondServer:
    """GET /notifications/{id} and POST /respond, each answered by a fixed (status, body)."""

    def __init__(self, get: tuple[int, Any], post: tuple[int, Any] = (200, {})) -> None:
        self.get = get
        self.post = post

    async def __call__(self, conn: Conn) -> None:
        if conn.request.method == "POST":
            await conn.reader.readexactly(int(conn.request.headers["content-length"]))
            await conn.send_response(*self.post)
        else:
            await conn.send_response(*self.get)


async def test_case_80_82_respond_stderr_notification_get_403(tmp_path: Path) -> None:
    """The notification GET is refused with a body echoing the token (only POST redacted)."""
    plan = RespondServer(get=(403, hostile_error("FORBIDDEN")))
    async with HostileServer(plan) as server:
        code, stdout, stderr = await run_cli("respond", "n1", "ok", "--server", server.url)
    assert code == 1
    assert stdout == b""
    shown = assert_terminal_safe(stderr)
    assert f"cannot fetch notification n1: 403 FORBIDDEN{VISIBLE}" in shown
    assert "Bearer [redacted]" in shown


async def test_case_80_82_respond_stdout_refused_answer(tmp_path: Path) -> None:
    """A refused answer's message is printed on stdout; the state DB does not keep the token."""
    plan = RespondServer(get=(200, notification("n1")), post=(409, hostile_error("ODD")))
    async with HostileServer(plan) as server:
        code, stdout, stderr = await run_cli(
            "respond", "n1", "ok", "--server", server.url, "--state-dir", str(tmp_path)
        )
    assert code == 1
    shown = assert_terminal_safe(stdout)
    # The outcome names the notification and the answer first (issue #11 item 12).
    assert shown.startswith(f"refused: Decision n1 → OK — {VISIBLE}")
    assert_terminal_safe(stderr)
    store = Store.open(tmp_path)
    try:
        details = [attempt.detail for attempt in store.responses()]
    finally:
        store.close()
    assert details and not any(TOKEN in detail for detail in details)


# -- history and handover ------------------------------------------------------------------------


def _hostile_store(state_dir: Path) -> None:
    """A store with one answered and one refused notification, all their text hostile."""
    store = Store.open(state_dir)
    try:
        for nid, deadline in (("h1", None), ("h2", datetime.now(UTC) + timedelta(hours=1))):
            item = notification(
                nid,
                f"Title {HOSTILE} {TOKEN}\n2026-01-01 00:00  sent  Fake row",
                deadline=deadline.isoformat() if deadline else None,
                actions=[{"id": "why", "label": f"Label{HOSTILE}", "response_type": "text"}],
            )
            item["service"]["name"] = f"svc{HOSTILE}"
            store.add_notification(Notification.model_validate(item), nid)
        store.record_response("h1", "why", f"answer{HOSTILE}", "sent", "answer sent")
        store.record_response("h2", "why", "x", "refused", f"detail{HOSTILE} Bearer {TOKEN}")
    finally:
        store.close()


async def test_case_80_82_history_stdout(tmp_path: Path) -> None:
    """Titles, action labels and answers from the store: one row each, escapes visible."""
    _hostile_store(tmp_path)
    code, stdout, stderr = await run_cli("history", "--state-dir", str(tmp_path))
    assert code == 0, stderr
    shown = assert_terminal_safe(stdout)
    assert_terminal_safe(stderr)
    rows = shown.splitlines()
    assert len(rows) == 2, rows  # the title's line break did not fake a third row
    # Newest first (issue #11 item 12): h2's refusal, then h1's answer.
    sent = rows[1]
    assert f"Title {VISIBLE}" in sent and f"Label{VISIBLE}" in sent
    assert f"answer{VISIBLE}" in sent
    assert f"(detail{VISIBLE}" in rows[0]

    code, stdout, _ = await run_cli("history", "--json", "--state-dir", str(tmp_path))
    assert code == 0
    entries = [json.loads(line) for line in assert_terminal_safe(stdout).splitlines()]
    assert entries[1]["title"] == (f"Title {HOSTILE} [redacted]\n2026-01-01 00:00  sent  Fake row")
    assert entries[1]["response_data"] == f"answer{HOSTILE}"
    assert entries[1]["answer"] == f"Label{HOSTILE}: answer{HOSTILE}"


async def test_case_80_82_handover_stdout(tmp_path: Path) -> None:
    """The Markdown report (open items, decisions, refusals) and the JSON one."""
    _hostile_store(tmp_path)
    code, stdout, stderr = await run_cli("handover", "--state-dir", str(tmp_path))
    assert code == 0, stderr
    shown = assert_terminal_safe(stdout)
    # Markdown: agent text has its punctuation escaped (`\\[`), read back as written.
    unescaped = re.sub(r"\\(.)", r"\1", shown)
    assert f"svc{VISIBLE}" in unescaped
    assert f"detail{VISIBLE}" in unescaped
    assert not any(line.startswith("2026-01-01") for line in shown.splitlines())

    code, stdout, _ = await run_cli("handover", "--format", "json", "--state-dir", str(tmp_path))
    assert code == 0
    report = json.loads(assert_terminal_safe(stdout))
    assert report["not_sent"][0]["detail"] == f"detail{HOSTILE} Bearer [redacted]"


# -- server --------------------------------------------------------------------------------------


async def test_case_82_server_log_lines_on_stderr() -> None:
    """The reference server logs each request's (percent-decoded) path through `logging`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "atp_tui.cli", "server", "--port", "0", "--token", "srv-token",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        banner = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        match = re.search(r"listening on (http://\S+?);", banner)
        assert match, banner
        path = "/%1B%5D0%3Bpwned%07%1B%5B2J%C2%9B31m%E2%80%AE"
        async with httpx.AsyncClient() as client:
            reply = await client.get(match.group(1) + path)
        assert reply.status_code == 404
    finally:
        process.send_signal(signal.SIGINT)
        rest, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert_terminal_safe(rest, token=None)
    shown = assert_terminal_safe(stderr, token=None)
    assert f"GET /{VISIBLE}\\x9b31m\\u202e 404" in shown


# -- the guard itself ----------------------------------------------------------------------------


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[text.SecretRedactor]:
    """A fresh process-wide secret registry holding `TOKEN`."""
    redactor = text.SecretRedactor()
    redactor.add(TOKEN)
    monkeypatch.setattr(text, "SECRETS", redactor)
    yield redactor


def test_case_80_82_print_write_and_logging_go_through_the_guard(
    secrets: text.SecretRedactor,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`print(flush=True)`, `sys.stderr.write`, a logging handler made while guarded and the
    last-resort handler are all neutralised and redacted; the streams are put back after."""
    before = sys.stdout, sys.stderr
    logger = logging.getLogger("atp_tui.tests.sinks")
    monkeypatch.setattr(logger, "propagate", False)  # not to pytest's capture handler
    with text.guarded_std_streams():
        print(f"out {HOSTILE} {TOKEN}", flush=True)
        sys.stderr.write(f"err {HOSTILE} {TOKEN}\n")
        handler = logging.StreamHandler()  # binds the guarded sys.stderr, as basicConfig does
        logger.addHandler(handler)
        try:
            logger.warning("log %s %s", HOSTILE, TOKEN)
        finally:
            logger.removeHandler(handler)
        logger.warning("last resort %s %s", HOSTILE, TOKEN)  # no handler: logging.lastResort
    assert (sys.stdout, sys.stderr) == before
    captured = capsys.readouterr()
    out = assert_terminal_safe(captured.out.encode())
    err = assert_terminal_safe(captured.err.encode())
    assert out == f"out {VISIBLE}\\x9b31m\\u202e [redacted]\n"
    assert f"err {VISIBLE}\\x9b31m\\u202e [redacted]\n" in err
    assert f"log {VISIBLE}" in err and f"last resort {VISIBLE}" in err


def test_case_80_sink_redacts_encoded_token_forms_and_keeps_lines_and_tabs(
    secrets: text.SecretRedactor,
) -> None:
    """URL-encoded and JSON-escaped spellings are redacted too; LF and TAB pass, CR does not."""
    secrets.add("tok/en with space")
    buffer = io.StringIO()
    sink = text.guard_stream(buffer)
    assert text.guard_stream(sink) is sink  # never wrapped twice
    sink.writelines(["a tok%2Fen%20with%20space b\n", "c tok%2Fen+with+space\td\r\n"])
    assert sink.write("x") == 1
    assert buffer.getvalue() == "a [redacted] b\nc [redacted]\td␍\nx"


def test_case_82_escape_json_text_is_lossless() -> None:
    """Escaped JSON decodes to the same value; text without such characters is returned as is."""
    value = {"t": f"{HOSTILE}\x7f\x85\u2028\u2069\u200e", "n": [1, "\t"]}
    raw = json.dumps(value, ensure_ascii=False)
    escaped = text.escape_json_text(raw)
    assert escaped.isascii() or not any(0x7F <= ord(c) <= 0x9F for c in escaped)
    assert "\u202e" not in escaped and "\x9b" not in escaped
    assert json.loads(escaped) == value
    plain = '{"a": "caf\u00e9 \u2713"}'
    assert text.escape_json_text(plain) is plain
    # The ASCII fast path: every C0 control but TAB/LF/CR, and DEL, is still escaped.
    ascii_plain = '{"a": "b\tc"}\r\n'
    assert text.escape_json_text(ascii_plain) is ascii_plain
    for code in [*range(0x20), 0x7F]:
        if chr(code) in "\t\n\r":
            continue
        dirty = json.dumps({"a": "x"}).replace("x", chr(code))
        assert text.escape_json_text(dirty) == dirty.replace(chr(code), f"\\u{code:04x}")


def test_case_82_the_tui_streams_are_not_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual owns the terminal: `atp-tui` without a command runs with the streams as they are."""
    seen: list[tuple[object, object]] = []

    def fake_tui(args: object) -> int:
        seen.append((sys.stdout, sys.stderr))
        return 0

    monkeypatch.setattr(cli, "_run_tui", fake_tui)
    before = sys.stdout, sys.stderr
    assert cli.main([]) == 0
    assert seen == [before]
