"""CSV (UTF-8 with BOM, so Excel opens it) and the Excel 项目台账: a projects sheet per plan
with Chinese headers carrying their units, a targets sheet with progress. Text that starts
with = + - @ (or tab/CR) never runs as a formula someone typed into a project name: in a CSV
it gets a leading apostrophe; in Excel the cell is text with the quotePrefix style (what
typing '=… in Excel does), so the value itself stays as stored and a re-import keeps it."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gis_carbon.errors import ExportError
from gis_carbon.export.common import (
    COLUMNS_BY_KEY,
    Selection,
    Steps,
    atomic_file,
    project_record,
    targets_table,
    transform_geometry,
)
from gis_carbon.model.project import Project
from gis_carbon.model.types import TYPES_BY_CODE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The ledger's columns (record keys). Sizes get one column per unit present, with the unit
# in the header (装机容量(MW), 长度(km) …), so a column never mixes MW with 亩.
LEDGER_KEYS = (
    "id",
    "name",
    "type_zh",
    "status_zh",
    "year",
    "start_year",
    "lon",
    "lat",
    "precision",
    "province",
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
SIZE_AFTER = "type_zh"  # the unit columns follow this one
UNIT_HEADERS = {
    "MW": "装机容量(MW)",
    "MWh": "储能容量(MWh)",
    "MVA": "变电容量(MVA)",
    "km": "长度(km)",
    "亩": "面积(亩)",
    "台": "充电桩(台)",
    "kW": "充电功率(kW)",
}

TARGET_HEADERS = (
    ("name_zh", "目标"),
    ("year", "年份"),
    ("comparator_symbol", "比较"),
    ("value", "目标值"),
    ("unit", "单位"),
    ("aspirational", "力争"),
    ("current", "当前值"),
    ("baseline", "其中存量"),
    ("new", "其中新增"),
    ("percent", "完成率(%)"),
    ("gap", "差距"),
    ("gap_unit", "差距单位"),
    ("verdict", "判定"),
    ("metric", "指标类型"),
    ("quote", "方案原文"),
    ("source_file", "来源文件"),
    ("id", "目标编号"),
)

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _as_is(value: Any) -> Any:
    return value


def append_protected(sheet: Any, values: Sequence[Any]) -> None:
    """Append a row to an openpyxl sheet; text a spreadsheet would read as a formula (or an
    error code such as #N/A) is stored as text with the quotePrefix style, not an apostrophe."""
    sheet.append(list(values))
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value[:1] == "#"):
            cell = sheet.cell(row=row, column=column)
            cell.data_type = "s"
            cell.quotePrefix = True


def size_units(projects: Sequence[Project]) -> list[str]:
    """The units of capacity and energy the projects use, in UNIT_HEADERS order."""
    used = set()
    for p in projects:
        ptype = TYPES_BY_CODE[p.type]
        if p.capacity is not None and ptype.capacity_unit:
            used.add(ptype.capacity_unit)
        if p.energy is not None and ptype.energy_unit:
            used.add(ptype.energy_unit)
    known = [u for u in UNIT_HEADERS if u in used]
    return known + sorted(used - set(known))


def ledger_headers(projects: Sequence[Project], coords: str = "wgs84") -> list[str]:
    """Chinese headers with units: 装机容量(MW), 长度(km), 经度(°) …"""
    headers = []
    for key in LEDGER_KEYS:
        header = COLUMNS_BY_KEY[key].zh
        if key in ("lon", "lat") and coords == "gcj02":
            header += " GCJ-02"
        headers.append(header)
        if key == SIZE_AFTER:
            headers.extend(UNIT_HEADERS.get(u, f"规模({u})") for u in size_units(projects))
    return headers


def ledger_rows(
    projects: Sequence[Project], coords: str, *, protect: Any = neutralise
) -> list[list[Any]]:
    units = size_units(projects)
    rows = []
    for project in projects:
        geometry = transform_geometry(project.geometry, coords)
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        record = project_record(project, (round(point.x, 7), round(point.y, 7)))
        ptype = TYPES_BY_CODE[project.type]
        sizes = dict.fromkeys(units)
        if project.capacity is not None and ptype.capacity_unit:
            sizes[ptype.capacity_unit] = project.capacity
        if project.energy is not None and ptype.energy_unit:
            sizes[ptype.energy_unit] = project.energy
        row = []
        for key in LEDGER_KEYS:
            row.append(protect(record[key]))
            if key == SIZE_AFTER:
                row.extend(sizes[u] for u in units)
        rows.append(row)
    return rows


