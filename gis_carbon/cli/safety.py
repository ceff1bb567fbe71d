"""Workspace safety: backup, restore, check."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gis_carbon.cli import add_command, open_from_args, print_json


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "backup",
        cmd_backup,
        "copy the workspace to OUT.gpkg, consistently, even while the app writes to it",
    )
    cmd.add_argument("out", metavar="OUT.gpkg", help="the backup file to write")

    cmd = add_command(
        subparsers,
        "restore",
        cmd_restore,
        "put a backup back in place of the workspace: the backup is checked first, and the"
        " file it replaces is kept as <workspace>.before-restore",
    )
    cmd.add_argument("backup", metavar="BACKUP.gpkg", help="a file written by `backup`")

    cmd = add_command(
        subparsers,
        "check",
        cmd_check,
        "check the workspace: SQLite integrity and foreign keys, the GeoPackage tables and"
        " layers, totals against projects, history, every project's regions against its"
        " geometry. Exit 1 when anything is wrong",
    )
    cmd.add_argument("--quick", action="store_true", help="only the fast part (as on opening)")
    cmd.add_argument("--json", action="store_true", help="print JSON")


def _location(args: argparse.Namespace) -> str:
    from gis_carbon.services.workspace import default_workspace_path

    return str(args.workspace or default_workspace_path())


def cmd_backup(args: argparse.Namespace) -> int:
    from gis_carbon.services.safety import backup_workspace

    with open_from_args(args) as ws:
        out = backup_workspace(ws, args.out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from gis_carbon.services.safety import restore_workspace

    kept = restore_workspace(_location(args), args.backup)
    print(f"restored {args.backup} to {_location(args)}; the replaced workspace is {kept}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from gis_carbon.errors import WorkspaceError
    from gis_carbon.services.safety import check_workspace
    from gis_carbon.services.workspace import open_workspace

    try:
        ws = open_workspace(_location(args), create=False, seed=False)
    except WorkspaceError as exc:  # a file too damaged to open is a finding, not a crash
        report_problems, projects = [str(exc)], 0
    else:
        with ws:
            report = check_workspace(ws, quick=args.quick)
        report_problems, projects = report.problems, report.projects
    if args.json:
        print_json({"ok": not report_problems, "projects": projects, "problems": report_problems})
    elif report_problems:
        for line in report_problems:
            print(line, file=sys.stderr)
        print(f"{len(report_problems)} problem(s) found", file=sys.stderr)
    else:
        print(f"ok: {projects:,} projects, no problems found")
    return 1 if report_problems else 0
