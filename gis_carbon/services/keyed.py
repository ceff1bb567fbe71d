"""Matching rows of a ledger or a data frame to stored projects by a key column, and the
stored project with the row's fields merged in: what makes a monthly re-import update in
place instead of adding every project again."""

from __future__ import annotations

from typing import Any

from gis_carbon.errors import NotFoundError, ValidationError
from gis_carbon.io.records import ReadResult
from gis_carbon.model.project import Project
from gis_carbon.model.storage import WorkspaceStore

# A ledger exported and read back holds 7 decimals (≤ 5e-8°, about 5 mm): that is no move.
_SAME_PLACE_DEG = 1e-7

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
    *,
    by_id: bool = False,
) -> list[Project | None]:
    """For each record, the stored project whose `key` equals the row's (None: a new one).
    Where several share the key (two 光伏电站 in different counties), the row's lowest
    region (`counties`: its county, or its city where the city has none) picks one. `by_id` (or a
    column named id): the column holds the projects' own ids, as an exported ledger's 编号."""
    if by_id or key == "id":
        found: list[Project | None] = []
        for record, value in zip(read.records, values, strict=True):
            if value is None:
                found.append(None)
                continue
            try:
                found.append(ws.get_project(int(value)))
            except (NotFoundError, ValueError, TypeError):
                raise NotFoundError(
                    f"{read.path.name}: {record.where}: column {key!r}: no project with id "
                    f"{value!r}"
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


def same_place(row: Any, stored: Any) -> bool:
    """The row's geometry is where the stored one is. A ledger row holds one point for a line
    or polygon (its representative point, as exports write it): that point is no move."""
    if row.equals_exact(stored, _SAME_PLACE_DEG):
        return True
    return (
        row.geom_type == "Point"
        and stored.geom_type != "Point"
        and row.equals_exact(stored.representative_point(), _SAME_PLACE_DEG)
    )


def merged(stored: Project, checked: Project, mapping: dict[str, str]) -> Project:
    """The stored project with the fields the frame carries (and its location) replaced."""
    changes: dict[str, Any] = {f: getattr(checked, f) for f in _UPDATABLE if f in mapping}
    if checked.attributes:
        changes["attributes"] = {**stored.attributes, **checked.attributes}
    # a round trip through a projected CRS moves a point by ~1e-12°; that is no move
    if not same_place(checked.geometry, stored.geometry):
        changes["geometry"] = checked.geometry
        changes["regions"] = checked.regions
    return stored.with_changes(**changes)
