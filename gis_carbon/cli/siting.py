"""Siting: check-site, suitability."""

from __future__ import annotations

import argparse
from typing import Any

from gis_carbon.cli import add_command, open_from_args, print_json, print_table
from gis_carbon.errors import ValidationError


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "check-site",
        cmd_check_site,
        "check a site (WKT in WGS 84 or a stored project) against constraint layers, raster "
        "criteria and the grid; with a capacity hint",
    )
    group = cmd.add_mutually_exclusive_group(required=True)
    group.add_argument("--wkt", help="site geometry as WKT in WGS 84 lon/lat")
    group.add_argument("--project", type=int, metavar="ID", help="a stored project's id")
    group.add_argument(
        "--plan",
        help="every project of a plan's region (id or region name, e.g. 静海区), each against "
        "its own type's rules: one line per project",
    )
    cmd.add_argument("--type", help="project type (code or 中文); default: the project's type")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "suitability",
        cmd_suitability,
        "map where a project type could be built in a region (GeoTIFF + GeoPackage) with the "
        "eligible km² and potential MW",
    )
    cmd.add_argument("--region", required=True, help="region code (GB/T 2260) or name, e.g. 120118")
    cmd.add_argument("--type", required=True, help="project type, e.g. pv_ground, wind, 渔光互补")
    cmd.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="output: PATH.tif and PATH.gpkg (or give one of them)",
    )
    cmd.add_argument(
        "--resolution",
        type=float,
        default=100.0,
        metavar="M",
        help="grid cell size in metres (default 100)",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def cmd_check_site(args: argparse.Namespace) -> int:
    import shapely

    from gis_carbon.services.siting import check_site

    if args.plan is not None:
        if args.type is not None:
            raise ValidationError(
                "--plan checks each project as its own type; drop --type", "type", args.type
            )
        return _check_plan_sites(args)
    site: Any
    if args.wkt is not None:
        try:
            site = shapely.from_wkt(args.wkt)
        except shapely.errors.ShapelyError as exc:
            raise ValidationError(f"--wkt is not valid WKT: {exc}", "wkt", args.wkt) from exc
    else:
        site = args.project
    with open_from_args(args) as ws:
        report = check_site(ws, site, args.type)
    if args.json:
        print_json(report.to_json())
        return 0
    data = report.to_json()
    print(
        f"类型 type: {report.type_code or '-'}   面积 footprint: "
        f"{data['footprint_mu']:,.1f} 亩 / {data['footprint_ha']:,.2f} ha   (CRS {report.crs})"
    )
    if report.violations:
        rows = [
            (
                v.kind,
                v.layer_title,
                _fmt(v.overlap_mu),
                _fmt(v.overlap_ha, 2),
                f"{v.share:.1%}",
                _fmt(v.distance_m, 0),
                _fmt(v.required_m, 0),
            )
            for v in report.violations
        ]
        print_table(rows, ["kind", "layer", "亩", "ha", "share", "distance m", "required m"])
    else:
        print("无冲突 no violations")
    for check in report.rasters:
        s = check.stats
        print(
            f"{check.layer_title} [{check.criterion}] mean {_fmt(s.mean, 2)} min "
            f"{_fmt(s.min, 2)} max {_fmt(s.max, 2)}; {check.threshold.describe()} breached on "
            f"{check.breach_share:.1%}"
        )
    for setback in report.setbacks:
        if setback.ok:
            print(
                f"setback {setback.layer_title}: {_fmt(setback.distance_m, 0)} m "
                f"(required {_fmt(setback.required_m, 0)} m) ok"
            )
    hint = data["capacity_hint"]
    if hint["capacity_mw"] is not None:
        print(
            f"容量估算 capacity hint: {hint['capacity_mw']:,.1f} MW on {hint['basis']} area "
            f"{data['usable_mu']:,.1f} 亩 at {hint['power_density_mw_per_km2']:g} MW/km² "
            f"({hint['power_density_source']})"
        )
    station = report.nearest_substation
    if station is not None:
        kv = f"{station.voltage_kv:g} kV" if station.voltage_kv is not None else "voltage unknown"
        print(
            f"最近变电站 nearest substation: {station.name}, {station.distance_m / 1000:,.2f} km, "
            f"{kv} (location precision: {station.precision})"
        )
    for note in report.notes:
        print(f"note: {note}")
    return 0


def _check_plan_sites(args: argparse.Namespace) -> int:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services.siting import check_plan_sites

    with open_from_args(args) as ws, terminal_feedback(args, unit="sites") as feedback:
        checked = check_plan_sites(ws, args.plan, feedback)
    if args.json:
        print_json([{"project_id": p.id, "name": p.name, **r.to_json()} for p, r in checked])
        return 0
    rows = []
    for project, report in checked:
        data = report.to_json()
        rows.append(
            (
                project.id,
                project.name,
                report.type_code or "",
                _fmt(data["footprint_mu"]),
                "; ".join(f"{v.kind} {v.layer_title}" for v in report.violations) or "ok",
                _fmt(report.capacity_mw),
            )
        )
    print_table(rows, ["id", "name", "type", "亩", "violations", "capacity hint MW"])
    return 0


def cmd_suitability(args: argparse.Namespace) -> int:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services.siting import suitability

    with open_from_args(args) as ws, terminal_feedback(args, unit="steps") as feedback:
        result = suitability(
            ws, args.region, args.type, args.out, resolution_m=args.resolution, feedback=feedback
        )
    if args.json:
        print_json(result.to_json())
        return 0
    print(
        f"region {result.region_code}, type {result.type_code}, grid {result.resolution_m:g} m "
        f"({result.crs})"
    )
    print(f"region {result.region_km2:,.2f} km², eligible {result.eligible_km2:,.2f} km²")
    for rule, km2 in result.excluded_km2.items():
        print(f"  excluded by {rule}: {km2:,.2f} km²")
    if result.potential_mw is not None:
        print(
            f"potential {result.potential_mw:,.0f} MW on {result.capacity_basis} "
            f"{result.capacity_area_km2:,.2f} km² at {result.power_density_mw_per_km2:g} MW/km²"
        )
    print(f"raster: {result.raster_path}\npolygons: {result.vector_path}")
    for note in result.notes:
        print(f"note: {note}")
    return 0
