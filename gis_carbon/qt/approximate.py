"""Projects located only to a village, town or district: drawn as what they are.

Such a project sits on its region's representative point, so several often share one spot
(红桥区's seven projects all stand on the district's point). Drawn as ordinary symbols they
would pile up as one exact-looking point with one label. Here instead:

- each shared spot is one group; a group of several is a *cluster*: a hollow disc with the
  count, which fans out (members on a circle, leader lines to the spot) on click or once the
  map is zoomed in far enough that the precision ring is wide on screen;
- every approximate symbol is hollow (white inside, outlined in its type's colour), and the
  spot carries a dashed ring whose radius is the precision's distance (a town point may be
  5 km from the site).

`layout` is the render model: the canvas uses it for clicks and tests read it; the renderer
draws it. Screen positions only — nothing here moves a stored coordinate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen, QPolygonF

from gis_carbon.model.map_state import Viewport
from gis_carbon.model.types import PRECISION_RADIUS_M, PROJECT_TYPES, Precision

# Stored in ProjectLayerData.precision as small integers, coarsest last.
PRECISION_CODES: tuple[Precision, ...] = (
    Precision.EXACT,
    Precision.VILLAGE,
    Precision.TOWN,
    Precision.DISTRICT,
)
PRECISION_INDEX = {p: i for i, p in enumerate(PRECISION_CODES)}
RING_RADIUS_M = np.array([PRECISION_RADIUS_M.get(p.value, 0.0) for p in PRECISION_CODES])
# A cluster fans out by itself once its precision ring is this wide on screen (zoomed in).
FAN_OUT_RING_PX = 800.0
FAN_OFFSET_PX = 46.0  # from the spot to the fanned column
FAN_ROW_PX = 30.0  # between fanned members: a label, with room for the label grid
CLUSTER_RADIUS_PX = 12.0
MEMBER_RADIUS_PX = 6.5
PICK_PX = 14.0
# Above this many approximate projects in view they are a cloud of hollow dots (draw_dense):
# rings, clusters and labels one by one would cost more than a frame.
DETAIL_LIMIT = 3000
RING_LIMIT = 150  # spots in view above which their precision rings are left out
LABEL_LIMIT = 400  # as for exact projects (render.py): above this many, no labels
RING_COLOUR = "#6a51a3"
# tr() keys naming a precision in labels and the legend
PRECISION_NAMES = {p: f"precision:{p.value}" for p in Precision}
SPOT_GRID_M = 1.0  # projects within a metre of each other share a spot


@dataclass(frozen=True)
class ApproximateGroup:
    """Approximate projects on one representative point, as drawn in one view."""

    key: tuple[int, int]  # the spot (world metres, rounded): stable across views
    x: float  # screen px of the spot
    y: float
    ids: tuple[int, ...]
    rows: tuple[int, ...]  # rows of the ProjectLayerData
    precision: Precision  # the coarsest of its members
    ring_px: float  # the precision's distance on screen
    fanned: bool
    positions: tuple[tuple[float, float], ...]  # each member's screen px

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def is_cluster(self) -> bool:
        """Drawn as one disc with its count (several members, not fanned out)."""
        return self.count > 1 and not self.fanned


def precision_codes(precisions: list[Precision]) -> np.ndarray:
    return np.fromiter((PRECISION_INDEX[p] for p in precisions), np.int8, count=len(precisions))


def spot_key(wx: float, wy: float) -> tuple[int, int]:
    return round(wx / SPOT_GRID_M), round(wy / SPOT_GRID_M)


def fan_positions(cx: float, cy: float, count: int) -> tuple[tuple[float, float], ...]:
    """Members fanned out from their spot into a column to its right, one row per member,
    so that every name fits beside its symbol (leader lines join them to the spot)."""
    top = cy - (count - 1) * FAN_ROW_PX / 2
    return tuple((cx + FAN_OFFSET_PX, top + i * FAN_ROW_PX) for i in range(count))


def layout(
    ids: np.ndarray,
    xy: np.ndarray,
    precision: np.ndarray,
    view: Viewport,
    expanded: frozenset[tuple[int, int]] = frozenset(),
    margin: float = 60.0,
) -> list[ApproximateGroup]:
    """The approximate projects in (or near) the view, grouped by spot. `expanded`: spots
    the user fanned out by clicking. Empty above DETAIL_LIMIT of them (see `draw_dense`)."""
    rows, sx, sy = visible(xy, precision, view, margin)
    if not len(rows) or len(rows) > DETAIL_LIMIT:
        return []
    grid = np.round(xy[rows] / SPOT_GRID_M).astype(np.int64)
    _, first, inverse, counts = np.unique(
        grid, axis=0, return_index=True, return_inverse=True, return_counts=True
    )
    # the members of group g are by_group[starts[g]:starts[g] + counts[g]]
    by_group = np.argsort(inverse.reshape(-1), kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # Mercator stretches distances by 1/cos(latitude): a ring of r metres on the ground is
    # r / cos(lat) world units.
    lat = np.degrees(2 * np.arctan(np.exp(xy[rows, 1] / 6378137.0)) - np.pi / 2)
    stretch = 1.0 / np.maximum(0.05, np.cos(np.radians(lat)))
    groups = []
    for g, head in enumerate(first.tolist()):
        members = by_group[starts[g] : starts[g] + counts[g]]
        member_rows = rows[members]
        coarsest = int(precision[member_rows].max())
        ring_px = float(RING_RADIUS_M[coarsest] * stretch[head] / view.resolution)
        key = (int(grid[head, 0]), int(grid[head, 1]))
        cx, cy = float(sx[head]), float(sy[head])
        count = len(members)
        fanned = count > 1 and (key in expanded or ring_px >= FAN_OUT_RING_PX)
        positions = fan_positions(cx, cy, count) if fanned else ((cx, cy),) * count
        order = np.argsort(ids[member_rows], kind="stable")  # members in id order down the fan
        groups.append(
            ApproximateGroup(
                key=key,
                x=cx,
                y=cy,
                ids=tuple(int(i) for i in ids[member_rows][order]),
                rows=tuple(int(r) for r in member_rows[order]),
                precision=PRECISION_CODES[coarsest],
                ring_px=ring_px,
                fanned=fanned,
                positions=positions,
            )
        )
    return groups


def visible(
    xy: np.ndarray, precision: np.ndarray, view: Viewport, margin: float = 60.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of the approximate projects in (or near) the view, and their screen x, y."""
    if not len(precision) or len(precision) != len(xy):
        return np.empty(0, np.int64), np.empty(0), np.empty(0)
    rows = np.flatnonzero(precision > 0)
    sx, sy = view.world_to_screen(xy[rows, 0], xy[rows, 1])
    # a ring may reach into the view from a spot outside it; the members can not
    inside = (
        (sx > -margin) & (sx < view.width + margin) & (sy > -margin) & (sy < view.height + margin)
    )
    return rows[inside], sx[inside], sy[inside]


