"""import-plan: a plan document's targets and named projects, proposed for review."""

from __future__ import annotations

import argparse
from typing import Any

from gis_carbon.cli import add_command, open_from_args, print_json, print_table
from gis_carbon.model.units import format_number


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "import-plan",
        cmd_import_plan,
        "read a plan document (.txt, .docx, a PDF with text) and propose its targets and named"
        " projects, each with its sentence verbatim. Nothing is written until you accept:"
        " --review OUT.csv writes the proposals to edit, --accept REVIEW.csv adds the accepted"
        " ones as a new plan of --region",
    )
    cmd.add_argument("file", metavar="FILE", help="the plan document")
    cmd.add_argument("--region", help="the plan's region (code or name), needed with --accept")
    cmd.add_argument("--parent", help="the parent plan, e.g. 天津市")
    cmd.add_argument("--name", help="the plan's name (default: the document's title)")
    cmd.add_argument("--dry-run", action="store_true", help="only show the proposals (default)")
    cmd.add_argument("--review", metavar="OUT.csv", help="write the proposals as a review file")
    cmd.add_argument("--accept", metavar="REVIEW.csv", help="add the rows accepted in the file")
    cmd.add_argument("--json", action="store_true", help="print JSON")


def cmd_import_plan(args: argparse.Namespace) -> int:
    from gis_carbon.errors import ValidationError
    from gis_carbon.services import plan_import

    if args.accept:
        if not args.region:
            raise ValidationError("give the plan's region with --region (e.g. 静海区)")
        with open_from_args(args) as ws:
            plan, targets, projects = plan_import.accept(
                ws, args.file, args.accept, region=args.region, parent=args.parent, name=args.name
            )
        if args.json:
            print_json({"plan": plan.__dict__, "targets": targets, "projects": projects})
        else:
            print(f"added plan {plan.id} ({plan.name}): {targets} targets, {projects} projects")
        return 0
    proposal = plan_import.propose(args.file)
    if args.review:
        plan_import.write_review(proposal, args.review)
    if args.json:
        print_json(proposal.to_json())
        return 0
    print_table(
        [
            [
                t.section,
                t.year,
                f"{t.comparator} {format_number(t.value)} {t.unit}",
                t.metric,
                t.name,
                t.quote[:40],
            ]
            for t in proposal.targets
        ],
        ["section", "year", "value", "metric", "name", "sentence"],
    )
    print()
    print_table(
        [[p.section, p.name, p.capacity or "", p.quote[:40]] for p in proposal.projects],
        ["section", "project", "capacity", "sentence"],
    )
    print(
        f"\n{proposal.title}: {len(proposal.targets)} target and {len(proposal.projects)}"
        " project proposals; nothing written"
        + (f"; review them in {args.review}, then --accept it" if args.review else "")
    )
    return 0
