"""Where in a region a project type could be built: the eligible area after every rule, as a
raster (GeoTIFF) and polygons (GeoPackage), with the total km² and the potential MW.

The region is gridded in a metric CRS (its local Gauss–Krüger zone, or China's Albers
equal-area CRS when it spans more than one 3° zone); exclusion layers and setback buffers are
burnt in by cell centre (GLAES and reV do the same at their resolution), and raster criteria
are resampled onto the grid (bilinear) — slope is computed by Horn's method from the DEM
resampled to the grid, so a coarse grid smooths slopes: choose a resolution near the DEM's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis_carbon.analysis.rules import SitingRules
from gis_carbon.analysis.siting import (
    SETBACK_QUAD_SEGS,
    WATER_CATEGORIES,
    RasterInput,
    VectorInput,
    reproject,
)
from gis_carbon.analysis.zonal import horn_slope
from gis_carbon.errors import ExportError, ValidationError
from gis_carbon.feedback import NO_FEEDBACK, Feedback

__all__ = ["MAX_CELLS", "SuitabilityResult", "output_paths", "suitability"]

MAX_CELLS = 40_000_000  # ~40 MB per uint8 layer; beyond this ask for a coarser grid
ELIGIBLE, EXCLUDED, OUTSIDE = 1, 0, 255


@dataclass(frozen=True)
class SuitabilityResult:
    type_code: str
    region_code: str
    crs: str
    resolution_m: float
    region_km2: float
    eligible_km2: float
    capacity_area_km2: float
    capacity_basis: str
    power_density_mw_per_km2: float
    power_density_source: str
    potential_mw: float | None
    excluded_km2: dict[str, float]  # by rule (layers and criteria; they overlap)
    raster_path: str
    vector_path: str
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def output_paths(out: str | Path) -> tuple[Path, Path]:
    """(GeoTIFF, GeoPackage) for --out: a .tif or .gpkg path names the other beside it."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        return path, path.with_suffix(".gpkg")
    if suffix == ".gpkg":
        return path.with_suffix(".tif"), path
    return path.with_name(path.name + ".tif"), path.with_name(path.name + ".gpkg")


def _grid_crs(region: BaseGeometry) -> str:
    from gis_carbon.geo.crs import equal_area_crs, gk_zone_3deg, local_projected_crs

    minx, _, maxx, _ = region.bounds
    point = region.representative_point()
    if gk_zone_3deg(minx) != gk_zone_3deg(maxx):
        return equal_area_crs()
    return local_projected_crs(point.x, point.y)


