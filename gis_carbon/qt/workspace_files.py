"""Workspace files in the window: the Open / New / Save As dialogs (a workspace is a
GeoPackage, `.gcarbon.gpkg`; older `.sqlite` ones still open) and the recent-files list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

from gis_carbon.qt.i18n import tr

SUFFIX = ".gcarbon.gpkg"
OPENABLE = ("*.gcarbon.gpkg", "*.gpkg", "*.sqlite")
RECENT_KEY = "recent_workspaces"
RECENT_LIMIT = 8


def name_filters() -> list[str]:
    return [f"{tr('gis-carbon workspaces')} ({' '.join(OPENABLE)})", f"{tr('All files')} (*)"]


def workspace_dialog(parent: QWidget | None, *, save: bool, title: str) -> QFileDialog:
    """A file dialog for workspaces; Qt's own (not the desktop's), so its labels follow the
    app's language and tests can read its filters."""
    dialog = QFileDialog(parent, title)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setNameFilters(name_filters())
    if save:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setDefaultSuffix(SUFFIX.lstrip("."))
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return dialog


def with_suffix(path: str) -> str:
    """`name` → `name.gcarbon.gpkg`; a name that already ends in .gpkg or .sqlite is kept."""
    lowered = path.lower()
    if lowered.endswith((".gpkg", ".sqlite")):
        return path
    return path.removesuffix(".gcarbon") + SUFFIX


def chosen_path(dialog: QFileDialog, *, save: bool) -> str | None:
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return None
    path = dialog.selectedFiles()[0]
    return with_suffix(path) if save else path


class RecentWorkspaces:
    """The last workspaces opened (newest first), kept in the settings; gone files dropped."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def paths(self) -> list[str]:
        stored: Any = self.settings.value(RECENT_KEY, [])
        items = [stored] if isinstance(stored, str) else list(stored or [])
        return [p for p in items if p and Path(p).exists()][:RECENT_LIMIT]

    def add(self, path: str) -> None:
        items = [path, *(p for p in self.paths() if p != path)][:RECENT_LIMIT]
        self.settings.setValue(RECENT_KEY, items)
