"""Exact partial-cell weights and Horn's slope against closed-form answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from affine import Affine

from gis_carbon.analysis.zonal import (
    coverage_fractions,
    footprint_window,
    horn_slope,
    pixel_rings,
    weighted_stats,
    zonal_stats,
    zonal_stats_file,
)
from gis_carbon.errors import ValidationError

AFFINE = Affine(10.0, 0.0, 1000.0, 0.0, -10.0, 5000.0)  # 10 m cells, 100 × 100 grid


def _weights(geometry):
    rings = pixel_rings(geometry, ~AFFINE)
    window = footprint_window(rings, 100, 100)
    assert window is not None
    return window, coverage_fractions(rings, window)


def test_rectangle_weights_are_the_exact_overlap_of_two_rectangles():
    # A rectangle cutting cells at 0.37 and 0.8 of their width: the weight of every cell is the
    # overlap of two rectangles, known in closed form.
    site = shapely.box(1003.7, 4402.0, 1058.0, 4437.5)
    window, weights = _weights(site)
    assert (window.col_off, window.row_off, window.width, window.height) == (0, 56, 6, 4)
    # Column 0 spans x 1000–1010: covered 1003.7–1010 = 6.3 m of 10 → 0.63;
    # row 56 spans y 4430–4440: covered 4430–4437.5 → 0.75.
    assert weights[0, 0] == pytest.approx(0.63 * 0.75, abs=1e-12)
    assert weights[2, 2] == pytest.approx(1.0, abs=1e-12)
    assert weights.sum() * 100.0 == pytest.approx(site.area, rel=1e-12)


def test_weights_match_cell_by_cell_intersection_for_polygons_with_holes_and_parts():
    rng = np.random.default_rng(5)
    for _ in range(40):
        cx, cy = rng.uniform(1200, 1800), rng.uniform(4200, 4800)
        outer = shapely.Point(cx, cy).buffer(
            rng.uniform(20, 150), quad_segs=int(rng.integers(1, 8))
        )
        geometry = outer.difference(shapely.Point(cx + 2, cy - 3).buffer(rng.uniform(1, 15)))
        geometry = shapely.union(geometry, shapely.box(cx + 160, cy, cx + 191.3, cy + 12.2))
        window, weights = _weights(geometry)
        rows, cols = np.mgrid[
            window.row_off : window.row_off + window.height,
            window.col_off : window.col_off + window.width,
        ]
        x0, y1 = 1000.0 + cols * 10.0, 5000.0 - rows * 10.0
        cells = shapely.box(x0, y1 - 10.0, x0 + 10.0, y1)
        expected = shapely.area(shapely.intersection(cells, geometry)) / 100.0
        np.testing.assert_allclose(weights, expected, atol=1e-9)


def test_weighted_mean_of_a_step_raster_is_the_covered_share():
    # West half of the grid (columns < 50, x < 1500) is 1, east half 0. A site from x = 1423.3
    # to 1611.1 has (1500 - 1423.3) / (1611.1 - 1423.3) of its area on the ones.
    data = np.zeros((100, 100))
    data[:, :50] = 1.0
    site = shapely.box(1423.3, 4211.7, 1611.1, 4388.8)
    stats = zonal_stats(data, AFFINE, site, threshold=0.5)
    share = (1500 - 1423.3) / (1611.1 - 1423.3)
    assert stats.mean == pytest.approx(share, abs=1e-12)
    assert stats.share_over == pytest.approx(share, abs=1e-12)
    assert (stats.min, stats.max) == (0.0, 1.0)


def test_nodata_cells_are_left_out():
    values = np.array([[1.0, -9999.0], [3.0, np.nan]])
    weights = np.array([[0.5, 1.0], [1.0, 1.0]])
    stats = weighted_stats(values, weights, nodata=-9999.0)
    assert stats.mean == pytest.approx((0.5 * 1 + 3) / 1.5)
    assert stats.valid_cells == pytest.approx(1.5)
    assert stats.covered_cells == pytest.approx(3.5)


def test_a_point_is_refused_with_its_type_named():
    with pytest.raises(ValidationError, match="Point"):
        pixel_rings(shapely.Point(1, 1), ~AFFINE)


@pytest.mark.parametrize("degrees", [10.0, 3.0, 35.0])
def test_slope_of_a_tilted_plane(degrees):
    # z = x·tan(θ) on a 30 m grid: Horn's method is exact for a plane.
    x = np.arange(40) * 30.0
    dem = np.tile(x * math.tan(math.radians(degrees)), (30, 1))
    slope = horn_slope(dem, 30.0, 30.0)
    np.testing.assert_allclose(slope[1:-1, 1:-1], degrees, atol=1e-9)


def test_slope_of_a_plane_tilted_along_both_axes_with_unequal_cells():
    a, b = 0.1, 0.25  # dz/dx, dz/dy (y grows downwards in the grid: sign does not matter)
    rows, cols = np.mgrid[0:20, 0:25]
    dem = a * cols * 20.0 + b * rows * 50.0
    slope = horn_slope(dem, 20.0, 50.0)
    np.testing.assert_allclose(
        slope[1:-1, 1:-1], math.degrees(math.atan(math.hypot(a, b))), atol=1e-9
    )


def test_zonal_stats_from_a_geotiff_matches_in_memory(tmp_path):
    import rasterio

    data = np.arange(100 * 100, dtype=np.float32).reshape(100, 100)
    path = tmp_path / "r.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=100,
        height=100,
        count=1,
        dtype="float32",
        crs="EPSG:4548",
        transform=AFFINE,
    ) as dst:
        dst.write(data, 1)
    sites = [shapely.Point(1300, 4600).buffer(77.7), shapely.box(1001, 4001, 1999, 4999)]
    from_file = zonal_stats_file(str(path), sites, threshold=5000)
    for site, stats in zip(sites, from_file, strict=True):
        expected = zonal_stats(data, AFFINE, site, threshold=5000)
        assert stats.mean == pytest.approx(expected.mean, rel=1e-9)
        assert stats.covered_cells * 100 == pytest.approx(site.area, rel=1e-9)
