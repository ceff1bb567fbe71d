"""A layer's features (WGS 84 geometries and their attributes) with a spatial index: what
lies under a clicked point, what a dragged box covers, and the attribute columns."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import shapely

__all__ = ["FeatureIndex", "degrees_around"]

_AREAL = (3, 6)  # shapely type ids: Polygon, MultiPolygon


def degrees_around(lat: float, metres: float) -> tuple[float, float]:
    """(Δlon, Δlat) in degrees spanning `metres` on the ground at latitude `lat`."""
    dlat = metres / 110_574.0
    dlon = metres / (111_320.0 * max(0.05, math.cos(math.radians(lat))))
    return dlon, dlat


class FeatureIndex:
    """Features in their stored order; indices into it identify them everywhere (the map's
    selection, the attribute table's rows)."""

    def __init__(self, geometries: Sequence[Any], properties: Sequence[Mapping[str, Any]]) -> None:
        if len(geometries) != len(properties):
            raise ValueError("one property mapping per geometry")
        self.geometries = np.asarray(list(geometries), dtype=object)
        self.properties = [dict(p) for p in properties]
        self._areal: np.ndarray = np.zeros(len(self.geometries), dtype=bool)
        if len(self.geometries):
            types = shapely.get_type_id(self.geometries)
            self._areal = np.isin(types, _AREAL)
        self.tree = shapely.STRtree(self.geometries)

    @classmethod
    def from_features(cls, features: Sequence[tuple[Any, Mapping[str, Any]]]) -> FeatureIndex:
        return cls([g for g, _ in features], [p for _, p in features])

    def __len__(self) -> int:
        return len(self.properties)

    def columns(self) -> list[str]:
        """Every attribute name, in the order first met."""
        seen: dict[str, None] = {}
        for props in self.properties:
            for key in props:
                seen.setdefault(str(key), None)
        return list(seen)

    def at(self, lon: float, lat: float, tolerance_m: float = 0.0) -> list[int]:
        """Features under (lon, lat): polygons containing it, lines and points within
        `tolerance_m` of it; in stored order."""
        if not len(self):
            return []
        point = shapely.Point(lon, lat)
        dlon, dlat = degrees_around(lat, tolerance_m)
        probe = (
            shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat) if tolerance_m else point
        )
        hits = self.tree.query(probe, predicate="intersects")
        out = [
            int(i)
            for i in hits
            if not self._areal[i] or shapely.intersects(self.geometries[i], point)
        ]
        return sorted(out)

    def in_box(self, west: float, south: float, east: float, north: float) -> list[int]:
        """Features meeting the box (degrees), in stored order."""
        if not len(self):
            return []
        hits = self.tree.query(shapely.box(west, south, east, north), predicate="intersects")
        return sorted(int(i) for i in hits)
