"""The workspace as data frames, for analysts: projects as a GeoDataFrame, read column-wise.

Reads go through the storage port's project_columns (one SELECT, the geometries as WKB decoded in one
vectorised call): a million projects become a frame without a Project object per row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gis_carbon.errors import GisCarbonError, NotFoundError, ValidationError
from gis_carbon.io.records import ReadResult, Record, plain_value
from gis_carbon.model.project import Project
from gis_carbon.model.storage import WorkspaceStore
from gis_carbon.model.types import (
    PROJECT_TYPES,
    STATUSES,
    ProjectType,
    Status,
    project_type,
    status,
)

if TYPE_CHECKING:
    import geopandas

# Column order of the projects frame (geometry last, as geopandas prints it).
PROJECT_FRAME_COLUMNS = (
    "id",
    "name",
    "type",
    "type_zh",
    "capacity",
    "capacity_unit",
    "energy",
    "energy_unit",
    "status",
    "status_zh",
    "year",
    "county_code",
    "county_name",
    "precision",
    "quote",
    "plan_id",
    "geometry",
)


def _as_list(values: str | Iterable[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)


def _region_names(codes: Iterable[str | None]) -> dict[str, str]:
    """Code → Chinese name of each distinct code (unknown codes left out)."""
    from gis_carbon.geo.boundaries import region

    names: dict[str, str] = {}
    for code in {c for c in codes if c}:
        try:
            names[code] = region(code).name
        except NotFoundError:
            continue
    return names


def projects_geodataframe(
    ws: WorkspaceStore,
    *,
    plan: str | None = None,
    region: str | None = None,
    types: str | Iterable[str] | None = None,
    statuses: str | Iterable[str] | None = None,
) -> geopandas.GeoDataFrame:
    """The projects as a GeoDataFrame in EPSG:4326, one row per project, ordered by id.

    `plan` (id or region name) keeps the projects in its region, as `projects --plan` does;
    `region` a region code at any level; `types` and `statuses` accept codes or Chinese
    names. Columns: PROJECT_FRAME_COLUMNS, typed (categoricals for type and status, float
    capacity in the type's unit, nullable Int64 year)."""
    import geopandas
    import numpy as np
    import pandas as pd

    region_code = ws.plan(plan).region_code if plan is not None else region
    type_codes = _as_list(types)
    status_codes = _as_list(statuses)
    columns = ws.project_columns(
        region_code=region_code,
        types=None if type_codes is None else [project_type(t).code for t in type_codes],
        statuses=None if status_codes is None else [status(s).value for s in status_codes],
    )
    type_dtype = pd.CategoricalDtype([t.code for t in PROJECT_TYPES])
    status_dtype = pd.CategoricalDtype([s.value for s in Status])
    type_info = {t.code: t for t in PROJECT_TYPES}
    kinds = pd.Series(columns["type"], dtype=type_dtype)
    states = pd.Series(columns["status"], dtype=status_dtype)
    # derived columns mapped per category, not per row
    type_zh = kinds.cat.rename_categories([t.name_zh for t in PROJECT_TYPES])
    status_zh = states.cat.rename_categories(
        [{s.status: s.name_zh for s in STATUSES}[s] for s in Status]
    )
    county_codes = pd.Series(columns["county_code"], dtype=object)
    counties = _region_names(county_codes.unique())
    frame = pd.DataFrame(
        {
            "id": pd.array(columns["id"], dtype="int64"),
            "name": pd.Series(columns["name"], dtype=object),
            "type": kinds,
            "type_zh": type_zh,
            "capacity": pd.array(columns["capacity"], dtype="float64"),
            "capacity_unit": kinds.map({c: t.capacity_unit for c, t in type_info.items()}),
            "energy": pd.array(columns["energy"], dtype="float64"),
            "energy_unit": kinds.map({c: t.energy_unit for c, t in type_info.items()}),
            "status": states,
            "status_zh": status_zh,
            "year": pd.array(columns["year"], dtype="Int64"),
            "county_code": county_codes,
            "county_name": county_codes.map(counties),
            "precision": pd.Series(columns["precision"], dtype="category"),
            "quote": pd.Series(columns["quote"], dtype=object),
            "plan_id": pd.Series(columns["plan_id"], dtype=object),
        }
    )
    geometry = geopandas.GeoSeries.from_wkb(
        np.asarray(columns["geom"], dtype=object), crs="EPSG:4326"
    )
    return geopandas.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


# ------------------------------------------------------------------ adding from a frame
# What a frame's rows are called in messages ("DataFrame: 1 problem, nothing imported: …").
FRAME_SOURCE = Path("DataFrame")


@dataclass
class FrameImport:
    """What `add_frame` did: the ids of the projects added, changed and left unchanged."""

    added: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"<FrameImport added={len(self.added)} changed={len(self.changed)} "
            f"unchanged={len(self.unchanged)}>"
        )


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return math.isfinite(value)
    try:
        return math.isfinite(float(str(value).strip()))
    except ValueError:
        return False


