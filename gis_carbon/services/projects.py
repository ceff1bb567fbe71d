"""Creating, editing and deleting projects: parse what a person typed, check it, store it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from gis_carbon.errors import UnitError, ValidationError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.geo.coordinates import parse_coordinate
from gis_carbon.model import units
from gis_carbon.model.project import Project, validate_project
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.model.types import Precision, ProjectType, precision, project_type, status
from gis_carbon.services.regions import with_regions


@dataclass
class ProjectInput:
    """A project as typed in a form or on the command line: text, to be checked."""

    name: str
    type: str
    status: str = "planned"
    capacity: str | None = None  # "300 MW", "28万千瓦", "2.55万亩"
    energy: str | None = None  # "200 MWh" for storage
    year: int | str | None = None
    start_year: int | str | None = None
    lon: float | str | None = None  # decimal degrees or DMS text: 116°55′48″E
    lat: float | str | None = None
    wkt: str | None = None
    owner: str = ""
    notes: str = ""
    precision: str = "exact"
    plan_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def parse_capacity_for_type(
    text: str | None, ptype: ProjectType, *, which: str = "capacity"
) -> float | None:
    """'300 MW' → 300.0 in the type's unit; '12,5 MW' raises UnitError naming the text."""
    if text is None or str(text).strip() == "":
        return None
    target_unit = ptype.capacity_unit if which == "capacity" else ptype.energy_unit
    if target_unit is None:
        raise ValidationError(f"a {ptype.code} project has no {which}; got {text!r}", which, text)
    if which == "capacity" and ptype.energy_unit and "/" in str(text):
        # "100MW/200MWh" typed into the capacity box: take the power part here
        power, _energy = units.parse_capacity(str(text))
        return float(power.to(target_unit).value)
    dimension = units.unit(target_unit).dimension
    quantity = units.parse_quantity(str(text), dimension=dimension, default_unit=target_unit)
    return float(quantity.to(target_unit).value)


def _parse_year(value: int | str | None, name: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError(
            f"{name} must be a year like 2025; got {value!r}", name, value
        ) from None


def parse_geometry(
    lon: float | str | None,
    lat: float | str | None,
    wkt: str | None,
    feedback: Feedback = NO_FEEDBACK,
) -> BaseGeometry:
    """The WKT, else the point at lon/lat (decimal degrees or DMS; notes to ``feedback``)."""
    import shapely
    from shapely.geometry import Point

    if wkt:
        try:
            return shapely.from_wkt(wkt)
        except Exception as exc:  # shapely raises its own GEOSException for bad WKT
            raise ValidationError(f"cannot read WKT {wkt[:60]!r}: {exc}", "wkt", wkt) from None
    if lon is None or lat is None:
        raise ValidationError("give a location: --lon and --lat, or --wkt", "geometry", None)
    return Point(parse_coordinate(lon, "lon", feedback), parse_coordinate(lat, "lat", feedback))


def project_from_input(
    data: ProjectInput, *, source: str = "", feedback: Feedback = NO_FEEDBACK
) -> Project:
    """Check typed input and build a Project; every error names the field and the value."""
    ptype = project_type(data.type)
    capacity = parse_capacity_for_type(data.capacity, ptype)
    energy = parse_capacity_for_type(data.energy, ptype, which="energy")
    if energy is None and data.capacity and "/" in data.capacity and ptype.energy_unit:
        _power, second = units.parse_capacity(data.capacity)
        energy = None if second is None else float(second.to(ptype.energy_unit).value)
    project = Project(
        name=(data.name or "").strip(),
        type=ptype.code,
        status=status(data.status),
        geometry=parse_geometry(data.lon, data.lat, data.wkt, feedback),
        capacity=capacity,
        energy=energy,
        year=_parse_year(data.year, "year"),
        start_year=_parse_year(data.start_year, "start_year"),
        owner=data.owner,
        notes=data.notes,
        precision=precision(data.precision or Precision.EXACT),
        attributes=dict(data.attributes),
        plan_id=data.plan_id,
        source=source,
    )
    return validate_project(project)


def add_project(
    ws: WorkspaceStore,
    data: ProjectInput,
    *,
    author: str | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> Project:
    project = with_regions(project_from_input(data, source=author or "user", feedback=feedback), ws)
    return ws.add_project(project, author=author)


_EDITABLE_TEXT = ("name", "owner", "notes")


def edit_project(
    ws: WorkspaceStore,
    project_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    author: str | None = None,
    feedback: Feedback = NO_FEEDBACK,
) -> Project:
    """Apply typed changes to a stored project. Keys as in ProjectInput; None means unchanged.

    `expected_version` is the version the user saw; a newer stored version refuses the edit."""
    current = ws.get_project(project_id)
    if expected_version is not None:
        current = current.with_changes(version=expected_version)
    ptype = project_type(changes.get("type") or current.type)
    updated: dict[str, Any] = {"type": ptype.code}
    for key in _EDITABLE_TEXT:
        if changes.get(key) is not None:
            updated[key] = str(changes[key]).strip() if key == "name" else changes[key]
    if changes.get("status") is not None:
        updated["status"] = status(changes["status"])
    if changes.get("capacity") is not None:
        updated["capacity"] = parse_capacity_for_type(changes["capacity"], ptype)
    if changes.get("energy") is not None:
        updated["energy"] = parse_capacity_for_type(changes["energy"], ptype, which="energy")
    for key in ("year", "start_year"):
        if changes.get(key) is not None:
            updated[key] = _parse_year(changes[key], key)
    if changes.get("precision") is not None:
        updated["precision"] = precision(changes["precision"])
    if changes.get("attributes") is not None:
        updated["attributes"] = {**current.attributes, **changes["attributes"]}
    moved = changes.get("wkt") or changes.get("lon") is not None or changes.get("lat") is not None
    if moved:
        lon = changes.get("lon", current.lonlat[0])
        lat = changes.get("lat", current.lonlat[1])
        updated["geometry"] = parse_geometry(lon, lat, changes.get("wkt"), feedback)
    project = validate_project(current.with_changes(**updated))
    if moved:
        project = with_regions(project, ws)
    return ws.update_project(project, author=author)


def delete_project(
    ws: WorkspaceStore,
    project_id: int,
    *,
    expected_version: int | None = None,
    author: str | None = None,
) -> Project:
    return ws.delete_project(project_id, version=expected_version, author=author)


__all__ = [
    "ProjectInput",
    "UnitError",
    "add_project",
    "delete_project",
    "edit_project",
    "parse_capacity_for_type",
    "parse_geometry",
    "project_from_input",
]
