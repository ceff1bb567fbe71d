"""The import wizard driven as a user drives it, on files the tests write: a ledger with an
unknown type mapped in the value table, a re-import with a key, the problem list saved as
Excel, and a GBK constraint shapefile imported as 禁止区 that warns while a PV polygon is
drawn over it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QWizard

pytestmark = pytest.mark.qt

LEDGER_HEADER = ["项目名称", "类型", "装机容量(MW)", "状态", "经度", "纬度"]
LEDGER_ROWS = [
    ["静海子牙光伏电站", "集中式光伏电站", "100", "已并网", "116.92", "38.93"],
    ["静海团泊风电场", "风电", "50", "在建", "116.98", "38.85"],
    ["静海大邱庄储能", "储能", "20", "规划", "116.95", "38.80"],
]


def write_ledger(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LEDGER_HEADER)
        writer.writerows(rows)
    return path


def click(qtbot, wizard, which) -> None:
    button = wizard.button(which)
    assert button.isEnabled(), f"{which} is disabled on page {wizard.currentId()}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_wizard(window, qtbot, path: Path):
    wizard = window.import_dialog()
    qtbot.waitUntil(wizard.isVisible)
    # typed as a paste: QTest.keyClicks cannot type Chinese file names
    wizard.file_page.path_edit.setText(str(path))
    return wizard


def to_check_page(window, qtbot, wizard, *, key: str = "", mapped: dict | None = None):
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    qtbot.waitUntil(wizard.columns_page.isComplete, timeout=30_000)
    if key:
        wizard.columns_page.key.setCurrentIndex(wizard.columns_page.key.findData(key))
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    for (field, value), code in (mapped or {}).items():
        combo = wizard.values_page.combo_for(field, value)
        combo.setCurrentIndex(combo.findData(code))
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.check_page
    qtbot.waitUntil(lambda: page.task is None, timeout=60_000)
    return page


def answer_file_dialog(qtbot, path: Path) -> None:
    """When the next modal file dialog opens, type `path` into it and accept it."""

    def fill() -> None:
        shown = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QFileDialog) and w.isVisible()]  # fmt: skip
        if not shown:
            QTimer.singleShot(50, fill)
            return
        dialog = shown[0]
        assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setDirectory(str(path.parent))  # as a user goes to the folder, types the name
        dialog.findChild(QLineEdit, "fileNameEdit").setText(path.name)
        dialog.accept()

    QTimer.singleShot(50, fill)


def test_a_ledger_with_an_unknown_type_mapped_in_the_value_table_is_imported(
    window, qtbot, tmp_path
) -> None:
    ledger = write_ledger(tmp_path / "台账.csv", LEDGER_ROWS)
    before = len(window.ws.projects())
    wizard = open_wizard(window, qtbot, ledger)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    columns = wizard.columns_page
    qtbot.waitUntil(columns.isComplete, timeout=30_000)
    # the preview and the detected mapping
    assert columns.table.rowCount() == 3
    assert columns.table.item(0, 0).text() == "静海子牙光伏电站"
    assert columns.field_combos["type"].currentData() == "类型"
    assert columns.field_combos["capacity"].currentData() == "装机容量(MW)"
    assert columns.field_combos["lon"].currentData() == "经度"
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    values = wizard.values_page
    assert values.summary.text() == "6 个取值，其中 2 个未知"
    unknown = [
        values.table.item(r, 1).text()
        for r in range(values.table.rowCount())
        if values.table.item(r, 3).text() == "未知"
    ]
    assert sorted(unknown) == ["已并网", "集中式光伏电站"]
    for field, value, code in (
        ("type", "集中式光伏电站", "pv_ground"),
        ("status", "已并网", "operating"),
    ):
        combo = values.combo_for(field, value)
        combo.setCurrentIndex(combo.findData(code))
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.check_page
    qtbot.waitUntil(lambda: page.task is None, timeout=60_000)
    assert page.result_label.text() == "将从 台账.csv 导入 3 个项目。"
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == "已从 台账.csv 导入 3 条", timeout=60_000
    )
    assert window.wait_until_idle(30_000)
    assert len(window.ws.projects()) == before + 3
    stored = {p.name: p for p in window.ws.projects()}
    assert stored["静海子牙光伏电站"].type == "pv_ground"
    assert stored["静海子牙光伏电站"].status.value == "operating"


def test_a_re_import_with_a_key_shows_one_changed_project(window, qtbot, tmp_path) -> None:
    from gis_carbon.services.imports import import_file

    ledger = write_ledger(tmp_path / "月报.csv", [LEDGER_ROWS[1], LEDGER_ROWS[2]])
    import_file(window.ws, ledger)
    edited = [list(LEDGER_ROWS[1]), LEDGER_ROWS[2]]
    edited[0][2] = "80"  # 静海团泊风电场: 50 → 80 MW
    write_ledger(ledger, edited)
    wizard = open_wizard(window, qtbot, ledger)
    page = to_check_page(window, qtbot, wizard, key="项目名称")
    assert page.result_label.text() == "新增 0，修改 1，未变 1，文件中缺少 0"
    changed = [
        page.diff.topLevelItem(i)
        for i in range(page.diff.topLevelItemCount())
        if page.diff.topLevelItem(i).text(0) == "修改"
    ]
    assert len(changed) == 1
    assert changed[0].text(1).endswith("静海团泊风电场")
    assert "装机容量: 50 → 80" in changed[0].text(2)
    wizard.reject()


def test_the_problem_list_is_saved_as_excel(window, qtbot, tmp_path) -> None:
    from openpyxl import load_workbook

    ledger = write_ledger(
        tmp_path / "坏台账.csv",
        [LEDGER_ROWS[1], ["某煤矸石电厂", "煤矸石发电", "30", "规划", "116.90", "38.90"]],
    )
    wizard = open_wizard(window, qtbot, ledger)
    page = to_check_page(window, qtbot, wizard)
    assert page.result_label.text() == "1 行被拒绝（1 个问题）；见下表"
    assert page.problems.rowCount() == 1
    # the row and the reason in the UI's language; the value as the file holds it
    assert page.problems.item(0, 0).text() == "第 3 行"
    assert page.problems.item(0, 2).text() == "煤矸石发电"
    assert page.problems.item(0, 3).text().startswith("未知项目类型 '煤矸石发电'；可选：")
    assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    out = tmp_path / "问题"
    answer_file_dialog(qtbot, out)
    qtbot.mouseClick(page.save_problems, Qt.MouseButton.LeftButton)
    saved = tmp_path / "问题.xlsx"
    qtbot.waitUntil(saved.exists, timeout=10_000)
    sheet = load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("row", "column", "value", "reason", "suggestion")
    assert rows[1][:3] == ("row 3", "type", "煤矸石发电")
    assert "unknown project type" in rows[1][3]
    assert page.result_label.text() == f"问题已保存到 {saved}"
    wizard.reject()


def write_gbk_farmland(folder: Path) -> Path:
    import geopandas
    from shapely.geometry import box

    path = folder / "基本农田.shp"
    frame = geopandas.GeoDataFrame(
        {"名称": ["沿庄镇基本农田保护区"], "面积_亩": [52000]},
        geometry=[box(116.78, 38.78, 116.86, 38.84)],
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="GBK")
    assert "沿庄镇".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    return path


def test_a_gbk_constraint_shapefile_imported_as_exclusion_warns_while_drawing(
    window, qtbot, tmp_path
) -> None:
    from gis_carbon.qt.canvas import Tool
    from gis_carbon.qt.render import VectorLayerData

    shapefile = write_gbk_farmland(tmp_path)
    wizard = open_wizard(window, qtbot, shapefile)
    wizard.file_page.layer_radio.click()
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    layer = wizard.layer_page
    assert wizard.currentId() == 4
    assert layer.name.text() == "基本农田"
    assert layer.role.currentText() == "禁止区"
    qtbot.mouseClick(layer.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: layer.checked is not None, timeout=30_000)
    text = layer.preview_label.text()
    assert text.startswith("1 个要素 · EPSG:4326")
    assert "范围 116.7800–116.8600°E，38.7800–38.8400°N" in text
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    def listed() -> list[tuple[str, str]]:
        tree = window.layers_panel.tree
        return [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1))
                for i in range(tree.topLevelItemCount())]  # fmt: skip

    qtbot.waitUntil(lambda: ("基本农田", "禁止区") in listed(), timeout=60_000)
    qtbot.waitUntil(
        lambda: isinstance(window.canvas.data.get("user:基本农田"), VectorLayerData), timeout=30_000
    )
    assert window.canvas.data["user:基本农田"].style.get("hatch") is True
    features = window.ws.layer_features("基本农田")
    assert features[0][1]["名称"] == "沿庄镇基本农田保护区"  # GBK read as such

    canvas = window.canvas
    canvas.zoom_to_lonlat_bounds((116.74, 38.75, 116.90, 38.87))
    assert window.wait_until_idle(30_000)
    window.set_tool(Tool.DRAW_POLYGON)
    corners = [(116.80, 38.80), (116.84, 38.80), (116.84, 38.83), (116.80, 38.83)]
    for lon, lat in corners:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.screen_point(lon, lat))
    qtbot.waitUntil(lambda: "基本农田" in window.siting_panel.browser.toPlainText(), timeout=30_000)
    assert "禁止" in window.siting_panel.browser.toPlainText()
    assert window.wait_until_idle(30_000)


def test_a_layer_imported_by_another_process_appears_on_refresh(window, qtbot, tmp_path) -> None:
    import subprocess
    import sys

    shapefile = write_gbk_farmland(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "gis_carbon.cli", "--workspace", window.ws.location, "import",
         str(shapefile), "--role", "exclusion", "--layer", "农田红线"],
        check=True, capture_output=True,
    )  # fmt: skip
    tree = window.layers_panel.tree
    titles = lambda: [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]  # noqa: E731
    assert "农田红线" not in titles()
    window.action_table["refresh"].trigger()
    qtbot.waitUntil(lambda: "农田红线" in titles(), timeout=30_000)
    assert window.wait_until_idle(30_000)
    assert window.action_table["refresh"].shortcut().toString() == "F5"


def test_an_import_profile_saved_once_sets_up_next_months_ledger(window, qtbot, tmp_path) -> None:
    ledger = write_ledger(tmp_path / "台账.csv", LEDGER_ROWS)
    wizard = open_wizard(window, qtbot, ledger)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    qtbot.waitUntil(wizard.columns_page.isComplete, timeout=30_000)
    columns = wizard.columns_page
    columns.key.setCurrentIndex(columns.key.findData("项目名称"))
    click(qtbot, wizard, QWizard.WizardButton.NextButton)
    combo = wizard.values_page.combo_for("type", "集中式光伏电站")
    combo.setCurrentIndex(combo.findData("pv_ground"))
    click(qtbot, wizard, QWizard.WizardButton.BackButton)
    answer_file_dialog(qtbot, tmp_path / "月报方案")
    qtbot.mouseClick(columns.save_profile, Qt.MouseButton.LeftButton)
    saved = tmp_path / "月报方案.json"
    qtbot.waitUntil(saved.exists, timeout=10_000)
    assert columns.status_label.text() == f"导入方案已保存到 {saved}"
    wizard.reject()

    again = open_wizard(window, qtbot, ledger)
    click(qtbot, again, QWizard.WizardButton.NextButton)
    qtbot.waitUntil(again.columns_page.isComplete, timeout=30_000)
    answer_file_dialog(qtbot, saved)
    qtbot.mouseClick(again.columns_page.load_profile, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: again.columns_page.key.currentData() == "项目名称", timeout=10_000)
    click(qtbot, again, QWizard.WizardButton.NextButton)
    assert again.values_page.combo_for("type", "集中式光伏电站").currentData() == "pv_ground"
    again.reject()
