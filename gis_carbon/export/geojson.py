"""GeoJSON as RFC 7946 says: WGS 84 longitude/latitude, no `crs` member, UTF-8; each
feature carries the project's fields and simplestyle colours of its type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely

from gis_carbon.errors import ExportError
from gis_carbon.export.common import Selection, Steps, atomic_file, project_record
from gis_carbon.model.types import TYPES_BY_CODE


def feature(project: Any) -> dict[str, Any]:
    properties = project_record(project)
    properties["attributes"] = dict(project.attributes)  # GeoJSON holds objects natively
    colour = TYPES_BY_CODE[project.type].colour
    properties.update({"marker-color": colour, "stroke": colour, "fill": colour})
    return {
        "type": "Feature",
        "id": project.id,
        "geometry": shapely.geometry.mapping(project.geometry),
        "properties": properties,
    }


def write_geojson(selection: Selection, path: Path, steps: Steps) -> tuple[list[Path], list[str]]:
    path = Path(path)
    if path.suffix.lower() not in (".geojson", ".json"):
        raise ExportError(f"a GeoJSON export needs a .geojson path; got {path.name!r}")
    collection = {
        "type": "FeatureCollection",
        "name": selection.title,
        "features": [feature(p) for p in selection.projects],
    }
    steps.advance()
    with atomic_file(path) as tmp:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(collection, handle, ensure_ascii=False, allow_nan=False)
        steps.advance()
    return [path], []
