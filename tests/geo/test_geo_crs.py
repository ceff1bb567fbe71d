"""CRS helpers: Gauss–Krüger zones, guessing, conversions, areas, approximate datums."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from gis_carbon.errors import CoordinateError
from gis_carbon.geo import chinese_coords
from gis_carbon.geo import crs as geo_crs

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize(
    ("lon", "zone3", "zone6"),
    [(117.0, 39, 20), (118.49, 39, 20), (118.5, 40, 20), (75.0, 25, 13), (135.0, 45, 23)],
)
def test_gauss_kruger_zone_numbers(lon, zone3, zone6):
    assert geo_crs.gk_zone_3deg(lon) == zone3
    assert geo_crs.gk_zone_6deg(lon) == zone6


def test_gk_crs_epsg_codes():
    assert geo_crs.gk_crs(25, 3, prefixed=True) == "EPSG:4513"
    assert geo_crs.gk_crs(45, 3, prefixed=True) == "EPSG:4533"
    assert geo_crs.gk_crs(25, 3, prefixed=False) == "EPSG:4534"
    assert geo_crs.gk_crs(39, 3, prefixed=False) == "EPSG:4548"  # CM 117°E
    assert geo_crs.gk_crs(45, 3, prefixed=False) == "EPSG:4554"
    assert geo_crs.gk_crs(13, 6, prefixed=True) == "EPSG:4491"
    assert geo_crs.gk_crs(23, 6, prefixed=True) == "EPSG:4501"
    assert geo_crs.gk_crs(13, 6, prefixed=False) == "EPSG:4502"
    assert geo_crs.gk_crs(23, 6, prefixed=False) == "EPSG:4512"


def test_gk_crs_names_match_pyproj():
    from pyproj import CRS

    assert CRS.from_user_input(geo_crs.gk_crs(39, 3, True)).name.endswith("zone 39")
    assert CRS.from_user_input(geo_crs.gk_crs(39, 3, False)).name.endswith("CM 117E")
    assert CRS.from_user_input(geo_crs.gk_crs(20, 6, True)).name.endswith("zone 20")
    assert CRS.from_user_input(geo_crs.gk_crs(20, 6, False)).name.endswith("CM 117E")


@pytest.mark.parametrize(("zone", "width"), [(24, 3), (46, 3), (12, 6), (39, 6), (39, 4)])
def test_gk_crs_rejects_zones_outside_china(zone, width):
    with pytest.raises(CoordinateError, match=str(zone) if width != 4 else "4"):
        geo_crs.gk_crs(zone, width, prefixed=True)


def test_guess_from_prefixed_eastings():
    assert geo_crs.guess_gk_crs(39_500_000) == "EPSG:4527"  # 3° zone 39
    assert geo_crs.guess_gk_crs(20_480_000.5) == "EPSG:4498"  # 6° zone 20
    with pytest.raises(CoordinateError, match="39"):
        geo_crs.guess_gk_crs(39_500_000, width=6)
    with pytest.raises(CoordinateError, match="50500000"):
        geo_crs.guess_gk_crs(50_500_000)


def test_guess_from_plain_easting_needs_the_zone():
    with pytest.raises(CoordinateError, match="zone") as caught:
        geo_crs.guess_gk_crs(500_000)
    assert "--crs" in str(caught.value)
    assert geo_crs.guess_gk_crs(500_000, zone=39) == "EPSG:4548"
    assert geo_crs.guess_gk_crs(500_000, 6, zone=20) == "EPSG:4509"
    with pytest.raises(CoordinateError, match="1234"):
        geo_crs.guess_gk_crs(1234)


def test_prefixed_and_plain_zone_39_give_the_same_place():
    prefixed = geo_crs.to_wgs84(39_500_000, 4_300_000, geo_crs.guess_gk_crs(39_500_000))
    plain = geo_crs.to_wgs84(500_000, 4_300_000, geo_crs.guess_gk_crs(500_000, zone=39))
    assert prefixed == pytest.approx(plain, abs=1e-12)
    assert prefixed[0] == pytest.approx(117.0, abs=1e-9)  # on the central meridian
    assert 38.5 < prefixed[1] < 39.0


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=74.0, max_value=134.0), st.floats(min_value=18.0, max_value=53.0))
def test_wgs_to_gauss_kruger_round_trip_below_a_millimetre(lon, lat):
    target = geo_crs.local_projected_crs(lon, lat)
    x, y = geo_crs.from_wgs84(lon, lat, target)
    back = geo_crs.to_wgs84(x, y, target)
    _, _, metres = GEOD.inv(lon, lat, *back)
    assert metres < 1e-3


def test_local_projected_crs_is_the_plain_3_degree_zone():
    assert geo_crs.local_projected_crs(117.2, 39.1) == "EPSG:4548"
    assert geo_crs.local_projected_crs(87.6, 43.8) == geo_crs.gk_crs(29, 3, prefixed=False)
    # Outside China's zones it falls back to UTM rather than failing.
    assert geo_crs.local_projected_crs(-70.0, -30.0) == "EPSG:32719"


def test_one_square_kilometre_keeps_its_area_in_albers():
    gk = geo_crs.gk_crs(39, 3, prefixed=False)
    square = shapely.box(480_000, 4_300_000, 481_000, 4_301_000)
    assert square.area == pytest.approx(1e6)
    # Densify so the curved edges in lon/lat are followed, then go GK → WGS 84 → Albers.
    dense = shapely.segmentize(square, 10.0)
    xy = shapely.get_coordinates(dense)
    lons, lats = geo_crs.to_wgs84(xy[:, 0], xy[:, 1], gk)
    ea_x, ea_y = geo_crs.from_wgs84(lons, lats, geo_crs.equal_area_crs())
    in_albers = shapely.Polygon(np.column_stack([ea_x, ea_y]))
    assert in_albers.area == pytest.approx(1e6, rel=0.005)


def test_equal_area_crs_is_albers_for_china():
    from pyproj import CRS

    parsed = CRS.from_user_input(geo_crs.equal_area_crs())
    assert parsed.is_projected
    assert "Albers" in parsed.coordinate_operation.method_name


def test_pseudo_crs_names_route_to_the_chinese_converters():
    gcj = chinese_coords.wgs84_to_gcj02(116.397428, 39.90923)
    assert geo_crs.to_wgs84(*gcj, "gcj02") == pytest.approx((116.397428, 39.90923), abs=1e-9)
    assert geo_crs.from_wgs84(116.397428, 39.90923, "GCJ-02") == pytest.approx(gcj)
    bd = geo_crs.from_wgs84(116.397428, 39.90923, "bd09")
    assert geo_crs.to_wgs84(*bd, "BD09") == pytest.approx((116.397428, 39.90923), abs=1e-9)


def test_cgcs2000_axis_order_is_lon_lat():
    lons, lats = geo_crs.to_wgs84(np.array([117.0, 121.5]), np.array([39.0, 31.2]), "EPSG:4490")
    assert lons == pytest.approx([117.0, 121.5], abs=1e-6)
    assert lats == pytest.approx([39.0, 31.2], abs=1e-6)


def test_conversion_errors_name_the_problem():
    with pytest.raises(CoordinateError, match="nan"):
        geo_crs.to_wgs84(float("nan"), 4_300_000, "EPSG:4548")
    with pytest.raises(CoordinateError, match="EPSG:999999"):
        geo_crs.to_wgs84(1.0, 2.0, "EPSG:999999")
    with pytest.raises(CoordinateError, match="200"):
        geo_crs.from_wgs84(200.0, 39.0, "EPSG:4548")
    with pytest.raises(CoordinateError, match="181"):
        geo_crs.gk_zone_3deg(181)


@pytest.mark.parametrize(
    "code",
    [
        "EPSG:4214",
        "EPSG:2401",
        "EPSG:2442",
        "EPSG:21413",
        "EPSG:21463",
        "EPSG:4610",
        "EPSG:2327",
        "EPSG:2390",
        2435,
    ],
)
def test_beijing_1954_and_xian_1980_are_approximate(code):
    assert geo_crs.is_approximate_datum(code)


@pytest.mark.parametrize("code", ["EPSG:4490", "EPSG:4548", "EPSG:4326", "EPSG:32650", "gcj02"])
def test_other_crs_are_not_approximate(code):
    assert not geo_crs.is_approximate_datum(code)


def test_approximate_datum_recognised_from_wkt_without_code():
    from pyproj import CRS

    # A home-made projection on the Beijing 1954 datum that EPSG cannot identify.
    wkt = (
        CRS.from_epsg(2435)
        .to_wkt()
        .replace('Longitude of natural origin",114,', 'Longitude of natural origin",114.25,')
        .replace(',ID["EPSG",2435]', "")
    )
    assert CRS.from_user_input(wkt).to_authority(min_confidence=100) is None
    assert geo_crs.is_approximate_datum(wkt)
