"""Everyday desktop workflows (issue 18): service errors in the UI's language, fixed Undo/Redo
texts, the roll-up tab against `gis-carbon rollup`, a PDF report from the window, and the
overview inset toggled from the View menu."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _stale_delete(window, qtbot) -> int:
    """Delete a project the window read before another connection edited it."""
    from gis_carbon.model.commands import DeleteProject
    from gis_carbon.services import open_workspace

    project = next(p for p in window.ws.projects() if p.name.startswith("芥园道"))
    other = open_workspace(window.ws.location)
    try:
        other.update_project(project.with_changes(notes="edited elsewhere"), author="colleague")
    finally:
        other.close()
    window._last_error = None
    window.run_command(DeleteProject(window.store, project))
    qtbot.waitUntil(lambda: window._last_error is not None, timeout=20_000)
    return int(project.id)


def test_a_stale_edit_is_reported_in_chinese(window, qtbot) -> None:
    pid = _stale_delete(window, qtbot)
    assert window._last_error == f"项目 {pid} 当前为第 2 版，而非第 1 版"
    assert window.statusBar().currentMessage() == window._last_error


def test_a_stale_edit_is_reported_in_english(seeded_path, qtbot, tmp_path) -> None:
    from PySide6.QtCore import QSettings

    from gis_carbon.qt import i18n
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    i18n.set_language("en")
    try:
        ws = open_workspace(seeded_path)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(ws, plan="红桥区", settings=settings)
        qtbot.addWidget(window)
        window.show()
        assert window.wait_until_idle(60_000)
        pid = _stale_delete(window, qtbot)
        assert window._last_error == f"project {pid} is at version 2, not 1"
        for runner in window.runners:
            runner.wait(10_000)
        ws.close()
    finally:
        i18n.set_language("zh")


def test_messages_translate_by_template_keeping_the_values() -> None:
    from gis_carbon.qt.messages import error_text, geometry_name, source_text

    assert error_text("no project with id 52") == "没有编号为 52 的项目"
    assert (
        error_text("year must be a year between 1900 and 2100; got 3000")
        == "投产年份 须为 1900 至 2100 之间的年份；输入为 3000"
    )
    assert source_text("user") == "用户录入"
    assert source_text("plan:003 红桥区 二、(一)") == "方案文本 003 红桥区 二、(一)"
    assert geometry_name("Polygon") == "面"


def test_undo_and_redo_keep_their_text_and_name_the_command_in_the_tooltip(window, qtbot) -> None:
    undo = window.action_table["undo"]
    project = next(iter(window.canvas.projects.values()))
    window.delete_projects({project.id})
    qtbot.waitUntil(undo.isEnabled, timeout=20_000)
    assert undo.text() == "撤销"
    assert undo.toolTip().startswith("撤销 ") and project.name in undo.toolTip()
    window.undo()
    qtbot.waitUntil(lambda: window.action_table["redo"].isEnabled(), timeout=20_000)
    assert window.action_table["redo"].text() == "重做"
    assert project.name in window.action_table["redo"].toolTip()


def _cli(*args: str) -> str:
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "gis_carbon.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return result.stdout


def test_the_rollup_tab_shows_what_the_rollup_command_prints(window, qtbot, seeded_path) -> None:
    tianjin = window.ws.plan("天津市")
    assert window.rollup_panel.tree.topLevelItemCount() == 0  # not computed while hidden
    window.docks["rollup"].raise_()
    window.targets_panel.set_plans(list(window.plans.values()), tianjin.id)
    window._plan_changed(tianjin.id)
    tree = window.rollup_panel.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() > 0, timeout=30_000)
    assert window.wait_until_idle(60_000)
    printed = _cli("--workspace", str(seeded_path), "rollup", "--plan", "天津市")
    blocks = [b for b in printed.strip().split("\n\n") if b.strip()]
    assert tree.topLevelItemCount() == len(blocks) == 2
    for n, block in enumerate(blocks):
        top = tree.topLevelItem(n)
        percent, verdict = top.text(3).split(" ")
        lines = block.splitlines()
        assert lines[0].startswith(
            f"{top.text(0)}: {top.text(1)}; current {top.text(2)} = {percent}, {verdict} "
        )
        table = [re.split(r"\s{2,}", line.strip()) for line in lines[4:]]
        shown = [
            [c for c in (top.child(i).text(k) for k in range(4)) if c]
            for i in range(top.childCount())
            if top.child(i).text(0) != "按类型"
        ]
        assert shown == table
    first = tree.topLevelItem(0)
    assert first.text(0) == "可再生能源电力装机容量（投产） 2025"
    assert [first.child(i).text(0) for i in range(2)] == ["红桥区", "静海区"]
    assert window.docks["rollup"].windowTitle() == "汇总"


def test_a_pdf_report_from_the_window_names_the_plan(window, qtbot, tmp_path) -> None:
    from pypdf import PdfReader

    from gis_carbon.qt import desk_actions

    plan = window.plans[window.plan_id]
    desk_actions.write_report(window, tmp_path / "静海")
    assert window.task_progress.isVisible()  # progress and Cancel while it is written
    qtbot.waitUntil(lambda: getattr(window, "last_report", None) is not None, timeout=180_000)
    out = tmp_path / "静海.pdf"
    assert [Path(p) for p in window.last_report.paths] == [out]
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert plan.name in text.replace("\n", "")
    assert window.statusBar().currentMessage() == f"报告已写入：{out}"
    assert window.action_table["report_pdf"].text() == "打印/导出PDF…"


def test_the_overview_toggles_from_the_view_menu_and_keeps_clear_of_the_plan(window, qtbot) -> None:
    from gis_carbon.qt.desk_actions import plan_cover_test

    canvas, action = window.canvas, window.action_table["overview"]
    assert action.isChecked() and action.text() == "鹰眼图"
    canvas.repaint()
    rect = canvas.overview_rect
    assert rect is not None and rect.width() >= 120  # at most halved
    covers = plan_cover_test(canvas)
    assert not covers((rect.x(), rect.y(), rect.width(), rect.height()))
    # the window's lower right corner, where it used to sit, is over 静海区
    assert covers((canvas.width() - 252.0, canvas.height() - 182.0, 240.0, 170.0))
    action.trigger()
    canvas.repaint()
    assert canvas.overview_rect is None
    assert window.settings.value("view/overview") == "false"
    action.trigger()
    canvas.repaint()
    assert canvas.overview_rect == rect
    assert window.settings.value("view/overview") == "true"


def _box_test(box):
    def covers(rect):
        x, y, w, h = rect
        return not (x + w <= box[0] or x >= box[2] or y + h <= box[1] or y >= box[3])

    return covers


@pytest.mark.parametrize(
    ("plan_box", "expected"),
    [
        ((2000.0, 2000.0, 2100.0, 2100.0), (988, 718, 240, 170)),  # plan elsewhere
        ((900.0, 600.0, 1240.0, 900.0), (12, 678, 240, 170)),  # plan at bottom right
        ((100.0, 100.0, 1040.0, 750.0), (1048.0, 760.5, 180.0, 127.5)),  # only a ¾ inset fits
        ((0.0, 0.0, 1240.0, 900.0), (988, 718, 240, 170)),  # covers all: bottom right
    ],
)
def test_the_overview_corner_avoids_the_plan(plan_box, expected) -> None:
    from gis_carbon.qt.desk_actions import overview_place

    assert overview_place((1240, 900), (240, 170), _box_test(plan_box)) == expected


def test_a_long_form_error_wraps_in_chinese_without_covering_the_buttons(qtbot) -> None:
    from shapely.geometry import Point

    from gis_carbon.qt import i18n
    from gis_carbon.qt.project_form import ProjectForm

    i18n.set_language("zh")
    form = ProjectForm(Point(116.9, 38.9))
    qtbot.addWidget(form)
    form.show()
    form.name.setText("大邱庄渔光互补")
    form.year.setText("3000")
    qtbot.wait(50)
    message = form.message
    assert message.text() == "投产年份 须为 1900 至 2100 之间的年份；输入为 3000"
    assert message.height() >= message.heightForWidth(message.width())
    assert message.geometry().bottom() < form.buttons.geometry().top()


def test_a_quantity_error_is_translated_with_its_reason() -> None:
    from gis_carbon.qt.messages import error_text

    assert (
        error_text('cannot read capacity "12.5 M": unknown unit "M" (did you mean m?)')
        == '无法读取规模“12.5 M”：未知单位 "M"（是否指 m？）'
    )


def test_qt_own_file_dialog_speaks_chinese(qtbot) -> None:
    from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

    from gis_carbon.qt import i18n

    i18n.set_language("zh")
    app = QApplication.instance()
    translator = i18n.install_qt_translator(app)
    assert translator is not None
    try:
        dialog = QFileDialog(None, "打开工作区")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        qtbot.addWidget(dialog)
        labels = {label.text() for label in dialog.findChildren(QLabel)}
        assert labels == {"查找范围(&I)：", "文件名称(&N)：", "文件类型(&T)："}
    finally:
        app.removeTranslator(translator)
        app.removeTranslator(translator.gaps)
