"""Untrusted text: make server-provided strings safe to put in front of a terminal.

Everything a server sends (titles, descriptions, service names, reasons, metadata, error
messages) is attacker-controlled from the terminal's point of view (SSE-CLIENT-RULES.md 63–65).
`sanitize` turns such a string into one that

- contains no control characters: C0 (except TAB/LF where allowed) and DEL become the Unicode
  "control pictures" (`␛`, `␇`, `␡`, …), C1 (U+0080–U+009F) becomes a visible `\\x9b`, so an
  ANSI/OSC sequence shows as `␛[2J` / `␛]0;title␇` and never reaches the terminal raw;
- contains no bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C): they are
  shown as `\\u202e` so a Trojan-Source title cannot reorder what you read;
- contains no invisible characters (zero-width spaces and joiners, BOM, soft hyphen, variation
  selectors): they are dropped, so text cannot hide in them or throw off column widths;
- keeps at most two combining marks per character (no "Zalgo" stacks over other rows);
- stays on one row in single-line contexts (LF, CR, U+2028, U+2029, U+0085 become `␤`);
- is bounded in length (an ellipsis and the count of dropped characters mark the cut);
- has no lone surrogates (they would crash the terminal writer);
- has no unassigned code points (shown as `\\u0378`: terminals and Rich disagree on their
  width, which shifted the rest of the row);
- holds no known secret (the token): `SECRETS` replaces it with `[redacted]`, as the
  command-line sinks do.

The result is still *plain text*: render it with `Text(...)`/`Content(...)` or `markup=False`,
never through markup.

The command-line sinks have their own guard (cases 80 and 82): `TerminalSink` wraps stderr and a
human command's stdout, neutralising every write (`neutralize`: the same placeholders, line
breaks kept) and redacting the known secrets (`SECRETS`); `escape_json_text` keeps JSON output
valid and inert. This module does not import Textual.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast
from unicodedata import category
from urllib.parse import quote, quote_plus

#: Default cap for one-line strings (titles, names): longer ones cannot be read in a row anyway.
SINGLE_LINE_LIMIT = 500
#: Default cap for multi-line strings (descriptions, attachments).
MULTI_LINE_LIMIT = 20_000
#: Combining marks kept after one base character.
MAX_COMBINING = 2

_NEWLINE_MARK = "␤"
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
    "\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d"
    "\ufe0e\ufe0f"
)
_LINE_BREAKS = frozenset("\n\r\u0085\u2028\u2029")

#: Every character that needs attention; text without any of them takes the fast path.
_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufe00-\ufe0f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)
#: A run of combining marks longer than `MAX_COMBINING` (the common "Zalgo" blocks).
_MARKS = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING_RUN = re.compile(f"[{_MARKS}]{{{MAX_COMBINING + 1},}}")


def _escape(char: str) -> str:
    """A visible, literal spelling of one character, like Python's `repr` uses."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _replace(char: str, single_line: bool) -> str:
    """What one suspect character becomes."""
    code = ord(char)
    if char in _LINE_BREAKS:
        return _NEWLINE_MARK if single_line else "\n"
    if char == "\t":
        return " " if single_line else "\t"
    if code < 0x20:
        return chr(0x2400 + code)  # the "control pictures": ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "␡"
    if char in _INVISIBLE:
        return ""
    return _escape(char)  # C1, bidi controls, other format characters, lone surrogates


def _substitute(match: re.Match[str], single_line: bool) -> str:
    return _replace(match.group(0), single_line)


def _escape_unassigned(text: str) -> str:
    """`text` with each code point Unicode has not assigned (as far as this Python knows)
    written as its escape. Nobody agrees on their width: Rich counts one cell, glibc's
    `wcwidth` says -1 and tmux draws nothing, so a row holding them was drawn short and its
    countdown and age landed columns off, over stale cells (`57m` read `576m`)."""
    unassigned = {char for char in set(text) if char > "\x7f" and category(char) == "Cn"}
    if not unassigned:
        return text
    return text.translate({ord(char): _escape(char) for char in unassigned})


