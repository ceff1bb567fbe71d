"""A project on the map: what it is, how big, how far along, where, and who said so."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.errors import ValidationError
from gis_carbon.model.types import (
    TYPES_BY_CODE,
    GeometryKind,
    Precision,
    ProjectType,
    Status,
)

# Commissioning years outside this window are typing errors, not plans. Existing plants in a
# ledger go back a long way (丰满 hydro 1941, the first small hydro stations 1912): from 1900.
YEAR_MIN, YEAR_MAX = 1900, 2100

_GEOMETRY_KINDS: dict[str, GeometryKind] = {
    "Point": GeometryKind.POINT,
    "MultiPoint": GeometryKind.POINT,
    "LineString": GeometryKind.LINE,
    "MultiLineString": GeometryKind.LINE,
    "Polygon": GeometryKind.POLYGON,
    "MultiPolygon": GeometryKind.POLYGON,
}


def geometry_kind(geometry: BaseGeometry) -> GeometryKind:
    kind = _GEOMETRY_KINDS.get(geometry.geom_type)
    if kind is None:
        raise ValidationError(
            f"unsupported geometry type {geometry.geom_type!r}", "geometry", geometry.geom_type
        )
    return kind


@dataclass(frozen=True)
class RegionAssignment:
    """The chain of regions a project lies in, from its geometry (never from a typed name)."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    # every county the geometry touches, with its share of length or area
    touched: Mapping[str, float] = field(default_factory=dict)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for c in (self.province, self.city, self.county, self.township) if c)

    @property
    def lowest(self) -> str | None:
        """The deepest administrative region: the county, or the city for a city without
        counties (东莞 441900, 中山, 嘉峪关, 儋州), or the province; None outside them all."""
        return self.county or self.city or self.province


@dataclass(frozen=True, eq=True)
class Project:
    name: str
    type: str  # a code of model.types.PROJECT_TYPES
    status: Status
    geometry: BaseGeometry  # WGS 84 lon/lat
    capacity: float | None = None  # in the type's capacity_unit (MW, MVA, km, 亩, 台)
    energy: float | None = None  # in the type's energy_unit (storage MWh, charging kW)
    year: int | None = None  # commissioning year (投产/并网)
    start_year: int | None = None
    owner: str = ""
    notes: str = ""
    precision: Precision = Precision.EXACT
    attributes: Mapping[str, Any] = field(default_factory=dict)
    plan_id: str | None = None
    source: str = ""  # who entered it, or the plan file it comes from
    quote: str | None = None  # the plan's sentence naming it, verbatim
    regions: RegionAssignment = field(default_factory=RegionAssignment)
    id: int | None = None
    version: int = 0
    created_at: str | None = None
    updated_at: str | None = None

    @property
    def project_type(self) -> ProjectType:
        return TYPES_BY_CODE[self.type]

    @property
    def lonlat(self) -> tuple[float, float]:
        """A representative point: the point itself, or a point inside a line or polygon."""
        point = (
            self.geometry
            if self.geometry.geom_type == "Point"
            else (self.geometry.representative_point())
        )
        return (point.x, point.y)

    def with_changes(self, **changes: Any) -> Project:
        return replace(self, **changes)


def validate_project(project: Project, *, check_geometry: bool = True) -> Project:
    """Check a project against the domain's rules; raise ValidationError naming the field.

    `check_geometry=False` is for bulk writers that check all geometries at once with
    `validate_geometries`."""
    if not project.name or not project.name.strip():
        raise ValidationError("a project needs a name", "name", project.name)
    ptype = TYPES_BY_CODE.get(project.type)
    if ptype is None:
        raise ValidationError(f"unknown project type {project.type!r}", "type", project.type)
    if not isinstance(project.status, Status):
        raise ValidationError(f"unknown status {project.status!r}", "status", project.status)
    if check_geometry:
        _validate_geometry(project.geometry, ptype)
    for name, unit in (("capacity", ptype.capacity_unit), ("energy", ptype.energy_unit)):
        value = getattr(project, name)
        if value is None:
            continue
        if unit is None:
            raise ValidationError(
                f"a {ptype.code} project has no {name}; got {value!r}", name, value
            )
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValidationError(
                f"{name} must be a finite number ≥ 0 {unit}; got {value!r}", name, value
            )
    for name in ("year", "start_year"):
        year = getattr(project, name)
        if year is not None and not (isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX):
            raise ValidationError(
                f"{name} must be a year between {YEAR_MIN} and {YEAR_MAX}; got {year!r}",
                name,
                year,
            )
    if not isinstance(project.precision, Precision):
        raise ValidationError(
            f"unknown precision {project.precision!r}", "precision", project.precision
        )
    return project