def suitability(
    region_code: str,
    region_wgs84: BaseGeometry,
    rules: SitingRules,
    vectors: Sequence[VectorInput],
    rasters: Sequence[RasterInput],
    out: str | Path,
    *,
    resolution_m: float = 100.0,
    feedback: Feedback = NO_FEEDBACK,
) -> SuitabilityResult:
    """``feedback`` hears of each layer and criterion burnt in, and may cancel between them
    (before anything is written)."""
    import rasterio
    from rasterio.features import rasterize
    from rasterio.transform import from_origin

    if not (
        isinstance(resolution_m, int | float) and math.isfinite(resolution_m) and resolution_m > 0
    ):
        raise ValidationError(
            f"resolution {resolution_m!r} m must be a positive number", "resolution", resolution_m
        )
    tif_path, gpkg_path = output_paths(out)
    crs = _grid_crs(region_wgs84)
    region = reproject(region_wgs84, "EPSG:4326", crs)
    minx, miny, maxx, maxy = region.bounds
    minx = math.floor(minx / resolution_m) * resolution_m
    maxy = math.ceil(maxy / resolution_m) * resolution_m
    width = max(math.ceil((maxx - minx) / resolution_m), 1)
    height = max(math.ceil((maxy - miny) / resolution_m), 1)
    if width * height > MAX_CELLS:
        raise ValidationError(
            f"a {resolution_m:g} m grid over region {region_code} has {width * height:,} cells "
            f"(limit {MAX_CELLS:,}); use a coarser --resolution",
            "resolution",
            resolution_m,
        )
    transform = from_origin(minx, maxy, resolution_m, resolution_m)
    shape = (height, width)
    cell_km2 = resolution_m * resolution_m / 1e6
    inside = rasterize(
        [region], out_shape=shape, transform=transform, fill=0, default_value=1, dtype="uint8"
    ).astype(bool)
    excluded = np.zeros(shape, dtype=bool)
    by_rule: dict[str, float] = {}
    notes: list[str] = []
    # one step per vector layer and raster criterion, then the capacity area and the writing
    steps = len(vectors) + len(rules.raster) + 2
    done = 0

    def step(message: str) -> None:
        nonlocal done
        feedback.check_cancelled()
        feedback.progress_count(done, steps, message)
        done += 1

    def burn(name: str, geoms: Sequence[BaseGeometry]) -> None:
        geoms = [g for g in geoms if g is not None and not g.is_empty]
        if not geoms:
            return
        mask = (
            rasterize(
                geoms, out_shape=shape, transform=transform, fill=0, default_value=1, dtype="uint8"
            ).astype(bool)
            & inside
        )
        by_rule[name] = float(mask.sum()) * cell_km2
        excluded[mask] = True

    for layer in vectors:
        step(f"layer {layer.id}")
        if layer.constraint == "exclusion" and layer.category not in rules.exempt_categories:
            geoms = reproject(np.asarray(list(layer.geometries), dtype=object), "EPSG:4326", crs)
            burn(f"exclusion:{layer.id}", list(geoms))
        elif layer.constraint == "setback":
            distance = rules.setback_distance({"category": layer.category, **layer.params})
            if distance is None:
                notes.append(
                    f"setback layer {layer.id}: tip-height multiple, not for {rules.type_code}"
                )
                continue
            geoms = reproject(np.asarray(list(layer.geometries), dtype=object), "EPSG:4326", crs)
            zone = (
                shapely.buffer(geoms, distance, quad_segs=SETBACK_QUAD_SEGS)
                if distance > 0
                else geoms
            )
            burn(f"setback:{layer.id}", list(zone))

    for criterion, threshold in rules.raster.items():
        step(f"criterion {criterion}")
        source = next((r for r in rasters if r.criterion == criterion), None)
        derive = source is None and criterion == "slope"
        if derive:
            source = next((r for r in rasters if r.criterion == "dem"), None)
        if source is None:
            continue
        values = _resample(source.path, crs, transform, shape)
        if derive:
            values = horn_slope(values, resolution_m, resolution_m)
        valid = np.isfinite(values)
        missing = inside & ~valid
        if missing.any():
            notes.append(
                f"{source.id} does not cover {missing.sum() * cell_km2:,.2f} km² of "
                f"the region: not excluded there"
            )
        with np.errstate(invalid="ignore"):
            breach = (
                (values > threshold.max) if threshold.max is not None else (values < threshold.min)
            )
        mask = breach & valid & inside
        by_rule[f"raster:{source.id}:{criterion}"] = float(mask.sum()) * cell_km2
        excluded |= mask

    eligible = inside & ~excluded
    grid = np.full(shape, OUTSIDE, dtype=np.uint8)
    grid[inside] = EXCLUDED
    grid[eligible] = ELIGIBLE
    eligible_km2 = float(eligible.sum()) * cell_km2

    step("capacity area")
    capacity_basis, capacity_km2 = "eligible", eligible_km2
    if rules.capacity_area == "water":
        water = [
            g for layer in vectors if layer.category in WATER_CATEGORIES for g in layer.geometries
        ]
        if water:
            geoms = reproject(np.asarray(water, dtype=object), "EPSG:4326", crs)
            wet = rasterize(
                list(geoms),
                out_shape=shape,
                transform=transform,
                fill=0,
                default_value=1,
                dtype="uint8",
            ).astype(bool)
            capacity_basis, capacity_km2 = "water", float((eligible & wet).sum()) * cell_km2
        else:
            notes.append("no water layer: the fishery-PV potential uses the eligible area")
    density = rules.power_density_mw_per_km2
    potential = capacity_km2 * density if density > 0 else None

    step(f"writing {tif_path.name}")
    try:
        tif_path.parent.mkdir(parents=True, exist_ok=True)
        with rasterio.open(
            tif_path,
            "w",
            driver="GTiff",
            width=width,
            height=height,
            count=1,
            dtype="uint8",
            crs=crs,
            transform=transform,
            nodata=OUTSIDE,
            compress="deflate",
        ) as dst:
            dst.write(grid, 1)
            dst.update_tags(
                type=rules.type_code,
                region=region_code,
                values="1 eligible, 0 excluded, 255 outside the region",
            )
        _write_polygons(eligible, transform, crs, gpkg_path, rules.type_code, density)
    except (OSError, rasterio.errors.RasterioError) as exc:
        raise ExportError(
            f"cannot write the suitability output {tif_path} / {gpkg_path}: {exc}"
        ) from exc
    feedback.progress_count(steps, steps, "done")

    return SuitabilityResult(
        type_code=rules.type_code,
        region_code=region_code,
        crs=crs,
        resolution_m=float(resolution_m),
        region_km2=float(inside.sum()) * cell_km2,
        eligible_km2=eligible_km2,
        capacity_area_km2=capacity_km2,
        capacity_basis=capacity_basis,
        power_density_mw_per_km2=density,
        power_density_source=rules.power_density_source,
        potential_mw=potential,
        excluded_km2=by_rule,
        raster_path=str(tif_path),
        vector_path=str(gpkg_path),
        notes=notes,
    )


def _resample(path: str, crs: str, transform: Any, shape: tuple[int, int]) -> np.ndarray:
    """A raster's band 1 resampled (bilinear) onto the grid; NaN where it has no data."""
    import rasterio
    from rasterio.warp import Resampling
    from rasterio.warp import reproject as warp

    out = np.full(shape, np.nan, dtype=np.float64)
    with rasterio.open(path) as src:
        warp(
            source=rasterio.band(src, 1),
            destination=out,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out


def _write_polygons(
    eligible: np.ndarray, transform: Any, crs: str, path: Path, type_code: str, density: float
) -> None:
    import geopandas as gpd
    from rasterio.features import shapes

    polygons = [
        shapely.geometry.shape(g)
        for g, v in shapes(eligible.astype(np.uint8), mask=eligible, transform=transform)
        if v
    ]
    areas = [p.area for p in polygons]
    frame = gpd.GeoDataFrame(
        {
            "type": [type_code] * len(polygons),
            "area_km2": [a / 1e6 for a in areas],
            "potential_mw": [a / 1e6 * density for a in areas],
        },
        geometry=polygons,
        crs=crs,
    ).to_crs("EPSG:4326")
    if path.exists():
        path.unlink()
    frame.to_file(path, layer="eligible", driver="GPKG")
