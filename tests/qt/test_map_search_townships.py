"""The search box finds the townships of an imported township layer (services.regions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

TANGGUANTUN = "120118101000"  # 唐官屯镇, 静海区


@pytest.fixture
def seeded_path(seeded_path: Path, tmp_path: Path) -> Path:
    """The seeded workspace with a township layer of one township."""
    from gis_carbon.services.imports import import_file
    from project_db.sqlite.workspace import Workspace

    path = tmp_path / "乡镇.geojson"
    feature = {
        "type": "Feature",
        "properties": {"乡镇代码": TANGGUANTUN, "乡镇名称": "唐官屯镇"},
        "geometry": shapely.geometry.mapping(box(116.85, 38.70, 117.02, 38.86)),
    }
    collection = {"type": "FeatureCollection", "features": [feature]}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    with Workspace(seeded_path) as ws:
        import_file(ws, path, as_layer="township")
    return seeded_path


def test_search_finds_a_township_and_zooms_to_it(window, qtbot) -> None:
    canvas, search = window.canvas, window.map_tools.search
    window.zoom_full()
    search.edit.insert("唐官屯")  # QTest.keyClicks aborts on characters outside Latin-1
    qtbot.waitUntil(lambda: bool(search.townships), timeout=30_000)
    assert search.townships == [(TANGGUANTUN, "唐官屯镇", (116.85, 38.70, 117.02, 38.86))]
    assert "唐官屯镇 — 乡镇 · 静海区" in search.model.stringList()
    assert search.go("唐官屯镇")
    west, north = canvas.view.screen_to_lonlat(0, 0)
    east, south = canvas.view.screen_to_lonlat(canvas.width(), canvas.height())
    assert west <= 116.85 and east >= 117.02 and south <= 38.70 and north >= 38.86
    assert east - west < 1.0
