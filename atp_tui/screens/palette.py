"""The command palette (ctrl+p) on the main screen: its bindings in words, and the selected
item's own answers.

Textual reads a `SystemCommand`'s title as markup (when it lists it and when it highlights a
search's match), which is right for our own words and wrong for an agent's: an action label
`[link="http://…"]Approve[/link]` wrote a hyperlink to the terminal, `[@click=app.quit]…`
made a click run an app action, and `[/bold]` crashed the app as the palette opened. So the
answers come from a provider of their own (`AnswerCommands`), whose prompts are `Content`:
plain text, never parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from atp_tui.protocol.text import sanitize

if TYPE_CHECKING:
    from atp_tui.screens.main import MainScreen


def screen_commands(screen: MainScreen) -> Iterable[SystemCommand]:
    """One palette command per main-screen and inbox binding, named in the user's words
    (`atp_tui.screens.keys.KEY_WORDS`), with its key and id. (The answer keys are the
    selected item's own actions: `AnswerCommands`.)"""
    from atp_tui.screens.keys import key_words, numbered_family

    owners = ((screen, type(screen).BINDINGS), (screen.inbox, type(screen.inbox).BINDINGS))
    for owner, bindings in owners:
        for binding in bindings:
            if not isinstance(binding, Binding) or numbered_family(binding.id or ""):
                continue
            live = screen.atp.keymap.get(binding.id or "")  # rebound by the user's keymap
            keys = live or binding.key_display or binding.key
            yield SystemCommand(
                key_words(binding.id or "", binding.description),
                f"{keys}  ·  {binding.id}",
                runner(owner, binding.action),
            )


def answer_commands(
    screen: MainScreen,
) -> Iterator[tuple[str, str, Callable[[], Coroutine[Any, Any, None]]]]:
    """(title, help, callback): "Answer “label”" for each of the selected open item's first
    nine actions; the label is sanitised plain text."""
    from atp_tui.view.status import is_closed

    selected = screen.inbox.cursor_id
    item = screen.inbox.get(selected) if selected else None
    if item is None or is_closed(item, screen.now()):
        return
    for number, action in enumerate(item.notification.actions[:9], start=1):
        label = sanitize(action.display_label, limit=60)
        binding_id = f"main.answer-{number}"
        keys = screen.atp.keymap.get(binding_id) or str(number)
        yield (
            f"Answer “{label}”",
            f"{keys}  ·  {binding_id}: action {number} of the selected item",
            runner(screen, f"answer({number})"),
        )


class AnswerCommands(Provider):
    """The selected item's answers in the palette, their labels shown as plain text."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Coroutine[Any, Any, None]]]]:
        from atp_tui.screens.main import MainScreen

        screen = self.screen
        return list(answer_commands(screen)) if isinstance(screen, MainScreen) else []

    async def discover(self) -> Hits:
        """The answers, listed when nothing is typed yet."""
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(Content(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        """The answers whose title matches `query`, the matched characters highlighted."""
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score, offsets = matcher.fuzzy_search.match(matcher.query, title)
            if score <= 0:
                continue
            prompt = Content(title)
            for offset in offsets:
                if not title[offset].isspace():
                    prompt = prompt.stylize(matcher.match_style, offset, offset + 1)
            yield Hit(score, prompt, callback, text=title, help=help_text)


def runner(owner: Any, action: str) -> Callable[[], Coroutine[Any, Any, None]]:
    """A palette callback that runs `action` on `owner` (a screen or a widget)."""

    async def run() -> None:
        await owner.run_action(action)

    return run
