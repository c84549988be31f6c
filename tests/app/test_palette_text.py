"""An agent's words reach Textual's markup parser nowhere: the command palette's answers and
a multi-line answer's placeholder (found by an independent check of "untrusted text is data").

Both took a plain `str`, which Textual reads as markup there: an action label
`[link="http://evil.example/pwn"]Approve[/link]` wrote a hyperlink (OSC 8) to the terminal,
`[@click=app.quit]Reject[/]` quit the app on a click, `[bold red on white]` styled the entry,
and `[/bold]` crashed the app (`MarkupError`) as the palette opened; a placeholder did the
same in the text dialog.
"""

from __future__ import annotations

from typing import Any

from textual.command import CommandList, CommandPalette
from textual.widgets import TextArea

from tests.app.conftest import wait_for
from tests.snapshots.harness import CONNECTED, make_app, notification, received

LABELS = [
    '[link="http://evil.example/pwn"]Approve[/link]',
    "[@click=app.quit]Reject[/]",
    "[bold red on white]LOUD",
    "[/bold]",
]


def _prompts(app: Any) -> list[Any]:
    """What the open palette lists: each entry's prompt (`Content`)."""
    options = app.screen.query_one(CommandList).options
    return [option.prompt for option in options]


def _literal(prompts: list[Any], label: str) -> None:
    """The entry for `label` shows it character for character, with no style or link."""
    wanted = f"Answer “{label}”"
    entry = next((p for p in prompts if p.plain.startswith(wanted)), None)
    assert entry is not None, [p.plain for p in prompts]
    assert not [span for span in entry.spans if span.end <= len(wanted)], entry.spans


async def test_answer_labels_in_the_palette_are_plain_text() -> None:
    actions = [
        {"id": f"a{number}", "label": label, "response_type": "simple"}
        for number, label in enumerate(LABELS)
    ]
    item = notification("markup", "labels that look like markup", actions=actions)
    app = make_app([CONNECTED, *received([item])])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(pilot, lambda: len(_prompts(app)) > len(LABELS))
        for label in LABELS:
            _literal(_prompts(app), label)
        # Searching highlights the matched characters, still over the plain label.
        await pilot.press(*"reject")
        await wait_for(pilot, lambda: any("Reject" in p.plain for p in _prompts(app)))
        rejects = [p for p in _prompts(app) if p.plain.startswith("Answer “[@click")]
        assert rejects and "[@click=app.quit]Reject[/]" in rejects[0].plain
        assert app.is_running


async def test_a_multi_line_answers_placeholder_is_plain_text() -> None:
    placeholders = ['[link="http://evil.example/ph"]type here[/link]', "[/oops]"]
    actions = [
        {
            "id": f"t{number}",
            "label": f"Say {number}",
            "response_type": "text",
            "constraints": {"multiline": True, "placeholder": placeholder},
        }
        for number, placeholder in enumerate(placeholders)
    ]
    item = notification("ph", "placeholder markup", actions=actions)
    app = make_app([CONNECTED, *received([item])])
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.inbox.row_count == 1)
        for number, placeholder in enumerate(placeholders, start=1):
            await pilot.press(str(number))
            await wait_for(pilot, lambda: bool(app.screen.query(TextArea)))
            area = app.screen.query_one(TextArea)
            await pilot.pause()
            shown = "".join(segment.text for segment in area.render_line(0))
            assert placeholder in shown, shown
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.main)
        assert app.is_running
