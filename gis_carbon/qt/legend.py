"""The legend dock: the visible layers, top of the map first, each with its symbol, and under
the project layer every project type on the map with its symbol, name and count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QLinearGradient, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from gis_carbon.model.map_state import LayerState
from gis_carbon.model.types import PROJECT_TYPES
from gis_carbon.qt.i18n import language, tr
from gis_carbon.qt.render import RAMP, VectorLayerData, symbol_image

SWATCH_W, SWATCH_H = 24, 18


def _swatch() -> tuple[QPixmap, QPainter]:
    pixmap = QPixmap(SWATCH_W, SWATCH_H)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    return pixmap, painter


def vector_geometry_kind(data: Any) -> str:
    """'polygon', 'line' or 'point': what a user layer's legend symbol shows."""
    if isinstance(data, VectorLayerData):
        if any(areal for _path, areal in data.paths):
            return "polygon"
        if data.paths:
            return "line"
        if len(data.points):
            return "point"
    return "polygon"


def layer_swatch(layer: LayerState, data: Any = None) -> QPixmap:
    """The layer's symbol as the renderer draws it: fill and outline (hatched for 禁止区),
    a line, a dot, a boundary stroke or the raster colour ramp."""
    style = layer.style
    pixmap, painter = _swatch()
    stroke = QColor(str(style.get("stroke", "#555555")))
    rect = QRectF(2, 2, SWATCH_W - 4, SWATCH_H - 4)
    if layer.kind == "boundary":
        painter.setPen(QPen(stroke, max(1.5, float(style.get("width", 1.0)))))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
    elif layer.kind == "raster":
        gradient = QLinearGradient(rect.topLeft(), rect.topRight())
        for i, (r, g, b) in enumerate(RAMP.tolist()):
            gradient.setColorAt(i / (len(RAMP) - 1), QColor(int(r), int(g), int(b)))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillRect(rect, QBrush(gradient))
    else:
        kind = vector_geometry_kind(data)
        if kind == "line":
            painter.setPen(QPen(stroke, 2.5))
            painter.drawLine(QPointF(2, SWATCH_H - 4), QPointF(SWATCH_W - 2, 4))
        elif kind == "point":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(stroke)
            painter.drawEllipse(QPointF(SWATCH_W / 2, SWATCH_H / 2), 4, 4)
        else:
            fill = QColor(str(style.get("fill", "#00000000")))
            painter.setPen(QPen(stroke, 1.5))
            if style.get("hatch"):
                painter.setBrush(QBrush(stroke, Qt.BrushStyle.BDiagPattern))
            else:
                painter.setBrush(QBrush(fill) if fill.alpha() else Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)
    painter.end()
    return pixmap


def type_swatch(type_code: str) -> QPixmap:
    image = symbol_image(type_code, 7.0)
    pixmap, painter = _swatch()
    painter.drawImage(
        QPointF((SWATCH_W - image.width()) / 2, (SWATCH_H - image.height()) / 2), image
    )
    painter.end()
    return pixmap


def approximate_swatch(cluster: bool) -> QPixmap:
    """An approximate location as the map draws it: a hollow symbol in a dashed ring, or a
    cluster's disc with its count."""
    from gis_carbon.qt import approximate

    pixmap, painter = _swatch()
    centre = QPointF(SWATCH_W / 2, SWATCH_H / 2)
    if cluster:
        painter.scale(0.62, 0.62)
        centre = QPointF(SWATCH_W / 2 / 0.62, SWATCH_H / 2 / 0.62)
        approximate.cluster_disc(painter, centre, 3, "#555555")
    else:
        approximate.dashed_ring(painter, centre, SWATCH_H / 2 - 1)
        approximate.hollow_symbol(painter, centre, 0, 4.5)
    painter.end()
    return pixmap


def approximate_entries(data: Any) -> list[QTreeWidgetItem]:
    """Legend rows for projects located only to a village/town/district, when there are."""
    from gis_carbon.qt.render import ProjectLayerData

    if not isinstance(data, ProjectLayerData) or not len(data.precision):
        return []
    n = int((data.precision > 0).sum())
    if not n:
        return []
    rows = []
    for cluster, text in (
        (False, tr("Approximate location: dashed ring = how far the site may be ({n})")),
        (True, tr("Several approximate projects on one spot: click to fan out")),
    ):
        child = QTreeWidgetItem([text.format(n=n)])
        child.setData(
            0, Qt.ItemDataRole.UserRole, "approximate_cluster" if cluster else "approximate"
        )
        child.setIcon(0, QIcon(approximate_swatch(cluster)))
        rows.append(child)
    return rows


class LegendPanel(QWidget):
    """Rebuilt from the map's layer list whenever a layer is shown, hidden, moved, restyled,
    added or removed, and when the projects reload."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(18)
        self.tree.setIconSize(QSize(SWATCH_W, SWATCH_H))
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)

    def set_content(
        self, layers: Iterable[LayerState], data: dict[str, Any], project_types: Iterable[str]
    ) -> None:
        """`layers` top first (the layer list's order); hidden ones are left out.
        `project_types`: the type code of every project on the map (counted per type)."""
        zh = language() == "zh"
        counts = Counter(project_types)
        self.tree.clear()
        for layer in layers:
            if not layer.visible:
                continue
            item = QTreeWidgetItem([layer.title(language())])
            item.setData(0, Qt.ItemDataRole.UserRole, layer.id)
            if layer.kind == "projects":
                for ptype in PROJECT_TYPES:
                    if counts.get(ptype.code):
                        name = ptype.name_zh if zh else ptype.name_en
                        child = QTreeWidgetItem([f"{name} ({counts[ptype.code]})"])
                        child.setData(0, Qt.ItemDataRole.UserRole, ptype.code)
                        child.setIcon(0, QIcon(type_swatch(ptype.code)))
                        child.setToolTip(0, ptype.name_en if zh else ptype.name_zh)
                        item.addChild(child)
                if not item.childCount():
                    item.addChild(QTreeWidgetItem([tr("No projects")]))
                for child in approximate_entries(data.get(layer.id)):
                    item.addChild(child)
            else:
                item.setIcon(0, QIcon(layer_swatch(layer, data.get(layer.id))))
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)

    def entries(self) -> list[tuple[str, list[str]]]:
        """(layer text, [type texts]) as listed: for tests and screen readers."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            assert item is not None
            children = [item.child(j).text(0) for j in range(item.childCount())]  # type: ignore[union-attr]
            out.append((item.text(0), children))
        return out
