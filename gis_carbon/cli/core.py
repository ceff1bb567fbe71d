"""Plans, targets and projects: list, add, edit, delete, history."""

from __future__ import annotations

import argparse
from typing import Any

from gis_carbon.cli import (
    PROJECT_HEADERS,
    add_command,
    open_from_args,
    print_json,
    print_table,
    project_cells,
)
from gis_carbon.model.plan import target_to_json
from gis_carbon.model.project import project_to_json
from gis_carbon.model.units import format_number


def register(subparsers: Any) -> None:
    cmd = add_command(subparsers, "plans", cmd_plans, "list the plans in the workspace")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(subparsers, "targets", cmd_targets, "list the targets of a plan (or all)")
    cmd.add_argument("--plan", help="plan id or region name, e.g. 静海区")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(subparsers, "projects", cmd_projects, "list projects by plan or region")
    group = cmd.add_mutually_exclusive_group()
    group.add_argument("--plan", help="plan id or region name: the projects in its region")
    group.add_argument("--region", help="region code (GB/T 2260), any level")
    cmd.add_argument("--type", action="append", help="only this type (repeatable)")
    cmd.add_argument("--status", action="append", help="only this status (repeatable)")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(subparsers, "add-project", cmd_add, "add a project")
    _project_fields(cmd, required=True)
    cmd.add_argument("--json", action="store_true", help="print the stored project as JSON")

    cmd = add_command(subparsers, "edit-project", cmd_edit, "change fields of a project")
    cmd.add_argument("id", type=int, help="project id")
    _project_fields(cmd, required=False)
    cmd.add_argument(
        "--expect-version", type=int, help="refuse the edit unless the stored version is this"
    )
    cmd.add_argument("--json", action="store_true", help="print the stored project as JSON")

    cmd = add_command(subparsers, "delete-project", cmd_delete, "delete a project")
    cmd.add_argument("id", type=int, help="project id")
    cmd.add_argument("--expect-version", type=int, help="refuse unless at this version")

    cmd = add_command(subparsers, "history", cmd_history, "show the change history of a project")
    cmd.add_argument("id", type=int, help="project id")
    cmd.add_argument("--json", action="store_true", help="print JSON")


def _project_fields(cmd: argparse.ArgumentParser, *, required: bool) -> None:
    cmd.add_argument("--name", required=required, help="project name")
    cmd.add_argument(
        "--type", required=required, help="type code or Chinese name (wind, pv_fishery, 渔光互补…)"
    )
    cmd.add_argument("--capacity", help='capacity with unit: "300 MW", "28万千瓦", "2.55万亩"')
    cmd.add_argument("--energy", help='storage energy: "200 MWh"')
    cmd.add_argument(
        "--status",
        default="planned" if required else None,
        help="status code or 中文 (在建, 投产…)",
    )
    cmd.add_argument("--year", help="commissioning year")
    cmd.add_argument("--start-year", help="construction start year")
    cmd.add_argument("--lon", help="WGS 84 longitude: 116.93 or 116°55′48″E")
    cmd.add_argument("--lat", help="WGS 84 latitude: 38.94 or 38°56′24″N")
    cmd.add_argument("--wkt", help="geometry as WKT in WGS 84 (lines and polygons)")
    cmd.add_argument("--owner", help="owner / developer")
    cmd.add_argument("--notes", help="free notes")
    cmd.add_argument("--precision", help="exact, village, town or district")
    cmd.add_argument("--plan-id", help="the plan this project belongs to")


def cmd_plans(args: argparse.Namespace) -> None:
    with open_from_args(args) as ws:
        plans = ws.plans()
        if args.json:
            print_json([dict(p.__dict__) for p in plans])
            return
        print_table(
            [(p.id, p.region_name, p.region_code, p.name, p.date, p.parent_id) for p in plans],
            ["id", "region", "code", "plan", "date", "parent"],
        )


def cmd_targets(args: argparse.Namespace) -> None:
    with open_from_args(args) as ws:
        plan_id = ws.plan(args.plan).id if args.plan else None
        targets = ws.targets(plan_id)
        if args.json:
            print_json([target_to_json(t) for t in targets])
            return
        print_table(
            [
                (
                    t.id,
                    t.name_zh,
                    t.year,
                    f"{t.comparator.symbol}{format_number(t.value)} {t.unit}",
                    t.quote[:40] + ("…" if len(t.quote) > 40 else ""),
                )
                for t in targets
            ],
            ["id", "target", "year", "value", "quote"],
        )


def cmd_projects(args: argparse.Namespace) -> None:
    with open_from_args(args) as ws:
        region = ws.plan(args.plan).region_code if args.plan else args.region
        projects = ws.projects(region_code=region, types=args.type, statuses=args.status)
        if args.json:
            print_json([project_to_json(p) for p in projects])
            return
        print_table(
            [[*project_cells(p), p.regions.county or "", p.precision.value] for p in projects],
            [*PROJECT_HEADERS, "county", "precision"],
        )


def _input_from_args(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "name": args.name,
        "type": args.type,
        "status": args.status,
        "capacity": args.capacity,
        "energy": args.energy,
        "year": args.year,
        "start_year": args.start_year,
        "lon": args.lon,
        "lat": args.lat,
        "wkt": args.wkt,
        "owner": args.owner,
        "notes": args.notes,
        "precision": args.precision,
        "plan_id": args.plan_id,
    }


def cmd_add(args: argparse.Namespace) -> None:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services import ProjectInput, add_project

    values = {k: v for k, v in _input_from_args(args).items() if v is not None}
    with open_from_args(args) as ws, terminal_feedback(args) as feedback:
        project = add_project(ws, ProjectInput(**values), feedback=feedback)
        if args.json:
            print_json(project_to_json(project))
        else:
            print(f"added project {project.id}: {project.name} (county {project.regions.county})")


def cmd_edit(args: argparse.Namespace) -> None:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services import edit_project

    with open_from_args(args) as ws, terminal_feedback(args) as feedback:
        project = edit_project(
            ws,
            args.id,
            _input_from_args(args),
            expected_version=args.expect_version,
            feedback=feedback,
        )
        if args.json:
            print_json(project_to_json(project))
        else:
            print(f"updated project {project.id}: {project.name} (version {project.version})")


def cmd_delete(args: argparse.Namespace) -> None:
    from gis_carbon.services import delete_project

    with open_from_args(args) as ws:
        project = delete_project(ws, args.id, expected_version=args.expect_version)
        print(f"deleted project {project.id}: {project.name}")


def cmd_history(args: argparse.Namespace) -> None:
    with open_from_args(args) as ws:
        entries = ws.history(args.id)
        if args.json:
            print_json([dict(e.__dict__) for e in entries])
            return
        rows = []
        for e in entries:
            changed = ""
            if e.before and e.after:
                keys = [
                    k
                    for k in e.after
                    if k not in ("version", "updated_at") and e.before.get(k) != e.after.get(k)
                ]
                changed = ", ".join(f"{k}: {e.before.get(k)} → {e.after.get(k)}" for k in keys)
            rows.append((e.id, e.at, e.author, e.action, changed))
        print_table(rows, ["#", "at", "author", "action", "changes"])
