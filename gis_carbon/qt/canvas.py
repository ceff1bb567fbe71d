"""The map canvas: a QWidget showing frames rendered off the GUI thread.

The widget keeps the last frame and the view it was drawn for. Any change of view (drag,
wheel, box zoom, resize) repaints at once by drawing that frame through the transform from
the old view to the new one; a full render is queued on a worker (QThreadPool) and replaces
the frame when it arrives — stale frames (an older generation) are dropped.

Tools: pan (drag; a click without drag identifies), zoom box, identify, place point, draw
line, draw polygon (click vertices, double-click finishes, Backspace removes the last vertex,
Esc cancels; vertices snap to existing ones within SNAP_PX), and move/reshape (drag a
selected project, or one vertex of its line/polygon).
"""

from __future__ import annotations

import enum
import math
import threading
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPoint, QPointF, QRectF, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from gis_carbon.model.map_state import MapState, Viewport, lonlat_to_world, scale_bar
from gis_carbon.qt import approximate
from gis_carbon.qt.geometry_cache import METRES_PER_DEGREE, BoundaryData
from gis_carbon.qt.i18n import tr
from gis_carbon.qt.render import ProjectLayerData, Renderer, Scene, _world_transform

SNAP_PX = 8.0
PICK_PX = 9.0
DRAG_START_PX = 4


class Tool(enum.StrEnum):
    PAN = "pan"
    ZOOM_BOX = "zoom_box"
    IDENTIFY = "identify"
    PLACE_POINT = "place_point"
    DRAW_LINE = "draw_line"
    DRAW_POLYGON = "draw_polygon"
    MOVE = "move"
    SELECT = "select"
    MEASURE = "measure"  # qt.map_tools.MeasureTool handles its clicks


_local = threading.local()


class _RenderSignals(QObject):
    done = Signal(int, object, object)  # generation, QImage, Viewport


class _RenderTask(QRunnable):
    def __init__(
        self,
        generation: int,
        scene: Scene,
        view: Viewport,
        signals: _RenderSignals,
        background: str = "#f4f1ea",
    ) -> None:
        super().__init__()
        self.generation, self.scene, self.view, self.signals = generation, scene, view, signals
        self.background = background
        self.setAutoDelete(True)

    def run(self) -> None:
        renderer = getattr(_local, "renderer", None)
        if renderer is None:
            renderer = _local.renderer = Renderer()
        image = renderer.render(self.scene, self.view, self.background)
        self.signals.done.emit(self.generation, image, self.view)


