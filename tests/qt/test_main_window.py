"""The desktop app driven like a user: simulated clicks and typing, offscreen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from gis_carbon.qt.canvas import Tool

REPO = Path(__file__).resolve().parents[2]
YANZHUANG_GCJ = (116.832979, 38.815994)  # 沿庄镇 as Amap gives it
RENEWABLES = "可再生能源电力装机容量"


def _yanzhuang_wgs84() -> tuple[float, float]:
    from gis_carbon.geo.chinese_coords import gcj02_to_wgs84

    lon, lat = gcj02_to_wgs84(*YANZHUANG_GCJ)
    return float(lon), float(lat)


def _renewables(window):
    matches = [
        p
        for p in window.progress
        if p.target.name_zh.endswith(RENEWABLES) and p.target.region_code == "120118"
    ]
    assert len(matches) == 1
    return matches[0]


def _settle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.busy(), timeout=60_000)
    assert window.wait_until_idle(60_000)


def _focus(window, qtbot) -> None:
    """The window active with the canvas focused, as after a click: shortcuts reach it."""
    window.activateWindow()
    window.raise_()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.canvas.setFocus()


def _fill_form(form, qtbot, *, name: str, type_code: str, capacity: str, year: str) -> None:
    form.name.clear()
    form.name.insert(name)  # QTest.keyClicks aborts on characters outside Latin-1
    form.type.setCurrentIndex(form.type.findData(type_code))
    form.capacity.clear()
    qtbot.keyClicks(form.capacity, capacity)
    form.status.setCurrentIndex(form.status.findData("planned"))
    qtbot.keyClicks(form.year, year)


def test_place_a_wind_farm_in_yanzhuang_then_undo(window, qtbot) -> None:
    ws = window.ws
    before = ws.count_projects()
    row = window.targets_panel.rows[_renewables(window).target.id]
    assert row.value.text().startswith("500 / 2800 MW")

    lon, lat = _yanzhuang_wgs84()
    window.set_tool(Tool.PLACE_POINT)
    pos = window.canvas.screen_point(lon, lat)
    assert window.canvas.rect().contains(pos)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.project_form is not None, timeout=30_000)
    form = window.project_form
    _fill_form(form, qtbot, name="沿庄风电场", type_code="wind", capacity="300 MW", year="2025")
    assert form.validate(), form.message.text()
    qtbot.mouseClick(form.buttons.button(form.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    _settle(window, qtbot)  # edits run on the workspace worker

    assert ws.count_projects() == before + 1
    stored = [p for p in ws.projects() if p.name == "沿庄风电场"]
    assert len(stored) == 1
    project = stored[0]
    assert (project.type, project.capacity, project.year) == ("wind", 300.0, 2025)
    assert project.regions.county == "120118"
    # the click landed within a pixel of 沿庄镇
    assert project.lonlat[0] == pytest.approx(lon, abs=window.canvas.view.resolution / 80_000)
    _settle(window, qtbot)
    assert _renewables(window).current == pytest.approx(800.0)
    assert window.targets_panel.value_text(_renewables(window).target.id).startswith(
        "800 / 2800 MW"
    )
    assert project.id in window.canvas.selected  # the new project is selected on the map

    _focus(window, qtbot)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    _settle(window, qtbot)
    assert ws.count_projects() == before  # the shortcut itself undid it
    assert _renewables(window).current == pytest.approx(500.0)
    assert window.targets_panel.value_text(_renewables(window).target.id).startswith(
        "500 / 2800 MW"
    )
    assert [h.action for h in ws.history(project.id)] == ["insert", "delete"]

    window.action_table["redo"].trigger()
    _settle(window, qtbot)
    assert _renewables(window).current == pytest.approx(800.0)


def test_the_form_refuses_a_comma_decimal_capacity(window, qtbot) -> None:
    lon, lat = _yanzhuang_wgs84()
    window.set_tool(Tool.PLACE_POINT)
    qtbot.mouseClick(
        window.canvas, Qt.MouseButton.LeftButton, pos=window.canvas.screen_point(lon, lat)
    )
    qtbot.waitUntil(lambda: window.project_form is not None, timeout=30_000)
    form = window.project_form
    _fill_form(form, qtbot, name="试验", type_code="wind", capacity="12,5 MW", year="2025")
    ok = form.buttons.button(form.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    assert "12,5" in form.message.text()
    before = window.ws.count_projects()
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert window.ws.count_projects() == before
    form.capacity.clear()
    qtbot.keyClicks(form.capacity, "12.5 MW")
    assert ok.isEnabled() and form.message.text() == ""


def test_draw_a_polygon_with_backspace_and_double_click(window, qtbot) -> None:
    lon, lat = _yanzhuang_wgs84()
    canvas = window.canvas
    window.set_tool(Tool.DRAW_POLYGON)
    centre = canvas.screen_point(lon, lat)
    corners = [QPoint(-40, -30), QPoint(40, -30), QPoint(60, 0), QPoint(40, 30)]
    for offset in corners:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=centre + offset)
    assert len(canvas.vertices) == 4
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)  # the stray fourth vertex goes
    assert len(canvas.vertices) == 3
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(-40, 30))
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=centre + QPoint(-40, 30))
    qtbot.waitUntil(lambda: window.project_form is not None, timeout=30_000)
    form = window.project_form
    assert form.drawn_geometry.geom_type == "Polygon"
    assert len(form.drawn_geometry.exterior.coords) == 5  # four corners, closed
    _fill_form(
        form, qtbot, name="沿庄地面光伏", type_code="pv_ground", capacity="50 MW", year="2026"
    )
    qtbot.mouseClick(form.buttons.button(form.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    _settle(window, qtbot)
    stored = [p for p in window.ws.projects() if p.name == "沿庄地面光伏"]
    assert len(stored) == 1 and stored[0].geometry.geom_type == "Polygon"
    assert stored[0].geometry.contains(
        __import__("shapely.geometry", fromlist=["Point"]).Point(lon, lat)
    )


def test_escape_cancels_a_drawing(window, qtbot) -> None:
    canvas = window.canvas
    window.set_tool(Tool.DRAW_LINE)
    for x in (300, 360, 420):
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, 300))
    assert len(canvas.vertices) == 3
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.vertices == [] and window.project_form is None


def test_the_panel_shows_the_same_numbers_as_the_cli_status(window, qtbot) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gis_carbon.cli",
            "--workspace",
            str(window.ws.path),
            "status",
            "--plan",
            "静海区",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    cli = {row["target_id"]: row for row in json.loads(result.stdout)}
    shown = {p.target.id: p for p in window.progress}
    assert set(shown) == set(cli)
    compared = 0
    for target_id, progress in shown.items():
        row = cli[target_id]
        value = (
            row.get("pipeline", row).get("current")
            if isinstance(row.get("pipeline"), dict)
            else None
        )
        value = value if value is not None else row.get("current")
        if progress.current is None:
            continue
        assert progress.current == pytest.approx(value), target_id
        compared += 1
    assert compared >= 3
    renewables = cli[_renewables(window).target.id]
    assert renewables["target_value"] == pytest.approx(2800.0)


def test_selecting_on_the_map_selects_the_table_row(window, qtbot) -> None:
    project = window.ws.projects(plan_id="jinghai")[0]
    canvas = window.canvas
    window.set_tool(Tool.IDENTIFY)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*project.lonlat))
    assert project.id in canvas.selected
    assert project.id in window.projects_panel.selected_ids()
    assert window.properties_panel.project_id in canvas.selected


def test_choosing_a_target_highlights_its_projects(window, qtbot) -> None:
    progress = _renewables(window)
    window.targets_panel.choose(progress.target.id)
    assert window.canvas.highlighted == frozenset(pid for pid, _ in progress.contributors)
    assert len(window.canvas.highlighted) == 7  # the seven named generation projects


def test_every_ui_string_has_a_chinese_translation(window) -> None:
    from gis_carbon.qt import i18n

    assert not i18n.missing, sorted(i18n.missing)


def test_add_edit_move_then_ctrl_z_three_times_and_back(window, qtbot) -> None:
    """The issue's acceptance: every undo and redo by its shortcut alone."""
    ws = window.ws
    before = ws.count_projects()
    lon, lat = _yanzhuang_wgs84()
    lon += 0.04  # east of the town point, where a seeded wind farm already stands
    window.set_tool(Tool.PLACE_POINT)
    qtbot.mouseClick(
        window.canvas, Qt.MouseButton.LeftButton, pos=window.canvas.screen_point(lon, lat)
    )
    qtbot.waitUntil(lambda: window.project_form is not None, timeout=30_000)
    form = window.project_form
    _fill_form(form, qtbot, name="沿庄风电场", type_code="wind", capacity="300 MW", year="2025")
    qtbot.mouseClick(form.buttons.button(form.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    _settle(window, qtbot)
    (added,) = [p for p in ws.projects() if p.name == "沿庄风电场"]

    window.edit_project_dialog(added.id)  # edit: 300 → 450 MW through the form
    qtbot.waitUntil(lambda: window.project_form is not None, timeout=30_000)
    form = window.project_form
    form.capacity.clear()
    qtbot.keyClicks(form.capacity, "450 MW")
    qtbot.mouseClick(form.buttons.button(form.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    _settle(window, qtbot)
    assert ws.get_project(added.id).capacity == 450.0

    window.set_tool(Tool.MOVE)  # move: drag the point 120 px west
    start = window.canvas.screen_point(*added.lonlat)
    end = start + QPoint(-120, 0)
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 7):
        qtbot.mouseMove(window.canvas, start + QPoint(-20 * step, 0))
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    _settle(window, qtbot)
    final = ws.get_project(added.id)
    assert final.lonlat[0] < added.lonlat[0] and final.capacity == 450.0

    _focus(window, qtbot)
    for _ in range(3):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        _settle(window, qtbot)
    assert ws.count_projects() == before
    assert not any(p.name == "沿庄风电场" for p in ws.projects())
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    for _ in range(3):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, redo)
        _settle(window, qtbot)
    back = ws.get_project(added.id)
    assert (back.name, back.capacity) == ("沿庄风电场", 450.0)
    assert back.lonlat == pytest.approx(final.lonlat)
    assert back.regions.county == final.regions.county
