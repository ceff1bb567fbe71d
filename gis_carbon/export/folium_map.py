"""A plan's projects as a folium.Map, for notebooks (online tiles; the offline HTML export
in html_map.py stays the way to hand a map to someone without a network).

Projects are coloured by type (model.types colours); a location known only to a village,
town or district is drawn as a dashed hollow circle of about that uncertainty, not as a
point that looks exact. Each project has a popup with its quoted plan sentence, escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gis_carbon.model.types import PRECISION_RADIUS_M, TYPES_BY_CODE
from gis_carbon.model.units import format_number

if TYPE_CHECKING:
    import folium
    import geopandas


OUTLINE_STYLE = {"color": "#d7301f", "weight": 2, "fill": False}


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return format_number(round(value, 4))
    return html.escape(str(value))


def popup_html(row: Any) -> str:
    """The popup of one projects-frame row: name, type, capacity, status, precision, quote."""
    capacity = (
        "—"
        if row.capacity != row.capacity or row.capacity is None
        else f"{_cell(row.capacity)} {html.escape(str(row.capacity_unit or ''))}"
    )
    lines = [
        ("类型 type", _cell(row.type_zh)),
        ("规模 capacity", capacity),
        ("状态 status", _cell(row.status_zh)),
        ("位置 precision", _cell(row.precision)),
        ("区县 county", _cell(row.county_name)),
    ]
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in lines)
    quote = f"<blockquote>「{html.escape(row.quote)}」</blockquote>" if row.quote else ""
    return f"<b>{html.escape(row.name)}</b><table>{table}</table>{quote}"


def targets_panel(rows: Sequence[dict[str, Any]], title: str) -> str:
    """A small fixed HTML table of targets (rows as `status --json` prints them); targets
    without data are counted beneath, not listed (a plan has dozens of indicator targets)."""
    body = []
    measured = [row for row in rows if row.get("verdict") != "no_data"]
    for row in measured:
        unit = row.get("plan_unit") or row.get("unit") or ""
        value = row.get("plan_value", row.get("value"))
        target = f"{row.get('comparator_symbol', '')}{_cell(value)} {html.escape(unit)}"
        percent = row.get("percent")
        percent = "—" if percent is None or percent != percent else f"{percent:.1f}%"
        body.append(
            f"<tr title='{html.escape(row.get('quote') or '', quote=True)}'>"
            f"<td>{html.escape(row['name_zh'])}</td><td>{row.get('year') or ''}</td>"
            f"<td>{target}</td><td>{percent}</td>"
            f"<td>{html.escape(row.get('verdict_zh') or row.get('verdict') or '')}</td></tr>"
        )
    unmeasured = len(rows) - len(measured)
    footer = f"<div>另有 {unmeasured} 项目标无数据 ({unmeasured} more without data)</div>"
    return (
        "<div class='gc-targets' style='position:absolute;top:10px;left:54px;z-index:1000;"
        "background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;font-size:12px;"
        "box-shadow:0 1px 4px rgba(0,0,0,.3);max-height:40%;max-width:60%;overflow:auto'>"
        f"<b>{html.escape(title)}</b><table>"
        "<tr><th>目标</th><th>年份</th><th>目标值</th><th>%</th><th>判断</th></tr>"
        + "".join(body)
        + "</table>"
        + (footer if unmeasured else "")
        + "</div>"
    )


def folium_map(
    projects: geopandas.GeoDataFrame,
    *,
    outlines: geopandas.GeoDataFrame | None = None,
    targets: Sequence[dict[str, Any]] = (),
    title: str = "",
) -> folium.Map:
    """The projects (a frame of services.frames.PROJECT_FRAME_COLUMNS, EPSG:4326) on an
    OpenStreetMap base, one layer per type, with region `outlines` (code, name, geometry)
    and a panel of `targets`."""
    import folium
    from branca.element import Element

    extent = [frame for frame in (outlines, projects) if frame is not None and len(frame)]
    fmap = folium.Map(tiles="OpenStreetMap", control_scale=True)
    if extent:
        minx = min(f.total_bounds[0] for f in extent)
        miny = min(f.total_bounds[1] for f in extent)
        maxx = max(f.total_bounds[2] for f in extent)
        maxy = max(f.total_bounds[3] for f in extent)
        fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if outlines is not None and len(outlines):
        folium.GeoJson(
            outlines[["code", "name", "geometry"]].to_json(),
            name="区域 regions",
            style_function=lambda _feature: OUTLINE_STYLE,
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(fmap)
    layers: dict[str, folium.FeatureGroup] = {}
    for row in projects.itertuples(index=False):
        ptype = TYPES_BY_CODE[row.type]
        layer = layers.get(ptype.code)
        if layer is None:
            layer = layers[ptype.code] = folium.FeatureGroup(name=ptype.name_zh)
            layer.add_to(fmap)
        _project_marker(row, ptype.colour).add_to(layer)
    if targets:
        root: Any = fmap.get_root()  # a branca Figure: its html holds page-level elements
        root.html.add_child(Element(targets_panel(targets, title)))
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def _project_marker(row: Any, colour: str) -> Any:
    """A point marker, a dashed circle for an approximate point, or the line/polygon."""
    import folium

    popup = folium.Popup(popup_html(row), max_width=360)
    tooltip = html.escape(row.name)
    geometry = row.geometry
    if geometry.geom_type != "Point":
        shape = folium.GeoJson(
            geometry.__geo_interface__,
            style_function=lambda _f: {"color": colour, "weight": 3, "fillOpacity": 0.35},
            tooltip=tooltip,
        )
        popup.add_to(shape)
        return shape
    location = [geometry.y, geometry.x]
    radius = PRECISION_RADIUS_M.get(str(row.precision))
    if radius is None:
        return folium.CircleMarker(
            location,
            radius=7,
            color="#222222",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            popup=popup,
            tooltip=tooltip,
        )
    return folium.Circle(
        location,
        radius=radius,
        color=colour,
        weight=2,
        dash_array="6 4",
        fill=False,
        popup=popup,
        tooltip=tooltip,
    )


__all__ = ["PRECISION_RADIUS_M", "folium_map", "popup_html", "targets_panel"]
