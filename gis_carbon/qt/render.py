"""Drawing one map frame into a QImage — the work the canvas hands to a worker thread.

Everything here is plain QPainter on a QImage, which Qt allows off the GUI thread. A `Scene`
is an immutable snapshot (layer states plus prepared geometry) so the GUI can keep changing
while a frame renders. Speed comes from: world-coordinate QPainterPaths drawn through one
painter transform with cosmetic pens; bounding-box culling in numpy; a boundary detail level
chosen from the resolution; project points batched per type and size, stamped as pre-rendered
symbol images when few, drawn with one non-antialiased drawPoints call per batch when many.

Responsiveness: PySide6 holds the GIL for the whole of each QPainter call, so while this
thread is inside one, the GUI thread cannot run Python. Every call here is kept short:
outlines are stroked in pieces of ~1,000 vertices (geometry_cache.STROKE_CHUNK_VERTICES),
and a boundary layer is drawn once per view into an image of its own that later frames of
the same view (projects reloaded after an import or an edit) compose with one drawImage.
The loops also sleep(0) every few milliseconds, handing the GIL to whoever waits for it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

from gis_carbon.model.map_state import LayerState, Viewport, lonlat_to_world
from gis_carbon.model.types import PROJECT_TYPES, TYPES_BY_CODE
from gis_carbon.qt import approximate
from gis_carbon.qt.geometry_cache import BoundaryData, feature_paths, polygon_from_xy

# Above this many symbols in view, stamping images one by one costs more than a frame.
STAMP_LIMIT = 2500
# A user-layer feature smaller on screen than one of these sizes (px) is drawn as a dot of
# that size, not as a path.
DOT_SIZES_PX = (1.5, 3.0, 4.0)
# Symbol radius (px) by size class; capacity thresholds per unit choose the class.
SIZE_RADII = (4.5, 6.0, 7.5, 9.5, 12.0)
SIZE_THRESHOLDS: dict[str | None, tuple[float, ...]] = {
    "MW": (20, 50, 100, 300),
    "MVA": (100, 200, 400, 800),
    "km": (5, 10, 20, 50),
    "亩": (1000, 5000, 10000, 20000),
    "台": (10, 50, 100, 500),
}
TYPE_CODES = [t.code for t in PROJECT_TYPES]
TYPE_INDEX = {code: i for i, code in enumerate(TYPE_CODES)}

# Symbol outlines on a unit square centred at 0; the table, not branches, decides the shape.
_SYMBOL_SHAPES: dict[str, list[tuple[float, float]]] = {
    "square": [(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)],
    "triangle": [(0, -1), (0.95, 0.75), (-0.95, 0.75)],
    "diamond": [(0, -1), (1, 0), (0, 1), (-1, 0)],
    "hexagon": [(math.cos(a), math.sin(a)) for a in np.linspace(0, 2 * math.pi, 7)[:-1]],
    "star": [
        (
            (1.0 if i % 2 == 0 else 0.45) * math.sin(i * math.pi / 5),
            -(1.0 if i % 2 == 0 else 0.45) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ],
    "tree": [(0, -1), (0.8, 0.45), (0.2, 0.45), (0.2, 1), (-0.2, 1), (-0.2, 0.45), (-0.8, 0.45)],
    "bolt": [(0.2, -1), (-0.6, 0.15), (-0.05, 0.15), (-0.2, 1), (0.6, -0.15), (0.05, -0.15)],
    "drop": [(0, -1), (0.7, 0.2), (0.5, 0.8), (0, 1), (-0.5, 0.8), (-0.7, 0.2)],
}
# Default look of user layers by role.
ROLE_STYLES: dict[str, dict[str, str]] = {
    "boundary": {"stroke": "#1f4e9c", "fill": "#00000000"},
    "constraint": {"stroke": "#c0392b", "fill": "#40e74c3c"},
    "resource": {"stroke": "#2e7d32", "fill": "#3366bb6a"},
    "infrastructure": {"stroke": "#555555", "fill": "#30888888"},
    "reference": {"stroke": "#7f7f7f", "fill": "#20aaaaaa"},
}
# A drawing loop hands the GIL over (time.sleep(0)) after this long without a pause.
YIELD_AFTER_S = 0.004
# Colour ramp for rasters (viridis stops).
RAMP = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=np.float64
)


def size_class(capacity: float | None, unit: str | None) -> int:
    thresholds = SIZE_THRESHOLDS.get(unit)
    if capacity is None or thresholds is None:
        return 1
    return int(np.searchsorted(thresholds, capacity, side="right"))


def size_classes(type_index: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """size_class for arrays of type indices (into TYPE_CODES) and capacities (NaN: none),
    one searchsorted per capacity unit."""
    out = np.ones(len(type_index), dtype=np.int64)
    units = np.array([TYPES_BY_CODE[code].capacity_unit for code in TYPE_CODES], dtype=object)
    unit_of = units[type_index] if len(type_index) else units[:0]
    known = ~np.isnan(capacity)
    for unit, thresholds in SIZE_THRESHOLDS.items():
        rows = np.flatnonzero((unit_of == unit) & known)
        if len(rows):
            out[rows] = np.searchsorted(thresholds, capacity[rows], side="right")
    return out


def symbol_image(type_code: str, radius: float, scale: float = 1.0) -> QImage:
    """The pre-rendered, antialiased symbol of a type at a radius (logical px)."""
    ptype = TYPES_BY_CODE[type_code]
    size = math.ceil(2 * radius + 3)
    image = QImage(int(size * scale), int(size * scale), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(scale)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(size / 2, size / 2)
    painter.setPen(QPen(QColor("white"), 1.2))
    painter.setBrush(QColor(ptype.colour))
    shape = _SYMBOL_SHAPES.get(ptype.symbol)
    if shape is None:
        painter.drawEllipse(QPointF(0, 0), radius, radius)
    else:
        painter.drawPolygon(QPolygonF([QPointF(x * radius, y * radius) for x, y in shape]))
    painter.end()
    return image


@dataclass
class ProjectLayerData:
    """All projects as arrays: representative points for symbols, paths for lines/areas."""

    ids: np.ndarray
    xy: np.ndarray  # (n, 2) world
    type_index: np.ndarray
    size_class: np.ndarray
    names: list[str]
    shapes: list[tuple[int, int, QPainterPath, bool]] = field(default_factory=list)
    # approximate.PRECISION_CODES index per project (0 exact); empty: all exact
    precision: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    # World xy worth snapping to: the points, then every vertex of line/area projects.
    snap_xy: np.ndarray | None = None

    @classmethod
    def empty(cls) -> ProjectLayerData:
        return cls(
            np.empty(0, np.int64),
            np.empty((0, 2)),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            [],
        )

    @classmethod
    def from_projects(cls, projects: list[Any]) -> ProjectLayerData:
        """Column-wise: 10⁶ projects took 5.4 s one `p.lonlat` and `size_class` at a time;
        shapely and numpy do each column in one call (points are their own location, a
        line or area its representative point, as Project.lonlat)."""
        import shapely

        if not projects:
            return cls.empty()
        geometries = np.fromiter((p.geometry for p in projects), dtype=object, count=len(projects))
        pointal = shapely.get_type_id(geometries) == 0
        located = geometries.copy()
        if not pointal.all():
            located[~pointal] = shapely.point_on_surface(geometries[~pointal])
        x, y = lonlat_to_world(shapely.get_x(located), shapely.get_y(located))
        others = np.flatnonzero(~pointal)
        built = feature_paths(geometries[others]) if len(others) else []
        shapes = [
            (int(projects[row].id), TYPE_INDEX[projects[row].type], item[0], item[1])
            for row, item in zip(others.tolist(), built, strict=True)
            if item is not None
        ]
        type_index = np.fromiter((TYPE_INDEX[p.type] for p in projects), np.int64, len(projects))
        capacity = np.fromiter(
            (np.nan if p.capacity is None else p.capacity for p in projects),
            np.float64,
            len(projects),
        )
        xy = np.column_stack([x, y])
        snap = [xy]
        if len(others):
            coords = shapely.get_coordinates(geometries[others])
            sx, sy = lonlat_to_world(coords[:, 0], coords[:, 1])
            snap.append(np.column_stack([sx, sy]))
        return cls(
            ids=np.fromiter((p.id for p in projects), np.int64, len(projects)),
            xy=xy,
            type_index=type_index,
            size_class=size_classes(type_index, capacity),
            names=[p.name for p in projects],
            shapes=shapes,
            snap_xy=np.concatenate(snap),
            precision=approximate.precision_codes([p.precision for p in projects]),
        )

    @classmethod
    def concatenated(cls, parts: list[ProjectLayerData]) -> ProjectLayerData:
        """The parts as one layer, in order (chunks of a workspace read in the background)."""
        parts = [part for part in parts if len(part.ids)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        snaps = [part.snap_xy if part.snap_xy is not None else part.xy for part in parts]
        return cls(
            ids=np.concatenate([part.ids for part in parts]),
            xy=np.concatenate([part.xy for part in parts]),
            type_index=np.concatenate([part.type_index for part in parts]),
            size_class=np.concatenate([part.size_class for part in parts]),
            names=[name for part in parts for name in part.names],
            shapes=[shape for part in parts for shape in part.shapes],
            snap_xy=np.concatenate(snaps),
            precision=np.concatenate([part.precision for part in parts]),
        )

    @classmethod
    def from_arrays(
        cls, lon: np.ndarray, lat: np.ndarray, type_index: np.ndarray, size: np.ndarray
    ) -> ProjectLayerData:
        """For benchmarks and bulk layers: no names, ids are row numbers."""
        x, y = lonlat_to_world(lon, lat)
        return cls(
            np.arange(len(lon)),
            np.column_stack([x, y]),
            type_index.astype(np.int64),
            size.astype(np.int64),
            [""] * len(lon),
        )


@dataclass
class VectorLayerData:
    paths: list[tuple[QPainterPath, bool]]
    bboxes: np.ndarray  # (n, 4) world
    points: np.ndarray  # (m, 2) world
    style: dict[str, str]

    @classmethod
    def from_features(
        cls, features: list[tuple[Any, dict[str, Any]]], style: dict[str, Any]
    ) -> VectorLayerData:
        """A user layer's (geometry, properties) rows, WGS 84, ready to draw."""
        import shapely

        geometries = np.array([geometry for geometry, _ in features], dtype=object)
        if not len(geometries):
            return cls([], np.empty((0, 4)), np.empty((0, 2)), dict(style))
        built = feature_paths(geometries)
        kept = np.array([item is not None for item in built], dtype=bool)
        bounds = shapely.bounds(geometries[kept]).reshape(-1, 4)
        x0, y0 = lonlat_to_world(bounds[:, 0], bounds[:, 1])
        x1, y1 = lonlat_to_world(bounds[:, 2], bounds[:, 3])
        pointal = geometries[np.isin(shapely.get_type_id(geometries), (0, 4))]
        lonlat = shapely.get_coordinates(pointal)
        px, py = lonlat_to_world(lonlat[:, 0], lonlat[:, 1])
        return cls(
            [item for item in built if item is not None],
            np.column_stack([x0, y0, x1, y1]).reshape(-1, 4),
            np.column_stack([px, py]).reshape(-1, 2),
            dict(style),
        )


