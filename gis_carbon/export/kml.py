"""KML and KMZ for Google Earth and 奥维互动地图: one style per project type (its colour),
Chinese names and every field as ExtendedData. Coordinates are WGS 84, or GCJ-02 on request
(奥维 reads KML as GCJ-02 since 9.3.0); the document's description says which.

The ExtendedData is typed: the document declares a ``<Schema>`` whose ``SimpleField`` types
come from the projects table (capacity ``double``, year ``int``, text ``string``), and each
placemark holds ``<SchemaData>``/``<SimpleData>``, so QGIS and GDAL (LIBKML) read capacity as
Real and year as Integer instead of text."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr

from gis_carbon.errors import ExportError
from gis_carbon.export.common import (
    COLUMNS_BY_KEY,
    GCJ02,
    WGS84,
    Selection,
    Steps,
    atomic_file,
    display_number,
    project_record,
    transform_geometry,
)
from gis_carbon.model.types import PRECISION_RADIUS_M, PROJECT_TYPES, TYPES_BY_CODE

KML_NS = "http://www.opengis.net/kml/2.2"

COORDS_DESCRIPTION = {
    WGS84: "坐标系：WGS 84 (EPSG:4326) 经纬度。Coordinates: WGS 84 longitude/latitude.",
    GCJ02: "坐标系：GCJ-02（火星坐标，供奥维互动地图 9.3.0 及以上版本使用；与 WGS 84 相差数百米）。"
    "Coordinates: GCJ-02 (for 奥维互动地图 ≥ 9.3.0), NOT WGS 84.",
}

# Fields shown in ExtendedData, in this order; the rest of the record stays out of the balloon.
EXTENDED_FIELDS = (
    "id",
    "type_zh",
    "capacity",
    "capacity_unit",
    "energy",
    "energy_unit",
    "status_zh",
    "year",
    "start_year",
    "precision",
    "city",
    "county",
    "county_name",
    "owner",
    "plan_id",
    "source",
    "quote",
    "notes",
    "attributes",
)


SCHEMA_ID = "gis_carbon_project"
# Column kinds of the projects table as KML SimpleField types (OGC 07-147r2, 9.9.1).
KML_TYPES = {"int": "int", "float": "double", "str": "string"}


# Characters XML 1.0 cannot hold at all (not even escaped): dropped from text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    return _xml_escape(_NOT_XML.sub("", text))


def kml_colour(hex_rgb: str, alpha: str = "ff") -> str:
    """#rrggbb -> KML's aabbggrr."""
    value = hex_rgb.lstrip("#")
    if len(value) != 6:
        raise ExportError(f"colour {hex_rgb!r} is not #rrggbb")
    return f"{alpha}{value[4:6]}{value[2:4]}{value[0:2]}".lower()


def _style(ptype: Any) -> str:
    colour = kml_colour(ptype.colour)
    return (
        f'<Style id="type-{ptype.code}"><IconStyle><color>{colour}</color><scale>1.1</scale>'
        f"</IconStyle><LabelStyle><scale>0.8</scale></LabelStyle>"
        f"<LineStyle><color>{colour}</color><width>3</width></LineStyle>"
        f"<PolyStyle><color>{kml_colour(ptype.colour, '66')}</color></PolyStyle></Style>"
    )


# A project placed at its village/town/district point is not where it is drawn: its own
# style (an open icon, paler) and a description saying how far off it may be.
APPROXIMATE_ICON = "http://maps.google.com/mapfiles/kml/shapes/open-diamond.png"
PRECISION_ZH = {"village": "村", "town": "乡镇", "district": "区县"}


def _approximate_style(ptype: Any) -> str:
    return (
        f'<Style id="type-{ptype.code}-approximate"><IconStyle>'
        f"<color>{kml_colour(ptype.colour, 'b3')}</color><scale>1.0</scale>"
        f"<Icon><href>{APPROXIMATE_ICON}</href></Icon></IconStyle>"
        f"<LabelStyle><scale>0.7</scale></LabelStyle></Style>"
    )


def is_approximate(project: Any) -> bool:
    return str(project.precision) in PRECISION_ZH


def approximate_note(project: Any) -> str:
    """约 ±10 km: 位置为区县代表点 — the sentence an approximate placemark carries."""

    precision = str(project.precision)
    radius = PRECISION_RADIUS_M[precision] / 1000
    return (
        f"位置为{PRECISION_ZH[precision]}代表点，实际位置可能相差约 {radius:g} km"
        f"（approximate: {precision} point, ±{radius:g} km）"
    )


def _coords(seq: Iterable[tuple[float, ...]]) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y, *_ in seq)


