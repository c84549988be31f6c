"""Escape and the key after it, read from the terminal together, are Escape and then that key.

A terminal sends Escape as the byte ESC, and Alt+key as ESC followed by the key. Textual reads
ESC and a key that arrive in one read as one Alt chord (`ESC j` is `alt+j`, which nothing
here handles), or drops the ESC (`ESC Enter` is a bare Enter, `ESC /` a bare `/`), or maps the
pair to another key (`ESC 1` is "¡", `ESC Tab` is Shift+Tab). They arrive together whenever a
key follows Escape within tmux's `escape-time` (500 ms by default before tmux 3.5) or the two
share a packet on a slow SSH link: the Escape that should have cancelled a dialog or cleared
a filter was lost, and the keys after it acted on what it should have closed. `ESC Enter` in a
text dialog sent the answer the user had just cancelled.

This app binds no Alt chord, so `EscapeFirstParser` reads every such pair as Escape, then the
key. Kept as Textual reads them: a pair that starts an escape sequence (`ESC [` …: a terminal's
own keys and reports), and Alt+Backspace, Alt+B and Alt+F, a text field's word-editing keys,
where Escape followed at once by Backspace, `b` or `f` means nothing in this app.

Textual's Linux driver builds its parser from the name `XTermParser` in its module;
`install_escape_first_parser` points that name at this subclass (a test pins both).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._xterm_parser import XTermParser

ESC = "\x1b"
#: After ESC, these start an escape sequence (CSI, SS3, OSC, DCS, SOS, PM, APC): an unknown
#: sequence stays as Textual reads it, never an Escape.
_SEQUENCE_INTRODUCERS = frozenset("[O]PX^_")
#: Alt chords a text field edits with (delete a word, move a word back and forward).
_WORD_EDITING_CHORDS = frozenset({ESC + "\x7f", ESC + "b", ESC + "f"})


class EscapeFirstParser(XTermParser):
    """Textual's terminal input parser, reading ESC + key as Escape, then the key."""

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        # `alt` is set for the one character after an ESC when Textual gives up on a sequence
        # (a lone key after ESC): that character is then a key of its own, after an Escape.
        if alt and len(sequence) == 1 and sequence not in _SEQUENCE_INTRODUCERS:
            yield events.Key("escape", ESC)
            yield from super()._sequence_to_key_events(sequence)
            return
        # Pairs that Textual's table maps to one key (`ESC 1` to "¡", `ESC Tab` to Shift+Tab).
        if (
            len(sequence) == 2
            and sequence[0] == ESC
            and sequence not in _WORD_EDITING_CHORDS
            and sequence in ANSI_SEQUENCES_KEYS
        ):
            yield events.Key("escape", ESC)
            yield from super()._sequence_to_key_events(sequence[1])
            return
        yield from super()._sequence_to_key_events(sequence, alt)


def install_escape_first_parser() -> bool:
    """Have Textual's Linux driver read the terminal with `EscapeFirstParser`; `False` where
    that driver does not exist (Windows)."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # no termios: another driver, another parser
        return False
    linux_driver.XTermParser = EscapeFirstParser  # type: ignore[attr-defined]  # its import
    return True
