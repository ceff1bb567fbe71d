"""Benchmark: evaluate every target of every plan on a workspace of 1M projects.

Budget: ≤ 0.5 s per evaluation of all plans (totals, as the status panel needs them) once
projects carry their regions and the boundary data is loaded. Prints the figures:

    PYTHONPATH=. .venv/bin/python bench/bench_status.py [--projects 1000000] [--keep PATH]

The workspace is seeded with the five plans (their targets and named projects), then filled
with synthetic projects spread over the plans' counties by one executemany in one
transaction (setup, not measured against the budget).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

TINY = os.environ.get("GIS_CARBON_BENCH_TINY") == "1"  # tests/test_benches.py: a tiny run
BUDGET_S = 0.5

# Synthetic mix: mostly generation, some storage, chargers, forest, grid.
TYPE_WEIGHTS = {
    "pv_rooftop": 30,
    "pv_ground": 10,
    "pv_fishery": 8,
    "wind": 8,
    "wind_distributed": 4,
    "biomass": 2,
    "waste_to_energy": 1,
    "geothermal": 2,
    "storage": 6,
    "substation": 5,
    "transmission_line": 4,
    "forest": 6,
    "wetland": 2,
    "freight_rail": 1,
    "charging": 10,
    "gas_station": 1,
}
STATUS_WEIGHTS = {
    "operating": 40,
    "partial": 3,
    "construction": 12,
    "preparatory": 10,
    "planned": 30,
    "shelved": 2,
    "cancelled": 2,
    "retired": 1,
}


def build(path: Path, n: int, seed: int = 20250) -> float:
    import shapely

    from gis_carbon.geo.boundaries import children, region, representative_point
    from gis_carbon.model.types import TYPES_BY_CODE
    from gis_carbon.services import open_workspace

    ws = open_workspace(path)  # the five plans, their targets and named projects
    counties = [r.code for r in children("120000")] + ["430781"]
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    types = np.array(list(TYPE_WEIGHTS))
    type_p = np.array(list(TYPE_WEIGHTS.values()), dtype=float)
    statuses = np.array(list(STATUS_WEIGHTS))
    status_p = np.array(list(STATUS_WEIGHTS.values()), dtype=float)
    county_of = rng.integers(0, len(counties), n)
    type_of = rng.choice(types, n, p=type_p / type_p.sum())
    status_of = rng.choice(statuses, n, p=status_p / status_p.sum())
    year_of = rng.integers(2015, 2036, n)
    no_year = rng.random(n) < 0.1
    capacity = np.round(rng.gamma(2.0, 20.0, n), 2)
    centres = np.array([representative_point(c) for c in counties])
    lon = centres[county_of, 0] + rng.uniform(-0.08, 0.08, n)
    lat = centres[county_of, 1] + rng.uniform(-0.08, 0.08, n)
    wkb = shapely.to_wkb(shapely.points(lon, lat))
    chain = {c: (region(c).parent_code, c) for c in counties}
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    unit_of = {code: TYPES_BY_CODE[code].capacity_unit for code in TYPE_WEIGHTS}
    province_of, city_of = {}, {}
    for code in counties:
        parent = chain[code][0]
        province_of[code] = parent if parent and parent.endswith("0000") else code[:2] + "0000"
        city_of[code] = None if parent == province_of[code] else parent
    codes = [counties[i] for i in county_of.tolist()]
    type_list = type_of.tolist()
    caps = [
        c if unit_of[t] is not None else None
        for t, c in zip(type_list, capacity.tolist(), strict=True)
    ]
    years = [None if u else y for u, y in zip(no_year.tolist(), year_of.tolist(), strict=True)]
    lons, lats = lon.tolist(), lat.tolist()
    rows = zip(
        (f"synthetic {i}" for i in range(n)),
        type_list,
        status_of.tolist(),
        caps,
        years,
        ["exact"] * n,
        wkb,
        ["point"] * n,
        lons,
        lats,
        lons,
        lats,
        lons,
        lats,
        (province_of[c] for c in codes),
        (city_of[c] for c in codes),
        codes,
        [now] * n,
        [now] * n,
        strict=True,
    )
    with ws.transaction() as conn:
        # Bulk load without the per-row totals triggers, then total once and put them back.
        triggers = [
            sql
            for (sql,) in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'projects'"
            )
        ]
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'projects'"
            )
        ]
        for name in names:
            conn.execute(f"DROP TRIGGER {name}")
        conn.executemany(
            "INSERT INTO projects (name, type, status, capacity, year, precision, geom,"
            " geom_kind, min_x, min_y, max_x, max_y, lon, lat, province_code, city_code,"
            " county_code, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        if names:
            conn.execute("DELETE FROM project_totals")
            conn.execute(
                "INSERT INTO project_totals (county_code, city_code, province_code, type,"
                " status, year, n, n_capacity, capacity, energy) SELECT coalesce(county_code,"
                " ''), coalesce(city_code, ''), coalesce(province_code, ''), type, status,"
                " coalesce(year, 0), count(*), count(capacity), total(capacity), total(energy)"
                " FROM projects GROUP BY 1, 2, 3, 4, 5, 6"
            )
        for sql in triggers:
            conn.execute(sql)
    conn = ws.db.conn
    conn.execute("ANALYZE")
    ws.close()
    return time.perf_counter() - start


def evaluate_all(path: Path) -> tuple[float, dict[str, list]]:
    from gis_carbon.services.progress import evaluate_plans
    from project_db.sqlite.workspace import Workspace

    with Workspace(path) as ws:
        start = time.perf_counter()
        results = evaluate_plans(ws, policy="pipeline", detail=False)
        return time.perf_counter() - start, results


def per_metric(path: Path) -> dict[str, float]:
    from gis_carbon.analysis.progress import EvaluationContext, evaluate
    from project_db.sqlite.workspace import Workspace

    spent: Counter[str] = Counter()
    with Workspace(path) as ws:
        targets = ws.targets()
        ctx = EvaluationContext(ws, policy="pipeline", detail=False)
        start = time.perf_counter()
        ctx.grouped_rows("120000")
        spent["GROUP BY (shared)"] += time.perf_counter() - start
        for target in targets:
            start = time.perf_counter()
            evaluate(ctx, target)
            spent[target.metric.value] += time.perf_counter() - start
    return dict(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2_000 if TINY else 1_000_000)
    parser.add_argument("--keep", help="build the workspace here and keep it")
    parser.add_argument("--repeat", type=int, default=1 if TINY else 5)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = Path(args.keep) if args.keep else Path(tmp.name) / "bench.sqlite"
    if not path.exists():
        setup = build(path, args.projects)
        print(f"setup: {args.projects:,} synthetic projects inserted in {setup:.2f} s")
    from project_db.sqlite.workspace import Workspace

    with Workspace(path) as ws:
        total = ws.count_projects()
        targets = len(ws.targets())
    cold, results = evaluate_all(path)  # loads the boundary catalogue and county outlines
    runs = [evaluate_all(path)[0] for _ in range(args.repeat)]
    print(f"workspace: {total:,} projects, {targets} targets in {len(results)} plans")
    print(
        f"evaluate every target of every plan (pipeline, totals): first {cold * 1000:.0f} ms "
        f"(loads boundaries), then median {statistics.median(runs) * 1000:.0f} ms, "
        f"min {min(runs) * 1000:.0f} ms over {len(runs)} runs; budget {BUDGET_S * 1000:.0f} ms"
    )
    for name, seconds in sorted(per_metric(path).items(), key=lambda kv: -kv[1]):
        print(f"  {name:<20} {seconds * 1000:8.1f} ms")
    jinghai = {r.target.id: r for r in results["jinghai"]}
    tianjin = {r.target.id: r for r in results["tianjin"]}
    print(
        f"静海区 renewables 2025: {jinghai['jinghai.renewables_capacity.2025'].current:,.0f} MW; "
        f"天津市 renewables 2025: {tianjin['tianjin.renewables_capacity.2025'].current:,.0f} MW "
        f"from {len(tianjin['tianjin.renewables_capacity.2025'].by_region)} districts"
    )
    verdict = "within" if statistics.median(runs) <= BUDGET_S else "OVER"
    if TINY:
        print(f"tiny run: {verdict} budget, not judged")
        return 0
    print(f"{verdict} budget")
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
