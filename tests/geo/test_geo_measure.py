"""Lengths and areas measured in a local projected CRS agree with the geodesic values."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import LineString, Point, Polygon, box

from gis_carbon.geo.measure import M2_PER_HA, M2_PER_MU, format_length, measure

GEOD = Geod(ellps="WGS84")


def test_mu_and_hectare_constants() -> None:
    assert abs(M2_PER_MU - 666.67) < 0.01
    assert round(M2_PER_HA / M2_PER_MU, 9) == 15.0


def test_polygon_area_and_perimeter_match_the_geodesic_ones() -> None:
    parcel = box(116.90, 38.90, 116.92, 38.915)  # about 1.7 km × 1.7 km in 静海
    m = measure(parcel)
    area, perimeter = GEOD.geometry_area_perimeter(parcel)
    assert m.area_m2 == pytest.approx(abs(area), rel=1e-3)
    assert m.length_m == pytest.approx(perimeter, rel=1e-3)
    assert m.area_mu == pytest.approx(abs(area) / (2000 / 3), rel=1e-3)
    assert m.area_ha * 15 == pytest.approx(m.area_mu)
    assert m.crs.startswith("EPSG:45")  # a CGCS2000 Gauss–Krüger 3° zone, not degrees


def test_line_length_in_metres_not_degrees() -> None:
    line = LineString([(117.0, 39.0), (117.1, 39.0), (117.1, 39.05)])
    m = measure(line)
    assert m.area_m2 == 0.0
    assert m.length_m == pytest.approx(GEOD.geometry_length(line), rel=1e-3)
    assert 13_000 < m.length_m < 14_500  # 0.1° of longitude at 39°N ≈ 8.65 km, + 5.55 km


def test_points_and_empty_geometries_measure_zero() -> None:
    assert measure(Point(117, 39)).length_m == 0.0
    assert measure(Polygon()).area_m2 == 0.0
    assert measure(None).area_m2 == 0.0


def test_format_length() -> None:
    assert format_length(850.4) == "850 m"
    assert format_length(1234.0) == "1.23 km"
    assert format_length(12_345.0, "米", "千米") == "12.35 千米"
