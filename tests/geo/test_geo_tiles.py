"""Tile arithmetic, the source table and the MBTiles cache, without Qt or a network."""

from __future__ import annotations

import math
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gis_carbon.errors import ValidationError
from gis_carbon.geo.chinese_coords import gcj02_to_wgs84, wgs84_to_gcj02
from gis_carbon.geo.tiles import (
    SOURCES,
    MBTilesCache,
    TileFetchError,
    TileKey,
    covering_tiles,
    fetch_tile,
    tile_corners_wgs84,
    tile_url,
    zoom_for_resolution,
)


def test_the_sources_table() -> None:
    assert set(SOURCES) == {"osm", "tianditu_vec", "tianditu_img", "amap"}
    assert SOURCES["amap"].crs == "gcj02"
    assert {s.crs for k, s in SOURCES.items() if k != "amap"} == {"wgs84"}
    assert [k for k, s in SOURCES.items() if s.needs_key] == ["tianditu_vec", "tianditu_img"]
    assert all(s.attribution.startswith("©") for s in SOURCES.values())


def test_tile_urls() -> None:
    tile = TileKey(12, 3378, 1551)
    assert tile_url(SOURCES["osm"], tile) == "https://tile.openstreetmap.org/12/3378/1551.png"
    amap = tile_url(SOURCES["amap"], tile)
    assert amap.startswith("https://webrd0") and "x=3378&y=1551&z=12" in amap
    vec = tile_url(SOURCES["tianditu_vec"], tile, "abc123")
    assert "LAYER=vec" in vec and "TILEMATRIX=12&TILEROW=1551&TILECOL=3378&tk=abc123" in vec
    assert "LAYER=cva" in tile_url(SOURCES["tianditu_vec"], tile, "abc123", labels=True)
    assert "LAYER=cia" in tile_url(SOURCES["tianditu_img"], tile, "abc123", labels=True)
    with pytest.raises(TileFetchError, match="a key is needed"):
        tile_url(SOURCES["tianditu_img"], tile, "  ")


def test_zoom_and_covering_tiles() -> None:
    assert zoom_for_resolution(156543.03, 18) == 0
    assert zoom_for_resolution(19.1, 18) == 13
    assert zoom_for_resolution(0.01, 18) == 18
    with pytest.raises(ValidationError, match="resolution"):
        zoom_for_resolution(0, 18)
    # 静海区 at zoom 10: tiles 844–845 across, 391–392 down (the tile of 116.9°E 38.9°N first)
    tiles = covering_tiles((116.7, 38.6, 117.2, 39.1), 10)
    assert sorted(tiles) == [TileKey(10, x, y) for x in (843, 844, 845) for y in (390, 391, 392)]
    with pytest.raises(ValidationError, match="west < east"):
        covering_tiles((117.0, 38.0, 116.0, 39.0), 10)


def test_gcj02_tiles_cover_the_shifted_view_and_sit_back_on_wgs84() -> None:
    z = 15
    view = (116.90, 38.90, 116.91, 38.905)
    wgs = covering_tiles(view, z)
    gcj = covering_tiles(view, z, "gcj02")
    glon, _glat = wgs84_to_gcj02(116.90, 38.90)
    assert glon - 116.90 > 0.004  # some 500 m east: the GCJ grid's tiles are others
    assert set(gcj) != set(wgs)
    # every corner of the view falls inside one of the GCJ tiles once placed back
    for lon, lat in ((116.90, 38.90), (116.91, 38.905)):
        assert any(_inside(tile_corners_wgs84(t, "gcj02"), lon, lat) for t in gcj)
    tile = gcj[0]
    n = 2**z
    lon0 = tile.x / n * 360 - 180
    lat0 = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * tile.y / n))))
    placed = tile_corners_wgs84(tile, "gcj02")[0]
    expected = gcj02_to_wgs84(lon0, lat0)
    assert math.dist(placed, expected) * 111_000 < 1.0


def _inside(corners, lon, lat) -> bool:
    lons = [c[0] for c in corners]
    lats = [c[1] for c in corners]
    return min(lons) <= lon <= max(lons) and min(lats) <= lat <= max(lats)


def test_mbtiles_keeps_tiles_under_their_tms_row(tmp_path) -> None:
    path = tmp_path / "osm.mbtiles"
    cache = MBTilesCache(path, SOURCES["osm"])
    cache.put(TileKey(3, 6, 1), b"\x89PNG one")
    assert cache.get(TileKey(3, 6, 1)) == b"\x89PNG one"
    assert cache.get(TileKey(3, 6, 2)) is None
    assert list(cache.keys()) == [TileKey(3, 6, 1)] and len(cache) == 1
    cache.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT zoom_level, tile_column, tile_row FROM tiles").fetchall() == [
        (3, 6, 6)
    ]
    meta = dict(db.execute("SELECT name, value FROM metadata"))
    assert meta["name"] == "OpenStreetMap" and meta["format"] == "png"
    assert meta["attribution"] == "© OpenStreetMap contributors"
    db.close()
    again = MBTilesCache(path, SOURCES["osm"])  # reopened: the tile is still there
    assert again.get(TileKey(3, 6, 1)) == b"\x89PNG one"
    again.close()


def test_fetch_refuses_what_is_not_a_tile() -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/missing":
                self.send_error(404)
                return
            body = b"<html>quota exceeded</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(TileFetchError, match="not a PNG or JPEG"):
            fetch_tile(f"{root}/html")
        with pytest.raises(TileFetchError, match="HTTP 404"):
            fetch_tile(f"{root}/missing")
    finally:
        server.shutdown()
        server.server_close()
