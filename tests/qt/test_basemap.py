"""The online basemap: tiles from a local HTTP server on 127.0.0.1, cached in MBTiles, drawn
offline from the cache, GCJ-02 tiles placed by the offset, nothing fetched by default."""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw

from gis_carbon.geo.chinese_coords import gcj02_to_wgs84
from gis_carbon.geo.tiles import (
    USER_AGENT,
    TileKey,
    TileSource,
    covering_tiles,
    tile_corners_wgs84,
)

# 静海区, about 116.9°E 38.9°N: zoom 12 tiles are about 9.8 km across at 38.9°N
VIEW = (116.88, 38.90, 116.98, 38.96)


def _tile_png(z: int, x: int, y: int, labels: bool = False) -> bytes:
    """A light green tile with its z/x/y; its label layer: transparent, a red block at
    (100, 100)–(150, 150)."""
    if labels:
        image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
        ImageDraw.Draw(image).rectangle((100, 100, 150, 150), fill=(220, 0, 0, 255))
    else:
        image = Image.new("RGB", (256, 256), (200, 225, 200))
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 255, 255), outline=(30, 90, 30), width=2)
        draw.text((20, 120), f"{z}/{x}/{y}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class TileServer:
    """Serves /z/x/y.png generated on request; records every request path and User-Agent."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.requests: list[tuple[str, str]] = []
        self.busy = 0  # requests being answered now, and the most at once
        self.most_at_once = 0
        lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append((self.path, self.headers.get("User-Agent", "")))
                with lock:
                    owner.busy += 1
                    owner.most_at_once = max(owner.most_at_once, owner.busy)
                try:
                    time.sleep(delay_s)
                    self._answer()
                finally:
                    with lock:
                        owner.busy -= 1

            def _answer(self) -> None:
                labels = self.path.startswith("/labels/")
                path = self.path.removeprefix("/labels")
                try:
                    z, x, y = (int(p) for p in path.strip("/").removesuffix(".png").split("/"))
                except ValueError:
                    self.send_error(404)
                    return
                body = _tile_png(z, x, y, labels)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def source(
        self, source_id: str = "local", crs: str = "wgs84", labels: bool = False
    ) -> TileSource:
        root = f"http://127.0.0.1:{self.port}"
        return TileSource(
            source_id,
            "本地瓦片",
            "Local tiles",
            f"{root}/{{z}}/{{x}}/{{y}}.png",
            crs,
            "© test tiles",
            max_zoom=18,
            label_url=f"{root}/labels/{{z}}/{{x}}/{{y}}.png" if labels else "",
        )

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def tile_server():
    server = TileServer()
    yield server
    server.stop()


@pytest.fixture
def canvas(qtbot):
    from gis_carbon.qt.canvas import MapCanvas

    widget = MapCanvas()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.zoom_to_lonlat_bounds(VIEW)
    return widget


def _show_basemap(canvas, source, cache_dir, qtbot):
    from gis_carbon.qt.basemap import BasemapLayer, set_basemap

    layer = BasemapLayer(source, cache_dir, parent=canvas)
    set_basemap(canvas, layer)
    canvas.repaint()  # the first paint asks for the view's tiles
    wanted = layer.tiles_for(canvas.view)
    qtbot.waitUntil(
        lambda: all(t in layer.images or t in layer.failed for t in wanted), timeout=20_000
    )
    canvas.repaint()
    return layer, wanted


def _grab(canvas):
    return canvas.grab().toImage()


def test_tiles_are_fetched_cached_in_mbtiles_and_drawn_offline(
    canvas, tile_server, tmp_path, qtbot
):
    from gis_carbon.qt.basemap import set_basemap

    source = tile_server.source()
    layer, wanted = _show_basemap(canvas, source, tmp_path, qtbot)
    z = layer.zoom_for(canvas.view)
    assert 11 <= z <= 14
    assert set(wanted) <= set(layer.images) and not layer.failed
    paths = {path for path, _ua in tile_server.requests}
    assert {f"/{t.z}/{t.x}/{t.y}.png" for t in wanted} == paths
    assert {ua for _p, ua in tile_server.requests} == {USER_AGENT}
    assert set(wanted) == set(covering_tiles(_view_bounds(canvas), z))

    # The MBTiles file: metadata, and each tile under its TMS row (y flipped).
    mbtiles = tmp_path / "tiles" / "local.mbtiles"
    db = sqlite3.connect(mbtiles)
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    assert meta["format"] == "png" and meta["version"] == "1.3" and meta["type"] == "baselayer"
    tile = wanted[0]
    row = db.execute(
        "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
        (tile.z, tile.x, 2**tile.z - 1 - tile.y),
    ).fetchone()
    assert row is not None and bytes(row[0]) == _tile_png(tile.z, tile.x, tile.y)
    assert db.execute("SELECT count(*) FROM tiles").fetchone()[0] == len(wanted)
    db.close()

    # The tile's pixels are on screen where its corner is: the tile's light green fill.
    online = _grab(canvas)
    x, y = _inside(canvas, tile)
    assert online.pixelColor(x, y).name() == "#c8e1c8"

    # While a zoomed-in tile loads, the quarter of its loaded parent stands in for it.
    child = TileKey(tile.z + 1, 2 * tile.x + 1, 2 * tile.y)
    image, part = layer._image_or_ancestor(child)
    assert image is layer.images[tile]
    assert (part.x(), part.y(), part.width(), part.height()) == (128, 0, 128, 128)

    # Offline: the server stops, a new layer (empty memory) draws the same view from disk.
    set_basemap(canvas, None)
    tile_server.stop()
    before = len(tile_server.requests)
    layer, wanted_again = _show_basemap(canvas, source, tmp_path, qtbot)
    assert wanted_again == wanted and not layer.failed
    assert len(tile_server.requests) == before
    offline = _grab(canvas)
    assert offline.pixelColor(x, y).name() == "#c8e1c8"
    assert offline == online


def _view_bounds(canvas):
    minx, miny, maxx, maxy = canvas.view.extent
    from gis_carbon.model.map_state import world_to_lonlat

    west, south = world_to_lonlat(minx, miny)
    east, north = world_to_lonlat(maxx, maxy)
    return (float(west), float(south), float(east), float(north))


def _inside(canvas, tile: TileKey) -> tuple[int, int]:
    """A pixel a few pixels inside the tile's top-left corner, on screen."""
    lon, lat = tile_corners_wgs84(tile)[0]
    x, y = canvas.view.lonlat_to_screen(lon, lat)
    x, y = max(x, 0) + 6, max(y, 0) + 6
    return int(x), int(y)


def test_failed_fetches_leave_blank_tiles_and_a_status_note(canvas, tmp_path, qtbot):
    from gis_carbon.qt.basemap import BasemapLayer, set_basemap

    server = TileServer()
    source = server.source()
    server.stop()  # nothing listens on the port any more
    layer = BasemapLayer(source, tmp_path, parent=canvas)
    notes: list[str] = []
    layer.note.connect(notes.append)
    set_basemap(canvas, layer)
    canvas.repaint()
    wanted = layer.tiles_for(canvas.view)
    qtbot.waitUntil(lambda: set(wanted) <= layer.failed, timeout=20_000)
    assert not layer.images
    assert len(notes) == 1 and notes[0].startswith("底图瓦片无法加载：127.0.0.1:")
    canvas.repaint()  # no traceback, the canvas still paints (blank tiles)


def test_gcj02_tiles_are_placed_by_the_offset(canvas, tile_server, tmp_path, qtbot):
    source = tile_server.source("local_gcj", crs="gcj02")
    layer, wanted = _show_basemap(canvas, source, tmp_path, qtbot)
    assert set(wanted) <= set(layer.images)
    for tile in wanted[:4]:
        # the tile's top-left corner as the GCJ-02 grid has it, moved back to WGS 84
        n = 2**tile.z
        import math

        lon_gcj = tile.x / n * 360.0 - 180.0
        lat_gcj = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * tile.y / n))))
        expected = gcj02_to_wgs84(lon_gcj, lat_gcj)
        # where the layer draws it: its world corner, back in degrees
        from gis_carbon.model.map_state import world_to_lonlat

        wx, wy = layer.corners_world(tile)[0]
        placed = tuple(float(v) for v in world_to_lonlat(wx, wy))
        metres_per_degree = 111_320.0
        assert abs(placed[0] - expected[0]) * metres_per_degree * math.cos(math.radians(39)) < 1
        assert abs(placed[1] - expected[1]) * metres_per_degree < 1
        # and the offset is real: hundreds of metres from the unshifted corner
        shift_m = math.hypot(
            (placed[0] - lon_gcj) * metres_per_degree * math.cos(math.radians(39)),
            (placed[1] - lat_gcj) * metres_per_degree,
        )
        assert 100 < shift_m < 1000
    # On screen a tile's corner is where that shifted corner falls: just inside it, the
    # tile's dark green border (2 px), a few pixels further in its light green fill.
    image = _grab(canvas)
    inside = []
    for tile in wanted:
        x, y = canvas.view.lonlat_to_screen(*tile_corners_wgs84(tile, "gcj02")[0])
        if 10 <= x < canvas.width() - 10 and 10 <= y < canvas.height() - 10:
            inside.append((x, y))
    assert inside
    for x, y in inside:
        assert image.pixelColor(round(x) + 6, round(y) + 6).name() == "#c8e1c8"
        assert image.pixelColor(round(x) + 1, round(y) + 1).name() != "#c8e1c8"


