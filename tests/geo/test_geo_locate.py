"""Locating points and geometries in counties with real boundaries."""

from __future__ import annotations

import geopandas
import numpy as np
import pytest
import shapely

from gis_carbon.errors import CoordinateError
from gis_carbon.geo import boundaries as b
from gis_carbon.geo.chinese_coords import gcj02_to_wgs84
from gis_carbon.geo.crs import equal_area_crs
from gis_carbon.geo.locate import RegionIndex, default_index

# Town centres of 静海区 as published on GCJ-02 web maps.
JINGHAI_TOWNS_GCJ02 = {
    "大邱庄镇": (117.064482, 38.832921),
    "唐官屯镇": (116.910009, 38.708338),
    "中旺镇": (117.136666, 38.637776),
    "沿庄镇": (116.832979, 38.815994),
    "王口镇": (116.76028, 38.93356),
}


def test_tianjin_west_station_is_in_hongqiao(county_index):
    assert county_index.locate_point(117.16111, 39.15722) == "120106"
    chain = county_index.chain("120106")
    assert [r.code for r in chain] == ["120000", "120106"]
    assert [r.name for r in chain] == ["天津市", "红桥区"]


def test_jinghai_towns_converted_from_gcj02_are_in_jinghai(county_index):
    gcj = np.array(list(JINGHAI_TOWNS_GCJ02.values()))
    lons, lats = gcj02_to_wgs84(gcj[:, 0], gcj[:, 1])
    assert county_index.locate_points(lons, lats).tolist() == ["120118"] * len(gcj)


def test_jinshi_county_level_city(county_index):
    assert county_index.locate_point(111.874722, 29.633333) == "430781"
    assert [r.code for r in county_index.chain("430781")] == ["430000", "430700", "430781"]


def test_point_in_the_sea_is_outside(county_index):
    assert county_index.locate_point(125.0, 30.0) is None
    assert county_index.locate_points([125.0], [30.0]).tolist() == [""]
    assert county_index.locate_geometry(shapely.Point(125.0, 30.0)) == (None, {})


def test_locate_points_keeps_shape_and_accepts_scalars(county_index):
    grid = county_index.locate_points(np.full((2, 2), 117.16111), np.full((2, 2), 39.15722))
    assert grid.shape == (2, 2) and (grid == "120106").all()
    assert county_index.locate_points(117.16111, 39.15722).tolist() == "120106"
    assert county_index.locate_points([], []).shape == (0,)


def test_agrees_with_strtree_contains_on_random_points(county_index, boundary_cache):
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(115.0, 119.0, 20_000), rng.uniform(37.0, 41.0, 20_000)
    ours = county_index.locate_points(lons, lats)
    counties = b.boundaries("county")
    tree = shapely.STRtree(shapely.points(lons, lats))
    pairs = tree.query(np.asarray(counties.geometry.values), predicate="contains")
    expected = np.full(len(lons), "", dtype=object)
    expected[pairs[1]] = counties["code"].to_numpy()[pairs[0]]
    assert (ours == expected.astype(str)).all()


def test_shared_boundary_vertex_goes_to_the_lowest_code(county_index):
    hongqiao = b.region_geometry("120106")
    nanjing = b.region_geometry("120104")  # 南开区 borders 红桥区
    shared = shapely.intersection(
        shapely.MultiPoint(shapely.get_coordinates(hongqiao)),
        shapely.MultiPoint(shapely.get_coordinates(nanjing)),
    )
    vertex = shapely.get_coordinates(shared)[0]
    assert hongqiao.intersects(shapely.Point(vertex)) and nanjing.intersects(shapely.Point(vertex))
    located = {county_index.locate_point(*vertex) for _ in range(3)}
    assert located == {"120104"}
    # The same answer whatever else is in the batch.
    batch = county_index.locate_points([117.16111, vertex[0]], [39.15722, vertex[1]])
    assert batch.tolist() == ["120106", "120104"]


