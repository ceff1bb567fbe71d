"""Lengths and areas as the window writes them: m/km, 亩 and hectares, in the UI language."""

from __future__ import annotations

from typing import Any

from gis_carbon.geo.measure import M2_PER_HA, M2_PER_MU, format_length, measure
from gis_carbon.qt.i18n import tr


def length_text(metres: float) -> str:
    return format_length(metres, tr("m"), tr("km"))


def area_text(m2: float) -> str:
    """'12.5 亩 / 0.83 ha' (Chinese) or '12.5 mu / 0.83 ha' (English)."""
    return f"{m2 / M2_PER_MU:,.1f} {tr('mu')} / {m2 / M2_PER_HA:,.2f} {tr('ha')}"


def geometry_measure_text(geometry: Any) -> str:
    """A line's length, a polygon's area and perimeter, in a local projected CRS; '' for
    points and nothing."""
    if geometry is None or geometry.is_empty or geometry.geom_type in ("Point", "MultiPoint"):
        return ""
    m = measure(geometry)
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return tr("Area {area} · perimeter {length}").format(
            area=area_text(m.area_m2), length=length_text(m.length_m)
        )
    return tr("Length {length}").format(length=length_text(m.length_m))