def sanitize(text: object, *, single_line: bool = True, limit: int | None = None) -> str:
    """A copy of `text` that is safe to show in a terminal widget (see the module docstring).

    `single_line` folds line breaks into `␤` and TAB into a space; otherwise CRLF and the
    Unicode line separators become `\\n` and TAB is kept. `limit` caps the length (default 500
    for single-line, 20,000 for multi-line). Non-strings are converted with `str()`; `None` is "".
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = SECRETS.redact(text)  # before the cut: a token cut in two would show its start
    if limit is None:
        limit = SINGLE_LINE_LIMIT if single_line else MULTI_LINE_LIMIT
    dropped = 0
    if len(text) > limit:
        dropped = len(text) - limit
        text = text[:limit]
    if not single_line and "\r" in text:
        text = text.replace("\r\n", "\n")
    if _SUSPECT.search(text) is not None:
        text = _SUSPECT.sub(lambda match: _substitute(match, single_line), text)
    if not text.isascii():
        text = _escape_unassigned(text)
    text = _COMBINING_RUN.sub(lambda match: match.group(0)[:MAX_COMBINING], text)
    if dropped:
        text += f"… (+{dropped:,} characters)"
    return text


def sanitize_lines(text: object, *, limit: int | None = None) -> str:
    """`sanitize` for multi-line text (descriptions, attachments)."""
    return sanitize(text, single_line=False, limit=limit)


def shorten(text: object, limit: int) -> str:
    """`sanitize`d one-line text of at most `limit` characters, ending in `…` when cut.

    For a value quoted inside a sentence (a confirmation), where `sanitize`'s own marker with
    the count of dropped characters would be longer than the value.
    """
    raw = "" if text is None else str(text)
    clean = sanitize(raw[: limit + 1])  # enough to know whether it is cut
    if len(raw) <= limit and len(clean) <= limit:
        return clean
    return clean[: max(limit - 1, 0)] + "…"


# -- terminal sinks ----------------------------------------------------------------------------
# `sanitize` protects the widgets; the streams the commands print to (stderr of every command,
# stdout of the human ones) are guarded once, in `atp_tui.cli.main`, by wrapping them: every
# message built from server text (an error body, a refused answer, a stored title) then goes
# through the same neutraliser, wherever in the code it was printed.

#: What a known secret (the token) is replaced with in anything written to a guarded stream.
REDACTED = "[redacted]"
#: Shorter "secrets" are not redacted: replacing every `ab` in the output would garble it.
MIN_SECRET_LENGTH = 4

#: What a guarded stream must not pass through raw: C0 except TAB/LF, DEL, C1, the bidi
#: controls, lone surrogates (the writer would raise on them).
_SINK_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
#: What `escape_json_text` rewrites as `\\uXXXX`: the same set plus U+2028/U+2029 (line
#: separators to `str.splitlines` and JavaScript), without TAB, LF and CR, which JSON text may
#: hold raw as whitespace between tokens.
_JSON_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]"
)
#: The ASCII characters `escape_json_text` leaves alone: printable ones, TAB, LF and CR.
_ASCII_SAFE = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _visible(match: re.Match[str]) -> str:
    """The placeholder `sanitize` uses for one unsafe character (`␛`, `␡`, `\\x9b`, `\\u202e`)."""
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    return _escape(char)


def neutralize(text: str) -> str:
    """`text` with every control character, escape sequence and bidi control made visible.

    LF and TAB are kept, so multi-line output keeps its shape; everything else that could act
    on the terminal gets the placeholder `sanitize` shows (`␛[2J`, `␍`, `\\x9b`, `\\u202e`).
    Unlike `sanitize`, nothing is dropped, folded or cut: this is for whole messages and reports.
    """
    if _SINK_UNSAFE.search(text) is None:
        return text
    return _SINK_UNSAFE.sub(_visible, text)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def escape_json_text(text: str) -> str:
    """JSON text with C0 (except TAB/LF/CR), DEL, C1, bidi controls and U+2028/9 as `\\uXXXX`.

    Valid for any JSON text: these characters are not JSON whitespace, so they can only occur
    inside strings, where the escape decodes to the same character. The result therefore parses
    to the same value and shows nothing a terminal would act on. Text without any of them (the
    common case) is returned as is after one precompiled scan.
    """
    # ASCII text (`isascii` is a flag lookup) can only hold the C0 controls and DEL of that
    # set: deleting every other ASCII byte in one C pass (≈ 0.7 µs for a 1.5 KB payload, the
    # regex scan takes 5) leaves nothing when none is there, as in almost every payload.
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_SAFE):
        return text
    if _JSON_UNSAFE.search(text) is None:
        return text
    return _JSON_UNSAFE.sub(_json_escape, text)


def escape_parsed_json_text(text: str) -> str:
    """`escape_json_text` for JSON text a strict parser accepted (pydantic's, or `json.loads`
    with `strict=True`), as every event payload `watch` prints was.

    Such text holds no raw C0 control inside a string (JSON forbids them there, and both
    parsers refuse them) and none but TAB, LF and CR between tokens. So in ASCII text only
    DEL can need an escape: one `memchr` instead of a pass over the whole text.
    """
    if text.isascii() and "\x7f" not in text:
        return text
    return escape_json_text(text)


class SecretRedactor:
    """The secrets (the token) that must never be printed, and the code that blanks them out.

    Each secret is also matched in its URL-encoded and JSON-escaped spellings, the forms in
    which an error message or a URL would carry it.
    """

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str | None) -> None:
        """Redact `secret` from now on (ignored when empty or shorter than 4 characters)."""
        if not secret or len(secret) < MIN_SECRET_LENGTH or secret in self._secrets:
            return
        forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
        self._secrets.update(forms)
        longest_first = sorted(self._secrets, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(form) for form in longest_first))

    def clear(self) -> None:
        """Forget every secret (for tests)."""
        self._secrets.clear()
        self._pattern = None

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by `[redacted]`."""
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)


#: The process-wide secrets: the CLI adds the token once it is known; guarded streams read it.
SECRETS = SecretRedactor()


