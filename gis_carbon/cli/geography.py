"""Geography commands: locate, regions, import, layers, remove-layer."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from gis_carbon.cli import (
    PROJECT_HEADERS,
    add_command,
    open_from_args,
    print_json,
    print_table,
    project_cells,
)
from gis_carbon.errors import CoordinateError, InputFileError, NotFoundError

LEVELS = ("province", "city", "county")


def register(subparsers: Any) -> None:
    cmd = add_command(
        subparsers,
        "locate",
        cmd_locate,
        "name the province, city, county (and township, from imported township layers) "
        "holding a point (or every point of a CSV)",
    )
    cmd.add_argument("lon", nargs="?", help="longitude (decimal or 117°03′52″E)")
    cmd.add_argument("lat", nargs="?", help="latitude (decimal or 39°09′26″N)")
    cmd.add_argument(
        "--points",
        metavar="FILE.csv",
        help="a CSV with columns lon,lat (or 经度,纬度): one chain per row",
    )
    cmd.add_argument(
        "--out", metavar="OUT.csv", help="write the --points result here (default: standard output)"
    )
    cmd.add_argument(
        "--coords",
        choices=("gcj02", "bd09"),
        help="the points are Amap (GCJ-02) or Baidu (BD-09) coordinates",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers, "regions", cmd_regions, "list administrative regions (province, city, county)"
    )
    cmd.add_argument(
        "--within",
        metavar="CODE",
        help="only this region and those inside it (code such as 120000, or a name such as 天津市)",
    )
    cmd.add_argument("--level", choices=LEVELS, help="only regions of this level")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "import",
        cmd_import,
        "import a Shapefile (also zipped), GeoPackage, GeoJSON, KML/KMZ, DXF, CSV/XLSX ledger "
        "or GeoTIFF: as a layer (--layer/--role) or as projects (default)",
    )
    cmd.add_argument("path", metavar="PATH", help="the file to import")
    cmd.add_argument(
        "--layer",
        metavar="NAME",
        help="import as a layer with this name (township: a township boundary layer, the fourth "
        "region level; another county's township file becomes township_2, …)",
    )
    cmd.add_argument(
        "--role",
        choices=(
            "exclusion",
            "setback",
            "boundary",
            "constraint",
            "resource",
            "infrastructure",
            "reference",
        ),
        help="the layer's role (implies a layer); exclusion and setback are "
        "constraint layers for siting checks",
    )
    cmd.add_argument(
        "--distance-m",
        type=float,
        metavar="METRES",
        help="setback distance in metres (with --role setback)",
    )
    cmd.add_argument(
        "--crs",
        help="the file's CRS when it does not say: EPSG:4490, "
        "EPSG:4527, or a Gauss–Krüger zone such as GK39",
    )
    cmd.add_argument(
        "--coords",
        choices=("gcj02", "bd09"),
        help="coordinates from Amap (GCJ-02) or Baidu (BD-09)",
    )
    cmd.add_argument(
        "--encoding",
        help="text encoding when the file does not say (gbk, utf-8); default: .cpg, else detected",
    )
    cmd.add_argument(
        "--value-map",
        action="append",
        default=[],
        metavar="FIELD:VALUE=CODE",
        help="read a ledger's value as another, before any check (repeatable): "
        "--value-map type:光伏发电=pv_ground --value-map status:已并网=operating",
    )
    cmd.add_argument(
        "--status",
        help="the status of rows whose ledger gives none (default: planned 规划)",
    )
    cmd.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and list the others in the problems file "
        "(default: all or nothing)",
    )
    cmd.add_argument(
        "--key",
        metavar="COLUMN",
        help="re-import: match rows to stored projects by this column (an ID column, or the"
        " name column: name + county) — new rows are added, changed ones updated, the rest left"
        " alone; --dry-run prints the diff",
    )
    cmd.add_argument(
        "--delete-missing",
        action="store_true",
        help="with --key: delete stored ledger projects the file no longer lists",
    )
    cmd.add_argument(
        "--problems",
        metavar="PATH",
        help="where to write the table of refused rows (default: FILE.problems.csv beside it)",
    )
    cmd.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=列名",
        help="take a project field from a column: name, type, capacity, energy, "
        "status, year, start_year, lon, lat, x, y, owner, notes, precision, "
        "plan_id (repeatable)",
    )
    cmd.add_argument("--plan", help="the plan id the imported projects belong to")
    cmd.add_argument(
        "--profile",
        metavar="NAME",
        help="use the import profile saved in the workspace under NAME (its column map, value"
        " maps, status, key, encoding and --skip-invalid), or a profile file (.json) the import"
        " wizard saved; options given here override it",
    )
    cmd.add_argument(
        "--save-profile",
        metavar="NAME",
        help="after a successful import (or dry run), save its column map, value maps and"
        " options in the workspace as NAME, so next month's ledger imports with --profile NAME",
    )
    cmd.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything and show what would be imported; write nothing",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "layers",
        cmd_layers,
        "list the layer catalogue: predefined layers and the workspace's layers",
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        subparsers,
        "remove-layer",
        cmd_remove_layer,
        "remove a layer of the workspace (imported with `import --layer`/`--role`) and its "
        "features; removing a township layer assigns the projects' townships again from the "
        "remaining township layers. The built-in boundary layers cannot be removed",
    )
    cmd.add_argument("id", metavar="ID", help="the layer id, as `gis-carbon layers` lists it")
    cmd.add_argument("--json", action="store_true", help="print JSON")


# ------------------------------------------------------------------ locate
def cmd_locate(args: argparse.Namespace) -> int:
    from gis_carbon.services import locate

    if args.points:
        if args.lon is not None:
            raise InputFileError("give either LON LAT or --points FILE, not both")
        return _locate_points(args)
    if args.lon is None or args.lat is None:
        raise CoordinateError("give LON LAT (e.g. 117.16111 39.15722) or --points FILE.csv")
    from gis_carbon.cli.terminal import terminal_feedback

    with terminal_feedback(args) as feedback:
        result = locate.locate_point(
            args.lon, args.lat, coords=args.coords, workspace=args.workspace, feedback=feedback
        )
    if args.json:
        print_json(result)
        return 0
    if not result["chain"]:
        print(f"{result['lon']:.6f}, {result['lat']:.6f}: outside every region")
        return 0
    print(" > ".join(f"{r['name']} ({r['code']})" for r in result["chain"]))
    nearest = result["nearest_other_county"]
    if nearest is not None:
        print(
            f"nearest other county: {nearest['name']} ({nearest['code']}),"
            f" {nearest['distance_m']:,.0f} m away"
        )
    return 0


def _locate_points(args: argparse.Namespace) -> int:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services import locate

    with terminal_feedback(args, unit="points") as feedback:
        table = locate.locate_points_file(
            args.points, coords=args.coords, workspace=args.workspace, feedback=feedback
        )
    if args.json:
        print_json([dict(zip([*table.header, *table.extra], r, strict=True)) for r in table.rows])
        return 0
    target = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout  # noqa: SIM115
    try:
        writer = csv.writer(target)
        writer.writerow([*table.header, *table.extra])
        writer.writerows(table.rows)
    finally:
        if args.out:
            target.close()
    if args.out:
        outside = table.count_outside()
        notes = [f"{outside} outside China's regions"] if outside else []
        if table.with_townships:
            notes.append(f"{table.count_in_township()} in a township")
        print(
            f"wrote {len(table.rows)} rows to {args.out}"
            + (f" ({', '.join(notes)})" if notes else ""),
            file=sys.stderr,
        )
    return 0


# ------------------------------------------------------------------ regions
def cmd_regions(args: argparse.Namespace) -> int:
    from gis_carbon.geo import boundaries

    if args.within:
        within = args.within.strip()
        if not within.isdigit():
            # find_regions gives the exact-name matches when there are any
            found = boundaries.find_regions(within)
            if len(found) != 1:
                names = ", ".join(f"{r.name} {r.code}" for r in found[:10]) or "none"
                raise NotFoundError(
                    f"--within {within!r} names {len(found)} regions ({names}); give the code"
                )
            within = found[0].code
        root = boundaries.region(within)
        regions = sorted(
            (boundaries.region(code) for code in boundaries.descendants_or_self(root.code)),
            key=lambda r: r.code,
        )
    else:
        regions = boundaries.load_regions()
    if args.level:
        regions = [r for r in regions if r.level == args.level]
    if args.json:
        print_json(
            [
                {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code}
                for r in regions
            ]
        )
        return 0
    print_table(
        [(r.code, r.name, r.level, r.parent_code or "") for r in regions],
        ["code", "name", "level", "parent"],
    )
    return 0


# ------------------------------------------------------------------ import
def _parse_map(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InputFileError(f"--map {item!r}: write FIELD=列名, e.g. --map name=项目名称")
        mapping[field.strip()] = column.strip()
    return mapping


def _parse_value_map(items: list[str]) -> dict[str, dict[str, str]]:
    maps: dict[str, dict[str, str]] = {}
    for item in items:
        field, _, pair = item.partition(":")
        value, sep, code = pair.partition("=")
        if not sep or not field.strip() or not value.strip() or not code.strip():
            raise InputFileError(
                f"--value-map {item!r}: write FIELD:VALUE=CODE, e.g. type:光伏发电=pv_ground"
            )
        maps.setdefault(field.strip(), {})[value.strip()] = code.strip()
    return maps


def cmd_import(args: argparse.Namespace) -> int:
    from gis_carbon.services.imports import RefusedRowsError

    try:
        return _import(args)
    except RefusedRowsError as exc:
        from gis_carbon.services import import_problems

        out = import_problems.write_problems(
            exc.rows, args.problems or import_problems.problems_path(args.path)
        )
        lines = import_problems.summary(exc.rows)
        if len(exc.rows) == 1 and not args.json:
            # one refused row: one line naming the file, the row and the value
            only = exc.rows[0]
            where = f"{only.where}: " if only.where else ""
            print(
                f"gis-carbon: error: {Path(args.path).name}: {where}"
                f"{' '.join(only.reason.split())} (also in {out})",
                file=sys.stderr,
            )
            return 2
        if args.json:
            print_json(
                {"error": lines[0], "summary": lines[1:], "problems": len(exc.rows),
                 "problems_file": str(out)}
            )  # fmt: skip
        else:
            print("\n".join(lines), file=sys.stderr)
            print(f"every problem, with a suggestion, is listed in {out}", file=sys.stderr)
        return 2


def _print_diff(diff: dict[str, list[Any]], *, dry_run: bool) -> None:
    counts = {k: len(v) for k, v in diff.items()}
    print(
        f"{counts['added']} added, {counts['changed']} changed, {counts['unchanged']} unchanged,"
        f" {counts['missing']} missing from the file"
        + (" (dry run: nothing written)" if dry_run else "")
    )
    for name in diff["added"]:
        print(f"  + {name}")
    for entry in diff["changed"]:
        changes = "; ".join(f"{f}: {old} → {new}" for f, (old, new) in entry["changes"].items())
        print(f"  ~ {entry['id']} {entry['name']}: {changes}")
    for entry in diff["missing"]:
        print(f"  - {entry['id']} {entry['name']}: not in the file")


def _import_options(ws: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The ledger options of an import: the saved profile's (--profile), overridden by those
    given on the command line."""
    from gis_carbon.services.import_setup import ImportProfile, load_profile, workspace_profile

    if not args.profile:
        saved = ImportProfile()
    elif args.profile.lower().endswith(".json"):  # a profile file the import wizard saved
        saved = load_profile(args.profile)
    else:
        saved = workspace_profile(ws, args.profile)
    value_map = {field: dict(values) for field, values in saved.value_map.items()}
    for field, values in _parse_value_map(args.value_map).items():
        value_map.setdefault(field, {}).update(values)
    return {
        "mapping": {**saved.mapping, **_parse_map(args.map)},
        "value_map": value_map,
        "default_status": args.status or saved.default_status,
        "key": args.key or saved.key,
        "skip_invalid": args.skip_invalid or saved.skip_invalid,
        "encoding": args.encoding or saved.encoding,
    }


