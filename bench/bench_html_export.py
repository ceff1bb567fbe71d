"""Budget: the offline HTML map of 10k projects in ≤ 1 s; 100k in ≤ 2 s and ≤ 8 MB.

Times render_html + write (the export's own work) on in-memory projects spread over 静海区,
with the county boundaries of 天津市; prints the figures and exits 1 over budget."""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shapely.geometry import Point

from gis_carbon.export.common import Selection, Steps
from gis_carbon.export.html_map import write_html
from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import PROJECT_TYPES, Status

BUDGETS = {10_000: (1.0, None), 100_000: (2.0, 8 * 1024 * 1024)}
TINY = os.environ.get("GIS_CARBON_BENCH_TINY") == "1"  # tests/test_benches.py: a tiny run
if TINY:  # the smaller budget only, on 500 projects
    BUDGETS = {500: (1.0, None)}


def projects(n: int) -> list[Project]:
    rng = random.Random(42)
    types = [t for t in PROJECT_TYPES if t.capacity_unit]
    statuses = list(Status)
    regions = RegionAssignment(province="120000", city="120100", county="120118")
    return [
        Project(
            name=f"静海区测试项目{i:06d}号",
            type=types[i % len(types)].code,
            status=statuses[i % len(statuses)],
            geometry=Point(116.75 + rng.random() * 0.45, 38.6 + rng.random() * 0.45),
            capacity=round(rng.random() * 100, 2),
            year=2020 + i % 11,
            regions=regions,
            id=i + 1,
        )
        for i in range(n)
    ]


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        # warm the boundary cache and Leaflet read once, as a running app would have
        write_html(Selection(projects(10), region_code="120118"), Path(folder) / "w.html", Steps(3))
        for n, (seconds, size_limit) in BUDGETS.items():
            selection = Selection(projects(n), title="bench", region_code="120118")
            out = Path(folder) / f"bench_{n}.html"
            start = time.perf_counter()
            write_html(selection, out, Steps(3))
            took = time.perf_counter() - start
            size = out.stat().st_size
            within = took <= seconds and (size_limit is None or size <= size_limit)
            ok &= within
            limit = f", ≤ {size_limit / 2**20:.0f} MB" if size_limit else ""
            print(
                f"html export {n:>7,} projects: {took:.3f} s, {size / 2**20:.2f} MB "
                f"(budget ≤ {seconds} s{limit}) {'ok' if within else 'OVER BUDGET'}"
            )
    return 0 if ok or TINY else 1  # a tiny run shows the script works, not its speed


if __name__ == "__main__":
    sys.exit(main())
