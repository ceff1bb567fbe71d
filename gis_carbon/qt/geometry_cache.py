"""Geometry prepared once for fast drawing: Mercator numpy arrays and QPainterPaths.

Boundaries are kept at several levels of detail (the ~100 m drawing copy from
gis_carbon.geo.boundaries plus coarser coverage-simplified copies), each as one QPainterPath
per region in world metres, with numpy bounding boxes for culling. Paths are built from
numpy through QDataStream (QPainterPath's own serialisation), which is ~50× faster than
calling moveTo/lineTo per vertex from Python. The coarse copies take seconds to compute, so
they are cached on disk next to the boundary cache.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QByteArray, QDataStream, QIODevice
from PySide6.QtGui import QPainterPath, QPolygonF

from gis_carbon.model.map_state import lonlat_to_world

# Detail levels in degrees: the source copy (~100 m) and two coarser ones.
DETAIL_TOLERANCES_DEG = (0.001, 0.01, 0.04)
METRES_PER_DEGREE = 111_320.0
# Outlines are stroked in pieces of at most this many vertices. PySide6 holds the GIL for the
# whole of one QPainter.drawPath, and a province outline of 18k vertices took 23 ms idle and
# 80–150 ms on a busy two-core machine — the GUI thread waited that long for the GIL. A piece
# of 1,024 vertices strokes in ~1 ms, and bounding boxes per piece skip the ones out of view.
STROKE_CHUNK_VERTICES = 1024
CACHE_VERSION = 1

_ELEMENT = np.dtype([("type", ">i4"), ("x", ">f8"), ("y", ">f8")])


def polygon_from_xy(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF whose memory is filled straight from an (n, 2) float array."""
    xy = np.ascontiguousarray(xy, dtype=np.float64)
    polygon = QPolygonF()
    polygon.resize(len(xy))
    if len(xy):
        # shiboken6's stubs know VoidPtr(int) only; it takes (pointer, size, writable) and
        # exports the buffer protocol numpy reads.
        buffer = shiboken6.VoidPtr(polygon.data(), len(xy) * 16, True)  # type: ignore[call-arg, arg-type]
        np.frombuffer(buffer, np.float64).reshape(-1, 2)[:] = xy  # type: ignore[call-overload]
    return polygon


def path_from_rings(xy: np.ndarray, ring_starts: np.ndarray) -> QPainterPath:
    """One QPainterPath of closed rings: `xy` (n, 2) world coordinates, `ring_starts` the
    index of each ring's first vertex (ascending)."""
    n = len(xy)
    path = QPainterPath()
    if n == 0:
        return path
    elements = np.empty(n, dtype=_ELEMENT)
    elements["type"] = 1  # LineToElement
    elements["type"][ring_starts] = 0  # MoveToElement
    elements["x"] = xy[:, 0]
    elements["y"] = xy[:, 1]
    blob = (
        np.array([n], ">i4").tobytes() + elements.tobytes() + np.array([0, 1], ">i4").tobytes()
    )  # cStart, fill rule (winding)
    data = QByteArray(blob)  # kept alive while the stream reads it
    stream = QDataStream(data, QIODevice.OpenModeFlag.ReadOnly)
    stream >> path
    return path


@dataclass
class DetailLevel:
    tolerance_deg: float
    paths: list[QPainterPath]  # one per region (fills, hit tests)
    bboxes: np.ndarray  # (n, 4) world minx, miny, maxx, maxy
    vertex_count: int
    # The outlines of all regions as short open paths (see STROKE_CHUNK_VERTICES).
    strokes: list[QPainterPath] = field(default_factory=list)
    stroke_bboxes: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))

    @property
    def tolerance_m(self) -> float:
        return self.tolerance_deg * METRES_PER_DEGREE


@dataclass
class BoundaryData:
    """A boundary layer ready to draw: codes, names, label points and detail levels."""

    codes: list[str]
    names: list[str]
    parents: list[str]
    label_xy: np.ndarray  # (n, 2) world
    levels: list[DetailLevel] = field(default_factory=list)  # fine → coarse
    index: dict[str, int] = field(default_factory=dict)

    def level_for(self, resolution_m: float) -> DetailLevel:
        """The coarsest level whose simplification stays under ~1.5 pixels."""
        chosen = self.levels[0]
        for level in self.levels:
            if level.tolerance_m <= 1.5 * resolution_m:
                chosen = level
        return chosen

    def bounds_of(self, code: str) -> tuple[float, float, float, float] | None:
        i = self.index.get(code)
        if i is None:
            return None
        return tuple(float(v) for v in self.levels[0].bboxes[i])  # type: ignore[return-value]


def _polygonal(geometries: np.ndarray) -> np.ndarray:
    """Every geometry as a (Multi)Polygon: make_valid can leave GeometryCollections."""
    import shapely

    out = geometries.copy()
    kinds = shapely.get_type_id(out)
    odd = ~np.isin(kinds, (3, 6))
    for i in np.flatnonzero(odd):
        parts = shapely.get_parts(out[i])
        polys = [p for p in parts if p.geom_type in ("Polygon", "MultiPolygon")]
        out[i] = (
            shapely.multipolygons([q for p in polys for q in shapely.get_parts(p)])
            if polys
            else shapely.from_wkt("POLYGON EMPTY")
        )
    return out


