"""The `atp-tui` executable: `status` on a fast path, everything else through `atp_tui.cli`.

tmux runs `atp-tui status` every few seconds, and importing the CLI (argparse for every
command, asyncio, the settings model: ≈ 120 ms) would cost more than the whole command may
take. So this module imports nothing until it knows the command: `status` goes straight to
`atp_tui.commands.status`, anything else to `atp_tui.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Entry point of the `atp-tui` command; returns the exit status."""
    if sys.argv[1:2] == ["status"]:
        from atp_tui.commands.status import main as status_main

        return status_main(sys.argv[2:])
    from atp_tui.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
