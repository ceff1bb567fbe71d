"""Team mode in the window: the "连接团队数据库" dialog and colleagues' edits shown live.

The store's `watch` calls back on its listening thread; `ChangeRelay` carries each event to
the GUI thread through a queued signal, and a short timer folds a burst of them (an import
of 10⁵ rows is one notification, but ten quick edits are ten) into one refresh.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from gis_carbon.model.storage import ChangeEvent
from gis_carbon.qt.i18n import tr

# how long a burst of notifications is gathered before the window reloads (ms)
REFRESH_DELAY_MS = 150


class ChangeRelay(QObject):
    """Events from the listening thread, delivered on the GUI thread, gathered per burst."""

    changed = Signal(object)  # emitted from the listener thread, queued to the GUI
    settled = Signal(bool, bool)  # (projects changed, plans or targets changed)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending: list[ChangeEvent] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(REFRESH_DELAY_MS)
        self.timer.timeout.connect(self._flush)
        self.changed.connect(self._gather)

    def _gather(self, event: ChangeEvent) -> None:
        self.pending.append(event)
        if not self.timer.isActive():
            self.timer.start()

    def _flush(self) -> None:
        events, self.pending = self.pending, []
        tables = {e.table for e in events}
        self.settled.emit(
            "projects" in tables or "layers" in tables,
            bool(tables & {"plans", "targets", "baselines"}),
        )


class ConnectTeamDialog(QDialog):
    """A libpq connection string, and a password used for this session only (kept in the
    process's PGPASSWORD, never in the settings: those hold the URL without it)."""

    def __init__(self, parent: QWidget | None = None, url: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Connect to team database"))
        layout = QFormLayout(self)
        self.url = QLineEdit(url or "postgresql://USER@HOST:5432/gis_carbon")
        self.url.setMinimumWidth(420)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("from ~/.pgpass when empty"))
        layout.addRow(tr("Database URL"), self.url)
        layout.addRow(tr("Password"), self.password)
        note = QLabel(
            tr("Passwords are not saved; keep yours in ~/.pgpass or a pg_service.conf service.")
        )
        note.setWordWrap(True)
        layout.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def values(self) -> tuple[str, str]:
        return self.url.text().strip(), self.password.text()


def use_session_password(password: str) -> None:
    """libpq reads PGPASSWORD from the environment: this process only, never written."""
    if password:
        os.environ["PGPASSWORD"] = password


def start_watching(window: Any) -> Any:
    """Listen for colleagues' commits to the window's workspace; returns the stop function
    (a workspace file returns a no-op)."""
    relay = ChangeRelay(window)
    relay.settled.connect(window.apply_remote_changes)
    window.change_relay = relay
    return window.ws.watch(relay.changed.emit)
