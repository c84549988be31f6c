"""`EscapeFirstParser`: ESC and a key read together are Escape, then the key (see its module).

What the terminal sends is fed to the parser as one read, as a pty delivers a burst; the
parser's wait for more of an escape sequence (Textual's `ESCDELAY`, 100 ms) is then let pass.
"""

from __future__ import annotations

import inspect
import time

from textual import events
from textual.drivers import linux_driver

from atp_tui.screens.escape_keys import EscapeFirstParser, install_escape_first_parser

#: (what one read holds, the keys it must give), with what Textual alone gave.
CASES: list[tuple[str, list[str]]] = [
    ("\x1bj1", ["escape", "j", "1"]),  # Textual: alt+j, 1
    ("\x1bjj2text", ["escape", "j", "j", "2", "t", "e", "x", "t"]),  # alt+j, j, 2, …
    ("\x1b\r", ["escape", "enter"]),  # enter: a cancelled dialog was sent
    ("\x1b/", ["escape", "slash"]),  # slash
    ("\x1b1", ["escape", "1"]),  # inverted_exclamation_mark ("¡")
    ("\x1b\t", ["escape", "tab"]),  # shift+tab
    ("\x1bJ", ["escape", "J"]),  # alt+shift+j
    ("\x1b ", ["escape", "space"]),  # space
    ("\x1b\x1bj", ["escape", "escape", "j"]),  # escape, alt+j
    ("\x1b", ["escape"]),
    ("j", ["j"]),
    # Kept: a terminal's own sequences, and a text field's word-editing Alt chords.
    ("\x1b[A", ["up"]),
    ("\x1bOP", ["f1"]),
    ("\x1b[1;5C", ["ctrl+right"]),
    ("\x1b\x7f", ["ctrl+w"]),
    ("\x1bb", ["ctrl+left"]),
    ("\x1bf", ["ctrl+right"]),
]


def test_escape_and_the_key_after_it_are_two_keys() -> None:
    parsers = [EscapeFirstParser() for _ in CASES]
    got: list[list[events.Message]] = [
        list(parser.feed(read)) for parser, (read, _) in zip(parsers, CASES, strict=True)
    ]
    time.sleep(0.15)  # past the wait for more of a sequence, once for all the cases
    for keys, parser in zip(got, parsers, strict=True):
        keys.extend(parser.tick())
    for (read, expected), keys in zip(CASES, got, strict=True):
        assert [getattr(key, "key", key) for key in keys] == expected, repr(read)


def test_textuals_linux_driver_builds_the_parser_installed() -> None:
    """The private API this relies on: the driver makes its parser from the module's name."""
    source = inspect.getsource(linux_driver.LinuxDriver.run_input_thread)
    assert "XTermParser(" in source
    assert install_escape_first_parser()
    assert linux_driver.XTermParser is EscapeFirstParser  # type: ignore[attr-defined]