def _import(args: argparse.Namespace) -> int:
    from gis_carbon.cli.terminal import terminal_feedback
    from gis_carbon.services.imports import import_file

    with open_from_args(args) as ws, terminal_feedback(args) as feedback:
        options = _import_options(ws, args)
        result = import_file(
            ws,
            args.path,
            as_layer=args.layer,
            role=args.role,
            crs=args.crs,
            coords=args.coords,
            distance_m=args.distance_m,
            plan_id=args.plan,
            dry_run=args.dry_run,
            feedback=feedback,
            delete_missing=args.delete_missing,
            **options,
        )
        if args.save_profile and result.mode == "projects":
            from gis_carbon.services.import_setup import ImportProfile, save_workspace_profile

            options["mapping"] = dict(result.mapping)  # what was detected, as used
            save_workspace_profile(ws, args.save_profile, ImportProfile(**options))
            result.notes.append(
                f"import profile {args.save_profile!r} saved in the workspace: next time "
                f"`import FILE --profile {args.save_profile}`"
            )
    if result.refused:
        from gis_carbon.services import import_problems

        out = import_problems.write_problems(
            result.refused, args.problems or import_problems.problems_path(args.path)
        )
        result.notes.append(f"the rows left out are listed in {out}")
    if args.json:
        print_json(result.to_json())
        return 0
    if result.diff is not None:
        _print_diff(result.diff, dry_run=result.dry_run)
        for note in result.notes:
            print(f"note: {note}")
        return 0
    verb = "would import" if result.dry_run else "imported"
    if result.mode == "layer" and result.layer is not None:
        layer = result.layer
        params = ", ".join(
            f"{k}={v}"
            for k, v in layer.params.items()
            if k in ("constraint", "distance_m", "level", "code_field", "name_field")
        )
        print(
            f"{verb} layer {layer.id} ({layer.role}{', ' + params if params else ''}): "
            f"{result.count} {'raster' if layer.kind == 'raster' else 'features'} from "
            f"{result.path.name} [{result.format}, CRS {result.crs}"
            f"{', ' + result.encoding if result.encoding else ''}]"
        )
    else:
        print(
            f"{verb} {result.count} projects from {result.path.name} "
            f"[{result.format}, CRS {result.crs}]"
        )
        print("columns: " + ", ".join(f"{k}←{v}" for k, v in result.mapping.items()))
        print_table(
            [
                [*project_cells(p), p.regions.lowest or "—", f"{p.lonlat[0]:.5f},{p.lonlat[1]:.5f}"]
                for p in result.projects
            ],
            [*PROJECT_HEADERS, "region", "lon,lat"],
        )
    for note in result.notes:
        print(f"note: {note}")
    return 0


