"""Authoring plans and targets, and recording the existing stock (存量): add, edit, delete,
history. Every change is checked first and kept in the history with author and time."""

from __future__ import annotations

import argparse
from typing import Any

from gis_carbon.cli import add_command, open_from_args, print_json, print_table
from gis_carbon.model.plan import baseline_to_json, plan_to_json, target_to_json
from gis_carbon.model.units import format_number

METRICS = "capacity_sum|count|ratio|coverage_radius|area_share|area_sum|milestone|indicator"


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "add-plan",
        cmd_add_plan,
        "add a plan (碳达峰实施方案) for a region of any level or a park (园区): a polygon"
        " feature of an imported layer",
    )
    cmd.add_argument("--name", required=True, help="the plan's title, e.g. 宁河区碳达峰实施方案")
    _region_arguments(cmd, required=True)
    _plan_fields(cmd)

    cmd = add_command(subparsers, "edit-plan", cmd_edit_plan, "revise a plan's fields")
    cmd.add_argument("id", help="plan id (or its region name)")
    cmd.add_argument("--name", help="the plan's title")
    _region_arguments(cmd, required=False)
    _plan_fields(cmd)

    cmd = add_command(
        subparsers,
        "delete-plan",
        cmd_delete_plan,
        "delete a plan; refused while it has targets unless --with-targets",
    )
    cmd.add_argument("id", help="plan id")
    cmd.add_argument(
        "--with-targets", action="store_true", help="delete its targets in the same transaction"
    )

    cmd = add_command(subparsers, "add-target", cmd_add_target, "add a target to a plan")
    cmd.add_argument("--plan", required=True, help="plan id or region name")
    cmd.add_argument("--metric", required=True, help=METRICS)
    _target_fields(cmd, required=True)

    cmd = add_command(subparsers, "edit-target", cmd_edit_target, "revise a target")
    cmd.add_argument("id", help="target id, as `gis-carbon targets` lists it")
    cmd.add_argument("--metric", help=METRICS)
    _target_fields(cmd, required=False)

    cmd = add_command(subparsers, "delete-target", cmd_delete_target, "delete a target")
    cmd.add_argument("id", help="target id")

    cmd = add_command(
        subparsers,
        "plan-history",
        cmd_plan_history,
        "the change history of plans, targets and baselines (who, when, before and after)",
    )
    cmd.add_argument("id", nargs="?", help="only this plan, target or baseline id")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "record-baseline",
        cmd_record_baseline,
        "record the existing stock (存量): statistical installed capacity of some types in a"
        " region at a year. Capacity targets then count it plus projects commissioned after",
    )
    cmd.add_argument("--region", required=True, help="region code or name, e.g. 天津市")
    cmd.add_argument(
        "--types",
        required=True,
        help="types it covers: codes, Chinese names or a tag (renewable, solar, wind…)",
    )
    cmd.add_argument("--year", required=True, help="the year of the statistics, e.g. 2020")
    cmd.add_argument("--value", required=True, help='installed capacity: "300万千瓦", "3000 MW"')
    cmd.add_argument("--source", default="", help="where the figure comes from")
    cmd.add_argument("--json", action="store_true", help="print the stored baseline as JSON")

    cmd = add_command(
        subparsers,
        "export-indicators",
        cmd_export_indicators,
        "write a plan's recorded indicators to an Excel template: one row per indicator with"
        " its sentence, unit and target, a column per year, recorded values filled in",
    )
    cmd.add_argument("--plan", required=True, help="plan id or region name")
    cmd.add_argument("out", metavar="OUT.xlsx", help="the workbook to write")

    cmd = add_command(
        subparsers,
        "import-indicators",
        cmd_import_indicators,
        "read a filled-in indicator template back: all values or none, every bad cell listed",
    )
    cmd.add_argument("file", metavar="FILE.xlsx", help="a template from export-indicators")
    cmd.add_argument("--source", help="where the values come from (default: the file name)")
    cmd.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    cmd.add_argument("--json", action="store_true", help="print the values as JSON")

    cmd = add_command(subparsers, "baselines", cmd_baselines, "list the recorded existing stock")
    cmd.add_argument("--region", help="only this region")
    cmd.add_argument("--json", action="store_true", help="print JSON")


def _region_arguments(cmd: argparse.ArgumentParser, *, required: bool) -> None:
    group = cmd.add_mutually_exclusive_group(required=required)
    group.add_argument(
        "--region", help="region code or Chinese name of any level (120118, 静海区, a township)"
    )
    group.add_argument(
        "--region-layer", help="a park: the id of an imported polygon layer (with --feature)"
    )
    cmd.add_argument("--feature", help="with --region-layer: the feature's number or name")


