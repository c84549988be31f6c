"""The keymap check's scopes are read from the public `BINDINGS` of each screen and widget,
and agree with what Textual itself binds (issue #13 item 4: no private binding tables)."""

from __future__ import annotations

from textual.binding import Binding

from atp_tui.app import AtpApp
from atp_tui.screens.keys import binding_scopes, class_bindings
from atp_tui.screens.main import MainScreen
from atp_tui.widgets.inbox import InboxList


def _textual_keys(owner: type) -> dict[str, set[str]]:
    """Binding id -> keys, as Textual merges a class's bindings (for comparison only)."""
    found: dict[str, set[str]] = {}
    merged = owner._merge_bindings()  # type: ignore[attr-defined]
    for key, bindings in merged.key_to_bindings.items():
        for binding in bindings:
            if isinstance(binding, Binding) and binding.id and not binding.system:
                found.setdefault(binding.id, set()).add(key)
    return found


def test_class_bindings_agree_with_textuals_merge() -> None:
    for owner in (AtpApp, MainScreen, InboxList):
        ours: dict[str, set[str]] = {}
        for binding in class_bindings(owner):
            if binding.id and not binding.system:
                ours.setdefault(binding.id, set()).add(binding.key)
        assert ours == _textual_keys(owner), owner.__name__


def test_the_main_scope_holds_the_inbox_the_screen_and_the_app() -> None:
    main = binding_scopes()["main screen"]
    assert set(main["inbox.down"].split(",")) == {"j", "down"}
    assert main["main.answer-1"] == "1"
    assert main["app.quit"] == "ctrl+q"
