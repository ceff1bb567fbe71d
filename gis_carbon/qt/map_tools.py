"""Map tools around the canvas: measuring, the search box, copying coordinates, exporting
the view at a chosen DPI, and zoom to selection over every layer.

Each tool listens to the canvas (an event filter, an overlay painter, its context-menu
signal) instead of living inside it, so the canvas stays a drawing surface.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, QSizeF, QStringListModel, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gis_carbon.errors import ValidationError
from gis_carbon.geo.chinese_coords import wgs84_to_gcj02
from gis_carbon.geo.measure import measure
from gis_carbon.model.map_state import Viewport, world_to_lonlat
from gis_carbon.qt.canvas import DRAG_START_PX, MapCanvas, Tool
from gis_carbon.qt.i18n import tr
from gis_carbon.qt.measure_text import area_text, length_text

SCREEN_DPI = 96.0
EXPORT_DPIS = (96, 150, 300, 600)
POINT_BOX_DEG = 0.01  # zooming to one point shows about 1 km around it
SAME_VERTEX_PX = 3.0


# --------------------------------------------------------------------------- measuring


class MeasureTool(QObject):
    """Click points, double-click to end; the length (distance) or the area and perimeter
    (area) stay on the map and in the status bar until the next click starts again."""

    MODES = ("distance", "area")

    def __init__(self, canvas: MapCanvas, show_text: Any = None) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.mode = "distance"
        self.vertices: list[tuple[float, float]] = []  # world xy
        self.hover: tuple[float, float] | None = None
        self.finished = False
        self.text = ""
        self._press: QPoint | None = None
        self._show_text = show_text or (lambda _text: None)
        canvas.installEventFilter(self)
        canvas.overlay_painters.append(self.paint)

    def start(self, mode: str) -> None:
        if mode not in self.MODES:
            raise ValidationError(f"measure mode {mode!r} is not one of {self.MODES}")
        self.mode = mode
        self.canvas.set_tool(Tool.MEASURE)
        self.clear()

    def active(self) -> bool:
        return self.canvas.tool == Tool.MEASURE

    def clear(self) -> None:
        self.vertices, self.hover, self.finished, self.text = [], None, False, ""
        self._show_text("")
        self.canvas.update()

    # ---------------------------------------------------------------- geometry
    def geometry(self, with_hover: bool = True) -> Any:
        """The measured line or polygon in WGS 84 (None before two points)."""
        from shapely.geometry import LineString, Polygon

        points = list(self.vertices)
        if with_hover and self.hover is not None and not self.finished:
            points.append(self.hover)
        if len(points) < 2:
            return None
        lon, lat = world_to_lonlat([p[0] for p in points], [p[1] for p in points])
        coords = list(zip(lon.tolist(), lat.tolist(), strict=True))
        if self.mode == "area" and len(coords) >= 3:
            return Polygon(coords)
        return LineString(coords)

    def measure_text(self, geometry: Any) -> str:
        if geometry is None:
            return ""
        m = measure(geometry)
        if self.mode == "area" and geometry.geom_type == "Polygon":
            return tr("Area {area} / {km2} km² · perimeter {length}").format(
                area=area_text(m.area_m2),
                km2=f"{m.area_m2 / 1e6:,.3f}",
                length=length_text(m.length_m),
            )
        return tr("Distance {length}").format(length=length_text(m.length_m))

    def _update_text(self) -> None:
        self.text = self.measure_text(self.geometry())
        self._show_text(self.text)
        self.canvas.update()

    # ---------------------------------------------------------------- events
    def add_point(self, pos: QPointF | QPoint) -> None:
        world = self.canvas.view.screen_to_world(pos.x(), pos.y())
        xy = (float(world[0]), float(world[1]))
        if self.finished:
            self.vertices, self.finished = [], False
        if self.vertices:
            last = self.canvas.view.world_to_screen(*self.vertices[-1])
            if math.dist((float(last[0]), float(last[1])), (pos.x(), pos.y())) <= SAME_VERTEX_PX:
                return  # the second click of a double-click
        self.vertices.append(xy)
        self._update_text()

    def finish(self) -> None:
        self.finished = True
        self.hover = None
        self._update_text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.active():
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            if event.button() == Qt.MouseButton.LeftButton:
                self._press = event.position().toPoint()
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            pos = event.position()
            moved = self._press is not None and (
                (pos.toPoint() - self._press).manhattanLength() > DRAG_START_PX
            )
            if event.button() == Qt.MouseButton.LeftButton and not moved:
                self.add_point(pos)
            self._press = None
        elif kind == QEvent.Type.MouseButtonDblClick and isinstance(event, QMouseEvent):
            if event.button() == Qt.MouseButton.LeftButton:
                self.finish()
                return True
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            if self.vertices and not self.finished:
                pos = event.position()
                world = self.canvas.view.screen_to_world(pos.x(), pos.y())
                self.hover = (float(world[0]), float(world[1]))
                self._update_text()
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.clear()
            elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.vertices:
                self.finish()
        return False

    # ---------------------------------------------------------------- drawing
    def paint(self, painter: QPainter) -> None:
        if not self.active() or not self.vertices:
            return
        view = self.canvas.view
        points = list(self.vertices)
        if self.hover is not None and not self.finished:
            points.append(self.hover)
        screen = [QPointF(*map(float, view.world_to_screen(x, y))) for x, y in points]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#6a1b9a"), 2, Qt.PenStyle.DashLine))
        if self.mode == "area" and len(screen) >= 3:
            painter.setBrush(QColor(106, 27, 154, 45))
            painter.drawPolygon(QPolygonF(screen))
        else:
            painter.drawPolyline(QPolygonF(screen))
        painter.setPen(QPen(QColor("#6a1b9a"), 2))
        painter.setBrush(QColor("white"))
        for point in screen[: len(self.vertices)]:
            painter.drawEllipse(point, 4, 4)
        if self.text:
            font = QFont(self.canvas.font_family)
            font.setPixelSize(13)
            painter.setFont(font)
            # one line per part (area, perimeter), kept inside the map
            text = self.text.replace(" · ", "\n")
            box = QRectF(
                painter.fontMetrics().boundingRect(
                    0, 0, 2000, 200, int(Qt.AlignmentFlag.AlignLeft), text
                )
            ).adjusted(-6, -4, 6, 4)
            box.moveBottomLeft(screen[-1] + QPointF(12, -12))
            width, height = self.canvas.width(), self.canvas.height()
            box.moveLeft(max(4.0, min(box.left(), width - box.width() - 4)))
            box.moveTop(max(4.0, min(box.top(), height - box.height() - 4)))
            painter.setPen(QPen(QColor("#6a1b9a"), 1))
            painter.setBrush(QColor(255, 255, 255, 230))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor("#222222"))
            painter.drawText(box.adjusted(6, 4, -6, -4), int(Qt.AlignmentFlag.AlignLeft), text)
        painter.restore()


# --------------------------------------------------------------------------- search


class SearchBox(QWidget):
    """A line above the map: type a region's or a project's name, pick it, the map zooms to
    it. Candidates come from the loaded boundaries (provinces and counties), the townships of
    the workspace's township layers (read on a worker) and the projects."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.main_window = window
        self.entries: dict[str, tuple[str, Any]] = {}  # shown text → (kind, code or id)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 3, 4, 3)
        self.edit = QLineEdit()
        self.edit.setObjectName("map_search")
        self.edit.setPlaceholderText(tr("Search a place or project…"))
        self.edit.setClearButtonEnabled(True)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(12)
        self.edit.setCompleter(self.completer)
        self.completer.activated.connect(self.go)
        self.edit.returnPressed.connect(lambda: self.go(self.edit.text()))
        self.edit.textChanged.connect(lambda _t: self.refresh())
        layout.addWidget(self.edit)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._signature: tuple[int, ...] = ()
        self.townships: list[tuple[str, str, tuple[float, ...]]] = []
        self._township_layers: tuple[str, ...] | None = None

    def refresh(self) -> None:
        """Rebuild the candidates when boundaries or projects changed since the last time."""
        canvas = self.main_window.canvas
        self._load_townships()
        layers = [canvas.data.get(key) for key in ("provinces", "counties")]
        # the objects themselves: a reload (or an edit) of projects builds a new dict
        signature = (*(id(d) for d in layers), id(self.townships), id(canvas.projects))
        if signature == self._signature:
            return
        self._signature = signature
        entries: dict[str, tuple[str, Any]] = {}
        for data, kind_label in zip(layers, (tr("province"), tr("county")), strict=True):
            if data is None:
                continue
            for code, name in zip(data.codes, data.names, strict=True):
                parent = self.main_window.region_names.get(code[:2] + "0000", "")
                text = f"{name} — {kind_label}" + (
                    f" · {parent}" if parent and parent != name else ""
                )
                entries.setdefault(text, ("region", code))
        for code, name, bounds in self.townships:
            county = self.main_window.region_names.get(code[:6], "")
            text = f"{name} — {tr('township')}" + (f" · {county}" if county else "")
            entries.setdefault(text, ("place", bounds))
        for pid, project in sorted(canvas.projects.items()):
            entries.setdefault(f"{project.name} — {tr('project')} #{pid}", ("project", pid))
        self.entries = entries
        self.model.setStringList(list(entries))

    def _load_townships(self) -> None:
        """Read the township names on a worker when the workspace's layers changed."""
        window = self.main_window
        layers = tuple(layer.id for layer in window.canvas.state.layers)
        if layers == self._township_layers:
            return
        self._township_layers = layers

        def work(_feedback: Any, ws: Any) -> list[tuple[str, str, tuple[float, ...]]]:
            from gis_carbon.services.regions import township_places

            return township_places(ws)

        def loaded(places: list[tuple[str, str, tuple[float, ...]]]) -> None:
            self.townships = places
            self.refresh()

        window._track(tr("Reading township names"), work, loaded, workspace=True)

    def lookup(self, text: str) -> tuple[str, Any] | None:
        """The entry shown as `text`, else the first whose name is `text`, else the first
        whose name contains it (regions before projects)."""
        self.refresh()
        text = text.strip()
        if not text:
            return None
        if text in self.entries:
            return self.entries[text]
        names = [(shown.split(" — ")[0], target) for shown, target in self.entries.items()]
        for name, target in names:
            if name == text:
                return target
        for name, target in names:
            if text in name:
                return target
        return None

    def go(self, text: str) -> bool:
        target = self.lookup(text)
        if target is None:
            self.main_window.statusBar().showMessage(
                tr("Nothing found for {text}").format(text=text), 5000
            )
            return False
        kind, key = target
        canvas = self.main_window.canvas
        if kind == "place":
            zoom_to_lonlat_box(canvas, key)
        elif kind == "region":
            bounds = self.main_window._region_bounds(key)
            if bounds is None:
                return False
            canvas.set_view(
                canvas.view.resized(canvas.width(), canvas.height()).fitted(bounds, margin=0.08)
            )
        else:
            canvas.set_selection({key})
            zoom_to_lonlat_box(canvas, canvas.projects[key].geometry.bounds)
        return True


