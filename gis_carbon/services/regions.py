"""Region assignment: every project gets its chain of regions from its geometry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.model.project import Project, RegionAssignment


def _assignment(index: Any, primary: str | None, shares: Mapping[str, float]) -> RegionAssignment:
    touched = {code: round(float(share), 6) for code, share in shares.items()}
    if not primary:
        return RegionAssignment(touched=touched)
    levels = {region.level: region.code for region in index.chain(primary)}
    return RegionAssignment(
        province=levels.get("province"),
        city=levels.get("city"),
        county=levels.get("county"),
        touched=touched,
    )


def assign_regions(geometry: BaseGeometry) -> RegionAssignment:
    """Province, city and county holding the geometry (largest share for lines/polygons)."""
    from gis_carbon.geo.locate import default_index

    index = default_index()
    primary, shares = index.locate_geometry(geometry)
    return _assignment(index, primary, shares)


def with_regions(project: Project) -> Project:
    return project.with_changes(regions=assign_regions(project.geometry))


def with_regions_many(projects: Sequence[Project]) -> list[Project]:
    """with_regions for a batch: single points are located in one vectorised call (locating
    one geometry per call costs ~1.5 ms); lines, polygons and multi-points one by one."""
    import numpy as np

    from gis_carbon.geo.locate import default_index

    index = default_index()
    out = list(projects)
    points = [i for i, p in enumerate(projects) if p.geometry.geom_type == "Point"]
    if points:
        codes = index.locate_points(
            np.array([projects[i].geometry.x for i in points]),
            np.array([projects[i].geometry.y for i in points]),
        )
        by_code: dict[str, RegionAssignment] = {}  # one shared assignment per county
        for i, code in zip(points, codes, strict=True):
            key = str(code)
            if key not in by_code:
                by_code[key] = _assignment(index, key or None, {key: 1.0} if key else {})
            out[i] = projects[i].with_changes(regions=by_code[key])
    point_set = set(points)
    for i, project in enumerate(projects):
        if i not in point_set:
            out[i] = with_regions(project)
    return out
