"""Matching rows of a ledger or a data frame to stored projects by a key column, and the
stored project with the row's fields merged in: what makes a monthly re-import update in
place instead of adding every project again."""

from __future__ import annotations

from typing import Any

from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.io.records import ReadResult
from gis_carbon.model.project import Project
from gis_carbon.model.storage import WorkspaceStore

_SAME_PLACE_DEG = 1e-9  # ~0.1 mm

# Project fields a keyed row may change, with the mapped field that carries each.
_UPDATABLE = (
    "name",
    "type",
    "status",
    "capacity",
    "energy",
    "year",
    "start_year",
    "owner",
    "notes",
    "precision",
    "plan_id",
)


def stored_key(project: Project, key: str, mapping: dict[str, str]) -> Any:
    fld = next((f for f, column in mapping.items() if column == key), None)
    if fld in _UPDATABLE:
        value = getattr(project, fld)
        return getattr(value, "value", value)
    return project.attributes.get(key)


def match_stored(
    ws: WorkspaceStore,
    read: ReadResult,
    key: str,
    values: list[Any],
    mapping: dict[str, str],
    counties: list[str | None] | None = None,
) -> list[Project | None]:
    """For each record, the stored project whose `key` equals the row's (None: a new one).
    Where several share the key (two 光伏电站 in different counties), the row's lowest
    region (`counties`: its county, or its city where the city has none) picks one."""
    if key == "id":
        found: list[Project | None] = []
        for record, value in zip(read.records, values, strict=True):
            if value is None:
                found.append(None)
                continue
            try:
                found.append(ws.get_project(int(value)))
            except (NotFoundError, ValueError, TypeError):
                raise NotFoundError(
                    f"{record.where}: column 'id': no project with id {value!r}"
                ) from None
        return found
    by_key: dict[Any, list[Project]] = {}
    for project in ws.projects():
        by_key.setdefault(stored_key(project, key, mapping), []).append(project)
    found = []
    for n, (record, value) in enumerate(zip(read.records, values, strict=True)):
        same = by_key.get(value, []) if value is not None else []
        if len(same) > 1 and counties is not None:
            same = [p for p in same if p.regions.lowest == counties[n]] or same
        if len(same) > 1:
            ids = ", ".join(str(p.id) for p in same)
            raise ValidationError(
                f"{record.where}: column {key!r}: {value!r} matches several projects ({ids})",
                key,
                value,
            )
        found.append(same[0] if same else None)
    return found


def merged(stored: Project, checked: Project, mapping: dict[str, str]) -> Project:
    """The stored project with the fields the frame carries (and its location) replaced."""
    changes: dict[str, Any] = {f: getattr(checked, f) for f in _UPDATABLE if f in mapping}
    if checked.attributes:
        changes["attributes"] = {**stored.attributes, **checked.attributes}
    # a round trip through a projected CRS moves a point by ~1e-12°; that is no move
    if not checked.geometry.equals_exact(stored.geometry, _SAME_PLACE_DEG):
        changes["geometry"] = checked.geometry
        changes["regions"] = checked.regions
    return stored.with_changes(**changes)