def zoom_to_lonlat_box(canvas: MapCanvas, bounds: tuple[float, float, float, float]) -> None:
    """Zoom to a WGS 84 box; a point (or a tiny box) shows about a kilometre around it."""
    west, south, east, north = bounds
    if east - west < POINT_BOX_DEG and north - south < POINT_BOX_DEG:
        cx, cy = (west + east) / 2, (south + north) / 2
        half = POINT_BOX_DEG / 2
        west, south, east, north = cx - half, cy - half, cx + half, cy + half
    canvas.zoom_to_lonlat_bounds((west, south, east, north))


def selection_bounds(canvas: MapCanvas) -> tuple[float, float, float, float] | None:
    """The WGS 84 box of every selected project and selected user-layer feature."""
    boxes = [canvas.projects[i].geometry.bounds for i in canvas.selected if i in canvas.projects]
    for layer_id, ids in canvas.feature_selection.items():
        index = canvas.features.get(layer_id)
        if index is None:
            continue
        for i in ids:
            geometry = index.geometries[i]
            if geometry is not None and not geometry.is_empty:
                boxes.append(geometry.bounds)
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def put_above(canvas: MapCanvas, window: Any, widget: QWidget) -> None:
    """Put `widget` right above the canvas, wherever the canvas sits (central widget or a
    layout of another helper's container)."""
    container = QWidget()
    layout = QVBoxLayout(container)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(widget)
    parent = canvas.parentWidget()
    if window.centralWidget() is canvas:
        window.takeCentralWidget()
        layout.addWidget(canvas, 1)
        window.setCentralWidget(container)
    elif parent is not None and (parent_layout := parent.layout()) is not None:
        parent_layout.replaceWidget(canvas, container)
        layout.addWidget(canvas, 1)
    else:  # somewhere unknown: keep the canvas where it is, the box over its top edge
        widget.setParent(canvas)
        widget.show()