@dataclass
class RasterLayerData:
    image: QImage
    world_bounds: tuple[float, float, float, float]


@dataclass
class Scene:
    """An immutable snapshot of what to draw (the GUI builds a new one when things change)."""

    layers: list[LayerState]  # visible layers, bottom first
    data: dict[str, Any]  # layer id → BoundaryData | ProjectLayerData | VectorLayerData | …
    font_family: str = ""
    emphasis: frozenset[str] = frozenset()  # region codes drawn with a light fill (plans)
    focus: frozenset[str] = frozenset()  # region codes drawn stronger (the chosen plan)
    labels: bool = True
    expanded: frozenset[tuple[int, int]] = frozenset()  # approximate spots fanned by a click


class _LabelGrid:
    """Greedy collision avoidance: a label is drawn only where no earlier one sits."""

    CELL = 6

    def __init__(self, width: int, height: int) -> None:
        self.taken = np.zeros((height // self.CELL + 2, width // self.CELL + 2), dtype=bool)

    def place(self, rect: QRectF) -> bool:
        c0, r0 = int(rect.left() // self.CELL), int(rect.top() // self.CELL)
        c1, r1 = int(rect.right() // self.CELL) + 1, int(rect.bottom() // self.CELL) + 1
        if c0 < 0 or r0 < 0 or r1 > self.taken.shape[0] or c1 > self.taken.shape[1]:
            return False
        cells = self.taken[r0:r1, c0:c1]
        if cells.any():
            return False
        cells[:] = True
        return True


def _visible(bboxes: np.ndarray, extent: tuple[float, float, float, float]) -> np.ndarray:
    minx, miny, maxx, maxy = extent
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(
            (bboxes[:, 2] >= minx)
            & (bboxes[:, 0] <= maxx)
            & (bboxes[:, 3] >= miny)
            & (bboxes[:, 1] <= maxy)
        )


def _world_transform(view: Viewport) -> QTransform:
    ox, oy = view.origin
    r = view.resolution
    return QTransform(1 / r, 0, 0, -1 / r, -ox / r, oy / r)


def _cosmetic(colour: QColor | str, width: float) -> QPen:
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


class _Pauser:
    """Call between drawing calls: sleeps 0 s (releasing the GIL, so a waiting GUI thread
    runs) once YIELD_AFTER_S has passed since the last pause."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self) -> None:
        now = time.perf_counter()
        if now - self.last >= YIELD_AFTER_S:
            time.sleep(0)
            self.last = time.perf_counter()


class Renderer:
    """Draws scenes. Holds per-thread caches (symbol images, boundary layer images of the
    last view), so one per worker."""

    def __init__(self) -> None:
        self._symbols: dict[tuple[int, int], QImage] = {}
        # layer id → (what the image shows, the data it was drawn from, the image); holding
        # the data keeps its id() from being reused by another object.
        self._layer_images: dict[str, tuple[tuple[Any, ...], Any, QImage]] = {}
        self._pause = _Pauser()

    def forget_layer_images(self) -> None:
        """Drop the cached boundary layer images (the next frame draws them again)."""
        self._layer_images.clear()

    def symbol(self, type_index: int, size: int) -> QImage:
        key = (type_index, size)
        image = self._symbols.get(key)
        if image is None:
            image = symbol_image(TYPE_CODES[type_index], SIZE_RADII[size])
            self._symbols[key] = image
        return image

    def render(self, scene: Scene, view: Viewport, background: str = "#f4f1ea") -> QImage:
        image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor(background))
        painter = QPainter(image)
        labels = _LabelGrid(view.width, view.height)
        pending_labels: list[tuple[int, list[tuple[QPointF, str, QFont, QColor]]]] = []
        try:
            for layer in scene.layers:
                data = scene.data.get(layer.id)
                if data is None:
                    continue
                painter.setOpacity(layer.opacity)
                if isinstance(data, BoundaryData):
                    pending_labels.append((1, self._boundaries(painter, view, scene, layer, data)))
                elif isinstance(data, ProjectLayerData):
                    pending_labels.append((0, self._projects(painter, view, scene, data)))
                elif isinstance(data, VectorLayerData):
                    self._vectors(painter, view, data)
                elif isinstance(data, RasterLayerData):
                    self._raster(painter, view, data)
            painter.setOpacity(1.0)
            if scene.labels:
                self._labels(painter, labels, pending_labels)
        finally:
            painter.end()
        return image

    # ---------------------------------------------------------------- layers
    def _boundaries(
        self, painter: QPainter, view: Viewport, scene: Scene, layer: LayerState, data: BoundaryData
    ) -> list[tuple[QPointF, str, QFont, QColor]]:
        level = data.level_for(view.resolution)
        visible = _visible(level.bboxes, view.extent)
        painter.drawImage(0, 0, self._boundary_image(view, scene, layer, data))
        style = layer.style
        if not style.get("labels", True) or view.resolution > float(
            style.get("label_max_res", 700)
        ):
            return []
        font = QFont(scene.font_family)
        font.setPixelSize(int(style.get("label_px", 12)))
        colour = QColor(style.get("label_colour", "#4a4a4a"))
        xy = data.label_xy[visible]
        sx, sy = view.world_to_screen(xy[:, 0], xy[:, 1])
        # Emphasised regions first, so their names win the collisions.
        order = sorted(
            range(len(visible)),
            key=lambda k: (
                data.codes[visible[k]] not in scene.focus,
                data.codes[visible[k]] not in scene.emphasis
                and data.parents[visible[k]] not in scene.emphasis,
            ),
        )
        return [
            (QPointF(float(sx[k]), float(sy[k])), data.names[visible[k]], font, colour)
            for k in order
        ]

    def _boundary_image(
        self, view: Viewport, scene: Scene, layer: LayerState, data: BoundaryData
    ) -> QImage:
        """The layer's fills and outlines for this view, drawn once: a frame that only has
        new projects (after an import or an edit) reuses it instead of stroking thousands
        of outlines again."""
        style = layer.style
        key = (
            id(data),
            view.width,
            view.height,
            view.origin,
            view.resolution,
            tuple(sorted((k, repr(v)) for k, v in style.items())),
            scene.emphasis,
            scene.focus,
        )
        cached = self._layer_images.get(layer.id)
        if cached is not None and cached[0] == key:
            return cached[2]
        image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            self._draw_boundaries(painter, view, scene, style, data)
        finally:
            painter.end()
        self._layer_images[layer.id] = (key, data, image)
        return image

    def _draw_boundaries(
        self,
        painter: QPainter,
        view: Viewport,
        scene: Scene,
        style: Mapping[str, Any],
        data: BoundaryData,
    ) -> None:
        level = data.level_for(view.resolution)
        visible = _visible(level.bboxes, view.extent)
        painter.setTransform(_world_transform(view))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, view.resolution < 400)
        pause = self._pause
        emphasis_brush = QBrush(QColor(style.get("emphasis_fill", "#3d8bd92e")))
        focus_brush = QBrush(QColor(style.get("focus_fill", "#66e8a23a")))
        fill = QColor(style.get("fill", "#00000000"))
        painter.setPen(Qt.PenStyle.NoPen)
        for i in visible if fill.alpha() or scene.emphasis or scene.focus else ():
            code, parent = data.codes[i], data.parents[i]
            if fill.alpha():
                painter.fillPath(level.paths[i], fill)
            if code in scene.focus or parent in scene.focus:
                painter.fillPath(level.paths[i], focus_brush)
            elif code in scene.emphasis or parent in scene.emphasis:
                painter.fillPath(level.paths[i], emphasis_brush)
            pause()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(_cosmetic(style.get("stroke", "#8a8a8a"), float(style.get("width", 0.8))))
        if level.strokes:
            for j in _visible(level.stroke_bboxes, view.extent):
                painter.drawPath(level.strokes[j])
                pause()
        else:  # a level built without pieces: whole regions
            for i in visible:
                painter.drawPath(level.paths[i])
                pause()

    def _projects(
        self, painter: QPainter, view: Viewport, scene: Scene, data: ProjectLayerData
    ) -> list[tuple[QPointF, str, QFont, QColor]]:
        if data.shapes:
            painter.save()
            painter.setTransform(_world_transform(view))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for _pid, t, path, areal in data.shapes:
                colour = QColor(TYPES_BY_CODE[TYPE_CODES[t]].colour)
                painter.setPen(_cosmetic(colour, 2.5 if not areal else 1.5))
                fill = QColor(colour)
                fill.setAlpha(70)
                painter.setBrush(QBrush(fill) if areal else Qt.BrushStyle.NoBrush)
                painter.drawPath(path)
                self._pause()
            painter.restore()
        if not len(data.ids):
            return []
        approximate_labels = self._approximate(painter, view, scene, data)
        sx, sy = view.world_to_screen(data.xy[:, 0], data.xy[:, 1])
        margin = 16
        on_screen = (
            (sx > -margin)
            & (sx < view.width + margin)
            & (sy > -margin)
            & (sy < view.height + margin)
        )
        if len(data.precision) == len(data.ids):
            on_screen &= data.precision == 0  # approximate ones were drawn above
        inside = np.flatnonzero(on_screen)
        if not len(inside):
            return approximate_labels
        px = np.round(sx[inside]).astype(np.int64)
        py = np.round(sy[inside]).astype(np.int64)
        # Bigger symbols first so small ones stay visible on top of them.
        batch_key = data.size_class[inside] * 64 + data.type_index[inside]
        stamp = len(inside) <= STAMP_LIMIT
        for key in np.unique(batch_key)[::-1]:
            members = np.flatnonzero(batch_key == key)
            size, t = int(key // 64), int(key % 64)
            # Several points on one pixel draw as one.
            cells = np.unique(
                (py[members] + margin) * (view.width + 2 * margin) + (px[members] + margin)
            )
            cy = cells // (view.width + 2 * margin) - margin
            cx = cells % (view.width + 2 * margin) - margin
            if stamp:
                symbol = self.symbol(t, size)
                half_w, half_h = symbol.width() // 2, symbol.height() // 2
                for x, y in zip(cx.tolist(), cy.tolist(), strict=True):
                    painter.drawImage(x - half_w, y - half_h, symbol)
                self._pause()
            else:
                pen = QPen(QColor(TYPES_BY_CODE[TYPE_CODES[t]].colour))
                pen.setWidthF(max(2.0, SIZE_RADII[size] * 0.9))
                pen.setCapStyle(Qt.PenCapStyle.SquareCap)
                painter.setPen(pen)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.drawPoints(polygon_from_xy(np.column_stack([cx, cy]).astype(np.float64)))
                self._pause()
        if len(inside) > 400:
            return approximate_labels
        font = QFont(scene.font_family)
        font.setPixelSize(13)
        font.setBold(True)
        colour = QColor("#222222")
        radii = np.asarray(SIZE_RADII)[data.size_class[inside]]
        return approximate_labels + [
            (QPointF(float(sx[i]) + float(r) + 2, float(sy[i])), data.names[i], font, colour)
            for i, r in zip(inside.tolist(), radii.tolist(), strict=True)
            if data.names[i]
        ]

    def _approximate(
        self, painter: QPainter, view: Viewport, scene: Scene, data: ProjectLayerData
    ) -> list[tuple[QPointF, str, QFont, QColor]]:
        """Projects located to a village/town/district: hollow, ringed, clustered."""
        groups = approximate.layout(data.ids, data.xy, data.precision, view, scene.expanded)
        if not groups:
            if len(approximate.visible(data.xy, data.precision, view)[0]):
                approximate.draw_dense(painter, view, data.xy, data.precision, data.type_index)
            return []
        approximate.draw(painter, groups, data.type_index, scene.font_family, self._pause)
        if len(groups) > approximate.LABEL_LIMIT:
            return []
        font = QFont(scene.font_family)
        font.setPixelSize(13)
        font.setBold(True)
        colour = QColor("#3f2d76")
        labels = []
        for group in groups:
            if group.is_cluster:
                anchor = QPointF(group.x + approximate.CLUSTER_RADIUS_PX + 6, group.y)
                text = approximate.cluster_label(group)
                labels.append((anchor, text, font, colour))
                continue
            for row, (px, py) in zip(group.rows, group.positions, strict=True):
                if data.names[row]:
                    anchor = QPointF(px + approximate.MEMBER_RADIUS_PX + 3, py)
                    labels.append((anchor, "≈ " + data.names[row], font, colour))
        return labels

    def _vectors(self, painter: QPainter, view: Viewport, data: VectorLayerData) -> None:
        stroke = QColor(data.style.get("stroke", "#555555"))
        fill = QColor(data.style.get("fill", "#00000000"))
        visible = _visible(data.bboxes, view.extent)
        boxes = data.bboxes[visible]
        # A feature a few pixels across is drawn as a dot of about its size: 20,000 parcels
        # seen whole took 600–780 ms as antialiased paths, and are a cloud of dots anyway.
        extent_px = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        extent_px = extent_px / view.resolution
        tiny = extent_px < DOT_SIZES_PX[-1]
        dot_colour = fill if fill.alpha() > 0 else stroke
        smaller = np.zeros(len(boxes), dtype=bool)
        for size in DOT_SIZES_PX:
            chosen = tiny & ~smaller & (extent_px < size)
            smaller |= chosen
            if not chosen.any():
                continue
            sx, sy = view.world_to_screen(
                (boxes[chosen, 0] + boxes[chosen, 2]) / 2, (boxes[chosen, 1] + boxes[chosen, 3]) / 2
            )
            dot = QPen(dot_colour, size)
            dot.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(dot)
            painter.drawPoints(polygon_from_xy(np.column_stack([sx, sy])))
        painter.save()
        painter.setTransform(_world_transform(view))
        drawn = [data.paths[i] for i in visible[~tiny].tolist()]
        # Fills first without antialiasing, then every outline antialiased on top: the
        # outline covers the fill's stepped edge, and a 20,000-parcel layer zoomed to a
        # district (~630 parcels in view) drew in 54–64 ms as antialiased filled paths,
        # 19 ms this way (bench/bench_canvas.py).
        brush: QBrush | None
        if data.style.get("hatch"):
            brush = QBrush(stroke, Qt.BrushStyle.BDiagPattern)
        else:
            brush = QBrush(fill) if fill.alpha() else None
        if brush is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(brush)
            for path, areal in drawn:
                if areal:
                    painter.drawPath(path)
                    self._pause()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(_cosmetic(stroke, float(data.style.get("width", 1.2))))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for path, _areal in drawn:
            painter.drawPath(path)
            self._pause()
        painter.restore()
        if len(data.points):
            sx, sy = view.world_to_screen(data.points[:, 0], data.points[:, 1])
            pen = QPen(stroke, 5)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, len(sx) < 2000)
            painter.drawPoints(polygon_from_xy(np.column_stack([sx, sy])))

    def _raster(self, painter: QPainter, view: Viewport, data: RasterLayerData) -> None:
        minx, miny, maxx, maxy = data.world_bounds
        x0, y0 = view.world_to_screen(minx, maxy)
        x1, y1 = view.world_to_screen(maxx, miny)
        painter.save()
        painter.setRenderHint(
            QPainter.RenderHint.SmoothPixmapTransform, (x1 - x0) < data.image.width()
        )
        painter.drawImage(QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0)), data.image)
        painter.restore()

    def _labels(
        self,
        painter: QPainter,
        grid: _LabelGrid,
        pending: list[tuple[int, list[tuple[QPointF, str, QFont, QColor]]]],
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        halo = QColor(255, 255, 255, 220)
        for _priority, items in sorted(pending, key=lambda item: item[0]):
            for anchor, text, font, colour in items:
                metrics = QFontMetricsF(font)
                width = metrics.horizontalAdvance(text)
                height = metrics.height()
                # Project labels sit right of the symbol; region names centre on their point.
                centred = not font.bold()
                left = anchor.x() - width / 2 if centred else anchor.x()
                rect = QRectF(left - 2, anchor.y() - height / 2 - 1, width + 4, height + 2)
                if not grid.place(rect):
                    continue
                path = QPainterPath()
                path.addText(QPointF(left, anchor.y() + metrics.ascent() - height / 2), font, text)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.strokePath(path, QPen(halo, 3))
                painter.fillPath(path, colour)
                self._pause()


def raster_image(values: np.ndarray, nodata: float | None = None) -> QImage:
    """A 2-D array through the colour ramp (2–98 % stretch), nodata transparent."""
    data = np.asarray(values, dtype=np.float64)
    mask = ~np.isfinite(data)
    if nodata is not None:
        mask |= data == nodata
    valid = data[~mask]
    lo, hi = np.percentile(valid, [2, 98]) if valid.size else (0.0, 1.0)
    scaled = np.clip((data - lo) / ((hi - lo) or 1.0), 0, 1) * (len(RAMP) - 1)
    low = np.floor(scaled).astype(int).clip(0, len(RAMP) - 2)
    frac = (scaled - low)[..., None]
    rgb = RAMP[low] * (1 - frac) + RAMP[low + 1] * frac
    rgba = np.empty((*data.shape, 4), dtype=np.uint8)
    rgba[..., :3] = rgb.astype(np.uint8)
    rgba[..., 3] = np.where(mask, 0, 255)
    height, width = data.shape
    pixels = rgba.tobytes()
    image = QImage(pixels, width, height, width * 4, QImage.Format.Format_RGBA8888)
    return image.copy()  # own the pixels: `pixels` goes away with this frame
