"""What the response log means for an item (Textual-free): the last final outcome, `pending`
for an answer a process left cut off, and which answers still need a check with the server."""

from __future__ import annotations

from datetime import UTC, datetime

from atp_tui.store import ResponseAttempt
from atp_tui.view.items import answers_from_log, unsettled_answers

AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _row(nid: str, outcome: str, detail: str = "") -> ResponseAttempt:
    return ResponseAttempt(nid, "ack", None, AT, outcome, detail)


def test_only_a_trailing_cut_off_or_unknown_answer_is_unsettled() -> None:
    log = [
        _row("a", "sending"),
        _row("a", "sent"),  # cut off, then settled
        _row("b", "sent"),
        _row("b", "sending"),  # a second answer cut off (a different action, say)
        _row("c", "unknown", "timed out"),
        _row("d", "retrying"),
        _row("e", "refused", "no"),
    ]
    assert unsettled_answers(log) == ["b", "c", "d"]


def test_a_cut_off_answer_reads_pending_until_checked() -> None:
    answers = answers_from_log([_row("a", "refused", "no"), _row("a", "sending")])
    assert answers["a"].kind == "pending"
    assert answers["a"].text.startswith("checking with the server: the answer at ")
    assert answers_from_log([_row("c", "unknown", "timed out")])["c"].kind == "failed"
