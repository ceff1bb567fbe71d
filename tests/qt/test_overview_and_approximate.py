"""The window as planners meet it (issue 15): the overview of every plan first, approximate
locations drawn as clusters that fan out, and the target chart in a dock of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt

HEADLINE = ("capacity_sum", "area_sum", "count")


@pytest.fixture
def open_window(seeded_path, qtbot, tmp_path):
    """open_window(plan) → a shown MainWindow on the seeded workspace copy, idle."""
    from PySide6.QtWidgets import QApplication

    from gis_carbon.qt import i18n
    from gis_carbon.qt.fonts import ensure_cjk_font
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    i18n.set_language("zh")
    family = ensure_cjk_font(QApplication.instance())
    opened = []

    def make(plan: str | None, settings: QSettings | None = None, show: bool = True):
        ws = open_workspace(seeded_path)
        settings = settings or QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(ws, plan=plan, settings=settings, font_family=family)
        qtbot.addWidget(win)
        opened.append((win, ws))
        if show:
            win.resize(1400, 900)
            win.show()
            assert win.wait_until_idle(60_000)
        return win

    yield make
    for win, ws in opened:
        for runner in win.runners:
            runner.wait(10_000)
        win.canvas.pool.waitForDone(10_000)
        ws.close()


def status_json(workspace: Path) -> list[dict]:
    """What `gis-carbon status --json` prints, from the real command."""
    done = subprocess.run(
        [sys.executable, "-m", "gis_carbon.cli", "--workspace", str(workspace), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# ---------------------------------------------------------------- overview
def test_overview_is_first_and_its_cards_equal_status_json(open_window, seeded_path, qtbot):
    win = open_window(None)
    assert win.central_tabs.currentWidget() is win.dashboard
    assert win.central_tabs.tabText(0) == "总览" and win.central_tabs.tabText(1) == "地图"
    qtbot.waitUntil(lambda: len(win.dashboard.cards) == 5, timeout=60_000)
    rows = status_json(seeded_path)
    by_plan: dict[str, list[dict]] = {}
    for row in rows:
        by_plan.setdefault(row["plan_id"], []).append(row)
    assert set(win.dashboard.cards) == set(by_plan) | {
        p.id for p in win.plans.values() if p.id not in by_plan
    }
    for plan_id, widget in win.dashboard.cards.items():
        mine = by_plan.get(plan_id, [])
        card = widget.card
        assert card.targets == len(mine)
        waiting = sum(r["verdict"] == "no_data" for r in mine)
        assert card.waiting_for_data == waiting
        assert widget.waiting_label.text() == f"{waiting} 项目标待录入数据"
        expected = [
            (
                r["name_zh"],
                r["year"],
                r["plan_value"],
                r["by_policy"]["operating"]["percent"],
                r["by_policy"]["pipeline"]["percent"],
            )
            for r in mine
            if r["metric"] in HEADLINE
        ]
        shown = [(h.name_zh, h.year, h.value, h.operating, h.pipeline) for h in card.headline]
        assert shown == expected
        assert (widget.bars is None) == (not expected)
    # concrete figures, as `status --json` gives them on the seeded workspace
    hongqiao = win.dashboard.cards["hongqiao"]
    assert (hongqiao.card.targets, hongqiao.card.waiting_for_data) == (20, 20)
    assert hongqiao.card.projects_by_status == {"planned": 14}
    assert hongqiao.status_label.text() == "项目：规划 14"
    jinghai = win.dashboard.cards["jinghai"].card
    first = jinghai.headline[0]
    assert (first.name_zh, first.value, first.unit, first.pipeline) == (
        "可再生能源电力装机容量",
        280.0,
        "万千瓦",
        17.9,
    )
    jinshi = next(w.card for w in win.dashboard.cards.values() if w.card.region_name == "津市市")
    assert jinshi.projects_by_status == {"planned": 32, "construction": 1}
    assert len(jinshi.headline) == 9 and jinshi.waiting_for_data == 32


def test_clicking_a_card_opens_its_plan_on_the_map(open_window, qtbot):
    win = open_window(None)
    qtbot.waitUntil(lambda: len(win.dashboard.cards) == 5, timeout=60_000)
    widget = next(w for w in win.dashboard.cards.values() if w.card.region_name == "津市市")
    win.dashboard.ensureWidgetVisible(widget)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert win.central_tabs.currentWidget() is win.map_page
    assert win.plan_id == widget.card.plan_id
    assert win.targets_panel.plan.currentData() == widget.card.plan_id
    assert win.wait_until_idle(60_000)
    lon, lat = win.canvas.view.screen_to_lonlat(win.canvas.width() / 2, win.canvas.height() / 2)
    assert 111.5 < lon < 112.3 and 29.2 < lat < 29.9  # 津市市, Hunan
    # and back to the overview from the map
    win.central_tabs.setCurrentIndex(0)
    assert win.central_tabs.currentWidget() is win.dashboard


def test_window_opens_maximised_then_as_the_user_left_it(open_window, tmp_path, qtbot):
    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    first = open_window("静海区", settings, show=False)
    first.show_as_left()
    qtbot.waitUntil(first.isMaximized)
    first.showNormal()
    qtbot.waitUntil(lambda: not first.isMaximized())
    # (the offscreen screen is 800 × 800, smaller than the window's minimum width: the
    # height shows the restored size, the width must stay what the user left too)
    first.resize(1010, 700)
    qtbot.waitUntil(lambda: first.height() == 700)
    left = (first.width(), first.height())
    assert left[0] >= 1000
    first.close()  # saves geometry and dock state
    second = open_window("静海区", settings, show=False)
    second.show_as_left()
    assert not second.isMaximized()
    # the offscreen screen clamps a restored width to its own; the height is restored as left
    assert second.height() == left[1] == 700
    assert second.width() >= second.minimumSizeHint().width()


# ---------------------------------------------------------------- approximate locations
def _hongqiao_spots(win) -> dict:
    """红桥区's approximate point projects grouped as the data places them: (lon, lat,
    precision) → their ids. The shipped seed puts them on the district's point and on the
    丁字沽 town point."""
    spots: dict = {}
    for p in win.canvas.projects.values():
        if p.plan_id == "hongqiao" and p.precision.value != "exact":
            lon, lat = p.lonlat
            spots.setdefault((round(lon, 6), round(lat, 6), p.precision), set()).add(p.id)
    return spots


def _spot_of(spots: dict, precision):
    """The one spot of the given precision: (lon, lat, precision), ids."""
    chosen = [(key, ids) for key, ids in spots.items() if key[2] is precision]
    assert len(chosen) == 1, spots
    return chosen[0]


def _group_of(win, ids: set[int]):
    """The canvas's group drawing exactly these projects (one spot, one group)."""
    groups = [g for g in win.canvas.approximate_groups() if set(g.ids) == ids]
    assert len(groups) == 1, [(g.count, g.ids) for g in win.canvas.approximate_groups()]
    return groups[0]


