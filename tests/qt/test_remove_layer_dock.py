"""Removing an imported layer from the layers dock, as a user does it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from shapely.geometry import box

TANGGUANTUN = "120118101000"  # 唐官屯镇
DAQIUZHUANG = "120118108000"  # 大邱庄镇


def _write_geojson(path: Path, features: list[tuple[dict[str, object], object]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def seeded_path(seeded_path: Path, tmp_path: Path) -> Path:
    """The seeded workspace with two imported layers: townships and a nature reserve."""
    from gis_carbon.services.imports import import_file
    from project_db.sqlite.workspace import Workspace

    townships = _write_geojson(
        tmp_path / "乡镇.geojson",
        [
            ({"乡镇代码": TANGGUANTUN, "乡镇名称": "唐官屯镇"}, box(116.85, 38.70, 117.02, 38.86)),
            ({"乡镇代码": DAQIUZHUANG, "乡镇名称": "大邱庄镇"}, box(117.02, 38.70, 117.10, 38.86)),
        ],
    )
    reserve = _write_geojson(
        tmp_path / "保护区.geojson", [({"名称": "团泊洼"}, box(117.10, 38.88, 117.20, 38.95))]
    )
    with Workspace(seeded_path) as ws:
        import_file(ws, townships, as_layer="township")
        import_file(ws, reserve, as_layer="保护区", role="exclusion")
    return seeded_path


def _panel_ids(window) -> list[str]:  # type: ignore[no-untyped-def]
    tree = window.layers_panel.tree
    return [
        str(tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole))
        for i in range(tree.topLevelItemCount())
    ]


def _choose(window, layer_id: str) -> None:  # type: ignore[no-untyped-def]
    tree = window.layers_panel.tree
    tree.setCurrentItem(tree.topLevelItem(_panel_ids(window).index(layer_id)))


def _settle(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.busy(), timeout=60_000)
    assert window.wait_until_idle(60_000)


def test_remove_an_imported_township_layer_from_the_dock(
    window, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from project_db.sqlite.workspace import Workspace

    _settle(window, qtbot)
    panel = window.layers_panel
    assert {"user:township", "user:保护区", "projects", "counties"} <= set(_panel_ids(window))
    in_township = {p.id for p in window.canvas.projects.values() if p.regions.township}
    assert len(in_township) >= 5

    # The built-in layers cannot be removed: the button is disabled for them.
    for built_in in ("projects", "provinces", "counties"):
        _choose(window, built_in)
        assert not panel.remove.isEnabled()
    assert panel.remove.text() == "移除图层"

    # Answering No removes nothing.
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def question(parent, title, text, *args):  # type: ignore[no-untyped-def]
            asked.append(text)
            return button

        return question

    _choose(window, "user:township")
    assert panel.remove.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    _settle(window, qtbot)
    assert asked and "乡镇（街道）边界" in asked[-1]
    assert "user:township" in _panel_ids(window)
    with Workspace(window.ws.path) as ws:
        assert {layer.id for layer in ws.layers()} == {"township", "保护区"}

    # Yes: the layer leaves the dock, the map and the workspace; townships are cleared.
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    _settle(window, qtbot)
    assert len(asked) == 2
    ids = _panel_ids(window)
    assert "user:township" not in ids and "user:保护区" in ids
    assert "user:township" not in {layer.id for layer in window.canvas.state.layers}
    assert "user:township" not in window.canvas.data
    with Workspace(window.ws.path) as ws:
        assert [layer.id for layer in ws.layers()] == ["保护区"]
        count = ws.db.conn.execute(
            "SELECT count(*) FROM layer_features WHERE layer_id = 'township'"
        ).fetchone()[0]
        assert count == 0
        assert all(p.regions.township is None for p in ws.projects())
    # the map and table show the reloaded projects
    assert all(p.regions.township is None for p in window.canvas.projects.values())
    assert window.statusBar().currentMessage() == (
        f"已移除图层 乡镇（街道）边界：2 个要素; {len(in_township)} 个项目的所属乡镇已更新"
    )

    # The other imported layer can go too; then only built-in layers are left.
    _choose(window, "user:保护区")
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    _settle(window, qtbot)
    assert not any(i.startswith("user:") for i in _panel_ids(window))
    with Workspace(window.ws.path) as ws:
        assert ws.layers() == []
