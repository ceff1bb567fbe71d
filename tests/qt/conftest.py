"""A main window on a copy of the seeded workspace, with settings in a temporary file."""

from __future__ import annotations

import pytest


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
