"""Importing a file into a workspace, all or nothing: as a layer, or as projects.

Everything is read and checked first (encoding, CRS, each row's coordinates, capacities,
types, geometries); if any row or feature is refused, InputRowsError lists every problem and
the workspace is not touched. Only then is everything written in one ``ws.transaction()``.

Roles: ``exclusion`` and ``setback`` are constraint layers (role "constraint" with params
``{"constraint": "exclusion"}`` or ``{"constraint": "setback", "distance_m": d}``); the
siting checks read them with ``ws.layers(role="constraint")`` and ``ws.layer_features(id)``.
A plain ``constraint`` is a setback when a distance is given, else an exclusion.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from gis_carbon.errors import Cancelled, GisCarbonError, InputFileError, ValidationError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.io.archives import DEFAULT_LIMITS, ArchiveLimits
from gis_carbon.io.failures import reading
from gis_carbon.io.records import InputRowsError, ReadResult, Record
from gis_carbon.model.project import Project, project_to_json
from gis_carbon.model.storage import LayerRecord, WorkspaceStore
from gis_carbon.services.import_problems import RowProblem, from_message
from gis_carbon.services.layers import ROLES, LayerDefinition, find_definition

RASTER_BUDGET_BYTES = 1024**3

# --role value → (stored role, params). Setback distances are added from distance_m.
ROLE_CHOICES: dict[str, tuple[str, dict[str, Any]]] = {
    "exclusion": ("constraint", {"constraint": "exclusion"}),
    "setback": ("constraint", {"constraint": "setback"}),
    **{role: (role, {}) for role in ROLES},
}

# A ledger's status column may be missing; what stands in (and is said so in the notes).
DEFAULT_STATUS = "planned"


class ImportCancelled(Cancelled):
    """The user cancelled an import; nothing was written."""


@dataclass
class ImportResult:
    path: Path
    mode: str  # "layer" or "projects"
    dry_run: bool
    format: str
    crs: str | None
    encoding: str | None
    count: int  # features stored (layer) or projects created
    layer: LayerRecord | None = None
    projects: list[Project] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # rows located outside every region
    refused: list[RowProblem] = field(default_factory=list)  # left out by --skip-invalid
    diff: dict[str, list[Any]] | None = None  # with a key: added, changed, unchanged, missing
    bounds: tuple[float, float, float, float] | None = None  # a layer's lon/lat extent

    @classmethod
    def of_read(
        cls, read: ReadResult, mode: str, dry_run: bool, count: int, **extra: Any
    ) -> ImportResult:
        """A result for what a vector or tabular reader read (path, format, CRS, encoding)."""
        return cls(
            read.path,
            mode,
            dry_run,
            read.format,
            read.crs.label if read.crs else None,
            read.encoding,
            count,
            **extra,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "mode": self.mode,
            "dry_run": self.dry_run,
            "format": self.format,
            "crs": self.crs,
            "encoding": self.encoding,
            "count": self.count,
            "layer": None if self.layer is None else dict(self.layer.__dict__),
            "projects": [project_to_json(p) for p in self.projects],
            "mapping": dict(self.mapping),
            "notes": list(self.notes),
            "outside": list(self.outside),
            "diff": self.diff,
            "refused": [
                {"row": r.where, "column": r.column, "value": r.value, "reason": r.reason}
                for r in self.refused
            ],
        }


def _report(feedback: Feedback, fraction: float, message: str) -> None:
    """Progress between the steps of an import, each also a point where a cancel stops it."""
    feedback.check_cancelled(ImportCancelled, "import cancelled; nothing was written")
    feedback.progress(fraction, message)


def _file_kind(path: Path) -> str:
    from gis_carbon.io.raster import RASTER_SUFFIXES
    from gis_carbon.io.tabular import TABLE_SUFFIXES
    from gis_carbon.io.vector import ARCHIVE_SUFFIXES, VECTOR_SUFFIXES

    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        return "raster"
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in VECTOR_SUFFIXES or suffix in ARCHIVE_SUFFIXES:
        return "vector"
    known = sorted({*RASTER_SUFFIXES, *TABLE_SUFFIXES, *VECTOR_SUFFIXES, *ARCHIVE_SUFFIXES})
    raise InputFileError(
        f"{path.name}: cannot import {suffix or 'files without a suffix'}; known: {' '.join(known)}"
    )


def _role(role: str | None, distance_m: float | None, default: str) -> tuple[str, dict[str, Any]]:
    key = (role or default).strip().lower()
    if key not in ROLE_CHOICES:
        raise InputFileError(f"--role {role!r}: choose one of {', '.join(ROLE_CHOICES)}")
    stored, params = ROLE_CHOICES[key][0], dict(ROLE_CHOICES[key][1])
    if key == "constraint":
        params = {"constraint": "setback" if distance_m is not None else "exclusion"}
    if params.get("constraint") == "setback":
        if distance_m is None:
            raise InputFileError("--role setback needs the distance: --distance-m 500")
        if not (distance_m > 0 and distance_m < 1e6):
            raise InputFileError(f"--distance-m {distance_m!r} must be a positive number of metres")
        params["distance_m"] = float(distance_m)
    elif distance_m is not None:
        raise InputFileError(f"--distance-m is only for setback layers, not --role {key}")
    return stored, params


def import_file(
    ws: WorkspaceStore,
    path: str | Path,
    *,
    as_layer: str | None = None,
    role: str | None = None,
    crs: str | None = None,
    coords: str | None = None,
    encoding: str | None = None,
    mapping: dict[str, str] | None = None,
    distance_m: float | None = None,
    plan_id: str | None = None,
    dry_run: bool = False,
    feedback: Feedback = NO_FEEDBACK,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    raster_budget_bytes: int = RASTER_BUDGET_BYTES,
    author: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    default_status: str | None = None,
    skip_invalid: bool = False,
    key: str | None = None,
    delete_missing: bool = False,
) -> ImportResult:
    """Import ``path`` as a layer (``as_layer`` names it; ``role`` implies a layer) or, without
    either, as projects from a column mapping (auto-detected; ``mapping`` field → column wins).

    Raises InputFileError (InputRowsError with every problem) and writes nothing on any
    problem; ImportCancelled once ``feedback`` is cancelled, at the latest before the write."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    kind = _file_kind(path)
    if kind == "raster":
        return _import_raster(
            ws,
            path,
            as_layer or path.stem,
            role,
            crs,
            distance_m,
            dry_run,
            feedback,
            raster_budget_bytes,
        )
    if role is not None and as_layer is None:
        as_layer = path.stem
    definition = find_definition(as_layer) if as_layer else None
    _report(feedback, 0.0, f"reading {path.name}")
    given = dict(mapping or {})
    with reading(path):
        read, used_mapping = _read(
            path, kind, crs, coords, encoding, given, as_layer, definition, feedback
        )
    _report(feedback, 0.5, "checking rows")
    if as_layer is not None:
        return _as_layer(
            ws, read, as_layer, definition, role, distance_m, given, dry_run, feedback, author
        )
    return _as_projects(
        ws,
        read,
        used_mapping,
        plan_id,
        dry_run,
        feedback,
        author,
        value_map=value_map,
        default_status=default_status,
        skip_invalid=skip_invalid,
        key=key,
        delete_missing=delete_missing,
    )


