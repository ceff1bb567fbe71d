"""Backup and restore from the File menu, and the quick check each time a workspace opens."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QSettings


def test_back_up_then_restore_from_the_window(window, qtbot, tmp_path) -> None:
    backup = tmp_path / "备份.gcarbon.gpkg"
    window.backup_workspace(str(backup))
    qtbot.waitUntil(backup.exists, timeout=30_000)
    assert window.wait_until_idle(30_000)
    assert "已备份到" in window.statusBar().currentMessage()
    window.ws.set_meta("after-backup", "yes")  # a change the restore must take back

    window.restore_workspace(str(backup))
    restored = window._replacement
    assert restored is not None
    qtbot.addWidget(restored)
    assert restored.ws.get_meta("after-backup") is None
    assert restored.ws.count_projects() == window.ws.count_projects()
    kept = f"{window.ws.location}.before-restore"
    assert kept in restored.statusBar().currentMessage()
    assert restored.wait_until_idle(60_000)
    assert restored.check_problems == []
    restored.runner.wait(10_000)
    restored.file_runner.wait(10_000)
    restored.close()


def test_a_damaged_total_is_reported_when_the_workspace_opens(seeded_path, qtbot, tmp_path) -> None:
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    with sqlite3.connect(seeded_path) as conn:
        conn.execute(
            "UPDATE project_totals SET n = n + 3 WHERE county_code = '120118' AND type = 'wind'"
        )
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(open_workspace(seeded_path), plan="静海区", settings=settings)
    qtbot.addWidget(win)
    win.show()
    assert win.wait_until_idle(60_000)
    qtbot.waitUntil(lambda: win.check_problems is not None, timeout=30_000)
    assert win.check_problems and win.check_problems[0].startswith("totals: 120118 wind")
    assert "工作区检查发现问题" in win._last_error
    win.runner.wait(10_000)
    win.file_runner.wait(10_000)
