"""Checking input geometries feature by feature, and bringing them to WGS 84.

A NaN or infinite coordinate, a coordinate outside ±180/±90 after conversion, an empty
geometry, or an invalid one that cannot be repaired without changing its dimension is a
problem of that feature, reported with its label. ``shapely.make_valid`` repairs are kept
only when every part keeps the input's dimension (a bow-tie polygon becomes two polygons:
fine; a zero-area polygon becomes a line: refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis_carbon.errors import CoordinateError

_DIMENSION_NAMES = {0: "point", 1: "line", 2: "polygon"}


def _parts(geometry: BaseGeometry) -> list[BaseGeometry]:
    if hasattr(geometry, "geoms"):
        out: list[BaseGeometry] = []
        for part in geometry.geoms:
            out.extend(_parts(part))
        return out
    return [geometry]


def repair(geometry: BaseGeometry) -> tuple[BaseGeometry | None, str | None]:
    """(valid geometry, None), or (None, reason) when a repair would change its dimension."""
    if geometry.is_valid:
        return geometry, None
    reason = shapely.is_valid_reason(geometry)
    dimension = shapely.get_dimensions(geometry)
    fixed = shapely.make_valid(geometry)
    parts = [p for p in _parts(fixed) if not p.is_empty]
    dims = {int(shapely.get_dimensions(p)) for p in parts}
    if not parts or dims != {int(dimension)}:
        became = "/".join(_DIMENSION_NAMES.get(d, str(d)) for d in sorted(dims)) or "nothing"
        return None, (
            f"invalid {_DIMENSION_NAMES.get(int(dimension), '')} geometry ({reason}); repairing "
            f"it would turn it into a {became}, so it is refused"
        )
    if len(parts) == 1:
        return parts[0], None
    return shapely.union_all(parts) if dimension == 2 else fixed, None


def _what_changed(before: BaseGeometry, after: BaseGeometry) -> str:
    """A repair in words: the validity problem, and the parts and area before and after."""
    reason = shapely.is_valid_reason(before)
    parts_before, parts_after = len(_parts(before)), len(_parts(after))
    text = f"{reason}; repaired"
    if parts_after != parts_before:
        text += f", {parts_before} part(s) → {parts_after}"
    if shapely.get_dimensions(before) == 2 and before.area > 0:
        change = 100.0 * (after.area - before.area) / before.area
        text += f", area {change:+.1f}%"
    return text


def check_and_convert(
    geometries: Sequence[BaseGeometry | None], labels: Sequence[str], crs: str
) -> tuple[list[BaseGeometry | None], list[str], list[str]]:
    """WGS 84 geometries (None where refused), the problems, and what was repaired (one line
    per repaired feature, saying what changed)."""
    from gis_carbon.geo.crs import to_wgs84

    out: list[BaseGeometry | None] = [None] * len(geometries)
    problems: list[str] = []
    repaired: list[str] = []
    usable: list[int] = []
    for i, geometry in enumerate(geometries):
        label = labels[i]
        if geometry is None or geometry.is_empty:
            problems.append(f"{label}: no geometry")
            continue
        geometry = shapely.force_2d(geometry)
        coords = shapely.get_coordinates(geometry)
        if not np.isfinite(coords).all():
            bad = coords[~np.isfinite(coords).all(axis=1)][0]
            problems.append(f"{label}: coordinate ({bad[0]}, {bad[1]}) is not a finite number")
            continue
        fixed, reason = repair(geometry)
        if fixed is None:
            problems.append(f"{label}: {reason}")
            continue
        if fixed is not geometry:
            repaired.append(f"{label}: {_what_changed(geometry, fixed)}")
        out[i] = fixed
        usable.append(i)

    def convert(geometries: Any) -> Any:  # one geometry or an array of them
        return shapely.transform(
            geometries, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs))
        )

    if usable:
        try:
            converted = convert(np.array([out[i] for i in usable], dtype=object))
            for i, geometry in zip(usable, converted, strict=True):
                out[i] = geometry
        except CoordinateError:
            # one feature cannot be converted: find which, feature by feature
            for i in usable:
                geometry = out[i]
                assert geometry is not None
                try:
                    out[i] = convert(geometry)
                except CoordinateError as exc:
                    problems.append(f"{labels[i]}: {exc}")
                    out[i] = None
    for i in usable:
        geometry = out[i]
        if geometry is None:
            continue
        minx, miny, maxx, maxy = geometry.bounds
        if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
            problems.append(
                f"{labels[i]}: position ({minx:.6g}, {miny:.6g}) is outside ±180°/±90° in "
                f"WGS 84 (wrong --crs?)"
            )
            out[i] = None
    return out, problems, repaired
