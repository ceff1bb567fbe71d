"""GCJ-02 / BD-09 conversions: published reference pairs, exact round trips, input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from gis_carbon.errors import CoordinateError
from gis_carbon.geo import chinese_coords as cc

GEOD = Geod(ellps="WGS84")

# Longitudes/latitudes well inside China's box, where GCJ-02 applies.
china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=54.0, allow_nan=False)


def metres_between(lon1, lat1, lon2, lat2) -> np.ndarray:
    _, _, distance = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(distance)


def test_wgs84_to_gcj02_matches_reference_pair_tiananmen():
    # eviltransform / coordtransform test pair.
    lon, lat = cc.wgs84_to_gcj02(116.397428, 39.90923)
    assert lon == pytest.approx(116.40366, abs=1e-4)
    assert lat == pytest.approx(39.91064, abs=1e-4)


def test_beijing_offset_is_a_few_hundred_metres():
    lon, lat = cc.wgs84_to_gcj02(116.397428, 39.90923)
    assert 400 < float(metres_between(116.397428, 39.90923, lon, lat)) < 700


def test_gcj02_to_bd09_matches_reference_pair():
    lon, lat = cc.gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.41036, abs=1e-4)
    assert lat == pytest.approx(39.92134, abs=1e-4)


def test_round_trips_on_a_grid_over_china_are_below_a_centimetre():
    lon, lat = np.meshgrid(np.linspace(73.0, 135.0, 125), np.linspace(18.0, 54.0, 73))
    back_lon, back_lat = cc.gcj02_to_wgs84(*cc.wgs84_to_gcj02(lon, lat))
    assert metres_between(lon, lat, back_lon, back_lat).max() < 0.01
    fwd_lon, fwd_lat = cc.wgs84_to_gcj02(*cc.gcj02_to_wgs84(lon, lat))
    assert np.abs(fwd_lon - lon).max() < 1e-7
    assert np.abs(fwd_lat - lat).max() < 1e-7


def test_inverse_is_far_better_than_the_one_step_approximation():
    gcj_lon, gcj_lat = 116.40366, 39.91064
    f_lon, f_lat = cc.wgs84_to_gcj02(gcj_lon, gcj_lat)
    one_step = (2 * gcj_lon - f_lon, 2 * gcj_lat - f_lat)
    iterated = cc.gcj02_to_wgs84(gcj_lon, gcj_lat)
    one_step_error = metres_between(*cc.wgs84_to_gcj02(*one_step), gcj_lon, gcj_lat)
    iterated_error = metres_between(*cc.wgs84_to_gcj02(*iterated), gcj_lon, gcj_lat)
    assert one_step_error > 0.05
    assert iterated_error < 1e-3


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_wgs_gcj_wgs_round_trip(lon, lat):
    back = cc.gcj02_to_wgs84(*cc.wgs84_to_gcj02(lon, lat))
    assert float(metres_between(lon, lat, *back)) < 0.01


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj_wgs_gcj_round_trip_within_1e_7_degrees(lon, lat):
    again = cc.wgs84_to_gcj02(*cc.gcj02_to_wgs84(lon, lat))
    assert abs(again[0] - lon) < 1e-7
    assert abs(again[1] - lat) < 1e-7


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trips(lon, lat):
    assert float(metres_between(lon, lat, *cc.bd09_to_gcj02(*cc.gcj02_to_bd09(lon, lat)))) < 0.01
    assert float(metres_between(lon, lat, *cc.bd09_to_wgs84(*cc.wgs84_to_bd09(lon, lat)))) < 0.01


def test_wgs84_to_bd09_goes_through_gcj02():
    direct = cc.wgs84_to_bd09(116.397428, 39.90923)
    two_steps = cc.gcj02_to_bd09(*cc.wgs84_to_gcj02(116.397428, 39.90923))
    assert direct == pytest.approx(two_steps, abs=1e-12)


def test_points_outside_china_are_unchanged():
    assert cc.out_of_china(2.35, 48.85)
    assert not cc.out_of_china(116.4, 39.9)
    assert cc.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert cc.gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


def test_scalars_give_floats_and_arrays_give_arrays():
    lon, lat = cc.wgs84_to_gcj02(116.4, 39.9)
    assert isinstance(lon, float) and isinstance(lat, float)
    lons, lats = cc.gcj02_to_wgs84([116.4, 121.47], [39.9, 31.23])
    assert isinstance(lons, np.ndarray) and lons.shape == lats.shape == (2,)
    grid_lon, grid_lat = cc.wgs84_to_gcj02(np.full((2, 3), 116.4), 39.9)  # broadcasts
    assert grid_lon.shape == grid_lat.shape == (2, 3)
    empty = cc.gcj02_to_wgs84(np.array([]), np.array([]))
    assert empty[0].shape == (0,)
    assert cc.out_of_china(np.array([2.0, 116.0]), np.array([48.0, 39.0])).tolist() == [True, False]


@pytest.mark.parametrize(
    ("lon", "lat", "named"),
    [
        (math.nan, 39.9, "nan"),
        (116.4, math.inf, "inf"),
        (181.0, 39.9, "181"),
        (116.4, -90.5, "-90.5"),
        ([116.4, 116.5], [39.9, 95.0], "95"),
    ],
)
def test_bad_coordinates_are_rejected_naming_the_value(lon, lat, named):
    for convert in (cc.wgs84_to_gcj02, cc.gcj02_to_wgs84, cc.bd09_to_wgs84, cc.gcj02_to_bd09):
        with pytest.raises(CoordinateError, match=named):
            convert(lon, lat)


def test_non_numbers_are_rejected():
    with pytest.raises(CoordinateError):
        cc.wgs84_to_gcj02("east", 39.9)
