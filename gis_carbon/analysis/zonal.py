"""Raster statistics over a footprint with exact partial-cell weights, and slope by Horn's method.

The weight of a cell is the exact share of it that the polygon covers (the same quantity
exactextract computes), found without rasterising: the covered area of cell (row r, column c)
is a sum over the polygon's edges of ∫ (clamp(v(u), r, r+1) − r) du over the edge's part in
column c (Green's theorem cut to one cell). Writing clamp(v, a, b) − a as
max(v − a, 0) − max(v − b, 0) makes every term a function of one horizontal grid line, so each
(edge, column) pair is evaluated once per grid line and rows are differences of neighbours —
all in numpy, no Python loop per cell.

Coordinates here are pixel coordinates (u = column, v = row, from the window's top-left
corner); callers map a geometry into the raster's CRS and through the inverse affine first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from gis_carbon.errors import ValidationError

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "Window",
    "ZonalStats",
    "coverage_fractions",
    "footprint_window",
    "horn_slope",
    "pixel_rings",
    "weighted_stats",
    "zonal_stats",
    "zonal_stats_file",
]


@dataclass(frozen=True)
class Window:
    """Rows [row_off, row_off + height) and columns [col_off, col_off + width) of a raster."""

    row_off: int
    col_off: int
    height: int
    width: int


@dataclass(frozen=True)
class ZonalStats:
    """Statistics of a raster over a footprint, every cell weighted by its covered share.

    ``covered_cells`` is the sum of the weights (cells of the raster the footprint covers);
    ``share_over`` / ``share_under`` are weighted shares of the covered valid cells whose value
    is above / below the threshold given (None when no threshold was given)."""

    mean: float | None
    min: float | None
    max: float | None
    covered_cells: float
    valid_cells: float
    share_over: float | None = None
    share_under: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def pixel_rings(geometry: Any, inverse_affine: Any) -> list[FloatArray]:
    """The rings of a (multi)polygon as (n, 2) arrays of pixel coordinates (u, v), exteriors
    counter-clockwise and holes clockwise *in pixel space* so their signed areas add up."""
    import shapely

    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            f"zonal statistics need a polygon footprint, not a {geometry.geom_type}",
            "geometry",
            geometry.geom_type,
        )
    a, b, c, d, e, f = (
        inverse_affine.a,
        inverse_affine.b,
        inverse_affine.c,
        inverse_affine.d,
        inverse_affine.e,
        inverse_affine.f,
    )
    pixel = shapely.transform(
        geometry,
        lambda xy: np.column_stack(
            (a * xy[:, 0] + b * xy[:, 1] + c, d * xy[:, 0] + e * xy[:, 1] + f)
        ),
    )
    pixel = shapely.orient_polygons(pixel, exterior_cw=False)
    rings = shapely.get_rings(shapely.get_parts(pixel))
    return [shapely.get_coordinates(r) for r in rings]


def footprint_window(rings: Sequence[FloatArray], height: int, width: int) -> Window | None:
    """The smallest window of a height × width raster holding the rings; None if outside."""
    if not rings:
        return None
    coords = np.concatenate(rings)
    u_min, v_min = coords.min(axis=0)
    u_max, v_max = coords.max(axis=0)
    c0 = max(math.floor(u_min), 0)
    r0 = max(math.floor(v_min), 0)
    c1 = min(math.ceil(u_max), width)
    r1 = min(math.ceil(v_max), height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(r0, c0, r1 - r0, c1 - c0)


def coverage_fractions(rings: Iterable[FloatArray], window: Window) -> FloatArray:
    """Exact covered share (0…1) of every cell of ``window`` by the polygon whose rings (pixel
    coordinates of the whole raster, oriented as :func:`pixel_rings` returns them) are given.

    Parts of the polygon outside the window are cut off at the window's edge."""
    nrows, ncols = window.height, window.width
    starts, ends = [], []
    for ring in rings:
        if len(ring) < 4:
            continue
        starts.append(ring[:-1])
        ends.append(ring[1:])
    out = np.zeros((nrows, ncols))
    if not starts:
        return out
    p0 = np.concatenate(starts) - (window.col_off, window.row_off)
    p1 = np.concatenate(ends) - (window.col_off, window.row_off)
    ua, va, ub, vb = p0[:, 0], p0[:, 1], p1[:, 0], p1[:, 1]
    du = ub - ua
    moving = du != 0.0  # vertical edges enclose no area under them
    ua, va, ub, vb, du = ua[moving], va[moving], ub[moving], vb[moving], du[moving]
    if ua.size == 0:
        return out
    sign = -np.sign(du)  # area = -∮ v du for a counter-clockwise ring
    slope = (vb - va) / du
    u_lo, u_hi = np.minimum(ua, ub), np.maximum(ua, ub)
    # Columns each edge passes over, clipped to the window.
    c_first = np.clip(np.floor(u_lo).astype(np.int64), 0, ncols)
    c_last = np.clip(np.ceil(u_hi).astype(np.int64), 0, ncols)  # exclusive
    counts = np.maximum(c_last - c_first, 0)
    total = int(counts.sum())
    if total == 0:
        return out
    edge = np.repeat(np.arange(ua.size), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    col = c_first[edge] + offsets
    p = np.maximum(col, u_lo[edge])
    q = np.minimum(col + 1.0, u_hi[edge])
    length = q - p
    keep = length > 0.0
    edge, col, p, q, length = edge[keep], col[keep], p[keep], q[keep], length[keep]
    vp = va[edge] + (p - ua[edge]) * slope[edge]
    vq = va[edge] + (q - ua[edge]) * slope[edge]
    # Clamp v to the window: what lies above row 0 or below the last row contributes the
    # same as if it lay on the window's edge (cells outside the window are not asked for).
    # Q(Y) = ∫ max(v(u) − Y, 0) du over [p, q], for every grid line Y = 0 … nrows.
    grid = np.arange(nrows + 1, dtype=np.float64)
    fp = vp[:, None] - grid[None, :]
    fq = vq[:, None] - grid[None, :]
    both = (fp >= 0.0) & (fq >= 0.0)
    mixed = (fp > 0.0) != (fq > 0.0)
    top = np.maximum(fp, fq)
    gap = np.abs(fp - fq)
    q_area = np.where(both, 0.5 * (fp + fq), 0.0)
    q_area = np.where(mixed & ~both, 0.5 * top * top / np.where(gap > 0.0, gap, 1.0), q_area)
    q_area *= length[:, None]
    contribution = sign[edge][:, None] * (q_area[:, :-1] - q_area[:, 1:])  # (pairs, nrows)
    # Sum contributions per column.
    order = np.argsort(col, kind="stable")
    col_sorted = col[order]
    firsts = np.flatnonzero(np.r_[True, col_sorted[1:] != col_sorted[:-1]])
    sums = np.add.reduceat(contribution[order], firsts, axis=0)
    out[:, col_sorted[firsts]] = sums.T
    np.clip(out, 0.0, 1.0, out=out)
    return out


def weighted_stats(
    values: npt.ArrayLike,
    weights: FloatArray,
    *,
    nodata: float | None = None,
    threshold: float | None = None,
) -> ZonalStats:
    """Weighted mean, min/max of the touched cells, and weighted shares over/under a
    threshold; cells equal to ``nodata`` or NaN do not count."""
    data = np.asarray(values, dtype=np.float64)
    if data.shape != weights.shape:
        raise ValidationError(
            f"values {data.shape} and weights {weights.shape} differ in shape", "values", None
        )
    covered = float(weights.sum())
    valid = np.isfinite(data)
    if nodata is not None and not math.isnan(nodata):
        valid &= data != nodata
    w = np.where(valid, weights, 0.0)
    total = float(w.sum())
    if total <= 0.0:
        return ZonalStats(None, None, None, covered, 0.0)
    touched = w > 0.0
    mean = float((w * np.where(valid, data, 0.0)).sum() / total)
    share_over = share_under = None
    if threshold is not None:
        share_over = float(w[data > threshold].sum() / total)
        share_under = float(w[data < threshold].sum() / total)
    return ZonalStats(
        mean,
        float(data[touched].min()),
        float(data[touched].max()),
        covered,
        total,
        share_over,
        share_under,
    )


def zonal_stats(
    data: npt.ArrayLike,
    affine: Any,
    geometry: Any,
    *,
    nodata: float | None = None,
    threshold: float | None = None,
) -> ZonalStats:
    """Statistics of an in-memory raster band (``data`` with its affine transform) over a
    polygon given in the raster's CRS."""
    array = np.asarray(data)
    rings = pixel_rings(geometry, ~affine)
    window = footprint_window(rings, array.shape[0], array.shape[1])
    if window is None:
        return ZonalStats(None, None, None, 0.0, 0.0)
    weights = coverage_fractions(rings, window)
    block = array[
        window.row_off : window.row_off + window.height,
        window.col_off : window.col_off + window.width,
    ]
    return weighted_stats(block, weights, nodata=nodata, threshold=threshold)


def horn_slope(
    dem: npt.ArrayLike,
    cell_x: float | FloatArray,
    cell_y: float,
    *,
    nodata: float | None = None,
) -> FloatArray:
    """Slope in degrees by Horn's (1981) 3×3 method; the grid spacing in metres.

    ``cell_x`` may be one value per row (a geographic DEM whose east–west spacing shrinks with
    latitude). The border is padded by repeating the edge, so border cells see a one-sided
    difference; nodata cells and their neighbours come out NaN."""
    z = np.asarray(dem, dtype=np.float64)
    if z.ndim != 2 or min(z.shape) < 1:
        raise ValidationError(f"a DEM must be a 2-D grid, not shape {z.shape}", "dem", z.shape)
    if nodata is not None and not math.isnan(nodata):
        z = np.where(z == nodata, np.nan, z)
    zp = np.pad(z, 1, mode="edge")
    a, b, c = zp[:-2, :-2], zp[:-2, 1:-1], zp[:-2, 2:]
    d, f = zp[1:-1, :-2], zp[1:-1, 2:]
    g, h, i = zp[2:, :-2], zp[2:, 1:-1], zp[2:, 2:]
    cx = np.asarray(cell_x, dtype=np.float64)
    if cx.ndim == 1:
        cx = cx[:, None]
    dz_dx = ((c + 2.0 * f + i) - (a + 2.0 * d + g)) / (8.0 * cx)
    dz_dy = ((g + 2.0 * h + i) - (a + 2.0 * b + c)) / (8.0 * float(cell_y))
    return np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))


def zonal_stats_file(
    path: str,
    geometries: Iterable[Any],
    *,
    band: int = 1,
    threshold: float | None = None,
) -> list[ZonalStats]:
    """Statistics of a raster file over many polygons (in the raster's CRS): one window read
    per polygon, exact partial-cell weights."""
    import rasterio
    from rasterio.windows import Window as RioWindow

    results: list[ZonalStats] = []
    with rasterio.open(path) as ds:
        inverse = ~ds.transform
        nodata = ds.nodata
        for geometry in geometries:
            rings = pixel_rings(geometry, inverse)
            window = footprint_window(rings, ds.height, ds.width)
            if window is None:
                results.append(ZonalStats(None, None, None, 0.0, 0.0))
                continue
            weights = coverage_fractions(rings, window)
            block = ds.read(
                band, window=RioWindow(window.col_off, window.row_off, window.width, window.height)
            )
            results.append(weighted_stats(block, weights, nodata=nodata, threshold=threshold))
    return results