def draw_dense(
    painter: QPainter, view: Viewport, xy: np.ndarray, precision: np.ndarray, type_index: np.ndarray
) -> None:
    """More than DETAIL_LIMIT approximate projects in view: a cloud of hollow dots (a ring
    of the type's colour around white), two drawPoints calls per type instead of a
    symbol, ring and label each — they could not be told apart at this density anyway."""
    from gis_carbon.qt.geometry_cache import polygon_from_xy

    rows, sx, sy = visible(xy, precision, view, margin=8.0)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for t in np.unique(type_index[rows]).tolist():
        chosen = type_index[rows] == t
        # several projects on one pixel draw as one
        cells = np.unique(np.column_stack([sx[chosen], sy[chosen]]).round(), axis=0)
        points = polygon_from_xy(cells.astype(np.float64))
        for colour, size in ((PROJECT_TYPES[t].colour, 7.0), ("#ffffff", 3.0)):
            pen = QPen(QColor(colour), size)
            pen.setCapStyle(Qt.PenCapStyle.SquareCap)
            painter.setPen(pen)
            painter.drawPoints(points)
    painter.restore()


def cluster_label(group: ApproximateGroup) -> str:
    """What a cluster's label says: how many, and that the spot is only the region's point."""
    from gis_carbon.qt.i18n import tr

    return tr("{n} projects, located to {precision} level only").format(
        n=group.count, precision=tr(PRECISION_NAMES[group.precision])
    )


def cluster_at(groups: list[ApproximateGroup], x: float, y: float) -> ApproximateGroup | None:
    """The group whose spot is under a pixel and that a click folds or fans: a cluster, or a
    group the user fanned out (clicking its spot folds it again). A fanned member drawn over
    another spot (a fan's column may pass over a nearby cluster) is what the click is for."""
    if member_at(groups, x, y) is not None:
        return None
    for group in groups:
        if group.count > 1 and math.hypot(group.x - x, group.y - y) <= PICK_PX:
            return group
    return None


def member_at(groups: list[ApproximateGroup], x: float, y: float) -> int | None:
    """The id of a fanned-out member drawn under a pixel."""
    best: tuple[float, int] | None = None
    for group in groups:
        if not group.fanned:
            continue
        for pid, (px, py) in zip(group.ids, group.positions, strict=True):
            distance = math.hypot(px - x, py - y)
            if distance <= PICK_PX and (best is None or distance < best[0]):
                best = (distance, pid)
    return None if best is None else best[1]


