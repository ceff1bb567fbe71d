"""A national ledger (台账) imported and re-imported as an engineer does every month.

Budget (issue 13): a 100,000-row ledger imports in ≤ 30 s with progress; re-importing the same
100,000 rows with a key, 1 % of them changed, takes ≤ 30 s and changes exactly that 1 %.

The ledger is a CSV as planners write them: Chinese headers, generic type names (光伏, 风电,
煤电, 水电 …), capacities as "100MW" or "10万千瓦", a third of the coordinates in DMS, points
at county representative points spread over China (so every row is located to its county).

    python bench/bench_ledger_import.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BUDGET_IMPORT_S = 30.0
BUDGET_REIMPORT_S = 30.0
TYPES = ["光伏", "风电", "煤电", "水电", "气电", "核电", "地热", "生物质", "储能", "太阳能"]
HEADER = ["编号", "项目名称", "类型", "装机容量", "经度", "纬度", "投产年份"]


def dms(value: float, positive: str, negative: str) -> str:
    hemisphere = positive if value >= 0 else negative
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return f"{degrees}°{minutes}′{seconds:.2f}″{hemisphere}"


def write_ledger(path: Path, rows: int, changed: set[int] | None = None) -> None:
    from gis_carbon.geo import boundaries as geo

    points = [g.representative_point() for g in geo.boundaries("county", simplified=True).geometry]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            point = points[i % len(points)]
            capacity_mw = 10 + i % 490 + (1 if changed and i in changed else 0)
            capacity = f"{capacity_mw}MW" if i % 2 else f"{capacity_mw / 10:g}万千瓦"
            if i % 3 == 0:
                lon, lat = dms(point.x, "E", "W"), dms(point.y, "N", "S")
            else:
                lon, lat = f"{point.x:.6f}", f"{point.y:.6f}"
            kind = TYPES[i % len(TYPES)]
            writer.writerow(
                [f"L{i:07d}", f"台账电站{i:07d}", kind, capacity, lon, lat, 1990 + i % 35]
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = 300 if os.environ.get("GIS_CARBON_BENCH_TINY") else args.rows

    from gis_carbon.services.imports import import_file
    from gis_carbon.services.workspace import open_workspace

    with tempfile.TemporaryDirectory() as folder:
        ledger = Path(folder) / "ledger.csv"
        write_ledger(ledger, rows)
        ws = open_workspace(Path(folder) / "w.gcarbon.gpkg", seed=False)
        try:
            start = time.perf_counter()
            first = import_file(ws, ledger, key="编号", default_status="operating")
            took_import = time.perf_counter() - start
            changed = set(range(0, rows, 100))
            write_ledger(ledger, rows, changed)
            start = time.perf_counter()
            second = import_file(ws, ledger, key="编号", default_status="operating")
            took_reimport = time.perf_counter() - start
        finally:
            ws.close()
    diff = second.diff or {}
    right = (
        first.count == rows
        and len(diff.get("changed", ())) == len(changed)
        and not diff.get("added")
        and len(diff.get("unchanged", ())) == rows - len(changed)
    )
    ok_import = took_import <= BUDGET_IMPORT_S
    ok_reimport = took_reimport <= BUDGET_REIMPORT_S
    print(
        f"ledger import   {rows:>7,} rows: {took_import:6.2f} s "
        f"(budget ≤ {BUDGET_IMPORT_S:.0f} s) {'ok' if ok_import else 'OVER BUDGET'}"
    )
    print(
        f"ledger re-import {rows:>6,} rows, {len(changed):,} changed: {took_reimport:6.2f} s "
        f"(budget ≤ {BUDGET_REIMPORT_S:.0f} s) {'ok' if ok_reimport else 'OVER BUDGET'}"
    )
    if not right:
        print(
            f"WRONG RESULT: imported {first.count}, diff sizes {[(k, len(v)) for k, v in diff.items()]}"
        )
    return 0 if ok_import and ok_reimport and right else 1


if __name__ == "__main__":
    sys.exit(main())
