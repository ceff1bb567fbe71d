"""Which county a point, line or polygon lies in.

Point location does not use ``STRtree(counties).query(points, predicate="within")``: GEOS prepares
each *point* and tests it against the whole county polygon, walking all of its vertices (18 s
for a million points here). Nor does it build shapely Points (0.5–1 s per million on their own).
Instead each county polygon is prepared once (GEOS builds an indexed point-in-area
locator, O(log n) per test) and fed the raw coordinates falling in its bounding box, found by
binary search on the points sorted by longitude. Measured by bench/bench_locate.py: 0.46–0.54 s
per million points (plus ~0.4 s once, while GEOS builds the locators), against 0.84–1.16 s for
``STRtree(points).query(counties, predicate="contains")`` and 0.93–1.28 s for
``geopandas.sjoin(predicate="within")`` in the same runs, not counting the 0.5–0.7 s those two
spend building the Points.

The test is ``intersects_xy`` rather than ``contains_xy`` so a point on a boundary is not lost;
when it touches several regions (a shared edge or vertex), the lowest code wins, so the answer
is deterministic and independent of input order.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from gis_carbon.errors import CoordinateError, GisCarbonError
from gis_carbon.geo import boundaries as _boundaries
from gis_carbon.geo.chinese_coords import check_lon_lat
from gis_carbon.geo.crs import WGS84, _transformer, equal_area_crs, local_projected_crs

if TYPE_CHECKING:
    from collections.abc import Mapping

    import geopandas
    import shapely

__all__ = ["RegionIndex", "default_index"]

# Shares are rounded sums of floating-point lengths/areas: allow for that when normalising.
_SHARE_EPSILON = 1e-9
# Edges are straight in lon/lat; split long ones before projecting so the projected shape
# follows them (about 1 km; county outlines are far denser already).
_DENSIFY_DEG = 0.01


class RegionIndex:
    """A point-and-geometry locator over a layer of non-overlapping regions.

    Built from a GeoDataFrame with a ``code`` column (the county layer of
    :func:`gis_carbon.geo.boundaries.boundaries` by default). Any layer with codes works, e.g.
    a township layer imported by the user, though :meth:`chain` only knows the codes of the
    built-in hierarchy.
    """

    def __init__(self, regions: geopandas.GeoDataFrame, *, code_column: str = "code") -> None:
        import shapely

        if code_column not in regions.columns:
            raise GisCarbonError(f"region layer has no {code_column!r} column")
        if regions.crs is None:
            raise CoordinateError("region layer has no CRS; expected WGS 84 (EPSG:4326)")
        if not regions.crs.equals(WGS84):
            regions = regions.to_crs(WGS84)
        # Sorting by code makes "lowest code wins" equal to "first region tested wins".
        regions = regions.sort_values(code_column, kind="stable")
        geometries = np.asarray(regions.geometry.values, dtype=object)
        polygonal = np.isin(shapely.get_type_id(geometries), (3, 6))  # Polygon, MultiPolygon
        if not polygonal.all():
            bad = regions[code_column].to_numpy()[~polygonal][0]
            raise GisCarbonError(f"region {bad!r} of the layer is not a polygon")
        self._codes: npt.NDArray[np.str_] = regions[code_column].to_numpy().astype(str)
        # Index -1 (outside) picks this trailing empty string.
        self._codes_or_blank = np.append(self._codes, "")
        self._geometries = geometries
        self._bounds = shapely.bounds(geometries)
        self._prepared = False
        self._prepare_lock = threading.Lock()

    @classmethod
    def from_boundaries(cls, level: _boundaries.Level = "county") -> RegionIndex:
        """An index over one level of the built-in boundaries (finest partition by default)."""
        return cls(_boundaries.boundaries(level))

    @property
    def codes(self) -> npt.NDArray[np.str_]:
        """The region codes of the layer, sorted."""
        return self._codes.copy()

    def __len__(self) -> int:
        return len(self._codes)

    def _ensure_prepared(self) -> None:
        import shapely

        if self._prepared:
            return
        with self._prepare_lock:
            if not self._prepared:
                shapely.prepare(self._geometries)
                self._prepared = True

    def _locate_indices(self, lons: np.ndarray, lats: np.ndarray) -> npt.NDArray[np.int64]:
        """Row index of the region holding each point, -1 outside; inputs already checked."""
        import shapely

        self._ensure_prepared()
        result = np.full(lons.size, -1, dtype=np.int64)
        if lons.size == 0:
            return result
        order = np.argsort(lons, kind="stable")
        sorted_lons, sorted_lats = lons[order], lats[order]
        starts = np.searchsorted(sorted_lons, self._bounds[:, 0], side="left")
        stops = np.searchsorted(sorted_lons, self._bounds[:, 2], side="right")
        for row in np.flatnonzero(stops > starts):
            start, stop = starts[row], stops[row]
            strip_lats = sorted_lats[start:stop]
            in_box = (strip_lats >= self._bounds[row, 1]) & (strip_lats <= self._bounds[row, 3])
            candidates = np.flatnonzero(in_box) + start
            # Skip points already placed in a lower-coded region (shared boundaries).
            candidates = candidates[result[order[candidates]] < 0]
            if candidates.size == 0:
                continue
            hit = shapely.intersects_xy(
                self._geometries[row], sorted_lons[candidates], sorted_lats[candidates]
            )
            result[order[candidates[hit]]] = row
        return result

    def locate_points(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """The code of the region holding each WGS 84 point; ``''`` where none does.

        Accepts scalars or arrays (broadcast together); returns a string array of their shape.
        """
        lon_arr, lat_arr = check_lon_lat(lons, lats)
        rows = self._locate_indices(lon_arr.reshape(-1), lat_arr.reshape(-1))
        return self._codes_or_blank[rows].reshape(lon_arr.shape)

    def locate_point(self, lon: float, lat: float) -> str | None:
        """The code of the region holding one point, or None outside every region."""
        code = str(self.locate_points(np.array([lon]), np.array([lat]))[0])
        return code or None

    def nearest_other_region(self, lon: float, lat: float) -> tuple[str | None, float]:
        """The nearest region not holding the point and its distance in metres (local
        Gauss–Krüger): how far the point is from being assigned elsewhere. A point 50 m from
        a county line, or one located only to a town (±5–10 km), may belong across it."""
        import shapely

        from gis_carbon.geo.crs import from_wgs84

        own = self.locate_point(lon, lat)
        point = shapely.Point(lon, lat)
        # Regions within ~0.5° are the candidates; failing that, every region.
        near = self._candidate_rows(point.buffer(0.5))
        rows = [int(r) for r in near if self._codes[r] != own] or [
            i for i, code in enumerate(self._codes) if code != own
        ]
        if not rows:
            return None, float("inf")
        crs = local_projected_crs(lon, lat)

        def to_local(xy: np.ndarray) -> np.ndarray:
            x, y = from_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([x, y])

        here = shapely.transform(point, to_local)
        others = shapely.transform(self._geometries[rows], to_local)
        distances = shapely.distance(here, others)
        best = int(np.argmin(distances))
        return str(self._codes[rows[best]]), float(distances[best])

    def chain(self, code: str) -> list[_boundaries.Region]:
        """The region and everything above it, province first (e.g. 天津市 → 红桥区)."""
        return [*_boundaries.ancestors(code), _boundaries.region(code)]

    def _candidate_rows(self, geometry: shapely.Geometry) -> npt.NDArray[np.intp]:
        min_x, min_y, max_x, max_y = geometry.bounds
        b = self._bounds
        overlap = (b[:, 0] <= max_x) & (b[:, 2] >= min_x) & (b[:, 1] <= max_y) & (b[:, 3] >= min_y)
        return np.flatnonzero(overlap)

    def locate_geometry(self, geometry: shapely.Geometry) -> tuple[str | None, dict[str, float]]:
        """The primary region of a geometry and the share of it in each region it touches.

        Lines are shared by length (measured in a local Gauss–Krüger projection), polygons by
        area (in the China Albers equal-area projection), multi-points by count, a point is
        wholly in the region holding it. Shares are fractions of the whole geometry, so they
        sum to less than 1 when part of it lies outside every region. The primary region is
        the one with the largest share (lowest code on ties); None if the geometry touches no
        region.
        """
        import shapely

        if not isinstance(geometry, shapely.Geometry):
            raise CoordinateError(f"{geometry!r} is not a shapely geometry")
        if geometry.is_empty:
            raise CoordinateError(f"cannot locate an empty geometry ({geometry.wkt})")
        coords = shapely.get_coordinates(geometry)
        check_lon_lat(coords[:, 0], coords[:, 1])  # names the first bad vertex

        dimension = shapely.get_dimensions(geometry)
        type_id = shapely.get_type_id(geometry)
        if type_id == 7:  # GeometryCollection: ambiguous what "share" would mean
            raise CoordinateError(
                f"cannot locate a geometry collection ({geometry.geom_type}); "
                "split it into points, lines or polygons first"
            )
        if dimension == 0:
            codes = self.locate_points(coords[:, 0], coords[:, 1])
            shares: dict[str, float] = {}
            for code in codes[codes != ""]:
                shares[str(code)] = shares.get(str(code), 0.0) + 1.0 / len(codes)
            return primary_region(shares), shares

        if dimension == 1:
            centre = geometry.centroid
            target = local_projected_crs(centre.x, centre.y)
            measure = shapely.length
        else:
            target = equal_area_crs()
            measure = shapely.area
            if not geometry.is_valid:
                geometry = shapely.make_valid(geometry)

        rows = self._candidate_rows(geometry)
        pieces = shapely.intersection(geometry, self._geometries[rows])
        keep = ~shapely.is_empty(pieces)
        rows, pieces = rows[keep], pieces[keep]
        if rows.size == 0:
            return None, {}
        projected = _project(np.append(pieces, geometry), target)
        sizes = measure(projected)
        total = float(sizes[-1])
        if total <= 0:
            raise CoordinateError(f"geometry has no {'length' if dimension == 1 else 'area'}")
        fractions = sizes[:-1] / total
        # A line along a shared border counts in both regions: scale back to at most 1.
        overall = float(fractions.sum())
        if overall > 1.0 + _SHARE_EPSILON:
            fractions = fractions / overall
        shares = {
            str(self._codes[row]): float(share)
            for row, share in zip(rows, fractions, strict=True)
            if share > 0
        }
        return primary_region(shares), shares


def primary_region(shares: Mapping[str, float]) -> str | None:
    """The region with the largest share; ties go to the lowest code."""
    if not shares:
        return None
    return min(shares, key=lambda code: (-shares[code], code))


def _project(geometries: np.ndarray, target: str) -> Any:
    import shapely

    transformer = _transformer(WGS84, target)
    geometries = shapely.segmentize(geometries, _DENSIFY_DEG)

    def transform(xy: np.ndarray) -> np.ndarray:
        xs, ys = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([xs, ys])

    return shapely.transform(geometries, transform)


_default_index: RegionIndex | None = None
_default_lock = threading.Lock()


def default_index() -> RegionIndex:
    """The county-level index over the built-in boundaries, built on first use and kept."""
    global _default_index
    if _default_index is None:
        with _default_lock:
            if _default_index is None:
                _default_index = RegionIndex.from_boundaries("county")
    return _default_index


def reset_default_index() -> None:
    """Forget the default index (after the boundary cache changes, or in tests)."""
    global _default_index
    with _default_lock:
        _default_index = None
