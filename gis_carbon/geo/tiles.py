"""Online tile basemaps without Qt: the table of sources, tile arithmetic, the MBTiles cache.

A basemap is a grid of 256-pixel "slippy map" tiles in Web Mercator (z/x/y, y down). Most
sources are on WGS 84 (天地图 uses CGCS2000, within centimetres of it), so their tiles line up
with the canvas' Web Mercator world exactly. Amap's tiles are drawn in GCJ-02, China's
legally offset datum (a few hundred metres): :func:`covering_tiles` transforms the view to
GCJ-02 to find the tiles that cover it, and :func:`tile_corners_wgs84` places each tile by
transforming its corners back, so a road on the tile lands on the same road in WGS 84.

Tiles are kept per source in an MBTiles 1.3 file (SQLite: ``metadata`` and ``tiles`` with
the TMS row, y flipped), so a region viewed once is drawn again offline.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from gis_carbon.errors import GisCarbonError, ValidationError

__all__ = [
    "SOURCES",
    "USER_AGENT",
    "MBTilesCache",
    "TileFetchError",
    "TileKey",
    "TileSource",
    "covering_tiles",
    "fetch_tile",
    "tile_corners_wgs84",
    "tile_url",
    "zoom_for_resolution",
]

EARTH_RADIUS_M = 6378137.0
MAX_LAT = 85.05112878
TILE_PX = 256
# Metres per pixel of zoom 0 at the equator (one 256-pixel tile spans the world).
RESOLUTION_Z0 = 2 * math.pi * EARTH_RADIUS_M / TILE_PX
USER_AGENT = "gis-carbon/0.1 (desktop GIS; carbon-peak plan tracking)"
CRSES = ("wgs84", "gcj02")


class TileFetchError(GisCarbonError):
    """A tile that could not be downloaded (network down, HTTP error, not an image)."""


class TileKey(NamedTuple):
    z: int
    x: int
    y: int  # XYZ row, 0 at the north edge


@dataclass(frozen=True)
class TileSource:
    """One basemap: its URL template ({z} {x} {y}, optional {s} subdomain and {key})."""

    id: str
    name_zh: str
    name_en: str
    url: str
    crs: str  # "wgs84" or "gcj02": the datum the tiles are drawn in
    attribution: str
    max_zoom: int = 18
    needs_key: bool = False  # the user's own key (天地图) goes into {key}
    subdomains: tuple[str, ...] = ()
    image_format: str = "png"  # as cached: a tile with labels laid over it is a PNG
    # A second layer of the same grid drawn over each tile (天地图's place names, cva/cia)
    label_url: str = ""

    def __post_init__(self) -> None:
        if self.crs not in CRSES:
            raise ValidationError(f"tile source {self.id}: crs {self.crs!r} is not one of {CRSES}")
        if not all(part in self.url for part in ("{z}", "{x}", "{y}")):
            raise ValidationError(
                f"tile source {self.id}: url {self.url!r} lacks {{z}}/{{x}}/{{y}}"
            )


_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)

SOURCES: dict[str, TileSource] = {
    source.id: source
    for source in (
        TileSource(
            "osm",
            "OpenStreetMap",
            "OpenStreetMap",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "wgs84",
            "© OpenStreetMap contributors",
            max_zoom=19,
        ),
        TileSource(
            "tianditu_vec",
            "天地图 矢量",
            "Tianditu vector",
            _TIANDITU.replace("{layer}", "vec"),
            "wgs84",
            "© 天地图 国家地理信息公共服务平台",
            max_zoom=18,
            needs_key=True,
            subdomains=tuple("01234567"),
            label_url=_TIANDITU.replace("{layer}", "cva"),
        ),
        TileSource(
            "tianditu_img",
            "天地图 影像",
            "Tianditu imagery",
            _TIANDITU.replace("{layer}", "img"),
            "wgs84",
            "© 天地图 国家地理信息公共服务平台",
            max_zoom=18,
            needs_key=True,
            subdomains=tuple("01234567"),
            label_url=_TIANDITU.replace("{layer}", "cia"),
        ),
        TileSource(
            "amap",
            "高德地图",
            "Amap",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            "gcj02",
            "© 高德地图 AutoNavi",
            max_zoom=18,
            subdomains=("1", "2", "3", "4"),
        ),
    )
}


# --------------------------------------------------------------------------- tile arithmetic


def zoom_for_resolution(resolution: float, max_zoom: int) -> int:
    """The zoom whose tiles are closest to `resolution` metres per pixel (Web Mercator)."""
    if not (resolution > 0 and math.isfinite(resolution)):
        raise ValidationError(f"resolution must be > 0; got {resolution!r}")
    return max(0, min(max_zoom, round(math.log2(RESOLUTION_Z0 / resolution))))


def _lonlat_to_tile_xy(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional tile coordinates of a position on a zoom-z grid."""
    n = 2**z
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def _tile_xy_to_lonlat(x: float, y: float, z: int) -> tuple[float, float]:
    n = 2**z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / n))))
    return lon, lat


def _to_tile_datum(crs: str, lon: float, lat: float) -> tuple[float, float]:
    if crs == "gcj02":
        from gis_carbon.geo.chinese_coords import wgs84_to_gcj02

        return wgs84_to_gcj02(lon, lat)
    return lon, lat


def _from_tile_datum(crs: str, lon: float, lat: float) -> tuple[float, float]:
    if crs == "gcj02":
        from gis_carbon.geo.chinese_coords import gcj02_to_wgs84

        return gcj02_to_wgs84(lon, lat)
    return lon, lat