def _read(
    path: Path,
    kind: str,
    crs: str | None,
    coords: str | None,
    encoding: str | None,
    given: dict[str, str],
    as_layer: str | None,
    definition: LayerDefinition | None,
    feedback: Feedback,
) -> tuple[ReadResult, dict[str, str]]:
    from gis_carbon.io.tabular import detect_mapping, read_table, table_records
    from gis_carbon.io.vector import read_vector

    layer_fields = {"code", "name"} if definition is not None else set()
    project_given = {k: v for k, v in given.items() if k not in layer_fields or as_layer is None}
    if kind == "table":
        table = read_table(path, encoding=encoding)
        location_fields = {"lon", "lat", "x", "y"}
        if as_layer is not None:
            project_given = {k: v for k, v in given.items() if k in location_fields}
        used = detect_mapping(table.columns, project_given)
        return table_records(table, used, crs=crs, coords=coords), used
    read = read_vector(
        path, crs=crs, coords=coords, encoding=encoding, feedback=feedback.part(0.0, 0.5)
    )
    if as_layer is not None:
        return read, {}
    return read, detect_mapping(read.columns, project_given)


# ------------------------------------------------------------------ layers
_SAFE_ID = re.compile(r"[^\w\-]+", re.UNICODE)


def _layer_id(name: str) -> str:
    text = _SAFE_ID.sub("_", name.strip()).strip("_")
    if not text:
        raise InputFileError(f"--layer {name!r} is not a usable layer name")
    return text


