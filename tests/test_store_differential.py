"""`watch`'s store and the TUI's store, given the same generated sessions, answer the same and
write the same rows.

`HeadlessStore` keeps only ids and states in memory and hands its commits to a child process
as `marshal`led frames (`store/batch.py`, `store/commit_process.py`), begun after a chunk's
lines are written and finished before the next chunk's; `Store` keeps everything and commits
in line. Both must apply the same exactly-once and forward-only rules (SSE-CLIENT-RULES.md
case 31, rule G5): the same answer to every call, and the same rows, seen event ids and
cursor on disk. `hypothesis` generates the sessions: repeats of a few ids with every state
(known, unknown, going backwards), status updates for known and unknown ids, event ids seen
again, cursor moves, and commits at any point, the headless ones through the commit process.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atp_tui.store import DB_NAME, Store
from atp_tui.store.headless import HeadlessStore
from tests.conftest import FakeClock
from tests.store_helpers import _n
from tests.store_helpers import notification_rows as _rows

_IDS = st.sampled_from(["n1", "n2", "n3", "n4"])
_STATES = st.sampled_from(
    [
        None,
        "created",
        "delivered",
        "acknowledged",
        "responded",
        "completed",
        "expired",
        "invalidated",
        "paused",  # not a state ATP defines
    ]
)
_EVENT_IDS = st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6"])
_STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            _IDS,
            _STATES,
            st.sampled_from(["A", "B"]),
            st.one_of(st.none(), _EVENT_IDS),
        ),
        st.tuples(
            st.just("status"),
            st.sampled_from(["n1", "n2", "n3", "n4", "missing"]),
            _STATES.filter(lambda state: state is not None),
            st.sampled_from([None, "answered here", "done elsewhere"]),
        ),
        st.tuples(st.just("seen"), _EVENT_IDS),
        st.tuples(st.just("cursor"), _EVENT_IDS),
        st.tuples(st.just("commit")),
    ),
    max_size=25,
)


def _play(store: Store | HeadlessStore, steps: list[tuple[Any, ...]]) -> list[object]:
    """Run `steps` on `store`; what each call answered. The headless store commits as `watch`
    does: begin (in the commit process), and finish before the next one."""
    answers: list[object] = []
    headless = isinstance(store, HeadlessStore)
    for step in steps:
        kind = step[0]
        if kind == "add":
            _, nid, status, title, event_id = step
            notification = _n(nid, status=status, title=title)
            answers.append(store.add_notification(notification, event_id))
        elif kind == "status":
            _, nid, status, reason = step
            answers.append(store.apply_status(nid, status, reason))
        elif kind == "seen":
            seen = store.event_seen(step[1])
            store.remember_event(step[1])
            answers.append(seen)
        elif kind == "cursor":
            store.set_cursor(step[1])
        elif headless:
            store.finish_commit()
            store.begin_commit()
        else:
            store.commit()
        answers.append(("known", tuple(store.has_notification(n) for n in ("n1", "n2", "n3"))))
    return answers


def _stream_state(state_dir: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The seen event ids in order and the cursor, read through a second connection."""
    connection = sqlite3.connect(state_dir / DB_NAME)
    try:
        seen = connection.execute("SELECT event_id FROM seen_events ORDER BY seq").fetchall()
        cursor = connection.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchall()
    finally:
        connection.close()
    return seen, cursor


@settings(
    max_examples=int(os.environ.get("STORE_DIFFERENTIAL_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(_STEPS)
def test_both_stores_answer_and_write_the_same(
    tmp_path_factory: Any, fake_clock: FakeClock, steps: list[tuple[Any, ...]]
) -> None:
    folder: Path = tmp_path_factory.mktemp("stores")
    full = Store.open(folder / "full", fake_clock)
    headless = HeadlessStore.open(folder / "headless", fake_clock)
    headless.start_writer()
    try:
        assert _play(headless, steps) == _play(full, steps)
    finally:
        headless.close()
        full.close()
    assert _rows(folder / "headless") == _rows(folder / "full")
    assert _stream_state(folder / "headless") == _stream_state(folder / "full")
