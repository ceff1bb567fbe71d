"""The online basemap under the map: tiles fetched in the background, drawn in place.

Offline by default: no basemap exists until the user picks one in View → 底图, so nothing is
fetched before. A picked source draws its tiles under the rendered layers (the canvas then
renders its frames on a transparent background). Every tile comes from the source's MBTiles
cache when it is there, else from the network, on a small thread pool (MAX_CONCURRENT
requests at once), never on the GUI thread; a tile that fails stays blank and the status
bar says why, once every few seconds. GCJ-02 tiles (Amap) are drawn through the transform
that maps the tile square onto its four corners moved back to WGS 84 (gis_carbon.geo.tiles).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QIODevice,
    QObject,
    QPointF,
    QRectF,
    QRunnable,
    QSettings,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QImage,
    QPainter,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QWidget,
)

from gis_carbon.geo.tiles import (
    SOURCES,
    MBTilesCache,
    TileFetchError,
    TileKey,
    TileSource,
    cache_path,
    covering_tiles,
    fetch_tile,
    tile_corners_wgs84,
    tile_url,
    zoom_for_resolution,
)
from gis_carbon.model.map_state import Viewport, lonlat_to_world, world_to_lonlat
from gis_carbon.qt.i18n import language, tr

MAX_CONCURRENT = 4
ANCESTOR_LEVELS = 3
# A GCJ-02 tile's corners, moved back by an offset that changes slowly, are a parallelogram
# to within this many pixels (drawn with a fast affine map) unless the tile is very large on
# screen (then with the slower exact quad-to-quad map).
QUAD_TOLERANCE_PX = 0.25
TILE_PX = 256
MEMORY_TILES = 512  # decoded tiles kept in memory (about 128 MB at most)
NOTE_EVERY_S = 5.0
SETTINGS_KEY_TIANDITU = "basemap/tianditu_key"
SETTINGS_SOURCE = "basemap/source"
TRANSPARENT = "#00000000"


_pool: list[QThreadPool] = []


def fetch_pool() -> QThreadPool:
    """The one pool every basemap fetches on (MAX_CONCURRENT requests at once). Shared and
    never deleted, so dropping a basemap never waits on the network in the GUI thread."""
    if not _pool:
        pool = QThreadPool()
        pool.setMaxThreadCount(MAX_CONCURRENT)
        _pool.append(pool)
    return _pool[0]


class _TileSignals(QObject):
    loaded = Signal(object, object)  # TileKey, QImage
    failed = Signal(object, str)  # TileKey, reason
    skipped = Signal(object)  # TileKey no longer wanted when its turn came


class _TileTask(QRunnable):
    def __init__(self, layer: BasemapLayer, tile: TileKey) -> None:
        super().__init__()
        self.layer, self.tile = layer, tile
        self.signals = layer._signals
        self.setAutoDelete(True)

    def run(self) -> None:
        layer, tile = self.layer, self.tile
        if tile not in layer.wanted:  # the view moved on while this waited in the queue
            self.signals.skipped.emit(tile)
            return
        try:
            data = layer.cache.get(tile)
            if data is None:
                data = fetch_tile(tile_url(layer.source, tile, layer.key))
                if layer.source.label_url:
                    labels = fetch_tile(tile_url(layer.source, tile, layer.key, labels=True))
                    data = _overlaid(data, labels)
                layer.cache.put(tile, data)
        except TileFetchError as exc:
            self.signals.failed.emit(tile, str(exc))
            return
        except Exception as exc:  # a broken cache file, an odd answer: a blank tile, a note
            self.signals.failed.emit(tile, f"{tile.z}/{tile.x}/{tile.y}: {exc}")
            return
        image = QImage.fromData(data)
        if image.isNull():
            self.signals.failed.emit(tile, f"tile {tile.z}/{tile.x}/{tile.y} is not an image")
            return
        self.signals.loaded.emit(tile, image)


def _overlaid(base: bytes, labels: bytes) -> bytes:
    """A tile with its label tile drawn over it, as PNG bytes (what the cache keeps)."""
    image = QImage.fromData(base).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    painter.drawImage(0, 0, QImage.fromData(labels))
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; str works
    return bytes(buffer.data().data())


class BasemapLayer(QObject):
    """One source's tiles for the canvas: `paint` draws what is loaded and asks for the rest."""

    changed = Signal()  # a tile arrived: repaint
    note = Signal(str)  # a line for the status bar (failed fetches)

    def __init__(
        self,
        source: TileSource,
        cache_dir: Path | str,
        key: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.source, self.key = source, key
        self.cache = MBTilesCache(cache_path(cache_dir, source), source)
        self.images: OrderedDict[TileKey, QImage] = OrderedDict()
        self.pending: set[TileKey] = set()
        self.failed: set[TileKey] = set()
        self.wanted: frozenset[TileKey] = frozenset()
        self._corners: dict[TileKey, list[tuple[float, float]]] = {}
        self._last_note = 0.0
        self.pool = fetch_pool()
        self._signals = _TileSignals()
        self._signals.loaded.connect(self._loaded)
        self._signals.failed.connect(self._failed)
        self._signals.skipped.connect(self.pending.discard)

    # ---------------------------------------------------------------- tiles
    def zoom_for(self, view: Viewport) -> int:
        return zoom_for_resolution(view.resolution, self.source.max_zoom)

    def tiles_for(self, view: Viewport, zoom: int | None = None) -> list[TileKey]:
        minx, miny, maxx, maxy = view.extent
        west, south = world_to_lonlat(minx, miny)
        east, north = world_to_lonlat(maxx, maxy)
        z = self.zoom_for(view) if zoom is None else zoom
        bounds = (float(west), float(south), float(east), float(north))
        return covering_tiles(bounds, z, self.source.crs)

    def request(self, tiles: list[TileKey]) -> None:
        """Queue the tiles neither loaded, on their way nor failed; forget queued ones the
        view no longer shows."""
        self.wanted = frozenset(tiles)
        for tile in tiles:
            if tile in self.images or tile in self.pending or tile in self.failed:
                continue
            self.pending.add(tile)
            self.pool.start(_TileTask(self, tile))

    def _loaded(self, tile: TileKey, image: QImage) -> None:
        self.pending.discard(tile)
        self.images[tile] = image
        while len(self.images) > MEMORY_TILES:
            self.images.popitem(last=False)
        self.changed.emit()

    def _failed(self, tile: TileKey, reason: str) -> None:
        self.pending.discard(tile)
        self.failed.add(tile)
        now = time.monotonic()
        if now - self._last_note >= NOTE_EVERY_S:
            self._last_note = now
            self.note.emit(tr("Basemap tiles could not be loaded: {reason}").format(reason=reason))

    def retry(self) -> None:
        """Forget failed tiles (the network may be back): the next paint asks again."""
        self.failed.clear()
        self.changed.emit()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.waitForDone(timeout_ms)

    def close(self) -> None:
        """Stop asking for tiles without waiting: queued ones are dropped, a fetch under way
        ends on its own (its tile is then refused by the closed cache, silently)."""
        self.wanted = frozenset()
        self.pool.clear()
        if self.cache.closed:
            return
        for signal in (self._signals.loaded, self._signals.failed, self._signals.skipped):
            signal.disconnect()
        self.cache.close()

    # ---------------------------------------------------------------- drawing
    def corners_world(self, tile: TileKey) -> list[tuple[float, float]]:
        """The tile's corners in Web Mercator metres (TL, TR, BR, BL), computed once."""
        corners = self._corners.get(tile)
        if corners is None:
            corners = []
            for lon, lat in tile_corners_wgs84(tile, self.source.crs):
                x, y = lonlat_to_world(lon, lat)
                corners.append((float(x), float(y)))
            if len(self._corners) > 4 * MEMORY_TILES:
                self._corners.clear()
            self._corners[tile] = corners
        return corners

    def _image_or_ancestor(self, tile: TileKey) -> tuple[QImage | None, QRectF]:
        """The tile's image, or while it loads the part of a loaded tile up to
        ANCESTOR_LEVELS zooms above that covers it (blurred, but no blank flash on zoom)."""
        image = self.images.get(tile)
        if image is not None:
            return image, QRectF(0, 0, image.width(), image.height())
        for up in range(1, min(ANCESTOR_LEVELS, tile.z) + 1):
            parent = TileKey(tile.z - up, tile.x >> up, tile.y >> up)
            image = self.images.get(parent)
            if image is not None:
                part = image.width() / (1 << up)
                column, row = tile.x - (parent.x << up), tile.y - (parent.y << up)
                return image, QRectF(column * part, row * part, part, part)
        return None, QRectF()

    def paint(self, painter: QPainter, view: Viewport, zoom: int | None = None) -> None:
        """Draw the loaded tiles of the view (and ask for the missing ones)."""
        tiles = self.tiles_for(view, zoom)
        self.request(tiles)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        base = painter.transform()
        for tile in reversed(tiles):  # the centre last: it wins any seam
            image, source = self._image_or_ancestor(tile)
            if image is None:
                continue
            screen = [
                QPointF(*map(float, view.world_to_screen(x, y)))
                for x, y in self.corners_world(tile)
            ]
            size = float(TILE_PX)
            top_left, top_right, bottom_right, bottom_left = screen
            # The affine map through three corners; the fourth lands within a fraction of
            # a pixel (the offset changes slowly across a tile), else the exact quad map.
            transform = QTransform(
                (top_right.x() - top_left.x()) / size,
                (top_right.y() - top_left.y()) / size,
                (bottom_left.x() - top_left.x()) / size,
                (bottom_left.y() - top_left.y()) / size,
                top_left.x(),
                top_left.y(),
            )
            fourth = top_right + bottom_left - top_left
            twisted = (fourth - bottom_right).manhattanLength() > QUAD_TOLERANCE_PX
            if twisted and not QTransform.quadToQuad(
                QPolygonF([QPointF(0, 0), QPointF(size, 0), QPointF(size, size), QPointF(0, size)]),
                QPolygonF(screen),
                transform,
            ):
                continue
            painter.setTransform(transform * base)
            painter.drawImage(QRectF(0, 0, size, size), image, source)
        painter.restore()

    def paint_attribution(
        self, painter: QPainter, width: float, height: float, family: str
    ) -> None:
        """The source's attribution at the bottom centre of the map."""
        font = QFont(family)
        font.setPixelSize(11)
        painter.save()
        painter.setFont(font)
        text = self.source.attribution
        box = painter.fontMetrics().boundingRect(text).adjusted(-5, -2, 5, 2)
        rect = QRectF(
            width / 2 - box.width() / 2, height - box.height() - 2, box.width(), box.height()
        )
        painter.fillRect(rect, QColor(255, 255, 255, 200))
        painter.setPen(QColor("#333333"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


# --------------------------------------------------------------------------- the canvas hook


def set_basemap(canvas: Any, layer: BasemapLayer | None) -> None:
    """Show a basemap under the canvas' layers (None: the flat background, nothing fetched)."""
    old = getattr(canvas, "basemap", None)
    if old is not None:
        old.changed.disconnect(canvas.update)
        old.close()
        old.deleteLater()
    canvas.basemap = layer
    if layer is not None:
        layer.changed.connect(canvas.update)
        canvas.background = TRANSPARENT
    else:
        canvas.background = "#f4f1ea"
    canvas.request_render()


def source_title(source: TileSource) -> str:
    return source.name_zh if language() == "zh" else source.name_en


class BasemapKeyDialog(QDialog):
    """The user's own 天地图 key, kept in QSettings."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(tr("Basemap settings"))
        form = QFormLayout(self)
        self.tianditu_key = QLineEdit(str(settings.value(SETTINGS_KEY_TIANDITU, "") or ""))
        self.tianditu_key.setObjectName("tianditu_key")
        self.tianditu_key.setPlaceholderText(tr("your key from console.tianditu.gov.cn"))
        form.addRow(tr("Tianditu key"), self.tianditu_key)
        note = QLabel(
            tr("Tiles are kept in the cache folder, so a region seen once works offline.")
        )
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        self.settings.setValue(SETTINGS_KEY_TIANDITU, self.tianditu_key.text().strip())
        self.settings.sync()
        super().accept()


class BasemapMenu(QObject):
    """View → 底图: none (the default) or one of the sources, and the key dialog. The choice
    is not remembered across sessions: each session starts offline until the user picks."""

    def __init__(
        self,
        window: Any,
        menu: QMenu,
        cache_dir: Path | str | None = None,
        sources: dict[str, TileSource] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.sources = dict(SOURCES if sources is None else sources)
        self._cache_dir = cache_dir
        self.menu = menu.addMenu(tr("Basemap"))
        self.menu.setObjectName("basemap_menu")
        group = QActionGroup(self.menu)
        self.actions: dict[str, QAction] = {}
        for source_id, title in [("", tr("No basemap"))] + [
            (s.id, source_title(s)) for s in self.sources.values()
        ]:
            action = QAction(title, self.menu)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, s=source_id: self.choose(s))
            group.addAction(action)
            self.menu.addAction(action)
            self.actions[source_id] = action
        self.actions[""].setChecked(True)
        self.menu.addSeparator()
        self.menu.addAction(tr("Basemap settings…"), self.open_settings)
        self.menu.addAction(tr("Retry failed tiles"), self.retry)

    def cache_dir(self) -> Path:
        if self._cache_dir is not None:
            return Path(self._cache_dir)
        from gis_carbon.geo.boundaries import cache_dir

        return cache_dir()

    def add_source(self, source: TileSource) -> QAction:
        """Another source (tests: a local server) at the end of the menu's source list."""
        self.sources[source.id] = source
        action = QAction(source_title(source), self.menu)
        action.setCheckable(True)
        action.triggered.connect(lambda _=False, s=source.id: self.choose(s))
        self.actions[""].actionGroup().addAction(action)
        self.menu.insertAction(self.menu.actions()[len(self.actions)], action)
        self.actions[source.id] = action
        return action

    def choose(self, source_id: str) -> None:
        canvas = self.window.canvas
        if not source_id:
            set_basemap(canvas, None)
            self.actions[""].setChecked(True)
            return
        source = self.sources[source_id]
        key = ""
        if source.needs_key:
            key = str(self.window.settings.value(SETTINGS_KEY_TIANDITU, "") or "")
            if (
                not key
                and self.open_settings()
                and self.window.settings.value(SETTINGS_KEY_TIANDITU)
            ):
                key = str(self.window.settings.value(SETTINGS_KEY_TIANDITU))
            if not key:
                self.window.statusBar().showMessage(
                    tr("{source} needs your own key (View → Basemap → Basemap settings…)").format(
                        source=source_title(source)
                    ),
                    10000,
                )
                self.actions[""].setChecked(True)
                set_basemap(canvas, None)
                return
        layer = BasemapLayer(source, self.cache_dir(), key, parent=canvas)
        layer.note.connect(lambda text: self.window.statusBar().showMessage(text, 8000))
        set_basemap(canvas, layer)
        self.actions[source_id].setChecked(True)

    def open_settings(self) -> bool:
        dialog = BasemapKeyDialog(self.window.settings, self.window)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        layer = getattr(self.window.canvas, "basemap", None)
        if accepted and layer is not None and layer.source.needs_key:
            layer.key = str(self.window.settings.value(SETTINGS_KEY_TIANDITU, "") or "")
            layer.retry()
        return accepted

    def retry(self) -> None:
        layer = getattr(self.window.canvas, "basemap", None)
        if layer is not None:
            layer.retry()
