"""Indicators from Excel: the template a planner fills in, read back all or nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from gis_carbon.cli import main
from gis_carbon.io.records import InputRowsError
from gis_carbon.services.indicators import export_indicator_template, import_indicator_workbook
from gis_carbon.services.progress import evaluate_plan, record_indicator
from gis_carbon.services.workspace import open_workspace


def _header_and_rows(path: Path):  # type: ignore[no-untyped-def]
    sheet = load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def test_the_template_holds_every_indicator_with_its_sentence_and_values(
    seeded_path: Path, tmp_path: Path
) -> None:
    with open_workspace(seeded_path) as ws:
        record_indicator(ws, "non_fossil_share", region_code="120000", year=2022, value="9.1")
        path = export_indicator_template(ws, "天津市", tmp_path / "天津指标.xlsx")
        indicators = {
            str(t.params.get("indicator") or t.id)
            for t in ws.targets("tianjin")
            if t.metric.value == "indicator"
        }
    header, rows = _header_and_rows(path)
    assert header[:8] == [
        "目标ID target_id", "指标 indicator", "地区 region", "名称 name", "单位 unit",
        "目标 target", "目标年份 target year", "原文 quote",
    ]  # fmt: skip
    assert header[8:] == list(range(2020, 2031))  # base year 2020 to 2030
    assert {r[1] for r in rows} == indicators  # one row per indicator (2025 and 2030 share)
    share = next(r for r in rows if r[1] == "non_fossil_share")
    assert "11.7%" in share[7] and "16%" in share[7]  # both sentences, verbatim
    assert share[header.index(2022)] == 9.1


def test_a_filled_template_is_read_back_and_counts(seeded_path: Path, tmp_path: Path) -> None:
    with open_workspace(seeded_path) as ws:
        path = export_indicator_template(ws, "天津市", tmp_path / "天津指标.xlsx")
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    row = next(
        r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "non_fossil_share"
    )
    sheet.cell(row, header.index(2024) + 1, "11.8%")
    book.save(path)
    with open_workspace(seeded_path) as ws:
        result = import_indicator_workbook(ws, path)
        progress = {p.target.id: p for p in evaluate_plan(ws, "天津市")}
    assert [(v.indicator, v.year, v.value) for v in result.recorded] == [
        ("non_fossil_share", 2024, 11.8)
    ]
    assert progress["tianjin.non_fossil_share.2025"].current == 11.8
    assert progress["tianjin.non_fossil_share.2025"].verdict.value == "met"


def test_one_bad_cell_refuses_the_workbook_and_names_row_and_year(
    seeded_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_workspace(seeded_path) as ws:
        path = export_indicator_template(ws, "天津市", tmp_path / "天津指标.xlsx")
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index(2023) + 1, 10.5)
    sheet.cell(3, header.index(2024) + 1, "12,5")
    book.save(path)
    before = hashlib.sha256(seeded_path.read_bytes()).hexdigest()
    with open_workspace(seeded_path) as ws, pytest.raises(InputRowsError, match="row 3: 2024"):
        import_indicator_workbook(ws, path)
    assert main(["--workspace", str(seeded_path), "import-indicators", str(path)]) == 2
    assert "12,5" in capsys.readouterr().err
    assert hashlib.sha256(seeded_path.read_bytes()).hexdigest() == before
