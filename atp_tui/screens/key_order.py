"""Typed input applied strictly in the order it was typed, whatever the link's timing.

Textual routes a key when the app *reads* it: priority bindings run there and then, and any
other key is put in the queue of the widget focused at that moment; that widget's handlers, and
the bindings the key reaches as it bubbles back up to the app, run later. A burst read in one go
(a pty delivers `gjj1` over SSH in one read) is therefore routed before the keys ahead of it
have been *applied*: `j j 1` answered the row the cursor was on before the `j`s moved it, and
the text typed after an answer key went to the inbox instead of the modal that key was opening,
because the modal had not been mounted or focused yet when the text was read.

`KeySequencer` lets one key (or paste) through at a time. The next one waits until the app has
settled after the previous one: every message it caused has been handled, including the
messages those caused (an `Input.Submitted` and the focus move it triggers), and a screen it
pushed or popped has mounted and taken its focus. So each key meets exactly the focus, screen
and cursor that every earlier key left behind, and no binding needs to be a priority binding to
win a race. A key arriving when the app is already settled is routed at once, as before.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

#: The longest wait for one settle pass. A handler stuck longer than this must not freeze the
#: keyboard: the next key is then let through as Textual would have routed it.
PASS_TIMEOUT = 2.0
#: Settle passes before the next key is let through anyway: an app that never goes quiet
#: (a flood of events on every frame) still takes keys, in order, just without the guarantee.
MAX_PASSES = 100
#: Consecutive quiet passes that count as settled. One is not enough: a widget that handled
#: its marker early may have been handed a message during the pass and be in the middle of an
#: async handler (a mount) with an empty queue; the second pass waits for that handler to end.
QUIET_PASSES = 2

#: Keys read closer together than this belong to one burst (typed ahead, or sent in one go by a
#: slow link); a person typing leaves longer gaps, and tmux sends one `send-keys` at once.
BURST_GAP = 0.15

#: The terminal's focus reports (an alt-tab, a tmux window switch): they come in the same read
#: as keys typed just before, and Textual takes the focus away on `AppBlur`. Applied at once,
#: a report overtook the keys ahead of it: `jj2` with a switch away lost a `j` (its binding
#: is the inbox's, looked up once the focus was gone) and `2` answered the row above the one
#: meant (found by an independent check). So they wait their turn too; never dropped.
FocusReport = events.AppFocus | events.AppBlur

#: What the user types, and the focus reports among it: held and applied in order.
Typed = events.Key | events.Paste | FocusReport


def is_typed(event: events.Event) -> bool:
    """A key, paste or focus report as read from the terminal (not one Textual forwarded to
    a widget)."""
    return isinstance(event, Typed) and not event.is_forwarded


def _copy(event: Typed) -> Typed:
    """A fresh event with the same content (a held event is posted again, never reused)."""
    if isinstance(event, events.Paste):
        return events.Paste(event.text)
    if isinstance(event, events.Key):
        return events.Key(event.key, event.character)
    return type(event)()


class KeySequencer:
    """Holds typed input while the previous key is being applied (see the module docstring).

    The app calls `admit` for every typed event it reads (route it now, or it is held) and
    `routed` once it has routed an admitted one; a held event is posted to the app again when
    its turn comes.
    """

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        #: Typed events read while another was being applied, oldest first.
        self._held: deque[Typed] = deque()
        #: The held event just posted back to the app (admitted when it arrives).
        self._released: Typed | None = None
        #: Whether a key has been routed and the app has not settled since.
        self._busy = False
        self._settling: asyncio.Task[None] | None = None
        #: While set (`drop_burst`), typed events read before this moment are dropped.
        self._dropping_until: float | None = None
        #: Typed events applied so far: routed, and the app settled after them. Tests that post
        #: a burst wait for this count (`idle` alone is also true before a key has been read).
        self.applied = 0
        #: Passes used by the last settle (tests and benchmarks read it).
        self.last_passes = 0

    @property
    def idle(self) -> bool:
        """Whether every typed key has been applied and the app has settled after the last."""
        return not self._busy

    @property
    def held(self) -> int:
        """How many typed events are waiting for their turn."""
        return len(self._held)

    def admit(self, event: Typed) -> bool:
        """Whether `event` is routed now; if not, it is held until the ones before it settle
        (or dropped, after `drop_burst`)."""
        if event is self._released:
            self._released = None
            return True
        if self._dropping_until is not None and not isinstance(event, FocusReport):
            now = time.monotonic()
            if now < self._dropping_until:
                self._dropping_until = now + BURST_GAP
                return False
            self._dropping_until = None
        if self._busy:
            self._held.append(event)
            return False
        self._busy = True
        return True

    def routed(self) -> None:
        """An admitted event has been routed: wait for the app to settle, then release the next."""
        self._settling = asyncio.create_task(self._settle_then_release(), name="key order")

    def drop_burst(self) -> None:
        """Drop the rest of the burst being applied: what is held, and each typed event read
        less than `BURST_GAP` after the one before (a burst's keys reach the app over several
        reads and queue turns, not all of them held yet). For keys typed for a screen that
        changed under them; the next key after a pause is applied as usual."""
        self._held.clear()
        self._dropping_until = time.monotonic() + BURST_GAP

    def close(self) -> None:
        """The app is stopping: drop what is held and stop waiting."""
        self._held.clear()
        if self._settling is not None:
            self._settling.cancel()

    async def _settle_then_release(self) -> None:
        """Wait for the app to settle after the key just routed, then let the next one in."""
        try:
            self.last_passes = await self._settle()
        finally:
            self.applied += 1
            self._release_next()

    def _release_next(self) -> None:
        """Post the oldest held event back to the app, or become idle."""
        if not self._app.is_running or not self._app.screen_stack:
            self._held.clear()  # shutting down: no screen is left to route a key to
        while self._held:
            event = _copy(self._held.popleft())
            self._released = event
            if self._app.post_message(event):
                return
        self._released = None
        self._busy = False

    async def _settle(self) -> int:
        """Wait until the app is quiet after the last key; returns the passes it took.

        A pass has every message pump of the app and the current screen handle a marker
        callback: then everything queued before the pass has been handled. The app is quiet
        when a pass ends with the same screen, focus and widgets it started with and every
        queue empty (nothing was caused that is still to be handled).

        While some queues still hold messages (the key's own cascade: the key, the messages
        it posts, the refreshes they ask for), a full pass could not end quiet; only the
        pumps with queued messages get a marker then, which is what a full pass would have
        waited for. The quiet passes are always full ones.
        """
        quiet = 0
        for passes in range(1, MAX_PASSES + 1):
            if not self._app.is_running or not self._app.screen_stack:
                return passes  # shutting down: nothing is left to route keys to
            screen = self._app.screen
            focused = screen.focused
            pumps: list[MessagePump] = [self._app, *screen.walk_children(with_self=True)]
            busy = [pump for pump in pumps if pump.message_queue_size]
            if busy:
                quiet = 0
                if not await self._pass(busy):
                    return passes
                continue
            if not await self._pass(pumps):
                return passes
            if not self._app.is_running or not self._app.screen_stack:
                return passes
            unchanged = (
                self._app.screen is screen
                and screen.focused is focused
                and screen.walk_children(with_self=True) == pumps[1:]
            )
            if unchanged and all(pump.message_queue_size == 0 for pump in pumps):
                quiet += 1
                if quiet == QUIET_PASSES:
                    return passes
            else:
                quiet = 0
        return MAX_PASSES

    @staticmethod
    async def _pass(pumps: list[MessagePump]) -> bool:
        """Have each pump handle a marker; False when that took longer than `PASS_TIMEOUT`."""
        done = asyncio.Event()
        remaining = 0

        def reached() -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                done.set()

        for pump in pumps:
            # `call_later(reached)` without its `functools.partial`: Textual inspects the
            # signature of every new callable it invokes, and a fresh partial per marker made
            # that ≈ 15 µs for each of the ~100 markers a key's settle posts. One function per
            # pass is inspected once; the marker is the same `Callback` event.
            if pump.post_message(events.Callback(callback=reached)):
                remaining += 1
        if remaining == 0:
            return True
        try:
            await asyncio.wait_for(done.wait(), PASS_TIMEOUT)
        except TimeoutError:
            return False
        return True
