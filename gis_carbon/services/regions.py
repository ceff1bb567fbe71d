"""Region assignment: every project gets its chain of regions from its geometry.

Province, city and county come from the built-in boundaries (:mod:`gis_carbon.geo.locate`).
The fourth level, the township (乡镇/街道), comes from township layers the user imported into
the workspace (``gis-carbon import 乡镇.shp --layer township``: role "boundary", params
``{"level": "township", "code_field": …, "name_field": …}``). Pass the workspace (or a
prepared :class:`TownshipIndex`) to :func:`with_regions` / :func:`with_regions_many` to fill
``RegionAssignment.township``; without one the township stays empty.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.model.project import Project, RegionAssignment

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from gis_carbon.model.storage import WorkspaceStore

# 9-digit (乡级代码) or 12-digit (统计用区划代码) township codes; the first six are the county's.
_TOWNSHIP_CODE = re.compile(r"\d{9}|\d{12}")
_COUNTY_DIGITS = 6


def township_code(value: Any) -> str | None:
    """A township code as text ('120118101000'), or None if ``value`` is not one.

    Shapefile numeric fields arrive as int or float (1.20118101e11); both are accepted."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    text = str(value).strip()
    return text if _TOWNSHIP_CODE.fullmatch(text) else None


def township_county(value: Any) -> str:
    """The county code a township code begins with ('' when ``value`` is not one)."""
    return (township_code(value) or "")[:_COUNTY_DIGITS]


def is_township_layer(layer: Any) -> bool:
    return (
        layer.role == "boundary"
        and layer.kind == "vector"
        and layer.params.get("level") == "township"
    )


@dataclass(frozen=True)
class Township:
    code: str
    name: str
    layer_id: str


