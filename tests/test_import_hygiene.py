"""The headless core never imports Textual.

`atp-tui watch`, `atp-tui respond`, the protocol, store and stream engine, and the reference
server must run (and start fast) without loading the UI toolkit. All of them are imported in a
fresh interpreter, checking after each import, so the report names the first offender; modules
are discovered from the source tree, so new ones are covered automatically.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "atp_tui"

#: Single modules of the headless core.
CORE_MODULES = ["atp_tui", "atp_tui.cli"]
#: Packages whose every module belongs to the headless core.
CORE_PACKAGES = [
    "atp_tui.protocol",
    "atp_tui.client",
    "atp_tui.server",
    "atp_tui.store",
    "atp_tui.settings",
    "atp_tui.commands",
    "atp_tui.view",
]
#: Packages still being written: tolerated when absent (or a sibling module is not there yet).
IN_PROGRESS = ("atp_tui.server",)

_PROBE = r"""
import importlib, json, sys

names = json.loads(sys.argv[1])
in_progress = tuple(json.loads(sys.argv[2]))
report = {"imported": [], "skipped": [], "textual_after": None}
for name in names:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        if name.startswith(in_progress) and missing.startswith(in_progress):
            report["skipped"].append([name, str(error)])
            continue
        raise
    report["imported"].append(name)
    if report["textual_after"] is None and "textual" in sys.modules:
        report["textual_after"] = name
report["textual_loaded"] = sorted(m for m in sys.modules if m.split(".")[0] == "textual")[:5]
print(json.dumps(report))
"""


def _modules_under(package: str) -> list[str]:
    """`package` and every module below it, found on disk without importing anything."""
    directory = REPO.joinpath(*package.split("."))
    if not (directory / "__init__.py").is_file():
        return []
    found = [package]
    for info in pkgutil.iter_modules([str(directory)], prefix=f"{package}."):
        found.extend(_modules_under(info.name) if info.ispkg else [info.name])
    return found


def _core_modules() -> list[str]:
    names = list(CORE_MODULES)
    for package in CORE_PACKAGES:
        modules = _modules_under(package)
        assert modules or package in IN_PROGRESS, f"{package} not found"
        names.extend(modules)
    return names


def _probe(names: list[str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(names), json.dumps(IN_PROGRESS)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_discovery_finds_the_core() -> None:
    """Guard against a vacuous pass: the discovered list covers the known modules."""
    names = _core_modules()
    for expected in (
        "atp_tui.protocol.models",
        "atp_tui.protocol.wire",
        "atp_tui.client.stream",
        "atp_tui.client.respond",
        "atp_tui.store",
        "atp_tui.store.db",
        "atp_tui.store.headless",
        "atp_tui.cli",
    ):
        assert expected in names
    assert len(names) == len(set(names))


def test_headless_core_does_not_import_textual() -> None:
    """Importing every headless module, in one interpreter, leaves `textual` unloaded."""
    names = _core_modules()
    report = _probe(names)
    assert report["textual_after"] is None, (
        f"importing {report['textual_after']} loaded {report['textual_loaded']}"
    )
    imported = set(report["imported"])  # type: ignore[arg-type]
    skipped = {name for name, _ in report["skipped"]}  # type: ignore[union-attr]
    assert imported | skipped == set(names)
    assert all(name.startswith(IN_PROGRESS) for name in skipped)
    assert set(CORE_MODULES) <= imported


def test_the_probe_detects_textual() -> None:
    """The check itself works: a module that pulls Textual in is named."""
    report = _probe(["atp_tui.protocol", "textual.app", "atp_tui.store"])
    assert report["textual_after"] == "textual.app"
