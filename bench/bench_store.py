"""Store and read back 100k and 1M projects; compare with raw sqlite3.executemany.

Budget (issue 2): the repository within 1.2× of `sqlite3.executemany` in one transaction
storing the same project rows (3.5 s for 1M on the reference machine). The repository also
validates every project and writes one history row per project in the same transaction.

    python bench/bench_store.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_projects(n: int) -> list:
    import numpy as np
    from shapely.geometry import Point

    from gis_carbon.model.project import Project, RegionAssignment
    from gis_carbon.model.types import Status

    rng = np.random.default_rng(42)
    lons = rng.uniform(116.7, 117.2, n)
    lats = rng.uniform(38.6, 39.1, n)
    caps = rng.uniform(1, 300, n).round(1)
    region = RegionAssignment(province="120000", county="120118", touched={"120118": 1.0})
    return [
        Project(
            name=f"项目{i}",
            type="wind",
            status=Status.PLANNED,
            geometry=Point(float(lons[i]), float(lats[i])),
            capacity=float(caps[i]),
            year=2025,
            regions=region,
        )
        for i in range(n)
    ]


def bench(n: int) -> dict[str, float]:
    from project_db import Workspace
    from project_db.repository import project_to_row

    projects = make_projects(n)
    with tempfile.TemporaryDirectory() as tmp:
        # Reference: the same rows through sqlite3.executemany in one transaction.
        ref_path = Path(tmp) / "ref.sqlite"
        Workspace(ref_path).close()
        rows = []
        for p in projects:
            row = project_to_row(p)
            row.pop("id")
            row.update(version=1, created_at="t", updated_at="t")
            rows.append(tuple(row.values()))
        columns = ", ".join(row)
        conn = sqlite3.connect(ref_path)
        start = time.perf_counter()
        with conn:
            conn.executemany(
                f"INSERT INTO projects ({columns}) VALUES ({', '.join('?' for _ in row)})", rows
            )
        reference = time.perf_counter() - start
        conn.close()

        path = Path(tmp) / "ws.sqlite"
        with Workspace(path) as ws:
            start = time.perf_counter()
            ws.insert_projects(projects, author="bench")
            store = time.perf_counter() - start
            start = time.perf_counter()
            loaded = ws.projects()
            read = time.perf_counter() - start
            assert len(loaded) == n
    return {"n": n, "reference_s": reference, "store_s": store, "read_s": read}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"{'projects':>10}  {'executemany':>11}  {'repository':>10}  {'ratio':>5}  "
        f"{'read back':>9}  budget"
    )
    for n in args.sizes:
        r = bench(n)
        ratio = r["store_s"] / r["reference_s"]
        print(
            f"{n:>10,}  {r['reference_s']:>10.2f}s  {r['store_s']:>9.2f}s  {ratio:>5.2f}  "
            f"{r['read_s']:>8.2f}s  ≤1.2× executemany {'ok' if ratio <= 1.2 else 'OVER'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
