"""The type and layer checks run with the tests, so `.ci/run` (the README's test command)
fails when either breaks: mypy (the core strict, the rest plain; settings in pyproject.toml)
and import-linter's contracts (the core never imports Textual, the protocol depends on nothing
else of ours, widgets never import screens, packages form layers)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    """The tool installed beside this Python (the project's venv), or on the PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' installs it")
    return found


def test_mypy_passes() -> None:
    done = subprocess.run(
        [_tool("mypy")], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [_tool("lint-imports"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
