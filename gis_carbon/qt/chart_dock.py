"""The target chart at a readable size, in a dock of its own: bars per target (operating
beside pipeline) and capacity trajectories with the 2025/2030 target years marked — the
chart of services.progress.draw_chart — with Copy and Export PNG/SVG, and the targets that
have no data listed under it (a chart can not draw them; they must not vanish)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.qt.i18n import language, tr

EXPORT_FORMATS = {"png": "PNG (*.png)", "svg": "SVG (*.svg)"}


class _ClickFilter(QObject):
    """Calls `action` when its widget is clicked (the targets panel's chart thumbnail)."""

    def __init__(self, parent: QObject, action: Callable[[], None]) -> None:
        super().__init__(parent)
        self.action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.action()
            return True
        return False


class _FitScroll(QScrollArea):
    """A scroll area that tells when its viewport changed width (the chart is scaled to it)."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class ChartView(QWidget):
    """The chart scaled to the dock's width (never above its drawn size), the buttons, and the
    list of targets waiting for data. `export_requested(fmt)` asks the window to draw it."""

    export_requested = Signal(str)  # "png" or "svg"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chart_view")
        self.image: QImage | None = None
        self.title = QLabel()
        self.copy_button = QPushButton(tr("Copy"))
        self.png_button = QPushButton(tr("Export PNG…"))
        self.svg_button = QPushButton(tr("Export SVG…"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.title, 1)
        for button in (self.copy_button, self.png_button, self.svg_button):
            buttons.addWidget(button)
        self.picture = QLabel(tr("Chart: computing…"))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll_area = _FitScroll()
        self.scroll_area.resized.connect(self._scale)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.picture)
        self.no_data_title = QLabel()
        self.no_data = QListWidget()
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.no_data_title)
        lower_layout.addWidget(self.no_data)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.scroll_area)
        splitter.addWidget(lower)
        splitter.setSizes([4000, 1000])  # the chart gets most of the height
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(splitter, 1)
        self.copy_button.clicked.connect(self.copy)
        self.png_button.clicked.connect(lambda: self.export_requested.emit("png"))
        self.svg_button.clicked.connect(lambda: self.export_requested.emit("svg"))
        self._set_enabled(False)

    def _set_enabled(self, enabled: bool) -> None:
        for button in (self.copy_button, self.png_button, self.svg_button):
            button.setEnabled(enabled)

    def show_chart(self, title: str, image: QImage | None, progress: list[Any]) -> None:
        """The plan's chart (None: nothing to chart) and its evaluated targets."""
        self.title.setText(f"<b>{title}</b>")
        self.image = image if image is not None and not image.isNull() else None
        self._set_enabled(self.image is not None)
        if self.image is None:
            self.picture.setPixmap(QPixmap())
            self.picture.setText(tr("Chart not available"))
        else:
            self._scale()
        zh = language() == "zh"
        waiting = [p for p in progress if p.verdict.value == "no_data"]
        self.no_data_title.setText(
            tr("Targets waiting for data ({n}): not in the chart").format(n=len(waiting))
        )
        self.no_data.clear()
        for p in waiting:
            target = p.target
            name = target.name_zh if zh else target.name_en
            self.no_data.addItem(f"{name} {target.year} — {p.reason or ''}".rstrip(" —"))

    def _scale(self) -> None:
        # Scaling an 1800 px chart smoothly takes tens of ms on the GUI thread: only for a
        # chart on screen (a hidden dock scales when it is shown).
        if self.image is None or not self.isVisible():
            return
        width = max(200, self.scroll_area.viewport().width() - 4)
        pixmap = QPixmap.fromImage(self.image)
        if pixmap.width() > width:
            pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pixmap)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._scale()

    def copy(self) -> None:
        """The chart, as drawn (full resolution), onto the clipboard."""
        if self.image is not None:
            QGuiApplication.clipboard().setImage(self.image)


def export_chart(window: Any, fmt: str, path: str | Path | None = None) -> None:
    """Draw the chosen plan's chart as `fmt` into `path` (asked for when None), on the
    window's export worker with progress and errors shown as for every export."""
    from gis_carbon.qt.chart_process import chart_png

    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
    plan_id = window.plan_id
    if not plan_id:
        return
    if path is None:
        from PySide6.QtWidgets import QFileDialog

        chosen, _ = QFileDialog.getSaveFileName(
            window, tr("Export chart"), f"{plan_id}_chart.{fmt}", EXPORT_FORMATS[fmt]
        )
        if not chosen:
            return
        path = chosen
    out = Path(path)
    if out.suffix.lower() != f".{fmt}":
        out = out.with_name(out.name + f".{fmt}")
    lang = language()

    def work(feedback: Any, ws: Any) -> Path:
        from gis_carbon.errors import ExportError

        data = chart_png(ws.location, plan_id, lang, fmt)
        if data is None:
            raise ExportError(f"plan {plan_id!r} has no chart to export")
        tmp = out.with_name(out.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(out)  # no half-written file under the real name
        return out

    def done(written: Path) -> None:
        window.statusBar().showMessage(tr("Chart written to {path}").format(path=written), 10000)
        window.chart_exported = written

    window._track(tr("Exporting chart"), work, done, user=True, workspace=True)


def install_chart_dock(window: Any) -> ChartView:
    """The chart dock (hidden until asked for), its View-menu entry, and a click on the
    targets panel's thumbnail opening it."""
    from PySide6.QtWidgets import QDockWidget

    view = ChartView()
    dock = QDockWidget(tr("Target chart"), window)
    dock.setObjectName("dock_chart")
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    window.docks["chart"] = dock
    window.chart_view = view
    view.export_requested.connect(lambda fmt: export_chart(window, fmt))

    def open_chart() -> None:
        """Floating, nearly as large as the window: the chart is wide (15 in at 120 dpi)."""
        dock.setFloating(True)
        frame = window.frameGeometry()
        dock.resize(int(frame.width() * 0.85), int(frame.height() * 0.85))
        dock.move(frame.center() - dock.rect().center())
        dock.show()
        dock.raise_()

    window.open_chart = open_chart
    action = dock.toggleViewAction()
    action.setShortcut("Ctrl+G")
    for entry in window.menuBar().actions():  # the View menu: the one that zooms
        menu = entry.menu()
        if menu is not None and window.action_table["zoom_full"] in menu.actions():
            menu.addAction(action)
    thumbnail = window.targets_panel.chart
    thumbnail.setToolTip(tr("Click to open the chart at full size"))
    thumbnail.setCursor(Qt.CursorShape.PointingHandCursor)
    thumbnail.installEventFilter(_ClickFilter(thumbnail, open_chart))
    return view


__all__ = ["ChartView", "export_chart", "install_chart_dock"]
