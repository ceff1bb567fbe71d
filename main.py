"""Launch the gis-carbon desktop app.

    python main.py [--workspace PATH] [--screenshot out.png] [--plan 静海区]
                   [--size 1600x1000] [--lang zh|en]

Opens the workspace (the per-user default, or PATH; a new one is seeded with the five plans)
in the main window. With --screenshot it renders the window offscreen to a PNG and exits.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from gis_carbon.qt.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
