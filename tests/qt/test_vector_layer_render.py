"""User vector layers: paths built in one vectorised pass, tiny features drawn as dots."""

from __future__ import annotations

import numpy as np
import pytest
import shapely


@pytest.fixture
def qapp(qtbot):  # qtbot brings up the QApplication
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


MIXED = [
    "POLYGON ((117 39, 117.1 39, 117.1 39.1, 117 39.1, 117 39), "
    "(117.02 39.02, 117.05 39.02, 117.05 39.05, 117.02 39.02))",
    "MULTIPOLYGON (((117.2 39, 117.3 39, 117.3 39.1, 117.2 39)), "
    "((117.4 39, 117.5 39, 117.5 39.1, 117.4 39)))",
    "LINESTRING (117 38.9, 117.2 38.95, 117.4 38.9)",
    "MULTILINESTRING ((117 38.8, 117.1 38.8), (117.2 38.8, 117.3 38.85, 117.4 38.8))",
    "POINT (117.6 39)",
    "POLYGON EMPTY",
    "GEOMETRYCOLLECTION (POLYGON ((117.6 39.2, 117.7 39.2, 117.7 39.3, 117.6 39.2)), "
    "LINESTRING (117.6 39.4, 117.7 39.5))",
]


def test_feature_paths_match_one_at_a_time_paths(qapp) -> None:
    from gis_carbon.qt.geometry_cache import feature_paths, geometry_path

    geometries = [shapely.from_wkt(w) for w in MIXED] + [None]
    built = feature_paths(geometries)
    assert [item is None for item in built] == [False] * 4 + [True, True, False, True]
    for geometry, item in zip(geometries, built, strict=True):
        if item is None:
            continue
        path, areal = item
        expected, expected_areal = geometry_path(geometry)
        assert areal == expected_areal
        assert (
            path.elementCount() == expected.elementCount() == shapely.get_num_coordinates(geometry)
        )
        for k in range(path.elementCount()):
            got, want = path.elementAt(k), expected.elementAt(k)
            assert (got.type, got.x, got.y) == pytest.approx((want.type, want.x, want.y))
    # The hole is its own subpath: filled with the winding rule it stays empty.
    polygon_path = built[0][0]
    moves = [polygon_path.elementAt(k).isMoveTo() for k in range(polygon_path.elementCount())]
    assert sum(moves) == 2 and polygon_path.elementCount() == 9


def _render(data, extent, size=(400, 300)):
    from gis_carbon.model.map_state import LayerState, Viewport
    from gis_carbon.qt.render import Renderer, Scene

    scene = Scene(layers=[LayerState("parcels", "地块", "vector")], data={"parcels": data})
    view = Viewport(width=size[0], height=size[1]).fitted_lonlat(extent)
    return Renderer().render(scene, view, background="#ffffff"), view


def _green_pixels(image) -> int:
    from PySide6.QtGui import QColor

    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            colour = QColor(image.pixel(x, y))
            count += colour.green() > 120 and colour.red() < 90 and colour.blue() < 90
    return count


def test_parcels_seen_whole_are_dots_and_zoomed_in_are_shapes(qapp) -> None:
    from gis_carbon.qt.render import VectorLayerData

    rng = np.random.default_rng(3)
    x, y = rng.uniform(117.0, 117.4, 400), rng.uniform(39.0, 39.3, 400)
    parcels = shapely.buffer(shapely.points(x, y), 0.0015, quad_segs=4)  # ~300 m across
    data = VectorLayerData.from_features(
        [(p, {}) for p in parcels], {"stroke": "#00a000", "fill": "#ff00a000"}
    )
    assert data.paths and len(data.bboxes) == 400 and len(data.points) == 0

    # Seen whole (Tianjin in 400 px: a parcel is < 1 px): every parcel leaves a dot near its
    # centre, so the layer is not lost at small scales.
    image, view = _render(data, (116.7, 38.5, 118.1, 40.3))
    sx, sy = view.lonlat_to_screen(float(x[0]), float(y[0]))
    from PySide6.QtGui import QColor

    near = [
        QColor(image.pixel(int(sx) + dx, int(sy) + dy)).green()
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
    ]
    assert max(near) > 120
    dots = _green_pixels(image)
    assert 150 <= dots <= 400 * 9  # one dot per parcel, some overlapping; no big shapes

    # Zoomed in on one parcel: it is drawn as its shape, filling ~its area.
    lon, lat = float(x[0]), float(y[0])
    zoomed, _ = _render(data, (lon - 0.003, lat - 0.002, lon + 0.003, lat + 0.002))
    assert _green_pixels(zoomed) > 0.15 * 400 * 300