def test_polygon_straddling_two_counties(county_index):
    # A box over the 红桥区 / 南开区 border, mostly on the 红桥区 side, checked independently
    # with geopandas overlay areas in the equal-area CRS.
    hongqiao = b.region_geometry("120106")
    point = shapely.intersection(hongqiao.boundary, b.region_geometry("120104").boundary)
    anchor = shapely.get_coordinates(point)[len(shapely.get_coordinates(point)) // 2]
    box = shapely.box(anchor[0] - 0.001, anchor[1] - 0.001, anchor[0] + 0.001, anchor[1] + 0.001)

    primary, shares = county_index.locate_geometry(box)
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-6)
    assert {"120104", "120106"} <= set(shares)

    counties = b.boundaries("county", within="120000")
    pieces = geopandas.overlay(
        geopandas.GeoDataFrame(geometry=[box], crs=4326), counties, how="intersection"
    ).to_crs(equal_area_crs())
    whole = geopandas.GeoSeries([box], crs=4326).to_crs(equal_area_crs()).area[0]
    expected = dict(zip(pieces["code"], pieces.area / whole, strict=True))
    assert shares == pytest.approx(expected, abs=1e-6)
    assert primary == max(expected, key=expected.get)


def synthetic_index() -> RegionIndex:
    left = shapely.box(116.0, 39.0, 117.0, 40.0)
    right = shapely.box(117.0, 39.0, 118.0, 40.0)
    frame = geopandas.GeoDataFrame({"code": ["B", "A"]}, geometry=[right, left], crs=4326)
    return RegionIndex(frame)


def test_polygon_shares_by_area_on_synthetic_regions():
    index = synthetic_index()
    primary, shares = index.locate_geometry(shapely.box(116.7, 39.2, 117.7, 39.8))
    # Albers is equal-area and the split is along a meridian: shares are the width ratio.
    assert primary == "B"
    assert shares == pytest.approx({"A": 0.3, "B": 0.7}, abs=1e-5)


def test_line_shares_by_length_and_partly_outside():
    index = synthetic_index()
    primary, shares = index.locate_geometry(shapely.LineString([(116.5, 39.5), (117.5, 39.5)]))
    assert primary in ("A", "B") and shares == pytest.approx({"A": 0.5, "B": 0.5}, abs=1e-3)
    # 116.5–117 in A, 117–118 in B, 118–119.5 outside: shares are of the whole line.
    primary, shares = index.locate_geometry(shapely.LineString([(116.5, 39.5), (119.5, 39.5)]))
    assert primary == "B"
    assert shares == pytest.approx({"A": 1 / 6, "B": 1 / 3}, abs=2e-3)


def test_points_and_multipoints():
    index = synthetic_index()
    assert index.locate_geometry(shapely.Point(116.5, 39.5)) == ("A", {"A": 1.0})
    primary, shares = index.locate_geometry(
        shapely.MultiPoint([(116.5, 39.5), (117.5, 39.5), (117.6, 39.5), (120.0, 39.5)])
    )
    assert primary == "B" and shares == pytest.approx({"A": 0.25, "B": 0.5})


def test_locate_rejects_bad_input(county_index):
    with pytest.raises(CoordinateError, match="nan"):
        county_index.locate_points([117.0, float("nan")], [39.0, 39.0])
    with pytest.raises(CoordinateError, match="200"):
        county_index.locate_geometry(shapely.LineString([(117.0, 39.0), (200.0, 39.0)]))
    with pytest.raises(CoordinateError, match="empty"):
        county_index.locate_geometry(shapely.Polygon())
    with pytest.raises(CoordinateError):
        county_index.locate_geometry("POINT (1 2)")  # type: ignore[arg-type]


def test_default_index_is_cached(boundary_cache):
    assert default_index() is default_index()
    assert len(default_index()) == len(b.boundaries("county"))