def first_problem(error: ValueError) -> str:
    """One line for why a value was refused: a pydantic `ValidationError`'s first error as
    `at context.title: Input should be a valid string` (not its multi-line report with a
    link), any other error's first line."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            where = ".".join(str(part) for part in found[0].get("loc", ()))
            return f"at {where or 'the top'}: {found[0].get('msg', error)}"
    return (str(error).splitlines() or [type(error).__name__])[0]


#: The exit status of a command whose output could not be written: sysexits' EX_IOERR.
EXIT_OUTPUT_FAILED = 74


class OutputError(OSError):
    """Writing a command's output failed (a full disk, an I/O error), with the system's
    reason: what the commands report in one line instead of a traceback. A closed pipe stays a
    `BrokenPipeError` (its reader has gone: not an error)."""

    @classmethod
    def of(cls, error: OSError, stream: str) -> OutputError:
        """The `OutputError` for `error`, raised writing to `stream` ("stdout")."""
        output = cls(f"cannot write to {stream} ({error.strerror or error})")
        output.errno = error.errno
        return output


@contextmanager
def output_errors(stream: str) -> Iterator[None]:
    """Writing to `stream` ("stdout") in the block: a failure becomes `OutputError`; a closed
    pipe stays `BrokenPipeError`."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputError.of(error, stream) from error


def discard_output(stream: TextIO) -> None:
    """Point `stream`'s file descriptor at /dev/null, after its reader went away or its disk
    filled: what its buffer still holds is dropped there, so the interpreter's last flush
    cannot fail a second time (and print a traceback after the command's own message)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


#: Our own punctuation, for an output that cannot encode it (the rest becomes `?`).
_PLAIN_PUNCTUATION = str.maketrans(
    {"→": "->", "·": "-", "—": "-", "–": "-", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'"}
)


class TerminalSink:
    """A text stream wrapper that makes everything written to it safe for a terminal.

    Each `write` is redacted (`SECRETS` or the redactor given) and then neutralised
    (`neutralize`), and passed on to the wrapped stream; every other attribute (`flush`,
    `fileno`, `isatty`, `encoding`, …) is the wrapped stream's. `print(...)`, `sys.stderr.write`,
    `logging` handlers and tracebacks all end in `write`, so they are all covered.

    Limits: each write is handled on its own, so a secret split across two writes (e.g. two
    arguments of one `print`) is not recognised, and neither is an escape sequence's ESC, which
    is made visible whatever follows it. Nothing is buffered to catch the former: a message is
    written whole by every caller here. Bytes written to `.buffer` bypass the guard.
    """

    def __init__(self, stream: TextIO, redactor: SecretRedactor | None = None) -> None:
        self.wrapped = stream
        self._redactor = redactor if redactor is not None else SECRETS

    def write(self, text: str) -> int:
        """Write `text` redacted and neutralised; returns `len(text)` like a text stream.
        A failed write raises `OutputError` (a closed pipe: `BrokenPipeError`)."""
        safe = neutralize(self._redactor.redact(text))
        with output_errors(self._name):
            try:
                self.wrapped.write(safe)
            except UnicodeEncodeError:
                # A terminal or pipe in ASCII or Latin-1 (`LANG=C`, `PYTHONIOENCODING`): `?`
                # for what it cannot show, not a traceback (the write failed before any byte).
                encoding = getattr(self.wrapped, "encoding", None) or "ascii"
                plain = safe.translate(_PLAIN_PUNCTUATION)
                self.wrapped.write(plain.encode(encoding, "replace").decode(encoding))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """`write` each line."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the wrapped stream (`OutputError` when that fails, as `write`)."""
        with output_errors(self._name):
            self.wrapped.flush()

    @property
    def _name(self) -> str:
        """The wrapped stream's name for messages: `<stdout>` is "stdout"."""
        return str(getattr(self.wrapped, "name", "output")).strip("<>")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def guard_stream(stream: TextIO, redactor: SecretRedactor | None = None) -> TextIO:
    """`stream` wrapped in a `TerminalSink` (returned as is when it already is one)."""
    if isinstance(stream, TerminalSink):
        return cast(TextIO, stream)
    return cast(TextIO, TerminalSink(stream, redactor))


@contextmanager
def guarded_std_streams(*, stdout: bool = True) -> Iterator[None]:
    """Guard `sys.stderr` (and `sys.stdout` unless `stdout=False`) for the duration.

    The streams are put back on a normal exit, `SystemExit` and `KeyboardInterrupt`; on any
    other exception the guard stays in place, so the traceback Python prints afterwards is
    neutralised and redacted as well.
    """
    saved = sys.stdout, sys.stderr
    sys.stderr = guard_stream(sys.stderr)
    if stdout:
        sys.stdout = guard_stream(sys.stdout)
    try:
        yield
    except Exception:
        raise  # keep the guard for the traceback (see the docstring)
    except BaseException:
        sys.stdout, sys.stderr = saved
        raise
    sys.stdout, sys.stderr = saved