def _assert_cluster_drawn(canvas, group) -> None:
    """The frame shows the cluster's white disc at the spot, with the count in its middle."""
    inside = canvas.frame.pixelColor(round(group.x) - 9, round(group.y))
    assert min(inside.red(), inside.green(), inside.blue()) > 235, inside.name()
    middle = [
        canvas.frame.pixelColor(round(group.x) + dx, round(group.y) + dy)
        for dx in range(-3, 4)
        for dy in range(-5, 6)
    ]
    assert min(p.red() for p in middle) < 90, group.count  # the count's digits


def test_hongqiao_spots_are_approximate_clusters_that_fan_out(open_window, qtbot):
    """Each representative point of 红桥区 (the district's, the 丁字沽 town's) is one cluster
    of the projects placed there, inside a dashed ring of its precision's radius; a click
    fans it out into labelled members and folds it back."""
    import math

    from gis_carbon.model.types import PRECISION_RADIUS_M, Precision
    from gis_carbon.qt.approximate import FAN_OUT_RING_PX, PRECISION_INDEX

    win = open_window("红桥区")
    canvas = win.canvas
    hongqiao = {p.id for p in canvas.projects.values() if p.plan_id == "hongqiao"}
    spots = _hongqiao_spots(win)
    # every 红桥区 project is placed at a representative point: none of them is exact
    assert set().union(*spots.values()) == hongqiao
    district = _spot_of(spots, Precision.DISTRICT)
    town = _spot_of(spots, Precision.TOWN)
    assert len(spots) == 2 and len(district[1]) > 1 and len(town[1]) > 1
    assert PRECISION_RADIUS_M["district"] == 2 * PRECISION_RADIUS_M["town"] == 10_000
    data = canvas.data["projects"]
    canvas.render_now()
    for (_lon, lat, precision), ids in (district, town):
        group = _group_of(win, ids)
        assert group.is_cluster and not group.fanned and group.count == len(ids)
        assert group.precision is precision
        # the dashed ring is the precision's distance at this scale (Mercator: / cos(lat))
        expected_ring = (
            PRECISION_RADIUS_M[precision.value]
            / math.cos(math.radians(lat))
            / canvas.view.resolution
        )
        assert group.ring_px == pytest.approx(expected_ring, rel=1e-3)
        assert group.ring_px < FAN_OUT_RING_PX  # the plan's view is not zoomed in enough to fan
        # none of them is drawn as an exact symbol: the render model marks them approximate
        rows = [i for i, pid in enumerate(data.ids.tolist()) if pid in ids]
        assert len(rows) == len(ids)
        assert all(int(data.precision[i]) == PRECISION_INDEX[precision] for i in rows)
        _assert_cluster_drawn(canvas, group)
    # the town ring is half the district's: the two precisions are told apart on the map
    assert _group_of(win, town[1]).ring_px == pytest.approx(
        _group_of(win, district[1]).ring_px / 2, rel=1e-2
    )

    for _key, ids in (district, town):
        group = _group_of(win, ids)
        # a click fans it out: every member on its own spot, labelled, joined to the spot
        spot = QPoint(round(group.x), round(group.y))
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=spot)
        assert win.wait_until_idle(60_000)
        fanned = _group_of(win, ids)
        assert fanned.fanned and not fanned.is_cluster
        assert len(set(fanned.positions)) == len(ids)
        assert all(abs(x - fanned.x) > 20 for x, _y in fanned.positions)
        # the other spot stays one cluster
        others = [g for g in canvas.approximate_groups() if set(g.ids) != ids and g.count > 1]
        assert others and all(g.is_cluster for g in others)
        # each member of the fan is what a click on it picks, even where the fan passes over
        # the other spot's cluster: that cluster stays folded
        for pid, (x, y) in zip(fanned.ids, fanned.positions, strict=True):
            at = QPoint(round(x), round(y))
            assert canvas.project_at(at) == pid
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at)
            assert win.wait_until_idle(60_000)
            assert canvas.selected == {pid}
            assert _group_of(win, ids).fanned
            assert all(_group_of(win, set(g.ids)).is_cluster for g in others)
        # clicking the spot folds it back
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=spot)
        assert win.wait_until_idle(60_000)
        assert _group_of(win, ids).is_cluster


