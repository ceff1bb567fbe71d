"""The indicator template: one row per recorded indicator of a plan (its sentence, unit and
target) and a column per year, existing values filled in, for planners to complete in Excel
and read back with `import-indicators`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gis_carbon.errors import ExportError
from gis_carbon.export.common import atomic_file
from gis_carbon.export.tabular import neutralise

# The fixed columns, in order; the year columns follow. import-indicators finds them by name.
HEADERS = (
    "目标ID target_id",
    "指标 indicator",
    "地区 region",
    "名称 name",
    "单位 unit",
    "目标 target",
    "目标年份 target year",
    "原文 quote",
)
SHEET_TITLE = "指标 indicators"


@dataclass(frozen=True)
class IndicatorRow:
    target_id: str
    indicator: str
    region_code: str
    name: str
    unit: str
    target_text: str  # "≥11.7 %"
    target_year: int
    quote: str
    values: Mapping[int, float]  # year → recorded value


def write_indicator_sheet(path: Path, rows: Sequence[IndicatorRow], years: Sequence[int]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ExportError(
            f"the indicator template is an Excel file: give a .xlsx path, not {path.name!r}"
        )
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append([*HEADERS, *years])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    widths = [24, 24, 10, 30, 8, 14, 10, 60, *([10] * len(years))]
    for i, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in rows:
        sheet.append(
            [
                neutralise(row.target_id),
                neutralise(row.indicator),
                row.region_code,
                neutralise(row.name),
                row.unit,
                neutralise(row.target_text),
                row.target_year,
                neutralise(row.quote),
                *(row.values.get(year) for year in years),
            ]
        )
        sheet.cell(row=sheet.max_row, column=len(HEADERS)).alignment = Alignment(wrap_text=True)
    sheet.freeze_panes = sheet.cell(row=2, column=len(HEADERS) + 1)
    with atomic_file(path) as tmp:
        book.save(tmp)
    return path