def test_nothing_is_fetched_by_default(window, tile_server, tmp_path, qtbot):
    """The window opens, draws and zooms: no basemap, no request; the menu offers 'none'
    checked. Choosing the local source fetches."""
    menu = window.basemap_menu
    menu._cache_dir = tmp_path
    action = menu.add_source(tile_server.source())
    assert window.canvas.basemap is None
    assert menu.actions[""].isChecked()
    window.canvas.zoom_to_lonlat_bounds(VIEW)
    assert window.wait_until_idle(60_000)
    window.canvas.repaint()
    qtbot.wait(300)
    assert tile_server.requests == []
    assert not (tmp_path / "tiles").exists()  # no cache file either

    action.trigger()
    assert window.canvas.basemap is not None
    window.canvas.repaint()
    qtbot.waitUntil(lambda: len(tile_server.requests) > 0, timeout=20_000)
    window.canvas.basemap.wait()
    menu.choose("")
    assert window.canvas.basemap is None


def test_label_layer_is_drawn_over_each_tile_and_cached_with_it(
    canvas, tile_server, tmp_path, qtbot
):
    """As 天地图 serves place names as a second layer (cva/cia): both fetched, one cached."""
    from PySide6.QtGui import QImage

    source = tile_server.source("local_labels", labels=True)
    layer, wanted = _show_basemap(canvas, source, tmp_path, qtbot)
    paths = {path for path, _ua in tile_server.requests}
    for tile in wanted:
        assert {
            f"/{tile.z}/{tile.x}/{tile.y}.png",
            f"/labels/{tile.z}/{tile.x}/{tile.y}.png",
        } <= paths
    cached = QImage.fromData(layer.cache.get(wanted[0]))
    assert cached.pixelColor(125, 125).name() == "#dc0000"  # the label layer's block
    assert cached.pixelColor(60, 60).name() == "#c8e1c8"  # the tile under it
    assert len(layer.cache) == len(wanted)


