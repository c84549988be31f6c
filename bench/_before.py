"""The code of an earlier revision, for benchmarks that measure it beside today's (`--before`)."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def tree_at(revision: str) -> Iterator[Path]:
    """This repository's `atp_tui/` at `revision`, extracted into a temporary folder (run a
    process with that folder as its working directory: `python -m` puts it first on the path)."""
    with tempfile.TemporaryDirectory(prefix="atp-bench-before-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "atp_tui"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)
