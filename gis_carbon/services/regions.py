"""Region assignment: every project gets its chain of regions from its geometry."""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from gis_carbon.model.project import Project, RegionAssignment


def assign_regions(geometry: BaseGeometry) -> RegionAssignment:
    """Province, city and county holding the geometry (largest share for lines/polygons)."""
    from gis_carbon.geo.locate import default_index

    index = default_index()
    primary, shares = index.locate_geometry(geometry)
    if not primary:
        return RegionAssignment(touched=dict(shares))
    levels: dict[str, str] = {}
    for region in index.chain(primary):
        levels[region.level] = region.code
    return RegionAssignment(
        province=levels.get("province"),
        city=levels.get("city"),
        county=levels.get("county"),
        touched={code: round(float(share), 6) for code, share in shares.items()},
    )


def with_regions(project: Project) -> Project:
    return project.with_changes(regions=assign_regions(project.geometry))
