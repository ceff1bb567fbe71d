"""Row mapping shared by the workspace backends: model objects to stored rows and back.

Pure Python over DB-API cursors (`description` and `fetchall`), so the SQLite file and the
PostgreSQL team database store exactly the same values and read them back the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import operator
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from gis_carbon.model.plan import Baseline, Comparator, IndicatorValue, Metric, Plan, Target
from gis_carbon.model.project import Project, RegionAssignment, geometry_kind
from gis_carbon.model.storage import HistoryEntry, LayerRecord, RecordHistoryEntry
from gis_carbon.model.types import Precision, Status, StoredValues


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def current_author() -> str:
    """Who makes a change: $GIS_CARBON_AUTHOR, else the login name."""
    import getpass

    try:
        return os.environ.get("GIS_CARBON_AUTHOR") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return "unknown"


def row_to_layer(row: Mapping[str, Any]) -> LayerRecord:
    return LayerRecord(
        id=row["id"],
        title_zh=row["title_zh"],
        role=row["role"],
        kind=row["kind"],
        title_en=row["title_en"],
        source=row["source"],
        crs=row["crs"],
        style=json.loads(row["style"]),
        params=json.loads(row["params"]),
        path=row["path"],
        created_at=row["created_at"],
    )


STATUS_VALUES = {s: s.value for s in Status}


PRECISION_VALUES = {p: p.value for p in Precision}


def insert_columns(projects: list[Project], now: str, author: str) -> dict[str, list[Any]]:
    """The projects table's columns but `id` for validated projects: the geometry columns from
    vectorised shapely calls, the rest from one comprehension per column (a third of the cost
    of building each row's tuple in a function)."""
    import numpy as np
    import shapely

    n = len(projects)
    geoms = np.fromiter((p.geometry for p in projects), dtype=object, count=n)
    bounds = shapely.bounds(geoms)
    type_ids = shapely.get_type_id(geoms)
    # geometry_kind once per geometry type in the batch (validate_geometries vouched for all)
    kind_of = {
        int(t): geometry_kind(geoms[i]).value
        for t, i in zip(*np.unique(type_ids, return_index=True), strict=True)
    }
    # Project.lonlat: a point is its own representative point, the rest get point_on_surface.
    lons, lats = bounds[:, 0].copy(), bounds[:, 1].copy()
    not_point = type_ids != shapely.GeometryType.POINT
    if not_point.any():
        surface = shapely.point_on_surface(geoms[not_point])
        lons[not_point], lats[not_point] = shapely.get_x(surface), shapely.get_y(surface)
    min_x, min_y, max_x, max_y = bounds.T.tolist()

    regions = [p.regions for p in projects]
    touched_json: dict[int, str] = {}  # batches share RegionAssignments: dump each once
    for r in regions:
        if id(r) not in touched_json:
            touched_json[id(r)] = json.dumps(dict(r.touched), sort_keys=True)
    return {
        "name": [p.name.strip() for p in projects],
        "type": [p.type for p in projects],
        "status": [STATUS_VALUES[p.status] for p in projects],
        "capacity": [p.capacity for p in projects],
        "energy": [p.energy for p in projects],
        "year": [p.year for p in projects],
        "start_year": [p.start_year for p in projects],
        "owner": [p.owner for p in projects],
        "notes": [p.notes for p in projects],
        "precision": [PRECISION_VALUES[p.precision] for p in projects],
        "attributes": [
            json.dumps(dict(p.attributes), ensure_ascii=False, sort_keys=True)
            if p.attributes
            else "{}"
            for p in projects
        ],
        "plan_id": [p.plan_id for p in projects],
        "source": [p.source for p in projects],
        "quote": [p.quote for p in projects],
        # bytearray, not bytes: sqlite3 binds int, float, str and bytearray directly but
        # looks every other type up among its adapters first (0.8 µs a value, 0.15 to copy)
        "geom": [bytearray(wkb) for wkb in shapely.to_wkb(geoms).tolist()],
        "geom_kind": [kind_of[t] for t in type_ids.tolist()],
        "min_x": min_x,
        "min_y": min_y,
        "max_x": max_x,
        "max_y": max_y,
        "lon": lons.tolist(),
        "lat": lats.tolist(),
        "province_code": [r.province for r in regions],
        "city_code": [r.city for r in regions],
        "county_code": [r.county for r in regions],
        "township_code": [r.township for r in regions],
        "regions_touched": [touched_json[id(r)] for r in regions],
        "version": [1] * n,
        "created_at": [now] * n,
        "updated_at": [now] * n,
        "created_by": [author] * n,
        "updated_by": [author] * n,
    }


def record_json(row: Mapping[str, Any]) -> str:
    """A stored row as history keeps it: JSON columns decoded, so the entry reads as data."""
    decoded = {
        key: json.loads(value) if key in JSON_COLUMNS and isinstance(value, str) else value
        for key, value in row.items()
    }
    return json.dumps(decoded, ensure_ascii=False, sort_keys=True)


JSON_COLUMNS = frozenset({"scope", "params", "types"})


def row_to_baseline(row: Mapping[str, Any]) -> Baseline:
    return Baseline(
        region_code=row["region_code"],
        types=tuple(json.loads(row["types"])),
        year=row["year"],
        value=row["value"],
        unit=row["unit"],
        source=row["source"],
        id=row["id"],
        recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"],
    )


def plan_to_row(plan: Plan) -> dict[str, Any]:
    return dict(plan.__dict__)


def row_to_plan(row: Mapping[str, Any]) -> Plan:
    return Plan(**{k: row[k] for k in Plan.__dataclass_fields__})


def target_to_row(target: Target) -> dict[str, Any]:
    row = dict(target.__dict__)
    row["metric"] = target.metric.value
    row["comparator"] = target.comparator.value
    row["aspirational"] = int(target.aspirational)
    row["scope"] = json.dumps(list(target.scope), ensure_ascii=False)
    row["params"] = json.dumps(dict(target.params), ensure_ascii=False)
    return row


METRICS = StoredValues(Metric, "targets.metric")


COMPARATORS = StoredValues(Comparator, "targets.comparator")


def row_to_target(row: Mapping[str, Any]) -> Target:
    values = {k: row[k] for k in Target.__dataclass_fields__}
    values["metric"] = METRICS[row["metric"]]
    values["comparator"] = COMPARATORS[row["comparator"]]
    values["aspirational"] = bool(row["aspirational"])
    values["scope"] = tuple(json.loads(row["scope"]))
    values["params"] = json.loads(row["params"])
    return Target(**values)


def project_to_row(project: Project) -> dict[str, Any]:
    import shapely

    geom = project.geometry
    lon, lat = project.lonlat
    minx, miny, maxx, maxy = geom.bounds
    regions = project.regions
    return {
        "id": project.id,
        "name": project.name.strip(),
        "type": project.type,
        "status": project.status.value,
        "capacity": project.capacity,
        "energy": project.energy,
        "year": project.year,
        "start_year": project.start_year,
        "owner": project.owner,
        "notes": project.notes,
        "precision": project.precision.value,
        "attributes": json.dumps(dict(project.attributes), ensure_ascii=False, sort_keys=True),
        "plan_id": project.plan_id,
        "source": project.source,
        "quote": project.quote,
        "geom": shapely.to_wkb(geom, include_srid=False),
        "geom_kind": geometry_kind(geom).value,
        "min_x": minx,
        "min_y": miny,
        "max_x": maxx,
        "max_y": maxy,
        "lon": lon,
        "lat": lat,
        "province_code": regions.province,
        "city_code": regions.city,
        "county_code": regions.county,
        "township_code": regions.township,
        "regions_touched": json.dumps(dict(regions.touched), sort_keys=True),
        "version": project.version,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


# Project is a frozen dataclass: its generated __init__ stores each of its 20 fields through
# object.__setattr__ (3.6 µs a project; dataclasses.replace 6.8 µs). Where every field is at
# hand (stored rows, stamped copies) and Project has no __post_init__ to run, filling the
# instance dict makes an equal and equally frozen object for a tenth of that.
DIRECT_PROJECTS = not hasattr(Project, "__post_init__") and not hasattr(Project, "__slots__")


def project_from_fields(fields: dict[str, Any]) -> Project:
    """Project(**fields) for a dict that names every field of Project."""
    if not DIRECT_PROJECTS:
        return Project(**fields)
    project = object.__new__(Project)
    project.__dict__.update(fields)
    return project


# The columns rows_to_projects reads (besides geom), in the order it unpacks them.
READ_COLUMNS = (
    "id",
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
    "attributes",
    "plan_id",
    "source",
    "quote",
    "province_code",
    "city_code",
    "county_code",
    "township_code",
    "regions_touched",
    "version",
    "created_at",
    "updated_at",
)


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while many rows become objects: each of the
    10⁶ projects' tuples and dicts counted toward a collection, and the full collections
    that followed walked every object made so far — a third of reading 10⁶ projects. The
    rows and projects hold no reference cycles, so nothing waits for the collector."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def rows_to_projects(cursor: Any) -> list[Project]:
    """Many rows at once: geometries decoded in one vectorised call, and the JSON, enums and
    region chains that repeat across rows decoded once (reading 10⁵ projects is 3× faster).
    The cursor needs the columns of READ_COLUMNS and geom, in any order."""
    with _without_cyclic_gc():
        return _rows_to_projects(cursor)


def _rows_to_projects(cursor: Any) -> list[Project]:
    import shapely

    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return []
    at = {name: i for i, name in enumerate(names)}
    read = operator.itemgetter(*(at[name] for name in READ_COLUMNS))
    geom = at["geom"]
    geometries = shapely.from_wkb([row[geom] for row in rows]).tolist()
    statuses = StoredValues(Status, "projects.status")
    precisions = StoredValues(Precision, "projects.precision")
    json_cache: dict[str, Any] = {}
    regions_cache: dict[tuple[Any, ...], RegionAssignment] = {}

    projects = []
    for row, geometry in zip(rows, geometries, strict=True):
        (
            pid,
            name,
            ptype,
            status,
            capacity,
            energy,
            year,
            start_year,
            owner,
            notes,
            precision,
            attributes,
            plan_id,
            source,
            quote,
            *region_key,
            version,
            created_at,
            updated_at,
        ) = read(row)
        region_key = tuple(region_key)
        regions = regions_cache.get(region_key)
        if regions is None:
            regions = regions_cache[region_key] = RegionAssignment(
                province=region_key[0],
                city=region_key[1],
                county=region_key[2],
                township=region_key[3],
                touched=json.loads(region_key[4]),
            )
        if attributes == "{}":
            attributes = {}
        else:
            decoded = json_cache.get(attributes)
            if decoded is None:
                decoded = json_cache[attributes] = json.loads(attributes)
            attributes = dict(decoded)  # a fresh dict: callers may change theirs
        projects.append(
            project_from_fields(
                {
                    "name": name,
                    "type": ptype,
                    "status": statuses[status],
                    "geometry": geometry,
                    "capacity": capacity,
                    "energy": energy,
                    "year": year,
                    "start_year": start_year,
                    "owner": owner,
                    "notes": notes,
                    "precision": precisions[precision],
                    "attributes": attributes,
                    "plan_id": plan_id,
                    "source": source,
                    "quote": quote,
                    "regions": regions,
                    "id": pid,
                    "version": version,
                    "created_at": created_at,
                    "updated_at": updated_at,
                }
            )
        )
    return projects


# -------------------------------------------------------------------- shared by the backends
def find_plan(plans: list[Plan], name_or_id: str) -> Plan:
    """A plan by id, by its region's Chinese name (静海区), region code or name."""
    from gis_carbon.errors import NotFoundError

    key = str(name_or_id).strip()
    for match in (
        lambda p: p.id == key,
        lambda p: p.region_name == key,
        lambda p: p.region_code == key,
        lambda p: p.name == key,
    ):
        found = [p for p in plans if match(p)]
        if found:
            # 天津市 names both the city plan and the pilot plan: the root plan wins.
            found.sort(key=lambda p: (p.parent_id is not None, p.id))
            return found[0]
    known = ", ".join(f"{p.region_name} ({p.id})" for p in plans)
    raise NotFoundError(f"no plan {name_or_id!r}; known plans: {known}")


def refuse_plan_delete(
    plan_id: str, children: list[str], targets: int, *, with_targets: bool
) -> None:
    """A plan with child plans, or with targets (unless they go too), is not deleted."""
    from gis_carbon.errors import ValidationError

    if children:
        raise ValidationError(
            f"plan {plan_id} is the parent of {', '.join(children)}: delete or"
            " re-parent those first",
            "plan",
            plan_id,
        )
    if targets and not with_targets:
        raise ValidationError(
            f"plan {plan_id} has {targets} target(s): delete them first, or"
            " delete the plan with its targets",
            "plan",
            plan_id,
        )


def change_action(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str | None:
    """insert, update or delete for a record's history; None when nothing changed."""
    if before is not None and after is not None and dict(before) == dict(after):
        return None
    return "insert" if before is None else "delete" if after is None else "update"


def _json_or_none(text: str | None) -> Any:
    return json.loads(text) if text else None


def history_entry(row: Mapping[str, Any], decode: Any = _json_or_none) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"],
        project_id=row["project_id"],
        action=row["action"],
        before=decode(row["before"]),
        after=decode(row["after"]),
        at=row["at"],
        author=row["author"],
    )


def record_history_entry(row: Mapping[str, Any]) -> RecordHistoryEntry:
    return RecordHistoryEntry(
        id=row["id"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        action=row["action"],
        before=_json_or_none(row["before"]),
        after=_json_or_none(row["after"]),
        at=row["at"],
        author=row["author"],
    )


def indicator_value(row: Mapping[str, Any]) -> IndicatorValue:
    return IndicatorValue(
        row["indicator"],
        row["region_code"],
        row["year"],
        row["value"],
        row["unit"],
        row["source"],
        row["id"],
    )


def stamped_projects(projects: Sequence[Project], ids: Sequence[int], now: str) -> list[Project]:
    """The projects as just inserted: their new ids, version 1 and the insert's time."""
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    return [
        project_from_fields({**p.__dict__, **stamp, "id": i})
        if type(p) is Project
        else p.with_changes(id=i, **stamp)
        for p, i in zip(projects, ids, strict=True)
    ]


def keyset_chunks(
    read_page: Callable[[int, int], list[Project]], size: int
) -> Iterator[list[Project]]:
    """Every project in id order, `size` at a time: `read_page(after_id, size)` reads the next
    page by the primary key (each page one short query, so no read holds the store across
    the whole walk)."""
    if int(size) < 1:
        raise ValueError(f"chunk size must be at least 1; got {size!r}")
    after = -1
    while True:
        chunk = read_page(after, int(size))
        if not chunk:
            return
        yield chunk
        after = int(chunk[-1].id)  # type: ignore[arg-type]  # stored projects have ids


LAYER_FIELDS = frozenset({"title_zh", "title_en", "role", "style", "params"})


def layer_update_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The column values of a layer update (style and params stored as JSON); a field a
    layer does not let change is refused by name."""
    from gis_carbon.errors import ValidationError

    unknown = set(changes) - LAYER_FIELDS
    if unknown:
        raise ValidationError(f"cannot change {sorted(unknown)} of a layer", "layer", unknown)
    return {
        k: json.dumps(v, ensure_ascii=False) if k in ("style", "params") else v
        for k, v in changes.items()
    }


# What changes the layers as the window sees them: an import or removal by another process
LAYERS_FINGERPRINT_SQL = (
    "SELECT id, role, kind, params, path, created_at,"
    " (SELECT count(*) FROM layer_features f WHERE f.layer_id = l.id) FROM layers l"
    " ORDER BY id"
)


def record_change_values(
    entity: str,
    entity_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    author: str,
) -> tuple[Any, ...] | None:
    """The record_history row (entity, entity_id, action, before, after, at, author) of a
    change to a plan, target or baseline; None when nothing changed (no entry)."""
    action = change_action(before, after)
    if action is None:
        return None
    return (
        entity,
        entity_id,
        action,
        None if before is None else record_json(before),
        None if after is None else record_json(after),
        now_stamp(),
        author,
    )