def _geometry(geom: Any) -> str:
    kind = geom.geom_type
    if kind == "Point":
        return f"<Point><coordinates>{geom.x!r},{geom.y!r}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><tessellate>1</tessellate><coordinates>{_coords(geom.coords)}</coordinates></LineString>"
    if kind == "Polygon":
        rings = f"<outerBoundaryIs><LinearRing><coordinates>{_coords(geom.exterior.coords)}</coordinates></LinearRing></outerBoundaryIs>"
        for hole in geom.interiors:
            rings += f"<innerBoundaryIs><LinearRing><coordinates>{_coords(hole.coords)}</coordinates></LinearRing></innerBoundaryIs>"
        return f"<Polygon>{rings}</Polygon>"
    if kind.startswith("Multi") or kind == "GeometryCollection":
        return "<MultiGeometry>" + "".join(_geometry(g) for g in geom.geoms) + "</MultiGeometry>"
    raise ExportError(f"KML cannot hold a {kind}")


def schema() -> str:
    """The typed fields of every placemark's ExtendedData, with their Chinese names."""
    fields = "".join(
        f"<SimpleField type={quoteattr(KML_TYPES[COLUMNS_BY_KEY[key].kind])} "
        f"name={quoteattr(key)}><displayName>{escape(COLUMNS_BY_KEY[key].zh)}</displayName>"
        "</SimpleField>"
        for key in EXTENDED_FIELDS
    )
    return f'<Schema name="{SCHEMA_ID}" id="{SCHEMA_ID}">{fields}</Schema>'


def _simple_value(value: Any, kind: str) -> str:
    if kind == "float":
        return repr(float(value))  # every digit: a typed reader gets the stored number
    if kind == "int":
        return str(int(value))
    return display_number(value) if isinstance(value, float) else str(value)


def _placemark(project: Any, coords: str) -> str:
    record = project_record(project)
    data = []
    for key in EXTENDED_FIELDS:
        value = record.get(key)
        if value is None or value == "":
            continue
        text = _simple_value(value, COLUMNS_BY_KEY[key].kind)
        data.append(f"<SimpleData name={quoteattr(key)}>{escape(text)}</SimpleData>")
    ptype = TYPES_BY_CODE[project.type]
    size = (
        f"{display_number(project.capacity)} {ptype.capacity_unit}"
        if project.capacity is not None and ptype.capacity_unit
        else ""
    )
    summary = "，".join(s for s in (ptype.name_zh, size, record["status_zh"]) if s)
    style = f"type-{project.type}"
    if is_approximate(project):
        summary += "。" + approximate_note(project)
        style += "-approximate"
    geometry = transform_geometry(project.geometry, coords)
    return (
        f"<Placemark><name>{escape(project.name)}</name>"
        f"<description>{escape(summary)}</description>"
        f"<styleUrl>#{style}</styleUrl>"
        f'<ExtendedData><SchemaData schemaUrl="#{SCHEMA_ID}">{"".join(data)}</SchemaData>'
        f"</ExtendedData>{_geometry(geometry)}</Placemark>"
    )


def kml_document(selection: Selection, coords: str = WGS84) -> str:
    if coords not in COORDS_DESCRIPTION:
        raise ExportError(f"unknown coordinate system {coords!r}; use wgs84 or gcj02")
    used = {p.type for p in selection.projects}
    styles = "".join(_style(t) for t in PROJECT_TYPES if t.code in used)
    approximate = {p.type for p in selection.projects if is_approximate(p)}
    styles += "".join(_approximate_style(t) for t in PROJECT_TYPES if t.code in approximate)
    placemarks = "".join(_placemark(p, coords) for p in selection.projects)
    description = f"{selection.title}。{COORDS_DESCRIPTION[coords]} 由 gis-carbon 导出。"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<kml xmlns="{KML_NS}"><Document><name>{escape(selection.title)}</name>'
        f"<description>{escape(description)}</description>{styles}{schema()}"
        f"<Folder><name>{escape(selection.title)}</name>{placemarks}</Folder>"
        "</Document></kml>\n"
    )


def write_kml(
    selection: Selection, path: Path, steps: Steps, *, coords: str = WGS84, kmz: bool = False
) -> tuple[list[Path], list[str]]:
    path = Path(path)
    wanted = ".kmz" if kmz else ".kml"
    if path.suffix.lower() != wanted:
        raise ExportError(f"a {wanted[1:].upper()} export needs a {wanted} path; got {path.name!r}")
    document = kml_document(selection, coords)
    steps.advance()
    with atomic_file(path) as tmp:
        if kmz:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("doc.kml", document.encode("utf-8"))
        else:
            tmp.write_text(document, encoding="utf-8")
        steps.advance()
    notes = [COORDS_DESCRIPTION[GCJ02]] if coords == GCJ02 else []
    return [path], notes