# ------------------------------------------------------------------ layers
def cmd_layers(args: argparse.Namespace) -> int:
    from gis_carbon.services.layers import layer_catalogue

    with open_from_args(args) as ws:
        entries = layer_catalogue(ws)
    if args.json:
        print_json([e.to_json() for e in entries])
        return 0
    print_table(
        [
            (
                e.id,
                e.title_zh,
                e.title_en,
                e.role,
                e.kind,
                e.origin,
                "" if e.features is None else e.features,
                e.params.get("constraint", "")
                + (f" {e.params['distance_m']:g} m" if "distance_m" in e.params else ""),
            )
            for e in entries
        ],
        ["id", "title", "title_en", "role", "kind", "origin", "features", "constraint"],
    )
    return 0


def cmd_remove_layer(args: argparse.Namespace) -> int:
    from gis_carbon.services.layers import remove_layer

    with open_from_args(args) as ws:
        removed = remove_layer(ws, args.id)
    if args.json:
        print_json(removed.to_json())
        return 0
    layer = removed.layer
    what = "raster" if layer.kind == "raster" else f"{removed.features} features"
    print(f"removed layer {layer.id} ({layer.title_zh}, {layer.role}): {what}")
    if removed.file_removed:
        print(f"deleted {removed.file_removed}")
    if removed.projects:
        print(f"township changed on {len(removed.projects)} projects:")
        print_table(
            [[*project_cells(p), p.regions.township or "—"] for p in removed.projects],
            [*PROJECT_HEADERS, "township"],
        )
    for note in removed.notes:
        print(f"note: {note}")
    return 0
