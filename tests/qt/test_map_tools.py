"""Map tools in the window: measuring a known square, the search box, copying coordinates,
exporting the view at a DPI, zoom to selection."""

from __future__ import annotations

import re

import pytest
from pyproj import Geod
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication

from gis_carbon.geo.chinese_coords import wgs84_to_gcj02
from gis_carbon.qt.canvas import Tool

GEOD = Geod(ellps="WGS84")
CORNER = (116.90, 38.90)  # 静海区


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*\.?\d*", text)]


def _square_km() -> list[tuple[float, float]]:
    """The corners of a 1 km × 1 km square: geodesic steps east and north of CORNER."""
    lon0, lat0 = CORNER
    east_lon, east_lat, _ = GEOD.fwd(lon0, lat0, 90, 1000)
    north_lon, north_lat, _ = GEOD.fwd(lon0, lat0, 0, 1000)
    ne_lon, ne_lat, _ = GEOD.fwd(east_lon, east_lat, 0, 1000)
    return [(lon0, lat0), (east_lon, east_lat), (ne_lon, ne_lat), (north_lon, north_lat)]


def _move(canvas, pos: QPoint) -> None:
    QApplication.sendEvent(
        canvas,
        QMouseEvent(
            QMouseEvent.Type.MouseMove,
            QPointF(pos),
            QPointF(canvas.mapToGlobal(pos)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        ),
    )


def test_measuring_a_square_kilometre(window, qtbot) -> None:
    canvas = window.canvas
    for dock in window.docks.values():
        dock.hide()  # a larger map: a click's rounding is a smaller share of the side
    qtbot.waitUntil(lambda: canvas.height() > 600)
    corners = _square_km()
    lons, lats = [c[0] for c in corners], [c[1] for c in corners]
    canvas.zoom_to_lonlat_bounds((min(lons), min(lats), max(lons), max(lats)))
    assert window.wait_until_idle(60_000)
    assert canvas.view.ground_resolution() < 3.0  # a pixel is under 3 m: clicks within 0.3 %

    window.map_tools.measure_actions["area"].trigger()
    assert canvas.tool == Tool.MEASURE
    points = [canvas.screen_point(lon, lat) for lon, lat in corners]
    for point in points[:-1]:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point)
    _move(canvas, points[-1])
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    tool = window.map_tools.measure
    assert tool.finished and len(tool.vertices) == 4

    text = window.measure_label.text()
    assert window.measure_label.isVisible() and text.startswith("面积 ")
    assert "亩" in text and "公顷" in text and "平方千米" in text
    mu, ha, km2, perimeter = _numbers(text)[:4]
    assert mu == pytest.approx(1500, rel=0.005)
    assert ha == pytest.approx(100, rel=0.005)
    assert km2 == pytest.approx(1.0, rel=0.005)
    assert perimeter == pytest.approx(4.0, rel=0.005)
    assert text.endswith("千米")
    assert tool.text == text  # the same text is drawn on the map by the last vertex

    # Distance: two clicks along the square's south edge, double-click ends: ~1 km.
    window.map_tools.measure_actions["distance"].trigger()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=points[0])
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=points[1])
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=points[1])
    text = window.measure_label.text()
    assert text.startswith("距离 ") and text.endswith("千米")
    assert _numbers(text)[0] == pytest.approx(1.0, abs=0.005)

    # Another tool ends measuring and clears its text.
    window.set_tool(Tool.PAN)
    assert not window.measure_label.isVisible()


def test_search_zooms_to_a_region(window, qtbot) -> None:
    canvas = window.canvas
    window.zoom_full()
    assert window.wait_until_idle(60_000)
    search = window.map_tools.search
    assert search.isVisible() and search.y() < canvas.mapTo(window, QPoint(0, 0)).y()
    search.edit.insert("静海")  # QTest.keyClicks aborts on characters outside Latin-1
    shown = search.model.stringList()
    assert any(s.startswith("静海区 — 区县") for s in shown)
    qtbot.keyClick(search.edit, Qt.Key.Key_Return)

    code = next(c for c, n in window.region_names.items() if n == "静海区")
    minx, miny, maxx, maxy = window._region_bounds(code)
    vx0, vy0, vx1, vy1 = canvas.view.extent
    assert vx0 <= minx and vy0 <= miny and vx1 >= maxx and vy1 >= maxy
    assert (maxx - minx) > 0.6 * (vx1 - vx0) or (maxy - miny) > 0.6 * (vy1 - vy0)

    # Picking the entry in the completer's list does the same.
    window.zoom_full()
    entry = next(s for s in shown if s.startswith("静海区 — 区县"))
    search.completer.activated.emit(entry)
    vx0, vy0, vx1, vy1 = canvas.view.extent
    assert vx0 <= minx and vy0 <= miny and vx1 >= maxx and vy1 >= maxy
    assert (maxx - minx) > 0.6 * (vx1 - vx0) or (maxy - miny) > 0.6 * (vy1 - vy0)