class TownshipIndex:
    """Township polygons from the workspace's township layers, for the fourth region level.

    A point lies in the township holding it; a line or polygon in the township holding the
    largest share of its length (local Gauss–Krüger) or area (China Albers), as for counties.
    Only townships of the project's own county count (see :meth:`township_of`)."""

    def __init__(self, townships: Sequence[tuple[Township, BaseGeometry]]) -> None:
        import numpy as np
        import shapely

        # Sorted by code so "lowest code wins" on shared edges, as for counties.
        ordered = sorted(townships, key=lambda item: item[0].code)
        self.townships: tuple[Township, ...] = tuple(t for t, _ in ordered)
        self._codes = np.array([t.code for t in self.townships], dtype=str)
        self._geometries = np.array([g for _, g in ordered], dtype=object)
        shapely.prepare(self._geometries)
        self._tree = shapely.STRtree(self._geometries)
        self._names = {t.code: t.name for t in self.townships}

    def __len__(self) -> int:
        return len(self.townships)

    def name(self, code: str) -> str | None:
        return self._names.get(code)

    @classmethod
    def from_workspace(cls, ws: WorkspaceStore) -> TownshipIndex | None:
        """The index over every township layer of ``ws`` (None when it has none); cached per
        workspace file and set of layers, so adding or deleting a layer rebuilds it."""
        layers = [layer for layer in ws.layers(role="boundary") if is_township_layer(layer)]
        if not layers:
            return None
        key = (
            ws.location,
            tuple(
                (layer.id, layer.created_at, json.dumps(dict(layer.params), sort_keys=True))
                for layer in layers
            ),
        )
        with _cache_lock:
            found = _cache.get(key)
        if found is not None:
            return found
        townships: list[tuple[Township, BaseGeometry]] = []
        for layer in layers:
            code_field = str(layer.params.get("code_field") or "")
            name_field = str(layer.params.get("name_field") or "")
            for geometry, properties in ws.layer_features(layer.id):
                code = township_code(properties.get(code_field))
                # Not a polygon or no usable code: the importer refuses these, so only an
                # older or hand-made layer has them; such a feature cannot name a township.
                if code is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
                    continue
                name = str(properties.get(name_field) or "").strip()
                townships.append((Township(code, name, layer.id), geometry))
        index = cls(townships) if townships else None
        with _cache_lock:
            if len(_cache) >= _CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = index
        return index

    # ------------------------------------------------------------ locating
    def township_of(self, geometry: BaseGeometry, county: str | None) -> str | None:
        """The township of ``county`` holding ``geometry`` (largest share), or None.

        Township codes begin with their county's code. A township whose code does not begin
        with the county located from the built-in boundaries is ignored and the county kept:
        the two datasets are surveyed separately (different vintages, generalisation, or a
        layer from a neighbouring district) and disagree near borders, and a chain whose
        township lies in another county would make township totals no longer add up to
        their county's; the county, from the national boundaries, is the one targets use."""
        import shapely

        if not county or len(self) == 0 or geometry.is_empty:
            return None
        if geometry.geom_type == "Point":
            return self._point_townships([geometry.x], [geometry.y], [county])[0]
        rows = [
            int(row)
            for row in self._tree.query(geometry)
            if str(self._codes[row]).startswith(county)
        ]
        if not rows:
            return None
        from gis_carbon.geo.locate import primary_region

        dimension = shapely.get_dimensions(geometry)
        if dimension == 0:  # multi-point: by count of its points
            coords = shapely.get_coordinates(geometry)
            found = self._point_townships(coords[:, 0], coords[:, 1], [county] * len(coords))
            counts: dict[str, float] = {}
            for code in found:
                if code is not None:
                    counts[code] = counts.get(code, 0.0) + 1.0
            return primary_region(counts)
        if dimension == 2 and not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        pieces = shapely.intersection(geometry, self._geometries[rows])
        sizes = _measure(pieces, geometry, dimension)
        shares = {str(self._codes[row]): float(size) for row, size in zip(rows, sizes, strict=True)}
        return primary_region({code: size for code, size in shares.items() if size > 0})

    def _point_townships(
        self,
        lons: Sequence[float] | npt.NDArray[np.float64],
        lats: Sequence[float] | npt.NDArray[np.float64],
        counties: Sequence[str | None],
    ) -> list[str | None]:
        """:meth:`townships_at` as a list with None where no township holds the point."""
        return [code or None for code in self.townships_at(lons, lats, counties).tolist()]

    def townships_at(
        self,
        lons: npt.ArrayLike,
        lats: npt.ArrayLike,
        counties: Sequence[str | None] | npt.NDArray[np.str_],
    ) -> npt.NDArray[np.str_]:
        """The township code holding each WGS 84 point among those of the point's county
        (``counties``: its code from the built-in boundaries, '' or None for none); ``''``
        where none does. Lowest code wins on a shared edge.

        Vectorised over the whole batch (a million points in a few seconds): bounding-box
        candidates from the STRtree, the county rule (see :meth:`township_of`) as a string
        comparison on the candidate pairs, then one exact test of the prepared polygons
        against the raw coordinates."""
        import numpy as np
        import shapely

        from gis_carbon.errors import ValidationError

        xs = np.asarray(lons, dtype=float).reshape(-1)
        ys = np.asarray(lats, dtype=float).reshape(-1)
        if isinstance(counties, np.ndarray) and counties.dtype.kind == "U":
            county_codes = counties.reshape(-1)
        else:
            county_codes = np.array(["" if c is None else str(c) for c in counties], dtype=str)
        if not len(xs) == len(ys) == len(county_codes):
            raise ValidationError(
                f"townships_at needs as many latitudes and counties as longitudes; got "
                f"{len(xs)} longitudes, {len(ys)} latitudes, {len(county_codes)} counties",
                "counties",
                len(county_codes),
            )
        none = len(self)  # row index meaning "no township": the blank appended below
        best = np.full(len(xs), none, dtype=np.intp)
        if len(xs) and len(self):
            points_at, rows = self._tree.query(shapely.points(xs, ys))
            point_county = county_codes[points_at]
            # Another county's township is ignored (see township_of); a point outside every
            # county ('') has none, and '' would otherwise prefix every code.
            same = (point_county != "") & np.strings.startswith(self._codes[rows], point_county)
            points_at, rows = points_at[same], rows[same]
            hit = shapely.intersects_xy(self._geometries[rows], xs[points_at], ys[points_at])
            # Rows are in code order, so the smallest row holding a point is its lowest code.
            np.minimum.at(best, points_at[hit], rows[hit])
        return np.append(self._codes, "")[best]

    def names_of(self, codes: npt.ArrayLike) -> npt.NDArray[np.str_]:
        """The township name of each code (``''`` for a blank or unknown code)."""
        import numpy as np

        flat = np.asarray(codes, dtype=str).reshape(-1)
        if flat.size == 0:
            return np.array([], dtype=str)
        unique, inverse = np.unique(flat, return_inverse=True)  # names looked up once per code
        names = np.array([self._names.get(code, "") for code in unique.tolist()], dtype=str)
        return names[inverse.reshape(-1)]

    def townships_of(
        self, geometries: Sequence[BaseGeometry], counties: Sequence[str | None]
    ) -> list[str | None]:
        """:meth:`township_of` for many geometries; single points in one vectorised pass."""
        points = [i for i, g in enumerate(geometries) if g.geom_type == "Point"]
        out: list[str | None] = [None] * len(geometries)
        if points:
            found = self._point_townships(
                [geometries[i].x for i in points],
                [geometries[i].y for i in points],
                [counties[i] for i in points],
            )
            for i, code in zip(points, found, strict=True):
                out[i] = code
        point_set = set(points)
        for i, geometry in enumerate(geometries):
            if i not in point_set:
                out[i] = self.township_of(geometry, counties[i])
        return out