def test_tianditu_uses_the_key_from_the_settings_dialog(window, qtbot):
    """The key typed in 底图设置 is kept in QSettings and goes into 天地图's tile URLs."""
    from gis_carbon.geo.tiles import tile_url
    from gis_carbon.qt.basemap import SETTINGS_KEY_TIANDITU, BasemapKeyDialog

    dialog = BasemapKeyDialog(window.settings, window)
    dialog.tianditu_key.setText(" 0123abcd ")
    dialog.accept()
    assert window.settings.value(SETTINGS_KEY_TIANDITU) == "0123abcd"
    assert BasemapKeyDialog(window.settings).tianditu_key.text() == "0123abcd"

    menu = window.basemap_menu
    titles = [a.text() for a in menu.menu.actions() if a.text()]
    assert titles[:5] == [
        "无底图（离线）",
        "OpenStreetMap",
        "天地图 矢量",
        "天地图 影像",
        "高德地图",
    ]
    menu.choose("tianditu_img")  # no paint runs before it is switched off: nothing fetched
    layer = window.canvas.basemap
    assert layer.source.id == "tianditu_img" and layer.key == "0123abcd"
    assert menu.actions["tianditu_img"].isChecked()
    assert "tk=0123abcd" in tile_url(layer.source, TileKey(12, 3378, 1551), layer.key)
    menu.choose("")
    assert window.canvas.basemap is None and menu.actions[""].isChecked()


def test_fetches_are_limited_and_never_hold_up_the_gui(canvas, tmp_path, qtbot):
    """A slow server (0.4 s a tile): at most MAX_CONCURRENT requests at once; painting and
    switching the basemap off return at once while fetches are under way."""
    from gis_carbon.qt.basemap import MAX_CONCURRENT, BasemapLayer, set_basemap

    server = TileServer(delay_s=0.4)
    try:
        layer = BasemapLayer(server.source("slow"), tmp_path, parent=canvas)
        set_basemap(canvas, layer)
        started = time.perf_counter()
        canvas.repaint()
        assert time.perf_counter() - started < 0.1
        wanted = layer.tiles_for(canvas.view)
        assert len(wanted) > MAX_CONCURRENT
        qtbot.waitUntil(lambda: server.busy >= 1, timeout=5_000)
        started = time.perf_counter()
        set_basemap(canvas, None)  # with requests under way
        assert time.perf_counter() - started < 0.1
        assert canvas.basemap is None
        qtbot.wait(1_000)  # the running fetches end; the queued ones were dropped
        assert 1 <= server.most_at_once <= MAX_CONCURRENT
        assert len(server.requests) < len(wanted)
    finally:
        server.stop()
