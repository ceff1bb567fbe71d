"""Bulk column reads of the projects table, for data frames: no Project object per row.

The filters are those of `Workspace.projects` (plan, region at any level, types, statuses);
the geometry comes back as the stored WKB, for one vectorised decode by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from project_db.sqlite.workspace import Workspace

# The columns a projects frame holds, as stored; `geom` is the WKB blob.
FRAME_COLUMNS = (
    "id",
    "name",
    "type",
    "capacity",
    "energy",
    "status",
    "year",
    "province_code",
    "city_code",
    "county_code",
    "precision",
    "quote",
    "plan_id",
    "geom",
)

# A region code matches a project at any of its levels (as Workspace.projects filters).
_REGION_LEVELS = ("province_code", "city_code", "county_code", "township_code")


def project_columns(
    ws: Workspace,
    *,
    plan_id: str | None = None,
    region_code: str | None = None,
    types: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> dict[str, list[Any]]:
    """FRAME_COLUMNS → one list per column (ordered by id) of the projects that pass the
    filters; `geom` holds the WKB blobs."""
    where: list[str] = []
    params: list[Any] = []
    if plan_id is not None:
        where.append("plan_id = ?")
        params.append(plan_id)
    if region_code is not None:
        where.append("(" + " OR ".join(f"{level} = ?" for level in _REGION_LEVELS) + ")")
        params.extend([region_code] * len(_REGION_LEVELS))
    for column, values in (("type", types), ("status", statuses)):
        if values is not None:
            chosen = list(values)
            where.append(f"{column} IN ({', '.join('?' for _ in chosen)})")
            params.extend(chosen)
    sql = f"SELECT {', '.join(FRAME_COLUMNS)} FROM projects"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = ws.db.conn.execute(sql + " ORDER BY id", params).fetchall()
    if not rows:
        return {column: [] for column in FRAME_COLUMNS}
    transposed = zip(*rows, strict=True)  # every row has every column
    return {column: list(values) for column, values in zip(FRAME_COLUMNS, transposed, strict=True)}
