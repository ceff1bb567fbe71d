"""The export dialog and the import wizard on a real X server (Xvfb, Qt's xcb plugin): the
dialog path a user takes, in a child process so the platform is xcb, not offscreen."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_xcb_window import _env, xvfb  # noqa: F401  (the Xvfb fixture)

pytestmark = pytest.mark.qt

SCRIPT = textwrap.dedent(
    """
    def main():
        import sys, time
        from pathlib import Path
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication, QDialogButtonBox, QWizard
        app = QApplication([])
        assert app.platformName() == "xcb", app.platformName()
        from gis_carbon.qt import i18n
        from gis_carbon.qt.main_window import MainWindow
        from gis_carbon.services import open_workspace
        out = Path(sys.argv[1])
        i18n.set_language("zh")
        ws = open_workspace(out / "ws.sqlite")
        settings = QSettings(str(out / "s.ini"), QSettings.Format.IniFormat)
        win = MainWindow(ws, plan="静海区", settings=settings)
        win.resize(1200, 800); win.show(); assert win.wait_until_idle(120_000)
        def spin(cond, seconds=60):
            end = time.monotonic() + seconds
            while time.monotonic() < end and not cond():
                app.processEvents(); time.sleep(0.02)
            return cond()
        wizard = win.import_dialog(str(out / "ledger.csv"))
        assert spin(wizard.isVisible)
        wizard.button(QWizard.WizardButton.NextButton).click()
        assert spin(wizard.columns_page.isComplete)
        print("columns", wizard.columns_page.field_combos["type"].currentData())
        wizard.reject()
        dialog = win.export_dialog()
        assert spin(dialog.isVisible)
        dialog.format.setCurrentIndex(dialog.format.findData("html"))
        dialog.path_edit.setText(str(out / "jinghai"))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert spin(lambda: win.statusBar().currentMessage().startswith("已导出至"), 180)
        print("status", win.statusBar().currentMessage())
        win.wait_until_idle(30_000)
        win.close()
    if __name__ == "__main__":
        main()
    """
)


def test_import_and_export_dialogs_on_xcb(xvfb: str, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "ledger.csv").write_text(
        "项目名称,类型,经度,纬度\n静海子牙光伏电站,光伏,116.92,38.93\n", encoding="utf-8"
    )
    script = tmp_path / "drive.py"
    script.write_text(SCRIPT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env=_env(QT_QPA_PLATFORM="xcb", DISPLAY=xvfb, HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "columns 类型" in result.stdout
    assert f"status 已导出至 jinghai.html ({tmp_path})" in result.stdout
    assert (tmp_path / "jinghai.html").stat().st_size > 10_000
    assert "Traceback" not in result.stderr
