"""What every export shares: the selection being exported, the projects as a table, progress
and cancel between steps, and writing through a temporary file renamed into place (so a
failure or a cancel leaves no half file behind)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gis_carbon.errors import Cancelled, ExportError, GisCarbonError
from gis_carbon.feedback import NO_FEEDBACK, Feedback
from gis_carbon.model.plan import Plan, Target
from gis_carbon.model.project import Project, project_to_json
from gis_carbon.model.types import STATUS_INFO

if TYPE_CHECKING:
    import geopandas

WGS84 = "wgs84"
GCJ02 = "gcj02"
COORD_SYSTEMS = (WGS84, GCJ02)


class ExportCancelled(ExportError, Cancelled):
    """The user cancelled an export; nothing was written."""


@dataclass(frozen=True)
class Selection:
    """What one export holds: the projects, the plans and targets that go with them, a title."""

    projects: Sequence[Project]
    plans: Sequence[Plan] = ()
    targets: Sequence[Target] = ()
    title: str = "gis-carbon 项目"
    region_code: str | None = None  # the region the boundaries are drawn for
    # target id -> progress dict (TargetProgress.to_json()), when the progress module exists
    progress: dict[str, dict[str, Any]] | None = None
    progress_note: str | None = None  # why progress is missing, if it is

    @property
    def plan(self) -> Plan | None:
        return self.plans[0] if len(self.plans) == 1 else None


@dataclass
class Steps:
    """Progress reporting and cancel checks between the steps of one export."""

    total: int
    feedback: Feedback = NO_FEEDBACK
    done: int = 0

    def check(self) -> None:
        self.feedback.check_cancelled(ExportCancelled, "export cancelled; no file was written")

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.total, self.done + steps)
        self.feedback.progress_count(self.done, self.total, "exporting")
        self.check()


@dataclass
class LossReport:
    """What a format could not hold, one line each, for the user to read."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        if line not in self.lines:
            self.lines.append(line)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`; renamed onto `path` only if the block succeeds."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name")
    if not path.parent.exists():
        raise ExportError(f"folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.close(fd)
    os.unlink(tmp)  # writers (GDAL) want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        for leftover in (tmp_path, *(tmp_path.with_name(tmp_path.name + s) for s in _SQLITE_SIDE)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


_SQLITE_SIDE = ("-wal", "-shm", "-journal")


@contextlib.contextmanager
def atomic_folder(parent: Path, stem: str) -> Iterator[Path]:
    """A temporary folder in `parent` for writers of several files; the caller moves the
    finished files out with `move_into_place`, and the folder goes whatever happens."""
    if not parent.exists():
        raise ExportError(f"folder {parent} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=f".{stem}.", suffix=".tmp", dir=parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def move_into_place(files: Sequence[Path], destination: Path) -> list[Path]:
    """Rename finished files from a temporary folder into `destination` (same file system)."""
    placed = []
    for f in files:
        target = destination / f.name
        os.replace(f, target)
        placed.append(target)
    return placed


# ------------------------------------------------------------------ the projects table
@dataclass(frozen=True)
class Column:
    key: str  # machine name (GPKG/GeoJSON/KML field, CSV header in English)
    zh: str  # Chinese header, with the unit where there is one
    kind: str  # "str", "int", "float"


# One table of columns for every format: adding a field is adding a row here.
PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("id", "编号", "int"),
    Column("name", "项目名称", "str"),
    Column("type", "类型代码", "str"),
    Column("type_zh", "项目类型", "str"),
    Column("capacity", "规模", "float"),
    Column("capacity_unit", "规模单位", "str"),
    Column("energy", "第二规模", "float"),
    Column("energy_unit", "第二规模单位", "str"),
    Column("status", "状态代码", "str"),
    Column("status_zh", "状态", "str"),
    Column("year", "投产年份", "int"),
    Column("start_year", "开工年份", "int"),
    Column("precision", "位置精度", "str"),
    Column("lon", "经度(°)", "float"),
    Column("lat", "纬度(°)", "float"),
    Column("province", "省级代码", "str"),
    Column("city", "地级代码", "str"),
    Column("county", "县级代码", "str"),
    Column("county_name", "区县名称", "str"),
    Column("township", "乡镇代码", "str"),
    Column("owner", "业主单位", "str"),
    Column("plan_id", "所属方案", "str"),
    Column("source", "来源", "str"),
    Column("quote", "方案原文", "str"),
    Column("notes", "备注", "str"),
    Column("attributes", "其他属性(JSON)", "str"),
    Column("version", "版本", "int"),
    Column("created_at", "创建时间", "str"),
    Column("updated_at", "更新时间", "str"),
)
COLUMNS_BY_KEY = {c.key: c for c in PROJECT_COLUMNS}


@functools.lru_cache(maxsize=4096)
def region_name(code: str | None) -> str | None:
    """The name of a region code (120223 → 静海区) beside the code in every export; None
    for no code, the code itself for one the boundary catalogue does not know."""
    if not code:
        return None
    from gis_carbon.geo.boundaries import region

    try:
        return region(code).name
    except GisCarbonError:
        return code


def project_record(project: Project, lonlat: tuple[float, float] | None = None) -> dict[str, Any]:
    """One project as a flat record of PROJECT_COLUMNS (attributes as a JSON string)."""
    record = project_to_json(project, lonlat=lonlat, wkt="")
    record["status_zh"] = STATUS_INFO[project.status].name_zh
    record["county_name"] = region_name(project.regions.county)
    record["attributes"] = (
        json.dumps(dict(project.attributes), ensure_ascii=False, sort_keys=True)
        if project.attributes
        else None
    )
    return {key: record[key] for key in COLUMNS_BY_KEY}


def transform_geometry(geometry: Any, coords: str) -> Any:
    """The geometry in the coordinates asked for (WGS 84 as stored, or GCJ-02 for 奥维)."""
    if coords == WGS84:
        return geometry
    if coords != GCJ02:
        raise ExportError(f"unknown coordinate system {coords!r}; use one of {COORD_SYSTEMS}")
    import numpy as np
    import shapely

    from gis_carbon.geo.chinese_coords import wgs84_to_gcj02

    def convert(xy: Any) -> Any:
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, convert)


def projects_frame(projects: Sequence[Project]) -> geopandas.GeoDataFrame:
    """The projects as a GeoDataFrame of PROJECT_COLUMNS + geometry, EPSG:4326."""
    import geopandas
    import pandas as pd

    records = [project_record(project) for project in projects]
    frame = pd.DataFrame.from_records(records, columns=[c.key for c in PROJECT_COLUMNS])
    for column in PROJECT_COLUMNS:
        if column.kind == "int":
            frame[column.key] = pd.array(frame[column.key].tolist(), dtype="Int64")
        elif column.kind == "float":
            frame[column.key] = pd.to_numeric(frame[column.key], errors="raise").astype("float64")
        else:
            frame[column.key] = frame[column.key].astype(object)
    return geopandas.GeoDataFrame(frame, geometry=[p.geometry for p in projects], crs="EPSG:4326")


def plans_table(plans: Sequence[Plan]) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "region_code": p.region_code,
            "region_name": p.region_name,
            "parent_id": p.parent_id,
            "doc_number": p.doc_number,
            "date": p.date,
            "source_file": p.source_file,
            "base_year": p.base_year,
            "note": p.note,
        }
        for p in plans
    ]


def targets_table(
    targets: Sequence[Target], progress: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    rows = []
    for t in targets:
        got = (progress or {}).get(t.id) or {}
        rows.append(
            {
                "id": t.id,
                "plan_id": t.plan_id,
                "region_code": t.region_code,
                "metric": t.metric.value,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "year": t.year,
                "comparator": t.comparator.value,
                "comparator_symbol": t.comparator.symbol,
                "value": float(t.value),
                "unit": t.unit,
                "aspirational": bool(t.aspirational),
                "scope": ",".join(t.scope),
                "params": json.dumps(dict(t.params), ensure_ascii=False, sort_keys=True)
                if t.params
                else None,
                "quote": t.quote,
                "source_file": t.source_file,
                "section": t.section,
                "note": t.note,
                # progress.to_json(): current in the plan's unit where it offers one
                "current": got.get("current_plan_unit", got.get("current")),
                "percent": got.get("percent"),
                "gap": got.get("gap"),
                "gap_unit": got.get("unit") if got.get("gap") is not None else None,
                "verdict": got.get("verdict_zh") or got.get("verdict"),
                # 存量 + 新增 where the existing stock counts, in the plan's unit
                **_parts_in_plan_unit(t, got.get("parts")),
            }
        )
    return rows


def _parts_in_plan_unit(target: Target, parts: dict[str, Any] | None) -> dict[str, Any]:
    if not parts:
        return {"baseline": None, "new": None, "parts_text": None}
    baseline = target.in_plan_unit(parts["baseline"])
    new = target.in_plan_unit(parts["new"])
    years = "、".join(str(y) for y in parts.get("baseline_years", []))
    return {
        "baseline": baseline,
        "new": new,
        "parts_text": f"存量 {display_number(baseline)} ({years}) + 新增 {display_number(new)}",
    }


def display_number(value: Any) -> str:
    """A number as people write it: no trailing .0, at most 4 decimals."""
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number != number:  # NaN
        return ""
    text = f"{number:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