def _quantity_text(value: Any, ptype: ProjectType, which: str, header_unit: str | None) -> str:
    """The cell as the import path reads it: a bare number is in the type's unit (unless the
    column header names one, which the import path applies); text keeps its own unit."""
    from gis_carbon.services.projects import parse_capacity_for_type

    unit = ptype.capacity_unit if which == "capacity" else ptype.energy_unit
    text = str(value).strip()
    if _is_number(value):
        if header_unit is not None:
            return text
        text = f"{float(value)!r} {unit or ''}".strip()
    parse_capacity_for_type(text, ptype, which=which)  # raises naming the text
    return text


def _frame_records(
    frame: Any, mapping: dict[str, str], key: str | None
) -> tuple[list[Record], list[Any], list[str]]:
    """One Record per row, labelled "row <index label>", with capacities and energies made
    readable by the import path; problems in the type, capacity and energy cells name the
    row and the column. Also each row's `key` value.

    Columns a projects frame derives (id, type_zh, county_name …) are not stored with the
    project: a frame read with `projects()` goes back in without them as attributes. Other
    unmapped columns are kept as attributes, as `import` keeps them (a key such as a ledger
    number among them: the next keyed import finds the project by it)."""
    from gis_carbon.io.tabular import header_unit

    geometry_name = frame.geometry.name if hasattr(frame, "geometry") else None
    derived = set(PROJECT_FRAME_COLUMNS) - set(mapping.values())
    columns = [c for c in frame.columns if c != geometry_name]
    units = {fld: header_unit(mapping[fld])[1] for fld in ("capacity", "energy") if fld in mapping}
    records: list[Record] = []
    keys: list[Any] = []
    problems: list[str] = []
    for label, values in zip(frame.index, frame[columns].itertuples(index=False), strict=True):
        where = f"row {label}"
        cells = {str(c): plain_value(v) for c, v in zip(columns, values, strict=True)}
        keys.append(None if key is None else cells.get(key))
        props = {c: v for c, v in cells.items() if c not in derived}
        records.append(Record(where, props))
        # Problems read "row 3: column 'capacity': …": the import path skips a row so named.
        type_column = mapping.get("type")
        if type_column is None or props.get(type_column) is None:
            continue  # the import path names the missing type
        try:
            ptype = project_type(str(props[type_column]))
        except GisCarbonError as exc:
            problems.append(f"{where}: column {type_column!r}: {exc}")
            continue
        for fld, unit in units.items():
            column = mapping[fld]
            value = props.get(column)
            if value is None or str(value).strip() == "":
                continue
            try:
                props[column] = _quantity_text(value, ptype, fld, unit)
            except GisCarbonError as exc:
                problems.append(f"{where}: column {column!r}: {exc}")
    return records, keys, problems