def test_search_finds_a_project_and_selects_it(window, qtbot) -> None:
    canvas = window.canvas
    pid, project = next(iter(sorted(canvas.projects.items())))
    search = window.map_tools.search
    assert search.go(project.name)
    assert canvas.selected == {pid}
    x, y = canvas.view.lonlat_to_screen(*project.lonlat)
    assert 0 <= x <= canvas.width() and 0 <= y <= canvas.height()
    assert not search.go("没有这个地方")
    assert window.statusBar().currentMessage() == "未找到“没有这个地方”"


def test_copy_coordinates_from_the_context_menu(window, qtbot) -> None:
    from gis_carbon.qt.map_tools import coordinate_menu

    canvas = window.canvas
    canvas.zoom_to_lonlat_bounds((116.8, 38.8, 117.0, 39.0))
    pos = canvas.screen_point(116.93, 38.91)
    lon, lat = canvas.lonlat_at(pos)
    assert abs(lon - 116.93) < 0.001 and abs(lat - 38.91) < 0.001
    assert canvas.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    menu = coordinate_menu(canvas, pos)
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == f"复制坐标（WGS 84）：{lon:.6f}, {lat:.6f}"
    menu.actions()[0].trigger()
    assert QGuiApplication.clipboard().text() == f"{lon:.6f}, {lat:.6f}"
    glon, glat = wgs84_to_gcj02(lon, lat)
    menu.actions()[1].trigger()
    assert QGuiApplication.clipboard().text() == f"{glon:.6f}, {glat:.6f}"
    assert 0.004 < glon - lon < 0.008  # GCJ-02's offset near Tianjin: some 500 m east


def test_export_view_at_300_dpi(window, qtbot, tmp_path) -> None:
    from pypdf import PdfReader

    from gis_carbon.qt.map_tools import ExportViewDialog

    canvas = window.canvas
    window.zoom_to_plan()
    assert window.wait_until_idle(60_000)
    width, height = canvas.width(), canvas.height()

    dialog = ExportViewDialog(canvas, window, str(tmp_path))
    assert dialog.dpi.currentData() == 300
    expected = (round(width * 300 / 96), round(height * 300 / 96))
    assert dialog.size_note.text() == f"{expected[0]} × {expected[1]} px"
    dialog.path.setText(str(tmp_path / "view.png"))
    dialog.accept()
    image = QImage(str(tmp_path / "view.png"))
    assert (image.width(), image.height()) == expected
    assert round(image.dotsPerMeterX() * 0.0254) == 300
    colours = {
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 97)
        for y in range(0, image.height(), 89)
    }
    assert len(colours) > 3  # boundaries and fills, not a blank page

    dialog = ExportViewDialog(canvas, window, str(tmp_path))
    dialog.path.setText(str(tmp_path / "view.pdf"))
    dialog.accept()
    reader = PdfReader(tmp_path / "view.pdf")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(width / 96 * 72, abs=1.5)
    assert float(box.height) == pytest.approx(height / 96 * 72, abs=1.5)

    dialog = ExportViewDialog(canvas, window, str(tmp_path))
    dialog.path.setText(str(tmp_path / "view.tif"))
    dialog.accept()  # one line in the status bar, the dialog stays open
    assert dialog.written is None and "view.tif" in window.statusBar().currentMessage()


def test_zoom_to_selection_covers_a_user_layer_feature(layered_window, qtbot) -> None:
    window, canvas = layered_window, layered_window.canvas
    window.zoom_full()
    canvas.set_feature_selection("user:redline", {1})
    assert canvas.feature_selection["user:redline"] == {1}  # 团泊洼: 116.84–116.88°E, 38.82–38.86°N
    window.action_table["zoom_selection"].trigger()
    west, north = canvas.view.screen_to_lonlat(0, 0)
    east, south = canvas.view.screen_to_lonlat(canvas.width(), canvas.height())
    assert west <= 116.84 and east >= 116.88 and south <= 38.82 and north >= 38.86
    assert east - west < 0.2