def covering_tiles(
    bounds: tuple[float, float, float, float], z: int, crs: str = "wgs84", limit: int = 400
) -> list[TileKey]:
    """The zoom-z tiles covering a WGS 84 (west, south, east, north) box, centre first.

    For a GCJ-02 source the box is transformed into GCJ-02 first (its corners and edge
    midpoints: the offset varies smoothly over a view), then widened by the few hundred
    metres the offset can bend the edges."""
    west, south, east, north = bounds
    if not (west < east and south < north):
        raise ValidationError(f"bounds must be west < east and south < north; got {bounds}")
    west, east = max(west, -180.0), min(east, 180.0)
    south, north = max(south, -MAX_LAT), min(north, MAX_LAT)
    if crs == "gcj02":
        samples = [
            _to_tile_datum(crs, lon, lat)
            for lon in (west, (west + east) / 2, east)
            for lat in (south, (south + north) / 2, north)
        ]
        west = min(lon for lon, _ in samples)
        east = max(lon for lon, _ in samples)
        south = min(lat for _, lat in samples)
        north = max(lat for _, lat in samples)
    n = 2**z
    x0, y0 = _lonlat_to_tile_xy(west, north, z)
    x1, y1 = _lonlat_to_tile_xy(east, south, z)
    xs = range(max(0, math.floor(x0)), min(n - 1, math.floor(x1)) + 1)
    ys = range(max(0, math.floor(y0)), min(n - 1, math.floor(y1)) + 1)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    tiles = sorted(
        (TileKey(z, x, y) for x in xs for y in ys),
        key=lambda t: (t.x + 0.5 - cx) ** 2 + (t.y + 0.5 - cy) ** 2,
    )
    return tiles[:limit]


def tile_corners_wgs84(tile: TileKey, crs: str = "wgs84") -> list[tuple[float, float]]:
    """The tile's corners in WGS 84 (lon, lat): top-left, top-right, bottom-right,
    bottom-left. A GCJ-02 tile's corners are moved back by the offset at each corner."""
    corners = [
        _tile_xy_to_lonlat(tile.x + dx, tile.y + dy, tile.z)
        for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1))
    ]
    return [_from_tile_datum(crs, lon, lat) for lon, lat in corners]


def tile_url(source: TileSource, tile: TileKey, key: str = "", labels: bool = False) -> str:
    """The URL of one tile (of its label layer with `labels`); a source that needs a key
    refuses to build one without it."""
    if source.needs_key and not key.strip():
        raise TileFetchError(f"{source.name_en}: a key is needed (View → Basemap → settings)")
    template = source.label_url if labels else source.url
    url = template.format(z=tile.z, x=tile.x, y=tile.y, key=key.strip(), s="{s}")
    if source.subdomains:
        url = url.replace("{s}", source.subdomains[(tile.x + tile.y) % len(source.subdomains)])
    return url


def fetch_tile(url: str, timeout_s: float = 10.0) -> bytes:
    """Download one tile (with the app's User-Agent); TileFetchError names the URL's host
    and the reason. Only PNG and JPEG bodies are accepted: an HTML error page is not a tile."""
    import urllib.error
    import urllib.parse
    import urllib.request

    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as exc:
        raise TileFetchError(f"{host}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TileFetchError(f"{host}: {reason}") from exc
    if not (body.startswith(b"\x89PNG") or body.startswith(b"\xff\xd8")):
        raise TileFetchError(f"{host}: the answer is not a PNG or JPEG tile")
    return body


# --------------------------------------------------------------------------- the cache


class MBTilesCache:
    """A source's tiles in an MBTiles 1.3 file. Thread-safe: fetch threads write while
    another thread reads (one connection, one lock; each call is a short statement)."""

    def __init__(self, path: Path | str, source: TileSource) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.closed = False
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT)")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER,"
                " tile_row INTEGER, tile_data BLOB)"
            )
            self._db.execute(
                "CREATE UNIQUE INDEX IF NOT EXISTS tile_index"
                " ON tiles (zoom_level, tile_column, tile_row)"
            )
            if self._db.execute("SELECT count(*) FROM metadata").fetchone()[0] == 0:
                self._db.executemany(
                    "INSERT INTO metadata VALUES (?, ?)",
                    [
                        ("name", source.name_en),
                        ("format", source.image_format),
                        ("type", "baselayer"),
                        ("version", "1.3"),
                        ("minzoom", "0"),
                        ("maxzoom", str(source.max_zoom)),
                        ("bounds", "-180,-85.0511,180,85.0511"),
                        ("attribution", source.attribution),
                        ("description", f"gis-carbon tile cache of {source.id} ({source.crs})"),
                    ],
                )

    @staticmethod
    def _tms_row(tile: TileKey) -> int:
        return (1 << tile.z) - 1 - tile.y

    def get(self, tile: TileKey) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (tile.z, tile.x, self._tms_row(tile)),
            ).fetchone()
        return None if row is None else bytes(row[0])

    def put(self, tile: TileKey, data: bytes) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)",
                (tile.z, tile.x, self._tms_row(tile), sqlite3.Binary(data)),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM tiles").fetchone()[0])

    def keys(self) -> Iterator[TileKey]:
        with self._lock:
            rows = self._db.execute(
                "SELECT zoom_level, tile_column, tile_row FROM tiles"
            ).fetchall()
        for z, x, row in rows:
            yield TileKey(z, x, (1 << z) - 1 - row)

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self.closed = True


def cache_path(cache_dir: Path | str, source: TileSource) -> Path:
    """Where a source's tiles are cached: <cache dir>/tiles/<source id>.mbtiles."""
    return Path(cache_dir) / "tiles" / f"{source.id}.mbtiles"