# --------------------------------------------------------------------------- coordinates


def coordinate_texts(lon: float, lat: float) -> dict[str, str]:
    """'lon, lat' in WGS 84 and in GCJ-02 (what Amap and most Chinese web maps use)."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    return {"WGS 84": f"{lon:.6f}, {lat:.6f}", "GCJ-02": f"{glon:.6f}, {glat:.6f}"}


def coordinate_menu(canvas: MapCanvas, pos: QPoint, parent: QWidget | None = None) -> QMenu:
    """The map's context menu at a pixel: copy its coordinates in either datum."""
    menu = QMenu(parent or canvas)
    lon, lat = canvas.lonlat_at(pos)
    for crs, text in coordinate_texts(lon, lat).items():
        action = menu.addAction(tr("Copy coordinates ({crs}): {text}").format(crs=crs, text=text))
        action.triggered.connect(lambda _=False, t=text: QGuiApplication.clipboard().setText(t))
    return menu


# --------------------------------------------------------------------------- export


def _export_view(canvas: MapCanvas, dpi: float) -> tuple[Viewport, float]:
    if not (24 <= dpi <= 1200):
        raise ValidationError(f"DPI must be between 24 and 1200; got {dpi}", "dpi", dpi)
    scale = dpi / SCREEN_DPI
    view = canvas.view.resized(canvas.width(), canvas.height())
    width, height = round(view.width * scale), round(view.height * scale)
    big = Viewport(
        center_x=view.center_x,
        center_y=view.center_y,
        resolution=view.resolution * view.width / width,
        width=width,
        height=height,
    )
    return big, width / view.width


