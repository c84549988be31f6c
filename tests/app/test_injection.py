"""Untrusted text end to end: markup, escapes and bidi from the server show literally (63–65)."""

from __future__ import annotations

from rich.text import Text

from atp_tui.client.events import ServerErrorReceived
from atp_tui.protocol import ServerError
from atp_tui.server import RunningServer
from tests.app.conftest import in_minutes, make_live_app, settled, wait_for
from tests.app.test_answering import PLAIN
from tests.server_helpers import notification_body
from tests.snapshots.harness import CONNECTED, INJECTION_TITLES, make_app, notification, received

HOSTILE_DESCRIPTION = "[/]\x1b]52;c;ZXZpbA==\x07 [@click=app.quit]quit[/] \u202eevil\n\x1b[2J"


def _screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """Everything on screen as plain text (what the terminal would get, minus styles)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_injection_titles_render_literally_and_clicks_do_nothing(
    server: RunningServer,
) -> None:
    for index, title in enumerate(INJECTION_TITLES):
        body = notification_body(
            title=title,
            actions=[PLAIN],
            deadline=in_minutes(10 + index),
            project="[b]proj[/b]",
        )
        body["context"]["description"] = HOSTILE_DESCRIPTION
        body["context"]["metadata"] = {"[red]k[/]": "[@click=app.quit]v[/]", "\x1b[2J": "\u202e"}
        server.state.add_notification(body)
    app = make_live_app(server.url)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == len(INJECTION_TITLES))
        await settled(pilot)
        await pilot.pause()
        shown = _screen_text(app)
        assert "[bold red]x[/] [@click=app.quit]y[/]" in shown
        assert "␛]0;pwned␇␛[2J␛[31mred␛[0m \\x9b2J done" in shown
        assert "\\u202eevil.exe\\u202c" in shown
        assert "line one␤line two␤␤three" in shown
        assert "[@click=app.quit]quit[/]" in shown
        assert "[b]proj[/b]"[:10] in shown
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown.replace("\n", ""))
        assert not any(c in shown for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        # click every row's title in the inbox, and the title and description in the detail pane
        for row in range(len(INJECTION_TITLES)):
            await pilot.click("#inbox", offset=(40, row))
            await pilot.click("#detail-title", offset=(3, 0))
            await pilot.click("#detail-title", offset=(25, 0))
            await pilot.click("#detail-description", offset=(20, 0))
            await pilot.pause(0.05)
            assert app.is_running
            assert app.screen is app.main
        assert app.main.inbox.cursor_id == app.main.inbox.row_ids()[-1]
    assert server.state.respond_attempts == []


async def test_every_injection_title_is_one_row() -> None:
    items = [
        notification(f"n{i}", title, deadline=5 + i) for i, title in enumerate(INJECTION_TITLES)
    ]
    app = make_app([CONNECTED, *received(items)])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == len(items))
        inbox = app.main.inbox
        lines = [inbox.render_line(y).text for y in range(len(items) + 1)]
        assert all(line.strip() for line in lines[: len(items)])
        assert lines[len(items)].strip() == ""  # nothing spilled onto an extra row


async def test_server_error_with_markup_is_a_literal_toast() -> None:
    app = make_app([CONNECTED])
    async with app.run_test(size=(100, 30)) as pilot:
        error = ServerError(code="[/]", message="[@click=app.quit]boom[/] \x1b[2J")
        app.engine.push(ServerErrorReceived(error, "e1"))
        await wait_for(pilot, lambda: app._notifications)
        [toast] = list(app._notifications)
        assert toast.message == "[/]: [@click=app.quit]boom[/] ␛[2J"
        assert not toast.markup
        assert app.is_running


def test_rich_text_of_a_sanitised_title_has_no_spans() -> None:
    assert Text(INJECTION_TITLES[0]).spans == []
