"""Time locating random points in China's counties, against two references, in one run.

    python bench/bench_locate.py [--seed 20240601] [--sizes 100000 1000000]

Points are uniform in China's bounding box (about 40 % fall in a county). The references,
for the largest size only:

* ``STRtree(points).query(counties, predicate="contains")`` — the budget to meet;
* ``geopandas.sjoin(points, counties, predicate="within")``.

Building shapely Points is timed on its own line: the references need them, RegionIndex does
not (it works on the coordinate arrays). Exit status is non-zero only if something crashes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TINY = os.environ.get("GIS_CARBON_BENCH_TINY") == "1"  # tests/test_benches.py: a tiny run
CHINA_BBOX = (73.5, 18.1, 135.1, 53.6)  # lon min, lat min, lon max, lat max


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000] if TINY else [100_000, 1_000_000]
    )
    args = parser.parse_args(argv)

    import geopandas
    import numpy as np
    import shapely

    from gis_carbon.geo import boundaries as boundaries_module
    from gis_carbon.geo.locate import RegionIndex

    rows: list[tuple[str, float, str]] = []

    seconds, counties = timed(lambda: boundaries_module.boundaries("county"))
    rows.append(("load county layer (cache, first build if absent)", seconds, f"{len(counties)}"))
    seconds, index = timed(lambda: RegionIndex(counties))
    rows.append(("RegionIndex(counties)", seconds, ""))

    rng = np.random.default_rng(args.seed)
    largest = max(args.sizes)
    lons = rng.uniform(CHINA_BBOX[0], CHINA_BBOX[2], largest)
    lats = rng.uniform(CHINA_BBOX[1], CHINA_BBOX[3], largest)

    # GEOS builds each polygon's point-in-area locator on its first test: a one-off cost.
    smallest = min(args.sizes)
    seconds, _ = timed(lambda: index.locate_points(lons[:smallest], lats[:smallest]))
    rows.append((f"RegionIndex.locate_points  {smallest:>9,} (cold)", seconds, "builds locators"))

    ours: np.ndarray | None = None
    ours_seconds = float("nan")
    for size in sorted(args.sizes):
        seconds, located = timed(lambda size=size: index.locate_points(lons[:size], lats[:size]))
        inside = int((located != "").sum())
        rows.append((f"RegionIndex.locate_points  {size:>9,}", seconds, f"{inside:,} inside"))
        if size == largest:
            ours, ours_seconds = located, seconds

    seconds, points = timed(lambda: shapely.points(lons, lats))
    rows.append((f"shapely.points (references only) {largest:>9,}", seconds, ""))

    county_geoms = np.asarray(counties.geometry.values, dtype=object)
    seconds, pairs = timed(
        lambda: shapely.STRtree(points).query(county_geoms, predicate="contains")
    )
    reference_seconds = seconds
    rows.append(
        (f"STRtree(points).query(contains) {largest:>9,}", seconds, f"{pairs.shape[1]:,} pairs")
    )

    point_frame = geopandas.GeoDataFrame(geometry=points, crs="EPSG:4326")
    seconds, joined = timed(
        lambda: geopandas.sjoin(point_frame, counties[["code", "geometry"]], predicate="within")
    )
    rows.append(
        (f"geopandas.sjoin(within)         {largest:>9,}", seconds, f"{len(joined):,} rows")
    )

    # Agreement with the reference (points strictly inside exactly one county).
    assert ours is not None
    reference_codes = np.full(largest, "", dtype=object)
    reference_codes[pairs[1]] = counties["code"].to_numpy()[pairs[0]]
    disagree = int((reference_codes.astype(str) != ours.astype(str)).sum())

    width = max(len(label) for label, _, _ in rows)
    print(f"{'step':<{width}}  {'seconds':>8}  note")
    print("-" * (width + 30))
    for label, secs, note in rows:
        print(f"{label:<{width}}  {secs:8.3f}  {note}")
    print("-" * (width + 30))
    verdict = "OK" if ours_seconds <= reference_seconds else "OVER BUDGET"
    print(
        f"budget: locate {largest:,} points <= STRtree reference: "
        f"{ours_seconds:.3f} s vs {reference_seconds:.3f} s -> {verdict}"
    )
    print(f"points located differently from the reference (boundary points): {disagree}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
