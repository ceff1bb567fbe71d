"""The legend dock: the visible layers with their symbols, the project types on the map with
theirs, updated when layers are toggled, moved or recoloured."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gis_carbon.model.types import PROJECT_TYPES, TYPES_BY_CODE


def _idle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.busy() and window.canvas.is_current(), timeout=60_000)


def _layer_item(legend, title: str):
    for i in range(legend.tree.topLevelItemCount()):
        item = legend.tree.topLevelItem(i)
        if item.text(0) == title:
            return item
    raise AssertionError(f"{title} not in the legend: {legend.entries()}")


def _icon_pixel(item, x: int, y: int) -> QColor:
    return item.icon(0).pixmap(24, 18).toImage().pixelColor(x, y)


def _near(colour: QColor, expected: str, tolerance: int = 12) -> bool:
    want = QColor(expected)
    return colour.alpha() > 150 and all(
        abs(a - b) <= tolerance for a, b in zip(colour.getRgb()[:3], want.getRgb()[:3], strict=True)
    )


def _check(window, title: str, visible: bool) -> None:
    tree = window.layers_panel.tree
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item.text(0) == title:
            item.setCheckState(0, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
            return
    raise AssertionError(title)


def test_legend_lists_visible_layers_and_project_types_with_symbols(layered_window, qtbot) -> None:
    window = layered_window
    legend = window.legend_panel
    projects = window.ws.projects()
    counts = Counter(p.type for p in projects)
    entries = legend.entries()
    # the layer list's order, top first, in Chinese
    assert [title for title, _ in entries] == [
        "项目",
        "规划水系",
        "生态保护红线",
        "省级界线",
        "县级行政区",
    ]
    expected_types = [
        f"{t.name_zh} ({counts[t.code]})" for t in PROJECT_TYPES if counts.get(t.code)
    ]
    approximate = sum(p.precision.value != "exact" for p in projects)
    assert entries[0][1] == [
        *expected_types,
        f"近似位置：虚线圈为可能偏差范围（{approximate}）",
        "同一代表点的多个项目：点击展开",
    ]
    assert len(expected_types) >= 5  # the seed has wind, PV, storage, grid … projects
    assert sum(counts.values()) == len(projects)

    # each type's symbol is drawn in its colour
    projects_item = _layer_item(legend, "项目")
    for j in range(len(expected_types)):
        child = projects_item.child(j)
        colour = QColor(TYPES_BY_CODE[child.data(0, Qt.ItemDataRole.UserRole)].colour)
        centre = _icon_pixel(child, 12, 9)
        assert abs(centre.red() - colour.red()) < 30, (child.text(0), centre.name())
        assert abs(centre.green() - colour.green()) < 30 and abs(centre.blue() - colour.blue()) < 30

    # the exclusion layer: red outline, hatched (some interior pixels empty, some red);
    # the river layer: a line from corner to corner
    red = _layer_item(legend, "生态保护红线")
    assert _near(_icon_pixel(red, 2, 9), "#c0392b")
    interior = [_icon_pixel(red, x, 9).alpha() for x in range(5, 19)]
    assert 0 in interior and 255 in interior
    river = _layer_item(legend, "规划水系")
    assert _icon_pixel(river, 12, 9).alpha() > 200 and _icon_pixel(river, 3, 3).alpha() == 0

    # unchecking a layer drops it from the legend; checking it brings it back
    _check(window, "生态保护红线", False)
    assert "生态保护红线" not in [t for t, _ in legend.entries()]
    _check(window, "项目", False)
    assert [t for t, _ in legend.entries()] == ["规划水系", "省级界线", "县级行政区"]
    _check(window, "项目", True)
    _check(window, "生态保护红线", True)
    assert [t for t, _ in legend.entries()] == [t for t, _ in entries]

    # recolouring and moving follow too
    window._layer_colour("user:rivers", "#0055ff")
    assert _near(_icon_pixel(_layer_item(legend, "规划水系"), 12, 9), "#0055ff", 40)
    window._layer_order("user:rivers", 4)
    assert [t for t, _ in legend.entries()][-1] == "规划水系"

    window.docks["legend"].raise_()
    _idle(window, qtbot)
    window.grab().save("/tmp/h18_legend.png")
    legend.tree.scrollToBottom()
    legend.grab().save("/tmp/h18_legend_layers.png")


def test_legend_counts_follow_the_projects(layered_window, qtbot) -> None:
    window = layered_window
    before = dict(window.legend_panel.entries())["项目"]
    victim = window.ws.projects()[0]
    name = TYPES_BY_CODE[victim.type].name_zh
    window.delete_projects({victim.id})
    qtbot.waitUntil(lambda: victim.id not in window.canvas.projects, timeout=30_000)
    _idle(window, qtbot)
    after = dict(window.legend_panel.entries())["项目"]
    old = next(t for t in before if t.startswith(name + " ("))
    n = int(old.rsplit("(", 1)[1].rstrip(")"))
    assert (f"{name} ({n - 1})" in after) if n > 1 else all(not t.startswith(name) for t in after)
