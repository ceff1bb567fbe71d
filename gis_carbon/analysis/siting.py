"""Check a site against constraint layers, raster criteria and the grid, fast enough to run
while a polygon is being drawn.

A :class:`SitingContext` is built once per workspace state (layers, substations, rules): it
holds each layer's geometries and, per projected CRS asked for, their projected copies in an
STRtree, and keeps raster files open. :meth:`SitingContext.check` then costs one small
coordinate transform, a few tree queries and clipped overlays — no workspace reads.

All areas and distances are measured in the footprint's local Gauss–Krüger zone
(:func:`gis_carbon.geo.crs.local_projected_crs`, conformal, area error < 0.1 % within the zone);
overlap geometries are handed back in WGS 84 for the canvas to hatch.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis_carbon.analysis.rules import RasterThreshold, SitingRules, rules_for
from gis_carbon.analysis.zonal import (
    ZonalStats,
    coverage_fractions,
    footprint_window,
    horn_slope,
    pixel_rings,
    weighted_stats,
)
from gis_carbon.errors import ValidationError
from gis_carbon.geo.crs import crs_key, transformer

__all__ = [
    "M2_PER_HA",
    "M2_PER_MU",
    "RasterInput",
    "SettingDistance",
    "SiteReport",
    "SitingContext",
    "SubstationHit",
    "SubstationInput",
    "VectorInput",
    "Violation",
]

M2_PER_MU = 2000.0 / 3.0  # 1 亩 = 666.67 m²
M2_PER_HA = 10_000.0  # 1 ha = 15 亩
WATER_CATEGORIES = frozenset({"water", "waterbody", "pond", "水域", "坑塘"})
SETBACK_QUAD_SEGS = 32  # 128-gon circles: area within 0.04 % of π r²
_TINY_M2 = 1e-6


# ----------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class VectorInput:
    """A vector layer as the context needs it (geometries in WGS 84)."""

    id: str
    title: str
    role: str
    params: Mapping[str, Any]
    geometries: Sequence[BaseGeometry]
    properties: Sequence[Mapping[str, Any]] = ()

    @property
    def constraint(self) -> str | None:
        value = self.params.get("constraint")
        return None if value is None else str(value)

    @property
    def category(self) -> str:
        return str(self.params.get("category") or "")


@dataclass(frozen=True)
class RasterInput:
    id: str
    title: str
    path: str
    criterion: str  # dem, slope, wind_speed, irradiance


@dataclass(frozen=True)
class SubstationInput:
    name: str
    geometry: BaseGeometry  # WGS 84
    voltage_kv: float | None
    source: str  # "project 12" or "layer grid_220kv"
    precision: str = "exact"


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Violation:
    kind: str  # exclusion, setback, raster
    layer_id: str
    layer_title: str
    overlap_geometry: BaseGeometry  # WGS 84
    overlap_m2: float
    share: float  # of the footprint's area (1.0 for a point inside)
    distance_m: float | None = None  # setback: nearest feature
    required_m: float | None = None  # setback: distance to keep
    criterion: str | None = None  # raster
    stats: ZonalStats | None = None
    threshold: RasterThreshold | None = None

    @property
    def overlap_mu(self) -> float:
        return self.overlap_m2 / M2_PER_MU

    @property
    def overlap_ha(self) -> float:
        return self.overlap_m2 / M2_PER_HA

    def message(self) -> str:
        area = f"{self.overlap_mu:,.1f} 亩 / {self.overlap_ha:,.2f} ha ({self.share:.1%})"
        if self.kind == "exclusion":
            return f"占用禁止区「{self.layer_title}」{area}"
        if self.kind == "setback":
            return (
                f"距「{self.layer_title}」{self.distance_m:,.0f} m，"
                f"小于退让距离 {self.required_m:,.0f} m，涉及 {area}"
            )
        assert self.threshold is not None
        return f"{self.layer_title} {self.criterion} 不满足 {self.threshold.describe()}：{area}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "layer_id": self.layer_id,
            "layer_title": self.layer_title,
            "overlap_m2": round(self.overlap_m2, 2),
            "overlap_mu": round(self.overlap_mu, 2),
            "overlap_ha": round(self.overlap_ha, 4),
            "share": round(self.share, 6),
            "message": self.message(),
            "overlap_wkt": shapely.to_wkt(self.overlap_geometry, rounding_precision=7),
        }
        if self.kind == "setback":
            data.update(distance_m=round(self.distance_m or 0.0, 2), required_m=self.required_m)
        if self.kind == "raster":
            assert self.stats is not None and self.threshold is not None
            data.update(
                criterion=self.criterion,
                threshold=self.threshold.describe(),
                threshold_source=self.threshold.source,
                stats=self.stats.to_json(),
            )
        return data


@dataclass(frozen=True)
class SettingDistance:
    """How far the footprint is from a setback layer, and how far it must be."""

    layer_id: str
    layer_title: str
    distance_m: float | None  # None: the layer has no features
    required_m: float | None  # None: the setback does not apply to this type
    ok: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "layer_id": self.layer_id,
            "layer_title": self.layer_title,
            "distance_m": None if self.distance_m is None else round(self.distance_m, 2),
            "required_m": self.required_m,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class RasterCheck:
    layer_id: str
    layer_title: str
    criterion: str
    threshold: RasterThreshold
    stats: ZonalStats
    breach_share: float

    def to_json(self) -> dict[str, Any]:
        return {
            "layer_id": self.layer_id,
            "layer_title": self.layer_title,
            "criterion": self.criterion,
            "threshold": self.threshold.describe(),
            "threshold_source": self.threshold.source,
            "breach_share": round(self.breach_share, 6),
            **self.stats.to_json(),
        }


@dataclass(frozen=True)
class SubstationHit:
    name: str
    distance_m: float
    voltage_kv: float | None
    source: str
    precision: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distance_m": round(self.distance_m, 1),
            "distance_km": round(self.distance_m / 1000.0, 3),
            "voltage_kv": self.voltage_kv,
            "source": self.source,
            "location_precision": self.precision,
        }


@dataclass(frozen=True)
class SiteReport:
    type_code: str | None
    crs: str
    footprint_m2: float
    violations: list[Violation]
    setbacks: list[SettingDistance]
    rasters: list[RasterCheck]
    usable_m2: float
    usable_geometry: BaseGeometry  # WGS 84
    capacity_area_m2: float
    capacity_basis: str  # usable, water, none
    power_density_mw_per_km2: float
    power_density_source: str
    capacity_mw: float | None
    nearest_substation: SubstationHit | None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type_code,
            "ok": self.ok,
            "crs": self.crs,
            "footprint_m2": round(self.footprint_m2, 2),
            "footprint_mu": round(self.footprint_m2 / M2_PER_MU, 2),
            "footprint_ha": round(self.footprint_m2 / M2_PER_HA, 4),
            "violations": [v.to_json() for v in self.violations],
            "setbacks": [s.to_json() for s in self.setbacks],
            "rasters": [r.to_json() for r in self.rasters],
            "usable_m2": round(self.usable_m2, 2),
            "usable_mu": round(self.usable_m2 / M2_PER_MU, 2),
            "usable_ha": round(self.usable_m2 / M2_PER_HA, 4),
            "capacity_hint": {
                "basis": self.capacity_basis,
                "area_m2": round(self.capacity_area_m2, 2),
                "area_km2": round(self.capacity_area_m2 / 1e6, 6),
                "power_density_mw_per_km2": self.power_density_mw_per_km2,
                "power_density_source": self.power_density_source,
                "capacity_mw": None if self.capacity_mw is None else round(self.capacity_mw, 3),
            },
            "nearest_substation": (
                None if self.nearest_substation is None else self.nearest_substation.to_json()
            ),
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------- helpers
def reproject(geometry: Any, source: str, target: str) -> Any:
    """Geometry (or array of geometries) from one CRS to another, vertex by vertex.

    The transformer comes from :func:`gis_carbon.geo.crs.transformer`, the calling thread's
    own cache (pyproj transformers must not be shared between threads)."""
    if source == target:
        return geometry
    forward = transformer(source, target)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = forward.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((x, y))

    return shapely.transform(geometry, move)


@dataclass
class _Projected:
    geometries: np.ndarray
    tree: shapely.STRtree


class _PreparedLayer:
    """A vector layer with lazily projected copies (one per CRS) and their STRtrees."""

    def __init__(self, layer: VectorInput) -> None:
        self.layer = layer
        self.wgs84 = np.asarray(
            [g for g in layer.geometries if g is not None and not g.is_empty], dtype=object
        )
        self._by_crs: dict[str, _Projected] = {}
        self._lock = threading.Lock()

    def projected(self, crs: str) -> _Projected:
        found = self._by_crs.get(crs)
        if found is None:
            with self._lock:
                found = self._by_crs.get(crs)
                if found is None:
                    geoms = (
                        reproject(self.wgs84, "EPSG:4326", crs)
                        if len(self.wgs84)
                        else np.asarray([], dtype=object)
                    )
                    geoms = shapely.make_valid(geoms) if len(geoms) else geoms
                    shapely.prepare(geoms)
                    found = _Projected(geoms, shapely.STRtree(geoms))
                    self._by_crs[crs] = found
        return found


class _OpenRaster:
    """A raster layer kept open: its band, transform, CRS and metric cell size."""

    def __init__(self, layer: RasterInput) -> None:
        import rasterio

        from gis_carbon.errors import InputFileError

        self.layer = layer
        try:
            self.dataset = rasterio.open(layer.path)
        except rasterio.errors.RasterioIOError as exc:
            raise InputFileError(
                f"raster layer {layer.id!r}: cannot open {layer.path}: {exc}"
            ) from exc
        ds = self.dataset
        if ds.crs is None:
            raise InputFileError(f"raster layer {layer.id!r} ({layer.path}) has no CRS")
        self.crs = crs_key(ds.crs)
        self.transform = ds.transform
        self.inverse = ~ds.transform
        self.nodata = ds.nodata
        self.geographic = bool(ds.crs.is_geographic)
        self.lock = threading.Lock()  # a GDAL dataset is not safe across threads

    def read(self, row0: int, col0: int, height: int, width: int) -> np.ndarray:
        from rasterio.windows import Window as RioWindow

        with self.lock:
            return self.dataset.read(1, window=RioWindow(col0, row0, width, height))

    def cell_size_m(self, row0: int, nrows: int) -> tuple[np.ndarray | float, float]:
        """East–west spacing (per row for a geographic grid) and north–south spacing in m.

        A geographic DEM is measured in the local equirectangular projection of each row
        (metres per degree at that latitude, WGS 84 ellipsoid), which is what a slope needs."""
        a, e = abs(self.transform.a), abs(self.transform.e)
        if not self.geographic:
            return a, e
        rows = np.arange(row0, row0 + nrows) + 0.5
        lat = np.radians(self.transform.f + rows * self.transform.e)
        # metres per degree of longitude / latitude on the WGS 84 ellipsoid
        m_lon = 111_412.84 * np.cos(lat) - 93.5 * np.cos(3 * lat)
        m_lat = 111_132.92 - 559.82 * np.cos(2 * lat.mean()) + 1.175 * np.cos(4 * lat.mean())
        return a * m_lon, e * float(m_lat)

    def close(self) -> None:
        self.dataset.close()


# ----------------------------------------------------------------------------- the context
class SitingContext:
    """Everything a site check needs, prepared once; :meth:`check` is the fast path."""

    def __init__(
        self,
        vectors: Sequence[VectorInput] = (),
        rasters: Sequence[RasterInput] = (),
        substations: Sequence[SubstationInput] = (),
        rule_table: Mapping[str, Any] | None = None,
    ) -> None:
        from gis_carbon.analysis.rules import default_rule_table

        self.rule_table = dict(default_rule_table() if rule_table is None else rule_table)
        self._rules: dict[str, SitingRules] = {}
        self.vectors = [_PreparedLayer(v) for v in vectors]
        self.rasters = [_OpenRaster(r) for r in rasters]
        self.substations = list(substations)
        self._sub_geoms = np.asarray([s.geometry for s in self.substations], dtype=object)
        self._sub_by_crs: dict[str, _Projected] = {}

    # -- configuration
    def rules(self, type_code: str | None) -> SitingRules:
        code = type_code or "default"
        found = self._rules.get(code)
        if found is None:
            found = rules_for(code, self.rule_table)
            self._rules[code] = found
        return found

    def close(self) -> None:
        for raster in self.rasters:
            raster.close()

    def __enter__(self) -> SitingContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the check
    def check(self, geometry: BaseGeometry, type_code: str | None = None) -> SiteReport:
        """Check one footprint (WGS 84 polygon, line or point) for a project type."""
        from gis_carbon.geo.crs import local_projected_crs

        if geometry is None or geometry.is_empty:
            raise ValidationError("the site has no geometry", "geometry", None)
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        rules = self.rules(type_code)
        centre = geometry.centroid
        crs = local_projected_crs(centre.x, centre.y)
        footprint = reproject(geometry, "EPSG:4326", crs)
        is_area = (
            footprint.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
            and footprint.area > 0
        )
        area = footprint.area if is_area else 0.0
        shapely.prepare(footprint)

        violations: list[Violation] = []
        setbacks: list[SettingDistance] = []
        overlaps: list[BaseGeometry] = []  # projected, for the usable area
        notes: list[str] = []

        def share_of(part_area: float) -> float:
            return part_area / area if area > 0 else 1.0

        def add(kind: str, prepared: _PreparedLayer, part: BaseGeometry, **extra: Any) -> None:
            part_area = part.area if is_area else 0.0
            overlaps.append(part)
            violations.append(
                Violation(
                    kind,
                    prepared.layer.id,
                    prepared.layer.title,
                    reproject(part, crs, "EPSG:4326"),
                    part_area,
                    share_of(part_area),
                    **extra,
                )
            )

        for prepared in self.vectors:
            layer = prepared.layer
            if layer.constraint == "exclusion":
                if layer.category in rules.exempt_categories:
                    continue
                proj = prepared.projected(crs)
                hits = proj.tree.query(footprint, predicate="intersects")
                if len(hits) == 0:
                    continue
                part = shapely.union_all(shapely.intersection(proj.geometries[hits], footprint))
                if is_area and part.area <= _TINY_M2:
                    continue  # touching along an edge is not an overlap
                add("exclusion", prepared, part)
            elif layer.constraint == "setback":
                required = rules.setback_distance({"category": layer.category, **layer.params})
                proj = prepared.projected(crs)
                if len(proj.geometries) == 0:
                    setbacks.append(SettingDistance(layer.id, layer.title, None, required, True))
                    continue
                _nearest_idx, dist = proj.tree.query_nearest(
                    footprint, return_distance=True, all_matches=False
                )
                nearest = float(dist[0]) if len(dist) else math.inf
                if required is None:
                    setbacks.append(SettingDistance(layer.id, layer.title, nearest, None, True))
                    notes.append(f"「{layer.title}」的退让按风机叶尖高度计，不适用于 {type_code}")
                    continue
                ok = nearest >= required if required > 0 else nearest > 0
                setbacks.append(SettingDistance(layer.id, layer.title, nearest, required, ok))
                if ok:
                    continue
                hits = proj.tree.query(footprint, predicate="dwithin", distance=required)
                zone = (
                    shapely.union_all(
                        shapely.buffer(proj.geometries[hits], required, quad_segs=SETBACK_QUAD_SEGS)
                    )
                    if required > 0
                    else shapely.union_all(proj.geometries[hits])
                )
                part = zone.intersection(footprint)
                add("setback", prepared, part, distance_m=nearest, required_m=required)

        rasters = self._check_rasters(
            geometry, footprint, crs, area, is_area, rules, violations, overlaps, notes
        )

        # Usable area and the capacity hint.
        footprint_wgs = geometry
        if is_area and overlaps:
            blocked = shapely.union_all([o for o in overlaps if not o.is_empty])
            usable = footprint.difference(blocked)
        else:
            usable = footprint if is_area else shapely.Polygon()
        usable_m2 = usable.area if is_area else 0.0
        basis, capacity_area = "usable", usable_m2
        if rules.capacity_area == "water" and is_area:
            water = [p for p in self.vectors if p.layer.category in WATER_CATEGORIES]
            if water:
                parts = []
                for prepared in water:
                    proj = prepared.projected(crs)
                    hits = proj.tree.query(usable, predicate="intersects")
                    if len(hits):
                        parts.append(
                            shapely.union_all(shapely.intersection(proj.geometries[hits], usable))
                        )
                capacity_area = shapely.union_all(parts).area if parts else 0.0
                basis = "water"
            else:
                notes.append("没有水域图层：渔光互补容量按可用面积估算")
        density = rules.power_density_mw_per_km2
        capacity = capacity_area / 1e6 * density if (is_area and density > 0) else None
        if not is_area:
            basis = "none"
        return SiteReport(
            type_code=type_code,
            crs=crs,
            footprint_m2=area,
            violations=violations,
            setbacks=setbacks,
            rasters=rasters,
            usable_m2=usable_m2,
            usable_geometry=reproject(usable, crs, "EPSG:4326") if is_area else footprint_wgs,
            capacity_area_m2=capacity_area if is_area else 0.0,
            capacity_basis=basis,
            power_density_mw_per_km2=density,
            power_density_source=rules.power_density_source,
            capacity_mw=capacity,
            nearest_substation=self._nearest_substation(footprint, crs),
            notes=notes,
        )

    # -- rasters
    def _raster_for(self, criterion: str) -> _OpenRaster | None:
        for raster in self.rasters:
            if raster.layer.criterion == criterion:
                return raster
        return None

    def _check_rasters(
        self,
        geometry: BaseGeometry,
        footprint: BaseGeometry,
        crs: str,
        area: float,
        is_area: bool,
        rules: SitingRules,
        violations: list[Violation],
        overlaps: list[BaseGeometry],
        notes: list[str],
    ) -> list[RasterCheck]:
        checks: list[RasterCheck] = []
        for criterion, threshold in rules.raster.items():
            raster = self._raster_for(criterion)
            derive_slope = False
            if raster is None and criterion == "slope":
                raster = self._raster_for("dem")
                derive_slope = raster is not None
            if raster is None:
                continue
            local = reproject(geometry, "EPSG:4326", raster.crs)
            values, weights, row0, col0 = self._window_values(raster, local, derive_slope)
            if values is None:
                notes.append(f"「{raster.layer.title}」不覆盖该场址")
                continue
            stats = weighted_stats(
                values,
                weights,
                nodata=None if derive_slope else raster.nodata,
                threshold=threshold.threshold,
            )
            if stats.mean is None:
                notes.append(f"「{raster.layer.title}」在场址内无有效值")
                continue
            breach_share = (
                stats.share_over if threshold.max is not None else stats.share_under
            ) or 0.0
            checks.append(
                RasterCheck(
                    raster.layer.id, raster.layer.title, criterion, threshold, stats, breach_share
                )
            )
            if breach_share <= 0.0:
                continue
            breach = (
                (values > threshold.max) if threshold.max is not None else (values < threshold.min)
            )
            part = self._breach_geometry(raster, breach & (weights > 0), row0, col0, local)
            part_proj = reproject(part, raster.crs, crs)
            overlaps.append(part_proj)
            part_m2 = breach_share * area if is_area else 0.0
            violations.append(
                Violation(
                    "raster",
                    raster.layer.id,
                    raster.layer.title,
                    reproject(part, raster.crs, "EPSG:4326"),
                    part_m2,
                    breach_share if is_area else 1.0,
                    criterion=criterion,
                    stats=stats,
                    threshold=threshold,
                )
            )
        return checks

    def _window_values(
        self, raster: _OpenRaster, local: BaseGeometry, derive_slope: bool
    ) -> tuple[np.ndarray | None, np.ndarray, int, int]:
        height, width = raster.dataset.height, raster.dataset.width
        if local.geom_type in ("Polygon", "MultiPolygon") and local.area > 0:
            rings = pixel_rings(local, raster.inverse)
            window = footprint_window(rings, height, width)
            if window is None:
                return None, np.zeros((0, 0)), 0, 0
            weights = coverage_fractions(rings, window)
            r0, c0, nr, nc = window.row_off, window.col_off, window.height, window.width
        else:  # a point or line: the cells under it, weight 1
            x0, y0, x1, y1 = local.bounds
            u0, v0 = raster.inverse * (x0, y1)
            u1, v1 = raster.inverse * (x1, y0)
            c0, r0 = max(math.floor(min(u0, u1)), 0), max(math.floor(min(v0, v1)), 0)
            c1 = min(math.floor(max(u0, u1)) + 1, width)
            r1 = min(math.floor(max(v0, v1)) + 1, height)
            if c1 <= c0 or r1 <= r0:
                return None, np.zeros((0, 0)), 0, 0
            nr, nc = r1 - r0, c1 - c0
            weights = np.ones((nr, nc))
        if not derive_slope:
            values = raster.read(r0, c0, nr, nc).astype(np.float64)
            return values, weights, r0, c0
        # Slope needs the ring of cells around the window.
        pr0, pc0 = max(r0 - 1, 0), max(c0 - 1, 0)
        pr1, pc1 = min(r0 + nr + 1, height), min(c0 + nc + 1, width)
        dem = raster.read(pr0, pc0, pr1 - pr0, pc1 - pc0).astype(np.float64)
        cell_x, cell_y = raster.cell_size_m(pr0, pr1 - pr0)
        slope = horn_slope(dem, cell_x, cell_y, nodata=raster.nodata)
        values = slope[r0 - pr0 : r0 - pr0 + nr, c0 - pc0 : c0 - pc0 + nc]
        return values, weights, r0, c0

    @staticmethod
    def _breach_geometry(
        raster: _OpenRaster, mask: np.ndarray, row0: int, col0: int, local: BaseGeometry
    ) -> BaseGeometry:
        """The breaching cells (merged) clipped to the footprint, in the raster's CRS."""
        from affine import Affine
        from rasterio.features import shapes

        if not mask.any():
            return shapely.Polygon()
        transform = raster.transform @ Affine.translation(col0, row0)
        polygons = [
            shapely.geometry.shape(g)
            for g, v in shapes(mask.astype(np.uint8), mask=mask, transform=transform)
            if v
        ]
        cells = shapely.union_all(polygons)
        if local.geom_type in ("Polygon", "MultiPolygon"):
            return cells.intersection(local)
        return local  # a point or line: the cells under it breach

    # -- grid
    def _nearest_substation(self, footprint: BaseGeometry, crs: str) -> SubstationHit | None:
        if not self.substations:
            return None
        proj = self._sub_by_crs.get(crs)
        if proj is None:
            geoms = reproject(self._sub_geoms, "EPSG:4326", crs)
            proj = _Projected(geoms, shapely.STRtree(geoms))
            self._sub_by_crs[crs] = proj
        index, dist = proj.tree.query_nearest(footprint, return_distance=True, all_matches=False)
        if len(index) == 0:
            return None
        station = self.substations[int(index[0])]
        return SubstationHit(
            station.name, float(dist[0]), station.voltage_kv, station.source, station.precision
        )
