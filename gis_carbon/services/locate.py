"""Locating points: one coordinate pair, or a CSV of them, in province → city → county
(→ township, from the workspace's imported township layers)."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gis_carbon.errors import CoordinateError, InputFileError
from gis_carbon.feedback import NO_FEEDBACK, Feedback

LEVELS = ("province", "city", "county")
LON_HEADERS = ("lon", "lng", "longitude", "经度", "x")
LAT_HEADERS = ("lat", "latitude", "纬度", "y")
# How often reading a points file reports: a bar redrawn per row would cost more than the row.
POINTS_PER_REPORT = 5000


def region_name(code: str) -> str:
    from gis_carbon.geo.boundaries import region

    return region(code).name


def chain_json(code: str | None) -> dict[str, Any]:
    """The regions containing a county code, each level by name, deepest last."""
    from gis_carbon.geo.locate import default_index

    out: dict[str, Any] = {level: None for level in LEVELS}
    out["chain"] = []
    if code is None:
        return out
    for region in default_index().chain(code):
        entry = {"code": region.code, "name": region.name, "level": region.level}
        out["chain"].append(entry)
        if region.level in LEVELS:
            out[region.level] = {"code": region.code, "name": region.name}
    return out


def to_wgs84(lons: Any, lats: Any, coords: str | None) -> tuple[Any, Any]:
    """Coordinates in `coords` (a CRS or gcj02/bd09; None for WGS 84) as WGS 84."""
    if coords is None:
        return lons, lats
    from gis_carbon.geo.crs import to_wgs84 as convert

    return convert(lons, lats, coords)


def workspace_townships(location: str | os.PathLike[str] | None) -> Any:
    """The township index of the workspace, None when it has no township layers. A workspace
    that does not exist yet is not created (and seeded) just to locate a point."""
    from gis_carbon.services.regions import township_index
    from gis_carbon.services.workspace import default_workspace_path, open_workspace

    path = Path(location) if location else default_workspace_path()
    if not path.exists():
        return None
    with open_workspace(path, create=False, seed=False) as ws:
        return township_index(ws)


def locate_point(
    lon_text: str,
    lat_text: str,
    *,
    coords: str | None = None,
    workspace: str | os.PathLike[str] | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> dict[str, Any]:
    """One point (decimal degrees or DMS text) → its regions, the nearest other county and
    its distance in metres (to judge a location near a line), and its township if known."""
    from gis_carbon.geo.coordinates import parse_coordinate
    from gis_carbon.geo.locate import default_index

    lon = parse_coordinate(lon_text, "lon", feedback)
    lat = parse_coordinate(lat_text, "lat", feedback)
    lon, lat = to_wgs84(lon, lat, coords)
    index = default_index()
    code = index.locate_point(lon, lat)
    result: dict[str, Any] = {"lon": lon, "lat": lat, **chain_json(code)}
    other, metres = index.nearest_other_region(lon, lat) if code else (None, 0.0)
    result["nearest_other_county"] = (
        None
        if other is None
        else {"code": other, "name": region_name(other), "distance_m": round(metres, 1)}
    )
    townships = workspace_townships(workspace)
    if townships is not None:
        from shapely.geometry import Point

        township = townships.township_of(Point(lon, lat), code)
        result["township"] = None
        if township is not None:
            name = townships.name(township) or ""
            result["township"] = {"code": township, "name": name}
            result["chain"].append({"code": township, "name": name, "level": "township"})
    return result


@dataclass(frozen=True)
class LocatedTable:
    """A CSV of points with the region columns appended to each row."""

    header: list[str]
    extra: list[str]
    rows: list[list[Any]]
    with_townships: bool

    def count_outside(self) -> int:
        """Rows in no region at all (a city without counties, e.g. 东莞, holds its points)."""
        province_at = len(self.header) + self.extra.index("province")
        return sum(1 for r in self.rows if not r[province_at])

    def count_in_township(self) -> int:
        township_at = len(self.header) + self.extra.index("township")
        return sum(1 for r in self.rows if r[township_at])


def locate_points_file(
    path: str | os.PathLike[str],
    *,
    coords: str | None = None,
    workspace: str | os.PathLike[str] | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> LocatedTable:
    """Every row of a CSV with lon/lat (or 经度/纬度) columns, located at once; all rows are
    checked first, and bad coordinates are reported together (InputRowsError)."""
    import numpy as np

    from gis_carbon.geo.coordinates import parse_coordinate
    from gis_carbon.geo.locate import default_index
    from gis_carbon.io.encoding import decode_strict, detect_encoding

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    data = path.read_bytes()
    text = decode_strict(data, detect_encoding(data, what=path.name), what=path.name)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputFileError(f"{path.name}: the file is empty")
    header = [h.strip() for h in rows[0]]
    lowered = [h.casefold() for h in header]
    try:
        lon_i = next(lowered.index(h) for h in LON_HEADERS if h in lowered)
        lat_i = next(lowered.index(h) for h in LAT_HEADERS if h in lowered)
    except StopIteration:
        raise InputFileError(
            f"{path.name}: needs columns lon and lat (or 经度, 纬度); found {', '.join(header)}"
        ) from None
    body = [r for r in rows[1:] if any(c.strip() for c in r)]
    lons, lats, problems = [], [], []
    for n, row in enumerate(body, start=2):
        if n % POINTS_PER_REPORT == 0:  # reading is the first half of the bar
            feedback.progress_count(n // 2, len(body), "reading")
        try:
            lons.append(parse_coordinate(row[lon_i] if lon_i < len(row) else "", "lon", feedback))
            lats.append(parse_coordinate(row[lat_i] if lat_i < len(row) else "", "lat", feedback))
        except CoordinateError as exc:
            problems.append(f"line {n}: {exc}")
    if problems:
        from gis_carbon.io.records import InputRowsError

        raise InputRowsError(path, problems)
    lon_arr, lat_arr = to_wgs84(np.asarray(lons, float), np.asarray(lats, float), coords)
    feedback.progress_count(len(body) // 2, len(body), "locating")
    codes: Any = default_index().locate_points(lon_arr, lat_arr) if body else []
    feedback.progress_count(len(body), len(body), "locating")
    chains: dict[str, dict[str, Any]] = {}
    extra = ["province", "province_name", "city", "city_name", "county", "county_name"]
    # The township columns only when the workspace has township layers: without them the
    # output keeps the columns it always had (scripts read them by position too).
    townships = workspace_townships(workspace)
    township_cells: Any = [()] * len(body)
    if townships is not None:
        extra += ["township", "township_name"]
        found = townships.townships_at(lon_arr, lat_arr, codes)
        township_cells = zip(found.tolist(), townships.names_of(found).tolist(), strict=True)
    out_rows = []
    for row, code, township in zip(body, codes, township_cells, strict=True):
        key = str(code) if code else ""
        if key not in chains:
            chains[key] = chain_json(key or None)
        chain = chains[key]
        cells = []
        for level in LEVELS:
            item = chain[level]
            cells += [item["code"], item["name"]] if item else ["", ""]
        out_rows.append([*row, *([""] * (len(header) - len(row))), *cells, *township])
    return LocatedTable(header, extra, out_rows, townships is not None)
