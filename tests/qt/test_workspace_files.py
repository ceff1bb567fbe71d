"""Workspace files in the window: the dialogs show GeoPackage workspaces (and older .sqlite),
New and Save As add `.gcarbon.gpkg`, Save As copies a consistent workspace and opens it, and
File → Open recent lists what was opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from gis_carbon.qt import workspace_files


def test_the_dialogs_show_gpkg_and_sqlite_workspaces(window) -> None:
    for save in (False, True):
        dialog = workspace_files.workspace_dialog(window, save=save, title="t")
        filters = dialog.nameFilters()
        assert "*.gcarbon.gpkg" in filters[0] and "*.gpkg" in filters[0]
        assert "*.sqlite" in filters[0]
        assert filters[0].startswith("gis-carbon 工作区")
        assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    new = workspace_files.workspace_dialog(window, save=True, title="t")
    assert new.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert new.defaultSuffix() == "gcarbon.gpkg"


def test_a_name_without_extension_becomes_a_geopackage_workspace() -> None:
    assert workspace_files.with_suffix("/tmp/宁河") == "/tmp/宁河.gcarbon.gpkg"
    assert workspace_files.with_suffix("/tmp/宁河.gcarbon") == "/tmp/宁河.gcarbon.gpkg"
    assert workspace_files.with_suffix("/tmp/old.sqlite") == "/tmp/old.sqlite"
    assert workspace_files.with_suffix("/tmp/a.GPKG") == "/tmp/a.GPKG"


def test_save_as_copies_the_workspace_and_opens_the_copy(window, qtbot, tmp_path) -> None:
    window.ws.set_meta("marker", "before save-as")
    copy = tmp_path / "副本.gcarbon.gpkg"
    window.save_workspace_as(str(copy))
    replacement = window._replacement
    qtbot.addWidget(replacement)
    assert replacement.ws.location == str(copy.resolve())
    assert replacement.ws.get_meta("marker") == "before save-as"
    assert replacement.ws.count_projects() == window.ws.count_projects()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # both files are in File → Open recent, the newest first
    replacement.recent_menu.aboutToShow.emit()
    listed = [a.text() for a in replacement.recent_menu.actions()]
    assert listed[0] == str(copy.resolve())
    assert str(Path(window.ws.location)) in listed
    replacement.runner.wait(10_000)
    replacement.file_runner.wait(10_000)
    replacement.close()


def test_recent_list_drops_files_that_are_gone(window, tmp_path) -> None:
    recent = workspace_files.RecentWorkspaces(window.settings)
    gone = tmp_path / "gone.gcarbon.gpkg"
    gone.write_bytes(b"")
    recent.add(str(gone))
    assert recent.paths()[0] == str(gone)
    gone.unlink()
    assert str(gone) not in recent.paths()
