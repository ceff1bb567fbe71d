"""The targets panel lists every target: those without data under 待录入数据, where an
indicator's value can be typed in and then counts like `record-indicator`."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from gis_carbon.cli import main


def test_waiting_targets_are_listed_and_a_typed_value_reaches_status(
    window, qtbot, seeded_path, capsys
) -> None:
    panel = window.targets_panel
    waiting = [p for p in window.progress if p.verdict.value == "no_data"]
    assert waiting, "静海区 has indicator targets without recorded values"
    # every target of the plan is listed: with data as a bar, the rest under 待录入数据
    pending = panel.pending_group
    listed = [
        pending.list.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
        for i in range(pending.list.topLevelItemCount())
    ]
    assert sorted(listed) == sorted(p.target.id for p in waiting)
    assert set(panel.rows) | set(listed) == {p.target.id for p in window.progress}
    assert panel.pending_header.text() == f"待录入数据（{len(waiting)}）"
    assert pending.isVisibleTo(panel)
    assert f"{len(waiting)} 项待录入数据" in panel.state.text()

    # nothing to enter until an indicator is chosen
    assert not pending.enter.isEnabled() and not pending.value.isEnabled()
    target = next(p.target for p in waiting if p.target.metric.value == "indicator")
    pending.choose(target.id)
    assert panel.chosen == target.id
    assert pending.unit.text() == target.unit
    pending.year.setValue(2024)
    qtbot.keyClicks(pending.value, "42")
    assert pending.enter.isEnabled()
    entry = pending
    qtbot.mouseClick(entry.enter, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(
            p.target.id == target.id and p.verdict.value != "no_data" for p in window.progress
        ),
        timeout=60_000,
    )
    assert target.id not in {p.target.id for p in window.progress if p.verdict.value == "no_data"}
    # the CLI sees the same value
    assert main(["--workspace", str(seeded_path), "status", "--plan", "静海区", "--json"]) == 0
    status = {s["target_id"]: s for s in json.loads(capsys.readouterr().out)}
    assert status[target.id]["current"] is not None
    assert status[target.id]["verdict"] != "no_data"

    # collapsing the (rebuilt) group hides it, and the header says so with its arrow
    pending = panel.pending_group
    panel.pending_header.click()
    assert not pending.isVisibleTo(panel)
    assert panel.pending_header.arrowType() == Qt.ArrowType.RightArrow


def test_indicator_template_round_trip_from_the_window(window, qtbot, tmp_path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "静海区指标.xlsx"
    window.export_indicators(str(path))
    qtbot.waitUntil(path.exists, timeout=30_000)
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    first = [c.value for c in sheet[2]]
    indicator, region = first[1], first[2]
    target = next(
        p.target
        for p in window.progress
        if p.target.params.get("indicator") == indicator and p.target.region_code == region
    )
    sheet.cell(row=2, column=header.index(2023) + 1, value=7.5)
    book.save(path)
    window.import_indicators(str(path))
    qtbot.waitUntil(
        lambda: any(
            p.target.id == target.id and p.verdict.value != "no_data" for p in window.progress
        ),
        timeout=60_000,
    )
    assert "已录入 1 个指标数值" in window.statusBar().currentMessage()
