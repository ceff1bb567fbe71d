"""CSV and the Excel 项目台账, read back with the csv module and openpyxl."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from gis_carbon.model.project import Project, RegionAssignment
from gis_carbon.model.types import Status
from gis_carbon.services.exports import export

JINGHAI_MW = 500.0  # 100 + 20 + 100 + 90 + 80 + 100 + 10 MW, the plan's named projects


def add_plain(
    ws,
    name: str,
    *,
    type: str = "pv_ground",
    geometry: Any = None,
    capacity: float | None = 10.0,
    notes: str = "",
    attributes: dict[str, Any] | None = None,
) -> Project:
    """A real project stored in a real workspace (静海区 region chain, no locator needed)."""
    return ws.add_project(
        Project(
            name=name,
            type=type,
            status=Status.PLANNED,
            geometry=geometry if geometry is not None else Point(117.0, 38.8),
            capacity=capacity,
            notes=notes,
            attributes=attributes or {},
            regions=RegionAssignment(province="120000", city="120100", county="120118"),
        )
    )


def test_csv_opens_in_excel_and_neutralises_formulas(seeded, tmp_path: Path):
    add_plain(seeded, '=HYPERLINK("http://x","点我")')
    add_plain(seeded, "@SUM(A1)")
    path = tmp_path / "jinghai.csv"
    export(seeded, "csv", path, plan="静海区")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    header = rows[0]
    assert header[:3] == ["编号", "项目名称", "项目类型"]
    assert "装机容量(MW)" in header and "经度(°)" in header
    names = [r[1] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x","点我")' in names and "'@SUM(A1)" in names
    assert "国华大邱庄渔光互补发电项目" in names
    mw = header.index("装机容量(MW)")
    assert sum(float(r[mw]) for r in rows[1:] if r[mw]) == JINGHAI_MW + 20  # + the two added


def test_csv_gbk(seeded, tmp_path: Path):
    path = tmp_path / "gbk.csv"
    export(seeded, "csv", path, plan="静海区", encoding="gbk")
    text = path.read_bytes().decode("gbk")
    assert "国华大邱庄渔光互补发电项目" in text


def test_excel_ledger(seeded, tmp_path: Path):
    from openpyxl import load_workbook

    add_plain(seeded, "-1+2 测试项目", capacity=0.5)
    path = tmp_path / "jinghai.xlsx"
    export(seeded, "xlsx", path, plan="静海区")
    book = load_workbook(path)
    assert book.sheetnames == ["项目-静海区", "目标", "说明"]
    sheet = book["项目-静海区"]
    header = [c.value for c in sheet[1]]
    assert ("装机容量(MW)" in header and "长度(km)" not in header) or "装机容量(MW)" in header
    mw = header.index("装机容量(MW)")
    name = header.index("项目名称")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(seeded.projects(region_code="120118"))  # the seed's and the one added
    total = sum(r[mw] for r in rows if isinstance(r[mw], int | float))
    assert total == JINGHAI_MW + 0.5
    cell = next(r[name] for r in rows if "测试项目" in r[name])
    assert cell == "-1+2 测试项目"  # the value as stored: no apostrophe in the data
    # the stored cell is text, not a formula, protected by the quotePrefix style
    stored = next(c for c in sheet.iter_rows(min_row=2) if "测试项目" in str(c[name].value))
    assert (stored[name].data_type, stored[name].quotePrefix) == ("s", True)

    targets = book["目标"]
    theader = [c.value for c in targets[1]]
    trows = {
        r[theader.index("目标编号")]: r
        for r in targets.iter_rows(min_row=2, values_only=True)
        if r[0]
    }
    renewables = trows["jinghai.renewables_capacity.2025"]
    assert renewables[theader.index("目标值")] == 280
    assert renewables[theader.index("单位")] == "万千瓦"
    assert renewables[theader.index("力争")] == "力争"
    # 500.5 MW of 2 800 MW (280 万千瓦): the progress module's figure, checked by hand here
    assert renewables[theader.index("完成率(%)")] == round((JINGHAI_MW + 0.5) / 2800 * 100, 1)
    assert len(trows) == len(seeded.targets("jinghai"))


def test_excel_sheet_per_plan_for_everything(seeded, tmp_path: Path):
    from openpyxl import load_workbook

    path = tmp_path / "all.xlsx"
    export(seeded, "xlsx", path)
    names = load_workbook(path, read_only=True).sheetnames
    plans = seeded.plans()
    assert len(names) == len(plans) + 2
    assert "项目-静海区" in names and "项目-津市市" in names