def _plan_fields(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--parent", help="the parent plan (id or region name), e.g. 天津市")
    cmd.add_argument("--date", help="the plan's date, YYYY-MM-DD")
    cmd.add_argument("--base-year", help="the base year its targets are measured from, e.g. 2020")
    cmd.add_argument("--source-file", help="the plan document's file name")
    cmd.add_argument("--doc-number", help="文号, e.g. 津政发〔2022〕18号")
    cmd.add_argument("--note", help="a note")
    cmd.add_argument("--json", action="store_true", help="print the stored plan as JSON")


def _target_fields(cmd: argparse.ArgumentParser, *, required: bool) -> None:
    cmd.add_argument(
        "--value", required=required, help='the goal in the plan\'s unit: "280万千瓦", "21%%"'
    )
    cmd.add_argument("--year", required=required, help="the target year, e.g. 2025")
    cmd.add_argument(
        "--quote",
        required=required,
        help="the plan's sentence, verbatim (every target quotes where it comes from)",
    )
    cmd.add_argument(
        "--comparator", help="ge (default), gt, le, lt, eq or approx (达到, 超过, 以内, 左右…)"
    )
    cmd.add_argument(
        "--aspirational",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="力争: a goal to strive for",
    )
    cmd.add_argument("--types", help="the project types counted: wind,pv_ground or a tag")
    cmd.add_argument("--indicator", help="indicator key, for --metric indicator")
    cmd.add_argument("--name-zh", help="short Chinese name")
    cmd.add_argument("--name-en", help="short English name")
    cmd.add_argument("--section", help="the plan's section number, e.g. 二（一）2")
    cmd.add_argument("--json", action="store_true", help="print the stored target as JSON")


def _show_plan(args: argparse.Namespace, plan: Any, verb: str) -> int:
    if getattr(args, "json", False):
        print_json(plan_to_json(plan))
    else:
        print(f"{verb} plan {plan.id}: {plan.name} ({plan.region_name}, {plan.region_code})")
    return 0


def _show_target(args: argparse.Namespace, target: Any, verb: str) -> int:
    if getattr(args, "json", False):
        print_json(target_to_json(target))
    else:
        value = f"{target.comparator.symbol}{format_number(target.value)} {target.unit}"
        print(f"{verb} target {target.id}: {target.name_zh} {value} by {target.year}")
    return 0


# ------------------------------------------------------------------ plans
# The plan fields the add-plan and edit-plan options carry (the argparse dest names).
PLAN_FIELDS = (
    "name", "region", "region_layer", "feature", "parent", "date", "base_year", "source_file",
    "doc_number", "note",
)  # fmt: skip
TARGET_FIELDS = (
    "value", "year", "quote", "comparator", "aspirational", "types", "indicator", "name_zh",
    "name_en", "section",
)  # fmt: skip


def _fields(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names}


def cmd_add_plan(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        plan = plans.add_plan(ws, **_fields(args, PLAN_FIELDS))
    return _show_plan(args, plan, "added")


def cmd_edit_plan(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        plan = plans.edit_plan(ws, args.id, _fields(args, PLAN_FIELDS))
    return _show_plan(args, plan, "revised")


def cmd_delete_plan(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        plan = plans.delete_plan(ws, args.id, with_targets=args.with_targets)
    print(f"deleted plan {plan.id}: {plan.name}")
    return 0


# ------------------------------------------------------------------ targets
def cmd_add_target(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    fields = _fields(args, TARGET_FIELDS)
    fields["aspirational"] = bool(fields["aspirational"])
    fields["comparator_name"] = fields.pop("comparator")
    with open_from_args(args) as ws:
        target = plans.add_target(ws, plan=args.plan, metric_name=args.metric, **fields)
    return _show_target(args, target, "added")


def cmd_edit_target(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    changes = {"metric": args.metric, **_fields(args, TARGET_FIELDS)}
    with open_from_args(args) as ws:
        target = plans.edit_target(ws, args.id, changes)
    return _show_target(args, target, "revised")


def cmd_delete_target(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        target = plans.delete_target(ws, args.id)
    print(f"deleted target {target.id}: {target.name_zh}")
    return 0


def cmd_plan_history(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        entries = plans.history(ws, entity_id=args.id)
    if args.json:
        print_json([entry.__dict__ for entry in entries])
        return 0
    rows = []
    for e in entries:
        changed = ""
        if e.before and e.after:
            keys = sorted(k for k in e.after if e.before.get(k) != e.after.get(k))
            changed = "; ".join(f"{k}: {e.before.get(k)!r} → {e.after.get(k)!r}" for k in keys)
        rows.append([e.at, e.author, e.entity, e.entity_id, e.action, changed])
    print_table(rows, ["at", "author", "kind", "id", "action", "changes"])
    return 0


# ------------------------------------------------------------------ existing stock
def cmd_record_baseline(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        baseline = plans.record_baseline(
            ws,
            region=args.region,
            types=args.types,
            year=args.year,
            value=args.value,
            source=args.source,
        )
    if args.json:
        print_json(baseline_to_json(baseline))
    else:
        print(
            f"recorded baseline {baseline.id}: {baseline.region_code} {baseline.year}"
            f" {format_number(baseline.value)} {baseline.unit} ({len(baseline.types)} types)"
        )
    return 0


def cmd_baselines(args: argparse.Namespace) -> int:
    from gis_carbon.services import plans

    with open_from_args(args) as ws:
        found = plans.baselines(ws, args.region)
    if args.json:
        print_json([baseline_to_json(b) for b in found])
        return 0
    print_table(
        [
            [
                b.id,
                b.region_code,
                b.year,
                f"{format_number(b.value)} {b.unit}",
                ",".join(b.types),
                b.source,
            ]
            for b in found
        ],
        ["id", "region", "year", "value", "types", "source"],
    )
    return 0


# ------------------------------------------------------------------ indicators from Excel
def cmd_export_indicators(args: argparse.Namespace) -> int:
    from gis_carbon.services.indicators import export_indicator_template

    with open_from_args(args) as ws:
        path = export_indicator_template(ws, args.plan, args.out)
    print(f"wrote {path}")
    return 0


def cmd_import_indicators(args: argparse.Namespace) -> int:
    from gis_carbon.services.indicators import import_indicator_workbook

    with open_from_args(args) as ws:
        result = import_indicator_workbook(ws, args.file, source=args.source, dry_run=args.dry_run)
    if args.json:
        print_json([v.__dict__ for v in result.recorded])
        return 0
    verb = "would record" if args.dry_run else "recorded"
    print(f"{verb} {len(result.recorded)} values from {result.rows} rows of {args.file}")
    return 0
