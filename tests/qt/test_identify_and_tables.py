"""Identify over every visible layer, attribute tables of imported layers, and selection
shared between tables and the map (Shift-click, Select tool click and box)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from gis_carbon.qt.canvas import Tool


def _idle(window, qtbot) -> None:
    qtbot.waitUntil(lambda: not window.busy() and window.canvas.is_current(), timeout=60_000)


def _zoom(window, qtbot) -> None:
    window.canvas.zoom_to_lonlat_bounds((116.74, 38.75, 116.90, 38.87))
    _idle(window, qtbot)


def test_identify_lists_every_visible_layer_under_the_cursor(layered_window, qtbot) -> None:
    window, canvas = layered_window, layered_window.canvas
    _zoom(window, qtbot)
    window.set_tool(Tool.IDENTIFY)
    # inside both red-line parcels (they overlap there), in 静海区, 天津市
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(116.85, 38.83))
    panel = window.identify_panel
    assert panel.listing() == [
        ("生态保护红线 (2)", ["大港湿地", "团泊洼"]),
        ("省级界线 (1)", ["天津市"]),
        ("县级行政区 (1)", ["静海区"]),
    ]
    assert panel.fields_of(0, 0) == {"名称": "大港湿地", "面积_公顷": "3100", "级别": "省级"}
    assert panel.fields_of(0, 1)["级别"] == "市级"
    assert panel.fields_of(2, 0) == {"行政区划代码": "120118", "名称": "静海区"}
    assert panel.summary.text() == "3 个图层中的 4 个要素"
    assert window.docks["identify"].isVisible()

    # a hidden layer is not identified
    window._layer_visibility("user:redline", False)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(116.85, 38.83))
    assert [t for t, _ in panel.listing()] == ["省级界线 (1)", "县级行政区 (1)"]
    window._layer_visibility("user:redline", True)

    # a line within a few pixels, and a project with its attributes
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(116.75, 38.8503))
    assert panel.listing()[0] == ("规划水系 (1)", ["子牙新河"])
    assert panel.fields_of(0, 0) == {"名称": "子牙新河", "等级": "一级"}
    project = next(
        p
        for p in window.ws.projects()
        if p.geometry.geom_type == "Point" and p.regions.county == "120118"
    )
    canvas.zoom_to_lonlat_bounds(
        (
            project.lonlat[0] - 0.01,
            project.lonlat[1] - 0.01,
            project.lonlat[0] + 0.01,
            project.lonlat[1] + 0.01,
        )
    )
    _idle(window, qtbot)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*project.lonlat))
    title, names = panel.listing()[0]
    assert title.startswith("项目 (") and names[0] == project.name
    fields = panel.fields_of(0, 0)
    assert fields["编号"] == str(project.id) and fields["区县"] == "静海区"
    assert fields["类型"] == project.project_type.name_zh
    window.grab().save("/tmp/h18_identify.png")
    window.set_tool(Tool.PAN)


def test_attribute_table_sorts_filters_and_shares_selection_with_the_map(
    layered_window, qtbot
) -> None:
    window, canvas = layered_window, layered_window.canvas
    _zoom(window, qtbot)
    window.layers_panel.tree.setCurrentItem(
        next(
            window.layers_panel.tree.topLevelItem(i)
            for i in range(window.layers_panel.tree.topLevelItemCount())
            if window.layers_panel.tree.topLevelItem(i).text(0) == "生态保护红线"
        )
    )
    window.layers_panel.table.click()
    table = window.attribute_tables["user:redline"]
    model = table.model
    assert window.docks["table:user:redline"].isVisible()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["序号", "名称", "面积_公顷", "级别"]
    assert [model.data(model.index(r, 1)) for r in range(model.rowCount())] == [
        "大港湿地",
        "团泊洼",
    ]
    table.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # area, numerically
    assert [model.data(model.index(r, 2)) for r in range(model.rowCount())] == ["1200", "3100"]
    table.filter.setText("省级")
    assert model.rowCount() == 1 and model.data(model.index(0, 1)) == "大港湿地"
    assert table.count.text() == "1 / 2 行，已选 0"
    table.filter.clear()

    # rows → map: both rows selected select both parcels
    sel = table.table.selectionModel()
    sel.select(
        model.index(0, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    sel.select(
        model.index(1, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    assert canvas.feature_selection["user:redline"] == frozenset({0, 1})
    assert table.count.text() == "2 / 2 行，已选 2"

    # map → rows: the Select tool's click on the first parcel only selects it
    window.set_tool(Tool.SELECT)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(116.80, 38.80))
    assert canvas.feature_selection["user:redline"] == frozenset({0})
    rows = {model.rows[i.row()] for i in table.table.selectionModel().selectedRows()}
    assert rows == {0}
    # Shift-click adds the second
    qtbot.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        canvas.screen_point(116.87, 38.85),
    )
    assert canvas.feature_selection["user:redline"] == frozenset({0, 1})
    assert len(table.table.selectionModel().selectedRows()) == 2
    canvas.render_now()
    window.grab().save("/tmp/h18_attribute_table.png")

    # a box selects what it meets: the first parcel and the river, not the second parcel
    start, end = canvas.screen_point(116.76, 38.77), canvas.screen_point(116.80, 38.86)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert canvas.feature_selection["user:redline"] == frozenset({0})
    assert canvas.feature_selection["user:rivers"] == frozenset({0})
    window.set_tool(Tool.PAN)


def test_projects_multi_select_between_table_and_map(layered_window, qtbot) -> None:
    window, canvas = layered_window, layered_window.canvas
    panel = window.projects_panel
    panel.region.setCurrentIndex(0)
    points = [p for p in window.ws.projects() if p.geometry.geom_type == "Point"][:2]
    a, b = points
    # rows → map
    panel.select({a.id, b.id}, emit=True)
    assert canvas.selected == frozenset({a.id, b.id})
    # map → rows: a click selects one, Shift-click adds another, Shift-click again removes it
    lon = [a.lonlat[0], b.lonlat[0]]
    lat = [a.lonlat[1], b.lonlat[1]]
    canvas.zoom_to_lonlat_bounds(
        (min(lon) - 0.02, min(lat) - 0.02, max(lon) + 0.02, max(lat) + 0.02)
    )
    _idle(window, qtbot)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(*a.lonlat))
    assert panel.selected_ids() == frozenset({a.id})
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, shift, canvas.screen_point(*b.lonlat))
    assert panel.selected_ids() == frozenset({a.id, b.id}) == canvas.selected
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, shift, canvas.screen_point(*b.lonlat))
    assert panel.selected_ids() == frozenset({a.id})
    # the Select tool's box takes every project it meets
    window.set_tool(Tool.SELECT)
    start = canvas.screen_point(min(lon) - 0.005, max(lat) + 0.005)
    end = canvas.screen_point(max(lon) + 0.005, min(lat) - 0.005)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    inside = {
        p.id
        for p in window.ws.projects()
        if min(lon) - 0.005 <= p.geometry.bounds[2]
        and p.geometry.bounds[0] <= max(lon) + 0.005
        and min(lat) - 0.005 <= p.geometry.bounds[3]
        and p.geometry.bounds[1] <= max(lat) + 0.005
    }
    assert {a.id, b.id} <= canvas.selected
    assert canvas.selected == frozenset(inside) == panel.selected_ids()
    window.set_tool(Tool.PAN)
