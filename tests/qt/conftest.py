"""A main window on a copy of the seeded workspace, with settings in a temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

QT_TESTS = Path(__file__).resolve().parent
# No GUI test may print a traceback and pass. pytest-qt already fails a test whose slot or
# event handler raised (its sys.excepthook capture, on unless `qt_no_exception_capture`, which
# nothing here sets); these make the other two ways strict as well: an exception escaping a
# worker thread, and one Python could only report as "unraisable" (a __del__, a callback).
STRICT_WARNINGS = (
    "error::pytest.PytestUnhandledThreadExceptionWarning",
    "error::pytest.PytestUnraisableExceptionWarning",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if QT_TESTS in Path(str(item.path)).resolve().parents:
            for spec in STRICT_WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(spec))


@pytest.fixture
def window(seeded_path, qtbot, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gis_carbon.qt import i18n
    from gis_carbon.qt.fonts import ensure_cjk_font
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    i18n.set_language("zh")
    family = ensure_cjk_font(QApplication.instance())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ws = open_workspace(seeded_path)
    win = MainWindow(ws, plan="静海区", settings=settings, font_family=family)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    assert win.wait_until_idle(60_000)
    yield win
    win.runner.wait(10_000)
    win.file_runner.wait(10_000)
    win.canvas.pool.waitForDone(10_000)
    ws.close()


@pytest.fixture
def layered_window(seeded_path, qtbot, tmp_path):
    """A window on the seeded workspace plus two imported layers over 沿庄镇 (静海区):
    an exclusion layer 生态保护红线 with two attributed parcels (one inside the other's
    corner) and a reference layer 规划水系 with one line."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from shapely.geometry import LineString, box

    from gis_carbon.model.storage import LayerRecord
    from gis_carbon.qt import i18n
    from gis_carbon.qt.fonts import ensure_cjk_font
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    i18n.set_language("zh")
    ws = open_workspace(seeded_path)
    ws.add_layer(
        LayerRecord(
            id="redline",
            title_zh="生态保护红线",
            title_en="Ecological red line",
            role="constraint",
            params={"constraint": "exclusion"},
        ),
        [
            (
                box(116.78, 38.78, 116.86, 38.84),
                {"名称": "大港湿地", "面积_公顷": 3100, "级别": "省级"},
            ),
            (
                box(116.84, 38.82, 116.88, 38.86),
                {"名称": "团泊洼", "面积_公顷": 1200, "级别": "市级"},
            ),
        ],
    )
    ws.add_layer(
        LayerRecord(id="rivers", title_zh="规划水系", title_en="Planned rivers", role="reference"),
        [(LineString([(116.70, 38.85), (117.00, 38.85)]), {"名称": "子牙新河", "等级": "一级"})],
    )
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(
        ws, plan="静海区", settings=settings, font_family=ensure_cjk_font(QApplication.instance())
    )
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    assert win.wait_until_idle(60_000)
    yield win
    for runner in win.runners:
        runner.wait(10_000)
    win.canvas.pool.waitForDone(10_000)
    ws.close()
