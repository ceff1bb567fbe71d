"""Store and read back 100k and 1M projects; compare with raw sqlite3.executemany.

Budget (issue 2): the repository within 1.2× of `sqlite3.executemany` in one transaction
storing the same project rows. The repository also validates every project, writes one
history row per project and keeps the totals in the same transaction.

Columns (seconds, and µs per project):
  bare table   executemany of the rows into a table with the same columns and nothing else
               (no CHECKs, FKs, indexes or triggers; same page size, WAL and cache): the
               floor of storing them at all
  executemany  the same rows (project_to_row, as a caller would write them) into the same
               schema — a workspace file after every migration, with the same PRAGMAs as
               Workspace (foreign_keys, cache_size), totals trigger included: the budget's
               reference
  repository   ws.insert_projects: validation, row preparation, INSERT, history, totals
  read back    ws.projects() of the stored file

    python bench/bench_store.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TINY = os.environ.get("GIS_CARBON_BENCH_TINY") == "1"  # tests/test_benches.py: a tiny run


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


def _connect_like_workspace(path: Path) -> sqlite3.Connection:
    """A plain connection with the PRAGMAs Workspace sets (WAL is a property of the file)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -131072")
    return conn


def _timed_executemany(conn: sqlite3.Connection, sql: str, rows: list[tuple]) -> float:
    start = time.perf_counter()
    with conn:  # one transaction, committed
        conn.executemany(sql, rows)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def bench(n: int) -> dict[str, float]:
    from project_db.sqlite.workspace import NEW_FILE_PAGE_SIZE, Workspace, project_to_row

    projects = make_projects(n)
    rows = []
    for p in projects:
        row = project_to_row(p)
        row.pop("id")
        row.update(version=1, created_at="t", updated_at="t")
        rows.append(tuple(row.values()))
    columns = ", ".join(row)
    insert = f"INSERT INTO projects ({columns}) VALUES ({', '.join('?' for _ in row)})"
    with tempfile.TemporaryDirectory() as tmp:
        bare_path = Path(tmp) / "bare.sqlite"
        conn = _connect_like_workspace(bare_path)
        conn.execute(f"PRAGMA page_size = {NEW_FILE_PAGE_SIZE}")  # as a new workspace file
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"CREATE TABLE projects (id INTEGER PRIMARY KEY, {columns})")
        bare = _timed_executemany(conn, insert, rows)

        ref_path = Path(tmp) / "ref.sqlite"
        Workspace(ref_path).close()
        reference = _timed_executemany(_connect_like_workspace(ref_path), insert, rows)

        path = Path(tmp) / "ws.sqlite"
        with Workspace(path) as ws:
            start = time.perf_counter()
            ws.insert_projects(projects, author="bench")
            store = time.perf_counter() - start
            start = time.perf_counter()
            loaded = ws.projects()
            read = time.perf_counter() - start
            assert len(loaded) == n
    return {"n": n, "bare_s": bare, "reference_s": reference, "store_s": store, "read_s": read}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1_000] if TINY else [100_000, 1_000_000]
    )
    args = parser.parse_args()
    print(
        f"{'projects':>10}  {'bare table':>16}  {'executemany':>16}  {'repository':>16}  "
        f"{'ratio':>5}  {'read back':>16}  budget"
    )
    for n in args.sizes:
        r = bench(n)
        ratio = r["store_s"] / r["reference_s"]
        cells = [
            f"{r[key]:>6.2f}s {r[key] / n * 1e6:>5.1f}µs"
            for key in ("bare_s", "reference_s", "store_s")
        ]
        read = f"{r['read_s']:>6.2f}s {r['read_s'] / n * 1e6:>5.1f}µs"
        print(
            f"{n:>10,}  {cells[0]:>16}  {cells[1]:>16}  {cells[2]:>16}  {ratio:>5.2f}  "
            f"{read:>16}  ≤1.2× executemany {'ok' if ratio <= 1.2 else 'OVER'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