def render_view(canvas: MapCanvas, dpi: float) -> QImage:
    """The current view at `dpi` (96 is the screen): the basemap's loaded tiles and the
    layers drawn afresh at that resolution; scale bar, north arrow, attribution and the
    measurement at their on-screen size, scaled up."""
    from gis_carbon.qt.render import Renderer

    big, scale = _export_view(canvas, dpi)
    image = QImage(big.width, big.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#f4f1ea"))
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    canvas.pool.waitForDone()  # never draw the shared paths on two threads at once
    layers = Renderer().render(canvas.scene(), big, "#00000000")
    painter = QPainter(image)
    try:
        if canvas.basemap is not None:
            canvas.basemap.paint(painter, big, zoom=canvas.basemap.zoom_for(canvas.view))
        painter.drawImage(0, 0, layers)
        painter.scale(scale, scale)
        canvas._paint_overlays(painter)
    finally:
        painter.end()
    return image


def export_view(canvas: MapCanvas, path: str | Path, dpi: float) -> Path:
    """Write the view to a .png or .pdf file (by its suffix) at `dpi`."""
    from gis_carbon.errors import ExportError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise ExportError(f"{path.name}: the map view exports to .png or .pdf, not {suffix!r}")
    image = render_view(canvas, dpi)
    if suffix == ".png":
        if not image.save(str(path)):  # PNG, by the suffix
            raise ExportError(f"{path}: could not be written")
        return path
    writer = QPdfWriter(str(path))
    writer.setResolution(round(dpi))
    size_mm = QSizeF(canvas.width() / SCREEN_DPI * 25.4, canvas.height() / SCREEN_DPI * 25.4)
    writer.setPageSize(QPageSize(size_mm, QPageSize.Unit.Millimeter))
    writer.setPageMargins(writer.pageLayout().margins() * 0)
    writer.setTitle(tr("Map view"))
    writer.setCreator("gis-carbon")
    painter = QPainter(writer)
    try:
        painter.drawImage(QRectF(painter.viewport()), image)
    finally:
        painter.end()
    return path


class ExportViewDialog(QDialog):
    """File → Export map view…: a file (PNG or PDF) and a DPI."""

    def __init__(
        self, canvas: MapCanvas, parent: QWidget | None = None, directory: str = ""
    ) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.setWindowTitle(tr("Export map view"))
        form = QFormLayout(self)
        self.dpi = QComboBox()
        for dpi in EXPORT_DPIS:
            self.dpi.addItem(f"{dpi} DPI", dpi)
        self.dpi.setCurrentIndex(EXPORT_DPIS.index(300))
        self.path = QLineEdit(str(Path(directory or Path.home()) / "map.png"))
        browse = QPushButton(tr("Browse…"))
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        form.addRow(tr("File"), row)
        form.addRow(tr("Resolution"), self.dpi)
        self.size_note = QLineEdit()
        self.size_note.setReadOnly(True)
        form.addRow(tr("Image size"), self.size_note)
        self.dpi.currentIndexChanged.connect(self._show_size)
        self._show_size()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.written: Path | None = None

    def _show_size(self) -> None:
        big, _scale = _export_view(self.canvas, float(self.dpi.currentData()))
        self.size_note.setText(f"{big.width} × {big.height} px")

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, tr("Export map view"), self.path.text(), "PNG (*.png);;PDF (*.pdf)"
        )
        if path:
            self.path.setText(path)

    def accept(self) -> None:
        from gis_carbon.errors import GisCarbonError

        try:
            self.written = export_view(self.canvas, self.path.text(), float(self.dpi.currentData()))
        except GisCarbonError as exc:
            parent = self.parent()
            if parent is not None and hasattr(parent, "show_error"):
                parent.show_error(exc)
            return
        super().accept()


