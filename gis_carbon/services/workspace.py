"""Opening a workspace, and seeding a new one with the five plans."""

from __future__ import annotations

import os
from typing import Any

from shapely.geometry import Point

from gis_carbon.model.project import Project, RegionAssignment, validate_project
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.model.types import Precision, project_type, status
from gis_carbon.services.projects import parse_capacity_for_type
from gis_carbon.services.regions import with_regions_many
from project_db import WORKSPACE_ENV, default_workspace_path, open_store
from project_db.seed_data import (
    SEED_VERSION,
    gazetteer,
    seed_plans,
    seed_project_records,
    seed_targets,
)

SEED_AUTHOR = "seed"


def open_workspace(
    location: str | os.PathLike[str] | None = None, *, create: bool = True, seed: bool = True
) -> WorkspaceStore:
    """The one way in: open the workspace at `location` (a file path; its scheme picks the
    backend) or the per-user default, creating it unless `create` is false. A new one is
    seeded with the five plans, their targets and named projects unless `seed` is false."""
    ws = open_store(location, create=create)
    if seed and ws.get_meta("seed_version") is None:
        try:
            seed_workspace(ws)
        except BaseException:
            ws.close()
            raise
    return ws


_FINER_THAN_TOWN = frozenset({Precision.EXACT, Precision.VILLAGE})
_COARSENESS = (Precision.EXACT, Precision.VILLAGE, Precision.TOWN, Precision.DISTRICT)


def _municipality_wide(record: dict[str, Any]) -> bool:
    """A project the plan places only in a province-level region (天津市's 双城中间绿色生态屏障区
    spans several districts): its point is the region's, so no county may be read from it."""
    return str(record["region_code"]).endswith("0000") and not gazetteer().get(
        record.get("gazetteer") or ""
    )


def seed_location(record: dict[str, Any]) -> tuple[float, float, Precision, str]:
    """WGS 84 lon/lat, precision and a provenance note for a seed project.

    From its gazetteer row (GCJ-02 rows converted with our own converter) or, where no row
    locates it, its district's representative point with precision `district`."""
    row = gazetteer().get(record.get("gazetteer") or "")
    if row and row["lon"] and row["lat"]:
        lon, lat = float(row["lon"]), float(row["lat"])
        crs = (row["source_crs"] or "unknown").upper()
        if crs == "GCJ02":
            from gis_carbon.geo.chinese_coords import gcj02_to_wgs84

            lon, lat = (float(v) for v in gcj02_to_wgs84(lon, lat))
        note = (
            f"location: gazetteer row {row['name_zh']!r} ({row['source_crs'] or 'unknown datum'})"
        )
        where = Precision(row["precision"] or "town")
        if "LOW confidence" in (row.get("source") or "") and where in _FINER_THAN_TOWN:
            # a point from a doubtful source is no better than the township it names
            where = Precision.TOWN
            note += "; low-confidence source: township precision"
        stated = record.get("precision")
        if stated and _COARSENESS.index(Precision(stated)) > _COARSENESS.index(where):
            # an exact point of the whole port stands for a terminal somewhere inside it
            where = Precision(stated)
            note += f"; a facility within the place: {where.value} precision"
        return lon, lat, where, note
    from gis_carbon.geo.boundaries import representative_point

    lon, lat = representative_point(record["region_code"])
    return lon, lat, Precision.DISTRICT, "location: district representative point (not located)"


def seed_projects() -> list[Project]:
    projects = []
    for record in seed_project_records():
        ptype = project_type(record["type"])
        lon, lat, where_precision, where_note = seed_location(record)
        notes = "; ".join(
            n for n in (record.get("note"), record.get("source_note"), where_note) if n
        )
        attributes = dict(record.get("attributes") or {})
        attributes["seed_id"] = record["id"]
        if record.get("town"):
            attributes["town"] = record["town"]
        project = Project(
            name=record["name"],
            type=ptype.code,
            status=status(record.get("status") or "planned"),
            geometry=Point(lon, lat),
            capacity=parse_capacity_for_type(record.get("capacity"), ptype),
            energy=parse_capacity_for_type(record.get("energy"), ptype, which="energy"),
            year=record.get("year"),
            precision=where_precision,
            attributes=attributes,
            plan_id=record["plan_id"],
            source=f"plan:{record['source_file']}"
            + (f" {record['section']}" if record.get("section") else ""),
            quote=record["quote"],
            notes=notes,
        )
        projects.append(validate_project(project))
    located = with_regions_many(projects)
    return [
        p.with_changes(regions=RegionAssignment(province=p.regions.province, city=p.regions.city))
        if _municipality_wide(record)
        else p
        for p, record in zip(located, seed_project_records(), strict=True)
    ]


def seed_workspace(ws: WorkspaceStore) -> None:
    """Load the five plans, every target and every named project, in one transaction."""
    projects = seed_projects()
    with ws.transaction():
        ws.save_plans(seed_plans())
        ws.save_targets(seed_targets())
        ws.add_projects(projects, author=SEED_AUTHOR)
        ws.set_meta("seed_version", SEED_VERSION)


__all__ = [
    "SEED_AUTHOR",
    "WORKSPACE_ENV",
    "default_workspace_path",
    "open_workspace",
    "seed_workspace",
]