def _measure(pieces: Any, whole: BaseGeometry, dimension: int) -> Any:
    """Length (local Gauss–Krüger) or area (China Albers) of each piece, in metres."""
    import numpy as np
    import shapely

    from gis_carbon.geo.crs import equal_area_crs, from_wgs84, local_projected_crs

    if dimension == 1:
        centre = whole.centroid
        target, measure = local_projected_crs(centre.x, centre.y), shapely.length
    else:
        target, measure = equal_area_crs(), shapely.area
    pieces = shapely.segmentize(np.asarray(pieces, dtype=object), 0.01)  # ~1 km, as counties

    def transform(xy: Any) -> Any:
        if len(xy) == 0:
            return xy
        xs, ys = from_wgs84(xy[:, 0], xy[:, 1], target)
        return np.column_stack([xs, ys])

    return measure(shapely.transform(pieces, transform))


_CACHE_SIZE = 8
_cache: dict[tuple[str, tuple[tuple[Any, ...], ...]], TownshipIndex | None] = {}
_cache_lock = threading.Lock()


def township_index(ws: WorkspaceStore) -> TownshipIndex | None:
    """The workspace's township index (None without township layers); cached."""
    return TownshipIndex.from_workspace(ws)


def township_places(ws: WorkspaceStore) -> list[tuple[str, str, tuple[float, ...]]]:
    """Every named township of the workspace's township layers as (code, name, WGS 84
    bounds), by code: what the map's search box offers below the counties."""
    index = township_index(ws)
    if index is None:
        return []
    return [
        (township.code, township.name, tuple(float(v) for v in geometry.bounds))
        for township, geometry in zip(index.townships, index._geometries, strict=True)
        if township.name
    ]


def _townships(ws: WorkspaceStore | TownshipIndex | None) -> TownshipIndex | None:
    if ws is None or isinstance(ws, TownshipIndex):
        return ws
    return TownshipIndex.from_workspace(ws)


# ---------------------------------------------------------------- assignment
def _assignment(
    index: Any, primary: str | None, shares: Mapping[str, float], township: str | None = None
) -> RegionAssignment:
    touched = {code: round(float(share), 6) for code, share in shares.items()}
    if not primary:
        return RegionAssignment(touched=touched)
    levels = {region.level: region.code for region in index.chain(primary)}
    return RegionAssignment(
        province=levels.get("province"),
        city=levels.get("city"),
        county=levels.get("county"),
        township=township,
        touched=touched,
    )


