"""`export FORMAT PATH` and `report --plan P --out FILE`: thin wrappers over
gis_carbon.services.exports."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gis_carbon.cli import add_command, open_from_args, print_json


def register(subparsers: Any) -> None:
    from gis_carbon.services.exports import FORMATS

    formats = ", ".join(
        f"{f.name} ({f.label_zh}, {'/'.join(f.suffixes)})" for f in FORMATS.values()
    )
    cmd = add_command(
        subparsers,
        "export",
        cmd_export,
        "export projects (a plan's, a region's or all) to a file other tools open: " + formats,
    )
    cmd.add_argument("format", metavar="FORMAT", help="one of: " + ", ".join(FORMATS))
    cmd.add_argument("path", metavar="PATH", help="output file (written via a temporary file)")
    group = cmd.add_mutually_exclusive_group()
    group.add_argument("--plan", help="plan id or region name, e.g. 静海区: its region's projects")
    group.add_argument("--region", help="region code (GB/T 2260), any level")
    cmd.add_argument(
        "--encoding",
        choices=("utf-8", "gbk"),
        default="utf-8",
        help="text encoding of shapefile/CSV (default utf-8; gbk for old ArcGIS/Excel)",
    )
    cmd.add_argument(
        "--coords",
        choices=("wgs84", "gcj02"),
        default="wgs84",
        help="coordinates of KML/KMZ/CSV/Excel: wgs84 (default) or gcj02 for 奥维互动地图",
    )
    cmd.add_argument("--zip", action="store_true", help="shapefile: one .zip of all its files")
    cmd.add_argument("--json", action="store_true", help="print the result as JSON")

    cmd = add_command(
        subparsers, "report", cmd_report, "a one-page plan report (map, targets, trajectory)"
    )
    cmd.add_argument("--plan", required=True, help="plan id or region name, e.g. 静海区")
    cmd.add_argument("--out", required=True, metavar="FILE", help="FILE.pdf or FILE.png")
    cmd.add_argument("--json", action="store_true", help="print the result as JSON")


def _print_result(result: Any, as_json: bool) -> None:
    if as_json:
        print_json(result.to_json())
        return
    for path in result.paths:
        print(f"wrote {path}")
    print(
        f"{result.format}: {result.projects} projects, {result.plans} plans, "
        f"{result.targets} targets in {result.seconds:.2f} s"
    )
    for line in result.report:
        print(f"note: {line}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> None:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services.exports import export

    with open_from_args(args) as ws, terminal_feedback(args, unit="steps") as feedback:
        result = export(
            ws,
            args.format,
            args.path,
            plan=args.plan,
            region=args.region,
            encoding=args.encoding,
            coords=args.coords,
            as_zip=args.zip,
            feedback=feedback,
        )
    _print_result(result, args.json)


def cmd_report(args: argparse.Namespace) -> None:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services.exports import export_report

    with open_from_args(args) as ws, terminal_feedback(args, unit="steps") as feedback:
        result = export_report(ws, args.plan, args.out, feedback=feedback)
    _print_result(result, args.json)
