"""One parse of each stylesheet per test process, not one per app started.

Every `App` builds a new `Stylesheet`, and each stylesheet parses the app's `.tcss` and every
widget's `DEFAULT_CSS` again: about a fifth of the CPU an app start costs, paid by ~600 app and
snapshot tests. The parse is a pure function of the CSS text, where it was read from, its scope
and tie-breaker and the theme's variables, so parsing it once per worker process for those
inputs gives every app the rules it would have parsed itself. Textual keeps exactly this cache
per stylesheet (`Stylesheet._parse_cache`, keyed on the same inputs and cleared when the
variables change); this widens it to the process, with the variables in the key.

It replaces a private method. If a Textual release renames it, `share_parsed_css` does nothing
and the suite is only slower.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet

#: Parsed rule sets by (theme variables, css, location, default?, tie-breaker, scope).
_PARSED: dict[tuple[Any, ...], list[Any]] = {}


def _sharing(parse_rules: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    """`Stylesheet._parse_rules`, answered from `_PARSED` when the same inputs were parsed."""

    def parse_once(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[Any]:
        key = (
            tuple(self._variables.items()),
            css,
            read_from,
            is_default_rules,
            tie_breaker,
            scope,
        )
        rules = _PARSED.get(key)
        if rules is None:
            rules = parse_rules(self, css, read_from, is_default_rules, tie_breaker, scope)
            _PARSED[key] = rules
        return rules

    return parse_once


def share_parsed_css(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every stylesheet in this process share parses (see the module docstring)."""
    original = getattr(Stylesheet, "_parse_rules", None)
    if original is None or not hasattr(Stylesheet(), "_variables"):
        return
    monkeypatch.setattr(Stylesheet, "_parse_rules", _sharing(original))