def assign_regions(
    geometry: BaseGeometry, townships: WorkspaceStore | TownshipIndex | None = None
) -> RegionAssignment:
    """Province, city and county holding the geometry (largest share for lines/polygons), and
    the township when ``townships`` (a workspace or its TownshipIndex) has township layers."""
    from gis_carbon.geo.locate import default_index

    index = default_index()
    primary, shares = index.locate_geometry(geometry)
    assignment = _assignment(index, primary, shares)
    township_index_ = _townships(townships)
    if township_index_ is not None and assignment.county:
        assignment = _with_township(
            assignment, township_index_.township_of(geometry, assignment.county)
        )
    return assignment


def _with_township(assignment: RegionAssignment, township: str | None) -> RegionAssignment:
    from dataclasses import replace

    return assignment if assignment.township == township else replace(assignment, township=township)


def with_regions(project: Project, ws: WorkspaceStore | TownshipIndex | None = None) -> Project:
    """The project with its regions recomputed from its geometry; pass the workspace (or its
    TownshipIndex) for the township level."""
    return project.with_changes(regions=assign_regions(project.geometry, ws))


def with_regions_many(
    projects: Sequence[Project], ws: WorkspaceStore | TownshipIndex | None = None
) -> list[Project]:
    """with_regions for a batch: single points are located in one vectorised call (locating
    one geometry per call costs ~1.5 ms); lines, polygons and multi-points one by one."""
    import numpy as np

    from gis_carbon.geo.locate import default_index

    index = default_index()
    townships = _townships(ws)
    out = list(projects)
    points = [i for i, p in enumerate(projects) if p.geometry.geom_type == "Point"]
    if points:
        codes = index.locate_points(
            np.array([projects[i].geometry.x for i in points]),
            np.array([projects[i].geometry.y for i in points]),
        )
        by_code: dict[str, RegionAssignment] = {}  # one shared assignment per county
        for i, code in zip(points, codes, strict=True):
            key = str(code)
            if key not in by_code:
                by_code[key] = _assignment(index, key or None, {key: 1.0} if key else {})
            out[i] = projects[i].with_changes(regions=by_code[key])
    point_set = set(points)
    for i, project in enumerate(projects):
        if i not in point_set:
            out[i] = with_regions(project)
    if townships is not None:
        found = townships.townships_of([p.geometry for p in out], [p.regions.county for p in out])
        out = [
            p.with_changes(regions=_with_township(p.regions, code))
            for p, code in zip(out, found, strict=True)
        ]
    return out


def reassign_townships(
    ws: WorkspaceStore, counties: Iterable[str] | None = None, *, author: str | None = None
) -> list[Project]:
    """Recompute the township of stored projects from the workspace's township layers now,
    in one transaction; returns the projects whose township changed (stored, new versions).

    Run after importing a township layer (the importer does, for the counties it covers) or
    after deleting one: until then, projects keep the township codes they were given.
    ``counties`` limits the work to projects in those counties; None means every project."""
    townships = township_index(ws)
    if counties is None:
        stored = ws.projects()
    else:
        stored = [p for county in sorted(set(counties)) for p in ws.projects(region_code=county)]
    if townships is None:
        found: list[str | None] = [None] * len(stored)
    else:
        found = townships.townships_of(
            [p.geometry for p in stored], [p.regions.county for p in stored]
        )
    changed: list[Project] = []
    with ws.transaction():
        for project, code in zip(stored, found, strict=True):
            if project.regions.township == code:
                continue
            moved = project.with_changes(regions=_with_township(project.regions, code))
            changed.append(ws.update_project(moved, author=author))
    return changed


__all__ = [
    "Township",
    "TownshipIndex",
    "assign_regions",
    "reassign_townships",
    "township_code",
    "township_index",
    "with_regions",
    "with_regions_many",
]
