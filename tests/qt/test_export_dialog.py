"""The export dialog driven as a user drives it: the chosen type wins, a shapefile export
names the files it really wrote, GBK text survives for ogrinfo, county names beside codes."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

pytestmark = pytest.mark.qt


def open_dialog(window, qtbot, fmt: str, name: Path):
    dialog = window.export_dialog()
    qtbot.waitUntil(dialog.isVisible)
    dialog.format.setCurrentIndex(dialog.format.findData(fmt))
    dialog.path_edit.setText(str(name))
    return dialog


def press_export(window, qtbot, dialog) -> str:
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.text() == "导出"
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("已导出至"), timeout=120_000
    )
    message = window.statusBar().currentMessage()
    assert window.wait_until_idle(30_000)
    return message


def test_html_typed_without_an_extension_writes_name_html(window, qtbot, tmp_path) -> None:
    dialog = open_dialog(window, qtbot, "html", tmp_path / "jinghai")
    assert dialog.target_label.text() == str(tmp_path / "jinghai.html")
    message = press_export(window, qtbot, dialog)
    assert (tmp_path / "jinghai.html").stat().st_size > 10_000
    assert not (tmp_path / "jinghai").exists()
    assert message == f"已导出至 jinghai.html ({tmp_path})"


def add_polygon_project(window) -> None:
    from gis_carbon.services import ProjectInput, add_project

    add_project(
        window.ws,
        ProjectInput(
            name="测试渔光互补", type="pv_fishery", capacity="100 MW", status="planned",
            wkt="POLYGON ((116.90 38.90, 116.92 38.90, 116.92 38.92, 116.90 38.92, 116.90 38.90))",
        ),
    )  # fmt: skip


def test_a_shapefile_export_names_every_file_it_wrote(window, qtbot, tmp_path) -> None:
    add_polygon_project(window)  # points and a polygon: one shapefile per geometry kind
    dialog = open_dialog(window, qtbot, "shp", tmp_path / "jinghai.shp")
    assert dialog.as_folder.isChecked() and dialog.encoding.isEnabled()
    assert not dialog.coords.isEnabled()  # a .prj says WGS 84: no GCJ-02 in a shapefile
    message = press_export(window, qtbot, dialog)
    written = sorted(p.name for p in tmp_path.glob("*.shp"))
    assert written == ["jinghai_point.shp", "jinghai_polygon.shp"]
    assert "jinghai.shp" not in written
    assert message == f"已导出至 {', '.join(written)} ({tmp_path})"


def test_a_zipped_shapefile_gets_its_zip_name(window, qtbot, tmp_path) -> None:
    dialog = open_dialog(window, qtbot, "shp", tmp_path / "jinghai")
    qtbot.mouseClick(dialog.as_zip, Qt.MouseButton.LeftButton)
    assert dialog.target_label.text() == str(tmp_path / "jinghai.zip")
    message = press_export(window, qtbot, dialog)
    assert message == f"已导出至 jinghai.zip ({tmp_path})"
    assert (tmp_path / "jinghai.zip").exists()


@pytest.mark.gdal_tools
def test_a_gbk_shapefile_reads_back_in_chinese_with_ogrinfo(window, qtbot, tmp_path) -> None:
    if shutil.which("ogrinfo") is None:
        pytest.skip("needs ogrinfo (gdal-bin)")
    dialog = open_dialog(window, qtbot, "shp", tmp_path / "gbk")
    dialog.encoding.setCurrentIndex(dialog.encoding.findData("gbk"))
    press_export(window, qtbot, dialog)
    point = tmp_path / "gbk.shp"
    assert point.with_suffix(".cpg").read_text().strip().upper() in ("CP936", "GBK")
    dbf = point.with_suffix(".dbf").read_bytes()
    assert "静海区".encode("gbk") in dbf  # the county name column, GBK bytes
    out = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", str(point)], capture_output=True, text=True, check=True
    ).stdout
    assert "静海区" in out
    names = {p.name for p in window.ws.projects(region_code="120118")}
    assert any(name in out for name in names)


def test_the_selection_in_gcj02_csv_with_county_names(window, qtbot, tmp_path) -> None:
    projects = [
        p for p in window.ws.projects(region_code="120118") if p.geometry.geom_type == "Point"
    ]
    chosen = projects[0]
    window.canvas.set_selection(frozenset({chosen.id}))
    dialog = open_dialog(window, qtbot, "csv", tmp_path / "选中")
    dialog.scope_buttons["selection"].click()
    assert dialog.scope() == "selection"
    assert dialog.scope_buttons["selection"].text() == "选中的项目（1 个）"
    dialog.coords.setCurrentIndex(dialog.coords.findData("gcj02"))
    press_export(window, qtbot, dialog)
    with (tmp_path / "选中.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["项目名称"] for r in rows] == [chosen.name]
    assert rows[0]["县级代码"] == "120118" and rows[0]["区县名称"] == "静海区"
    lon = float(next(v for k, v in rows[0].items() if k.startswith("经度")))
    assert 0.002 < lon - chosen.geometry.x < 0.01  # GCJ-02 is shifted east of WGS 84 here


def test_an_unusable_name_is_one_line_in_the_dialog(window, qtbot, tmp_path) -> None:
    dialog = open_dialog(window, qtbot, "kml", tmp_path / "no such folder" / "x")
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
    )
    assert dialog.isVisible()
    assert dialog.error_label.text() == f"文件夹 {tmp_path / 'no such folder'} 不存在"
    dialog.reject()
    assert Path(tmp_path).exists()
