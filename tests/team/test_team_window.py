"""The window on a team database: colleagues' edits appear within a second, the user's
selection and open form stay as they were."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.team, pytest.mark.qt]


@pytest.fixture
def team_window(team_url, qtbot, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gis_carbon.qt import i18n
    from gis_carbon.qt.fonts import ensure_cjk_font
    from gis_carbon.qt.main_window import MainWindow
    from gis_carbon.services import open_workspace

    i18n.set_language("zh")
    family = ensure_cjk_font(QApplication.instance())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ws = open_workspace(team_url, create=False, seed=False)
    win = MainWindow(ws, plan="静海区", settings=settings, font_family=family)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    assert win.wait_until_idle(60_000)
    yield win
    win.close()
    ws.close()


def _pv_total(window) -> float:
    found = [p for p in window.progress if p.target.scope == ("pv",) or "pv" in p.target.scope]
    return sum(p.operating + p.pipeline for p in found[:1]) if found else -1.0


def test_a_colleagues_edit_shows_within_a_second(team_window, team_url, qtbot, tmp_path) -> None:
    from gis_carbon.services import open_workspace

    window = team_window
    assert "127.0.0.1" in window.windowTitle()
    window.canvas.set_selection({2}, emit=True)
    assert window.projects_panel.selected_ids() == frozenset({2})
    third = window.canvas.projects[3]
    form = window.open_project_form(third.geometry, third)
    form.name.setText("我正在改的名字")
    before = window.canvas.projects[1]

    with open_workspace(team_url, create=False, seed=False) as colleague:
        project = colleague.get_project(1)
        started = time.monotonic()
        colleague.update_project(project.with_changes(name="同事改过的名字", capacity=300.0))
    qtbot.waitUntil(lambda: window.canvas.projects[1].name == "同事改过的名字", timeout=1000)
    elapsed = time.monotonic() - started
    model = window.projects_panel.model
    assert any(p.name == "同事改过的名字" for p in model.all_projects)
    assert window.canvas.selected == frozenset({2})  # the selection survived
    assert window.projects_panel.selected_ids() == frozenset({2})
    assert form.isVisible() and form.name.text() == "我正在改的名字"  # the edit in progress
    assert before.capacity != 300.0
    qtbot.waitUntil(lambda: window.wait_until_idle(100), timeout=5000)
    print(f"colleague's edit shown after {elapsed:.3f} s")
    assert elapsed < 1.0
    window.grab().save(str(tmp_path / "team-window.png"))


def test_connect_dialog_keeps_no_password(team_window, qtbot, monkeypatch) -> None:
    from gis_carbon.qt.team import ConnectTeamDialog

    window = team_window
    dialog = ConnectTeamDialog(window, window.ws.location)
    assert dialog.windowTitle() == "连接团队数据库"
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    assert "连接团队数据库…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    window.save_settings()
    for key in window.settings.allKeys():
        assert "secret" not in str(window.settings.value(key))
