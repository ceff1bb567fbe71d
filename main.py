"""Launch gis-carbon. Until the desktop window lands this prints the status of the plans."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from gis_carbon.cli import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    workspace = []
    if "--workspace" in args:
        i = args.index("--workspace")
        workspace = args[i : i + 2]
    return cli_main([*workspace, "targets"])


if __name__ == "__main__":
    sys.exit(main())