def _flatten(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World xy of all vertices, ring start indices, and each feature's first ring."""
    import shapely

    geometries = _polygonal(geometries)
    rings_per_feature = []
    ring_arrays = []
    for geom in geometries:
        count = 0
        for polygon in shapely.get_parts(geom):
            if polygon.is_empty:
                continue
            ring_arrays.append(shapely.get_coordinates(polygon.exterior))
            count += 1
            for interior in polygon.interiors:
                ring_arrays.append(shapely.get_coordinates(interior))
                count += 1
        rings_per_feature.append(count)
    lengths = np.array([len(r) for r in ring_arrays], dtype=np.int64)
    lonlat = np.concatenate(ring_arrays) if ring_arrays else np.empty((0, 2))
    x, y = lonlat_to_world(lonlat[:, 0], lonlat[:, 1])
    ring_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
    feature_first_ring = np.concatenate([[0], np.cumsum(rings_per_feature)]).astype(np.int64)
    return np.column_stack([x, y]), ring_starts.astype(np.int64), feature_first_ring


def _level_from_arrays(
    tolerance: float, xy: np.ndarray, ring_starts: np.ndarray, feature_rings: np.ndarray
) -> DetailLevel:
    paths = []
    n = len(feature_rings) - 1
    bboxes = np.full((n, 4), np.nan)
    ring_ends = np.append(ring_starts[1:], len(xy))
    for i in range(n):
        r0, r1 = feature_rings[i], feature_rings[i + 1]
        if r1 <= r0:
            paths.append(QPainterPath())
            continue
        v0, v1 = ring_starts[r0], ring_ends[r1 - 1]
        part = xy[v0:v1]
        paths.append(path_from_rings(part, ring_starts[r0:r1] - v0))
        bboxes[i] = (part[:, 0].min(), part[:, 1].min(), part[:, 0].max(), part[:, 1].max())
    strokes, stroke_bboxes = stroke_chunks(xy, ring_starts)
    return DetailLevel(tolerance, paths, bboxes, len(xy), strokes, stroke_bboxes)


def stroke_chunks(
    xy: np.ndarray, ring_starts: np.ndarray, limit: int = STROKE_CHUNK_VERTICES
) -> tuple[list[QPainterPath], np.ndarray]:
    """The rings as open paths of at most `limit` vertices each, with their bounding boxes.

    Consecutive small rings share a piece; a long ring is cut, and the next piece starts
    again at the cut vertex so no segment is lost. Stroked with one pen, the pieces draw the
    same lines as the whole rings (the rings' paths are open polylines too)."""
    n = len(xy)
    if n == 0:
        return [], np.empty((0, 4))
    limit = max(2, int(limit))
    starts = np.asarray(ring_starts, dtype=np.int64)
    paths: list[QPainterPath] = []
    boxes: list[tuple[float, float, float, float]] = []
    begin = 0
    while True:
        end = min(n, begin + limit)
        if end < n:
            # Prefer to cut where a ring starts (no overlap needed) if one lies in the piece.
            k = int(np.searchsorted(starts, end, side="right")) - 1
            if k >= 0 and starts[k] > begin:
                end = int(starts[k])
        piece = xy[begin:end]
        lo, hi = np.searchsorted(starts, [begin + 1, end])
        inner = starts[lo:hi] - begin
        paths.append(path_from_rings(piece, np.concatenate([[0], inner]).astype(np.int64)))
        boxes.append(
            (
                float(piece[:, 0].min()),
                float(piece[:, 1].min()),
                float(piece[:, 0].max()),
                float(piece[:, 1].max()),
            )
        )
        if end >= n:
            break
        # A cut inside a ring repeats its vertex so the segment across the cut is drawn.
        at = int(np.searchsorted(starts, end))
        at_ring_start = at < len(starts) and int(starts[at]) == end
        begin = end if at_ring_start else end - 1
    return paths, np.array(boxes, dtype=np.float64)


def _cache_file(level: str) -> Path:
    from gis_carbon.geo.boundaries import boundary_cache_path

    source = boundary_cache_path()
    return source.parent / f"{source.stem}-canvas-{level}-v{CACHE_VERSION}.npz"


def _simplified_arrays(level: str, geometries: np.ndarray) -> dict[str, np.ndarray]:
    """Flattened arrays for every detail level, from the disk cache when it is there."""
    import shapely

    path = _cache_file(level)
    if path.is_file():
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    arrays: dict[str, np.ndarray] = {}
    for k, tolerance in enumerate(DETAIL_TOLERANCES_DEG):
        if k == 0:
            geoms = geometries
        else:
            geoms = shapely.coverage_simplify(geometries, tolerance)
            broken = ~shapely.is_valid(geoms) | shapely.is_empty(geoms)
            if broken.any():
                geoms[broken] = shapely.simplify(
                    geometries[broken], tolerance, preserve_topology=True
                )
        xy, ring_starts, feature_rings = _flatten(geoms)
        arrays[f"xy{k}"], arrays[f"rings{k}"], arrays[f"features{k}"] = (
            xy,
            ring_starts,
            feature_rings,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
    os.replace(tmp, path)
    return arrays


_lock = threading.Lock()
_loaded: dict[str, BoundaryData] = {}


def load_boundaries(level: str = "county") -> BoundaryData:
    """The boundary layer at every detail level (slow the first time: call from a worker)."""
    with _lock:
        if level in _loaded:
            return _loaded[level]
        from gis_carbon.geo.boundaries import boundaries

        frame = boundaries(level, simplified=True)  # type: ignore[arg-type]
        geometries = np.asarray(frame.geometry.values, dtype=object)
        arrays = _simplified_arrays(level, geometries)
        import shapely

        points = shapely.point_on_surface(geometries)
        lx, ly = lonlat_to_world(shapely.get_x(points), shapely.get_y(points))
        data = BoundaryData(
            codes=[str(c) for c in frame["code"]],
            names=[str(n) for n in frame["name"]],
            parents=[str(p or "") for p in frame["parent_code"]],
            label_xy=np.column_stack([lx, ly]),
        )
        data.index = {code: i for i, code in enumerate(data.codes)}
        for k, tolerance in enumerate(DETAIL_TOLERANCES_DEG):
            data.levels.append(
                _level_from_arrays(
                    tolerance, arrays[f"xy{k}"], arrays[f"rings{k}"], arrays[f"features{k}"]
                )
            )
        _loaded[level] = data
        return data


def geometry_path(geometry: Any) -> tuple[QPainterPath, bool]:
    """A world-coordinate path for any shapely geometry; True when it is areal (fillable)."""
    import shapely

    path = QPainterPath()
    areal = False
    for part in shapely.get_parts(geometry):
        kind = part.geom_type
        if kind == "Polygon":
            areal = True
            xy, starts, _ = _flatten(np.array([part], dtype=object))
            path.addPath(path_from_rings(xy, starts))
        elif kind in ("LineString", "LinearRing"):
            coords = shapely.get_coordinates(part)
            x, y = lonlat_to_world(coords[:, 0], coords[:, 1])
            path.addPolygon(polygon_from_xy(np.column_stack([x, y])))
        elif kind == "Point":
            continue
        else:  # nested collection
            sub, sub_areal = geometry_path(part)
            path.addPath(sub)
            areal = areal or sub_areal
    return path, areal


# For each shapely type id of a ragged array: how to get, from to_ragged_array's offsets,
# each feature's range of parts (rings or lines), and whether the parts enclose an area.
_RAGGED_PARTS: dict[int, tuple[Any, bool]] = {
    1: (lambda offsets, n: np.arange(n + 1), False),  # LineString: one part each
    5: (lambda offsets, n: offsets[1], False),  # MultiLineString
    3: (lambda offsets, n: offsets[1], True),  # Polygon: rings per polygon
    6: (lambda offsets, n: offsets[1][offsets[2]], True),  # MultiPolygon: rings per feature
}
_LINEAL_IDS, _POLYGONAL_IDS = (1, 5), (3, 6)


def feature_paths(geometries: Any) -> list[tuple[QPainterPath, bool] | None]:
    """One world-coordinate path per geometry, in order; None for points and empty ones.

    Lines and polygons are flattened in one vectorised pass (shapely.to_ragged_array) and
    each path is filled from numpy: 20,000 parcels took 5.6 s one geometry_path at a time.
    Collections and rings fall back to geometry_path."""
    import shapely

    geometries = np.asarray(geometries, dtype=object)
    out: list[tuple[QPainterPath, bool] | None] = [None] * len(geometries)
    usable = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    type_ids = shapely.get_type_id(geometries)
    for kinds in (_LINEAL_IDS, _POLYGONAL_IDS):
        rows = np.flatnonzero(usable & np.isin(type_ids, kinds))
        if not len(rows):
            continue
        ragged_type, coords, offsets = shapely.to_ragged_array(geometries[rows])
        parts_of, areal = _RAGGED_PARTS[int(ragged_type)]
        feature_parts = np.asarray(parts_of(offsets, len(rows)))
        part_starts = np.asarray(offsets[0])
        x, y = lonlat_to_world(coords[:, 0], coords[:, 1])
        xy = np.column_stack([x, y])
        for k, row in enumerate(rows.tolist()):
            first, last = int(feature_parts[k]), int(feature_parts[k + 1])
            begin, end = int(part_starts[first]), int(part_starts[last])
            out[row] = (path_from_rings(xy[begin:end], part_starts[first:last] - begin), areal)
    others = usable & ~np.isin(type_ids, (0, 4, *_LINEAL_IDS, *_POLYGONAL_IDS))
    for row in np.flatnonzero(others).tolist():
        out[row] = geometry_path(geometries[row])
    return out
