"""Service-radius coverage and area shares, computed in projected metres, never in degrees.

`coverage` answers "which share of this area lies within r of a station, and which point is
farthest from every station": the share from the union of r-buffers, the farthest point
exactly from the Voronoi diagram of the stations (inside station i's cell the nearest station
is i, and the distance to a fixed point is convex, so its maximum over the part of the cell
inside the area lies on a vertex of that part).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from gis_carbon.errors import ValidationError

if TYPE_CHECKING:
    import shapely

# Buffers are polygons; 64 segments per quarter keep the circle's area within 0.01 % of πr².
_QUAD_SEGMENTS = 64


@dataclass(frozen=True)
class Coverage:
    """Coverage of an area by stations with a service radius, in the projected CRS's metres."""

    area_m2: float
    covered_m2: float
    radius_m: float
    stations: int
    farthest_xy: tuple[float, float] | None  # the area's point farthest from every station
    farthest_m: float  # its distance to the nearest station (inf without stations)

    @property
    def share(self) -> float:
        """Covered share of the area, 0…1."""
        return self.covered_m2 / self.area_m2 if self.area_m2 > 0 else 0.0


def project_geometry(geometry: shapely.Geometry, crs: str) -> shapely.Geometry:
    """A WGS 84 geometry converted to `crs` (anything pyproj reads)."""
    import shapely

    from gis_carbon.geo.crs import from_wgs84

    def convert(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        xs, ys = from_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([xs, ys])

    return shapely.transform(geometry, convert)


def coverage(area: shapely.Geometry, stations_xy: Any, radius_m: float) -> Coverage:
    """Coverage of `area` (projected polygon, metres) by stations at `stations_xy` (n×2)."""
    import shapely

    if not (isinstance(radius_m, int | float) and np.isfinite(radius_m) and radius_m > 0):
        raise ValidationError(f"service radius must be > 0 m; got {radius_m!r}", "radius", radius_m)
    if area.is_empty or area.area <= 0:
        raise ValidationError("the area to cover is empty", "area", None)
    points = np.asarray(stations_xy, dtype=np.float64).reshape(-1, 2)
    if not np.isfinite(points).all():
        raise ValidationError("a station has a non-finite coordinate", "stations", None)
    # Two stations at one place are one site for the Voronoi diagram.
    points = np.unique(points, axis=0)
    area_m2 = float(area.area)
    if len(points) == 0:
        return Coverage(area_m2, 0.0, float(radius_m), 0, None, float("inf"))
    # Inside station i's Voronoi cell the nearest station is i: a point there is covered iff
    # it lies within r of i. So the covered area is the sum over cells of cell ∩ area ∩ disk,
    # with no union of thousands of overlapping circles.
    pieces = _cells_in_area(area, points)
    coords, owner = shapely.get_coordinates(pieces, return_index=True)
    distances = np.hypot(coords[:, 0] - points[owner, 0], coords[:, 1] - points[owner, 1])
    best = int(np.argmax(distances))
    # A piece whose vertices all lie within r of its station lies inside the (convex) disk:
    # its whole area is covered; only the others are intersected with a buffer.
    reach = np.zeros(len(pieces))
    np.maximum.at(reach, owner, distances)
    inside = reach <= radius_m
    covered = float(shapely.area(pieces[inside]).sum())
    if (~inside).any():
        disks = shapely.buffer(shapely.points(points[~inside]), radius_m, quad_segs=_QUAD_SEGMENTS)
        covered += float(shapely.area(shapely.intersection(pieces[~inside], disks)).sum())
    return Coverage(
        area_m2,
        covered,
        float(radius_m),
        len(points),
        (float(coords[best, 0]), float(coords[best, 1])),
        float(distances[best]),
    )


def _cells_in_area(area: shapely.Geometry, points: npt.NDArray[np.float64]) -> Any:
    """The part of each station's Voronoi cell inside the area, in station order."""
    import shapely

    minx, miny, maxx, maxy = area.bounds
    span = max(maxx - minx, maxy - miny, 1.0)
    frame = shapely.box(minx - span, miny - span, maxx + span, maxy + span)
    if len(points) == 1:
        cells = np.array([frame], dtype=object)
    else:
        diagram = shapely.voronoi_polygons(
            shapely.multipoints(points), extend_to=frame, ordered=True
        )
        cells = shapely.get_parts(diagram)
    shapely.prepare(area)
    whole = shapely.contains_properly(area, cells)  # most cells: no clipping needed
    pieces = cells.copy()
    pieces[~whole] = shapely.intersection(cells[~whole], area)
    return pieces


def area_share(parts: list[shapely.Geometry], region: shapely.Geometry) -> tuple[float, float]:
    """(covered m², region m²) of the union of `parts` inside `region`; all projected to an
    equal-area CRS by the caller, so overlapping parts count once."""
    import shapely

    region_m2 = float(region.area)
    if not parts:
        return 0.0, region_m2
    union = shapely.union_all([shapely.make_valid(p) for p in parts])
    return float(shapely.intersection(union, region).area), region_m2
