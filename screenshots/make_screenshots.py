"""Write the README's screenshots (SVG) into `screenshots/`, from the snapshot-test harness.

Run from the repository root: `.venv/bin/python screenshots/make_screenshots.py`. The scenes are
the ones the snapshot tests check (`tests/snapshots/scenarios.py`): frozen clock, fixed data,
UTC, no cursor blink, so the files only change when the UI does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from atp_tui.view import arrivals  # noqa: E402
from tests.snapshots.scenarios import SCENES, SIZES, settle  # noqa: E402

# The scenes press their keys once the screen shows what they act on, as a user who has looked:
# under the harness's frozen clock no item would ever have been on screen for long enough
# (`atp_tui.view.arrivals`; the tests do the same, `tests/conftest.py`).
arrivals.UNSEEN_SECONDS = 0.0

#: Scenes shot at 140×40; the main screen is also shot at 80×24.
WIDE = list(SCENES)
NARROW = ["inbox_detail", "text_modal"]


async def shoot(name: str, size: str, out: Path) -> Path:
    """Render one scene at one size and save it as `out/<name>-<size>.svg`."""
    scene = SCENES[name]
    saved = {key: os.environ.get(key) for key, _ in scene.environ}
    os.environ.update(dict(scene.environ))  # read by Textual when the app is built (NO_COLOR)
    try:
        app = scene.build()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    width, height = SIZES[size]
    async with app.run_test(size=(width, height)) as pilot:
        await settle(pilot, scene)
        path = out / f"{name}-{size}.svg"
        app.save_screenshot(filename=path.name, path=str(out))
    return path


async def main() -> None:
    """Shoot every scene."""
    out = ROOT / "screenshots"
    out.mkdir(exist_ok=True)
    jobs = [(name, "140x40") for name in WIDE] + [(name, "80x24") for name in NARROW]
    for name, size in jobs:
        print(await shoot(name, size, out))


if __name__ == "__main__":
    os.environ["TZ"] = "UTC"
    time.tzset()
    asyncio.run(main())