def test_zooming_in_fans_a_cluster_out_and_the_legend_shows_the_style(open_window):
    from gis_carbon.model.types import Precision
    from gis_carbon.qt.approximate import FAN_OUT_RING_PX

    win = open_window("红桥区")
    spots = _hongqiao_spots(win)
    district = _spot_of(spots, Precision.DISTRICT)[1]
    town = _spot_of(spots, Precision.TOWN)[1]
    group = _group_of(win, district)
    # zoomed in until the district's ring is wider than FAN_OUT_RING_PX: it fans out by itself
    factor = 1.05 * FAN_OUT_RING_PX / group.ring_px
    assert factor <= 2.0  # two zoom steps from the plan's view
    win.canvas.zoom_by(factor, (group.x, group.y))
    assert win.wait_until_idle(60_000)
    assert _group_of(win, district).fanned
    # the town's ring is half as wide: it needs twice that zoom
    town_group = _group_of(win, town)
    assert town_group.is_cluster and town_group.ring_px < FAN_OUT_RING_PX
    win.canvas.zoom_by(1.05 * FAN_OUT_RING_PX / town_group.ring_px, (town_group.x, town_group.y))
    assert win.wait_until_idle(60_000)
    assert _group_of(win, town).fanned
    group = _group_of(win, town)
    win.canvas.zoom_by(1 / 16, (group.x, group.y))
    assert win.wait_until_idle(60_000)
    assert _group_of(win, district).is_cluster and _group_of(win, town).is_cluster
    entries = dict(win.legend_panel.entries())
    projects = entries["项目"]
    total_approximate = sum(p.precision.value != "exact" for p in win.canvas.projects.values())
    assert f"近似位置：虚线圈为可能偏差范围（{total_approximate}）" in projects
    assert "同一代表点的多个项目：点击展开" in projects