class MapCanvas(QWidget):
    view_changed = Signal()
    cursor_moved = Signal(float, float)  # lon, lat
    frame_ready = Signal()
    selection_changed = Signal(object)  # frozenset[int] of project ids
    geometry_finished = Signal(object, str)  # shapely geometry (WGS 84), tool
    drawing_changed = Signal(object)  # the geometry being drawn so far (or None)
    # the geometry being drawn with the cursor as its next vertex (or None): for the running
    # length and area in the status bar
    sketch_changed = Signal(object)
    move_finished = Signal(int, object)  # project id, new shapely geometry
    region_identified = Signal(str)  # region code under an identify click with no project
    # every visible layer's features under an identify click: [(layer id, [ids])], top first
    identified = Signal(object)
    # the selected features of a user layer changed: layer id, frozenset of feature indices
    feature_selection_changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self.state = MapState()
        self.data: dict[str, Any] = {}
        self.font_family = ""
        self.emphasis: frozenset[str] = frozenset()
        self.focus: frozenset[str] = frozenset()
        self.selected: frozenset[int] = frozenset()
        self.highlighted: frozenset[int] = frozenset()
        self.expanded: frozenset[tuple[int, int]] = frozenset()  # approximate spots fanned out
        self.hatched: list[QPainterPath] = []  # siting overlaps, world coordinates
        self.projects: dict[int, Any] = {}
        # user vector layers' features (geometries, attributes, index) and their selection
        self.features: dict[str, Any] = {}  # layer id → geo.feature_index.FeatureIndex
        self.feature_selection: dict[str, frozenset[int]] = {}
        self._selection_paths: dict[str, tuple[QPainterPath, np.ndarray]] = {}
        # Built in set_projects (the only place self.projects changes), not on every paint
        # or mouse move: each line/area project's world path, and the snap candidates.
        self._project_paths: dict[int, QPainterPath] = {}
        self._project_snap_xy: np.ndarray = np.empty((0, 2))
        # The GUI thread's own copies of the paths it outlines (see _marked_path).
        self._marked_paths: dict[int, QPainterPath] = {}
        self.tool = Tool.PAN
        self.vertices: list[tuple[float, float]] = []  # world xy of the geometry being drawn
        self._hover: tuple[float, float] | None = None
        self._press: QPoint | None = None
        self._drag_from: QPoint | None = None
        self._drag_view: Viewport | None = None
        self._box: QRectF | None = None
        self._move: dict[str, Any] | None = None
        self.frame: QImage | None = None
        self.frame_view: Viewport | None = None
        self.generation = 0
        self.pool = QThreadPool(self)
        # One render thread: a QPainterPath builds its drawing cache lazily on first use, so
        # two threads drawing the same boundary paths at once would race inside Qt.
        self.pool.setMaxThreadCount(1)
        self._signals = _RenderSignals()
        self._signals.done.connect(self._on_frame)
        self.overview: QImage | None = None
        self.overview_view: Viewport | None = None
        # An online basemap drawn under the frames (qt.basemap.set_basemap; None: offline),
        # the frames' background (transparent over a basemap), and extra overlay painters
        # (the measure tool): callables taking the painter, drawn last.
        self.basemap: Any = None
        self.background = "#f4f1ea"
        self.overlay_painters: list[Any] = []
        self.overview_visible = True  # View → Overview map
        self.overview_rect: QRectF | None = None  # where it was last drawn

    # ---------------------------------------------------------------- view
    @property
    def view(self) -> Viewport:
        return self.state.view

    def set_view(self, view: Viewport, render: bool = True) -> None:
        self.state.view = view.resized(max(1, self.width()), max(1, self.height()))
        self.update()
        self.view_changed.emit()
        if render:
            self.request_render()

    def zoom_to_lonlat_bounds(self, bounds: tuple[float, float, float, float]) -> None:
        self.set_view(self.view.resized(self.width(), self.height()).fitted_lonlat(bounds))

    def zoom_to_world_bounds(self, bounds: tuple[float, float, float, float]) -> None:
        self.set_view(self.view.resized(self.width(), self.height()).fitted(bounds))

    def zoom_by(self, factor: float, anchor: tuple[float, float] | None = None) -> None:
        self.set_view(self.view.zoomed(factor, anchor))

    def screen_point(self, lon: float, lat: float) -> QPoint:
        """The widget pixel of a WGS 84 position in the current view."""
        x, y = self.view.lonlat_to_screen(lon, lat)
        return QPoint(round(x), round(y))

    def lonlat_at(self, pos: QPointF | QPoint) -> tuple[float, float]:
        return self.view.screen_to_lonlat(pos.x(), pos.y())

    # ---------------------------------------------------------------- content
    def set_layer_data(self, layer_id: str, data: Any) -> None:
        self.data[layer_id] = data
        self.request_render()

    def set_projects(
        self,
        projects: list[Any],
        layer: ProjectLayerData | None = None,
        by_id: dict[int, Any] | None = None,
    ) -> None:
        """Show these projects; `layer` is their ProjectLayerData and `by_id` them by id when
        a worker built them (10⁶ projects: no pass over them on the GUI thread)."""
        self.projects = by_id if by_id is not None else {int(p.id): p for p in projects}
        if layer is None:
            layer = ProjectLayerData.from_projects(projects)
        self.data["projects"] = layer
        self._project_paths = {pid: path for pid, _t, path, _areal in layer.shapes}
        self._marked_paths = {}
        self._project_snap_xy = (
            layer.snap_xy if layer.snap_xy is not None else self._project_vertices(layer)
        )
        self.selected = frozenset(i for i in self.selected if i in self.projects)
        self.request_render()

    def set_selection(self, ids: frozenset[int] | set[int], emit: bool = True) -> None:
        ids = frozenset(int(i) for i in ids if int(i) in self.projects)
        if ids == self.selected:
            return
        self.selected = ids
        self.update()
        if emit:
            self.selection_changed.emit(ids)

    def set_highlight(self, ids: frozenset[int] | set[int]) -> None:
        self.highlighted = frozenset(ids)
        self.update()

    def set_layer_features(self, layer_id: str, index: Any) -> None:
        """A user layer's FeatureIndex: identify, selection and the attribute table use it."""
        self.features[layer_id] = index
        self.feature_selection.pop(layer_id, None)
        self._selection_paths.pop(layer_id, None)

    def remove_layer_features(self, layer_id: str) -> None:
        self.features.pop(layer_id, None)
        if self.feature_selection.pop(layer_id, None):
            self.feature_selection_changed.emit(layer_id, frozenset())
        self._selection_paths.pop(layer_id, None)
        self.update()

    def set_feature_selection(
        self, layer_id: str, ids: frozenset[int] | set[int], emit: bool = True
    ) -> None:
        index = self.features.get(layer_id)
        if index is None:
            return
        ids = frozenset(int(i) for i in ids if 0 <= int(i) < len(index))
        if ids == self.feature_selection.get(layer_id, frozenset()):
            return
        self.feature_selection[layer_id] = ids
        self._selection_paths.pop(layer_id, None)
        self.update()
        if emit:
            self.feature_selection_changed.emit(layer_id, ids)

    def _selected_feature_paths(self, layer_id: str) -> tuple[QPainterPath, np.ndarray]:
        """One world path of the selected lines and polygons, and the selected points' world
        xy: built once per selection change, not per paint."""
        cached = self._selection_paths.get(layer_id)
        if cached is None:
            import shapely

            from gis_carbon.qt.geometry_cache import geometry_path

            index = self.features[layer_id]
            path = QPainterPath()
            points = []
            for i in sorted(self.feature_selection.get(layer_id, ())):
                geometry = index.geometries[i]
                if geometry is None or geometry.is_empty:
                    continue
                if shapely.get_type_id(geometry) in (0, 4):
                    points.append(shapely.get_coordinates(geometry))
                else:
                    path.addPath(geometry_path(geometry)[0])
            xy = np.concatenate(points) if points else np.empty((0, 2))
            wx, wy = lonlat_to_world(xy[:, 0], xy[:, 1])
            cached = (path, np.column_stack([wx, wy]))
            self._selection_paths[layer_id] = cached
        return cached

    def set_hatched(self, paths: list[QPainterPath]) -> None:
        self.hatched = paths
        self.update()

    def set_tool(self, tool: Tool | str) -> None:
        self.tool = Tool(tool)
        self.vertices = []
        self._move = None
        self.setCursor(
            Qt.CursorShape.OpenHandCursor if self.tool == Tool.PAN else Qt.CursorShape.CrossCursor
        )
        self.drawing_changed.emit(None)
        self.sketch_changed.emit(None)
        self.update()

    def scene(self) -> Scene:
        return Scene(
            layers=self.state.draw_order(),
            data=dict(self.data),
            font_family=self.font_family,
            emphasis=self.emphasis,
            focus=self.focus,
            expanded=self.expanded,
        )

    def approximate_groups(self) -> list[approximate.ApproximateGroup]:
        """The approximate projects as this view draws them (clusters, fans, rings)."""
        data = self.data.get("projects")
        if not isinstance(data, ProjectLayerData):
            return []
        view = self.view.resized(max(1, self.width()), max(1, self.height()))
        return approximate.layout(data.ids, data.xy, data.precision, view, self.expanded)

    def toggle_cluster_at(self, pos: QPointF | QPoint) -> bool:
        """Fan out the cluster under a click, or fold back one fanned by a click."""
        group = approximate.cluster_at(self.approximate_groups(), pos.x(), pos.y())
        if group is None or (group.fanned and group.key not in self.expanded):
            return False  # nothing there, or fanned by the zoom (folds when zoomed out)
        self.expanded = self.expanded ^ {group.key}
        self.request_render()
        return True

    # ---------------------------------------------------------------- rendering
    def request_render(self) -> None:
        self.generation += 1
        view = self.view.resized(max(1, self.width()), max(1, self.height()))
        self.pool.start(
            _RenderTask(self.generation, self.scene(), view, self._signals, self.background)
        )

    def _on_frame(self, generation: int, image: QImage, view: Viewport) -> None:
        if generation < getattr(self, "_shown_generation", 0):
            return
        self._shown_generation = generation
        self.frame, self.frame_view = image, view
        self.update()
        if generation == self.generation:
            self.frame_ready.emit()

    def is_current(self) -> bool:
        """True when the shown frame is the latest requested one."""
        return getattr(self, "_shown_generation", 0) == self.generation

    def render_now(self) -> QImage:
        """A frame of the current view, rendered synchronously (screenshots, tests)."""
        self.pool.waitForDone()  # never draw the shared paths on two threads at once
        view = self.view.resized(self.width(), self.height())
        image = Renderer().render(self.scene(), view, self.background)
        self.generation += 1
        self._on_frame(self.generation, image, self.view.resized(self.width(), self.height()))
        return image

    def _frame_transform(self) -> QTransform | None:
        """Where the last frame's pixels land in the current view."""
        if self.frame is None or self.frame_view is None:
            return None
        old, new = self.frame_view, self.view
        scale = old.resolution / new.resolution
        ox, oy = old.origin
        sx, sy = new.world_to_screen(ox, oy)
        return QTransform(scale, 0, 0, scale, float(sx), float(sy))

    # ---------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#f4f1ea"))
        if self.basemap is not None:
            self.basemap.paint(painter, self.view)
        transform = self._frame_transform()
        if transform is not None and self.frame is not None:
            painter.save()
            painter.setTransform(transform)
            painter.drawImage(0, 0, self.frame)
            painter.restore()
        self._paint_overlays(painter)
        painter.end()

    def _paint_overlays(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        world = _world_transform(self.view)
        if self.hatched:
            painter.save()
            painter.setTransform(world)
            pen = QPen(QColor("#c0392b"), 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            brush = QBrush(QColor("#c0392b"), Qt.BrushStyle.DiagCrossPattern)
            brush.setTransform(world.inverted()[0])  # keep the hatch spacing in pixels
            painter.setBrush(brush)
            for path in self.hatched:
                painter.drawPath(path)
            painter.restore()
        self._paint_feature_selection(painter)
        self._paint_marked(painter, self.highlighted - self.selected, QColor("#f39c12"), 3)
        self._paint_marked(painter, self.selected, QColor("#00bcd4"), 4)
        self._paint_drawing(painter)
        if self._box is not None:
            painter.setPen(QPen(QColor("#1565c0"), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(21, 101, 192, 40))
            painter.drawRect(self._box)
        self._paint_scale_bar(painter)
        self._paint_north_arrow(painter)
        self._paint_overview(painter)
        if self.basemap is not None:
            self.basemap.paint_attribution(painter, self.width(), self.height(), self.font_family)
        for paint_overlay in self.overlay_painters:
            paint_overlay(painter)

    def _paint_feature_selection(self, painter: QPainter) -> None:
        colour = QColor("#00bcd4")
        for layer_id, ids in self.feature_selection.items():
            if not ids or layer_id not in self.features:
                continue
            if not any(layer.id == layer_id and layer.visible for layer in self.state.layers):
                continue
            path, xy = self._selected_feature_paths(layer_id)
            painter.save()
            painter.setTransform(_world_transform(self.view))
            pen = QPen(colour, 3)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QColor(0, 188, 212, 60))
            painter.drawPath(path)
            painter.restore()
            if len(xy):
                sx, sy = self.view.world_to_screen(xy[:, 0], xy[:, 1])
                painter.setPen(QPen(colour, 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for x, y in zip(sx.tolist(), sy.tolist(), strict=True):
                    painter.drawEllipse(QPointF(x, y), 8, 8)

    def _paint_marked(
        self, painter: QPainter, ids: frozenset[int], colour: QColor, width: float
    ) -> None:
        if not ids:
            return
        view = self.view
        painter.setBrush(Qt.BrushStyle.NoBrush)
        # a member of a fanned-out cluster is marked where the fan shows it
        fanned = {
            member: position
            for group in self.approximate_groups()
            if group.fanned
            for member, position in zip(group.ids, group.positions, strict=True)
        }
        for pid in ids:
            project = self.projects.get(pid)
            if project is None:
                continue
            path = self._marked_path(pid)
            if path is not None:
                painter.save()
                painter.setTransform(_world_transform(view))
                pen = QPen(colour, width)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.drawPath(path)
                painter.restore()
            x, y = fanned.get(pid) or view.lonlat_to_screen(*project.lonlat)
            painter.setPen(QPen(colour, width))
            painter.drawEllipse(QPointF(x, y), 13, 13)

    def _marked_path(self, pid: int) -> QPainterPath | None:
        """A line/area project's world path (None for points), as a deep copy of the GUI
        thread's own: the layer's path is drawn by the render thread too, and a QPainterPath
        builds its drawing cache lazily on first use (implicitly shared copies share it)."""
        path = self._marked_paths.get(pid)
        if path is None:
            shared = self._project_paths.get(pid)
            if shared is None:
                return None
            path = QPainterPath()
            path.addPath(shared)  # copies the elements: a plain copy would share them
            path.setFillRule(shared.fillRule())
            self._marked_paths[pid] = path
        return path

    def _paint_drawing(self, painter: QPainter) -> None:
        if not self.vertices and self._move is None:
            return
        view = self.view
        points = [QPointF(*map(float, view.world_to_screen(x, y))) for x, y in self.vertices]
        if self._hover is not None and self.tool in (Tool.DRAW_LINE, Tool.DRAW_POLYGON):
            points.append(QPointF(*map(float, view.world_to_screen(*self._hover))))
        pen = QPen(QColor("#d81b60"), 2)
        painter.setPen(pen)
        if self.tool == Tool.DRAW_POLYGON and len(points) >= 3:
            painter.setBrush(QColor(216, 27, 96, 50))
            painter.drawPolygon(QPolygonF(points))
        else:
            painter.drawPolyline(QPolygonF(points))
        painter.setBrush(QColor("white"))
        for point in points[: len(self.vertices)]:
            painter.drawRect(QRectF(point.x() - 3, point.y() - 3, 6, 6))
        if self._move is not None and self._move.get("preview") is not None:
            painter.setPen(QPen(QColor("#d81b60"), 2, Qt.PenStyle.DashLine))
            for x, y in self._move["preview"]:
                sx, sy = view.world_to_screen(x, y)
                painter.drawEllipse(QPointF(float(sx), float(sy)), 6, 6)

    def _paint_scale_bar(self, painter: QPainter) -> None:
        _metres, pixels, label = scale_bar(self.view)
        x0, y0 = 20.0, self.height() - 28.0
        painter.setPen(QPen(QColor("#222222"), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.fillRect(QRectF(x0 - 6, y0 - 22, pixels + 60, 34), QColor(255, 255, 255, 200))
        painter.drawLine(QPointF(x0, y0), QPointF(x0 + pixels, y0))
        painter.drawLine(QPointF(x0, y0 - 5), QPointF(x0, y0 + 3))
        painter.drawLine(QPointF(x0 + pixels, y0 - 5), QPointF(x0 + pixels, y0 + 3))
        font = QFont(self.font_family)
        font.setPixelSize(12)
        painter.setFont(font)
        painter.drawText(QPointF(x0 + pixels + 6, y0 + 4), label)

    def _paint_north_arrow(self, painter: QPainter) -> None:
        cx, top = self.width() - 34.0, 18.0
        painter.setPen(QPen(QColor("#222222"), 1))
        painter.setBrush(QColor("#222222"))
        painter.drawPolygon(
            QPolygonF([QPointF(cx, top), QPointF(cx + 9, top + 28), QPointF(cx, top + 22)])
        )
        painter.setBrush(QColor("white"))
        painter.drawPolygon(
            QPolygonF([QPointF(cx, top), QPointF(cx - 9, top + 28), QPointF(cx, top + 22)])
        )
        font = QFont(self.font_family)
        font.setPixelSize(13)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(cx - 15, top + 28, 30, 18), Qt.AlignmentFlag.AlignCenter, tr("N"))

    def _paint_overview(self, painter: QPainter) -> None:
        self.overview_rect = None
        if self.overview is None or self.overview_view is None:
            return
        if not self.overview_visible:
            return
        from gis_carbon.qt.desk_actions import overview_place, plan_cover_test

        size = (self.overview.width(), self.overview.height())
        place = overview_place((self.width(), self.height()), size, plan_cover_test(self))
        if place is None:
            return
        x0, y0, w, h = place
        scale = w / size[0]  # shrunk where no corner has room for the whole inset
        self.overview_rect = QRectF(x0, y0, w, h)
        painter.setPen(QPen(QColor("#555555"), 1))
        painter.drawImage(self.overview_rect, self.overview)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(x0, y0, w, h))
        minx, miny, maxx, maxy = self.view.extent
        ov = self.overview_view
        ax, ay = ov.world_to_screen(minx, maxy)
        bx, by = ov.world_to_screen(maxx, miny)
        rect = QRectF(
            float(ax) * scale,
            float(ay) * scale,
            max(3.0, float(bx - ax) * scale),
            max(3.0, float(by - ay) * scale),
        )
        painter.setPen(QPen(QColor("#d32f2f"), 2))
        painter.drawRect(rect.translated(x0, y0).intersected(QRectF(x0, y0, w, h)))

    # ---------------------------------------------------------------- picking & snapping
    def project_at(self, pos: QPointF | QPoint) -> int | None:
        """The project under a pixel: nearest symbol within PICK_PX, else a line/area hit."""
        data = self.data.get("projects")
        if not isinstance(data, ProjectLayerData) or not len(data.ids):
            return None
        fanned = approximate.member_at(self.approximate_groups(), pos.x(), pos.y())
        if fanned is not None:
            return fanned
        sx, sy = self.view.world_to_screen(data.xy[:, 0], data.xy[:, 1])
        distance = np.hypot(sx - pos.x(), sy - pos.y())
        best = int(np.argmin(distance))
        if distance[best] <= PICK_PX:
            return int(data.ids[best])
        wx, wy = self.view.screen_to_world(pos.x(), pos.y())
        tolerance = PICK_PX * self.view.resolution
        for pid, _t, path, areal in data.shapes:
            if areal and path.contains(QPointF(float(wx), float(wy))):
                return pid
            stroker_box = path.controlPointRect().adjusted(
                -tolerance, -tolerance, tolerance, tolerance
            )
            if not areal and stroker_box.contains(QPointF(float(wx), float(wy))):
                project = self.projects.get(pid)
                if project is not None:
                    from shapely.geometry import Point

                    lon, lat = self.lonlat_at(pos)
                    degrees = tolerance / METRES_PER_DEGREE / max(0.2, math.cos(math.radians(lat)))
                    if project.geometry.distance(Point(lon, lat)) <= degrees:
                        return pid
        return None

    def projects_at(self, pos: QPointF | QPoint) -> list[int]:
        """Every project under a pixel: symbols within PICK_PX, areas containing it, lines
        passing within PICK_PX; nearest symbol first, then in id order."""
        data = self.data.get("projects")
        if not isinstance(data, ProjectLayerData) or not len(data.ids):
            return []
        sx, sy = self.view.world_to_screen(data.xy[:, 0], data.xy[:, 1])
        distance = np.hypot(sx - pos.x(), sy - pos.y())
        near = np.flatnonzero(distance <= PICK_PX)
        found = [int(data.ids[i]) for i in near[np.argsort(distance[near], kind="stable")]]
        wx, wy = (float(v) for v in self.view.screen_to_world(pos.x(), pos.y()))
        tolerance = PICK_PX * self.view.resolution
        lon, lat = self.lonlat_at(pos)
        degrees = tolerance / METRES_PER_DEGREE / max(0.2, math.cos(math.radians(lat)))
        for pid, _t, path, areal in sorted(data.shapes, key=lambda shape: shape[0]):
            if pid in found:
                continue
            box = path.controlPointRect().adjusted(-tolerance, -tolerance, tolerance, tolerance)
            if not box.contains(QPointF(wx, wy)):
                continue
            if areal and path.contains(QPointF(wx, wy)):
                found.append(pid)
            elif not areal and pid in self.projects:
                from shapely.geometry import Point

                if self.projects[pid].geometry.distance(Point(lon, lat)) <= degrees:
                    found.append(pid)
        return found

    def features_at(self, layer_id: str, pos: QPointF | QPoint) -> list[int]:
        """A user layer's features under a pixel (lines and points within PICK_PX)."""
        index = self.features.get(layer_id)
        if index is None:
            return []
        lon, lat = self.lonlat_at(pos)
        return list(index.at(lon, lat, PICK_PX * self.view.ground_resolution()))

    def hits_at(self, pos: QPointF | QPoint) -> list[tuple[str, list[Any]]]:
        """What every visible layer has under a pixel, top layer first: project ids,
        feature indices of user layers, the region code of boundary layers."""
        hits: list[tuple[str, list[Any]]] = []
        for layer in self.state.layers:
            if not layer.visible:
                continue
            if layer.id == "projects":
                found: list[Any] = self.projects_at(pos)
            elif layer.id in self.features:
                found = self.features_at(layer.id, pos)
            elif layer.kind == "boundary":
                code = self.region_at(pos, layer.id)
                found = [code] if code else []
            else:
                continue
            if found:
                hits.append((layer.id, found))
        return hits

    def region_at(self, pos: QPointF | QPoint, layer_id: str = "counties") -> str | None:
        data = self.data.get(layer_id)
        if not isinstance(data, BoundaryData):
            return None
        wx, wy = (float(v) for v in self.view.screen_to_world(pos.x(), pos.y()))
        level = data.level_for(self.view.resolution)
        boxes = level.bboxes
        with np.errstate(invalid="ignore"):
            hits = np.flatnonzero(
                (boxes[:, 0] <= wx)
                & (boxes[:, 2] >= wx)
                & (boxes[:, 1] <= wy)
                & (boxes[:, 3] >= wy)
            )
        for i in hits:
            if level.paths[i].contains(QPointF(wx, wy)):
                return data.codes[i]
        return None

    def _project_vertices(self, layer: ProjectLayerData) -> np.ndarray:
        """World xy of the projects' vertices worth snapping to: project points, then every
        vertex of each line/area project (built once per set_projects)."""
        import shapely

        parts = [layer.xy]
        for project in self.projects.values():
            if project.geometry.geom_type != "Point":
                coords = shapely.get_coordinates(project.geometry)
                x, y = lonlat_to_world(coords[:, 0], coords[:, 1])
                parts.append(np.column_stack([x, y]))
        return np.concatenate(parts)

    def _snap_candidates(self) -> np.ndarray:
        """World xy of vertices worth snapping to: project points and shape vertices."""
        if len(self.vertices) >= 1:  # closing onto the first vertex
            return np.concatenate([self._project_snap_xy, np.array(self.vertices[:1])])
        return self._project_snap_xy

    def snapped_world(self, pos: QPointF | QPoint) -> tuple[float, float]:
        wx, wy = self.view.screen_to_world(pos.x(), pos.y())
        candidates = self._snap_candidates()
        if len(candidates):
            sx, sy = self.view.world_to_screen(candidates[:, 0], candidates[:, 1])
            distance = np.hypot(sx - pos.x(), sy - pos.y())
            best = int(np.argmin(distance))
            if distance[best] <= SNAP_PX:
                return float(candidates[best, 0]), float(candidates[best, 1])
        return float(wx), float(wy)

    # ---------------------------------------------------------------- drawing
    def _geometry_from_vertices(self) -> Any:
        from shapely.geometry import LineString, Polygon

        from gis_carbon.model.map_state import world_to_lonlat

        deduped: list[tuple[float, float]] = []
        for vertex in self.vertices:
            if not deduped or math.dist(deduped[-1], vertex) > 1e-6 * max(1.0, abs(vertex[0])):
                deduped.append(vertex)
        if (
            len(deduped) >= 2
            and self.tool == Tool.DRAW_POLYGON
            and math.dist(deduped[0], deduped[-1]) < 1e-6 * abs(deduped[0][0])
        ):
            deduped.pop()  # snapped back onto the first vertex
        arr = np.array(deduped)
        lon, lat = world_to_lonlat(arr[:, 0], arr[:, 1])
        coords = list(zip(lon.tolist(), lat.tolist(), strict=True))
        if self.tool == Tool.DRAW_POLYGON:
            return Polygon(coords) if len(coords) >= 3 else None
        return LineString(coords) if len(coords) >= 2 else None

    def finish_drawing(self) -> None:
        geometry = self._geometry_from_vertices() if self.vertices else None
        tool = self.tool
        self.vertices = []
        self.update()
        if geometry is not None:
            self.geometry_finished.emit(geometry, str(tool))
        self.drawing_changed.emit(None)
        self.sketch_changed.emit(None)

    def cancel_drawing(self) -> None:
        self.vertices = []
        self._move = None
        self.update()
        self.drawing_changed.emit(None)
        self.sketch_changed.emit(None)

    def sketch_geometry(self) -> Any:
        """The line or polygon being drawn, the cursor (when on the map) as its last vertex:
        a LineString from two points, a Polygon from three; None before that."""
        from shapely.geometry import LineString, Polygon

        from gis_carbon.model.map_state import world_to_lonlat

        points = list(self.vertices)
        if self._hover is not None and (not points or points[-1] != self._hover):
            points.append(self._hover)
        if len(points) < 2:
            return None
        arr = np.array(points)
        lon, lat = world_to_lonlat(arr[:, 0], arr[:, 1])
        coords = list(zip(lon.tolist(), lat.tolist(), strict=True))
        if self.tool == Tool.DRAW_POLYGON and len(coords) >= 3:
            return Polygon(coords)
        return LineString(coords)

    def _emit_drawing(self) -> None:
        self.sketch_changed.emit(self.sketch_geometry() if self.vertices else None)
        if (self.tool == Tool.DRAW_POLYGON and len(self.vertices) >= 3) or (
            self.tool == Tool.DRAW_LINE and len(self.vertices) >= 2
        ):
            try:
                self.drawing_changed.emit(self._geometry_from_vertices())
            except Exception:  # an invalid intermediate ring: no live check for it
                self.drawing_changed.emit(None)

    # ---------------------------------------------------------------- events
    def resizeEvent(self, event: QResizeEvent) -> None:
        self.state.view = self.view.resized(
            max(1, event.size().width()), max(1, event.size().height())
        )
        self.request_render()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            pos = event.position()
            self.zoom_by(1.25**steps, (pos.x(), pos.y()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        self._press = event.position().toPoint()
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self.tool == Tool.PAN
        ):
            self._drag_from, self._drag_view = self._press, self.view
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.tool in (Tool.ZOOM_BOX, Tool.SELECT):
            self._box = QRectF(pos, pos)
        elif self.tool == Tool.MOVE:
            self._start_move(pos)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        lon, lat = self.lonlat_at(pos)
        self.cursor_moved.emit(lon, lat)
        if self._drag_from is not None and self._drag_view is not None:
            delta = event.position().toPoint() - self._drag_from
            self.state.view = self._drag_view.panned(delta.x(), delta.y())
            self.update()  # the cached frame moves at once; the render follows on release
            return
        if self._box is not None:
            self._box = QRectF(self._box.topLeft(), pos)
            self.update()
            return
        if self._move is not None:
            self._drag_move(pos)
            return
        if self.tool in (Tool.DRAW_LINE, Tool.DRAW_POLYGON):
            self._hover = self.snapped_world(pos)
            self.update()
            if self.vertices:
                self.sketch_changed.emit(self.sketch_geometry())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        moved = self._press is not None and (
            (event.position().toPoint() - self._press).manhattanLength() > DRAG_START_PX
        )
        if self._drag_from is not None:
            self._drag_from = self._drag_view = None
            if moved:
                self.set_view(self.view)
                return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.tool == Tool.ZOOM_BOX and self._box is not None:
            box = self._box.normalized()
            self._box = None
            if box.width() > 4 and box.height() > 4:
                x0, y0 = self.view.screen_to_world(box.left(), box.bottom())
                x1, y1 = self.view.screen_to_world(box.right(), box.top())
                self.zoom_to_world_bounds((float(x0), float(y0), float(x1), float(y1)))
            else:
                self.zoom_by(2.0, (pos.x(), pos.y()))
        elif self.tool in (Tool.PAN, Tool.IDENTIFY):
            self.toggle_cluster_at(pos)  # a cluster fans out (or folds) and is identified
            self.identify(pos, event.modifiers())
        elif self.tool == Tool.SELECT and self._box is not None:
            box, self._box = self._box.normalized(), None
            self.update()
            adding = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if box.width() > DRAG_START_PX or box.height() > DRAG_START_PX:
                self.select_in_box(box, adding)
            else:
                self.select_at(pos, adding)
        elif self.tool == Tool.PLACE_POINT:
            from shapely.geometry import Point

            from gis_carbon.model.map_state import world_to_lonlat

            wx, wy = self.snapped_world(pos)
            lon, lat = world_to_lonlat(wx, wy)
            self.geometry_finished.emit(Point(float(lon), float(lat)), str(self.tool))
        elif self.tool in (Tool.DRAW_LINE, Tool.DRAW_POLYGON):
            self.vertices.append(self.snapped_world(pos))
            self.update()
            self._emit_drawing()
        elif self.tool == Tool.MOVE and self._move is not None:
            self._finish_move()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.tool in (Tool.DRAW_LINE, Tool.DRAW_POLYGON):
            self.finish_drawing()
        elif self.tool in (Tool.PAN, Tool.IDENTIFY):
            pos = event.position()
            self.zoom_by(2.0, (pos.x(), pos.y()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.cancel_drawing()
        elif key == Qt.Key.Key_Backspace and self.vertices:
            self.vertices.pop()
            self.update()
            self._emit_drawing()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.vertices:
            self.finish_drawing()
        else:
            super().keyPressEvent(event)

    def leaveEvent(self, event: Any) -> None:
        self._hover = None
        self.update()

    # ---------------------------------------------------------------- identify & move
    def identify(self, pos: QPointF | QPoint, modifiers: Any = None) -> None:
        """Select the project under the pixel (Shift: add it to the selection or take it out)
        and report every visible layer's features there (`identified`)."""
        shift = modifiers is not None and bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        self.identified.emit(self.hits_at(pos))
        pid = self.project_at(pos)
        if shift:
            if pid is not None:
                self.set_selection(self.selected ^ {pid})
            return
        if pid is not None:
            self.set_selection({pid})
            return
        self.set_selection(set())
        code = self.region_at(pos)
        if code:
            self.region_identified.emit(code)

    def _selectable_layers(self) -> list[str]:
        return [
            layer.id
            for layer in self.state.layers
            if layer.visible and (layer.id == "projects" or layer.id in self.features)
        ]

    def select_at(self, pos: QPointF | QPoint, adding: bool = False) -> None:
        """The Select tool's click: the features under the pixel in every visible layer;
        with Shift they are added to (or, when all selected already, taken from) it."""
        for layer_id in self._selectable_layers():
            if layer_id == "projects":
                found = set(self.projects_at(pos))
                current = self.selected
            else:
                found = set(self.features_at(layer_id, pos))
                current = self.feature_selection.get(layer_id, frozenset())
            if adding:
                chosen = current - found if found and found <= current else current | found
            else:
                chosen = frozenset(found)
            self._apply_selection(layer_id, chosen)

    def select_in_box(self, box: QRectF, adding: bool = False) -> None:
        """The Select tool's drag: everything the box meets in every visible layer."""
        west, north = self.view.screen_to_lonlat(box.left(), box.top())
        east, south = self.view.screen_to_lonlat(box.right(), box.bottom())
        for layer_id in self._selectable_layers():
            if layer_id == "projects":
                from shapely.geometry import box as shapely_box

                area = shapely_box(west, south, east, north)
                found = {pid for pid, p in self.projects.items() if p.geometry.intersects(area)}
                current = self.selected
            else:
                found = set(self.features[layer_id].in_box(west, south, east, north))
                current = self.feature_selection.get(layer_id, frozenset())
            self._apply_selection(layer_id, current | found if adding else frozenset(found))

    def _apply_selection(self, layer_id: str, ids: frozenset[int] | set[int]) -> None:
        if layer_id == "projects":
            self.set_selection(ids)
        else:
            self.set_feature_selection(layer_id, ids)

    def _start_move(self, pos: QPointF) -> None:
        import shapely

        pid = self.project_at(pos)
        if pid is None:
            return
        self.set_selection({pid})
        project = self.projects[pid]
        coords = shapely.get_coordinates(project.geometry)
        x, y = lonlat_to_world(coords[:, 0], coords[:, 1])
        sx, sy = self.view.world_to_screen(x, y)
        distance = np.hypot(sx - pos.x(), sy - pos.y())
        vertex = (
            int(np.argmin(distance))
            if project.geometry.geom_type != "Point" and distance.min() <= SNAP_PX
            else None
        )
        self._move = {
            "id": pid,
            "start": self.view.screen_to_world(pos.x(), pos.y()),
            "xy": np.column_stack([x, y]),
            "vertex": vertex,
            "preview": None,
        }

    def _drag_move(self, pos: QPointF) -> None:
        assert self._move is not None
        wx, wy = self.view.screen_to_world(pos.x(), pos.y())
        xy = self._move["xy"].copy()
        if self._move["vertex"] is None:
            xy += np.array([wx - self._move["start"][0], wy - self._move["start"][1]])
        else:
            index = self._move["vertex"]
            xy[index] = (wx, wy)
            ring_closed = len(xy) > 3 and np.allclose(self._move["xy"][0], self._move["xy"][-1])
            if ring_closed and index in (0, len(xy) - 1):
                xy[0] = xy[-1] = (wx, wy)
        self._move["preview"] = [tuple(p) for p in xy]
        self.vertices = []
        self.update()

    def _finish_move(self) -> None:
        import shapely

        from gis_carbon.model.map_state import world_to_lonlat

        move, self._move = self._move, None
        self.update()
        if move is None or move["preview"] is None:
            return
        xy = np.array(move["preview"])
        lon, lat = world_to_lonlat(xy[:, 0], xy[:, 1])
        project = self.projects[move["id"]]
        geometry = shapely.set_coordinates(project.geometry, np.column_stack([lon, lat]))
        self.move_finished.emit(move["id"], geometry)


def overview_view(
    bounds: tuple[float, float, float, float], width: int = 240, height: int = 170
) -> Viewport:
    return replace(Viewport(width=width, height=height)).fitted_lonlat(bounds, margin=0.08)
