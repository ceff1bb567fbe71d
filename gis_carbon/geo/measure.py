"""Lengths and areas of WGS 84 geometries in metres, measured in a local projected CRS.

A drawn line or polygon is in degrees; its length and area are read after projecting it to
the conformal metric CRS around its centre (:func:`gis_carbon.geo.crs.local_projected_crs`:
the CGCS2000 Gauss–Krüger 3° zone inside China, scale error under 0.03 %). Areas are also
given in the units Chinese plans use: 亩 (1 亩 = 666.67 m²) and hectares (1 ha = 15 亩).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from gis_carbon.geo.crs import WGS84, local_projected_crs, transformer

__all__ = ["M2_PER_HA", "M2_PER_MU", "Measure", "format_length", "measure"]

M2_PER_MU = 2000.0 / 3.0  # 1 亩 = 666.67 m²
M2_PER_HA = 10_000.0  # 1 ha = 15 亩


@dataclass(frozen=True)
class Measure:
    """A geometry's length (a line's length, a polygon's perimeter) and area, in metres."""

    length_m: float
    area_m2: float
    crs: str  # the CRS they were measured in

    @property
    def area_mu(self) -> float:
        return self.area_m2 / M2_PER_MU

    @property
    def area_ha(self) -> float:
        return self.area_m2 / M2_PER_HA

    @property
    def length_km(self) -> float:
        return self.length_m / 1000.0


def measure(geometry: Any) -> Measure:
    """Length and area of a WGS 84 (lon, lat) geometry, projected around its centre.

    The transformer is the calling thread's own (see :func:`gis_carbon.geo.crs.transformer`),
    so the GUI thread can measure a drawing while workers project other geometries."""
    if geometry is None or geometry.is_empty:
        return Measure(0.0, 0.0, WGS84)
    centre = (
        geometry.centroid if not geometry.centroid.is_empty else geometry.representative_point()
    )
    crs = local_projected_crs(float(centre.x), float(centre.y))
    forward = transformer(WGS84, crs)

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = forward.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((x, y))

    projected = shapely.transform(geometry, project)
    return Measure(float(projected.length), float(projected.area), crs)


def format_length(metres: float, m: str = "m", km: str = "km") -> str:
    """'850 m' under a kilometre, else '1.24 km' (unit names passed in for translation)."""
    if metres < 1000.0:
        return f"{metres:,.0f} {m}"
    return f"{metres / 1000.0:,.2f} {km}"
