"""`coverage --plan P`: what of a plan ships, what cannot and why (no silent omissions)."""

from __future__ import annotations

import argparse
from typing import Any

from gis_carbon.cli import add_command, print_json, print_table


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "coverage",
        cmd_coverage,
        "the plan's checklist: each named item or commitment as shipped (project / target id) "
        "or unmappable with its reason; lists any silent omission",
    )
    cmd.add_argument("--plan", required=True, help="plan id or region name (静海区, jinghai …)")
    cmd.add_argument("--json", action="store_true", help="print JSON")


def cmd_coverage(args: argparse.Namespace) -> int:
    from gis_carbon.services.coverage import plan_coverage

    report = plan_coverage(args.plan)
    if args.json:
        print_json(report.to_json())
        return 0
    print(
        f"{report.plan_name}: {report.count('shipped')} shipped, "
        f"{report.count('unmappable')} unmappable, {report.count('silent')} silent omissions"
    )
    print_table(
        [
            [
                r.section,
                r.state,
                "; ".join(r.shipped_as) or r.reason,
                r.quote if len(r.quote) <= 40 else r.quote[:39] + "…",
            ]
            for r in report.rows
        ],
        ["section", "state", "shipped as / reason", "quote"],
    )
    for r in report.rows:
        if r.problem:
            print(f"line {r.line}: {r.problem}")
    return 0