# ---------------------------------------------------------------- chart dock
def test_chart_dock_full_size_copy_and_exports(open_window, seeded_path, tmp_path, qtbot):
    from PySide6.QtGui import QGuiApplication, QImage

    from gis_carbon.qt.chart_dock import export_chart

    win = open_window("津市市")
    assert not win.docks["chart"].isVisible()
    # a click on the targets panel's thumbnail opens the chart in its dock
    qtbot.mouseClick(win.targets_panel.chart, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(win.docks["chart"].isVisible)
    dock = win.docks["chart"]
    assert dock.isVisible() and dock.isFloating()
    assert dock.width() >= 0.8 * win.frameGeometry().width()
    view = win.chart_view
    assert view.image is not None and (view.image.width(), view.image.height()) == (1800, 1152)
    shown = view.picture.pixmap()
    assert shown.width() >= 1000  # scaled to the dock, readable — not a thumbnail
    # every target without data is listed, as status --json counts them
    waiting = [
        r
        for r in status_json(seeded_path)
        if r["plan_id"] == win.plan_id and r["verdict"] == "no_data"
    ]
    assert view.no_data.count() == len(waiting) == 32
    assert view.no_data.item(0).text().startswith(f"{waiting[0]['name_zh']} {waiting[0]['year']}")
    assert view.no_data_title.text() == "待录入数据的目标（32）：未绘入图表"
    qtbot.mouseClick(view.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (1800, 1152)

    png, svg = tmp_path / "chart.png", tmp_path / "chart.svg"
    export_chart(win, "png", png)
    assert win.wait_until_idle(120_000)
    export_chart(win, "svg", svg)
    assert win.wait_until_idle(120_000)
    assert win.chart_exported == svg
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1800, 1152)
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")
    assert "2030" in text and "2025" in text  # the target years are drawn (as text glyph ids
    # or as text: matplotlib writes glyph paths with the string in a comment)
    assert not list(tmp_path.glob("*.part"))


def test_many_approximate_projects_draw_as_hollow_dots(qtbot):
    """Above DETAIL_LIMIT approximate projects in view, each is a hollow dot (type colour
    around white), never a filled exact symbol; below it, a lone one is a stamped hollow
    symbol and several on one spot one cluster."""
    import numpy as np
    from PySide6.QtGui import QColor

    from gis_carbon.model.map_state import LayerState, Viewport, lonlat_to_world
    from gis_carbon.model.types import PROJECT_TYPES
    from gis_carbon.qt import approximate
    from gis_carbon.qt.render import ProjectLayerData, Renderer, Scene

    spots = 4000
    lon = 116.8 + (np.arange(spots) % 80) * 0.005
    lat = 38.8 + (np.arange(spots) // 80) * 0.008
    data = ProjectLayerData.from_arrays(lon, lat, np.zeros(spots, np.int64), np.ones(spots))
    data.precision = np.full(spots, 2, np.int8)  # town
    x0, y0 = lonlat_to_world(116.78, 38.78)
    x1, y1 = lonlat_to_world(117.22, 39.22)
    view = Viewport(width=1000, height=800).fitted((float(x0), float(y0), float(x1), float(y1)))
    layers = [LayerState("projects", "项目", "projects", "Projects")]
    image = Renderer().render(Scene(layers=layers, data={"projects": data}), view)
    assert len(approximate.visible(data.xy, data.precision, view)[0]) > approximate.DETAIL_LIMIT
    assert approximate.layout(data.ids, data.xy, data.precision, view) == []
    sx, sy = view.world_to_screen(data.xy[100, 0], data.xy[100, 1])
    centre = image.pixelColor(round(float(sx)), round(float(sy)))
    edge = image.pixelColor(round(float(sx)) + 3, round(float(sy)))
    assert centre == QColor("#ffffff"), centre.name()
    assert edge == QColor(PROJECT_TYPES[0].colour), edge.name()