def write_csv(
    selection: Selection,
    path: Path,
    steps: Steps,
    *,
    encoding: str = "utf-8",
    coords: str = "wgs84",
) -> tuple[list[Path], list[str]]:
    path = Path(path)
    if path.suffix.lower() != ".csv":
        raise ExportError(f"a CSV export needs a .csv path; got {path.name!r}")
    codec = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "gbk": "gbk"}.get(encoding.lower())
    if codec is None:
        raise ExportError(f"CSV encoding {encoding!r} is not supported; use utf-8 or gbk")
    rows = ledger_rows(selection.projects, coords)
    headers = ledger_headers(selection.projects, coords)
    steps.advance()
    notes = []
    with atomic_file(path) as tmp:
        with tmp.open("w", encoding=codec, errors="replace", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(headers)
            out.writerows(["" if v is None else v for v in row] for row in rows)
        if codec == "gbk":
            lost = sum(1 for row in rows for v in row if isinstance(v, str) and not _fits_gbk(v))
            if lost:
                notes.append(f"{lost} 个值含GBK无法表示的字符，已替换为? ({lost} value(s) not GBK)")
        steps.advance()
    return [path], notes


def _fits_gbk(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def sheet_title(text: str, taken: set[str]) -> str:
    """An Excel sheet name: ≤31 characters, none of []:*?/\\, unique."""
    base = _SHEET_FORBIDDEN.sub("_", text).strip("'") or "Sheet"
    title, n = base[:31], 2
    while title.casefold() in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def _projects_by_sheet(selection: Selection) -> list[tuple[str, list[Project]]]:
    """One sheet per plan (the plan's projects: those in its region, as `projects --plan`
    lists them); a region export without a plan gets one sheet."""
    if not selection.plans:
        return [("项目", list(selection.projects))]
    sheets: list[tuple[str, list[Project]]] = []
    for plan in selection.plans:
        if len(selection.plans) == 1:
            chosen = list(selection.projects)
        else:
            code = plan.region_code
            chosen = [p for p in selection.projects if code in p.regions.codes]
        sheets.append((f"项目-{plan.region_name}", chosen))
    return sheets


def write_excel(
    selection: Selection, path: Path, steps: Steps, *, coords: str = "wgs84"
) -> tuple[list[Path], list[str]]:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ExportError(f"an Excel export needs a .xlsx path; got {path.name!r}")
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def header(sheet: Any, names: Sequence[str], widths: Sequence[int]) -> None:
        sheet.append(list(names))
        for i, width in enumerate(widths, start=1):
            cell = sheet.cell(row=1, column=i)
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "B2"

    for title, projects in _projects_by_sheet(selection):
        sheet = book.create_sheet(sheet_title(title, taken))
        headers = ledger_headers(projects, coords)
        wide = {COLUMNS_BY_KEY[k].zh: 40 for k in ("name", "quote", "notes")}
        widths = [wide.get(h, 8 if h in ("编号", "投产年份") else 14) for h in headers]
        header(sheet, headers, widths)
        for row in ledger_rows(projects, coords, protect=_as_is):
            append_protected(sheet, row)
        steps.advance()

    progress_note = selection.progress_note
    sheet = book.create_sheet(sheet_title("目标", taken))
    header(
        sheet,
        ["方案", *(h for _, h in TARGET_HEADERS)],
        [12, 30, 8, 6, 10, 10, 6, 12, 10, 10, 10, 10, 8, 10, 14, 60, 24, 36],
    )
    plan_names = {p.id: p.region_name for p in selection.plans}
    for target_row in targets_table(selection.targets, selection.progress):
        values: list[Any] = []
        for key, _ in TARGET_HEADERS:
            value = target_row[key]
            if key == "aspirational":
                value = "力争" if value else ""
            elif (
                key in ("current", "gap")
                and value is not None
                and not isinstance(value, int | float)
            ):
                value = str(value)
            values.append(value)
        plan_id = target_row["plan_id"]
        append_protected(sheet, [plan_names.get(plan_id, plan_id), *values])
    if progress_note:
        sheet.append([])
        append_protected(sheet, [progress_note])
    steps.advance()

    info = book.create_sheet(sheet_title("说明", taken))
    for line in (
        ("标题", selection.title),
        ("坐标系", "GCJ-02（火星坐标）" if coords == "gcj02" else "WGS 84 经纬度 (EPSG:4326)"),
        ("项目数", len(selection.projects)),
        ("进度", progress_note or "按方案目标计算 (progress from gis_carbon.services.progress)"),
        ("导出", "gis-carbon"),
    ):
        append_protected(info, line)
    info.column_dimensions["A"].width = 10
    info.column_dimensions["B"].width = 60

    with atomic_file(path) as tmp:
        book.save(tmp)
        steps.advance()
    return [path], [progress_note] if progress_note else []
