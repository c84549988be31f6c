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


def test_the_product_reads_no_private_binding_tables() -> None:
    """Help, palette and keymap checks go through public API only, so one Textual release
    cannot break all three at once."""
    import re
    from pathlib import Path

    import atp_tui

    private = re.compile(r"\._(bindings|keymap|merge_bindings)\b")
    offenders = [
        f"{path.name}:{number}"
        for path in Path(atp_tui.__file__).parent.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert offenders == []


def test_help_and_keymap_check_list_the_same_dialogs() -> None:
    """One list of dialogs (`dialog_scopes`): every dialog binding the keymap check knows is a
    row of the help screen's dialog part, and the other way round."""
    from atp_tui.screens.help_rows import _dialog_bindings
    from atp_tui.screens.keys import dialog_scopes

    scoped = {
        binding_id
        for name, _ in dialog_scopes()
        for binding_id in binding_scopes()[name]
        if binding_id not in binding_scopes()["main screen"]
    }
    assert scoped == set(_dialog_bindings()) - set(binding_scopes()["main screen"])


def test_the_action_list_is_a_scope_of_its_own() -> None:
    """The inbox and the action list are never focused together: `j` moves in each, and a
    key rebound in one is checked against what is live with it, not against the other."""
    from atp_tui.settings.model import keymap_problems

    scopes = binding_scopes()
    assert scopes["action list"]["actions.down"] == "j"
    assert "inbox.down" not in scopes["action list"]
    assert "actions.down" not in scopes["main screen"]
    assert keymap_problems({"actions.down": "g"}, scopes, file="f") == []
    clash = keymap_problems({"actions.down": "1"}, scopes, file="f")
    assert [problem.message for problem in clash] == [
        "'1' is also bound to main.answer-1 (in action list)"
    ]