def hollow_symbol(painter: QPainter, centre: QPointF, type_index: int, radius: float) -> None:
    """A type's symbol, white inside and outlined in its colour: located, but not exactly."""
    from gis_carbon.qt.render import _SYMBOL_SHAPES

    ptype = PROJECT_TYPES[type_index]
    painter.setPen(QPen(QColor(ptype.colour), 2.0))
    painter.setBrush(QColor(255, 255, 255, 235))
    shape = _SYMBOL_SHAPES.get(ptype.symbol)
    if shape is None:
        painter.drawEllipse(centre, radius, radius)
    else:
        painter.drawPolygon(
            QPolygonF([QPointF(centre.x() + x * radius, centre.y() + y * radius) for x, y in shape])
        )


_HOLLOW_IMAGES: dict[int, QImage] = {}  # type index → stamp (drawn by the render thread)


def hollow_image(type_index: int) -> QImage:
    """The hollow symbol pre-rendered once, stamped with drawImage (as exact symbols are)."""
    image = _HOLLOW_IMAGES.get(type_index)
    if image is None:
        size = math.ceil(2 * MEMBER_RADIUS_PX + 5)
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        hollow_symbol(painter, QPointF(size / 2, size / 2), type_index, MEMBER_RADIUS_PX)
        painter.end()
        _HOLLOW_IMAGES[type_index] = image
    return image


_CLUSTER_IMAGES: dict[tuple[int, str, str], QImage] = {}


def cluster_image(count: int, colour: str, font_family: str = "") -> QImage:
    """A cluster's disc with its count, pre-rendered (a drawText per cluster is slow)."""
    key = (count, colour, font_family)
    image = _CLUSTER_IMAGES.get(key)
    if image is None:
        if len(_CLUSTER_IMAGES) > 512:
            _CLUSTER_IMAGES.clear()
        size = math.ceil(2 * (CLUSTER_RADIUS_PX + 5))
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cluster_disc(painter, QPointF(size / 2, size / 2), count, colour, font_family)
        painter.end()
        _CLUSTER_IMAGES[key] = image
    return image


def dashed_ring(painter: QPainter, centre: QPointF, radius: float) -> None:
    pen = QPen(QColor(RING_COLOUR), 1.3, Qt.PenStyle.DashLine)
    painter.setPen(pen)
    fill = QColor(RING_COLOUR)
    fill.setAlpha(14)
    painter.setBrush(QBrush(fill))
    painter.drawEllipse(centre, radius, radius)


def cluster_disc(
    painter: QPainter, centre: QPointF, count: int, colour: str, font_family: str = ""
) -> None:
    """A hollow disc with the count: several projects at one approximate spot."""
    painter.setPen(QPen(QColor(colour), 2.5))
    painter.setBrush(QColor("white"))
    painter.drawEllipse(centre, CLUSTER_RADIUS_PX, CLUSTER_RADIUS_PX)
    painter.setPen(QPen(QColor(RING_COLOUR), 1.2, Qt.PenStyle.DashLine))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(centre, CLUSTER_RADIUS_PX + 3.5, CLUSTER_RADIUS_PX + 3.5)
    font = QFont(font_family)
    font.setPixelSize(13)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#222222"))
    box = QRectF(centre.x() - CLUSTER_RADIUS_PX, centre.y() - CLUSTER_RADIUS_PX, 24, 24)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(count))


def draw(
    painter: QPainter,
    groups: list[ApproximateGroup],
    type_index: np.ndarray,
    font_family: str = "",
    pause: Callable[[], None] = lambda: None,
) -> None:
    """Rings first (under everything), then clusters, fans and single hollow symbols."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if len(groups) <= RING_LIMIT:  # hundreds of overlapping rings: a grey wash, and slow
        for group in groups:
            if group.ring_px > MEMBER_RADIUS_PX + 2:
                dashed_ring(painter, QPointF(group.x, group.y), group.ring_px)
        pause()
    # fans last: a column the user opened is drawn over a nearby cluster, not under it
    for group in sorted(groups, key=lambda g: g.fanned):
        centre = QPointF(group.x, group.y)
        types = [int(type_index[r]) for r in group.rows]
        if group.is_cluster:
            commonest = max(set(types), key=types.count)
            stamp = cluster_image(group.count, PROJECT_TYPES[commonest].colour, font_family)
            painter.drawImage(
                QPointF(group.x - stamp.width() / 2, group.y - stamp.height() / 2), stamp
            )
            continue
        if group.fanned:
            painter.setPen(QPen(QColor("#888888"), 1.0))
            for px, py in group.positions:
                painter.drawLine(centre, QPointF(px, py))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(RING_COLOUR))
            painter.drawEllipse(centre, 3.0, 3.0)
        for t, (px, py) in zip(types, group.positions, strict=True):
            stamp = hollow_image(t)
            painter.drawImage(QPointF(px - stamp.width() / 2, py - stamp.height() / 2), stamp)
        pause()
    painter.restore()


__all__ = [
    "FAN_OUT_RING_PX",
    "PRECISION_CODES",
    "ApproximateGroup",
    "cluster_at",
    "cluster_label",
    "draw",
    "layout",
    "member_at",
    "precision_codes",
]
