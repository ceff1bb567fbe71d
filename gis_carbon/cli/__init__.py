"""`gis-carbon`: a thin command line over gis_carbon.services.

Each module in this package registers its commands; this one parses, opens the workspace,
runs the command and turns a GisCarbonError into one clear line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from gis_carbon.errors import GisCarbonError

if TYPE_CHECKING:
    from gis_carbon.model.storage import WorkspaceStore

# Modules that add subcommands: each has register(subparsers). One module per area.
COMMAND_MODULES = (
    "gis_carbon.cli.core",  # plans, targets, projects, add/edit/delete, history
    "gis_carbon.cli.plans",  # add/edit/delete plans and targets, baselines (存量)
    "gis_carbon.cli.plan_import",  # import-plan: a plan document proposed for review
    "gis_carbon.cli.geography",  # locate, regions, import, layers
    "gis_carbon.cli.progress",  # status, chart, record-indicator
    "gis_carbon.cli.exports",  # export, report
    "gis_carbon.cli.siting",  # check-site, suitability
    "gis_carbon.cli.safety",  # backup, restore, check
    "gis_carbon.cli.coverage",  # coverage (a plan's checklist)
    "gis_carbon.cli.team",  # team init/grant/revoke/members, checkout, sync
)


def build_parser() -> argparse.ArgumentParser:
    import importlib
    import importlib.util

    parser = argparse.ArgumentParser(
        prog="gis-carbon",
        description="Track the projects of China's carbon-peak plans (碳达峰实施方案) "
        "against their targets.",
    )
    parser.add_argument(
        "--workspace",
        metavar="PATH|URL",
        help="workspace file (created and seeded if new) or team database "
        "(postgresql://USER@HOST:PORT/DB); default: the per-user workspace "
        "or $GIS_CARBON_WORKSPACE",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is None:  # an area not built yet
            continue
        importlib.import_module(name).register(subparsers)
    return parser


def add_command(
    subparsers: Any, name: str, handler: Callable[[argparse.Namespace], int | None], help: str
) -> argparse.ArgumentParser:
    """A subcommand with help text, bound to its handler."""
    # argparse %-formats `help` (not `description`): a literal % must be doubled there.
    command = subparsers.add_parser(name, help=help.replace("%", "%%"), description=help)
    command.set_defaults(handler=handler)
    return command


def open_from_args(args: argparse.Namespace) -> WorkspaceStore:
    from gis_carbon.services import open_workspace

    return open_workspace(args.workspace)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    """A plain aligned table; width counts CJK characters as two columns."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))

    def line(row: Sequence[str]) -> str:
        return "  ".join(c + " " * (widths[i] - width(c)) for i, c in enumerate(row)).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def project_cells(project: Any) -> list[Any]:
    """The leading cells every project table shows: id, name, type, capacity, status, year."""
    from gis_carbon.model.units import format_number

    ptype = project.project_type
    capacity = (
        ""
        if project.capacity is None
        else f"{format_number(project.capacity)} {ptype.capacity_unit}"
    )
    return [
        project.id or "",
        project.name,
        ptype.name_zh,
        capacity,
        project.status.value,
        project.year or "",
    ]


PROJECT_HEADERS = ["id", "name", "type", "capacity", "status", "year"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except GisCarbonError as exc:
        # one line, whatever the message carries (SQLite quotes schema text with newlines)
        print(f"gis-carbon: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gis-carbon: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `gis-carbon … | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
