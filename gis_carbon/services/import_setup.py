"""What an import dialog needs before it imports: a preview of the file (columns, first rows,
the detected column mapping, the distinct values of each column), whether a ledger's type or
status value is known, and import profiles (column map, value maps and options) saved by name
in the workspace (or as a small JSON file) so next month's ledger is set up in one step.

    found = preview_file("台账.xlsx")
    found.mapping["type"]             # the column detection chose, e.g. "类型"
    found.distinct["类型"]             # [("光伏", 12), ("煤电", 3), …], most frequent first
    known_code("type", "煤电")          # "coal_power"; None for a value the app does not know

Only the named profiles write to a workspace (its meta table); everything imports without a
display.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gis_carbon.errors import InputFileError
from gis_carbon.model.storage import WorkspaceStore

__all__ = [
    "MAPPED_VALUE_FIELDS",
    "ImportPreview",
    "ImportProfile",
    "known_code",
    "load_profile",
    "preview_file",
    "project_fields",
    "save_profile",
    "save_workspace_profile",
    "value_choices",
    "workspace_profile",
    "workspace_profiles",
]

# The fields whose values a ledger spells its own way and the user may map to a code.
MAPPED_VALUE_FIELDS = ("type", "status")
# Distinct values kept per column: a value map over more is not something one does by hand.
DISTINCT_LIMIT = 500
PROFILE_VERSION = 1


@dataclass(frozen=True)
class ImportPreview:
    path: Path
    kind: str  # "table" or "vector"
    columns: list[str]
    rows: list[dict[str, Any]]  # the first rows, column → value
    row_count: int
    mapping: dict[str, str]  # field → column, as the import would detect it
    distinct: dict[str, list[tuple[str, int]]]  # column → (value, rows), most frequent first
    encoding: str | None = None
    crs: str | None = None


def _kind(path: Path) -> str:
    from gis_carbon.io.tabular import TABLE_SUFFIXES
    from gis_carbon.io.vector import ARCHIVE_SUFFIXES, VECTOR_SUFFIXES

    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in VECTOR_SUFFIXES or suffix in ARCHIVE_SUFFIXES:
        return "vector"
    raise InputFileError(f"{path.name}: cannot preview {suffix or 'a file without a suffix'}")


def preview_file(
    path: str | os.PathLike[str], *, encoding: str | None = None, rows: int = 20
) -> ImportPreview:
    """The file's columns, first `rows` rows, detected mapping and distinct values."""
    from gis_carbon.io.failures import reading
    from gis_carbon.io.tabular import detect_mapping, read_table
    from gis_carbon.io.vector import read_vector

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if rows < 0:
        raise ValueError(f"rows must be ≥ 0; got {rows}")
    kind = _kind(path)
    crs = None
    with reading(path):
        if kind == "table":
            table = read_table(path, encoding=encoding)
            columns, values = table.columns, [v for _, v in table.rows]
            used_encoding = table.encoding
        else:
            read = read_vector(path, encoding=encoding)
            columns, values = read.columns, [r.properties for r in read.records]
            used_encoding = read.encoding
            crs = read.crs.label if read.crs else None
    counts: dict[str, Counter[str]] = {c: Counter() for c in columns}
    for row in values:
        for column in columns:
            value = row.get(column)
            if value is not None and str(value).strip():
                counts[column][str(value).strip()] += 1
    return ImportPreview(
        path=path,
        kind=kind,
        columns=list(columns),
        rows=[dict(v) for v in values[:rows]],
        row_count=len(values),
        mapping=detect_mapping(list(columns)),
        distinct={c: n.most_common(DISTINCT_LIMIT) for c, n in counts.items()},
        encoding=used_encoding,
        crs=crs,
    )


def project_fields() -> tuple[str, ...]:
    """The fields a ledger's columns may be mapped to (name, type, capacity …, plan_id)."""
    from gis_carbon.io.tabular import FIELDS

    return tuple(FIELDS)


def value_choices(field_name: str) -> list[tuple[str, str, str]]:
    """(code, Chinese name, English name) of every type or status a value may be mapped to."""
    from gis_carbon.model.types import PROJECT_TYPES, STATUSES

    choices = {
        "type": lambda: [(t.code, t.name_zh, t.name_en) for t in PROJECT_TYPES],
        "status": lambda: [(s.status.value, s.name_zh, s.name_en) for s in STATUSES],
    }
    if field_name not in choices:
        raise ValueError(f"no value choices for {field_name!r}; only {MAPPED_VALUE_FIELDS}")
    return choices[field_name]()


def known_code(field_name: str, value: str) -> str | None:
    """The code a ledger's value reads as (光伏 → pv, 已并网 → operating), or None if unknown."""
    from gis_carbon.errors import GisCarbonError
    from gis_carbon.model.types import project_type, status

    readers = {"type": lambda v: project_type(v).code, "status": lambda v: status(v).value}
    if field_name not in readers:
        raise ValueError(f"no codes for {field_name!r}; only {MAPPED_VALUE_FIELDS}")
    try:
        return str(readers[field_name](value))
    except GisCarbonError:
        return None


@dataclass
class ImportProfile:
    """How a ledger is imported: the import_file options a dialog sets, by name."""

    mapping: dict[str, str] = field(default_factory=dict)  # field → column
    value_map: dict[str, dict[str, str]] = field(default_factory=dict)  # field → value → code
    default_status: str | None = None
    key: str | None = None
    skip_invalid: bool = False
    encoding: str | None = None


def save_profile(profile: ImportProfile, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    data = {"gis_carbon_import_profile": PROFILE_VERSION, **asdict(profile)}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load_profile(path: str | os.PathLike[str]) -> ImportProfile:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{path.name}: not an import profile ({exc})") from None
    if not isinstance(data, dict) or data.pop("gis_carbon_import_profile", None) is None:
        raise InputFileError(f"{path.name}: not an import profile (no gis_carbon_import_profile)")
    return _profile_from(data, path.name)


def _profile_from(data: dict[str, Any], where: str) -> ImportProfile:
    known = ImportProfile.__dataclass_fields__
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputFileError(f"{where}: unknown profile entries {', '.join(unknown)}")
    return ImportProfile(**data)


# Named profiles live in the workspace (its meta table, one JSON object by name), so next
# month's ledger imports with `--profile NAME` on any machine that opens the workspace.
PROFILES_META_KEY = "import_profiles"


def workspace_profiles(ws: WorkspaceStore) -> dict[str, ImportProfile]:
    """The workspace's saved import profiles by name."""
    stored = json.loads(ws.get_meta(PROFILES_META_KEY) or "{}")
    return {
        name: _profile_from(dict(data), f"import profile {name!r}") for name, data in stored.items()
    }


def workspace_profile(ws: WorkspaceStore, name: str) -> ImportProfile:
    profiles = workspace_profiles(ws)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none saved yet (import with --save-profile NAME)"
        raise InputFileError(f"no import profile {name!r} in this workspace; known: {known}")
    return profiles[name]


def save_workspace_profile(ws: WorkspaceStore, name: str, profile: ImportProfile) -> None:
    """Save (or replace) the profile `name` in the workspace."""
    name = str(name).strip()
    if not name:
        raise InputFileError("an import profile needs a name")
    stored = json.loads(ws.get_meta(PROFILES_META_KEY) or "{}")
    stored[name] = asdict(profile)
    ws.set_meta(PROFILES_META_KEY, json.dumps(stored, ensure_ascii=False, sort_keys=True))