def _read_frame(frame: Any, key: str | None = None) -> tuple[ReadResult, dict[str, str], list[Any]]:
    """The frame as the import path's ReadResult (WGS 84 geometries) and its column mapping.

    A GeoDataFrame brings its geometries in its CRS; a plain frame needs lon/lat columns.
    Also each row's value of the `key` column."""
    from gis_carbon.io.geometry import check_and_convert
    from gis_carbon.io.tabular import Table, detect_mapping, table_records

    columns = [str(c) for c in frame.columns]
    is_geo = hasattr(frame, "geometry") and getattr(frame, "crs", None) is not None
    if hasattr(frame, "geometry") and not is_geo:
        raise ValidationError(
            "the GeoDataFrame has no CRS: set one (frame.set_crs('EPSG:4548')) so its "
            "coordinates can be converted",
            "crs",
            None,
        )
    geometry_name = frame.geometry.name if is_geo else None
    mapping = detect_mapping([c for c in columns if c != geometry_name])
    if key is not None and key not in columns:
        raise ValidationError(f"key {key!r} is not a column; columns: {', '.join(columns)}")
    wanted = [("name", "name/项目名称"), ("type", "type/类型")]
    if not is_geo:
        wanted += [("lon", "lon/经度"), ("lat", "lat/纬度")]
    missing = [label for fld, label in wanted if fld not in mapping]
    if missing:
        raise ValidationError(
            f"no column for {', '.join(missing)} among {', '.join(columns) or 'no columns'}: "
            "rename the columns (frame.rename(columns={...})); for projected coordinates "
            "pass a GeoDataFrame with its CRS",
            "columns",
            missing,
        )
    records, keys, problems = _frame_records(frame, mapping, key)
    if not is_geo:
        # table_records labels each row "row <number>": the index label here
        rows = [(label, r.properties) for label, r in zip(frame.index, records, strict=True)]
        table = Table(FRAME_SOURCE, columns, rows)
        read = table_records(table, mapping)
        read.format = "DataFrame"
        read.problems = problems + read.problems
        return read, mapping, keys
    labels = [r.where for r in records]
    converted, geometry_problems, _ = check_and_convert(
        list(frame.geometry.values), labels, frame.crs.to_string()
    )
    for record, geometry in zip(records, converted, strict=True):
        record.geometry = geometry
    read = ReadResult(FRAME_SOURCE, "GeoDataFrame", columns, records)
    read.problems = problems + geometry_problems
    return read, mapping, keys


def add_frame(
    ws: WorkspaceStore,
    frame: Any,
    *,
    key: str | None = None,
    author: str | None = None,
) -> FrameImport:
    """Add (or, with `key`, update) projects from a DataFrame with lon/lat columns or a
    GeoDataFrame in any CRS, with the checks of `import`; all or nothing.

    Columns are found as `import` finds them (name/项目名称, type/类型, capacity/装机容量 …);
    capacities are numbers in the type's unit or text with a unit ("10万千瓦"). `key` names
    a column whose value finds the stored project to update ("id", "name", …). Any bad row
    raises InputRowsError naming every refused row, and nothing is written."""
    from gis_carbon.services.imports import check_projects
    from gis_carbon.services.keyed import match_stored, merged

    read, mapping, keys = _read_frame(frame, key)
    checked = check_projects(ws, read, mapping)
    stored: list[Project | None] = (
        [None] * len(checked.projects)
        if key is None
        else match_stored(ws, read, key, keys, mapping)
    )
    result = FrameImport(notes=list(checked.notes))
    new: list[Project] = []
    edits: list[Project] = []
    for before, project in zip(stored, checked.projects, strict=True):
        if before is None:
            new.append(project)
            continue
        after = merged(before, project, mapping)
        if after == before:
            result.unchanged.append(int(before.id or 0))
        else:
            edits.append(after)
    with ws.transaction():
        result.added = [int(p.id or 0) for p in ws.add_projects(new, author=author)] if new else []
        result.changed = [int(ws.update_project(p, author=author).id or 0) for p in edits]
    return result


__all__ = [
    "FRAME_SOURCE",
    "PROJECT_FRAME_COLUMNS",
    "FrameImport",
    "add_frame",
    "projects_geodataframe",
]


def plan_rows(ws: WorkspaceStore) -> list[dict[str, Any]]:
    """The plans as rows for a data frame (the columns of the Excel export)."""
    from gis_carbon.export.common import plans_table

    return plans_table(ws.plans())


def target_rows(ws: WorkspaceStore, plan: str | None = None) -> list[dict[str, Any]]:
    """The targets of a plan (or all) as rows: the plan's own value, unit and sentence."""
    from gis_carbon.export.common import targets_table

    plan_id = ws.plan(plan).id if plan is not None else None
    return targets_table(ws.targets(plan_id))


def project_map(
    ws: WorkspaceStore,
    projects: Any,
    targets: list[dict[str, Any]],
    plan: str | None = None,
) -> Any:
    """A folium.Map of `projects` (a projects GeoDataFrame) with the outlines of the plan's
    counties (or every plan's) and the `targets` panel."""
    import pandas as pd

    from gis_carbon.export.folium_map import folium_map
    from gis_carbon.geo.boundaries import boundaries

    plans = ws.plans() if plan is None else [ws.plan(plan)]
    outlines = pd.concat(
        [boundaries("county", simplified=True, within=p.region_code) for p in plans]
    ).drop_duplicates("code")
    title = plans[0].name if plan is not None else "全部方案 all plans"
    return folium_map(projects, outlines=outlines, targets=targets, title=title)