def _validate_geometry(geometry: BaseGeometry, ptype: ProjectType) -> None:
    if geometry is None or geometry.is_empty:
        raise ValidationError("a project needs a location", "geometry", None)
    kind = geometry_kind(geometry)
    if not ptype.allows(kind):
        allowed = ", ".join(sorted(k.value for k in ptype.geometry_kinds))
        raise ValidationError(
            f"a {ptype.code} project cannot be a {kind.value}; allowed: {allowed}",
            "geometry",
            kind.value,
        )
    minx, miny, maxx, maxy = geometry.bounds
    for value in (minx, miny, maxx, maxy):
        if not math.isfinite(value):
            raise ValidationError(f"coordinate {value!r} is not a finite number", "geometry", value)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(
            f"coordinates {geometry.bounds} are not WGS 84 longitude/latitude",
            "geometry",
            geometry.bounds,
        )
    if not geometry.is_valid:
        from shapely.validation import explain_validity

        raise ValidationError(
            f"invalid geometry: {explain_validity(geometry)}", "geometry", geometry.wkt[:80]
        )


def validate_geometries(projects: list[Project]) -> None:
    """The geometry rules of validate_project, vectorised with shapely for bulk writes."""
    import numpy as np
    import shapely

    geoms = np.array([p.geometry for p in projects], dtype=object)
    if len(geoms) == 0:
        return
    missing = np.array([g is None for g in geoms]) | shapely.is_empty(geoms)
    bounds = shapely.bounds(geoms)
    in_range = (
        np.isfinite(bounds).all(axis=1)
        & (bounds[:, 0] >= -180)
        & (bounds[:, 2] <= 180)
        & (bounds[:, 1] >= -90)
        & (bounds[:, 3] <= 90)
    )
    is_point = shapely.get_type_id(geoms) == 0
    valid = is_point | shapely.is_valid(geoms)
    bad = np.flatnonzero(missing | ~in_range | ~valid)
    if len(bad):
        # Report the first offender exactly as the one-by-one check would.
        first = projects[int(bad[0])]
        _validate_geometry(first.geometry, TYPES_BY_CODE[first.type])
    for project in projects:
        kind = _GEOMETRY_KINDS.get(project.geometry.geom_type)
        if kind is None or kind not in TYPES_BY_CODE[project.type].geometry_kinds:
            _validate_geometry(project.geometry, TYPES_BY_CODE[project.type])


def project_to_json(
    project: Project,
    *,
    lonlat: tuple[float, float] | None = None,
    wkt: str | None = None,
) -> dict[str, Any]:
    """A project as plain JSON, for `--json` output and exports. An exporter passes the
    point (and WKT) it computed for its own coordinate system."""
    lon, lat = lonlat or project.lonlat
    ptype = project.project_type
    return {
        "id": project.id,
        "name": project.name,
        "type": project.type,
        "type_zh": ptype.name_zh,
        "capacity": project.capacity,
        "capacity_unit": ptype.capacity_unit,
        "energy": project.energy,
        "energy_unit": ptype.energy_unit,
        "status": project.status.value,
        "year": project.year,
        "start_year": project.start_year,
        "lon": lon,
        "lat": lat,
        "precision": project.precision.value,
        "wkt": project.geometry.wkt if wkt is None else wkt,
        "owner": project.owner,
        "notes": project.notes,
        "attributes": dict(project.attributes),
        "plan_id": project.plan_id,
        "source": project.source,
        "quote": project.quote,
        "province": project.regions.province,
        "city": project.regions.city,
        "county": project.regions.county,
        "township": project.regions.township,
        "regions_touched": dict(project.regions.touched),
        "version": project.version,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }
