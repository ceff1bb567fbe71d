"""Features under a point and in a box, and the attribute columns."""

from __future__ import annotations

from shapely.geometry import LineString, Point, box

from gis_carbon.geo.feature_index import FeatureIndex, degrees_around


def _index() -> FeatureIndex:
    return FeatureIndex.from_features(
        [
            (box(116.0, 38.0, 117.0, 39.0), {"名称": "大", "级别": "省级"}),
            (box(116.5, 38.5, 116.7, 38.7), {"名称": "小", "面积": 12}),
            (LineString([(116.0, 38.6), (117.0, 38.6)]), {"名称": "河"}),
            (Point(116.9, 38.9), {"编号": 7}),
        ]
    )


def test_stacked_polygons_and_a_nearby_line_are_all_found() -> None:
    index = _index()
    assert index.at(116.6, 38.6005, tolerance_m=100) == [0, 1, 2]  # the line is 55 m away
    assert index.at(116.6, 38.61, tolerance_m=100) == [0, 1]  # 1.1 km from the line
    assert index.at(116.6, 38.6005) == [0, 1]  # no tolerance: no line
    assert index.at(116.9, 38.9003, tolerance_m=50) == [0, 3]
    assert index.at(120.0, 30.0, tolerance_m=500) == []


def test_a_polygon_only_counts_when_it_contains_the_point() -> None:
    index = _index()
    # 50 m west of the small parcel's edge, inside the tolerance: not listed
    assert index.at(116.4994, 38.55, tolerance_m=100) == [0]


def test_box_and_columns() -> None:
    index = _index()
    assert index.in_box(116.55, 38.55, 116.65, 38.65) == [0, 1, 2]
    assert index.in_box(116.85, 38.85, 116.95, 38.95) == [0, 3]
    assert index.columns() == ["名称", "级别", "面积", "编号"]
    assert len(index) == 4
    assert len(FeatureIndex([], []).at(116, 38, 10)) == 0


def test_degrees_around() -> None:
    dlon, dlat = degrees_around(60.0, 1000.0)
    assert round(dlat, 5) == round(1000 / 110_574, 5)
    assert abs(dlon - 2 * 1000 / 111_320) < 1e-9