# --------------------------------------------------------------------------- wiring


class MapTools(QObject):
    """Everything above, installed into the main window with one call."""

    def __init__(self, window: Any, view_menu: QMenu, tools_menu: QMenu, file_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        canvas = self.canvas = window.canvas
        self.measure = MeasureTool(canvas, self._show_measure)
        group = window.tool_actions[Tool.PAN].actionGroup()
        self.measure_actions: dict[str, QAction] = {}
        for mode, text, shortcut in (
            ("distance", "Measure distance", "Ctrl+M"),
            ("area", "Measure area", "Ctrl+Shift+M"),
        ):
            action = QAction(tr(text), window)
            action.setCheckable(True)
            action.setShortcut(shortcut)
            action.triggered.connect(lambda _=False, m=mode: self.measure.start(m))
            action.toggled.connect(lambda on: None if on else self.measure.clear())
            group.addAction(action)
            tools_menu.addAction(action)
            self.measure_actions[mode] = action
        toolbar = window.findChild(QWidget, "toolbar_main")
        if toolbar is not None:
            toolbar.addAction(self.measure_actions["distance"])
            toolbar.addAction(self.measure_actions["area"])
            toolbar.addAction(window.action_table["zoom_selection"])
        self.export_action = QAction(tr("Export map view…"), window)
        self.export_action.triggered.connect(self.export_dialog)
        file_menu.insertAction(window.action_table["export"], self.export_action)
        self.search = SearchBox(window)
        put_above(canvas, window, self.search)
        canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        canvas.customContextMenuRequested.connect(self._context_menu)
        from gis_carbon.qt.basemap import BasemapMenu

        self.basemaps = BasemapMenu(window, view_menu)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            layer = self.canvas.basemap
            if layer is not None:  # queued tiles are dropped; a fetch under way ends on its own
                layer.wanted = frozenset()
                layer.pool.clear()
        return False

    def _show_measure(self, text: str) -> None:
        label = self.window.measure_label
        label.setText(text)
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance(text) + 8)
        label.setVisible(bool(text))

    def _context_menu(self, pos: QPoint) -> None:
        menu = coordinate_menu(self.window.canvas, pos, self.window)
        menu.popup(self.window.canvas.mapToGlobal(pos))

    def export_dialog(self) -> ExportViewDialog:
        dialog = ExportViewDialog(self.window.canvas, self.window)
        dialog.open()
        return dialog


__all__ = [
    "ExportViewDialog",
    "MapTools",
    "MeasureTool",
    "SearchBox",
    "coordinate_menu",
    "coordinate_texts",
    "export_view",
    "render_view",
    "selection_bounds",
]