def _township_fields(
    read: ReadResult, definition: LayerDefinition, given: dict[str, str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, candidates_key in (("code", "code_fields"), ("name", "name_fields")):
        if key in given:
            if given[key] not in read.columns:
                raise InputFileError(
                    f"--map {key}={given[key]}: no field {given[key]!r}; "
                    f"fields: {', '.join(read.columns)}"
                )
            found[key] = given[key]
            continue
        candidates = [str(c) for c in definition.params.get(candidates_key, [])]
        hit = next((c for c in candidates if c in read.columns), None)
        if hit is None:
            raise InputFileError(
                f"{read.path.name}: no {key} field for a {definition.id} layer among "
                f"{', '.join(read.columns)}; name it with --map {key}=FIELD"
            )
        found[key] = hit
    return {"code_field": found["code"], "name_field": found["name"]}


def _next_township_layer(
    ws: WorkspaceStore,
    read: ReadResult,
    fields: dict[str, str],
    layer_id: str,
    title_zh: str,
    title_en: str,
) -> tuple[str, str, str]:
    """The id and titles for one more township layer: ``township``, then ``township_2``…,
    titled with the counties it covers. Refuses a file whose townships are already in a
    township layer (a second copy would only shadow the first)."""
    from gis_carbon.services.regions import is_township_layer, township_code, township_county

    new_codes = {township_code(r.properties.get(fields["code_field"])) for r in read.records}
    new_codes.discard(None)
    layers = ws.layers()
    taken = {layer.id for layer in layers}
    for layer in layers:
        if not is_township_layer(layer):
            continue
        code_field = str(layer.params.get("code_field") or "")
        stored = {township_code(p.get(code_field)) for _g, p in ws.layer_features(layer.id)}
        repeated = sorted(c for c in new_codes & stored if c is not None)
        if repeated:
            raise InputFileError(
                f"{read.path.name}: {len(repeated)} of its townships ({', '.join(repeated[:3])}"
                f"{'…' if len(repeated) > 3 else ''}) are in layer {layer.id!r} already; remove "
                f"that layer first (gis-carbon remove-layer {layer.id}) to replace it"
            )
    if layer_id not in taken:
        return layer_id, title_zh, title_en
    counties = ", ".join(sorted({township_county(code) for code in new_codes}))
    number = 2
    while f"{layer_id}_{number}" in taken:
        number += 1
    return f"{layer_id}_{number}", f"{title_zh}（{counties}）", f"{title_en} ({counties})"


def _township_problems(read: ReadResult, fields: dict[str, str]) -> list[str]:
    """Every township needs a polygon and a 9- or 12-digit code (its first six digits are the
    county's); anything else could never be assigned, so it is refused rather than stored."""
    from gis_carbon.services.regions import township_code

    problems = []
    for record in read.records:
        value = record.properties.get(fields["code_field"])
        if township_code(value) is None:
            problems.append(
                f"{record.where}: {fields['code_field']} {value!r} is not a township code "
                "(9 or 12 digits, the first six the county's, e.g. 120118101000)"
            )
        geometry = record.geometry
        if geometry is not None and geometry.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                f"{record.where}: a township must be a polygon, not {geometry.geom_type}"
            )
    return problems


def _as_layer(
    ws: WorkspaceStore,
    read: ReadResult,
    name: str,
    definition: LayerDefinition | None,
    role: str | None,
    distance_m: float | None,
    given: dict[str, str],
    dry_run: bool,
    feedback: Feedback,
    author: str | None = None,
) -> ImportResult:
    from gis_carbon.services.regions import reassign_townships, township_county

    problems = list(read.problems)
    for record in read.records:
        if record.geometry is None and not any(p.startswith(record.where + ":") for p in problems):
            problems.append(f"{record.where}: no location")
    if not read.records:
        problems.append("the file holds no features")
    fields = (
        _township_fields(read, definition, given)
        if definition is not None and definition.params.get("level") == "township"
        else None
    )
    if fields is not None:
        problems.extend(_township_problems(read, fields))
    if problems:
        raise InputRowsError(read.path, problems)
    layer_id = _layer_id(name)
    style: dict[str, Any] = {}
    params: dict[str, Any] = {}
    title_zh, title_en, default_role = name, "", "reference"
    if definition is not None:
        if not definition.user_import:
            raise InputFileError(
                f"--layer {name}: {definition.title_zh} is a predefined layer; choose another name"
            )
        title_zh, title_en, default_role = definition.title_zh, definition.title_en, definition.role
        style = dict(definition.style)
        params = {k: v for k, v in definition.params.items() if not k.endswith("_fields")}
        params.update(fields or {})
        if role is not None and role != definition.role:
            raise InputFileError(f"--layer {name} is a {definition.role} layer; drop --role {role}")
    stored_role, role_params = _role(role, distance_m, default_role)
    params.update(role_params)
    if fields is not None:
        # Township files come a county or two at a time (静海区's, 津市市's): each import is
        # one more township layer, unless it repeats townships already imported.
        layer_id, title_zh, title_en = _next_township_layer(
            ws, read, fields, layer_id, title_zh, title_en
        )
    if any(layer.id == layer_id for layer in ws.layers()):
        raise InputFileError(
            f"the workspace has a layer {layer_id!r} already; choose another "
            "--layer name (or delete the old one)"
        )
    layer_record = LayerRecord(
        id=layer_id,
        title_zh=title_zh,
        title_en=title_en,
        role=stored_role,
        kind="vector",
        source=read.path.name,
        crs=read.crs.label if read.crs else "EPSG:4326",
        style=style,
        params=params,
    )
    features = [(r.geometry, r.properties) for r in read.records]
    result = ImportResult.of_read(
        read, "layer", dry_run, len(features), layer=layer_record, notes=list(read.notes)
    )
    extent = shapely.total_bounds([g for g, _ in features])
    result.bounds = tuple(float(v) for v in extent) if features else None  # type: ignore[assignment]
    _report(feedback, 0.8, f"writing {len(features)} features")
    if dry_run:
        return result
    with ws.transaction():
        result.layer = ws.add_layer(layer_record, features)
        if fields is not None:
            # Townships are the fourth region level: projects already stored inside this
            # layer get their township now, in the same transaction as the layer itself.
            _report(feedback, 0.9, "assigning townships")
            counties = {township_county(r.properties[fields["code_field"]]) for r in read.records}
            changed = reassign_townships(ws, counties, author=author)
            result.notes.append(f"township assigned to {len(changed)} existing projects")
    _report(feedback, 1.0, "done")
    return result


# ------------------------------------------------------------------ rasters
def _import_raster(
    ws: WorkspaceStore,
    path: Path,
    name: str,
    role: str | None,
    crs: str | None,
    distance_m: float | None,
    dry_run: bool,
    feedback: Feedback,
    budget: int,
) -> ImportResult:
    from gis_carbon.io.crs_detect import resolve_crs
    from gis_carbon.io.raster import read_raster_info

    _report(feedback, 0.0, f"reading {path.name}")
    with reading(path):
        info = read_raster_info(path, budget)
    choice = resolve_crs(what=path.name, user_crs=crs, coords=None, declared=info.crs)
    stored_role, params = _role(role, distance_m, "reference")
    layer_id = _layer_id(name)
    if any(layer.id == layer_id for layer in ws.layers()):
        raise InputFileError(
            f"the workspace has a layer {layer_id!r} already; choose another --layer name"
        )
    folder = ws.layer_folder
    target = folder / f"{layer_id}.tif"
    params.update(
        width=info.size.width,
        height=info.size.height,
        bands=info.count,
        dtype=info.dtype,
        bounds=list(info.bounds),
    )
    record = LayerRecord(
        id=layer_id,
        title_zh=name,
        role=stored_role,
        kind="raster",
        source=path.name,
        crs=choice.label,
        params=params,
        path=str(target),
    )
    result = ImportResult(
        path,
        "layer",
        dry_run,
        "GTiff",
        choice.label,
        None,
        1,
        layer=record,
        notes=list(choice.notes),
    )
    if dry_run:
        return result
    if target.exists():
        raise InputFileError(f"{target} exists already; remove it or choose another --layer")
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{layer_id}.{uuid.uuid4().hex}.part"
    _report(feedback, 0.5, f"copying {path.name}")
    try:
        shutil.copyfile(path, partial)
        partial.replace(target)
        with ws.transaction():
            result.layer = ws.add_layer(record)
    except BaseException:
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise
    _report(feedback, 1.0, "done")
    return result


# ------------------------------------------------------------------ projects
def _year_text(value: Any) -> Any:
    if value is None:
        return None
    year = getattr(value, "year", None)
    if isinstance(year, int):
        return year
    if isinstance(value, float) and value.is_integer():
        return int(value)
    match = re.search(r"(?<!\d)(19|20|21)\d{2}(?!\d)", str(value))
    return match.group(0) if match else value


def _capacity_text(value: Any, header_unit: str | None, column: str) -> str | None:
    """The capacity as text with its unit; a bare number needs the unit in the header."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(value)
    try:
        float(text)
        bare = True
    except ValueError:
        bare = False
    if bare:
        if header_unit is None:
            raise ValidationError(
                f"{column} {text!r} has no unit; write it in the cell (100 MW) or the header "
                f"({column}(MW))",
                "capacity",
                value,
            )
        return f"{text} {header_unit}"
    if header_unit is not None and re.fullmatch(r"[-+]?\d[\d,.]*", text):
        return f"{text} {header_unit}"  # "12,5" under 装机容量(MW): the parser names it
    return text


# The columns of a ledger this app exported (export.tabular) that are not fields to import:
# derived from the location or the record (region codes, source, the plan's sentence).
_DERIVED_KEYS = ("province", "city", "county", "county_name", "township", "source", "quote",
                 "version", "created_at", "updated_at")  # fmt: skip
# How the project id column may be headed when re-importing with --key id.
_ID_HEADERS = ("id", "编号")


@dataclass(frozen=True)
class _Exported:
    """A ledger exported by gis-carbon (its 其他属性(JSON) column says so): the attributes as
    JSON, one size column per unit, derived columns left out."""

    attributes: str  # the JSON column
    sizes: dict[str, str]  # unit → its column (装机容量(MW), 长度(km) …)
    derived: frozenset[str]

    @classmethod
    def of(cls, columns: list[str]) -> _Exported | None:
        from gis_carbon.export.common import COLUMNS_BY_KEY
        from gis_carbon.export.tabular import UNIT_HEADERS

        attributes = COLUMNS_BY_KEY["attributes"].zh
        if attributes not in columns:
            return None
        sizes = {unit: header for unit, header in UNIT_HEADERS.items() if header in columns}
        derived = frozenset(COLUMNS_BY_KEY[k].zh for k in _DERIVED_KEYS) & set(columns)
        return cls(attributes, sizes, derived)

    def attributes_of(self, props: dict[str, Any]) -> dict[str, Any]:
        import json

        text = props.get(self.attributes)
        if text is None or str(text).strip() == "":
            return {}
        try:
            found = json.loads(str(text))
        except ValueError:
            found = None
        if not isinstance(found, dict):
            raise ValidationError(
                f"{self.attributes} {str(text)[:60]!r} is not a JSON object", "attributes", text
            )
        return found

    def sizes_of(self, props: dict[str, Any], type_name: str) -> tuple[str | None, str | None]:
        """The capacity and energy of a row as "value unit", from the columns of its type's
        units (a ledger of several kinds has one size column per unit)."""
        from gis_carbon.model.types import project_type

        try:
            ptype = project_type(type_name)
        except GisCarbonError:
            return None, None  # the type is refused with its own message
        out: list[str | None] = []
        for unit in (ptype.capacity_unit, ptype.energy_unit):
            column = self.sizes.get(unit) if unit else None
            value = props.get(column) if column else None
            out.append(None if value is None or not column else _capacity_text(value, unit, column))
        return out[0], out[1]


def id_column(columns: list[str], key: str | None) -> str | None:
    """The column holding the projects' own ids when re-importing with --key id."""
    if key is None or key.casefold() != "id":
        return None
    return next((c for c in columns if c.strip().casefold() in _ID_HEADERS), None)


class RefusedRowsError(InputRowsError):
    """A ledger refused row by row; `rows` holds each problem with its column and value."""

    def __init__(self, path: Path, rows: list[RowProblem]) -> None:
        super().__init__(path, [f"{r.where}: {r.reason}" if r.where else r.reason for r in rows])
        self.rows = rows


def _as_projects(
    ws: WorkspaceStore,
    read: ReadResult,
    mapping: dict[str, str],
    plan_id: str | None,
    dry_run: bool,
    feedback: Feedback,
    author: str | None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    default_status: str | None = None,
    skip_invalid: bool = False,
    key: str | None = None,
    delete_missing: bool = False,
) -> ImportResult:
    from gis_carbon.io.tabular import header_unit
    from gis_carbon.services.projects import ProjectInput, project_from_input
    from gis_carbon.services.regions import with_regions_many

    name = read.path.name
    missing = [f for f, zh in (("name", "项目名称"), ("type", "类型")) if f not in mapping]
    if missing:
        wanted = ", ".join(
            f"{f} ({zh})" for f, zh in (("name", "项目名称"), ("type", "类型")) if f in missing
        )
        raise InputFileError(
            f"{name}: no column for {wanted} among {', '.join(read.columns)}; map it with "
            f"--map {missing[0]}=列名, or import the file as a layer with --layer NAME"
        )
    is_table = read.format in ("XLSX", "CSV")
    if is_table and not ({"lon", "lat"} <= mapping.keys() or {"x", "y"} <= mapping.keys()):
        raise InputFileError(
            f"{name}: no coordinate columns (经度/纬度 or X/Y) among "
            f"{', '.join(read.columns)}; map them with --map lon=列名 lat=列名"
        )
    problems = [from_message(p) for p in read.problems]
    failed = {p.where for p in problems}
    maps = {field: dict(values) for field, values in (value_map or {}).items()}
    notes = list(read.notes)
    capacity_unit = header_unit(mapping["capacity"])[1] if "capacity" in mapping else None
    energy_unit = header_unit(mapping["energy"])[1] if "energy" in mapping else None
    used_columns = set(mapping.values())
    exported = _Exported.of(read.columns)
    if exported is not None:
        used_columns |= {exported.attributes, *exported.sizes.values(), *exported.derived}
    ids = id_column(read.columns, key)
    if ids is not None:
        used_columns.add(ids)
    defaulted_status = 0
    projects: list[tuple[Record, Project]] = []
    for n, record in enumerate(read.records):
        if n % 200 == 0:
            _report(feedback, 0.5 + 0.3 * n / max(len(read.records), 1), f"checking {record.where}")
        if record.where in failed:
            continue
        props = record.properties
        if record.geometry is None:
            problems.append(
                RowProblem(record.where, "location", None, "no location (经度/纬度 empty)")
            )
            continue

        def get(fld: str, props: dict[str, Any] = props) -> Any:
            value = props.get(mapping[fld]) if fld in mapping else None
            # --value-map type:光伏发电=pv_ground, applied before any check
            return maps.get(fld, {}).get(str(value).strip(), value) if value is not None else None

        try:
            status = get("status")
            if status is None:
                defaulted_status += 1
                status = default_status or DEFAULT_STATUS
            type_name = str(get("type") or "").strip()
            extra: dict[str, Any] = {}
            if exported is not None:
                capacity, energy = exported.sizes_of(props, type_name)
                extra = exported.attributes_of(props)
            else:
                capacity = _capacity_text(
                    get("capacity"), capacity_unit, mapping.get("capacity", "capacity")
                )
                energy = _capacity_text(get("energy"), energy_unit, mapping.get("energy", "energy"))
            data = ProjectInput(
                name=str(get("name") or "").strip(),
                type=type_name,
                status=str(status),
                capacity=capacity,
                energy=energy,
                year=_year_text(get("year")),
                start_year=_year_text(get("start_year")),
                wkt=shapely.to_wkt(record.geometry, rounding_precision=-1),
                owner=str(get("owner") or ""),
                notes=str(get("notes") or ""),
                precision=str(get("precision") or "exact"),
                plan_id=str(get("plan_id")) if get("plan_id") else plan_id,
                attributes={
                    **{k: v for k, v in props.items() if k not in used_columns and v is not None},
                    **extra,
                },
            )
            if not data.type:
                raise ValidationError("type (类型) is empty", "type", None)
            project = project_from_input(data, source=f"import:{name}")
        except GisCarbonError as exc:
            field = getattr(exc, "field", None)
            problems.append(RowProblem(record.where, field, getattr(exc, "value", None), str(exc)))
            continue
        projects.append((record, project))
    if not read.records:
        problems.append(RowProblem("", None, None, "the file holds no rows"))
    if problems and (not skip_invalid or not projects):
        raise RefusedRowsError(read.path, problems)
    if plan_id is not None:
        ws.plan(plan_id)  # NotFoundError before anything is written
    _report(feedback, 0.8, "assigning regions")
    located = with_regions_many([p for _, p in projects], ws)
    # a city without counties (东莞, 中山, 嘉峪关, 儋州) is the lowest region of its projects;
    # only a row in no region at all (at sea, abroad) is outside
    outside = [r.where for (r, _), p in zip(projects, located, strict=True) if not p.regions.lowest]
    city_level = Counter(p.regions.city for p in located if p.regions.city and not p.regions.county)
    if defaulted_status:
        notes.append(
            f"{defaulted_status} rows without a status stored as {default_status or DEFAULT_STATUS}"
        )
    if problems:  # --skip-invalid: the valid rows go in, the rest are listed
        refused = {p.where for p in problems}
        notes.append(
            f"{len(refused)} rows left out (--skip-invalid): {', '.join(sorted(refused)[:10])}"
        )
    if city_level:
        notes.append(_city_level_note(city_level))
    if outside:
        notes.append(_outside_note(outside))
    result = ImportResult.of_read(
        read,
        "projects",
        dry_run,
        len(located),
        projects=located,
        mapping=dict(mapping),
        notes=notes,
        outside=outside,
    )
    result.refused = problems
    if key is not None:
        records = [r for r, _ in projects]
        return _sync(ws, result, read, records, located, mapping, key, delete_missing, author)
    if dry_run:
        return result
    _report(feedback, 0.9, f"writing {len(located)} projects")
    with ws.transaction():
        result.projects = ws.add_projects(located, author=author)
    _report(feedback, 1.0, "done")
    return result


OUTSIDE_LISTED = 20  # rows named in the outside note; the rest are counted


def _outside_note(outside: list[str]) -> str:
    shown = ", ".join(outside[:OUTSIDE_LISTED])
    more = len(outside) - OUTSIDE_LISTED
    rest = f" (and {more} more not listed)" if more > 0 else ""
    return f"{len(outside)} rows outside China's regions (at sea or abroad): {shown}{rest}"


def _city_level_note(cities: Counter[str]) -> str:
    from gis_carbon.geo.boundaries import region

    shown = ", ".join(f"{region(code).name} {code} ({n})" for code, n in sorted(cities.items()))
    total = sum(cities.values())
    return f"{total} rows in cities without counties, counted under the city: {shown}"


# What a re-import compares, and how a change is shown.
_DIFF_FIELDS = ("name", "type", "status", "capacity", "energy", "year", "start_year", "owner",
                "notes", "precision", "plan_id")  # fmt: skip


def _changes(before: Project, after: Project) -> dict[str, list[Any]]:
    """field → [old, new] for what a re-import changes (a move as lon/lat)."""
    out: dict[str, list[Any]] = {
        f: [getattr(getattr(before, f), "value", getattr(before, f)),
            getattr(getattr(after, f), "value", getattr(after, f))]
        for f in _DIFF_FIELDS
        if getattr(before, f) != getattr(after, f)
    }  # fmt: skip
    if not before.geometry.equals(after.geometry):
        out["location"] = [list(before.lonlat), list(after.lonlat)]
    return out


def _sync(
    ws: WorkspaceStore,
    result: ImportResult,
    read: ReadResult,
    records: list[Record],
    located: list[Project],
    mapping: dict[str, str],
    key: str,
    delete_missing: bool,
    author: str | None,
) -> ImportResult:
    """A re-import keyed by a column: new rows added, changed ones updated (a history entry
    each), unchanged ones left alone, stored ledger projects absent from the file listed
    (deleted only with `delete_missing`); all in one transaction, nothing on a dry run."""
    from dataclasses import replace

    from gis_carbon.services.keyed import match_stored, merged

    by_id = id_column(read.columns, key)
    column = by_id or (key if key in read.columns else mapping.get(key))
    if column is None:
        raise InputFileError(
            f"{read.path.name}: --key {key!r} names no column; columns: {', '.join(read.columns)}"
        )
    values = [record.properties.get(column) for record in records]
    counties = [p.regions.lowest for p in located]
    stored = match_stored(
        ws, replace(read, records=records), column, values, mapping, counties, by_id=bool(by_id)
    )
    added: list[Project] = []
    changed: list[tuple[Project, Project]] = []
    unchanged: list[Project] = []
    for before, project in zip(stored, located, strict=True):
        if before is None:
            added.append(project)
            continue
        after = merged(before, project, mapping)
        (unchanged.append(before) if after == before else changed.append((before, after)))
    matched = {p.id for p in stored if p is not None}
    missing = [
        p
        for p in ws.projects()
        if p.id not in matched and (p.source.startswith("import:") or column in p.attributes)
    ]
    result.diff = {
        "added": [p.name for p in added],
        "changed": [
            {"id": before.id, "name": before.name, "changes": _changes(before, after)}
            for before, after in changed
        ],
        "unchanged": [p.id for p in unchanged],
        "missing": [{"id": p.id, "name": p.name} for p in missing],
    }
    result.count = len(added) + len(changed)
    author = author or f"import:{read.path.name}"
    if result.dry_run:
        result.projects = added
        return result
    with ws.transaction():
        result.projects = ws.add_projects(added, author=author) if added else []
        result.projects += [ws.update_project(after, author=author) for _, after in changed]
        if delete_missing:
            for project in missing:
                ws.delete_project(project.id or 0, version=project.version, author=author)
    if missing and not delete_missing:
        result.notes.append(
            f"{len(missing)} stored projects are not in the file (kept; --delete-missing deletes)"
        )
    return result


def check_projects(
    ws: WorkspaceStore, read: ReadResult, mapping: dict[str, str], *, plan_id: str | None = None
) -> ImportResult:
    """Check records read from anywhere (a file, a data frame) as `import` checks a ledger,
    and locate them; nothing is written. InputRowsError lists every refused row."""
    return _as_projects(ws, read, mapping, plan_id, True, NO_FEEDBACK, None)


__all__ = [
    "ROLE_CHOICES",
    "ImportCancelled",
    "ImportResult",
    "RefusedRowsError",
    "check_projects",
    "import_file",
]
