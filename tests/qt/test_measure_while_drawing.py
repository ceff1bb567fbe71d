"""Lengths and areas while drawing (status bar), in the siting panel and in the form:
metres and kilometres, 亩 and hectares, measured in a local projected CRS."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from shapely.geometry import LineString, Polygon

from gis_carbon.geo.measure import measure
from gis_carbon.qt.canvas import Tool


def _idle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.busy() and window.canvas.is_current(), timeout=60_000)


def _hover(canvas, pos: QPoint) -> None:
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(pos),
        QPointF(canvas.mapToGlobal(pos)),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(canvas, event)


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"[\d,]+\.?\d*", text)]


def test_running_length_and_area_in_the_status_bar(layered_window, qtbot) -> None:
    window, canvas = layered_window, layered_window.canvas
    canvas.zoom_to_lonlat_bounds((116.74, 38.75, 116.90, 38.87))
    _idle(window, qtbot)
    label = window.measure_label

    window.set_tool(Tool.DRAW_LINE)
    a, b = canvas.screen_point(116.80, 38.80), canvas.screen_point(116.84, 38.80)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=a)
    _hover(canvas, b)  # the cursor is the running end of the line
    drawn = canvas.sketch_geometry()
    expected = measure(LineString(drawn.coords)).length_m
    assert 3_300 < expected < 3_600  # 0.04° of longitude at 38.8°N, about 3.47 km
    assert label.isVisible() and label.text().startswith("长度 ")
    assert label.text().endswith("千米")
    assert _numbers(label.text())[0] == pytest.approx(expected / 1000, abs=0.006)
    canvas.cancel_drawing()
    assert not label.isVisible()

    window.set_tool(Tool.DRAW_POLYGON)
    corners = [(116.80, 38.80), (116.84, 38.80), (116.84, 38.83)]
    for lon, lat in corners:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(lon, lat))
    _hover(canvas, canvas.screen_point(116.80, 38.83))
    sketch = canvas.sketch_geometry()
    assert isinstance(sketch, Polygon) and len(sketch.exterior.coords) == 5
    m = measure(sketch)
    # a 0.04° × 0.03° rectangle at 38.8°N: about 3.47 km × 3.33 km ≈ 11.6 km² ≈ 17,300 亩
    assert 16_500 < m.area_mu < 18_000
    text = label.text()
    assert text.startswith("面积 ") and "亩" in text and "公顷" in text and "周长" in text
    mu, ha, perimeter = _numbers(text)[:3]
    assert mu == pytest.approx(m.area_mu, abs=0.06)
    assert ha == pytest.approx(m.area_ha, abs=0.006)
    assert ha * 15 == pytest.approx(mu, rel=1e-3)
    assert perimeter == pytest.approx(m.length_km, abs=0.006)
    QApplication.processEvents()
    window.grab().save("/tmp/h18_measure_status.png")
    canvas.cancel_drawing()
    window.set_tool(Tool.PAN)


def test_siting_panel_and_form_give_the_area_in_mu_and_hectares(
    layered_window, qtbot, tmp_path
) -> None:
    window, canvas = layered_window, layered_window.canvas
    canvas.zoom_to_lonlat_bounds((116.74, 38.75, 116.90, 38.87))
    _idle(window, qtbot)
    window.set_tool(Tool.DRAW_POLYGON)
    corners = [(116.76, 38.76), (116.80, 38.76), (116.80, 38.80), (116.76, 38.80)]
    for lon, lat in corners:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(lon, lat))
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*corners[-1]))
    qtbot.waitUntil(lambda: window.project_form is not None, timeout=30_000)
    drawn = window._drawn_geometry
    m = measure(drawn)
    text = window.siting_panel.browser.toPlainText()
    assert text.startswith("占地面积: "), text
    mu, ha = _numbers(text.splitlines()[0])[:2]
    assert mu == pytest.approx(m.area_mu, rel=2e-3) and ha == pytest.approx(m.area_ha, rel=2e-3)
    # the polygon's north-east quarter lies in the red line: the overlap in 亩 and ha
    warning = next(line for line in text.splitlines() if "生态保护红线" in line)
    overlap_mu, overlap_ha = _numbers(warning.split("—")[1])[:2]
    assert overlap_mu == pytest.approx(m.area_mu / 4, rel=0.02)
    assert overlap_ha * 15 == pytest.approx(overlap_mu, rel=2e-3)
    assert "可用面积" in text
    form = window.project_form
    assert form.location.text().startswith("面积 ")
    assert _numbers(form.location.text())[0] == pytest.approx(m.area_mu, abs=0.06)
    window.grab().save(str(tmp_path / "siting.png"))
    window.grab().save("/tmp/h18_siting_panel.png")
    form.grab().save("/tmp/h18_form_area.png")
    form.reject()
