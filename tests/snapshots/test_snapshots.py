"""Snapshot tests: what a person sees, at 80×24 and 140×40 (modals also at 60×18), frozen clock.

Regenerate after an intended change with `pytest tests/snapshots --snapshot-update`, then look
at every changed SVG before committing it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.snapshots.scenarios import SCENES, SIZES, settle

SIZE_IDS = ["80x24", "140x40"]
#: The small terminals answer modals must work in (hint and error in sight).
SMALL = ["60x18", "80x24"]


def _shot(
    snap_compare: Any, name: str, size: str, monkeypatch: pytest.MonkeyPatch | None = None
) -> bool:
    scene = SCENES[name]
    if scene.environ:
        assert monkeypatch is not None, f"{name} sets environment variables: pass monkeypatch"
        for key, value in scene.environ:
            monkeypatch.setenv(key, value)

    async def run_before(pilot: Any) -> None:
        await settle(pilot, scene)

    return snap_compare(scene.build(), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestInbox:
    """The main screen in its states."""

    @pytest.mark.parametrize(
        "name",
        [
            "connecting_empty",
            "inbox_detail",
            "invalidated_item",
            "reconnecting",
            "credentials_refused",
            "injection_titles",
        ],
    )
    def test_screen(self, snap_compare: Any, name: str, size: str) -> None:
        assert _shot(snap_compare, name, size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestAnswering:
    """Each answer modal, the confirmation (simple and yes/no), a validation error and a
    refused answer."""

    @pytest.mark.parametrize(
        "name",
        [
            "confirm_irreversible",
            "confirm_irreversible_binary",
            "text_modal",
            "binary_modal",
            "choice_modal",
            "multi_choice_modal",
            "number_modal_error",
            "date_modal",
            "refused_answer",
        ],
    )
    def test_modal(self, snap_compare: Any, name: str, size: str) -> None:
        assert _shot(snap_compare, name, size)


class TestSmallModals:
    """Modals on small terminals: a long description scrolls while the input, the live status
    line, the error and the hint stay in sight (the choice modal at 80×24 is in
    `TestAnswering`)."""

    @pytest.mark.parametrize(
        ("name", "size"),
        [
            *((name, size) for name in ("long_text_error", "date_time_refused") for size in SMALL),
            ("choice_modal", "60x18"),
        ],
    )
    def test_modal(self, snap_compare: Any, name: str, size: str) -> None:
        assert _shot(snap_compare, name, size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestHelp:
    """The help screen lists every binding with its id."""

    def test_help(self, snap_compare: Any, size: str) -> None:
        assert _shot(snap_compare, "help", size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestSettings:
    """The settings screen, clean and with an inline validation error."""

    @pytest.mark.parametrize("name", ["settings", "settings_error"])
    def test_settings(self, snap_compare: Any, name: str, size: str) -> None:
        assert _shot(snap_compare, name, size)


class TestQuickReplies:
    """Issue #14 item 5: the quick reply list in a text answer (also at 60×18), the answer
    with one inserted (the hint names ctrl+r), and the settings' list and form."""

    @pytest.mark.parametrize(
        ("name", "size"),
        [
            *(("quick_reply_picker", size) for size in ("60x18", *SIZE_IDS)),
            ("quick_reply_inserted", "80x24"),
            *(("quick_replies_editor", size) for size in SIZE_IDS),
            ("quick_reply_form", "80x24"),
        ],
    )
    def test_quick_replies(self, snap_compare: Any, name: str, size: str) -> None:
        assert _shot(snap_compare, name, size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestHistory:
    """The history screen: answers newest first with their outcomes."""

    def test_history(self, snap_compare: Any, size: str) -> None:
        assert _shot(snap_compare, "history", size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestAway:
    """The "while you were away" summary after starting on a cached inbox."""

    def test_away_summary(self, snap_compare: Any, size: str) -> None:
        assert _shot(snap_compare, "away_summary", size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestLegibility:
    """Issue #11: closed items sorted last and hidden with `c`; urgency without colour
    (NO_COLOR: Textual renders monochrome, the urgent countdown keeps its `!` and reverse);
    ASCII glyphs on a Linux console."""

    @pytest.mark.parametrize(
        "name", ["closed_last", "closed_hidden", "no_color_inbox", "ascii_inbox"]
    )
    def test_screen(
        self, snap_compare: Any, name: str, size: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert _shot(snap_compare, name, size, monkeypatch)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestBulk:
    """Issue #14, item 4: marked rows and the status bar's count (also without colour and
    Unicode), and what a bulk answer shows: each row's result and the summary."""

    @pytest.mark.parametrize("name", ["marks", "marks_plain", "bulk_results"])
    def test_screen(
        self, snap_compare: Any, name: str, size: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert _shot(snap_compare, name, size, monkeypatch)


@pytest.mark.parametrize("size", ["60x18", "80x24", "140x40"])
class TestBulkConfirm:
    """The one confirmation of a bulk answer: the list scrolls, the irreversible ones are
    flagged and the skipped ones named, and the buttons stay in sight down to 60×18."""

    def test_confirm(self, snap_compare: Any, size: str) -> None:
        assert _shot(snap_compare, "bulk_confirm", size)


@pytest.mark.parametrize("size", SIZE_IDS)
class TestSnooze:
    """Issue #14 item 3: the snooze menu (each choice with when the item is back) and the
    snoozed list (`Z`), with the status bar's count behind it."""

    @pytest.mark.parametrize("name", ["snooze_menu", "snoozed_list"])
    def test_screen(self, snap_compare: Any, name: str, size: str) -> None:
        assert _shot(snap_compare, name, size)
